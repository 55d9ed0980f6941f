// The dashboard model against real servers: the shared Cluster and Sentinel fixtures for rows and
// rates, private servers for a node that dies or hangs while it is watched.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { connect } from '../../src/connection/connect.js';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import type { ConnectionOptions } from '../../src/connection/options.js';
import type { Topology } from '../../src/connection/topology.js';
import { DashboardModel } from '../../src/core/dashboard/model.js';
import { ThreadedLatencyProbe } from '../../src/core/dashboard/threaded-probe.js';
import { snapshotRecord } from '../../src/core/dashboard/snapshot.js';
import { adminClient, callText, sleep, startRedis, waitFor, type RedisProcess } from '../fixtures/index.js';

const redis = inject('redis');
/** The built worker, as `top` runs it (e2e and this test need `npm run build`). */
const PROBE_WORKER = pathToFileURL(path.resolve(import.meta.dirname, '../../dist/core/dashboard/probe-worker.js'));
const PREFIX = 'test:dashboard-model:';

const opened: { topology: Topology; model: DashboardModel }[] = [];
const servers: RedisProcess[] = [];
const children: ChildProcess[] = [];

/** A redis-server on a given port (the fixtures pick their own): a node coming back where it was. */
async function restartOn(port: number): Promise<void> {
  const child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  children.push(child);
  await waitFor(
    `redis-server on ${port}`,
    async () => {
      const client = adminClient(port);
      try {
        return (await client.ping()) === 'PONG' ? true : undefined;
      } finally {
        client.disconnect();
      }
    },
    { timeoutMs: 10_000 },
  );
}

async function open(options: Partial<ConnectionOptions>, refreshMs = 500): Promise<{ topology: Topology; model: DashboardModel }> {
  const topology = await connect({ ...defaultConnectionOptions(), timeoutMs: 2000, ...options });
  const model = new DashboardModel(topology, { refreshMs, maxBackoffMs: 1000 });
  const pair = { topology, model };
  opened.push(pair);
  return pair;
}

afterEach(async () => {
  for (const { topology, model } of opened.splice(0)) {
    await model.close();
    await topology.close();
  }
});

afterAll(async () => {
  for (const server of servers.splice(0)) await server.stop();
  for (const child of children.splice(0)) child.kill('SIGKILL');
});


