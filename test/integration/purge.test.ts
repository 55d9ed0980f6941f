// Purge against the shared single node, Cluster and Sentinel fixtures: the deleted set is exactly
// the server's own MATCH set for many patterns, nothing else is touched, and every summary
// accounts for each planned key exactly once. Keys live under prefixes unique to this file.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Topology } from '../../src/connection/topology.js';
import { escapeGlob } from '../../src/base/glob.js';
import { disposePlan, planPurge } from '../../src/core/purge/plan.js';
import { executePurge } from '../../src/core/purge/execute.js';
import { keySlot } from '../../src/base/slot.js';
import type { TopologyName } from '../helpers/purge-topologies.js';
import { accounted, latin1, open, optionsFor, purge, removeMatching, serverMatches, writeStrings } from '../helpers/purge-topologies.js';

const redis = inject('redis');

// Byte strings (latin1): one char is one byte. Glob characters, binary bytes and newlines on purpose.
const SUFFIXES = [
  '', 'a', 'b', 'c', 'ab', 'abc', 'a1', 'a9', 'b5', 'x', 'A', 'aB', '*', '?', '[x]', '\\', 'a*b', 'a\nb', '\n',
  '\xff', '\x80', '\x7f', '\x00', 'caf\xc3\xa9', 'user:1', 'user:10', 'user:2:profile', '{tag}:1', '{tag}:2', '{tag}:x',
  '[', ']', '-', '^', 'a]',
];

// Suffix patterns: classes, ranges, negation, escapes, `?`, binary ranges, newlines, literal glob characters,
// an unterminated class and a trailing lone backslash.
const PATTERNS = [
  '*', '?', '??', '[abc]', '[a-c]*', '[^a]', '[^a-z]', 'a?', 'a[0-9]', '\\*', '\\?', '\\[x\\]', '\\\\', 'a\\*b', 'a*b',
  '*\n*', '\n', '[\x80-\xff]', '[\x00-\x7f]', 'user:1*', 'user:?', 'user:*:*', '*[0-9]', '{tag}:*', '[\\]]', 'a\\]',
  'caf*', '[A-Z]*', 'a[bB]', '[', '\\', '[]-]', 'a[^]',
];

