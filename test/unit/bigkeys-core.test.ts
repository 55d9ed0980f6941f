// The pure pieces of `cachectl bigkeys`: streaming distributions (exact, then within their error
// bound), top-N heaps against a full sort, the rules, the INFO keysizes parser, and the batch decoding
// of lengths and frequencies.
import { describe, expect, it } from 'vitest';
import { BigKeysAggregator } from '../../src/core/bigkeys/bigkeys-aggregator.js';
import { DEFAULT_LIMITS, findingRules, parseFailOn } from '../../src/core/bigkeys/key-rules.js';
import { keysizesTypes, mergeKeysizes, parseKeysizes } from '../../src/core/bigkeys/keysizes.js';
import { EXACT_LIMIT, RELATIVE_ERROR, SizeDistribution } from '../../src/core/bigkeys/size-distribution.js';
import type { KeyRecord } from '../../src/core/bigkeys/top-keys.js';
import { ranksBefore, TopKeys } from '../../src/core/bigkeys/top-keys.js';
import { CachectlError } from '../../src/base/errors.js';
import type { KeyBatch } from '../../src/core/scan/scan-batch.js';
import { decodeColumns, KEY_TYPES, TTL_GONE, TTL_NONE, UNKNOWN } from '../../src/core/scan/scan-batch.js';
import { msgpack } from '../helpers/msgpack-encode.js';

/** A seeded PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Nearest-rank percentile by sorting everything: the definition the distribution must meet. */
function nearestRank(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1]!;
}

describe('SizeDistribution', () => {
  it('is exact while it holds at most EXACT_LIMIT values', () => {
    const random = prng(1);
    const values = Array.from({ length: EXACT_LIMIT }, () => Math.floor(random() * 1_000_000));
    const distribution = new SizeDistribution();
    for (const value of values) distribution.add(value);
    expect(distribution.exact).toBe(true);
    for (const q of [0.01, 0.5, 0.9, 0.99, 1]) expect(distribution.quantile(q)).toBe(nearestRank(values, q));
    expect(distribution.total).toBe(values.reduce((a, b) => a + b, 0));
  });

  it('puts whole sizes (its fast path) in the buckets the general path puts them in', () => {
    const random = prng(11);
    // Every octave up to 2^31: small sizes, where the buckets are fractions wide, and large ones.
    const values = Array.from({ length: 20_000 }, (_, i) => (i < 64 ? i + 1 : Math.floor(2 ** (random() * 31))));
    const whole = new SizeDistribution();
    const nudged = new SizeDistribution();
    for (const value of values) {
      whole.add(value);
      // A thousandth above a whole size is in the same bucket (bucket bounds are whole numbers, or
      // sixteenths of small octaves), but takes the general path.
      nudged.add(value + 0.001);
    }
    // Equal, or a thousandth apart where the smallest or largest value clamps the estimate; a wrong
    // bucket would be a sixteenth of an octave (at least 1/16) off.
    for (let q = 0.01; q < 1; q += 0.01) expect(Math.abs(whole.quantile(q)! - nudged.quantile(q)!), `q ${q.toFixed(2)}`).toBeLessThanOrEqual(0.001 + 1e-9);
    expect(whole.log2Histogram()).toEqual(nudged.log2Histogram());
  });

  it('stays within RELATIVE_ERROR of the exact percentile past the limit, on skewed sizes', () => {
    const random = prng(7);
    // Log-uniform from 1 to 2^30, plus a heavy clump: the shapes real key sizes have.
    const values = Array.from({ length: 50_000 }, (_, i) => (i % 5 === 0 ? 4096 + Math.floor(random() * 64) : Math.floor(2 ** (random() * 30))));
    const distribution = new SizeDistribution();
    for (const value of values) distribution.add(value);
    expect(distribution.exact).toBe(false);
    for (const q of [0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999]) {
      const exact = nearestRank(values, q);
      const estimate = distribution.quantile(q)!;
      expect(Math.abs(estimate - exact), `q=${q}: ${estimate} vs ${exact}`).toBeLessThanOrEqual(Math.max(0.5, exact * RELATIVE_ERROR));
    }
    expect(distribution.quantile(1)).toBe(Math.max(...values));
  });

  it('merges shards into the same figures as one distribution of all values', () => {
    const random = prng(3);
    const values = Array.from({ length: 3000 }, () => Math.floor(random() * 10_000));
    const whole = new SizeDistribution();
    const parts = [new SizeDistribution(), new SizeDistribution(), new SizeDistribution()];
    values.forEach((value, i) => {
      whole.add(value);
      parts[i % 3]!.add(value);
    });
    const merged = new SizeDistribution();
    for (const part of parts) merged.merge(part);
    expect(merged.count).toBe(whole.count);
    expect(merged.total).toBe(whole.total);
    for (const q of [0.5, 0.9, 0.99]) expect(merged.quantile(q)).toBe(whole.quantile(q));
    expect(merged.log2Histogram()).toEqual(whole.log2Histogram());
  });

  it('counts powers of two in the log2 histogram, empty octaves included, 0 apart', () => {
    const distribution = new SizeDistribution();
    for (const value of [0, 1, 2, 3, 4, 7, 8, 64, 127]) distribution.add(value);
    expect(distribution.log2Histogram()).toEqual([
      { from: 0, to: 0, count: 1 },
      { from: 1, to: 1, count: 1 },
      { from: 2, to: 3, count: 2 },
      { from: 4, to: 7, count: 2 },
      { from: 8, to: 15, count: 1 },
      { from: 16, to: 31, count: 0 },
      { from: 32, to: 63, count: 0 },
      { from: 64, to: 127, count: 2 },
    ]);
  });
});

