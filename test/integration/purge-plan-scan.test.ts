// The purge plan's scan of a single master as several cursor ranges at once: together they return
// every matching key, the consumer sees one node-start and one node-done, and the plan counts each
// key once although a range may return a key the next one returns too. Keys under a unique prefix.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Topology } from '../../src/connection/topology.js';
import { disposePlan, planPurge } from '../../src/core/purge/plan.js';
import { planScanKeys } from '../../src/core/purge/plan-scan.js';
import type { ScanEvent } from '../../src/core/scan/scan.js';
import { latin1, open, optionsFor, removeMatching, writeStrings } from '../helpers/purge-topologies.js';
import type { RedisProcess } from '../fixtures/index.js';
import { adminClient, startRedis } from '../fixtures/index.js';

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

describe('the plan scan for keys alone', () => {
  // A server of its own: INFO commandstats then counts only this test's calls.
  let server: RedisProcess;
  let topology: Topology;
  beforeAll(async () => {
    server = await startRedis();
    topology = await open({ ...optionsFor('single', redis), endpoints: [{ host: server.host, port: server.port }] });
    await writeStrings(topology, Array.from({ length: 5000 }, (_, i) => latin1(`alone:${i}`)));
  });
  afterAll(async () => {
    await topology.close();
    await server.stop();
  });

  async function callsDuring(work: () => Promise<void>): Promise<Map<string, { calls: number; usec: number }>> {
    const admin = adminClient(server.port);
    try {
      await admin.config('RESETSTAT');
      await work();
      const stats = new Map<string, { calls: number; usec: number }>();
      for (const line of String(await admin.info('commandstats')).split('\n')) {
        const match = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
        if (match !== null) stats.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
      }
      return stats;
    } finally {
      admin.disconnect();
    }
  }

  it('sends plain SCANs of a bounded COUNT, no script; measuring every key still uses the script', async () => {
    const plain = await callsDuring(async () => disposePlan(await planPurge(topology, latin1('alone:*'), { memory: 'none' })));
    expect(plain.get('scan')?.calls).toBeGreaterThan(0);
    expect(plain.has('evalsha') || plain.has('eval')).toBe(false);
    // COUNT sized to the batch target (~0.7 ms at ~1.4 µs a key): 5,000 keys take several SCANs per range.
    expect(plain.get('scan')!.calls).toBeGreaterThanOrEqual(5000 / 600);
    const exact = await callsDuring(async () => disposePlan(await planPurge(topology, latin1('alone:*'), { memory: 'exact' })));
    expect((exact.get('evalsha')?.calls ?? 0) + (exact.get('eval')?.calls ?? 0)).toBeGreaterThan(0);
  });
});
