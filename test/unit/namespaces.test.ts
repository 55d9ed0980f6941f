import { describe, expect, it } from 'vitest';
import type { NamespaceNode } from '../../src/core/namespaces/namespaces.js';
import { MAX_NAMESPACES, NamespaceAggregator, NamespaceStats, OVERFLOW_NAMESPACE, rolledNode, sortNamespaces } from '../../src/core/namespaces/namespaces.js';
import { namespaceMatcher } from '../../src/core/namespaces/namespace-match.js';
import { namespacePath } from '../../src/core/namespaces/namespace-key.js';
import { KEY_TYPES, TTL_GONE, TTL_NONE, UNKNOWN } from '../../src/core/scan/scan-batch.js';
import { keyBatch, letterWord, seededRandom } from '../helpers/key-batch.js';

const OPTIONS = { delimiter: ':', depth: 5, collapse: true };

/** The node at a path of segments below the root, or undefined. */
function nodeAt(root: NamespaceNode, ...segments: string[]): NamespaceNode | undefined {
  let node: NamespaceNode | undefined = root;
  for (const segment of segments) node = node?.children.find((child) => child.segment === segment);
  return node;
}

const typeCount = (stats: NamespaceStats, type: (typeof KEY_TYPES)[number]): number => stats.types[KEY_TYPES.indexOf(type)]!;

