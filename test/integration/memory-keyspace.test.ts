// memory's eviction advice knows what it is advising on: a bounded sample of the keyspace tells job
// queues, locks and sessions (which must never be evicted) from cache keys. On a real server holding
// the real-library corpus (BullMQ, Bull, redlock, connect-redis… as those libraries write them).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../src/connection/topology.js';
import { DEFAULT_SAMPLE_KEYS } from '../../src/core/memory/keyspace-kinds.js';
import { sampleMemory } from '../../src/core/memory/memory-report.js';
import type { MemoryReport } from '../../src/core/memory/memory-report.js';
import { adminClient, startRedis, type RedisProcess } from '../fixtures/index.js';
import { loadCorpus, replayCorpus } from '../helpers/corpus.js';
import { openTopology } from '../helpers/scan.js';

let queues: RedisProcess;
let caches: RedisProcess;
let queuesTopology: Topology;
let cachesTopology: Topology;
let corpusKeys = 0;

beforeAll(async () => {
  [queues, caches] = await Promise.all([startRedis({ name: 'memory-queues' }), startRedis({ name: 'memory-caches' })]);
  const corpus = loadCorpus();
  corpusKeys = corpus.length;
  const writer = new Redis({ port: queues.port, host: queues.host, enableAutoPipelining: true });
  await replayCorpus(writer, corpus);
  writer.disconnect();
  const cacheAdmin = adminClient(caches.port);
  const pipeline = cacheAdmin.pipeline();
  for (let i = 0; i < DEFAULT_SAMPLE_KEYS / 2; i += 1) pipeline.set(`page:${i}`, 'x', 'EX', 3600);
  await pipeline.exec();
  cacheAdmin.disconnect();
  queuesTopology = await openTopology({ kind: 'single', endpoint: { host: queues.host, port: queues.port } });
  cachesTopology = await openTopology({ kind: 'single', endpoint: { host: caches.host, port: caches.port } });
}, 180_000);

afterAll(async () => {
  await queuesTopology?.close();
  await cachesTopology?.close();
  await Promise.all([queues?.stop(), caches?.stop()]);
});

async function configure(server: RedisProcess, maxmemory: string, policy: string): Promise<void> {
  const admin = adminClient(server.port);
  try {
    await admin.config('SET', 'maxmemory', maxmemory);
    await admin.config('SET', 'maxmemory-policy', policy);
  } finally {
    admin.disconnect();
  }
}

const finding = (report: MemoryReport, id: string) => report.findings.find((f) => f.id === id);

describe('memory on an instance that holds queues, locks and sessions', () => {
  it('samples a bounded number of keys and finds the queues, the locks and the sessions among them', async () => {
    await configure(queues, '1gb', 'allkeys-lru');
    const report = await sampleMemory(queuesTopology, { intervalMs: 0, doctor: false });
    const sample = report.keyspace!;
    expect(sample.limit).toBe(DEFAULT_SAMPLE_KEYS);
    expect(sample.sampled).toBe(DEFAULT_SAMPLE_KEYS);
    expect(sample.dbsize).toBe(corpusKeys);
    expect(sample.complete).toBe(false);
    expect(new Set(sample.groups.map((group) => group.kind))).toEqual(new Set(['queue', 'lock', 'session']));
    expect(sample.groups.map((group) => group.label)).toEqual(expect.arrayContaining([expect.stringMatching(/^(BullMQ|Bull) queue "/), 'redlock locks', 'connect-redis sessions']));
  });

  it('allkeys-* with a limit: a critical finding that queue and lock keys can be evicted, and that queues and caches want different instances', async () => {
    await configure(queues, '1gb', 'allkeys-lru');
    const report = await sampleMemory(queuesTopology, { intervalMs: 0, doctor: false });
    const evictable = finding(report, 'queue-keys-evictable')!;
    expect(evictable.severity).toBe('critical');
    expect(evictable.message).toMatch(/^policy allkeys-lru may evict any key, and this deployment holds /);
    for (const held of [/(BullMQ|Bull) queue "/, /redlock locks/, /connect-redis sessions/]) expect(evictable.message).toMatch(held);
    expect(evictable.message).toContain(`(found in a sample of ${DEFAULT_SAMPLE_KEYS} of ${corpusKeys} keys)`);
    expect(evictable.advice).toMatch(/CONFIG SET maxmemory-policy noeviction/);
    expect(evictable.advice).toMatch(/queues and caches want different Redis instances/);
  });

  it('allkeys-* without a limit: a warning, since eviction starts with the first limit', async () => {
    await configure(queues, '0', 'allkeys-lfu');
    const report = await sampleMemory(queuesTopology, { intervalMs: 0, doctor: false });
    expect(finding(report, 'queue-keys-evictable')?.severity).toBe('warning');
  });

  it('never recommends an allkeys-* policy there: maxmemory unset advises noeviction instead', async () => {
    await configure(queues, '0', 'noeviction');
    const report = await sampleMemory(queuesTopology, { intervalMs: 0, doctor: false });
    expect(finding(report, 'queue-keys-evictable')).toBeUndefined();
    const unset = finding(report, 'maxmemory-unset')!;
    expect(unset.advice).not.toMatch(/with an allkeys-lru or allkeys-lfu policy/);
    expect(unset.advice).toMatch(/with policy noeviction: it holds .*, which must not be evicted; queues and caches want different Redis instances/);
  });

  it('--sample-keys 0 looks at no key, and the advice is the cache advice', async () => {
    await configure(queues, '1gb', 'allkeys-lru');
    const report = await sampleMemory(queuesTopology, { intervalMs: 0, doctor: false, sampleKeys: 0 });
    expect(report.keyspace).toBeNull();
    expect(finding(report, 'queue-keys-evictable')).toBeUndefined();
  });
});

describe('memory on a cache', () => {
  it('finds nothing to keep in a keyspace it sampled whole, and keeps advising allkeys-* for a cache', async () => {
    await configure(caches, '0', 'noeviction');
    const report = await sampleMemory(cachesTopology, { intervalMs: 0, doctor: false });
    expect(report.keyspace).toMatchObject({ complete: true, groups: [], failedNodes: [] });
    expect(report.keyspace!.sampled).toBe(report.keyspace!.dbsize);
    expect(finding(report, 'maxmemory-unset')!.advice).toMatch(/with an allkeys-lru or allkeys-lfu policy/);
    await configure(caches, '1gb', 'allkeys-lru');
    expect(finding(await sampleMemory(cachesTopology, { intervalMs: 0, doctor: false }), 'queue-keys-evictable')).toBeUndefined();
  });
});
