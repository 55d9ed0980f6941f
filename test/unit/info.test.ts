import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  infoNumber,
  infoString,
  parseCommandStats,
  parseInfo,
  parseKeyspace,
  parseLatencyStats,
  parseReplicas,
  serverLabel,
  serverVersion,
} from '../../src/base/info.js';

const SAMPLES = ['redis-6.2', 'redis-7.0', 'redis-7.2', 'redis-7.4', 'redis-8.0', 'valkey-8.0'] as const;
type Sample = (typeof SAMPLES)[number];

const raw = (name: Sample): string => readFileSync(new URL(`./info-samples/${name}.txt`, import.meta.url), 'utf8');
const sample = (name: Sample) => parseInfo(raw(name));

describe('parseInfo', () => {
  it('reads sections and fields the same from CRLF and LF text', () => {
    for (const name of SAMPLES) {
      const text = raw(name);
      const crlf = parseInfo(text.replace(/\r?\n/g, '\r\n'));
      const lf = parseInfo(text.replace(/\r\n/g, '\n'));
      expect(crlf).toEqual(lf);
      expect(infoString(crlf, 'server', 'tcp_port')).toMatch(/^\d+$/);
      // no value may keep a stray carriage return
      for (const section of crlf.values()) for (const value of section.values()) expect(value).not.toContain('\r');
    }
  });

  it('names sections in lower case and keeps field order', () => {
    const info = sample('redis-7.0');
    expect([...info.keys()]).toEqual([
      'server',
      'clients',
      'memory',
      'stats',
      'replication',
      'cpu',
      'modules',
      'commandstats',
      'errorstats',
      'latencystats',
      'cluster',
      'keyspace',
    ]);
    expect([...(info.get('keyspace')?.keys() ?? [])]).toEqual(['db0']);
    expect(info.get('modules')?.size).toBe(0);
  });

  it('keeps everything after the first colon, including colons and empty values', () => {
    const info = sample('redis-7.0');
    expect(infoString(info, 'server', 'os')).toBe('Linux 6.1.0-18-amd64 x86_64');
    expect(infoString(info, 'server', 'config_file')).toBe('');
    expect(infoString(info, 'replication', 'slave0')).toBe('ip=::1,port=7003,state=online,offset=5236,lag=1');
    expect(infoString(sample('redis-7.2'), 'server', 'listener0')).toBe('name=tcp,bind=*,bind=-::*,port=6379');
  });

  it('tolerates junk, fields before any header, repeated sections and odd spacing', () => {
    const info = parseInfo(
      ['loose:1', '', '#Server', 'redis_version:9.9.9', 'no colon here', ':nameless', '   ', '# server ', 'extra:2', '#', 'x:y'].join('\r\n'),
    );
    expect(infoString(info, '', 'loose')).toBe('1');
    expect(infoString(info, 'server', 'redis_version')).toBe('9.9.9');
    expect(infoString(info, 'SERVER', 'extra')).toBe('2');
    expect(info.get('server')?.has('no colon here')).toBe(false);
    expect(infoString(info, '', 'x')).toBe('y');
  });

  it('returns no sections for empty text', () => {
    expect(parseInfo('').size).toBe(0);
    expect(parseInfo('\r\n\r\n').size).toBe(0);
  });
});

