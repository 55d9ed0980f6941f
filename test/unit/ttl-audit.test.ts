// The audit's judging and gating, fed with batches as the scan engine produces them (no server).
import { describe, expect, it } from 'vitest';
import { TTL_ALL_FIELDS, TTL_GONE, TTL_NONE, TTL_SOME_FIELDS, TTL_WITHIN, UNKNOWN } from '../../src/core/scan/scan-batch.js';
import type { InstantFigure } from '../../src/core/audit/ttl-audit.js';
import { quickReport, TtlAggregator } from '../../src/core/audit/ttl-audit.js';
import { formatShare } from '../../src/base/units.js';
import { buildRules, parseTtlPolicy } from '../../src/core/audit/ttl-policy.js';
import { auditBatches as audit, batch } from '../helpers/audit-report.js';
import type { KeyEntry } from '../helpers/key-batch.js';
import { keyBatch, letterWord } from '../helpers/key-batch.js';
import type { KeyBatch } from '../../src/core/scan/scan-batch.js';
import { MAX_NAMESPACES, OVERFLOW_NAMESPACE } from '../../src/core/namespaces/namespaces.js';

const HOUR = 3_600_000;
const NAMESPACES = { delimiter: ':', depth: 5, collapse: true };
const STANDALONE = { kind: 'standalone' as const, db: 0 };

