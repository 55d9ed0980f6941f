// Purge when the servers misbehave, on PRIVATE topologies: a Cluster master and a Sentinel master
// killed mid-purge (the purge re-discovers the topology and continues, then deletes the keys of the
// disturbed shard once more, because the promoted replica may not have seen every deletion), and a
// server where UNLINK does not exist.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import type { Topology } from '../../src/connection/topology.js';
import { BackupReader } from '../../src/core/purge/backup.js';
import type { PurgeEvent } from '../../src/core/purge/execute.js';
import { disposePlan, planPurge } from '../../src/core/purge/plan.js';
import { purgeSession } from '../../src/core/purge/session.js';
import type { PurgeSummary } from '../../src/core/purge/tally.js';
import { keySlot } from '../../src/base/slot.js';
import type { ClusterFixture, RedisProcess, SentinelFixture } from '../fixtures/index.js';
import { adminClient, startCluster, startRedis, startSentinel, waitFor, withAdminClient } from '../fixtures/index.js';
import {
  accounted,
  clusterOptions,
  latin1,
  open,
  purge,
  sentinelOptions,
  serverMatches,
  startSwitchableProxy,
  writeStrings,
} from '../helpers/purge-topologies.js';

const stoppers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.allSettled(stoppers.map((stop) => stop()));
});

const KEYS = 12_000;
const pattern = latin1('failover:*');
const keys = Array.from({ length: KEYS }, (_, i) => latin1(`failover:${i}`));
const bystanders = Array.from({ length: 500 }, (_, i) => latin1(`bystander:${i}`));

const aFifth = (processed: number): boolean => processed >= KEYS / 5;

/** Calls `disturb` once, on the first progress event `when` accepts. */
function disturbWhen(when: (processed: number) => boolean, disturb: () => Promise<void>): (event: PurgeEvent) => Promise<void> {
  let done = false;
  return async (event) => {
    if (done || event.kind !== 'progress' || !when(event.progress.processed)) return;
    done = true;
    await disturb();
  };
}