function record(key: string, memory: number, extra: Partial<KeyRecord> = {}): KeyRecord {
  return { key: Buffer.from(key), type: 'string', memory, length: UNKNOWN, ttl: TTL_NONE, freq: UNKNOWN, node: 'n1', ...extra };
}

describe('TopKeys', () => {
  it('keeps exactly what a full sort keeps, ties ordered by key bytes, whatever the arrival order', () => {
    const random = prng(11);
    // Few distinct sizes: most keys tie with others, the hard case for an exact top-N.
    const records = Array.from({ length: 5000 }, (_, i) => record(`k${Math.floor(random() * 1e9)}:${i}`, Math.floor(random() * 20) * 100));
    const expected = [...records].sort((a, b) => b.memory - a.memory || Buffer.compare(a.key, b.key)).slice(0, 25);
    for (const seed of [1, 2]) {
      const shuffled = [...records].sort(() => prng(seed)() - 0.5);
      const top = new TopKeys(25, (r) => r.memory);
      for (const r of shuffled) top.offer(r);
      expect(top.sorted().map((r) => r.key.toString())).toEqual(expected.map((r) => r.key.toString()));
    }
  });

  it('merges per-shard heaps into the global top', () => {
    const records = Array.from({ length: 300 }, (_, i) => record(`key${i}`, (i * 7919) % 1000));
    const shards = [new TopKeys(10, (r) => r.memory), new TopKeys(10, (r) => r.memory), new TopKeys(10, (r) => r.memory)];
    records.forEach((r, i) => shards[i % 3]!.offer(r));
    const merged = new TopKeys(10, (r) => r.memory);
    for (const shard of shards) merged.merge(shard);
    const expected = [...records].sort((a, b) => (ranksBefore(a.memory, a.key, b.memory, b.key) ? -1 : 1)).slice(0, 10);
    expect(merged.sorted()).toEqual(expected);
  });

  it('accepts nothing with a limit of 0', () => {
    const top = new TopKeys(0, (r) => r.memory);
    top.offer(record('a', 1));
    expect(top.size).toBe(0);
  });
});