describe('NamespaceAggregator', () => {
  it('groups keys by namespace, collapsing ID segments into ‹id›, and rolls leaves up into a tree', () => {
    const aggregator = new NamespaceAggregator(OPTIONS);
    aggregator.add(
      'shard-a',
      keyBatch([
        { key: 'app:v2:user:123:profile', type: 'hash', ttl: 60_000, memory: 100 },
        { key: 'app:v2:user:456:profile', type: 'hash', ttl: 120_000, memory: 300 },
        { key: 'app:v2:session:3f2c9a1e-7b4d-4c2a-9e1f-0a1b2c3d4e5f', type: 'string', ttl: TTL_NONE, memory: 50 },
        { key: 'jobs', type: 'list', ttl: TTL_NONE, memory: 70 },
      ]),
    );
    const root = aggregator.tree();
    expect(root.stats.keys).toBe(4);
    expect(root.stats.memory).toBe(520);
    expect(root.children.map((child) => child.name).sort()).toEqual(['app', 'jobs']);

    const profile = nodeAt(root, 'app', 'v2', 'user', '‹id›', 'profile');
    expect(profile?.name).toBe('app:v2:user:‹id›:profile');
    expect(profile?.depth).toBe(5);
    expect(profile?.stats.keys).toBe(2);
    expect(profile?.stats.memory).toBe(400);
    expect(typeCount(profile!.stats, 'hash')).toBe(2);
    expect(profile?.stats.example?.toString()).toBe('app:v2:user:123:profile');

    const v2 = nodeAt(root, 'app', 'v2');
    expect(v2?.stats.keys).toBe(3);
    expect(v2?.stats.memory).toBe(450);
    expect(v2?.children.map((child) => child.segment).sort()).toEqual(['session', 'user']);
    expect(nodeAt(root, 'app', 'v2', 'session', '‹id›')?.stats.keys).toBe(1);
    expect(typeCount(nodeAt(root, 'jobs')!.stats, 'list')).toBe(1);
    expect(aggregator.namespaceCount).toBe(3);
  });

  it('keeps ID segments apart with collapse off, and honours depth and the delimiter', () => {
    const raw = new NamespaceAggregator({ delimiter: ':', depth: 5, collapse: false });
    raw.add('s', keyBatch([{ key: 'user:1' }, { key: 'user:2' }]));
    expect(nodeAt(raw.tree(), 'user')?.children.map((child) => child.segment).sort()).toEqual(['1', '2']);

    const slash = new NamespaceAggregator({ delimiter: '/', depth: 2, collapse: true });
    slash.add('s', keyBatch([{ key: 'img/42/thumb' }, { key: 'img/43/full' }, { key: 'a:b' }]));
    const root = slash.tree();
    expect(nodeAt(root, 'img', '‹id›')?.name).toBe('img/‹id›');
    expect(nodeAt(root, 'img', '‹id›')?.stats.keys).toBe(2);
    expect(nodeAt(root, 'img', '‹id›')?.children).toEqual([]);
    expect(nodeAt(root, 'a:b')?.stats.keys).toBe(1);
  });

  it('counts keys without TTL, and skips keys that vanished instead of calling them TTL-less', () => {
    const aggregator = new NamespaceAggregator(OPTIONS);
    aggregator.add(
      's',
      keyBatch([
        { key: 'cache:1', ttl: TTL_NONE, memory: 10 },
        { key: 'cache:2', ttl: 5_000, memory: 10 },
        // Deleted between SCAN and PTTL: no type, PTTL -2.
        { key: 'cache:3', type: 'unknown', ttl: TTL_GONE, memory: UNKNOWN },
        { key: 'gone:1', type: 'unknown', ttl: TTL_GONE },
        // TTL not known (not asked for, or not permitted): neither with nor without TTL.
        { key: 'cache:4', ttl: UNKNOWN, memory: UNKNOWN },
      ]),
    );
    const root = aggregator.tree();
    expect(aggregator.vanished).toBe(2);
    expect(root.stats.keys).toBe(3);
    expect(root.stats.noTtl).toBe(1);
    expect(root.stats.withTtl).toBe(1);
    expect(root.stats.measured).toBe(2);
    expect(root.stats.memory).toBe(20);
    expect(typeCount(root.stats, 'unknown')).toBe(0);
    // A namespace made only of vanished keys does not exist.
    expect(nodeAt(root, 'gone')).toBeUndefined();
    expect(aggregator.namespaceCount).toBe(1);
  });

  it('merges shards, and discardShard forgets one shard only (a scan restarted from cursor 0)', () => {
    const aggregator = new NamespaceAggregator(OPTIONS);
    aggregator.add('a', keyBatch([{ key: 'x:1', ttl: 1_000 }, { key: 'y:1' }, { key: 'gone:1', ttl: TTL_GONE }]));
    aggregator.add('b', keyBatch([{ key: 'x:2', ttl: 9_000 }, { key: 'z:1' }]));
    expect(aggregator.tree().stats.keys).toBe(4);
    expect(nodeAt(aggregator.tree(), 'x')?.stats.keys).toBe(2);
    // The same namespace on two shards is one namespace.
    expect(aggregator.namespaceCount).toBe(3);
    expect(aggregator.vanished).toBe(1);

    aggregator.discardShard('a');
    const root = aggregator.tree();
    expect(root.stats.keys).toBe(2);
    expect(nodeAt(root, 'x', '‹id›')?.stats.keys).toBe(1);
    expect(nodeAt(root, 'x')?.stats.ttlMin).toBe(9_000);
    expect(nodeAt(root, 'y')).toBeUndefined();
    expect(aggregator.namespaceCount).toBe(2);
    expect(aggregator.vanished).toBe(0);

    // The shard scans again from the start: counted once, not twice.
    aggregator.add('a', keyBatch([{ key: 'x:1', ttl: 1_000 }, { key: 'y:1' }]));
    expect(aggregator.tree().stats.keys).toBe(4);
    expect(aggregator.namespaceCount).toBe(3);
    aggregator.discardShard('never-seen');
    expect(aggregator.tree().stats.keys).toBe(4);
  });

  // 50,000 distinct namespaces take a few seconds; more on a loaded machine.
  it(`sends namespaces beyond MAX_NAMESPACES (${MAX_NAMESPACES}) to ${OVERFLOW_NAMESPACE}, but never a namespace already known`, { timeout: 30_000 }, () => {
    const aggregator = new NamespaceAggregator({ delimiter: ':', depth: 1, collapse: true });
    const extra = 25;
    const entries = Array.from({ length: MAX_NAMESPACES + extra }, (_, i) => ({ key: `ns${i}x:k`, memory: 1 }));
    aggregator.add('a', keyBatch(entries));
    expect(aggregator.namespaceCount).toBe(MAX_NAMESPACES);
    // A namespace the first shard knows also lands under its own name on another shard.
    aggregator.add('b', keyBatch([{ key: 'ns7x:other', memory: 1 }, { key: 'brand-new:k', memory: 1 }]));
    const root = aggregator.tree();
    expect(root.stats.keys).toBe(MAX_NAMESPACES + extra + 2);
    expect(root.stats.memory).toBe(MAX_NAMESPACES + extra + 2);
    expect(nodeAt(root, 'ns7x')?.stats.keys).toBe(2);
    const overflow = nodeAt(root, OVERFLOW_NAMESPACE);
    expect(overflow?.stats.keys).toBe(extra + 1);
    expect(overflow?.children).toEqual([]);
    expect(root.children).toHaveLength(MAX_NAMESPACES + 1);
    expect(aggregator.namespaceCount).toBe(MAX_NAMESPACES);
  });
});