describe('infoNumber / infoString', () => {
  it('reads numbers across versions', () => {
    expect(infoNumber(sample('redis-6.2'), 'memory', 'used_memory')).toBe(1_048_576_000);
    expect(infoNumber(sample('redis-6.2'), 'Memory', 'maxmemory')).toBe(2_147_483_648);
    expect(infoNumber(sample('redis-7.0'), 'memory', 'mem_fragmentation_ratio')).toBe(11.77);
    expect(infoNumber(sample('redis-7.2'), 'stats', 'instantaneous_ops_per_sec')).toBe(12);
    expect(infoNumber(sample('redis-7.4'), 'stats', 'expired_subkeys')).toBe(4);
    expect(infoNumber(sample('redis-8.0'), 'replication', 'master_repl_offset')).toBe(123_456_789_012);
    expect(infoNumber(sample('valkey-8.0'), 'clients', 'connected_clients')).toBe(25);
    expect(infoNumber(sample('redis-6.2'), 'replication', 'second_repl_offset')).toBe(-1);
  });

  it('is undefined for missing fields, missing sections and values that are not plain numbers', () => {
    const info = sample('redis-6.2');
    expect(infoNumber(info, 'stats', 'expired_subkeys')).toBeUndefined();
    expect(infoNumber(info, 'latencystats', 'anything')).toBeUndefined();
    expect(infoNumber(info, 'memory', 'used_memory_human')).toBeUndefined();
    expect(infoNumber(info, 'memory', 'used_memory_peak_perc')).toBeUndefined();
    expect(infoNumber(info, 'memory', 'maxmemory_policy')).toBeUndefined();
    expect(infoNumber(info, 'server', 'config_file')).toBeUndefined();
    expect(infoNumber(parseInfo('# Memory\nmem_fragmentation_ratio:nan\n'), 'memory', 'mem_fragmentation_ratio')).toBeUndefined();
    const odd = parseInfo('# S\nx:0x10\ny:Infinity\nz:1e3\nw: 42 \n');
    expect(infoNumber(odd, 's', 'x')).toBeUndefined();
    expect(infoNumber(odd, 's', 'y')).toBeUndefined();
    expect(infoNumber(odd, 's', 'z')).toBe(1000);
    expect(infoNumber(odd, 's', 'w')).toBe(42);
  });

  it('tells Redis and Valkey apart by their own fields', () => {
    const valkey = sample('valkey-8.0');
    expect(infoString(valkey, 'server', 'server_name')).toBe('valkey');
    expect(infoString(valkey, 'server', 'valkey_version')).toBe('8.0.1');
    expect(infoString(valkey, 'server', 'redis_version')).toBe('7.2.4');
    expect(infoString(sample('redis-8.0'), 'server', 'valkey_version')).toBeUndefined();
    expect(infoString(sample('redis-8.0'), 'server', 'redis_version')).toBe('8.0.2');
  });

  it('labels the server by its own name and version, never Valkey\'s compatibility redis_version', () => {
    expect(serverVersion(sample('valkey-8.0'))).toBe('8.0.1');
    expect(serverLabel(sample('valkey-8.0'))).toBe('valkey 8.0.1');
    expect(serverLabel(sample('redis-6.2'))).toBe('redis 6.2.14');
    expect(serverLabel(sample('redis-8.0'))).toBe('redis 8.0.2');
    // A Valkey build without server_name still says valkey_version.
    expect(serverLabel(parseInfo('# Server\nredis_version:7.2.4\nvalkey_version:8.1.0\n'))).toBe('valkey 8.1.0');
    expect(serverLabel(parseInfo('# Memory\nused_memory:1\n'))).toBeUndefined();
  });
});

describe('parseKeyspace', () => {
  it('reads Redis 6.2 lines', () => {
    expect(parseKeyspace(sample('redis-6.2'))).toEqual([
      { db: 0, keys: 1_520_034, expires: 1_200_000, avgTtl: 3_599_123 },
      { db: 3, keys: 12, expires: 0, avgTtl: 0 },
    ]);
  });

  it('reads subexpiry from Redis 7.4+', () => {
    expect(parseKeyspace(sample('redis-7.4'))).toEqual([
      { db: 0, keys: 300, expires: 10, avgTtl: 59_000, subexpiry: 25 },
      { db: 1, keys: 4, expires: 4, avgTtl: 1000, subexpiry: 0 },
    ]);
    expect(parseKeyspace(sample('redis-8.0'))).toEqual([
      { db: 0, keys: 2_500_000, expires: 2_400_000, avgTtl: 1_800_000, subexpiry: 0 },
    ]);
  });

  it('orders databases by number, not by text', () => {
    expect(parseKeyspace(sample('valkey-8.0')).map((entry) => entry.db)).toEqual([0, 2, 15]);
  });

  it('ignores the Redis 8 keysizes section and odd lines, and defaults missing counts to 0', () => {
    const info = parseInfo('# Keyspace\ndb0:keys=5\ndbx:keys=1\nfoo:bar\ndb1:keys=2,expires=1,avg_ttl=10,future=3\n');
    expect(parseKeyspace(info)).toEqual([
      { db: 0, keys: 5, expires: 0, avgTtl: 0 },
      { db: 1, keys: 2, expires: 1, avgTtl: 10 },
    ]);
    expect(parseKeyspace(parseInfo('# Server\nredis_version:7.0.0\n'))).toEqual([]);
  });
});

