// The purge plan's scan of a single master as several cursor ranges at once: together they return
// every matching key, the consumer sees one node-start and one node-done, and the plan counts each
// key once although a range may return a key the next one returns too. Keys under a unique prefix.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Topology } from '../../src/connection/topology.js';
import { disposePlan, planPurge } from '../../src/core/purge/plan.js';
import { planScanKeys } from '../../src/core/purge/plan-scan.js';
import type { ScanEvent } from '../../src/core/scan/scan.js';
import { latin1, open, optionsFor, removeMatching, writeStrings } from '../helpers/purge-topologies.js';

const redis = inject('redis');

async function collect(events: AsyncIterable<ScanEvent>): Promise<{ keys: string[]; kinds: string[] }> {
  const keys: string[] = [];
  const kinds: string[] = [];
  for await (const event of events) {
    kinds.push(event.kind);
    if (event.kind === 'batch') for (const key of event.batch.keys) keys.push(key.toString('latin1'));
  }
  return { keys, kinds };
}

describe('purge plan scan in cursor ranges', () => {
  let topology: Topology;
  const prefix = 'plan-scan-it:';
  const wanted = Array.from({ length: 3000 }, (_, i) => latin1(`${prefix}${i}`));

  beforeAll(async () => {
    topology = await open(optionsFor('single', redis));
    await writeStrings(topology, [...wanted, ...Array.from({ length: 500 }, (_, i) => latin1(`plan-scan-it-outside:${i}`))]);
  });
  afterAll(async () => {
    await removeMatching(topology, latin1(`${prefix}*`));
    await removeMatching(topology, latin1('plan-scan-it-outside:*'));
    await topology.close();
  });

  it.each([1, 2, 4, 8])('%i ranges return every matching key, as one scan of the node', async (ranges) => {
    const { keys, kinds } = await collect(planScanKeys(topology, { match: latin1(`${prefix}*`), wantType: false, wantTtl: false, wantMemory: false, initialCount: 50 }, ranges));
    expect(new Set(keys)).toEqual(new Set(wanted.map((key) => key.toString('latin1'))));
    expect(kinds.filter((kind) => kind === 'node-start')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'node-done')).toHaveLength(1);
    expect(kinds.at(-1)).toBe('node-done');
  });

  it('plans each key once', async () => {
    const plan = await planPurge(topology, latin1(`${prefix}*`), { memory: 'none', targetBatchMicros: 100 });
    try {
      expect(plan.status).toBe('complete');
      expect(plan.matched).toBe(wanted.length);
      expect(plan.nodes).toHaveLength(1);
      expect(plan.nodes[0]!.keys).toBe(wanted.length);
    } finally {
      disposePlan(plan);
    }
  });

  it('a table smaller than the ranges: every range scans all of it, and the plan still counts each key once', async () => {
    // A database of its own holds a table of a few buckets.
    const small = await open({ ...optionsFor('single', redis), db: 11 });
    try {
      const keys = ['a', 'b', 'c'].map((name) => latin1(`${prefix}${name}`));
      await writeStrings(small, keys);
      const { keys: seen } = await collect(planScanKeys(small, { match: latin1(`${prefix}*`), wantType: false, wantTtl: false, wantMemory: false }, 8));
      expect(new Set(seen)).toEqual(new Set(keys.map((key) => key.toString('latin1'))));
      const plan = await planPurge(small, latin1(`${prefix}*`), { memory: 'none' });
      expect(plan.matched).toBe(3);
      disposePlan(plan);
    } finally {
      await removeMatching(small, latin1(`${prefix}*`));
      await small.close();
    }
  });
});
