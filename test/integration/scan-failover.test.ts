// The topology moving under a running scan, on PRIVATE topologies: a shard whose node fails over
// is rescanned from cursor 0 on the node now serving it (and says so), totals stay exact, and a
// node that dies with no replacement is reported failed and the report incomplete.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../src/connection/topology.js';
import { buildKeysReport } from '../../src/core/namespaces/keys-report.js';
import type { KeysReport, KeysReportOptions } from '../../src/core/namespaces/keys-report.js';
import { keySlot } from '../../src/base/slot.js';
import { adminClient, callText, freePort, parseClusterNodes, startCluster, startRedis, startSentinel, waitFor, withAdminClient } from '../fixtures/index.js';
import type { ClusterFixture, ClusterNodeEntry, RedisProcess, SentinelFixture } from '../fixtures/index.js';
import { openTopology } from '../helpers/scan.js';

const KEYS = 15_000;
// Slow enough that the topology can change under the scan: about 2.5 s for a full pass.
const RATE = 6_000;

/** A keys report over the whole keyspace that runs `trigger` once the scan has reported `after` keys. */
async function reportWith(topology: Topology, after: number, trigger: () => Promise<unknown>, extra: Partial<KeysReportOptions['scan']> = {}) {
  let scanned = 0;
  let triggered: Promise<unknown> | undefined;
  const report = await buildKeysReport(topology, {
    scan: { wantType: true, wantTtl: true, wantMemory: true, rate: RATE, ...extra },
    namespaces: { delimiter: ':', depth: 1, collapse: true },
    sort: 'keys',
    top: 5,
    onProgress: (progress) => {
      scanned = progress.scanned;
      if (triggered === undefined && scanned >= after) triggered = trigger();
    },
  });
  expect(triggered, 'the trigger ran while the scan was running').toBeDefined();
  await triggered;
  return report;
}

const keysIn = (report: KeysReport): number => report.namespaces.reduce((sum, row) => sum + row.keys, 0);

/** Writes KEYS string keys `fo:<n>`, each to the master that owns its slot, and waits for the replicas. */
async function seedCluster(cluster: ClusterFixture): Promise<Map<string, number>> {
  const entries = await clusterNodes(cluster.seeds[0]!.port);
  const masters = entries.filter((entry) => entry.role === 'master' && entry.slots.length > 0);
  const clients = new Map(masters.map((master) => [master.id, adminClient(master.port)]));
  const perMaster = new Map<string, number>(masters.map((master) => [master.id, 0]));
  const pipelines = new Map([...clients].map(([id, client]) => [id, client.pipeline()]));
  for (let i = 0; i < KEYS; i += 1) {
    const key = `fo:${i}`;
    const slot = keySlot(Buffer.from(key));
    const owner = masters.find((master) => master.slots.some(([from, to]) => slot >= from && slot <= to))!;
    pipelines.get(owner.id)!.set(key, 'x'.repeat(32));
    perMaster.set(owner.id, perMaster.get(owner.id)! + 1);
  }
  await Promise.all([...pipelines.values()].map((pipeline) => pipeline.exec()));
  await Promise.all([...clients.values()].map((client) => client.call('WAIT', '1', '5000')));
  for (const client of clients.values()) client.disconnect();
  return perMaster;
}

async function clusterNodes(port: number): Promise<ClusterNodeEntry[]> {
  const client = adminClient(port);
  try {
    return parseClusterNodes(await callText(client, 'CLUSTER', 'NODES'));
  } finally {
    client.disconnect();
  }
}

