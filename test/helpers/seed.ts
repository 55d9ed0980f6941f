// A known keyspace for scan tests: namespaces with ID segments, every common type, TTLs and
// none, and keys whose names are binary, hold a newline or glob characters. Written under a
// prefix unique to the test, so shared fixtures can be checked against exact expectations.

import type { Cluster, Redis } from 'ioredis';
import { adminClient, callText, parseClusterNodes, parseInfoFields } from '../fixtures/index.js';
import type { Endpoint } from '../fixtures/index.js';
import type { KeyType } from '../../src/core/scan/scan-batch.js';

export interface SeedKey {
  key: Buffer;
  type: KeyType;
  /** PTTL set on the key, or undefined for none. */
  ttlMs?: number;
  /** The leaf namespace it belongs to (depth 5, collapsed), relative to the prefix. */
  namespace: string;
}

export const USER_KEYS = 40;
export const SESSION_KEYS = 25;
export const TAG_KEYS = 10;

/** The glob characters Redis reads in a pattern, literally in a key name. */
export const GLOB_NAME = '*?[]\\';
export const BINARY_NAME = Buffer.from([0xff, 0xfe, 0x00, 0x80]);

export function seedKeys(prefix: string): SeedKey[] {
  const keys: SeedKey[] = [];
  const key = (text: string | Buffer): Buffer => Buffer.concat([Buffer.from(`${prefix}:`), typeof text === 'string' ? Buffer.from(text) : text]);
  for (let i = 1; i <= USER_KEYS; i += 1) {
    keys.push({ key: key(`user:${1000 + i}:profile`), type: 'hash', ttlMs: 3_600_000 + i * 1000, namespace: 'user:‹id›:profile' });
  }
  for (let i = 0; i < SESSION_KEYS; i += 1) {
    const uuid = `3f2c9a1e-7b4d-4c2a-9e1f-${String(i).padStart(12, '0')}`;
    keys.push({ key: key(`session:${uuid}`), type: 'string', namespace: 'session:‹id›' });
  }
  for (let i = 0; i < TAG_KEYS; i += 1) keys.push({ key: key(`tags:${i}`), type: 'set', ttlMs: 600_000, namespace: 'tags:‹id›' });
  keys.push({ key: key('queue'), type: 'list', namespace: 'queue' });
  keys.push({ key: key(Buffer.concat([Buffer.from('bin:'), BINARY_NAME])), type: 'string', namespace: 'bin:‹bin›' });
  keys.push({ key: key('nl:line1\nline2'), type: 'string', namespace: 'nl:‹bin›' });
  keys.push({ key: key(`glob:${GLOB_NAME}`), type: 'zset', namespace: `glob:${GLOB_NAME}` });
  return keys;
}

/** Writes the keys with one command per key (a Cluster client routes each by its slot). */
export async function writeKeys(client: Redis | Cluster, keys: readonly SeedKey[]): Promise<void> {
  await Promise.all(
    keys.map(async ({ key, type, ttlMs }) => {
      if (type === 'hash') await client.hset(key, 'name', 'value', 'email', 'someone@example.com');
      else if (type === 'list') await client.rpush(key, 'a', 'b', 'c');
      else if (type === 'set') await client.sadd(key, 'x', 'y');
      else if (type === 'zset') await client.zadd(key, 1, 'm');
      else await client.set(key, 'v'.repeat(100));
      if (ttlMs !== undefined) await client.pexpire(key, ttlMs);
    }),
  );
}

export async function deleteKeys(client: Redis | Cluster, keys: readonly SeedKey[]): Promise<void> {
  await Promise.all(keys.map(({ key }) => client.del(key)));
}

/** Runs fn with an admin client on each endpoint, closing them after. */
export async function onEach<T>(endpoints: readonly Endpoint[], fn: (client: Redis, endpoint: Endpoint) => Promise<T>): Promise<T[]> {
  return Promise.all(
    endpoints.map(async (endpoint) => {
      const client = adminClient(endpoint.port);
      try {
        return await fn(client, endpoint);
      } finally {
        client.disconnect();
      }
    }),
  );
}

/** The server's own answer: keys matching a pattern, by plain SCAN on every given node. */
export async function serverCount(nodes: readonly Endpoint[], pattern: string | Buffer): Promise<number> {
  const counts = await onEach(nodes, async (client) => {
    let cursor = '0';
    let count = 0;
    do {
      const [next, keys] = (await client.callBuffer('SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000')) as [Buffer, Buffer[]];
      cursor = next.toString();
      count += keys.length;
    } while (cursor !== '0');
    return count;
  });
  return counts.reduce((a, b) => a + b, 0);
}

/** How often a command ran on a node (INFO commandstats), scripts' inner calls included. */
export async function commandCalls(endpoint: Endpoint, command: string): Promise<number> {
  const [calls] = await onEach([endpoint], async (client) => {
    const line = parseInfoFields(await callText(client, 'INFO', 'commandstats')).get(`cmdstat_${command}`);
    return Number(/calls=(\d+)/.exec(line ?? '')?.[1] ?? 0);
  });
  return calls!;
}

/** Current cluster masters and replicas as the cluster itself sees them. */
export async function clusterRoles(seed: Endpoint): Promise<{ masters: Endpoint[]; replicas: Endpoint[] }> {
  const [entries] = await onEach([seed], async (client) => parseClusterNodes(await callText(client, 'CLUSTER', 'NODES')));
  const healthy = entries!.filter((entry) => !entry.flags.some((flag) => flag.startsWith('fail')));
  const endpoint = (entry: { host: string; port: number }): Endpoint => ({ host: entry.host, port: entry.port });
  return {
    masters: healthy.filter((entry) => entry.role === 'master' && entry.slots.length > 0).map(endpoint),
    replicas: healthy.filter((entry) => entry.role === 'replica').map(endpoint),
  };
}
