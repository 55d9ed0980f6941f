// The pure pieces of `cachectl traffic`: MONITOR line parsing, where a command's keys are, the
// bounded top-N counter, per-namespace aggregation with stampede detection, and the state kept
// to put notify-keyspace-events back.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandSpec, fallbackSpec, parseCommandInfo } from '../../src/core/traffic/command-table.js';
import type { CommandInfo } from '../../src/core/traffic/command-table.js';
import { HeavyHitters } from '../../src/core/traffic/heavy-hitters.js';
import { manualRestoreCommand, missEventsOn, RestoreState, withMissEvents } from '../../src/core/traffic/miss-events.js';
import { parseMonitorLine, parseQuotedArgs } from '../../src/core/traffic/monitor-line.js';
import { outputBufferBytes } from '../../src/core/traffic/node-sampler.js';
import { TrafficStats, MAX_TRAFFIC_NAMESPACES, OVERFLOW } from '../../src/core/traffic/traffic-stats.js';

const b = (text: string) => Buffer.from(text, 'latin1');
const args = (...items: string[]) => items.map(b);
const info = (name: string, flags: string[], firstKey: number, lastKey: number, step: number): CommandInfo => ({ name, flags, firstKey, lastKey, step });

describe('MONITOR lines', () => {
  it('parses time, database, source and arguments', () => {
    const entry = parseMonitorLine('1339518083.107412 [3 127.0.0.1:60866] "set" "app:v2:user:1" "x y"');
    expect(entry).toEqual({ time: 1339518083.107412, db: 3, source: '127.0.0.1:60866', args: args('set', 'app:v2:user:1', 'x y') });
  });

  it('undoes every escape sdscatrepr writes, byte for byte', () => {
    expect(parseQuotedArgs('"a\\"b" "c\\\\d" "\\n\\r\\t\\a\\b" "caf\\xc3\\xa9" "\\xff\\x00"')).toEqual([
      b('a"b'),
      b('c\\d'),
      b('\n\r\t\x07\x08'),
      Buffer.from('café', 'utf8'),
      Buffer.from([0xff, 0x00]),
    ]);
  });

  it('keeps the quoted separator inside an argument as data', () => {
    expect(parseQuotedArgs('"get" "x\\" \\"y"')).toEqual(args('get', 'x" "y'));
  });

  it('parses script and unix-socket sources', () => {
    expect(parseMonitorLine('1.5 [0 lua] "get" "k"')?.source).toBe('lua');
    expect(parseMonitorLine('1.5 [0 unix:/tmp/redis.sock] "get" "k"')?.source).toBe('unix:/tmp/redis.sock');
  });

  it('refuses malformed lines instead of guessing', () => {
    for (const line of ['OK', '1.5 [0 x] get k', '1.5 [0 x] "get', '1.5 [0 x] "a\\q"', '1.5 [0 x] "a\\x4"', 'x [0 a] "get"', '1.5 [0 a] "get""k"']) {
      expect(parseMonitorLine(line), line).toBeUndefined();
    }
  });
});

