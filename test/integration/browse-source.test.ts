// The explorer's data side against real servers: the live tree fills in and merges a cluster's
// masters, namespace key lists are exact, export writes the subtree, and a node lost mid-scan
// leaves an 'incomplete' tree naming it.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect } from '../../src/connection/connect.js';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import type { Topology } from '../../src/connection/topology.js';
import type { LiveTreeSnapshot } from '../../src/core/namespaces/live-namespaces.js';
import { LiveNamespaceTree } from '../../src/core/namespaces/live-namespaces.js';
import type { KeyEntry } from '../../src/core/namespaces/namespace-keys.js';
import type { NamespaceNode } from '../../src/core/namespaces/namespaces.js';
import { createRedisSource } from '../../src/core/browse/redis-source.js';
import { adminClient, startRedis } from '../fixtures/index.js';

const redis = inject('redis');
const P = 'browse-src';
const NAMESPACES = { delimiter: ':', depth: 5, collapse: true };
const MATCH = Buffer.from(`${P}:*`);

function child(node: NamespaceNode | undefined, segment: string): NamespaceNode | undefined {
  return node?.children.find((candidate) => candidate.segment === segment);
}

async function collect(iterable: AsyncIterable<{ kind: string; entries?: KeyEntry[] }>): Promise<{ keys: string[]; events: { kind: string }[] }> {
  const keys: string[] = [];
  const events: { kind: string }[] = [];
  for await (const event of iterable) {
    events.push(event);
    for (const entry of event.entries ?? []) keys.push(entry.key.toString());
  }
  return { keys: keys.sort(), events };
}

/** 300 users with a profile, 40 carts with a TTL, the `user` key itself, and a decoy `userx`. */
async function seed(write: (key: string, value: string, ttl?: number) => Promise<unknown>): Promise<void> {
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < 300; i += 1) writes.push(write(`${P}:user:${i}:profile`, 'p'.repeat(i % 50)));
  for (let i = 0; i < 40; i += 1) writes.push(write(`${P}:cart:${i}`, 'c', 600_000));
  writes.push(write(`${P}:user`, 'own'), write(`${P}:userx:1`, 'decoy'));
  await Promise.all(writes);
}