describe('failover mid-scan on a private Cluster', () => {
  let cluster: ClusterFixture;
  let keysPerMaster: Map<string, number>;
  let topology: Topology;

  beforeAll(async () => {
    // Reads go on while a shard is lost, so one dead shard does not fail the others.
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1, args: ['--cluster-allow-reads-when-down', 'yes'] });
    keysPerMaster = await seedCluster(cluster);
    topology = await openTopology({ kind: 'cluster', seeds: cluster.seeds });
  });

  afterAll(async () => {
    await topology?.close();
    await cluster?.stop();
  });

  it('a manual failover (old master demoted, still up) restarts that shard on the new master; totals stay exact', async () => {
    const entries = await clusterNodes(cluster.seeds[0]!.port);
    const master = entries.find((entry) => entry.port === cluster.seeds[0]!.port)!;
    const replica = entries.find((entry) => entry.masterId === master.id)!;

    const report = await reportWith(topology, 1500, () => cluster.failover(replica.port));

    expect(report.status).toBe('complete');
    expect(keysIn(report)).toBe(KEYS);
    const shard = report.nodes.find((node) => node.shard === master.id)!;
    expect(shard.restarts).toBeGreaterThanOrEqual(1);
    expect(shard.node).toBe(`127.0.0.1:${replica.port}`);
    expect(shard.scanned).toBe(keysPerMaster.get(master.id));
    expect(report.notices.some((notice) => notice.startsWith(`127.0.0.1:${master.port} failed`) && notice.includes(`on 127.0.0.1:${replica.port}`))).toBe(true);
    expect(report.nodes.filter((node) => node.shard !== master.id).every((node) => node.restarts === 0 && node.status === 'done')).toBe(true);
  });

  it('a master killed mid-scan is rescanned on the replica that replaces it', async () => {
    const entries = await clusterNodes(cluster.seeds[1]!.port);
    const master = entries.find((entry) => entry.port === cluster.seeds[1]!.port)!;
    const replica = entries.find((entry) => entry.masterId === master.id)!;

    const report = await reportWith(topology, 1500, () => cluster.killNode(master.port));

    expect(report.status).toBe('complete');
    expect(keysIn(report)).toBe(KEYS);
    const shard = report.nodes.find((node) => node.shard === master.id)!;
    expect(shard.restarts).toBeGreaterThanOrEqual(1);
    expect(shard.node).toBe(`127.0.0.1:${replica.port}`);
    expect(shard.status).toBe('done');
  });

  it('a master killed with no replica to replace it: node-failed, the report incomplete, the other shards complete', async () => {
    // The master promoted in the previous test lost its replica with the old master.
    const entries = await clusterNodes(cluster.seeds[2]!.port);
    const orphan = entries.find((entry) => entry.role === 'master' && entry.slots.length > 0 && !entries.some((other) => other.masterId === entry.id && !other.flags.some((flag) => flag.startsWith('fail'))))!;
    expect(orphan).toBeDefined();

    const started = performance.now();
    const report = await reportWith(topology, 1500, () => cluster.killNode(orphan.port), { failoverWaitMs: 2_000 });
    const seconds = (performance.now() - started) / 1000;

    expect(report.status).toBe('incomplete');
    const failed = report.nodes.filter((node) => node.status === 'failed');
    expect(failed.map((node) => node.node)).toEqual([`127.0.0.1:${orphan.port}`]);
    expect(failed[0]!.error?.message).toContain(`127.0.0.1:${orphan.port}`);
    const others = report.nodes.filter((node) => node.status !== 'failed');
    expect(others).toHaveLength(2);
    expect(others.every((node) => node.status === 'done')).toBe(true);
    // The healthy shards are exact; the dead one's partial numbers stay in, and the status says so.
    const healthyKeys = others.reduce((sum, node) => sum + node.scanned, 0);
    expect(keysIn(report)).toBeGreaterThanOrEqual(healthyKeys);
    expect(keysIn(report)).toBeLessThan(KEYS);
    // Gave up after failoverWaitMs, not the 10 s default.
    expect(seconds).toBeLessThan(8);
  });
});

describe('failover mid-scan on a private Sentinel group', () => {
  let sentinel: SentinelFixture;
  let topology: Topology;

  beforeAll(async () => {
    sentinel = await startSentinel({ masterName: 'scanfailover', sentinels: 3 });
    const client = adminClient(sentinel.master.port);
    try {
      const pipeline = client.pipeline();
      for (let i = 0; i < KEYS; i += 1) pipeline.set(`fo:${i}`, 'x'.repeat(32));
      await pipeline.exec();
      await client.call('WAIT', '1', '5000');
    } finally {
      client.disconnect();
    }
    topology = await openTopology({ kind: 'sentinel', sentinels: sentinel.sentinels.map((s) => ({ host: s.host, port: s.port })), masterName: 'scanfailover' });
  });

  afterAll(async () => {
    await topology?.close();
    await sentinel?.stop();
  });

  it('the master killed mid-scan: the scan restarts from 0 on the promoted replica and totals stay exact', async () => {
    const report = await reportWith(topology, 1500, async () => sentinel.master.kill('SIGKILL'));
    expect(report.status).toBe('complete');
    expect(keysIn(report)).toBe(KEYS);
    expect(report.nodes).toHaveLength(1);
    expect(report.nodes[0]!.restarts).toBeGreaterThanOrEqual(1);
    expect(report.nodes[0]!.node).toBe(`127.0.0.1:${sentinel.replica.port}`);
    expect(report.nodes[0]!.scanned).toBe(KEYS);
    expect(report.notices.some((notice) => notice.startsWith(`127.0.0.1:${sentinel.master.port} failed`))).toBe(true);
  });
});