describe('purge through a failover', () => {
  it('continues after a Cluster master is killed, and leaves no matching key behind', async () => {
    const cluster: ClusterFixture = await startCluster({ masters: 3, replicasPerMaster: 1 });
    stoppers.push(() => cluster.stop());
    const topology: Topology = await open(clusterOptions(cluster.seeds, 1_000));
    stoppers.push(() => topology.close());
    await writeStrings(topology, [...keys, ...bystanders]);
    const victim = topology.nodeForKey(keys[0]!).endpoint.port;

    const { plan, summary } = await purge(topology, pattern, {
      execute: { rate: 3_000, retryWindowMs: 30_000 },
      onEvent: disturbWhen(aFifth, () => cluster.killNode(victim)),
    });
    expect(plan.matched).toBe(KEYS);
    expect(summary.status).toBe('complete');
    expect(summary.error).toBeNull();
    expect(accounted(summary)).toBe(KEYS);
    expect(summary.notReached).toBe(0);
    expect(summary.skipped).toBe(0);
    expect(summary.deleted).toBeGreaterThan(KEYS / 2);
    expect(summary.notices.join('\n')).toMatch(/once more/);
    await topology.refresh();
    expect(topology.masters().map((node) => node.endpoint.port)).not.toContain(victim);
    expect((await serverMatches(topology, pattern)).size).toBe(0);
    expect((await serverMatches(topology, latin1('bystander:*'))).size).toBe(bystanders.length);
  }, 90_000);

  it('continues after the Sentinel master is killed, and leaves no matching key behind', async () => {
    const sentinel: SentinelFixture = await startSentinel({ masterName: 'purgefo', sentinels: 3 });
    stoppers.push(() => sentinel.stop());
    const topology = await open(sentinelOptions(sentinel.sentinels, 'purgefo', 1_000));
    stoppers.push(() => topology.close());
    await writeStrings(topology, [...keys, ...bystanders]);
    const oldMaster = topology.masters()[0]!.address;

    const { summary } = await purge(topology, pattern, {
      execute: { rate: 3_000, retryWindowMs: 30_000 },
      onEvent: disturbWhen(aFifth, async () => {
        sentinel.master.kill('SIGKILL');
        await sentinel.master.waitForExit(5_000);
      }),
    });
    expect(summary.status).toBe('complete');
    expect(accounted(summary)).toBe(KEYS);
    expect(summary.notReached).toBe(0);
    expect(summary.notices.join('\n')).toMatch(/once more/);
    await topology.refresh();
    expect(topology.masters()[0]!.address).not.toBe(oldMaster);
    expect((await serverMatches(topology, pattern)).size).toBe(0);
    expect((await serverMatches(topology, latin1('bystander:*'))).size).toBe(bystanders.length);
  }, 90_000);

  it('deletes again the keys a lagging copy brings back when the address switches to it', async () => {
    const primary = await startRedis({ name: 'purge-primary' });
    stoppers.push(() => primary.stop());
    const client = adminClient(primary.port);
    stoppers.push(async () => client.disconnect());
    const pipeline = client.pipeline();
    for (const key of keys) pipeline.set(key, 'v');
    await pipeline.exec();
    // A copy that stops following the primary now: like a replica promoted with replication lag.
    const copy = await startRedis({ name: 'purge-copy', args: ['--replicaof', '127.0.0.1', String(primary.port)] });
    stoppers.push(() => copy.stop());
    await waitFor('the copy to sync', async () => ((await withAdminClient(copy.port, {}, (c) => c.dbsize())) === KEYS ? true : undefined), { timeoutMs: 10_000 });
    await withAdminClient(copy.port, {}, (c) => c.call('REPLICAOF', ['NO', 'ONE']));

    const proxy = await startSwitchableProxy(primary.port);
    stoppers.push(() => proxy.close());
    const topology = await open({ ...defaultConnectionOptions(), endpoints: [{ host: '127.0.0.1', port: proxy.port }], timeoutMs: 1_000 });
    stoppers.push(() => topology.close());
    let deletedBeforeSwitch = 0;
    const { summary } = await purge(topology, pattern, {
      execute: { rate: 4_000 },
      onEvent: disturbWhen(aFifth, async () => {
        deletedBeforeSwitch = KEYS - (await client.dbsize());
        proxy.switchTo(copy.port);
      }),
    });
    expect(deletedBeforeSwitch).toBeGreaterThan(0);
    expect(summary.status).toBe('complete');
    expect(accounted(summary)).toBe(KEYS);
    // Every key the primary had deleted was back on the copy, and was deleted again.
    expect(summary.redeleted).toBe(deletedBeforeSwitch);
    expect(await withAdminClient(copy.port, {}, (c) => c.dbsize())).toBe(0);
  }, 60_000);

  it('stops with an exact summary when the only server goes away for good', async () => {
    const server: RedisProcess = await startRedis({ name: 'purge-gone' });
    stoppers.push(() => server.stop());
    const topology = await open({ ...defaultConnectionOptions(), endpoints: [{ host: server.host, port: server.port }], timeoutMs: 500 });
    stoppers.push(() => topology.close());
    await writeStrings(topology, keys);
    const { summary } = await purge(topology, pattern, {
      execute: { rate: 5_000, retryWindowMs: 1_500 },
      onEvent: disturbWhen(aFifth, async () => {
        server.kill('SIGKILL');
        await server.waitForExit(5_000);
      }),
    });
    expect(summary.status).toBe('failed');
    expect(summary.error?.message).toMatch(/gave up after 2s of failures/);
    expect(summary.deleted).toBeGreaterThan(0);
    expect(summary.notReached).toBeGreaterThan(0);
    expect(accounted(summary)).toBe(KEYS);
  }, 60_000);
});

describe('a whole shard lost mid-purge with --backup', () => {
  it('the summary states the backup as it is on disk: its byte size and the records it holds', async () => {
    // No replicas: killing a master loses its shard for good; reads and writes go on elsewhere.
    const cluster: ClusterFixture = await startCluster({ masters: 3, replicasPerMaster: 0, args: ['--cluster-require-full-coverage', 'no'] });
    stoppers.push(() => cluster.stop());
    const topology: Topology = await open(clusterOptions(cluster.seeds, 5_000));
    stoppers.push(() => topology.close());
    // Values of some size, so a size counted from the wrong place cannot pass by accident.
    await writeStrings(topology, keys, (key) => Buffer.concat([key, Buffer.alloc(200, 0x61)]));
    const victim = topology.nodeForKey(keys[0]!).endpoint.port;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-shard-loss-'));
    stoppers.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'shard-loss.bak');

    const plan = await planPurge(topology, pattern);
    stoppers.push(async () => disposePlan(plan));
    let killed = false;
    let summary: PurgeSummary | undefined;
    for await (const event of purgeSession(topology, plan, { backupFile: file, tool: 'test', rate: 3_000, retryWindowMs: 1_500 })) {
      if (event.kind === 'progress' && !killed && aFifth(event.progress.processed)) {
        killed = true;
        await cluster.killNode(victim);
      }
      if (event.kind === 'done') summary = event.summary;
    }
    expect(killed).toBe(true);
    expect(summary!.status).toBe('failed');
    expect(summary!.notReached).toBeGreaterThan(0);
    expect(accounted(summary!)).toBe(KEYS);

    let records = 0;
    const reader = new BackupReader(file);
    const iterator = reader.records();
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) records += 1;
    expect(summary!.backup).toEqual({ file, records, bytes: statSync(file).size });
    expect(records).toBeGreaterThanOrEqual(summary!.deleted);
  }, 90_000);
});

