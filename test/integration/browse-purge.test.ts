// The explorer's purge on real servers: a namespace is planned with its glob but only its own
// members are deleted (not a look-alike namespace the glob also matches, not keys outside the
// browsed pattern), the share guard refuses, a key purge deletes one key, and the backup restores.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { connect } from '../../src/connection/connect.js';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import type { Topology } from '../../src/connection/topology.js';
import { BackupReader } from '../../src/core/purge/backup.js';
import { KEY_TYPES, TTL_NONE } from '../../src/core/scan/scan-batch.js';
import { createRedisPurge } from '../../src/core/browse/redis-purge.js';
import { LiveNamespaceTree } from '../../src/core/namespaces/live-namespaces.js';
import type { NamespaceNode } from '../../src/core/namespaces/namespaces.js';
import type { PurgeSource, PurgeTarget } from '../../src/core/browse/source.js';
import { adminClient } from '../fixtures/index.js';

const redis = inject('redis');
const P = 'browse-purge';
const NAMESPACES = { delimiter: ':', depth: 5, collapse: true };

/** 40 user profiles, 5 keys of the look-alike `userab12cd34ef` namespace… and filler so no plan passes 50%. */
function seedKeys(): Map<string, string> {
  const keys = new Map<string, string>();
  for (let i = 0; i < 40; i += 1) keys.set(`${P}:user:${i}:profile`, `profile ${i}`);
  for (let i = 0; i < 5; i += 1) keys.set(`${P}:user:${i}:settings`, `settings ${i}`);
  keys.set(`${P}:user`, 'the namespace key itself');
  for (let i = 0; i < 5; i += 1) keys.set(`${P}:userab12cd34ef:${i}`, 'look-alike');
  for (let i = 0; i < 200; i += 1) keys.set(`${P}:filler:${i}`, 'x');
  return keys;
}

interface Server {
  keys(): Promise<string[]>;
  seed(keys: Map<string, string>): Promise<void>;
  wipe(): Promise<void>;
  close(): void;
}

function singleServer(port: number): Server {
  const client: Redis = adminClient(port);
  return {
    keys: () => client.keys(`${P}:*`),
    seed: async (keys) => {
      await client.mset(Object.fromEntries(keys));
    },
    wipe: async () => {
      const keys = await client.keys(`${P}:*`);
      if (keys.length > 0) await client.del(...keys);
    },
    close: () => client.disconnect(),
  };
}

function clusterServer(): Server {
  const client = new Cluster(redis.cluster.seeds, { redisOptions: { protocol: 2 } });
  const keys = async () => (await Promise.all(client.nodes('master').map((node) => node.keys(`${P}:*`)))).flat();
  return {
    keys,
    seed: async (map) => {
      await Promise.all([...map].map(([k, v]) => client.set(k, v)));
    },
    wipe: async () => {
      await Promise.all((await keys()).map((k) => client.del(k)));
    },
    close: () => client.disconnect(),
  };
}

function namespaceTarget(name: string, ownOnly = false): PurgeTarget {
  return { kind: 'namespace', name, ownOnly };
}

