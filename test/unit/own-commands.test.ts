// cachectl's own commands, as commandstats names them, taken out of what `top` reports about the server.
import { describe, expect, it } from 'vitest';
import type { CommandActivity } from '../../src/core/dashboard/command-stats.js';
import { CommandCounter, countsSince, mergeCounts, othersActivity, PROBE_COMMANDS, SharedCommandCounter, statName } from '../../src/core/dashboard/own-commands.js';

const row = (command: string, calls: number, usec = calls * 10): CommandActivity => ({
  command,
  calls,
  usec,
  usecPerCall: usec / calls,
  callsPerSec: calls,
  p50Us: null,
  p99Us: null,
  p999Us: null,
});

describe('statName', () => {
  it('names a command as commandstats does: lower case, container|subcommand', () => {
    expect(statName('INFO', ['memory'])).toBe('info');
    expect(statName('client', ['SETINFO', 'LIB-NAME', 'ioredis'])).toBe('client|setinfo');
    expect(statName('Config', [Buffer.from('GET'), 'maxmemory*'])).toBe('config|get');
    expect(statName('ping', [])).toBe('ping');
    expect(statName('client', [])).toBe('client');
  });
});

describe('counters', () => {
  it('counts per command, and the difference between two snapshots', () => {
    const counter = new CommandCounter();
    counter.add('info');
    const before = counter.snapshot();
    counter.add('info');
    counter.add('ping');
    expect(countsSince(before, counter.snapshot())).toEqual(new Map([['info', 1], ['ping', 1]]));
    expect(mergeCounts(new Map([['ping', 2]]), new Map([['ping', 3], ['info', 1]]))).toEqual(new Map([['ping', 5], ['info', 1]]));
  });

  it('shares counts through memory another thread can read: the probe commands only', () => {
    const writer = new SharedCommandCounter();
    const reader = new SharedCommandCounter(writer.buffer);
    for (const command of PROBE_COMMANDS) writer.add(command);
    writer.add('ping');
    writer.add('get');
    expect(reader.snapshot().get('ping')).toBe(2);
    expect(reader.snapshot().get('client|setinfo')).toBe(1);
    expect(reader.snapshot().has('get')).toBe(false);
  });
});

describe('othersActivity', () => {
  it("subtracts cachectl's calls, drops commands only it sent, and keeps another client's INFO", () => {
    const activity = [row('get', 500), row('info', 8, 800), row('ping', 10), row('client|setinfo', 2)];
    const own = new Map([['info', 3], ['ping', 10], ['client|setinfo', 2], ['slowlog|get', 1]]);
    const others = othersActivity(activity, own);
    expect(others.map((r) => [r.command, r.calls])).toEqual([['get', 500], ['info', 5]]);
    // Its time shrinks in proportion; the mean per call stays.
    expect(others[1]).toMatchObject({ usec: 500, usecPerCall: 100, callsPerSec: 5 });
  });

  it('takes own subcommand calls from the container where the server counts per command (Redis 6.2)', () => {
    const others = othersActivity([row('client', 3), row('get', 1)], new Map([['client|setname', 1], ['client|setinfo', 2]]));
    expect(others.map((r) => r.command)).toEqual(['get']);
  });

  it('leaves a residue within the in-flight allowance to cachectl, and never goes negative', () => {
    const allowance = new Map([['ping', 1]]);
    expect(othersActivity([row('ping', 11)], new Map([['ping', 10]]), allowance)).toEqual([]);
    expect(othersActivity([row('ping', 9)], new Map([['ping', 10]]), allowance)).toEqual([]);
    expect(othersActivity([row('ping', 14)], new Map([['ping', 10]]), allowance).map((r) => r.calls)).toEqual([4]);
    expect(othersActivity([row('get', 1)], new Map(), allowance).map((r) => r.calls)).toEqual([1]);
  });
});