describe('NamespaceAggregator compaction while scanning', () => {
  const word = letterWord;

  it('rolls a level of many small literal values into ‹var› as the scan goes, instead of spilling into {other}', { timeout: 60_000 }, () => {
    const aggregator = new NamespaceAggregator({ delimiter: ':', depth: 5, collapse: true });
    const values = MAX_NAMESPACES * 2 + 500;
    // Two shards, as a Cluster's masters: each value's keys on one shard, a kept big sibling on both.
    for (let start = 0; start < values; start += 5000) {
      for (const shard of ['a', 'b']) {
        const entries = [];
        for (let i = start; i < Math.min(values, start + 5000); i += 1) if ((i % 2 === 0) === (shard === 'a')) entries.push({ key: `sess:${word(i)}`, memory: 3 }, { key: `sess:${word(i)}:flash`, memory: 1 });
        entries.push({ key: `sess:admin`, memory: 7 }, { key: `app:v2:user:${start}:profile`, memory: 2 });
        aggregator.add(shard, keyBatch(entries));
      }
    }
    const root = aggregator.tree();
    const batches = 2 * Math.ceil(values / 5000);
    expect(nodeAt(root, OVERFLOW_NAMESPACE)).toBeUndefined();
    expect(root.stats.keys).toBe(values * 2 + 2 * batches);
    const sess = nodeAt(root, 'sess')!;
    expect(sess.stats.keys).toBe(values * 2 + batches);
    // The big sibling stays a row of its own; every small value is in ‹var›, counted exactly once.
    expect(sess.children.map((child) => child.segment).sort()).toEqual(['admin', '‹var›']);
    const variable = nodeAt(root, 'sess', '‹var›')!;
    expect(variable.stats.keys).toBe(values * 2);
    expect(variable.stats.memory).toBe(values * 4);
    expect(variable.distinct).toBe(values);
    expect(variable.distinctAtLeast).toBeUndefined();
    expect(nodeAt(root, 'sess', '‹var›', 'flash')?.stats.keys).toBe(values);
    expect(nodeAt(root, 'sess', 'admin')?.stats.keys).toBe(batches);
    expect(nodeAt(root, 'app', 'v2', 'user', '‹id›', 'profile')?.stats.keys).toBe(batches);
    // Memory stays with the groups: a handful of records, not one per value.
    expect(aggregator.namespaceCount).toBeLessThan(20);
    // A key deleted from a compacted value comes out of its ‹var› record.
    aggregator.removeKey('a', `sess:${word(0)}`, { type: KEY_TYPES.indexOf('string'), memory: 3, ttl: TTL_NONE, key: Buffer.from(`sess:${word(0)}`) });
    expect(nodeAt(aggregator.tree(), 'sess', '‹var›')?.stats.keys).toBe(values * 2 - 1);
  });
});

