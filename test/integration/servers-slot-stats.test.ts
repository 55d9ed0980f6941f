// Valkey 8's CLUSTER SLOT-STATS in `cachectl nodes`: the busiest slots of each master, and a hint
// when one slot (a hash tag) holds most of a shard's keys. Servers without the command (asked with
// COMMAND INFO) report no slot statistics at all.
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { keySlot } from '../../src/base/slot.js';
import { connect } from '../../src/connection/connect.js';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import { DashboardModel } from '../../src/core/dashboard/model.js';
import type { NodesReport } from '../../src/core/nodes/nodes.js';
import { adminClient } from '../fixtures/index.js';
import { runInProcess } from '../helpers/cli.js';

const redis = inject('redis');
const HOT = 300;
const SPREAD = 60;
let cluster: Cluster;
let supported = false;
const hotKey = (i: number): string => `slotstats:{hot}:${i}`;
const spreadKey = (i: number): string => `slotstats:spread:${i}`;

beforeAll(async () => {
  const probe = adminClient(redis.cluster.seeds[0]!.port);
  try {
    supported = ((await probe.call('COMMAND', 'INFO', 'cluster|slot-stats')) as unknown[])[0] !== null;
  } finally {
    probe.disconnect();
  }
  cluster = new Cluster(redis.cluster.seeds, { redisOptions: { protocol: 2 } });
  for (let i = 0; i < HOT; i += 1) await cluster.set(hotKey(i), 'v');
  for (let i = 0; i < SPREAD; i += 1) await cluster.set(spreadKey(i), 'v');
});

afterAll(async () => {
  for (let i = 0; i < HOT; i += 1) await cluster.del(hotKey(i));
  for (let i = 0; i < SPREAD; i += 1) await cluster.del(spreadKey(i));
  cluster.disconnect();
});

describe('CLUSTER SLOT-STATS in nodes', () => {
  it('names the hash-tag slot as the busiest of its shard and hints that it dominates', async () => {
    const seed = `127.0.0.1:${redis.cluster.seeds[0]!.port}`;
    const json = await runInProcess(['nodes', '--cluster', seed, '-o', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as NodesReport;
    if (!supported) {
      for (const node of report.nodes) expect(node.slotStats).toBeNull();
      return;
    }
    const slot = keySlot(Buffer.from(hotKey(0)));
    const owner = report.nodes.find((node) => node.role === 'master' && node.slots.some(([a, b]) => a <= slot && slot <= b))!;
    expect(owner.slotStats!.byKeys[0]).toMatchObject({ slot, keys: HOT });
    expect(owner.slotStats!.dominant).toMatchObject({ slot });
    for (const node of report.nodes.filter((n) => n.role === 'replica')) expect(node.slotStats).toBeNull();

    const table = await runInProcess(['nodes', '--cluster', seed, '-o', 'table']);
    expect(table.stdout).toContain(`${owner.address} busiest slots by keys: ${slot} (${HOT} keys`);
    expect(table.stdout).toMatch(new RegExp(`hint: slot ${slot} holds \\d+(\\.\\d)?% of the keys of ${owner.address.replace(/\./g, '\\.')}`));
  });

  it('top\'s detail view of that master carries the same slot statistics', async () => {
    const topology = await connect({ ...defaultConnectionOptions(), mode: 'cluster', endpoints: redis.cluster.seeds });
    const model = new DashboardModel(topology, { refreshMs: 200, maxBackoffMs: 1000 });
    try {
      const slot = keySlot(Buffer.from(hotKey(0)));
      const first = await model.refresh();
      const owner = topology.masters().find((node) => node.slots.some(([a, b]) => a <= slot && slot <= b))!;
      expect(first.nodes.some((node) => node.address === owner.address)).toBe(true);
      model.focus(owner.address, true);
      await model.refresh();
      const detail = (await model.refresh()).detail!;
      expect(detail.address).toBe(owner.address);
      if (!supported) expect(detail.slotStats).toBeNull();
      else expect(detail.slotStats!.byKeys[0]).toMatchObject({ slot, keys: HOT });
    } finally {
      await model.close();
      await topology.close();
    }
  });
});
