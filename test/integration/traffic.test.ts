// sampleTraffic against real servers under a known load mix: hit rate per namespace within 2
// points of the truth, the stampede and the hot key found, on a single node and on Cluster; and
// notify-keyspace-events put back exactly on every way a run can end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cluster } from 'ioredis';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { connect } from '../../src/connection/connect.js';
import type { ConnectionOptions } from '../../src/connection/options.js';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import type { Topology } from '../../src/connection/topology.js';
import { isCachectlError } from '../../src/base/errors.js';
import { namespaceSegments } from '../../src/core/namespaces/namespace-key.js';
import { RestoreState } from '../../src/core/traffic/miss-events.js';
import type { TrafficOptions, TrafficReport } from '../../src/core/traffic/sample-traffic.js';
import { sampleTraffic } from '../../src/core/traffic/sample-traffic.js';
import { adminClient, startCluster, startRedis, waitFor, type RedisProcess } from '../fixtures/index.js';
import type { LoadTruth } from '../helpers/traffic-load.js';
import { runLoadMix, seedLoad } from '../helpers/traffic-load.js';

const redis = inject('redis');
const NAMESPACES = { delimiter: ':', depth: 5, collapse: true };
const namespaceOf = (key: string) => namespaceSegments(Buffer.from(key), NAMESPACES).join(':');

const stateDir = mkdtempSync(path.join(tmpdir(), 'cachectl-traffic-it-'));
const servers: Pick<RedisProcess, 'stop'>[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  rmSync(stateDir, { recursive: true, force: true });
});

async function privateServer(): Promise<{ server: RedisProcess; admin: Redis }> {
  const server = await startRedis({ name: 'traffic' });
  servers.push(server);
  return { server, admin: adminClient(server.port) };
}

async function open(overrides: Partial<ConnectionOptions>): Promise<Topology> {
  return connect({ ...defaultConnectionOptions(), timeoutMs: 3000, ...overrides });
}

function options(state: RestoreState, overrides: Partial<TrafficOptions> = {}): TrafficOptions {
  return { durationMs: 6000, namespaces: NAMESPACES, enableMissEvents: true, restoreState: state, maxOpsPerSec: 1_000_000, maxBufferBytes: 32 * 1024 * 1024, ...overrides };
}

async function notifyFlags(client: Redis): Promise<string> {
  return String(((await client.call('CONFIG', 'GET', 'notify-keyspace-events')) as string[])[1]);
}

/** Starts sampling, runs the mix once sampling has begun, and returns both sides. */
async function sampleDuringMix(topology: Topology, loadClient: Redis | Cluster, prefix: string, opts: TrafficOptions): Promise<{ report: TrafficReport; truth: LoadTruth }> {
  let load: Promise<LoadTruth> | undefined;
  const report = await sampleTraffic(topology, {
    ...opts,
    onStarted: () => {
      load = runLoadMix(loadClient, prefix, namespaceOf);
    },
  });
  if (load === undefined) throw new Error('sampling never started');
  return { report, truth: await load };
}

function expectMatchesTruth(report: TrafficReport, truth: LoadTruth): void {
  expect(report.complete).toBe(true);
  expect(report.hitRates).toBe(true);
  for (const [namespace, expected] of truth.namespaces) {
    const row = report.namespaces.find((candidate) => candidate.namespace === namespace);
    expect(row, namespace).toBeDefined();
    expect(row!.reads, namespace).toBe(expected.reads);
    expect(row!.writes, namespace).toBe(expected.writes);
    if (expected.reads > 0) expect(Math.abs(row!.hitRate! - expected.hits / expected.reads), namespace).toBeLessThanOrEqual(0.02);
  }
  expect(report.stampedes.map((s) => s.key.toString())).toContain(truth.stampedeKey);
  expect(report.hotKeys[0]?.key.toString()).toBe(truth.hotKey);
  const prefix = truth.hotKey.split(':')[0]!;
  expect(report.writeHeavy.map((w) => w.namespace)).toContain(namespaceOf(`${prefix}:log:1`));
  expect(report.neverExpiring).toEqual([namespaceOf(`${prefix}:cfg:1`)]);
}