describe('rules', () => {
  const used = new Map([['n1', 1000_000]]);
  const rules = Object.fromEntries(findingRules(DEFAULT_LIMITS, used).map((rule) => [rule.id, rule]));
  const key = (extra: Partial<KeyRecord>) => ({ ...record('k', 100), ...extra });

  it('flags strings over 10 MiB by length, collections over 1M elements or 100 MiB, big keys without TTL, shard hogs', () => {
    expect(rules['huge-string']!.matches(key({ type: 'string', length: 10 * 1024 ** 2 + 1 }))).toBe(true);
    expect(rules['huge-string']!.matches(key({ type: 'string', length: 10 * 1024 ** 2 }))).toBe(false);
    expect(rules['huge-collection']!.matches(key({ type: 'hash', length: 1_000_001 }))).toBe(true);
    expect(rules['huge-collection']!.matches(key({ type: 'zset', length: 5, memory: 100 * 1024 ** 2 + 1 }))).toBe(true);
    expect(rules['huge-collection']!.matches(key({ type: 'string', length: 2_000_000 }))).toBe(false);
    expect(rules['big-no-ttl']!.matches(key({ memory: 1024 ** 2, ttl: TTL_NONE }))).toBe(true);
    expect(rules['big-no-ttl']!.matches(key({ memory: 1024 ** 2, ttl: 5000 }))).toBe(false);
    expect(rules['shard-share']!.matches(key({ memory: 100_001, node: 'n1' }))).toBe(true);
    expect(rules['shard-share']!.matches(key({ memory: 100_000, node: 'n1' }))).toBe(false);
    expect(rules['shard-share']!.matches(key({ memory: 1e9, node: 'unknown-node' }))).toBe(false);
  });

  it('parses --fail-on rules with redis.conf units', () => {
    const memory = parseFailOn('key-memory>50mb');
    expect(memory).toMatchObject({ id: 'key-memory>50mb', metric: 'key-memory', value: 50 * 1024 ** 2, inclusive: false });
    expect(memory.matches(key({ memory: 50 * 1024 ** 2 }))).toBe(false);
    expect(memory.matches(key({ memory: 50 * 1024 ** 2 + 1 }))).toBe(true);
    const elements = parseFailOn(' key-elements >= 1_000 ');
    expect(elements.matches(key({ type: 'list', length: 1000 }))).toBe(true);
    expect(elements.matches(key({ type: 'string', length: 5000 }))).toBe(false);
    expect(parseFailOn('string-length>1k').matches(key({ type: 'string', length: 1001 }))).toBe(true);
    expect(parseFailOn('findings>0')).toMatchObject({ metric: 'findings', value: 0 });
  });

  it('refuses malformed --fail-on rules with a usage error naming the flag', () => {
    for (const text of ['key-memory', 'memory>5mb', 'key-memory>lots', 'key-elements>1.5', 'key-memory<5mb']) {
      let error: unknown;
      try {
        parseFailOn(text);
      } catch (caught) {
        error = caught;
      }
      expect(error, text).toBeInstanceOf(CachectlError);
      expect((error as CachectlError).code).toBe('USAGE');
      expect((error as CachectlError).message).toMatch(/^--fail-on/);
    }
  });
});

describe('INFO keysizes', () => {
  // The documented format (Redis docs, INFO "keysizes" section, Redis 8): not from a live 8.x server.
  const documented = [
    '# Keysizes',
    'db0_distrib_strings_sizes:2=1,4=1,8=1,16=1,32=1,64=1,128=1,256=1,512=1,1K=1,2K=1,4K=1,8K=1,16K=1,32K=1,64K=1,128K=1,256K=1,512K=1,1M=1',
    'db0_distrib_lists_items:1=1,2=1,4=1,8=1,16=1,32=1,64=1,128=1,256=1,512=1,1K=1,2K=1,4K=1,8K=1,16K=1,32K=1,64K=1',
    'db0_distrib_hashes_items:1=3,4=1',
    'db1_distrib_strings_sizes:4=7',
    '',
  ].join('\r\n');

  it('reads each database and type, with K/M suffixes as powers of 1024', () => {
    const parsed = parseKeysizes(documented);
    expect(parsed.present).toBe(true);
    const db0 = parsed.dbs.get(0)!;
    expect([...db0.keys()]).toEqual(['string', 'list', 'hash']);
    expect(db0.get('string')!.of).toBe('bytes');
    expect(db0.get('list')!.of).toBe('elements');
    expect(db0.get('string')!.counts.get(1024 ** 2)).toBe(1);
    expect(db0.get('list')!.counts.get(64 * 1024)).toBe(1);
    expect(parsed.dbs.get(1)!.get('string')!.counts).toEqual(new Map([[4, 7]]));
  });

  it('tells a server without the section (empty INFO reply) from an empty database', () => {
    expect(parseKeysizes('').present).toBe(false);
    expect(parseKeysizes('# Keysizes\r\n').present).toBe(true);
  });

  it('merges nodes and finds the power-of-two range of each percentile', () => {
    const merged = new Map();
    mergeKeysizes(merged, parseKeysizes(documented), 0);
    mergeKeysizes(merged, parseKeysizes('# Keysizes\r\ndb0_distrib_hashes_items:1=5,2K=1\r\n'), 0);
    const hash = keysizesTypes(merged).find((type) => type.type === 'hash')!;
    expect(hash.keys).toBe(10);
    expect(hash.p50).toEqual({ from: 1, to: 1, count: 8 });
    expect(hash.p90).toEqual({ from: 4, to: 7, count: 1 });
    expect(hash.p99).toEqual({ from: 2048, to: 4095, count: 1 });
    // Empty octaves between are filled in, so the chart's columns are evenly spaced.
    expect(hash.buckets.map((bucket) => bucket.from)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]);
  });
});