describe('NamespaceStats.ttlPercentile', () => {
  /** The q-quantile as ttlPercentile defines it: the value at rank ceil(q·n). */
  const exact = (sorted: number[], q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;

  // The histogram has 4 buckets per power of two: ≤ 19% relative error (documented), and it
  // works on ms + 1, so allow 1 ms on top for TTLs near zero.
  const within = (approx: number, truth: number): boolean => Math.abs(approx - truth) <= 0.19 * truth + 1;

  const distributions: Record<string, (random: () => number) => number> = {
    'log-uniform from 1 ms to 30 days': (random) => Math.floor(Math.exp(random() * Math.log(30 * 86_400_000))),
    'uniform up to 1 hour': (random) => Math.floor(random() * 3_600_000),
    'two clusters (1 min and 1 day)': (random) => (random() < 0.7 ? 60_000 : 86_400_000) + Math.floor(random() * 1000),
    'small values up to 50 ms': (random) => Math.floor(random() * 50),
  };

  for (const [name, draw] of Object.entries(distributions)) {
    it(`stays within the documented error of the exact percentile: ${name}`, () => {
      const random = seededRandom(name.length * 7919);
      const ttls = Array.from({ length: 20_000 }, () => draw(random));
      const aggregator = new NamespaceAggregator(OPTIONS);
      for (let start = 0; start < ttls.length; start += 1000) {
        aggregator.add(`shard-${start % 3}`, keyBatch(ttls.slice(start, start + 1000).map((ttl, i) => ({ key: `t:${start + i}`, ttl }))));
      }
      const stats = aggregator.tree().stats;
      const sorted = [...ttls].sort((a, b) => a - b);
      expect(stats.withTtl).toBe(ttls.length);
      for (const q of [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99]) {
        const approx = stats.ttlPercentile(q)!;
        const truth = exact(sorted, q);
        expect(within(approx, truth), `p${q * 100}: ${approx} vs exact ${truth}`).toBe(true);
      }
      // Exact at the ends.
      expect(stats.ttlMin).toBe(sorted[0]);
      expect(stats.ttlPercentile(1)).toBe(sorted[sorted.length - 1]);
      expect(stats.ttlMax).toBe(sorted[sorted.length - 1]);
    });
  }

  it('is null without TTLs and exact for a single value', () => {
    const stats = new NamespaceStats();
    expect(stats.ttlPercentile(0.5)).toBeNull();
    const aggregator = new NamespaceAggregator(OPTIONS);
    aggregator.add('s', keyBatch([{ key: 'a:1', ttl: 86_400_000 }]));
    expect(aggregator.tree().stats.ttlPercentile(0.5)).toBe(86_400_000);
  });
});

describe('sortNamespaces', () => {
  it('orders by memory, keys, keys without TTL or name', () => {
    const aggregator = new NamespaceAggregator(OPTIONS);
    aggregator.add(
      's',
      keyBatch([
        { key: 'big:1', memory: 1000 },
        { key: 'many:1', ttl: 1, memory: 1 },
        { key: 'many:2', ttl: 1, memory: 1 },
        { key: 'many:3', ttl: 1, memory: 1 },
        { key: 'eternal:1', memory: 5 },
        { key: 'eternal:2', memory: 5 },
      ]),
    );
    const top = aggregator.tree().children;
    expect(sortNamespaces(top, 'memory').map((node) => node.name)).toEqual(['big', 'eternal', 'many']);
    expect(sortNamespaces(top, 'keys').map((node) => node.name)).toEqual(['many', 'eternal', 'big']);
    expect(sortNamespaces(top, 'no-ttl').map((node) => node.name)).toEqual(['eternal', 'big', 'many']);
    expect(sortNamespaces(top, 'name').map((node) => node.name)).toEqual(['big', 'eternal', 'many']);
  });
});

describe('cardinality', () => {
  it('rolls many small literal siblings into one ‹var› row that says how many values it holds, and keeps few ones literal', () => {
    const aggregator = new NamespaceAggregator(OPTIONS);
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo'];
    aggregator.add('a', keyBatch([...names.map((n) => ({ key: `team:${n}:members` })), { key: 'reports:2024:q1' }, { key: 'reports:2025:q1' }]));
    const root = aggregator.tree();
    const team = nodeAt(root, 'team')!;
    expect(team.children.map((child) => child.segment)).toEqual(['‹var›']);
    expect(team.children[0]!.distinct).toBe(names.length);
    expect(nodeAt(root, 'team', '‹var›', 'members')?.stats.keys).toBe(names.length);
    // Few siblings: a year stays a word.
    expect(nodeAt(root, 'reports')!.children.map((child) => child.segment).sort()).toEqual(['2024', '2025']);
  });

  /** 20 tenants of one key each beside a big literal sibling (`shared`, 8 keys) and an ‹id› sibling. */
  const tenantKeys = () => [
    ...Array.from({ length: 20 }, (_, i) => `tenants:acme-${String(i).padStart(3, '0')}-xyz:cfg`),
    ...Array.from({ length: 8 }, (_, i) => `tenants:shared:k${'abcdefgh'[i]}`),
    'tenants:42:cfg',
  ];

  it('rolls the small literal siblings into ‹var› and keeps a big literal sibling as its own row beside it', () => {
    const aggregator = new NamespaceAggregator(OPTIONS);
    aggregator.add('a', keyBatch(tenantKeys().map((key) => ({ key }))));
    const root = aggregator.tree();
    const tenants = nodeAt(root, 'tenants')!;
    expect(tenants.children.map((child) => child.segment).sort()).toEqual(['shared', '‹id›', '‹var›']);
    expect(nodeAt(root, 'tenants', '‹var›')).toMatchObject({ distinct: 20, stats: expect.objectContaining({ keys: 20 }) as unknown });
    expect(nodeAt(root, 'tenants', 'shared')?.stats.keys).toBe(8);
    // Each leaf path finds the row it was counted in.
    expect(rolledNode(root, namespacePath(Buffer.from('tenants:acme-007-xyz:cfg'), OPTIONS).names, OPTIONS)?.name).toBe('tenants:‹var›:cfg');
    expect(rolledNode(root, namespacePath(Buffer.from('tenants:shared:kb'), OPTIONS).names, OPTIONS)?.name).toBe('tenants:shared:kb');
    expect(rolledNode(root, namespacePath(Buffer.from('tenants:42:cfg'), OPTIONS).names, OPTIONS)?.name).toBe('tenants:‹id›:cfg');
  });

  it('matches a ‹var› row to exactly the keys it counted, not its literal or ‹id› siblings', () => {
    const aggregator = new NamespaceAggregator(OPTIONS);
    const keys = tenantKeys();
    aggregator.add('a', keyBatch(keys.map((key) => ({ key }))));
    const root = aggregator.tree();
    const row = nodeAt(root, 'tenants', '‹var›')!;
    const matcher = namespaceMatcher(row.name, OPTIONS, undefined, root);
    const matched = keys.filter((key) => matcher.contains(Buffer.from(key)));
    expect(matched).toHaveLength(row.stats.keys);
    expect(matched.every((key) => key.includes('acme-'))).toBe(true);
    const leaf = namespaceMatcher(`${row.name}:cfg`, OPTIONS, undefined, root);
    expect(keys.filter((key) => leaf.isOwn(Buffer.from(key)))).toHaveLength(20);
    // Forgetting the row after a purge leaves its siblings counted.
    expect(aggregator.removeNamespace(row.name)).toBe(20);
    const after = aggregator.tree();
    expect(after.stats.keys).toBe(9);
    expect(nodeAt(after, 'tenants', 'shared')?.stats.keys).toBe(8);
  });
});