for (const kind of ['single', 'cluster', 'sentinel'] as const) {
  describe(`browse source on ${kind}`, () => {
    let topology: Topology;
    let cleanup: () => Promise<void>;
    let exportDir: string;

    beforeAll(async () => {
      const options = defaultConnectionOptions();
      if (kind === 'single') options.endpoints = [redis.single];
      if (kind === 'cluster') options.endpoints = redis.cluster.seeds;
      if (kind === 'sentinel') {
        options.mode = 'sentinel';
        options.sentinels = redis.sentinel.sentinels;
        options.masterName = redis.sentinel.masterName;
      }
      topology = await connect(options);
      exportDir = await mkdtemp(path.join(os.tmpdir(), 'cachectl-browse-export-'));
      if (kind === 'cluster') {
        const client = new Cluster(redis.cluster.seeds, { redisOptions: { protocol: 2 } });
        const all = async () => (await Promise.all(client.nodes('master').map((node) => node.keys(`${P}:*`)))).flat();
        const wipe = async () => Promise.all((await all()).map((k) => client.del(k)));
        await wipe();
        await seed((k, v, ttl) => (ttl === undefined ? client.set(k, v) : client.set(k, v, 'PX', ttl)));
        cleanup = async () => {
          await wipe();
          client.disconnect();
        };
      } else {
        const port = kind === 'single' ? redis.single.port : redis.sentinel.master.port;
        const client: Redis = adminClient(port);
        const wipe = async () => {
          const keys = await client.keys(`${P}:*`);
          if (keys.length > 0) await client.del(...keys);
        };
        await wipe();
        await seed((k, v, ttl) => (ttl === undefined ? client.set(k, v) : client.set(k, v, 'PX', ttl)));
        cleanup = async () => {
          await wipe();
          client.disconnect();
        };
      }
    });

    afterAll(async () => {
      await cleanup();
      await topology.close();
      await rm(exportDir, { recursive: true, force: true });
    });

    it('builds the tree across every master, publishing snapshots as it goes', async () => {
      const tree = new LiveNamespaceTree(topology, { scan: { match: MATCH, rate: 2000 }, namespaces: NAMESPACES, minIntervalMs: 20 });
      const seen: LiveTreeSnapshot[] = [];
      tree.subscribe((snapshot) => seen.push(snapshot));
      const last = await tree.start();
      expect(last.status).toBe('complete');
      expect(last.scanned).toBe(342);
      // Snapshots came while scanning, with the tree growing, not just one at the end.
      const during = seen.filter((snapshot) => snapshot.status === 'scanning' && snapshot.root.stats.keys > 0);
      expect(during.length).toBeGreaterThan(1);
      for (let i = 1; i < seen.length; i += 1) expect(seen[i]!.root.stats.keys).toBeGreaterThanOrEqual(seen[i - 1]!.root.stats.keys);

      const top = child(last.root, P);
      expect(top?.stats.keys).toBe(342);
      const user = child(top, 'user');
      expect(user?.stats.keys).toBe(301);
      expect(child(child(user, '‹id›'), 'profile')?.stats.keys).toBe(300);
      const cart = child(top, 'cart');
      expect(cart?.stats.keys).toBe(40);
      expect(cart?.stats.noTtl).toBe(0);
      expect(user?.stats.noTtl).toBe(301);
      expect(last.memoryKnown).toBe(true);
    });

    it('lists exactly a namespace’s keys, or only its own, within the bound', async () => {
      const source = createRedisSource(topology, { scan: { match: MATCH }, namespaces: NAMESPACES, keyListLimit: 1000 });
      const signal = new AbortController().signal;
      const profiles = await collect(source.listKeys(`${P}:user:‹id›:profile`, true, signal));
      expect(profiles.keys).toEqual(Array.from({ length: 300 }, (_, i) => `${P}:user:${i}:profile`).sort());
      const own = await collect(source.listKeys(`${P}:user`, true, signal));
      // Not the decoy `userx`, not the children.
      expect(own.keys).toEqual([`${P}:user`]);

      const bounded = createRedisSource(topology, { scan: { match: MATCH }, namespaces: NAMESPACES, keyListLimit: 25 });
      const some = await collect(bounded.listKeys(`${P}:user:‹id›:profile`, true, signal));
      expect(some.keys).toHaveLength(25);
      expect(some.events.at(-1)).toEqual({ kind: 'done', found: 25, truncated: true });
    });

    it('finds the biggest keys of a namespace and all under it, beyond the key list bound, exactly as a brute-force sort', async () => {
      // A key list stops at its limit; the biggest-keys view scans the whole namespace and keeps only the top.
      const source = createRedisSource(topology, { scan: { match: MATCH }, namespaces: NAMESPACES, keyListLimit: 25 });
      const signal = new AbortController().signal;
      let last: KeyEntry[] = [];
      let done: { kind: string; found?: number } | undefined;
      for await (const event of source.biggestKeys(`${P}:user`, signal)) {
        if (event.kind === 'top') last = event.entries;
        if (event.kind === 'done') done = event;
      }
      // Under `user`: the 300 profiles and the `user` key itself; not the decoy `userx`.
      expect(done).toEqual({ kind: 'done', found: 301, truncated: false });
      expect(last).toHaveLength(50);
      expect(last.some((entry) => entry.key.toString().startsWith(`${P}:userx`))).toBe(false);
      // Brute force: every key under the namespace, its MEMORY USAGE read directly, sorted the same way.
      const all = [`${P}:user`, ...Array.from({ length: 300 }, (_, i) => `${P}:user:${i}:profile`)];
      const sizes = await Promise.all(all.map(async (key) => ({ key, bytes: Number(await (await topology.nodeForKey(Buffer.from(key)).ready()).call('MEMORY', 'USAGE', key)) })));
      sizes.sort((a, b) => b.bytes - a.bytes || Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
      expect(last.map((entry) => [entry.key.toString(), entry.bytes])).toEqual(sizes.slice(0, 50).map((entry) => [entry.key, entry.bytes]));
    });

    it('previews a listed key, and reports one deleted since listing as gone', async () => {
      const source = createRedisSource(topology, { scan: { match: MATCH }, namespaces: NAMESPACES });
      let listed: KeyEntry | undefined;
      for await (const event of source.listKeys(`${P}:cart:‹id›`, true, new AbortController().signal)) {
        if (event.kind === 'keys') listed ??= event.entries[0];
      }
      expect(listed?.type).toBe('string');
      const shown = await source.preview(listed!);
      expect(shown.exists && shown.value).toEqual({ kind: 'string', bytes: Buffer.from('c') });
      expect(shown.exists && shown.ttlMs).toBeGreaterThan(0);

      const node = topology.nodeForKey(listed!.key);
      await (await node.ready()).del(listed!.key);
      expect(await source.preview(listed!)).toEqual({ exists: false });
    });

    it('exports the subtree under the cursor as JSON', async () => {
      const source = createRedisSource(topology, { scan: { match: MATCH }, namespaces: NAMESPACES, exportDir });
      const snapshot = await source.tree.start();
      const user = child(child(snapshot.root, P), 'user')!;
      const file = await source.exportTree(user, snapshot, 'keys');
      expect(path.dirname(file)).toBe(exportDir);
      const document = JSON.parse(await readFile(file, 'utf8'));
      expect(document.namespace).toBe(`${P}:user`);
      expect(document.scan.status).toBe('complete');
      expect(document.namespaces).toHaveLength(1);
      expect(document.namespaces[0]).toMatchObject({ namespace: `${P}:user`, keys: 301, noTtl: 301 });
      expect(document.namespaces[0].children[0]).toMatchObject({ namespace: `${P}:user:‹id›`, keys: 300 });
      expect(document.namespaces[0].children[0].children[0]).toMatchObject({ namespace: `${P}:user:‹id›:profile`, keys: 300 });
    });
  });
}

describe('browse source when a node is lost mid-scan', () => {
  it('keeps what it has and says which node is missing', async () => {
    const server = await startRedis({ name: 'browse-lost' });
    const client = adminClient(server.port);
    const options = defaultConnectionOptions();
    options.endpoints = [{ host: server.host, port: server.port }];
    options.timeoutMs = 1000;
    const topology = await connect(options);
    try {
      await client.call('DEBUG', 'POPULATE', '20000', 'lost');
      const tree = new LiveNamespaceTree(topology, { scan: { rate: 4000, failoverWaitMs: 1000 }, namespaces: NAMESPACES, minIntervalMs: 20 });
      const started = new Promise<void>((resolve) => {
        const stop = tree.subscribe((snapshot) => {
          if (snapshot.scanned > 0) {
            stop();
            resolve();
          }
        });
      });
      const done = tree.start();
      await started;
      server.kill('SIGKILL');
      const last = await done;
      expect(last.status).toBe('incomplete');
      expect(last.failed.map((node) => node.node)).toEqual([`${server.host}:${server.port}`]);
      expect(last.root.stats.keys).toBeGreaterThan(0);
      expect(last.root.stats.keys).toBeLessThan(20000);
    } finally {
      client.disconnect();
      await topology.close();
      await server.stop();
    }
  });
});