for (const kind of ['single', 'cluster'] as const) {
  describe(`explorer purge on ${kind}`, () => {
    let topology: Topology;
    let server: Server;
    let dir: string;
    let purge: PurgeSource;
    const deleted: PurgeTarget[] = [];
    const signal = new AbortController().signal;

    beforeAll(async () => {
      const options = defaultConnectionOptions();
      options.endpoints = kind === 'single' ? [redis.single] : redis.cluster.seeds;
      topology = await connect(options);
      server = kind === 'single' ? singleServer(redis.single.port) : clusterServer();
      dir = await mkdtemp(path.join(os.tmpdir(), 'cachectl-browse-purge-'));
    });

    beforeEach(async () => {
      await server.wipe();
      // Other tests' keys on the shared servers count towards the keyspace; keep the plan's share small anyway.
      await server.seed(seedKeys());
      deleted.length = 0;
      purge = createRedisPurge(topology, {
        namespaces: NAMESPACES,
        within: Buffer.from(`${P}:*`),
        limits: { maxShare: 0.5 },
        backupDir: dir,
        tool: 'cachectl test',
        onDeleted: (target) => deleted.push(target),
      });
    });

    afterEach(async () => {
      await server.wipe();
    });

    afterAll(async () => {
      server.close();
      await topology.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('deletes exactly the namespace’s keys, not the look-alike its glob also matches', async () => {
      const plan = await purge.plan(namespaceTarget(`${P}:user`), signal, () => {});
      expect(plan.refusal).toBeUndefined();
      // 40 profiles + 5 settings + the `user` key itself; not the 5 `userab12cd34ef` keys.
      expect(plan.keys).toBe(46);
      expect(plan.pattern).toBe(`"${P}:user*"`);
      const backupPath = purge.defaultBackupPath(plan.target);
      const outcome = await purge.execute(plan, backupPath, signal, () => {});
      expect(outcome).toMatchObject({ deleted: 46, alreadyGone: 0, notReached: 0, interrupted: false, backupPath });
      expect(deleted).toEqual([plan.target]);

      const left = new Set(await server.keys());
      const expected = [...seedKeys().keys()].filter((k) => !(k === `${P}:user` || k.startsWith(`${P}:user:`)));
      expect(left).toEqual(new Set(expected));

      // The backup holds exactly the deleted keys.
      const backedUp: string[] = [];
      for await (const record of new BackupReader(backupPath).records()) backedUp.push(record.key.toString());
      expect(backedUp.sort()).toEqual([...seedKeys().keys()].filter((k) => !left.has(k)).sort());
    });

    it('deletes only a namespace’s own keys when asked, leaving its children', async () => {
      const plan = await purge.plan(namespaceTarget(`${P}:user`, true), signal, () => {});
      expect(plan.keys).toBe(1);
      const outcome = await purge.execute(plan, undefined, signal, () => {});
      expect(outcome.deleted).toBe(1);
      const left = await server.keys();
      expect(left).not.toContain(`${P}:user`);
      expect(left).toHaveLength(seedKeys().size - 1);
    });

    it('deletes a ‹id› leaf without touching its sibling leaf', async () => {
      const plan = await purge.plan(namespaceTarget(`${P}:user:‹id›:settings`), signal, () => {});
      expect(plan.keys).toBe(5);
      await purge.execute(plan, undefined, signal, () => {});
      const left = await server.keys();
      expect(left.filter((k) => k.endsWith(':settings'))).toEqual([]);
      expect(left.filter((k) => k.endsWith(':profile'))).toHaveLength(40);
    });

    it('deletes one key, even one whose name has glob characters', async () => {
      const name = `${P}:odd:[x]*?`;
      await server.seed(new Map([[name, 'v'], [`${P}:odd:x`, 'w']]));
      const entry = { key: Buffer.from(name), type: 'string' as const, typeCode: KEY_TYPES.indexOf('string'), ttlMs: TTL_NONE, bytes: 50, node: '', shard: '' };
      const plan = await purge.plan({ kind: 'key', entry }, signal, () => {});
      expect(plan.keys).toBe(1);
      const outcome = await purge.execute(plan, undefined, signal, () => {});
      expect(outcome.deleted).toBe(1);
      const left = await server.keys();
      expect(left).not.toContain(name);
      expect(left).toContain(`${P}:odd:x`);
    });

    it('purges a ‹var› row as exactly the keys it counted, not the literal and ‹id› siblings beside it', async () => {
      const rolled = Array.from({ length: 20 }, (_, i) => `${P}:tenants:acme-${String(i).padStart(3, '0')}-xyz:cfg`);
      const siblings = [...Array.from({ length: 8 }, (_, i) => `${P}:tenants:shared:k${'abcdefgh'[i]!}`), `${P}:tenants:42:cfg`];
      await server.seed(new Map([...rolled, ...siblings].map((key) => [key, 'v'])));
      const live = new LiveNamespaceTree(topology, { scan: { match: Buffer.from(`${P}:*`) }, namespaces: NAMESPACES });
      const { root } = await live.start();
      const tenants = root.children.find((node) => node.name === P)?.children.find((node) => node.segment === 'tenants');
      const row = tenants?.children.find((node: NamespaceNode) => node.segment === '‹var›');
      expect(tenants?.children.map((node) => node.segment).sort()).toEqual(['shared', '‹id›', '‹var›']);
      expect(row?.stats.keys).toBe(rolled.length);
      const viaTree = createRedisPurge(topology, { namespaces: NAMESPACES, within: Buffer.from(`${P}:*`), limits: { maxShare: 0.5 }, tool: 'cachectl test', tree: () => root, onDeleted: () => {} });
      const plan = await viaTree.plan(namespaceTarget(row!.name), signal, () => {});
      expect(plan.keys).toBe(row!.stats.keys);
      const outcome = await viaTree.execute(plan, undefined, signal, () => {});
      expect(outcome.deleted).toBe(rolled.length);
      const left = new Set(await server.keys());
      for (const key of rolled) expect(left.has(key), key).toBe(false);
      for (const key of siblings) expect(left.has(key), key).toBe(true);
    });

    it('refuses a plan over --max-share and frees it, deleting nothing', async () => {
      const strict = createRedisPurge(topology, { namespaces: NAMESPACES, limits: { maxShare: 0.0001 }, tool: 'cachectl test', onDeleted: () => {} });
      const plan = await strict.plan(namespaceTarget(`${P}:filler`), signal, () => {});
      expect(plan.refusal).toMatch(/more than --max-share/);
      await expect(strict.execute(plan, undefined, signal, () => {})).rejects.toThrow(/plan again/);
      expect(await server.keys()).toHaveLength(seedKeys().size);
    });
  });
}