describe('dashboard model on the shared Cluster', () => {
  it('has 6 rows, each master followed by its replica, with rates from the interval', async () => {
    const { model } = await open({ mode: 'cluster', endpoints: redis.cluster.seeds });
    const seeder = adminClient(redis.cluster.seeds[0]!.port);
    const cluster = new (await import('ioredis')).Cluster(redis.cluster.seeds, { redisOptions: { protocol: 2 } });
    try {
      // Hash-tagged: one slot, so one master sees every lookup and the others none.
      const keys = Array.from({ length: 30 }, (_, i) => `${PREFIX}{tag}:${i}`);
      for (const key of keys) await cluster.set(key, 'v');

      const first = await model.refresh();
      expect(first.nodes).toHaveLength(6);
      expect(first.nodes.filter((node) => node.role === 'master')).toHaveLength(3);
      for (const [index, node] of first.nodes.entries()) {
        if (node.role === 'replica') expect(first.nodes[index - 1]!.address).toBe(node.master);
      }
      // One sample: no rates yet.
      expect(first.totals.opsPerSec).toBeNull();

      for (let round = 0; round < 10; round += 1) for (const key of keys) await cluster.get(key);
      for (let i = 0; i < 100; i += 1) await cluster.get(`${PREFIX}{tag}:missing:${i}`);
      const second = await model.refresh();

      expect(second.totals.lookups).toBe(400);
      expect(second.totals.hitRate).toBe(0.75);
      const owner = second.nodes.find((node) => node.lookups === 400)!;
      expect(owner.role).toBe('master');
      expect(owner.hitRate).toBe(0.75);
      expect(owner.opsPerSec!).toBeGreaterThan(0);
      // Percentiles where the server keeps them (INFO latencystats, 7.0+); Redis 6.2 has only the means.
      const hasLatencyStats = (await callText(seeder, 'INFO', 'latencystats')).includes('latency_percentiles_usec_');
      expect(owner.serverLatency).toMatchObject({ busiestCommand: 'get', source: hasLatencyStats ? 'latencystats' : 'commandstats' });
      expect(owner.serverLatency.usecPerCall!).toBeGreaterThan(0);
      if (hasLatencyStats) expect(owner.serverLatency.p99Us!).toBeGreaterThan(0);
      else expect(owner.serverLatency.p99Us).toBeNull();
      for (const node of second.nodes) {
        expect(node.status).toBe('up');
        expect(node.version).toBe(`${redis.server.flavor} ${redis.server.version}`);
        expect(node.usedBytes!).toBeGreaterThan(0);
        expect(node.connectedClients!).toBeGreaterThan(0);
        if (node.role === 'replica') expect(node.replication.linkStatus).toBe('up');
      }
      expect(second.history.total.hitRate).toEqual([null, 0.75]);
      expect(second.seq).toBe(2);
      // The NDJSON record leaves the history out.
      expect(snapshotRecord(second)).not.toHaveProperty('history');
      await cluster.del(...keys);
    } finally {
      cluster.disconnect();
      seeder.disconnect();
    }
  });

  it('measures client-side latency on every node with its own connection', async () => {
    const { model } = await open({ mode: 'cluster', endpoints: redis.cluster.seeds });
    await model.refresh();
    await sleep(1200);
    const snapshot = await model.refresh();
    for (const node of snapshot.nodes) {
      const { samples, p50Ms, p99Ms, maxMs, histogram } = node.latency;
      expect(samples).toBeGreaterThan(3);
      expect(p50Ms!).toBeGreaterThan(0);
      expect(p50Ms!).toBeLessThanOrEqual(p99Ms!);
      expect(p99Ms!).toBeLessThanOrEqual(maxMs!);
      expect(histogram.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(samples);
    }
    expect(snapshot.totals.p99Ms).toBe(Math.max(...snapshot.nodes.map((node) => node.latency.p99Ms!)));
  });

  it('fetches detail only for the focused node in detail view', async () => {
    const { model } = await open({ mode: 'cluster', endpoints: redis.cluster.seeds });
    const first = await model.refresh();
    expect(first.detail).toBeNull();
    const master = first.nodes.find((node) => node.role === 'master')!;
    model.focus(master.address, false);
    expect((await model.refresh()).detail).toBeNull();
    model.focus(master.address, true);
    const client = adminClient(Number(master.address.split(':')[1]));
    try {
      await client.call('DEBUG', 'SLEEP', '0.02');
    } finally {
      client.disconnect();
    }
    const snapshot = await model.refresh();
    const detail = snapshot.detail!;
    expect(detail.address).toBe(master.address);
    expect(detail.topByCalls.map((command) => command.command)).toContain('debug');
    expect(detail.topByTime[0]!.command).toBe('debug');
    expect(detail.slowlog.some((entry) => entry.args[0]?.toLowerCase() === 'debug')).toBe(true);
    // The fixtures run without maxmemory: the memory findings say so.
    expect(detail.findings.map((finding) => finding.id)).toContain('maxmemory-unset');
  });
});

describe('dashboard model on Sentinel and a single node', () => {
  it('shows the Sentinel master and its replica', async () => {
    const { sentinels, masterName, master, replica } = redis.sentinel;
    const { model } = await open({ mode: 'sentinel', sentinels, masterName });
    const snapshot = await model.refresh();
    expect(snapshot.topology.kind).toBe('sentinel');
    expect(snapshot.nodes.map((node) => [node.address, node.role])).toEqual([
      [`${master.host}:${master.port}`, 'master'],
      [`${replica.host}:${replica.port}`, 'replica'],
    ]);
  });

  it('shows one row for a single node, and an idle node at (almost) 0 ops/s despite its own PINGs and INFOs', async () => {
    const server = await startRedis({ name: 'dashboard-idle' });
    servers.push(server);
    const { model } = await open({ endpoints: [{ host: server.host, port: server.port }] }, 300);
    let snapshot = await model.refresh();
    expect(snapshot.nodes).toHaveLength(1);
    for (let i = 0; i < 6; i += 1) {
      await sleep(300);
      snapshot = await model.refresh();
    }
    // About 3 PINGs and 1 INFO land in each 300 ms window; a PING on the wire at sampling time may count once.
    const node = snapshot.nodes[0]!;
    expect(node.latency.samples).toBeGreaterThan(5);
    expect(node.opsPerSec! * (node.windowMs! / 1000)).toBeLessThanOrEqual(1);
  });
});

describe("the server's busiest command leaves cachectl's own traffic out", () => {
  it('idle: no busiest command and no top commands, across a reconnection; another client running INFO in a loop: info is busiest', async () => {
    const server = await startRedis({ name: 'dashboard-busiest' });
    servers.push(server);
    // Connected first: its own handshake (an INFO ready check) is someone else's traffic.
    const admin = adminClient(server.port);
    await admin.ping();
    const topology = await connect({ ...defaultConnectionOptions(), timeoutMs: 2000, endpoints: [{ host: server.host, port: server.port }] });
    // The probe `top` runs: PINGs from a worker thread, counted in shared memory.
    const probe = new ThreadedLatencyProbe({ workerUrl: PROBE_WORKER });
    const model = new DashboardModel(topology, { refreshMs: 300, maxBackoffMs: 500, probe });
    opened.push({ topology, model });
    const address = `${server.host}:${server.port}`;
    model.focus(address, true);
    await probe.ready(5000);
    try {
      const busiest: (string | null)[] = [];
      const top: string[][] = [];
      const round = async () => {
        await sleep(300);
        const snapshot = await model.refresh();
        busiest.push(snapshot.nodes[0]!.serverLatency.busiestCommand);
        top.push((snapshot.detail?.topByCalls ?? []).map((row) => row.command));
      };
      await model.refresh();
      for (let i = 0; i < 6; i += 1) await round();
      expect(busiest.length).toBe(6);
      expect(busiest.every((command) => command === null), JSON.stringify(busiest)).toBe(true);
      expect(top.every((commands) => commands.length === 0), JSON.stringify(top)).toBe(true);

      // Every connection but the admin's is dropped: the model's and the probe's reconnect with a
      // handshake of their own. Only the admin's CLIENT KILL may show (as client|kill, or client on 6.2).
      const killed = Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal'));
      expect(killed).toBeGreaterThanOrEqual(2);
      busiest.length = 0;
      for (let i = 0; i < 8; i += 1) await round();
      expect(busiest.filter((command) => command !== null && command !== 'client|kill' && command !== 'client'), JSON.stringify(busiest)).toEqual([]);
      expect(busiest.slice(-3), JSON.stringify(busiest)).toEqual([null, null, null]);

      // Someone else's INFO is the server's traffic, even though cachectl sends INFO too.
      const other = adminClient(server.port);
      const loop = setInterval(() => void other.info().catch(() => undefined), 20);
      try {
        busiest.length = 0;
        top.length = 0;
        for (let i = 0; i < 4; i += 1) await round();
      } finally {
        clearInterval(loop);
        other.disconnect();
      }
      expect(busiest.slice(1), JSON.stringify(busiest)).toEqual(['info', 'info', 'info']);
      expect(top[top.length - 1]![0]).toBe('info');
    } finally {
      admin.disconnect();
    }
  });
});

describe('dashboard model when a node dies or hangs', () => {
  it('turns a killed node into a DOWN row, retries it with backoff, and picks it up again', async () => {
    const server = await startRedis({ name: 'dashboard-down' });
    servers.push(server);
    const port = server.port;
    const { model } = await open({ endpoints: [{ host: server.host, port }] }, 300);
    expect((await model.refresh()).nodes[0]!.status).toBe('up');

    server.kill('SIGKILL');
    await server.waitForExit(5000);
    const started = performance.now();
    const down = await model.refresh();
    expect(performance.now() - started).toBeLessThan(2000);
    const row = down.nodes[0]!;
    expect(row.status).toBe('down');
    expect(row.error?.code).toBe('CONNECT');
    expect(row.retryInMs!).toBeGreaterThan(0);
    expect(row.downSince).not.toBeNull();
    expect(down.totals).toMatchObject({ nodes: 1, up: 0, down: 1 });

    await restartOn(port);
    const back = await waitFor(
      'the node to come back',
      async () => {
        await sleep(300);
        const snapshot = await model.refresh();
        return snapshot.nodes[0]!.status === 'up' ? snapshot : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(back.nodes[0]!.error).toBeNull();
    // A new baseline after the gap: no rates smeared across the outage.
    expect(back.nodes[0]!.opsPerSec).toBeNull();
  });

  it('shows a hung node as stale without waiting for it, then DOWN when it times out', async () => {
    const healthy = await startRedis({ name: 'dashboard-healthy' });
    const hung = await startRedis({ name: 'dashboard-hung' });
    servers.push(healthy, hung);
    // A standalone topology has one node; watch both through a model each, refreshed together.
    const a = await open({ endpoints: [{ host: healthy.host, port: healthy.port }], timeoutMs: 1500 }, 300);
    const b = await open({ endpoints: [{ host: hung.host, port: hung.port }], timeoutMs: 1500 }, 300);
    await Promise.all([a.model.refresh(), b.model.refresh()]);
    hung.kill('SIGSTOP');
    try {
      const started = performance.now();
      const [fine, stuck] = await Promise.all([a.model.refresh(), b.model.refresh()]);
      // Bounded by the refresh deadline (most of 300 ms), not by the 1.5 s command timeout.
      expect(performance.now() - started).toBeLessThan(1000);
      expect(fine.nodes[0]!.stale).toBe(false);
      expect(stuck.nodes[0]).toMatchObject({ status: 'up', stale: true });
      const down = await waitFor(
        'the hung node to be reported down',
        async () => {
          await sleep(200);
          const snapshot = await b.model.refresh();
          return snapshot.nodes[0]!.status === 'down' ? snapshot : undefined;
        },
        { timeoutMs: 10_000 },
      );
      expect(down.nodes[0]!.error?.code).toBe('TIMEOUT');
    } finally {
      hung.kill('SIGCONT');
    }
  });
});