describe('TtlAggregator and summarizeAudit', () => {
  it('counts keys without TTL per namespace with ‹id› collapsing, and fails on any by default', () => {
    const report = audit({
      shards: {
        a: [
          batch([
            ['user:1:profile', TTL_NONE],
            ['user:2:profile', TTL_WITHIN],
            ['user:3:profile', 5000],
            ['sess:9f3c2a1e7b', TTL_NONE],
          ]),
        ],
      },
    });
    expect(report.totals).toMatchObject({ scanned: 4, noTtl: 2, violations: 2, vanished: 0 });
    expect(report.namespaces.map((row) => [row.namespace, row.keys, row.noTtl, row.violations])).toEqual([
      ['user:‹id›:profile', 3, 1, 1],
      ['sess:‹id›', 1, 1, 1],
    ]);
    expect(report.namespaces[0]!.share).toBeCloseTo(1 / 3);
    expect(report.namespaces[0]!.examples).toEqual([{ key: 'user:1:profile', ttlMs: null }]);
    expect(report.rules[0]).toMatchObject({ name: 'default', keys: 4, violations: 2, verdict: 'fail' });
    expect(report.rules[0]!.reason).toBe('2 of 4 keys (50%) violate it (2 without TTL); allowed: 0');
    expect(report.verdict).toEqual({
      result: 'fail',
      failed: ['default'],
      summary: 'FAIL: rule "default": 2 of 4 keys (50%) violate it (2 without TTL); allowed: 0 — 4 keys scanned',
    });
  });

  it('hashes whose every field expires are not "without TTL"; partly expiring ones are, and are named', () => {
    const report = audit({
      shards: { a: [batch([['h:1', TTL_ALL_FIELDS], ['h:2', TTL_ALL_FIELDS], ['h:3', TTL_SOME_FIELDS], ['h:4', TTL_NONE], ['h:5', TTL_WITHIN]])] },
    });
    expect(report.totals).toMatchObject({ scanned: 5, noTtl: 2, fieldsPartlyExpire: 1, expireByFields: 2, violations: 2 });
    expect(report.namespaces[0]).toMatchObject({ keys: 5, noTtl: 2, fieldsPartlyExpire: 1, expireByFields: 2 });
    expect(report.namespaces[0]!.examples).toEqual([{ key: 'h:3', ttlMs: null }, { key: 'h:4', ttlMs: null }]);
    expect(report.rules[0]!.reason).toBe('2 of 5 keys (40%) violate it (2 without TTL (1 of them hashes only some of whose fields expire)); allowed: 0');
  });

  it('rolls many small literal siblings into one ‹var› row, so an unknown layout’s 2,000 one-key rows are its worst offender', () => {
    const tenants: [string, number][] = Array.from({ length: 2000 }, (_, i) => [`tenants:acme-${String(i).padStart(4, '0')}-xyz:cfg`, TTL_NONE]);
    const cache: [string, number][] = Array.from({ length: 300 }, (_, i) => [`cache:${i}`, TTL_NONE]);
    const report = audit({ shards: { a: [batch([...tenants.slice(0, 1000), ...cache])], b: [batch(tenants.slice(1000))] } });
    expect(report.namespaces[0]).toMatchObject({ namespace: 'tenants:‹var›:cfg', keys: 2000, violations: 2000, distinctValues: 2000 });
    expect(report.namespaces[1]).toMatchObject({ namespace: 'cache:‹id›', violations: 300 });
    expect(report.namespaces[1]!.distinctValues).toBeUndefined();
    expect(report.namespaces).toHaveLength(2);
    // A big literal sibling stays a row of its own, as in the keys tree.
    const shared: [string, number][] = Array.from({ length: 40 }, (_, i) => [`tenants:shared:${i}`, TTL_NONE]);
    const beside = audit({ shards: { a: [batch([...tenants, ...shared])] } });
    expect(beside.namespaces.map((row) => [row.namespace, row.violations])).toEqual([
      ['tenants:‹var›:cfg', 2000],
      ['tenants:shared:‹id›', 40],
    ]);
  });

  // 100,500 distinct one-key namespaces take several seconds; more on a loaded machine.
  it(`past MAX_NAMESPACES (${MAX_NAMESPACES}) rows, compacts like \`keys\`: one ‹var› row with exact counts, no ${OVERFLOW_NAMESPACE}`, { timeout: 90_000 }, () => {
    const values = MAX_NAMESPACES * 2 + 500;
    // Two shards, as a Cluster's masters: each session on one shard, a kept big sibling and an ‹id› row on both.
    const shards: Record<string, KeyBatch[]> = { a: [], b: [] };
    const expected = { noTtl: 0, tooLong: 0, hash: 0, string: 0 };
    for (let start = 0; start < values; start += 5000) {
      for (const shard of ['a', 'b'] as const) {
        const entries: KeyEntry[] = [];
        for (let i = start; i < Math.min(values, start + 5000); i += 1) {
          if ((i % 2 === 0) !== (shard === 'a')) continue;
          // A third without TTL (hashes), a third with one over the rule's hour (strings), a third fine.
          const kind = i % 3;
          if (kind === 0) expected.noTtl += 1;
          if (kind === 1) expected.tooLong += 1;
          entries.push({ key: `sess:${letterWord(i)}:data`, type: kind === 0 ? 'hash' : 'string', ttl: kind === 0 ? TTL_NONE : kind === 1 ? 2 * HOUR : TTL_WITHIN });
        }
        entries.push({ key: 'sess:admin', ttl: TTL_NONE }, { key: `app:v2:user:${start}:profile`, ttl: TTL_WITHIN });
        shards[shard]!.push(keyBatch(entries));
      }
    }
    expected.hash = expected.noTtl;
    expected.string = expected.tooLong + 2 * shards.a!.length;
    const report = audit({ rules: { maxTtlMs: HOUR }, shards });
    const batches = shards.a!.length + shards.b!.length;
    expect(report.namespaces.map((row) => row.namespace).sort()).toEqual(['app:v2:user:‹id›:profile', 'sess:admin', 'sess:‹var›:data']);
    const sessions = report.namespaces.find((row) => row.namespace === 'sess:‹var›:data')!;
    expect(sessions).toMatchObject({ keys: values, noTtl: expected.noTtl, ttlTooLong: expected.tooLong, violations: expected.noTtl + expected.tooLong, distinctValues: values });
    expect(sessions.flaggedTypes).toEqual({ hash: expected.noTtl, string: expected.tooLong });
    expect(sessions.examples).toHaveLength(3);
    for (const example of sessions.examples) expect(example.key).toMatch(/^sess:q[a-z]+:data$/);
    expect(report.namespaces.find((row) => row.namespace === 'sess:admin')).toMatchObject({ keys: batches, noTtl: batches });
    expect(report.namespaces.find((row) => row.namespace === 'app:v2:user:‹id›:profile')).toMatchObject({ keys: batches, violations: 0 });
    // Every count adds up: rows to the totals, totals to the keys fed.
    expect(report.totals).toMatchObject({ scanned: values + 2 * batches, noTtl: expected.noTtl + batches, ttlTooLong: expected.tooLong });
    for (const field of ['keys', 'noTtl', 'ttlTooLong', 'violations'] as const) {
      expect(report.namespaces.reduce((sum, row) => sum + row[field], 0)).toBe(report.rules[0]![field]);
    }
    // Bounded by groups, not by values.
    expect(report.namespaceCount).toBeLessThan(20);
  });

  it(`counts rows under ${OVERFLOW_NAMESPACE} only when compaction cannot bound them: ${MAX_NAMESPACES} distinct top-level names`, { timeout: 60_000 }, () => {
    const extra = 25;
    const entries = Array.from({ length: MAX_NAMESPACES + extra }, (_, i): [string, number] => [`ns${i}x:k`, i % 2 === 0 ? TTL_NONE : TTL_WITHIN]);
    const report = audit({ shards: { a: [batch(entries)] } });
    const overflow = report.namespaces.filter((row) => row.namespace === OVERFLOW_NAMESPACE);
    expect(overflow).toHaveLength(1);
    expect(overflow[0]!.keys).toBe(extra);
    expect(report.namespaces).toHaveLength(MAX_NAMESPACES + 1);
    expect(report.namespaces.reduce((sum, row) => sum + row.keys, 0)).toBe(MAX_NAMESPACES + extra);
    expect(report.namespaces.reduce((sum, row) => sum + row.noTtl, 0)).toBe(report.totals!.noTtl);
    expect(report.totals!.noTtl).toBe(Math.ceil((MAX_NAMESPACES + extra) / 2));
  });

  it('counts the types of the keys each row flags, most common first, and leaves keys within their TTL untyped', () => {
    const report = audit({
      rules: { maxTtlMs: HOUR },
      shards: {
        a: [
          keyBatch([
            { key: 'bull:q:1', type: 'hash', ttl: TTL_NONE },
            { key: 'bull:q:2', type: 'hash', ttl: TTL_NONE },
            { key: 'bull:q:3', type: 'zset', ttl: 2 * HOUR },
            { key: 'bull:q:4', type: 'list', ttl: 60_000 },
            { key: 'bull:q:5', type: 'set', ttl: TTL_WITHIN },
          ]),
        ],
      },
    });
    expect(report.namespaces[0]!.flaggedTypes).toEqual({ hash: 2, zset: 1 });
    expect(Object.keys(report.namespaces[0]!.flaggedTypes)).toEqual(['hash', 'zset']);
  });

  it('does not count keys that vanished during the scan, anywhere', () => {
    const report = audit({ shards: { a: [batch([['k:1', TTL_GONE], ['k:2', TTL_GONE], ['k:3', TTL_WITHIN]])] } });
    expect(report.totals).toMatchObject({ scanned: 1, noTtl: 0, violations: 0, vanished: 2 });
    expect(report.verdict.result).toBe('pass');
  });

  it('flags TTLs over the rule maximum and keeps exact TTLs of examples', () => {
    const report = audit({
      rules: { maxTtlMs: HOUR },
      shards: { a: [batch([['c:1', HOUR], ['c:2', HOUR + 1], ['c:3', TTL_WITHIN], ['c:4', 48 * HOUR]])] },
    });
    expect(report.rules[0]).toMatchObject({ ttlTooLong: 2, noTtl: 0, violations: 2, verdict: 'fail' });
    expect(report.rules[0]!.reason).toBe('2 of 4 keys (50%) violate it (2 with TTL over 1h); allowed: 0');
    expect(report.namespaces[0]!.examples).toEqual([
      { key: 'c:2', ttlMs: HOUR + 1 },
      { key: 'c:4', ttlMs: 48 * HOUR },
    ]);
  });

  it('applies the first matching rule: exemptions count keys without TTL but never fail', () => {
    const policy = parseTtlPolicy(
      JSON.stringify({ ttlPolicy: { rules: [{ name: 'sessions', match: 'sess:*', maxTtl: '1h' }, { name: 'config', match: 'config:*', requireTtl: false }] } }),
      'p.json',
    )!;
    const report = audit({
      rules: { policy, allow: ['sess:admin:*'] },
      shards: {
        a: [
          batch([
            ['sess:admin:1', TTL_NONE],
            ['sess:1', 2 * HOUR],
            ['sess:2', TTL_WITHIN],
            ['config:x', TTL_NONE],
            ['config:y', 10 * HOUR],
            ['other:1', 10 * HOUR],
          ]),
        ],
      },
    });
    const byName = Object.fromEntries(report.rules.map((rule) => [rule.name, rule]));
    expect(byName['allow sess:admin:*']).toMatchObject({ keys: 1, noTtl: 1, violations: 0, verdict: 'pass' });
    expect(byName.sessions).toMatchObject({ keys: 2, ttlTooLong: 1, violations: 1, verdict: 'fail' });
    expect(byName.config).toMatchObject({ keys: 2, noTtl: 1, violations: 0, verdict: 'pass' });
    expect(byName.default).toMatchObject({ keys: 1, violations: 0, verdict: 'pass' });
    expect(report.totals).toMatchObject({ scanned: 6, noTtl: 2, exempt: 2, ttlTooLong: 1, violations: 1 });
    expect(report.verdict.failed).toEqual(['sessions']);
  });

  it('passes within a count threshold and fails one past it', () => {
    const keys = (noTtl: number): [string, number][] => Array.from({ length: 100 }, (_, i) => [`k:${i}`, i < noTtl ? TTL_NONE : TTL_WITHIN]);
    const within = audit({ rules: { failOn: { kind: 'count', value: 5 } }, shards: { a: [batch(keys(5))] } });
    expect(within.verdict.result).toBe('pass');
    expect(within.verdict.summary).toBe('PASS: 100 keys scanned, 5 violations, within what the rules allow');
    const past = audit({ rules: { failOn: { kind: 'count', value: 5 } }, shards: { a: [batch(keys(6))] } });
    expect(past.verdict.result).toBe('fail');
    expect(past.rules[0]!.reason).toContain('allowed: 5');
  });

  it('passes within a percentage threshold and fails past it', () => {
    const keys = (noTtl: number): [string, number][] => Array.from({ length: 1000 }, (_, i) => [`k:${i}`, i < noTtl ? TTL_NONE : TTL_WITHIN]);
    expect(audit({ rules: { failOn: { kind: 'percent', value: 1 } }, shards: { a: [batch(keys(10))] } }).verdict.result).toBe('pass');
    const past = audit({ rules: { failOn: { kind: 'percent', value: 1 } }, shards: { a: [batch(keys(11))] } });
    expect(past.verdict.result).toBe('fail');
    expect(past.rules[0]!.reason).toBe('11 of 1,000 keys (1.1%) violate it (11 without TTL); allowed: 1%');
  });

  it('passes an empty audit unless --fail-if-empty', () => {
    expect(audit({ shards: {} }).verdict).toEqual({ result: 'pass', failed: [], summary: 'PASS: 0 keys scanned, no violations' });
    expect(audit({ shards: {}, gate: { failIfEmpty: true } }).verdict).toEqual({ result: 'fail', failed: ['--fail-if-empty'], summary: 'FAIL: 0 keys scanned (--fail-if-empty)' });
  });

  it('merges shards and forgets a shard whose scan restarted', () => {
    const rules = buildRules({});
    const aggregator = new TtlAggregator(rules, NAMESPACES, 2);
    aggregator.add('s1', batch([['a:1', TTL_NONE], ['a:2', TTL_NONE]]));
    aggregator.add('s2', batch([['a:3', TTL_NONE], ['b:1', TTL_NONE]]));
    expect(aggregator.namespaceCount).toBe(3);
    aggregator.discardShard('s1');
    expect(aggregator.namespaceCount).toBe(2);
    aggregator.add('s1', batch([['a:4', TTL_WITHIN]]));
    const merged = aggregator.result().rows[0]!;
    expect(merged.get('a:‹id›')).toMatchObject({ keys: 2, noTtl: 1 });
    expect(merged.get('a:‹id›')!.examples.map((example) => example.key.toString())).toEqual(['a:3']);
    expect(merged.get('b:‹id›')).toMatchObject({ keys: 1, noTtl: 1 });
  });

  it('keeps example keys as copies, byte for byte, binary ones included', () => {
    const bytes = [0x62, 0x3a, 0xff, 0x00, 0x0a];
    const binary = Buffer.from(bytes);
    const one = batch([[Buffer.from(bytes), TTL_NONE]]);
    const report = audit({ shards: { a: [one] } });
    one.keys[0]!.fill(0x41); // the engine reuses nothing, but a kept example must not depend on that
    expect(report.namespaces[0]!.examples).toEqual([{ key: '"b:\\xff\\x00\\n"', keyBase64: binary.toString('base64'), ttlMs: null }]);
    expect(report.namespaces[0]!.namespace).toBe('b:‹bin›');
  });

  it('keeps at most --examples keys per namespace', () => {
    const report = audit({ examples: 1, shards: { a: [batch([['a:1', TTL_NONE], ['a:2', TTL_NONE]])], b: [batch([['a:3', TTL_NONE]])] } });
    expect(report.namespaces[0]!.examples).toHaveLength(1);
    expect(audit({ examples: 0, shards: { a: [batch([['a:1', TTL_NONE]])] } }).namespaces[0]!.examples).toEqual([]);
  });

  it('counts keys whose TTL could not be read as scanned, not judged, and says so', () => {
    const report = audit({ shards: { a: [batch([['a:1', UNKNOWN], ['a:2', TTL_WITHIN]])] } });
    expect(report.totals).toMatchObject({ scanned: 2, unknown: 1, violations: 0 });
    expect(report.notices.join()).toContain('the TTL of 1 keys could not be read');
  });

  describe('a sample (--limit)', () => {
    const sample = (): [string, number][] => Array.from({ length: 100 }, (_, i) => [`k:${i}`, i < 3 ? TTL_NONE : TTL_WITHIN]);

    it('extrapolates to the keys on the nodes and judges counts on the estimate', () => {
      const report = audit({ limit: 100, dbsize: 10_000, rules: { failOn: { kind: 'count', value: 100 } }, shards: { a: [batch(sample())] } });
      expect(report.sampled).toBe(true);
      expect(report.sample).toEqual({ size: 100, keysOnNodes: 10_000, scale: 100 });
      expect(report.estimatedTotals).toEqual({ scanned: 10_000, noTtl: 300, violations: 300 });
      expect(report.rules[0]).toMatchObject({ violations: 3, estimatedViolations: 300, estimatedKeys: 10_000, verdict: 'fail' });
      expect(report.rules[0]!.reason).toBe('~300 of 10,000 keys (3%) violate it (~300 without TTL); allowed: 100');
      expect(report.namespaces[0]).toMatchObject({ keys: 100, estimatedKeys: 10_000, estimatedViolations: 300 });
      expect(report.verdict.summary).toContain('100 keys sampled');
    });

    it('judges percentages the same on the sample', () => {
      const report = audit({ limit: 100, dbsize: 10_000, rules: { failOn: { kind: 'percent', value: 5 } }, shards: { a: [batch(sample())] } });
      expect(report.verdict.result).toBe('pass');
    });

    it('does not extrapolate a sample under a pattern', () => {
      const report = audit({ limit: 100, dbsize: 10_000, match: Buffer.from('k:*'), rules: { failOn: { kind: 'count', value: 100 } }, shards: { a: [batch(sample())] } });
      expect(report.sample).toEqual({ size: 100, keysOnNodes: 10_000, scale: null });
      expect(report.estimatedTotals).toBeNull();
      expect(report.verdict.result).toBe('pass');
      expect(report.verdict.summary).toContain('(no estimate: a pattern was given)');
    });

    it('is not a sample when the keyspace ends before the limit', () => {
      const report = audit({ limit: 1000, dbsize: 100, shards: { a: [batch(sample())] } });
      expect(report.sampled).toBe(false);
      expect(report.sample).toBeNull();
    });
  });
});