describe('traffic on a single node', () => {
  it('reports each namespace hit rate within 2 points of the truth, finds the stampede and the hot key, and puts the setting back', async () => {
    const { server, admin } = await privateServer();
    await admin.call('CONFIG', 'SET', 'notify-keyspace-events', 'Kx');
    const before = await notifyFlags(admin);
    await seedLoad(admin, 'tl');
    const state = new RestoreState(path.join(stateDir, 'single.json'));
    const topology = await open({ endpoints: [{ host: server.host, port: server.port }] });
    try {
      const { report, truth } = await sampleDuringMix(topology, admin, 'tl', options(state));
      expectMatchesTruth(report, truth);
      expect(report.nodes[0]).toMatchObject({ missEvents: 'enabled', restore: { outcome: 'restored' } });
      expect(report.nodes[0]!.own).toBeGreaterThan(0);
    } finally {
      await topology.close();
    }
    expect(await notifyFlags(admin)).toBe(before);
    expect(state.list()).toEqual([]);
    admin.disconnect();
  });

  it('without key-miss events: reads and writes per namespace, no hit rate, the setting untouched', async () => {
    const { server, admin } = await privateServer();
    await seedLoad(admin, 'tn');
    const topology = await open({ endpoints: [{ host: server.host, port: server.port }] });
    try {
      const { report, truth } = await sampleDuringMix(topology, admin, 'tn', options(new RestoreState(path.join(stateDir, 'none.json')), { enableMissEvents: false, durationMs: 4000 }));
      expect(report.hitRates).toBe(false);
      expect(report.nodes[0]?.missEvents).toBe('off');
      const hot = report.namespaces.find((row) => row.namespace === namespaceOf('tn:hot:1'));
      expect(hot).toMatchObject({ reads: truth.namespaces.get(namespaceOf('tn:hot:1'))!.reads, misses: null, hitRate: null });
    } finally {
      await topology.close();
    }
    expect(await notifyFlags(admin)).toBe('');
    admin.disconnect();
  });

  it('puts the setting back when interrupted, and says the report is partial', async () => {
    const { server, admin } = await privateServer();
    const state = new RestoreState(path.join(stateDir, 'abort.json'));
    const topology = await open({ endpoints: [{ host: server.host, port: server.port }] });
    const controller = new AbortController();
    try {
      const report = await sampleTraffic(topology, options(state, { durationMs: 60_000, signal: controller.signal, onStarted: () => setTimeout(() => controller.abort(), 300) }));
      expect(report.interrupted).toBe(true);
      expect(report.durationMs).toBeLessThan(10_000);
      expect(report.nodes[0]?.restore?.outcome).toBe('restored');
    } finally {
      await topology.close();
    }
    expect(await notifyFlags(admin)).toBe('');
    expect(state.list()).toEqual([]);
    admin.disconnect();
  });

  it('puts the setting back over a new connection when the server drops every cachectl connection mid-window', async () => {
    const { server, admin } = await privateServer();
    await admin.call('CONFIG', 'SET', 'notify-keyspace-events', 'Kg');
    const before = await notifyFlags(admin);
    const state = new RestoreState(path.join(stateDir, 'killed.json'));
    const topology = await open({ endpoints: [{ host: server.host, port: server.port }] });
    try {
      const report = await sampleTraffic(topology, options(state, { durationMs: 30_000, onStarted: () => void admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes') }));
      expect(report.complete).toBe(false);
      expect(report.stops.join('\n')).toMatch(/monitor connection closed/);
      expect(report.nodes[0]?.restore?.outcome).toBe('restored');
    } finally {
      await topology.close();
    }
    expect(await notifyFlags(admin)).toBe(before);
    expect(state.list()).toEqual([]);
    admin.disconnect();
  });

  it('refuses a node busier than --max-ops before changing anything', async () => {
    const { server, admin } = await privateServer();
    const busy = adminClient(server.port);
    let running = true;
    const load = (async () => {
      while (running) await Promise.all(Array.from({ length: 50 }, () => busy.ping()));
    })();
    // instantaneous_ops_per_sec averages the last 1.6 s of samples.
    await waitFor('the load to show in INFO', async () => (Number(/instantaneous_ops_per_sec:(\d+)/.exec(await admin.info('stats'))?.[1]) > 100 ? true : undefined), { timeoutMs: 10_000 });
    const state = new RestoreState(path.join(stateDir, 'busy.json'));
    const topology = await open({ endpoints: [{ host: server.host, port: server.port }] });
    try {
      const error = await sampleTraffic(topology, options(state, { maxOpsPerSec: 100 })).catch((e: unknown) => e);
      expect(isCachectlError(error) && error.code === 'GUARD').toBe(true);
      expect((error as Error).message).toMatch(/above --max-ops 100/);
    } finally {
      running = false;
      await load;
      await topology.close();
    }
    expect(await notifyFlags(admin)).toBe('');
    expect(state.list()).toEqual([]);
    busy.disconnect();
    admin.disconnect();
  });
});

describe('traffic: the size of hot keys', () => {
  it('reads the value size of a hot string key after the window, and what its reads can have sent', async () => {
    const { server, admin } = await privateServer();
    await admin.set('big:report:1', 'x'.repeat(100_000));
    await admin.hset('big:profile:1', 'a', '1');
    const topology = await open({ endpoints: [{ host: server.host, port: server.port }] });
    try {
      const report = await sampleTraffic(topology, options(new RestoreState(path.join(stateDir, 'sizes.json')), {
        enableMissEvents: false,
        durationMs: 2500,
        onStarted: () => {
          void (async () => {
            for (let i = 0; i < 20; i++) await admin.get(`small:${i}`);
            for (let i = 0; i < 200; i++) await admin.getBuffer('big:report:1');
            for (let i = 0; i < 150; i++) await admin.hget('big:profile:1', 'a');
          })();
        },
      }));
      const big = report.hotKeys.find((hot) => hot.key.toString() === 'big:report:1');
      expect(big).toMatchObject({ reads: 200, valueBytes: 100_000 });
      expect(big!.readBytesPerSecAtMost).toBe(Math.round((200 * 100_000 * 1000) / report.durationMs));
      // Not a string: its size is not what a read sends.
      expect(report.hotKeys.find((hot) => hot.key.toString() === 'big:profile:1')).toMatchObject({ reads: 150, valueBytes: null, readBytesPerSecAtMost: null });
    } finally {
      await topology.close();
    }
    admin.disconnect();
  });
});

describe('traffic on a Cluster', () => {
  it('samples every master at once and matches the truth; every master gets its setting back', async () => {
    const seeds = redis.cluster.seeds;
    const cluster = new Cluster(seeds.map((seed) => ({ host: seed.host, port: seed.port })), { redisOptions: { protocol: 2 } as never });
    await cluster.ping();
    const masters = cluster.nodes('master');
    const before = await Promise.all(masters.map((node) => notifyFlags(node)));
    await seedLoad(cluster, 'tc');
    const state = new RestoreState(path.join(stateDir, 'cluster.json'));
    const topology = await open({ endpoints: seeds, mode: 'cluster' });
    try {
      const { report, truth } = await sampleDuringMix(topology, cluster, 'tc', options(state));
      expect(report.nodes).toHaveLength(topology.masters().length);
      expectMatchesTruth(report, truth);
      expect(report.nodes.every((node) => node.restore?.outcome === 'restored')).toBe(true);
    } finally {
      await topology.close();
    }
    expect(await Promise.all(masters.map((node) => notifyFlags(node)))).toEqual(before);
    expect(state.list()).toEqual([]);
    cluster.disconnect();
  });
});

describe('traffic --replica', () => {
  it("samples the replica: reads sent to it exactly, writes as they arrive by replication, the master untouched", async () => {
    const { server: master, admin } = await privateServer();
    const { server: replicaServer, admin: replica } = await privateServer();
    await replica.call('REPLICAOF', master.host, String(master.port));
    await waitFor('the replica to sync', async () => (/master_link_status:up/.test(await replica.info('replication')) ? true : undefined), { timeoutMs: 10_000 });
    await waitFor('the master to list it', async () => (/slave0:.*state=online/.test(await admin.info('replication')) ? true : undefined), { timeoutMs: 10_000 });
    for (let i = 0; i < 20; i++) await admin.set(`tr:page:${i}`, 'v', 'EX', 600);
    const topology = await open({ endpoints: [{ host: master.host, port: master.port }] });
    expect(topology.replicas().map((node) => node.address)).toEqual([`${replicaServer.host}:${replicaServer.port}`]);
    let reads = 0;
    try {
      const report = await sampleTraffic(topology, options(new RestoreState(path.join(stateDir, 'replica.json')), {
        replica: true,
        enableMissEvents: false,
        durationMs: 3000,
        onStarted: () => {
          void (async () => {
            for (let i = 0; i < 200; i++) {
              await replica.get(`tr:page:${i % 40}`);
              reads += 1;
            }
            for (let i = 0; i < 30; i++) await admin.set(`tr:job:${i}`, 'x');
          })();
        },
      }));
      expect(report.nodes.map((node) => node.address)).toEqual([`${replicaServer.host}:${replicaServer.port}`]);
      expect(reads).toBe(200);
      expect(report.namespaces.find((row) => row.namespace === namespaceOf('tr:page:1'))?.reads).toBe(200);
      // Writes reach a replica only by replication: MONITOR there shows them as the master's link sends them.
      expect(report.namespaces.find((row) => row.namespace === namespaceOf('tr:job:1'))?.writes).toBe(30);
    } finally {
      await topology.close();
    }
    expect(await monitorCount(admin)).toBe(0);
    expect(await notifyFlags(replica)).toBe('');
    replica.disconnect();
    admin.disconnect();
  });
});

describe('traffic --replica: the size of hot keys', () => {
  const HOT = 'hot:blob:1';
  const BYTES = 50_000;

  /** Reads the hot key on the replica during the window; returns the report and the master's TYPE/STRLEN calls in it. */
  async function sampleOnReplica(topology: Topology, master: Redis, replica: Redis, file: string) {
    const before = await sizeCalls(master);
    const replicaBefore = await sizeCalls(replica);
    const report = await sampleTraffic(topology, options(new RestoreState(path.join(stateDir, file)), {
      replica: true,
      enableMissEvents: false,
      durationMs: 2500,
      onStarted: () => {
        void (async () => {
          for (let i = 0; i < 20; i++) await replica.get(`cold:${i}`);
          for (let i = 0; i < 200; i++) await replica.getBuffer(HOT);
        })();
      },
    }));
    const after = await sizeCalls(master);
    const replicaAfter = await sizeCalls(replica);
    return { report, masterCalls: after - before, replicaCalls: replicaAfter - replicaBefore };
  }

  it('reads a hot key\'s size from the replica it was sampled on, never from the master', async () => {
    const { server: master, admin } = await privateServer();
    const { admin: replica } = await privateServer();
    await replica.call('REPLICAOF', master.host, String(master.port));
    await waitFor('the master to list its replica', async () => (/slave0:.*state=online/.test(await admin.info('replication')) ? true : undefined), { timeoutMs: 10_000 });
    await admin.set(HOT, 'x'.repeat(BYTES));
    await waitFor('the key on the replica', async () => ((await replica.exists(HOT)) === 1 ? true : undefined), { timeoutMs: 10_000 });
    const topology = await open({ endpoints: [{ host: master.host, port: master.port }] });
    try {
      const { report, masterCalls, replicaCalls } = await sampleOnReplica(topology, admin, replica, 'replica-sizes.json');
      expect(report.hotKeys.find((hot) => hot.key.toString() === HOT)).toMatchObject({ reads: 200, valueBytes: BYTES });
      expect(masterCalls).toBe(0);
      expect(replicaCalls).toBe(2);
    } finally {
      await topology.close();
    }
    replica.disconnect();
    admin.disconnect();
  });

  it('on a Cluster, asks the replica of the key\'s master (READONLY), not the master', async () => {
    const cluster = await startCluster({ masters: 1, replicasPerMaster: 1 });
    servers.push(cluster);
    const [masterNode, replicaNode] = cluster.nodes;
    const master = adminClient(masterNode!.port);
    const replica = adminClient(replicaNode!.port);
    await master.set(HOT, 'x'.repeat(BYTES));
    await replica.call('READONLY');
    await waitFor('the key on the replica', async () => ((await replica.exists(HOT)) === 1 ? true : undefined), { timeoutMs: 10_000 });
    const topology = await open({ endpoints: [{ host: masterNode!.host, port: masterNode!.port }], mode: 'cluster' });
    expect(topology.replicas().map((node) => node.address)).toEqual([`${replicaNode!.host}:${replicaNode!.port}`]);
    try {
      const { report, masterCalls, replicaCalls } = await sampleOnReplica(topology, master, replica, 'cluster-replica-sizes.json');
      expect(report.hotKeys.find((hot) => hot.key.toString() === HOT)).toMatchObject({ reads: 200, valueBytes: BYTES });
      expect(masterCalls).toBe(0);
      expect(replicaCalls).toBe(2);
    } finally {
      await topology.close();
    }
    replica.disconnect();
    master.disconnect();
  });
});

/** TYPE and STRLEN calls a server has answered so far (INFO commandstats): the size lookup's two commands. */
async function sizeCalls(client: Redis): Promise<number> {
  const stats = await client.info('commandstats');
  const calls = (command: string) => Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
  return calls('type') + calls('strlen');
}

async function monitorCount(client: Redis): Promise<number> {
  return String(await client.call('CLIENT', 'LIST')).split('\n').filter((line) => / cmd=monitor /.test(line)).length;
}