describe('command table', () => {
  it('reads COMMAND INFO entries, names and flags in lower case', () => {
    expect(parseCommandInfo([b('GET'), 2, [b('readonly'), b('fast')], 1, 1, 1, []])).toEqual(info('get', ['readonly', 'fast'], 1, 1, 1));
    expect(parseCommandInfo(null)).toBeUndefined();
  });

  it('classifies reads, writes, deletes, expires and the rest', () => {
    expect(commandSpec(info('get', ['readonly'], 1, 1, 1)).class).toBe('read');
    expect(commandSpec(info('getdel', ['write'], 1, 1, 1)).class).toBe('read');
    expect(commandSpec(info('set', ['write'], 1, 1, 1)).class).toBe('write');
    expect(commandSpec(info('unlink', ['write'], 1, -1, 1)).class).toBe('delete');
    expect(commandSpec(info('pexpire', ['write'], 1, 1, 1)).class).toBe('expire');
    expect(commandSpec(info('ping', [], 0, 0, 0)).class).toBe('other');
  });

  it('finds keys by first/last/step, counting a negative last from the end', () => {
    expect(commandSpec(info('mget', ['readonly'], 1, -1, 1)).keys(args('mget', 'a', 'b', 'c'))).toEqual([1, 2, 3]);
    expect(commandSpec(info('mset', ['write'], 1, -1, 2)).keys(args('mset', 'a', '1', 'b', '2'))).toEqual([1, 3]);
    expect(commandSpec(info('ping', [], 0, 0, 0)).keys(args('ping'))).toEqual([]);
    expect(commandSpec(info('get', ['readonly'], 1, 1, 1)).keys(args('get'))).toEqual([]);
  });

  it('decodes the movable-key commands', () => {
    const movable = (name: string) => commandSpec(info(name, ['write', 'movablekeys'], 0, 0, 0));
    expect(movable('eval').keys(args('eval', 'return 1', '2', 'k1', 'k2', 'arg'))).toEqual([3, 4]);
    expect(movable('eval').keys(args('eval', 'return 1', '0', 'arg'))).toEqual([]);
    expect(movable('zunionstore').keys(args('zunionstore', 'dest', '2', 'a', 'b', 'WEIGHTS', '1', '2'))).toEqual([1, 3, 4]);
    expect(movable('xread').keys(args('xread', 'COUNT', '5', 'STREAMS', 's1', 's2', '0', '0'))).toEqual([4, 5]);
    expect(movable('blmpop').keys(args('blmpop', '0', '2', 'l1', 'l2', 'LEFT'))).toEqual([3, 4]);
  });

  it('knows which writes set a TTL', () => {
    const set = commandSpec(info('set', ['write'], 1, 1, 1));
    expect(set.setsTtl?.(args('set', 'k', 'v'))).toBe(false);
    expect(set.setsTtl?.(args('set', 'k', 'v', 'NX', 'PX', '100'))).toBe(true);
    expect(set.setsTtl?.(args('set', 'k', 'ex'))).toBe(false);
    expect(commandSpec(info('setex', ['write'], 1, 1, 1)).setsTtl?.(args('setex', 'k', '10', 'v'))).toBe(true);
    expect(commandSpec(info('hset', ['write'], 1, 1, 1)).setsTtl).toBeUndefined();
  });

  it('falls back to "first argument is the key" when the server will not say', () => {
    const spec = fallbackSpec('get');
    expect(spec.class).toBe('other');
    expect(spec.keys(args('get', 'k'))).toEqual([1]);
  });
});

describe('HeavyHitters', () => {
  it('is exact while the items fit', () => {
    const hitters = new HeavyHitters(10);
    for (let i = 0; i < 5; i++) for (let n = 0; n <= i; n++) hitters.add(b(`k${i}`));
    expect(hitters.top(2)).toEqual([
      { item: b('k4'), count: 5, error: 0 },
      { item: b('k3'), count: 4, error: 0 },
    ]);
    expect(hitters.total).toBe(15);
    expect(hitters.distinctAtLeast).toBe(5);
  });

  it('keeps a heavy item among a flood of distinct ones, never understating it', () => {
    const hitters = new HeavyHitters(50);
    let heavy = 0;
    for (let i = 0; i < 20_000; i++) {
      hitters.add(b(`noise:${i}`));
      if (i % 10 === 0) {
        hitters.add(b('hot'));
        heavy += 1;
      }
    }
    const [first] = hitters.top(1);
    expect(first?.item).toEqual(b('hot'));
    expect(first!.count).toBeGreaterThanOrEqual(heavy);
    expect(first!.count - first!.error).toBeLessThanOrEqual(heavy);
    expect(hitters.distinctAtLeast).toBe(100);
  });
});