describe('parseCommandStats', () => {
  it('reads calls, time and the 6.2+ rejected/failed counts', () => {
    const stats = parseCommandStats(sample('redis-6.2'));
    expect(stats.get('set')).toEqual({ calls: 20_000_000, usec: 50_000_000, usecPerCall: 2.5, rejectedCalls: 3, failedCalls: 1 });
    expect(stats.get('client')).toEqual({ calls: 120, usec: 2400, usecPerCall: 20, rejectedCalls: 0, failedCalls: 0 });
    expect([...stats.keys()]).toEqual(['get', 'set', 'client', 'info']);
  });

  it('keys subcommands as command|subcommand (Redis 7+, Valkey)', () => {
    const stats = parseCommandStats(sample('redis-7.0'));
    expect(stats.get('client|list')?.calls).toBe(4);
    expect(stats.get('cluster|info')?.usecPerCall).toBe(20);
    expect(stats.has('client')).toBe(false);
    expect(parseCommandStats(sample('valkey-8.0')).get('client|setinfo')?.usec).toBe(25);
    expect(parseCommandStats(sample('redis-8.0')).get('ft.search')?.usecPerCall).toBe(250);
  });

  it('copes with older lines lacking counts and computes usec per call when absent', () => {
    const stats = parseCommandStats(parseInfo('# Commandstats\ncmdstat_get:calls=4,usec=10\ncmdstat_ping:calls=0,usec=0\nnot_a_stat:1\n'));
    expect(stats.get('get')).toEqual({ calls: 4, usec: 10, usecPerCall: 2.5 });
    expect(stats.get('get')).not.toHaveProperty('rejectedCalls');
    expect(stats.get('ping')).toEqual({ calls: 0, usec: 0, usecPerCall: 0 });
    expect(stats.size).toBe(2);
  });
});

describe('parseLatencyStats', () => {
  it('reads percentiles in microseconds', () => {
    const stats = parseLatencyStats(sample('redis-7.0'));
    expect(stats.get('get')).toEqual({ p50: 3.007, p99: 3.007, 'p99.9': 3.007 });
    expect(stats.get('client|list')).toEqual({ p50: 21.119, p99: 24.063, 'p99.9': 24.063 });
    expect(parseLatencyStats(sample('redis-8.0')).get('ft.search')?.['p99.9']).toBe(2015.231);
    expect(parseLatencyStats(sample('valkey-8.0')).get('client|setinfo')?.p50).toBe(0.001);
  });

  it('is empty before Redis 7', () => {
    expect(parseLatencyStats(sample('redis-6.2')).size).toBe(0);
  });

  it('keeps custom percentiles and drops junk values', () => {
    const stats = parseLatencyStats(parseInfo('# Latencystats\nlatency_percentiles_usec_get:p0=0.5,p95=2.1,p100=9.9,p50=nan,weird=3\n'));
    expect(stats.get('get')).toEqual({ p0: 0.5, p95: 2.1, p100: 9.9 });
  });
});

describe('parseReplicas', () => {
  it('lists a primary’s replicas with numbers parsed', () => {
    expect(parseReplicas(sample('redis-6.2'))).toEqual([
      { name: 'slave0', ip: '10.0.1.12', port: 6379, state: 'online', offset: 771_234_567, lag: 0 },
      { name: 'slave1', ip: '10.0.1.13', port: 6379, state: 'wait_bgsave', offset: 0, lag: 12 },
    ]);
  });

  it('keeps IPv6 addresses whole', () => {
    expect(parseReplicas(sample('redis-7.0'))).toEqual([{ name: 'slave0', ip: '::1', port: 7003, state: 'online', offset: 5236, lag: 1 }]);
  });

  it('orders replicas by index whatever the line order (Valkey)', () => {
    expect(parseReplicas(sample('valkey-8.0')).map((replica) => [replica.name, replica.state])).toEqual([
      ['slave0', 'online'],
      ['slave1', 'send_bulk'],
    ]);
  });

  it('is empty on a replica and when there are none', () => {
    const replica = sample('redis-7.4');
    expect(infoString(replica, 'replication', 'role')).toBe('slave');
    expect(parseReplicas(replica)).toEqual([]);
    expect(parseReplicas(sample('redis-7.2'))).toEqual([]);
    expect(parseReplicas(parseInfo(''))).toEqual([]);
  });

  it('tolerates missing and extra fields', () => {
    const info = parseInfo('# Replication\nslave0:ip=10.0.0.9,port=abc,state=online,future=1\nslave_read_only:1\n');
    expect(parseReplicas(info)).toEqual([{ name: 'slave0', ip: '10.0.0.9', state: 'online' }]);
  });
});
