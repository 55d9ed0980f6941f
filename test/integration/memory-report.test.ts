// sampleMemory against real servers in the states the report is meant to recognise: evicting,
// refusing writes, unable to evict, missing its target hit rate, partly down, behind a strict ACL.
import { Cluster } from 'ioredis';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { connect } from '../../src/connection/connect.js';
import type { ConnectionOptions } from '../../src/connection/options.js';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import type { Topology } from '../../src/connection/topology.js';
import type { MemoryReport } from '../../src/core/memory/memory-report.js';
import { sampleMemory } from '../../src/core/memory/memory-report.js';
import { exitCodeFor } from '../../src/cli/commands/memory.js';
import { adminClient, callText, parseInfoFields, sleep, startCluster, startRedis, type RedisProcess } from '../fixtures/index.js';

const redis = inject('redis');
const PREFIX = 'memreport:';
const VALUE = 'x'.repeat(1024);

const opened: Topology[] = [];
const servers: { stop(): Promise<void> }[] = [];
const clients: Redis[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((topology) => topology.close()));
  for (const client of clients.splice(0)) client.disconnect();
});
afterAll(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function open(overrides: Partial<ConnectionOptions>): Promise<Topology> {
  const topology = await connect({ ...defaultConnectionOptions(), timeoutMs: 2000, ...overrides });
  opened.push(topology);
  return topology;
}

async function privateServer(args: string[]): Promise<RedisProcess> {
  const server = await startRedis({ name: 'memory', args });
  servers.push(server);
  return server;
}

function client(port: number): Redis {
  const c = adminClient(port);
  clients.push(c);
  return c;
}

/** Writes 1 KiB values in pipelined batches until a write is refused; returns the error. */
async function fillUntilRefused(c: Redis, ttl?: number): Promise<Error> {
  for (let batch = 0; batch < 1000; batch++) {
    const pipeline = c.pipeline();
    for (let i = 0; i < 50; i++) {
      const key = `${PREFIX}fill:${batch}:${i}`;
      if (ttl === undefined) pipeline.set(key, VALUE);
      else pipeline.set(key, VALUE, 'EX', ttl);
    }
    const results = (await pipeline.exec()) ?? [];
    const refused = results.find(([error]) => error !== null);
    if (refused) return refused[0]!;
  }
  throw new Error('the server never refused a write');
}

/** Runs `work` in a loop while the report samples, so the window sees it. */
async function sampleWhile(topology: Topology, intervalMs: number, work: () => Promise<unknown>): Promise<MemoryReport> {
  let done = false;
  const loop = (async () => {
    while (!done) await work();
  })();
  try {
    return await sampleMemory(topology, { intervalMs, doctor: false });
  } finally {
    done = true;
    await loop;
  }
}

const ids = (report: MemoryReport): string[] => report.findings.map((finding) => `${finding.id}:${finding.severity}`);

describe('memory report on a single server', () => {
  it('an idle server shows 0 ops/s: the sampler leaves its own INFO out', async () => {
    const server = await privateServer([]);
    const report = await sampleMemory(await open({ endpoints: [server] }), { intervalMs: 300, doctor: false });
    const node = report.nodes[0]!;
    expect(node.status).toBe('up');
    expect(node.rates?.clock).toBe('server');
    expect(node.rates?.windowMs).toBeGreaterThanOrEqual(250);
    expect(node.rates?.deltas.commands).toBe(0);
    expect(node.rates?.opsPerSec).toBe(0);
    expect(node.rates?.lookups).toBe(0);
    expect(node.rates?.hitRate).toBeNull();
  });

  it('allkeys-lru past a 2 MiB maxmemory: evictions appear in the windowed rate and as a finding', async () => {
    const server = await privateServer(['--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru']);
    const writer = client(server.port);
    // Fill until the server starts evicting, so the window below is spent at the limit.
    let batch = 0;
    const writeBatch = async () => {
      const pipeline = writer.pipeline();
      for (let i = 0; i < 50; i++) pipeline.set(`${PREFIX}lru:${batch}:${i}`, VALUE);
      batch++;
      await pipeline.exec();
    };
    while (Number(parseInfoFields(await writer.info('stats')).get('evicted_keys')) === 0) await writeBatch();

    const report = await sampleWhile(await open({ endpoints: [server] }), 600, writeBatch);
    const node = report.nodes[0]!;
    expect(node.figures?.maxmemoryBytes).toBe(2 * 1024 * 1024);
    expect(node.figures?.maxmemoryPolicy).toBe('allkeys-lru');
    expect(node.figures?.maxmemorySource).toBe('config');
    expect(node.rates?.deltas.evicted).toBeGreaterThan(0);
    expect(node.rates?.evictionsPerSec).toBeGreaterThan(0);
    expect(node.rates?.opsPerSec).toBeGreaterThan(0);
    expect(report.total.rates?.deltas.evicted).toBe(node.rates?.deltas.evicted);
    const eviction = report.findings.find((finding) => finding.id === 'evictions-now');
    expect(eviction?.severity).toBe('warning');
    expect(eviction?.figures.evictedInWindow).toBe(node.rates?.deltas.evicted);
    // Full under allkeys-lru is by design: a warning, never critical.
    expect(ids(report)).toContain('memory-high:warning');
    expect(exitCodeFor(report, 'critical')).toBe(0);
    expect(exitCodeFor(report, 'warning')).toBe(1);
  });

  it('a window of mostly misses is a critical hit rate, next to a healthy lifetime rate', async () => {
    const server = await privateServer([]);
    const c = client(server.port);
    await c.set(`${PREFIX}hit`, '1');
    const warmup = c.pipeline();
    for (let i = 0; i < 20_000; i++) warmup.get(`${PREFIX}hit`);
    await warmup.exec();

    const report = await sampleWhile(await open({ endpoints: [server] }), 500, async () => {
      const pipeline = c.pipeline();
      pipeline.get(`${PREFIX}hit`);
      for (let i = 0; i < 9; i++) pipeline.get(`${PREFIX}missing:${i}`);
      await pipeline.exec();
      // Paced, so the misses stay a minority of the server's lifetime lookups.
      await sleep(2);
    });
    const node = report.nodes[0]!;
    expect(node.rates?.lookups).toBeGreaterThanOrEqual(100);
    expect(node.rates?.hitRate).toBeGreaterThan(0);
    expect(node.rates?.hitRate).toBeLessThan(0.5);
    expect(node.lifetimeHitRate).toBeGreaterThan(0.5);
    expect(ids(report)).toContain('hit-rate-low:critical');
  });

  it('noeviction filled until writes fail: critical, with the refusals counted', async () => {
    const server = await privateServer(['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction']);
    const refusal = await fillUntilRefused(client(server.port));
    expect(refusal.message).toMatch(/^OOM/);

    const report = await sampleMemory(await open({ endpoints: [server] }), { intervalMs: 0, doctor: false });
    const node = report.nodes[0]!;
    expect(node.rates).toBeNull();
    expect(node.figures?.oomErrors).toBeGreaterThanOrEqual(1);
    expect(node.figures?.maxmemoryUsage).toBeGreaterThanOrEqual(0.9);
    expect(ids(report)).toEqual(expect.arrayContaining(['noeviction-near-limit:critical', 'memory-high:critical']));
    expect(report.findings[0]!.severity).toBe('critical');
    expect(exitCodeFor(report, 'critical')).toBe(1);
    expect(exitCodeFor(report, null)).toBe(0);
  });

  it('volatile-lru full of keys without a TTL: nothing to evict, critical', async () => {
    const server = await privateServer(['--maxmemory', '2mb', '--maxmemory-policy', 'volatile-lru']);
    const c = client(server.port);
    await c.set(`${PREFIX}volatile`, VALUE, 'EX', 3600);
    const refusal = await fillUntilRefused(c);
    expect(refusal.message).toMatch(/^OOM/);

    const report = await sampleMemory(await open({ endpoints: [server] }), { intervalMs: 0, doctor: false });
    const figures = report.nodes[0]!.figures!;
    // The one key with a TTL was the only one it could evict; then it had to refuse writes.
    expect(figures.evictedKeys).toBe(1);
    expect(figures.keysWithExpiry).toBe(0);
    expect(figures.keysWithoutExpiry).toBe(figures.keys);
    const finding = report.findings.find((f) => f.id === 'volatile-policy-without-ttl');
    expect(finding?.severity).toBe('critical');
    expect(finding?.figures).toMatchObject({ policy: 'volatile-lru', keys: figures.keys, keysWithoutExpiry: figures.keys, shareWithoutExpiry: 1 });
  });

  it('an interrupt during the interval returns the first sample, marked partial', async () => {
    const server = await privateServer([]);
    const topology = await open({ endpoints: [server] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const report = await sampleMemory(topology, { intervalMs: 10_000, doctor: false }, controller.signal);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(report.partial).toBe(true);
    expect(report.nodes[0]!.status).toBe('up');
    expect(report.nodes[0]!.figures?.usedBytes).toBeGreaterThan(0);
    expect(report.nodes[0]!.rates).toBeNull();
    expect(exitCodeFor(report, 'warning')).toBe(130);
  });
});

describe('memory report totals', () => {
  it('Cluster: every master and replica, keys counted on masters, sums that add up', async () => {
    const cluster = new Cluster(redis.cluster.seeds, { redisOptions: { protocol: 2 } });
    const keys = Array.from({ length: 30 }, (_, i) => `${PREFIX}cluster:${i}`);
    try {
      await Promise.all(keys.map((key) => cluster.set(key, VALUE)));
      const report = await sampleMemory(await open({ endpoints: redis.cluster.seeds, mode: 'cluster' }), { intervalMs: 200, doctor: false });
      expect(report.topology).toBe('cluster');
      expect(report.nodes).toHaveLength(6);
      expect(report.nodes.every((node) => node.status === 'up')).toBe(true);
      const masters = report.nodes.filter((node) => node.role === 'master');
      const replicas = report.nodes.filter((node) => node.role === 'replica');
      expect(masters).toHaveLength(3);
      expect(replicas).toHaveLength(3);
      expect(new Set(replicas.map((node) => node.master))).toEqual(new Set(masters.map((node) => node.address)));
      for (const replica of replicas) expect(replica.figures?.replication).toMatchObject({ role: 'replica', linkStatus: 'up' });

      const sum = (list: typeof report.nodes, pick: (n: (typeof report.nodes)[number]) => number | null | undefined) =>
        list.reduce((total, node) => total + (pick(node) ?? Number.NaN), 0);
      expect(report.total.nodesUp).toBe(6);
      expect(report.total.usedBytes).toBe(sum(report.nodes, (n) => n.figures?.usedBytes));
      expect(report.total.rssBytes).toBe(sum(report.nodes, (n) => n.figures?.rssBytes));
      expect(report.total.keys).toBe(sum(masters, (n) => n.figures?.keys));
      expect(report.total.keys).toBeGreaterThanOrEqual(keys.length);
      expect(report.total.rates?.deltas.commands).toBe(sum(report.nodes, (n) => n.rates?.deltas.commands));
    } finally {
      await Promise.all(keys.map((key) => cluster.del(key)));
      cluster.disconnect();
    }
  });

  it('Sentinel: the master and its replica, not the sentinels', async () => {
    const { sentinel } = redis;
    const report = await sampleMemory(await open({ mode: 'sentinel', sentinels: sentinel.sentinels, masterName: sentinel.masterName, endpoints: [] }), {
      intervalMs: 0,
      doctor: false,
    });
    expect(report.topology).toBe('sentinel');
    expect(report.nodes.map((node) => [node.address, node.role, node.status])).toEqual([
      [`${sentinel.master.host}:${sentinel.master.port}`, 'master', 'up'],
      [`${sentinel.replica.host}:${sentinel.replica.port}`, 'replica', 'up'],
    ]);
    const [master, replica] = report.nodes;
    expect(master!.figures?.replication.replicas.map((r) => r.address)).toEqual([`${sentinel.replica.host}:${sentinel.replica.port}`]);
    expect(replica!.master).toBe(master!.address);
    expect(report.total.keys).toBe(master!.figures?.keys);
    expect(report.total.usedBytes).toBe(master!.figures!.usedBytes! + replica!.figures!.usedBytes!);
  });
  it('a replica reached directly: reported as a replica, its keys counted since no master is in the report', async () => {
    const { replica } = redis.sentinel;
    const report = await sampleMemory(await open({ endpoints: [replica] }), { intervalMs: 0, doctor: false });
    const node = report.nodes[0]!;
    expect(report.topology).toBe('standalone');
    expect(node).toMatchObject({ role: 'replica', status: 'up' });
    expect(node.figures?.replication.role).toBe('replica');
    expect(report.total.keys).toBe(node.figures?.keys);
    expect(report.total.keys).not.toBeNull();
    // A replica does not evict, so its own limit is not judged.
    expect(node.findings.map((finding) => finding.id)).not.toContain('maxmemory-unset');
  });
});

describe('memory report under a restricted ACL', () => {
  const acl = () => redis.acl;

  it('without CONFIG and MEMORY, reads maxmemory and the policy from INFO and says so', async () => {
    const { limited, admin } = acl().users;
    const topology = await open({ endpoints: [acl()], username: limited.username, password: limited.password });
    const report = await sampleMemory(topology, { intervalMs: 0, doctor: true });
    const node = report.nodes[0]!;
    expect(node.status).toBe('up');
    const info = parseInfoFields(await callText(client0(admin), 'INFO', 'memory'));
    expect(node.figures?.maxmemorySource).toBe('info');
    expect(node.figures?.maxmemoryBytes).toBe(Number(info.get('maxmemory')));
    expect(node.figures?.maxmemoryPolicy).toBe(info.get('maxmemory_policy'));
    expect(node.figures?.activeDefragEnabled).toBeNull();
    expect(node.doctor).toBeNull();
    expect(node.notes.map((note) => note.code)).toEqual(['config-unavailable', 'doctor-unavailable']);
    expect(node.notes[0]!.message).toContain('NOPERM');
  });

  it('with them, reads CONFIG and MEMORY DOCTOR', async () => {
    const { admin } = acl().users;
    const report = await sampleMemory(await open({ endpoints: [acl()], username: admin.username, password: admin.password }), { intervalMs: 0, doctor: true });
    const node = report.nodes[0]!;
    expect(node.figures?.maxmemorySource).toBe('config');
    expect(node.figures?.activeDefragEnabled).not.toBeNull();
    expect(node.doctor?.length).toBeGreaterThan(0);
    expect(node.notes).toEqual([]);
  });

  function client0(user: { username: string; password: string }): Redis {
    const c = adminClient(acl().port, { username: user.username, password: user.password });
    clients.push(c);
    return c;
  }
});

describe('memory report with nodes down', () => {
  it('a replica dead at the start and one killed mid-report are down; the rest is reported; exit 2', async () => {
    const cluster = await startCluster({ masters: 1, replicasPerMaster: 2 });
    servers.push(cluster);
    const [master, deadAtStart, killedMidway] = cluster.nodes;
    await cluster.killNode(deadAtStart!.port);

    const topology = await open({ endpoints: [master!], mode: 'cluster' });
    const reporting = sampleMemory(topology, { intervalMs: 1000, doctor: false });
    setTimeout(() => killedMidway!.kill('SIGKILL'), 300);
    const report = await reporting;

    const byPort = (port: number) => report.nodes.find((node) => node.address.endsWith(`:${port}`))!;
    expect(report.nodes).toHaveLength(3);
    expect(byPort(master!.port)).toMatchObject({ status: 'up', role: 'master' });
    expect(byPort(master!.port).rates?.windowMs).toBeGreaterThan(0);
    for (const port of [deadAtStart!.port, killedMidway!.port]) {
      const node = byPort(port);
      expect(node.status).toBe('down');
      expect(node.error?.code).toMatch(/CONNECT|TIMEOUT/);
      expect(node.figures).toBeNull();
      expect(node.findings.map((finding) => finding.id)).toEqual(['node-down']);
    }
    expect(report.total.nodesUp).toBe(1);
    expect(report.total.usedBytes).toBe(byPort(master!.port).figures?.usedBytes);
    expect(exitCodeFor(report, null)).toBe(2);
    expect(exitCodeFor(report, 'warning')).toBe(2);
  });
});