describe('quickReport', () => {
  const instant = (keys: number, expires: number): InstantFigure => ({
    db: 0,
    keys,
    expires,
    noExpiry: keys - expires,
    share: keys > 0 ? (keys - expires) / keys : 0,
    nodes: [{ node: 'n1', db: 0, keys, expires, noExpiry: keys - expires, subexpiry: null }],
    subexpiry: null,
    errors: [],
  });

  it('gates on keys − expires with the default rule threshold', () => {
    const fail = quickReport(STANDALONE, instant(1000, 900), buildRules({}), { failIfEmpty: false }, {});
    expect(fail.mode).toBe('quick');
    expect(fail.verdict).toEqual({ result: 'fail', failed: ['default'], summary: 'FAIL: 100 of 1,000 keys (10%) have no expiry (INFO keyspace, db 0); allowed: 0' });
    const pass = quickReport(STANDALONE, instant(1000, 900), buildRules({ failOn: { kind: 'percent', value: 10 } }), { failIfEmpty: false }, {});
    expect(pass.verdict.result).toBe('pass');
  });

  it('fails an empty database only with --fail-if-empty', () => {
    expect(quickReport(STANDALONE, instant(0, 0), buildRules({}), { failIfEmpty: false }, {}).verdict.result).toBe('pass');
    expect(quickReport(STANDALONE, instant(0, 0), buildRules({}), { failIfEmpty: true }, {}).verdict.failed).toEqual(['--fail-if-empty']);
  });

  it('is incomplete when a node could not be asked', () => {
    const figure = { ...instant(10, 10), errors: ['n2: NOPERM'] };
    expect(quickReport(STANDALONE, figure, buildRules({}), { failIfEmpty: false }, {}).status).toBe('incomplete');
  });
});

describe('formatPercent', () => {
  it.each([
    [0, '0%'],
    [0.0004, '<0.1%'],
    [0.136364, '13.6%'],
    [0.5, '50%'],
    [0.99999, '>99.9%'],
    [1, '100%'],
  ])('%f → %s', (share, text) => {
    expect(formatShare(share)).toBe(text);
  });
});