describe('TrafficStats', () => {
  const options = { namespaces: { delimiter: ':', depth: 5, collapse: true }, stampedeMisses: 3 };
  const get = commandSpec(info('get', ['readonly'], 1, 1, 1));
  const mget = commandSpec(info('mget', ['readonly'], 1, -1, 1));
  const set = commandSpec(info('set', ['write'], 1, 1, 1));

  it('counts every key of a command under its namespace and class', () => {
    const stats = new TrafficStats(options);
    stats.addCommand(mget, args('mget', 'user:1:profile', 'user:2:profile', 'sess:abc'));
    stats.addCommand(set, args('set', 'user:1:profile', 'x', 'EX', '10'));
    stats.addCommand(set, args('set', 'sess:abc', 'x'));
    stats.addCommand(commandSpec(info('ping', [], 0, 0, 0)), args('ping'));
    const profile = stats.namespaces.get('user:‹id›:profile');
    expect(profile).toMatchObject({ reads: 2, writes: 1, writesWithTtl: 1, writesWithoutTtl: 0 });
    expect(stats.namespaces.get('sess:abc')).toMatchObject({ reads: 1, writes: 1, writesWithoutTtl: 1 });
    expect(stats.keyless).toBe(1);
  });

  it('attributes misses and finds a key missed again and again within one second', () => {
    const stats = new TrafficStats(options);
    stats.addCommand(get, args('get', 'item:7'));
    stats.addMiss(b('item:7'), 1000);
    stats.addMiss(b('item:7'), 1500);
    stats.addMiss(b('item:8'), 1600);
    expect(stats.stampedeList()).toEqual([]);
    stats.addMiss(b('item:7'), 1999);
    expect(stats.stampedeList()).toEqual([{ key: b('item:7'), namespace: 'item:‹id›', peakMissesPerSecond: 3, misses: 3 }]);
    // Misses spread over seconds never add up to a stampede.
    for (let s = 0; s < 10; s++) stats.addMiss(b('item:9'), 5000 + s * 1000);
    expect(stats.stampedeList().map((entry) => entry.key.toString())).toEqual(['item:7']);
    expect(stats.namespaces.get('item:‹id›')?.misses).toBe(14);
  });

  it('stays bounded: namespaces beyond the cap are counted under one row', () => {
    const stats = new TrafficStats({ ...options, namespaces: { delimiter: ':', depth: 5, collapse: false } });
    for (let i = 0; i < MAX_TRAFFIC_NAMESPACES + 10; i++) stats.addCommand(get, args('get', `ns${i}`));
    expect(stats.namespaces.size).toBe(MAX_TRAFFIC_NAMESPACES + 1);
    expect(stats.namespaces.get(OVERFLOW)?.reads).toBe(10);
  });
});

describe('key-miss settings', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cachectl-traffic-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds only the flags key-miss events need, keeping the others', () => {
    expect(withMissEvents('')).toBe('Em');
    expect(withMissEvents('Kx')).toBe('KxEm');
    expect(withMissEvents('AKE')).toBe('AKEm');
    expect(missEventsOn('AKE')).toBe(false);
    expect(missEventsOn('mE')).toBe(true);
  });

  it('records changes atomically and forgets them once put back', () => {
    const state = new RestoreState(path.join(dir, 'sub', 'state.json'));
    expect(state.list()).toEqual([]);
    const entry = { address: '127.0.0.1:7000', previous: 'Kx', set: 'xKEm', pid: 1, startedAt: 'now' };
    state.add(entry);
    state.add({ ...entry, address: '[::1]:7001', previous: '' });
    expect(state.list().map((e) => e.address)).toEqual(['127.0.0.1:7000', '[::1]:7001']);
    expect(JSON.parse(readFileSync(state.file, 'utf8')).changed).toHaveLength(2);
    state.remove('127.0.0.1:7000');
    state.remove('[::1]:7001');
    expect(state.list()).toEqual([]);
  });

  it('prints the command that puts a setting back by hand', () => {
    expect(manualRestoreCommand({ address: '10.0.0.5:6380', previous: 'Kx' })).toBe("redis-cli -h 10.0.0.5 -p 6380 CONFIG SET notify-keyspace-events 'Kx'");
    expect(manualRestoreCommand({ address: '[::1]:6380', previous: '' })).toBe("redis-cli -h ::1 -p 6380 CONFIG SET notify-keyspace-events ''");
  });

  it('reads the output buffer from a CLIENT LIST line', () => {
    expect(outputBufferBytes('id=7 addr=127.0.0.1:5 laddr=x fd=8 name= age=1 qbuf=0 omem=20480 tot-mem=42000 events=r cmd=monitor')).toBe(20480);
    expect(outputBufferBytes('id=7 addr=127.0.0.1:5')).toBeUndefined();
  });
});