describe.each(['single', 'cluster', 'sentinel'] as TopologyName[])('purge on %s', (name) => {
  let topology: Topology;
  const prefix = `purge-it:${name}:`;
  const outside = `purge-it-outside:${name}:`;
  const inKeys = SUFFIXES.map((suffix) => latin1(prefix + suffix));
  const outKeys = SUFFIXES.map((suffix) => latin1(outside + suffix));

  beforeAll(async () => {
    topology = await open(optionsFor(name, redis));
  });
  afterAll(async () => {
    await removeMatching(topology, latin1(`${prefix}*`));
    await removeMatching(topology, latin1(`${outside}*`));
    await topology.close();
  });

  it('deletes exactly the keys the server MATCHes, for every pattern, and nothing else', async () => {
    const sizes: number[] = [];
    for (const suffix of PATTERNS) {
      const pattern = latin1(prefix + suffix);
      await writeStrings(topology, [...inKeys, ...outKeys]);
      const expected = await serverMatches(topology, pattern);
      const { plan, summary } = await purge(topology, pattern);
      const remaining = await serverMatches(topology, latin1(`${prefix}*`));
      const label = JSON.stringify(suffix);
      expect(plan.matched, label).toBe(expected.size);
      for (const sample of plan.samples) expect(expected.has(sample.toString('latin1')), label).toBe(true);
      expect(summary.status, label).toBe('complete');
      expect(summary.deleted, label).toBe(expected.size);
      expect(accounted(summary), label).toBe(plan.matched);
      const expectedRemaining = inKeys.map((key) => key.toString('latin1')).filter((key) => !expected.has(key));
      expect([...remaining].sort(), label).toEqual(expectedRemaining.sort());
      expect((await serverMatches(topology, latin1(`${outside}*`))).size, label).toBe(outKeys.length);
      sizes.push(expected.size);
    }
    // The patterns are not degenerate: most match something, none matches everything.
    expect(sizes.filter((size) => size > 0).length).toBeGreaterThan(PATTERNS.length * 0.7);
    expect(Math.max(...sizes.slice(1))).toBeLessThan(SUFFIXES.length);
  });

  it('plans per node, measures memory and a namespace breakdown, and deletes nothing while planning', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => latin1(`${prefix}ns${i % 3}:item:${i}`));
    await writeStrings(topology, keys, () => 'v'.repeat(100));
    const plan = await planPurge(topology, latin1(`${prefix}ns*`), { sampleKeys: 5, depth: 5 });
    try {
      expect(plan.status).toBe('complete');
      expect(plan.matched).toBe(300);
      expect(plan.memoryBytes).toBeGreaterThan(300 * 100);
      expect(plan.nodes.reduce((sum, node) => sum + node.keys, 0)).toBe(300);
      expect(plan.nodes).toHaveLength(topology.masters().length);
      expect(plan.namespaces.map((row) => [row.namespace, row.keys]).sort()).toEqual([
        [`purge-it:${name}:ns0:item:‹id›`, 100],
        [`purge-it:${name}:ns1:item:‹id›`, 100],
        [`purge-it:${name}:ns2:item:‹id›`, 100],
      ]);
      expect(plan.samples).toHaveLength(5);
      expect(plan.keyspace).toBeGreaterThanOrEqual(300);
      // 300 keys fit the memory sample: every one was measured, so the figures are exact.
      expect(plan).toMatchObject({ memoryEstimated: false, memoryMeasured: 300 });
      const exact = await planPurge(topology, latin1(`${prefix}ns*`), { memory: 'exact', depth: 5 });
      disposePlan(exact);
      expect(exact.memoryBytes).toBe(plan.memoryBytes);
      expect(exact.namespaces.map((row) => row.memoryBytes).sort()).toEqual(plan.namespaces.map((row) => row.memoryBytes).sort());
      // A smaller sample extrapolates: the same total within the spread of key sizes here.
      const sampled = await planPurge(topology, latin1(`${prefix}ns*`), { memorySample: 60, depth: 5 });
      disposePlan(sampled);
      expect(sampled).toMatchObject({ memoryEstimated: true, memoryMeasured: 60 });
      expect(Math.abs(sampled.memoryBytes! - exact.memoryBytes!) / exact.memoryBytes!).toBeLessThan(0.05);
      const none = await planPurge(topology, latin1(`${prefix}ns*`), { memory: 'none' });
      disposePlan(none);
      expect(none.memoryBytes).toBeNull();
      expect((await serverMatches(topology, latin1(`${prefix}ns*`))).size).toBe(300);
    } finally {
      disposePlan(plan);
    }
    await removeMatching(topology, latin1(`${prefix}ns*`));
  });

  it('counts keys deleted by someone else after planning as already gone, never as deleted', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => latin1(`${prefix}gone:${i}`));
    await writeStrings(topology, keys);
    const plan = await planPurge(topology, latin1(`${prefix}gone:*`));
    try {
      const stolen = keys.filter((_, i) => i % 4 === 0);
      for (const key of stolen) await (await topology.nodeForKey(key).ready()).del(key);
      let summary;
      for await (const event of executePurge(topology, plan, { commandKeys: 7 })) if (event.kind === 'done') summary = event.summary;
      expect(summary!.deleted).toBe(150);
      expect(summary!.alreadyGone).toBe(50);
      expect(accounted(summary!)).toBe(200);
      expect(summary!.nodes.reduce((sum, node) => sum + node.deleted, 0)).toBe(150);
    } finally {
      disposePlan(plan);
    }
  });

  it('plans and deletes one master at a time with --concurrency 1, every key counted once', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => latin1(`${prefix}one-at-a-time:${i}`));
    await writeStrings(topology, keys);
    const { plan, summary } = await purge(topology, latin1(`${prefix}one-at-a-time:*`), { plan: { concurrency: 1 }, execute: { concurrency: 1, commandKeys: 7 } });
    expect(plan.matched).toBe(300);
    expect(summary).toMatchObject({ status: 'complete', deleted: 300, alreadyGone: 0 });
    expect(accounted(summary)).toBe(300);
    expect(await serverMatches(topology, latin1(`${prefix}one-at-a-time:*`))).toEqual(new Set());
  });

  it('stops after the current round when aborted, with deleted + already gone + not reached = planned', async () => {
    const keys = Array.from({ length: 3000 }, (_, i) => latin1(`${prefix}stop:${i}`));
    await writeStrings(topology, keys);
    const controller = new AbortController();
    let rounds = 0;
    const { plan, summary } = await purge(topology, latin1(`${prefix}stop:*`), {
      execute: { signal: controller.signal, roundKeys: 300 },
      onEvent: (event) => {
        if (event.kind === 'progress' && ++rounds === 2) controller.abort();
      },
    });
    expect(summary.status).toBe('interrupted');
    expect(summary.deleted).toBeGreaterThan(0);
    expect(summary.deleted).toBeLessThan(plan.matched);
    expect(summary.notReached).toBeGreaterThan(0);
    expect(summary.deleted + summary.alreadyGone + summary.notReached).toBe(plan.matched);
    expect((await serverMatches(topology, latin1(`${prefix}stop:*`))).size).toBe(plan.matched - summary.deleted);
    await removeMatching(topology, latin1(`${prefix}stop:*`));
  });

  it('names every deleted key (for --log) when asked, one key per command', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => latin1(`${prefix}log:${i}:\xff`));
    await writeStrings(topology, keys);
    await (await topology.nodeForKey(keys[0]!).ready()).del(keys[0]!);
    const { summary, events } = await purge(topology, latin1(`${prefix}log:*`), { execute: { reportKeys: true } });
    const reported = events.flatMap((event) => (event.kind === 'deleted' ? event.keys.map((key) => key.toString('latin1')) : []));
    expect(summary.deleted).toBe(59);
    expect(reported.sort()).toEqual(keys.slice(1).map((key) => key.toString('latin1')).sort());
  });

  it('executes a plan spilled to a temporary file exactly like one kept in memory', async () => {
    const keys = Array.from({ length: 2000 }, (_, i) => latin1(`${prefix}spill:${i}`));
    await writeStrings(topology, keys);
    const { plan, summary } = await purge(topology, latin1(`${prefix}spill:*`), { plan: { spool: { memoryBudgetBytes: 4096 } } });
    expect(plan.notices.join('\n')).toMatch(/temporary file/);
    expect(summary.deleted).toBe(2000);
    expect((await serverMatches(topology, latin1(`${prefix}spill:*`))).size).toBe(0);
  });

  it('deletes exactly one key given literally, glob characters and all', async () => {
    const literal = latin1(`${prefix}lit:[2024]*?\\`);
    const lookalikes = [latin1(`${prefix}lit:2`), latin1(`${prefix}lit:[2024]*?\\x`), latin1(`${prefix}lit:[2024]`)];
    await writeStrings(topology, [literal, ...lookalikes]);
    const { summary } = await purge(topology, escapeGlob(literal));
    expect(summary.deleted).toBe(1);
    expect([...(await serverMatches(topology, latin1(`${prefix}lit:*`)))].sort()).toEqual(lookalikes.map((key) => key.toString('latin1')).sort());
    await removeMatching(topology, latin1(`${prefix}lit:*`));
  });

  it('paces deletions under --rate', async () => {
    const keys = Array.from({ length: 400 }, (_, i) => latin1(`${prefix}rate:${i}`));
    await writeStrings(topology, keys);
    const started = Date.now();
    const { summary } = await purge(topology, latin1(`${prefix}rate:*`), { execute: { rate: 1000 } });
    expect(summary.deleted).toBe(400);
    // 400 keys at 1,000/s: about 0.4 s, never much faster.
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });
});

describe('purge on cluster: routing', () => {
  let topology: Topology;
  beforeAll(async () => {
    topology = await open(optionsFor('cluster', redis));
  });
  afterAll(async () => {
    await topology.close();
  });

  it('scans only the master owning the slot when the pattern pins a hash tag', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => latin1(`purge-it:{route}:${i}`));
    const others = Array.from({ length: 50 }, (_, i) => latin1(`purge-it:route:${i}`));
    await writeStrings(topology, [...keys, ...others]);
    const { plan, summary } = await purge(topology, latin1('purge-it:{route}:*'));
    expect(plan.slot).toBe(keySlot(latin1('{route}')));
    expect(plan.nodes).toHaveLength(1);
    expect(plan.nodes[0]!.node).toBe(topology.nodeForKey(latin1('{route}')).address);
    expect(summary.deleted).toBe(50);
    expect((await serverMatches(topology, latin1('purge-it:route:*'))).size).toBe(50);
    await removeMatching(topology, latin1('purge-it:route:*'));
  });
});