/**
 * Only sends SENTINEL FAILOVER (retrying while a sentinel says INPROG/NOGOODSLAVE): the old master
 * keeps answering as master until Sentinel reconfigures it, as in production.
 */
async function sendSentinelFailover(sentinel: SentinelFixture): Promise<void> {
  const node = sentinel.sentinels[0]!;
  await waitFor('a sentinel to accept SENTINEL FAILOVER', () => withAdminClient(node.port, node.connection, (c) => c.call('SENTINEL', ['FAILOVER', sentinel.masterName])).then(() => true), {
    timeoutMs: 20_000,
    intervalMs: 200,
  });
}

/** Planned keys on the master the sentinels name once the failover is over and the old master follows it. */
async function keysLeftAfterSentinelFailover(sentinel: SentinelFixture, oldPort: number): Promise<number> {
  const master = await waitFor('the sentinels to name a new master', async () => {
    const current = await sentinel.currentMaster();
    return current.port === oldPort ? undefined : current;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  const old = [sentinel.master, sentinel.replica].find((node) => node.port === oldPort)!;
  // Sentinel turns the old master into a replica ~10 s later; its re-sync is what undid deletions.
  await waitFor('the old master to follow the new one', async () => {
    const info = await withAdminClient(old.port, old.connection, (c) => c.info('replication'));
    return /role:slave/.test(info) && /master_link_status:up/.test(info) && /master_sync_in_progress:0/.test(info) ? true : undefined;
  }, { timeoutMs: 40_000, intervalMs: 200 });
  const topology = await open({ ...defaultConnectionOptions(), endpoints: [master] });
  try {
    return (await serverMatches(topology, pattern)).size;
  } finally {
    await topology.close();
  }
}

describe('purge through a graceful failover (the old master keeps answering for seconds)', () => {
  const phases: { name: string; when: 'planning' | ((processed: number) => boolean) }[] = [
    { name: 'during planning', when: 'planning' },
    { name: 'mid-deletion', when: (processed) => processed >= KEYS / 3 },
    { name: 'at the very end', when: (processed) => processed >= KEYS },
  ];
  for (const phase of phases) {
    it(`SENTINEL FAILOVER ${phase.name}: no planned key is left, and the summary adds up`, async () => {
      const sentinel = await startSentinel({ masterName: 'graceful', sentinels: 3 });
      stoppers.push(() => sentinel.stop());
      const topology = await open(sentinelOptions(sentinel.sentinels, 'graceful', 1_000));
      stoppers.push(() => topology.close());
      await writeStrings(topology, [...keys, ...bystanders]);
      const oldPort = topology.masters()[0]!.endpoint.port;
      // The plan is made on the old master while the failover starts.
      if (phase.when === 'planning') await sendSentinelFailover(sentinel);
      const { plan, summary } = await purge(topology, pattern, {
        execute: { rate: 4_000, retryWindowMs: 30_000 },
        ...(phase.when === 'planning' ? {} : { onEvent: disturbWhen(phase.when, () => sendSentinelFailover(sentinel)) }),
      });
      expect(plan.matched).toBe(KEYS);
      const left = await keysLeftAfterSentinelFailover(sentinel, oldPort);
      expect(accounted(summary)).toBe(KEYS);
      expect(summary.error).toBeNull();
      expect(summary.status).toBe('complete');
      expect(summary.left).toBe(0);
      expect(left).toBe(0);
      expect(summary.notices.join('\n')).toMatch(/failover/i);
    }, 120_000);
  }

  it('CLUSTER FAILOVER on a replica mid-purge: no planned key is left', async () => {
    const cluster: ClusterFixture = await startCluster({ masters: 3, replicasPerMaster: 1 });
    stoppers.push(() => cluster.stop());
    const topology: Topology = await open(clusterOptions(cluster.seeds, 1_000));
    stoppers.push(() => topology.close());
    await writeStrings(topology, [...keys, ...bystanders]);
    const victim = topology.nodeForKey(keys[0]!);
    const replica = topology.replicas().find((node) => node.masterId === victim.id)!;
    const { summary } = await purge(topology, pattern, {
      execute: { rate: 4_000, retryWindowMs: 30_000 },
      onEvent: disturbWhen(
        (processed) => processed >= KEYS / 3,
        async () => {
          await withAdminClient(replica.endpoint.port, {}, (c) => c.call('CLUSTER', ['FAILOVER']));
        },
      ),
    });
    expect(accounted(summary)).toBe(KEYS);
    expect(summary.error).toBeNull();
    expect(summary.status).toBe('complete');
    expect(summary.left).toBe(0);
    await waitFor('the replica to be master', async () => ((await withAdminClient(replica.endpoint.port, {}, (c) => c.call('ROLE'))) as unknown[])[0] === 'master' ? true : undefined, { timeoutMs: 20_000 });
    await topology.refresh();
    expect(topology.masters().map((node) => node.address)).toContain(replica.address);
    expect((await serverMatches(topology, pattern)).size).toBe(0);
    expect((await serverMatches(topology, latin1('bystander:*'))).size).toBe(bystanders.length);
  }, 120_000);
});

describe('purge during a slot migration', () => {
  it('finds the keys on both masters and deletes each where it lives (TRYAGAIN, ASK)', async () => {
    const cluster: ClusterFixture = await startCluster({ masters: 2, replicasPerMaster: 0 });
    stoppers.push(() => cluster.stop());
    const topology = await open(clusterOptions(cluster.seeds));
    stoppers.push(() => topology.close());
    const moving = Array.from({ length: 200 }, (_, i) => latin1(`mig:{moving}:${i}`));
    await writeStrings(topology, moving);
    const slot = keySlot(latin1('{moving}'));
    const source = topology.nodeForKey(moving[0]!);
    const target = topology.masters().find((node) => node !== source)!;
    const sourceClient = await source.ready();
    const targetClient = await target.ready();
    // Half-way through a reshard: the slot is MIGRATING on the source, IMPORTING on the target, and
    // the first 100 keys have moved already.
    await targetClient.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id);
    await sourceClient.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.id);
    await sourceClient.call('MIGRATE', target.endpoint.host, String(target.endpoint.port), '', '0', '5000', 'KEYS', ...moving.slice(0, 100));
    expect(await targetClient.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot))).toBe(100);

    const { plan, summary } = await purge(topology, latin1('mig:{moving}:*'));
    expect(plan.slot).toBeNull();
    expect(plan.notices.join('\n')).toMatch(new RegExp(`slot ${slot} is being migrated`));
    expect(plan.matched).toBe(200);
    expect(summary).toMatchObject({ status: 'complete', deleted: 200, alreadyGone: 0, unknown: 0 });
    // The moved keys were deleted on the importing master, after ASK redirects.
    expect(summary.nodes.find((node) => node.node === target.address)?.deleted).toBe(100);
    expect(summary.nodes.find((node) => node.node === source.address)?.deleted).toBe(100);
    expect(await sourceClient.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot))).toBe(0);
    expect(await targetClient.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot))).toBe(0);
  }, 60_000);
});

describe('purge where UNLINK does not exist', () => {
  it('falls back to DEL and counts the same', async () => {
    const server = await startRedis({ name: 'purge-no-unlink', args: ['--rename-command', 'UNLINK', '""'] });
    stoppers.push(() => server.stop());
    const topology = await open({ ...defaultConnectionOptions(), endpoints: [{ host: server.host, port: server.port }] });
    stoppers.push(() => topology.close());
    await writeStrings(topology, [...keys.slice(0, 1000), ...bystanders]);
    const { summary } = await purge(topology, pattern);
    expect(summary).toMatchObject({ status: 'complete', deleted: 1000, alreadyGone: 0 });
    expect(summary.notices.join('\n')).toMatch(/UNLINK is not available on .*; using DEL/);
    expect((await serverMatches(topology, pattern)).size).toBe(0);
    expect((await serverMatches(topology, latin1('bystander:*'))).size).toBe(bystanders.length);
  });
});