describe('lengths and frequencies in the packed batch', () => {
  it('decodes the two columns when sizes were asked for, and leaves them out otherwise', () => {
    const entries = [
      { key: Buffer.from('a'), length: 7, freq: UNKNOWN },
      { key: Buffer.from([0xff, 0x00]), length: 3, freq: 12 },
      { key: Buffer.from('gone'), length: UNKNOWN, freq: UNKNOWN },
    ];
    const keys = entries.map((entry) => entry.key);
    const packed = msgpack(keys, ['hash', 'string', 'none'], [1, 2, 3], [TTL_NONE, 5000, TTL_GONE], [100, 60, UNKNOWN], entries.map((entry) => entry.length), entries.map((entry) => entry.freq), [], []);
    const { batch } = decodeColumns('0', packed, 10);
    expect(batch.size).toBe(3);
    expect([...batch.lengths!]).toEqual(entries.map((entry) => entry.length));
    expect([...batch.freqs!]).toEqual(entries.map((entry) => entry.freq));
    expect(batch.keys[1]!.equals(entries[1]!.key)).toBe(true);
    const without = decodeColumns('0', msgpack(keys, [], [], [], [], [], [], [], []), 1).batch;
    expect(without.lengths).toBeUndefined();
    expect(without.freqs).toBeUndefined();
  });
});

describe('BigKeysAggregator', () => {
  const batchOf = (rows: { key: string; type: string; memory: number; length: number; ttl: number }[]): KeyBatch => ({
    cursor: '0',
    size: rows.length,
    keys: rows.map((row) => Buffer.from(row.key)),
    types: Uint8Array.from(rows.map((row) => KEY_TYPES.indexOf(row.type as (typeof KEY_TYPES)[number]))),
    ttls: Float64Array.from(rows.map((row) => row.ttl)),
    memory: Float64Array.from(rows.map((row) => row.memory)),
    lengths: Float64Array.from(rows.map((row) => row.length)),
    freqs: new Float64Array(rows.length).fill(UNKNOWN),
    serverMicros: 1,
  });
  const options = { top: 2, namespaces: { delimiter: ':', depth: 5, collapse: true }, rules: findingRules(DEFAULT_LIMITS, new Map()), examples: 2 };

  it('skips vanished keys, drops a restarted shard, and names each namespace’s biggest key', () => {
    const aggregator = new BigKeysAggregator(options);
    aggregator.add('s1', batchOf([{ key: 'user:1', type: 'hash', memory: 100, length: 2, ttl: TTL_NONE }, { key: 'user:2', type: 'hash', memory: 900, length: 20, ttl: TTL_NONE }, { key: 'gone', type: 'none', memory: UNKNOWN, length: UNKNOWN, ttl: TTL_GONE }]), 'n1');
    aggregator.add('s2', batchOf([{ key: 'user:3', type: 'hash', memory: 5000, length: 50, ttl: 1000 }]), 'n2');
    aggregator.discardShard('s2');
    aggregator.add('s2', batchOf([{ key: 'user:3', type: 'hash', memory: 500, length: 5, ttl: 1000 }]), 'n3');
    const totals = aggregator.totals();
    expect(totals.keys).toBe(3);
    expect(totals.vanished).toBe(1);
    expect(totals.topMemory.map((r) => r.key.toString())).toEqual(['user:2', 'user:3']);
    expect(totals.topLength.get('hash')!.map((r) => r.length)).toEqual([20, 5]);
    const users = totals.namespaces.get('user:‹id›')!;
    expect(users).toMatchObject({ keys: 3, memory: 1500, measured: 3 });
    expect(users.biggest!.key.toString()).toBe('user:2');
    expect(totals.types.get('hash')!.memory.quantile(0.5)).toBe(500);
  });
});