describe('a connection re-established mid-scan', () => {
  const RECONNECT_KEYS = 6_000;
  let server: RedisProcess;
  let topology: Topology;
  let admin: Redis;

  beforeAll(async () => {
    server = await startRedis({ name: 'scan-reconnect' });
    admin = adminClient(server.port);
    await admin.call('DEBUG', 'POPULATE', String(RECONNECT_KEYS), 'fo', '32');
    topology = await openTopology({ kind: 'single', endpoint: { host: server.host, port: server.port } });
  });

  afterAll(async () => {
    admin?.disconnect();
    await topology?.close();
    await server?.stop();
  });

  it('never continues the cursor on the new connection: the shard restarts from 0', async () => {
    const report = await reportWith(topology, 1500, () => admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'));
    expect(report.status).toBe('complete');
    expect(keysIn(report)).toBe(RECONNECT_KEYS);
    expect(report.nodes[0]!.restarts).toBe(1);
    expect(report.notices.some((notice) => /re-established mid-scan|closed the connection/.test(notice))).toBe(true);
  });
});

describe('a replica that refuses connections (keys --replica)', () => {
  let master: RedisProcess;
  let replica: RedisProcess;
  let topology: Topology;
  let deadPort: number;

  beforeAll(async () => {
    // The replica announces a port nothing listens on (a NAT or container mapping gone wrong): the
    // master lists it as online, but every connection to it is refused. No failover replaces it.
    deadPort = await freePort();
    master = await startRedis({ name: 'scan-refusing-master' });
    replica = await startRedis({ name: 'scan-refusing-replica', args: ['--replicaof', master.host, String(master.port), '--replica-announce-port', String(deadPort)] });
    const admin = adminClient(master.port);
    try {
      await admin.call('DEBUG', 'POPULATE', '500', 'fo', '8');
      await waitFor('the replica to be listed online', async () => ((await callText(admin, 'INFO', 'replication')).includes(`port=${deadPort},state=online`) ? true : undefined), { timeoutMs: 10_000 });
    } finally {
      admin.disconnect();
    }
    topology = await openTopology({ kind: 'single', endpoint: { host: master.host, port: master.port } });
  });

  afterAll(async () => {
    await topology?.close();
    await replica?.stop();
    await master?.stop();
  });

  it('fails fast naming the node instead of waiting the whole failover wait', async () => {
    const started = performance.now();
    const report = await buildKeysReport(topology, {
      scan: { wantType: true, wantTtl: true, wantMemory: true, replica: true, failoverWaitMs: 30_000 },
      namespaces: { delimiter: ':', depth: 1, collapse: true },
      sort: 'keys',
      top: 5,
    });
    const seconds = (performance.now() - started) / 1000;
    expect(report.status).toBe('incomplete');
    const failed = report.nodes.filter((node) => node.status === 'failed');
    expect(failed.map((node) => node.node)).toEqual([`127.0.0.1:${deadPort}`]);
    expect(failed[0]!.error?.message).toBe(`cannot connect to replica 127.0.0.1:${deadPort}: connection refused`);
    // Seconds at most, far below the 30 s failover wait it used to sit out.
    expect(seconds).toBeLessThan(10);
  });

  it('moves to another healthy replica of the same master when there is one', async () => {
    // Listed after the refusing one, so the scan tries the refusing one first.
    const good = await startRedis({ name: 'scan-refusing-good-replica', args: ['--replicaof', master.host, String(master.port)] });
    try {
      const admin = adminClient(master.port);
      try {
        await waitFor('both replicas to be listed online', async () => {
          const info = await callText(admin, 'INFO', 'replication');
          return info.indexOf(`port=${deadPort},state=online`) >= 0 && info.indexOf(`port=${deadPort}`) < info.indexOf(`port=${good.port},state=online`) ? true : undefined;
        }, { timeoutMs: 10_000 });
      } finally {
        admin.disconnect();
      }
      await topology.refresh();
      const report = await buildKeysReport(topology, {
        scan: { wantType: true, wantTtl: true, wantMemory: true, replica: true, failoverWaitMs: 30_000 },
        namespaces: { delimiter: ':', depth: 1, collapse: true },
        sort: 'keys',
        top: 5,
      });
      expect(report.status).toBe('complete');
      expect(report.nodes.map((node) => node.node)).toEqual([`127.0.0.1:${good.port}`]);
      expect(report.scanned).toBe(await withAdminClient(master.port, {}, (c) => c.dbsize()));
    } finally {
      await good.stop();
    }
  });
});
