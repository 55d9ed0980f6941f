// The real-library corpus (test/corpus/): keys written by BullMQ, Bull, connect-redis, Keyv,
// rate limiters, redlock, kue, node-resque, bee-queue, bottleneck and socket.io, saved as
// [key, type, ttlMs] lines, and the groups a person would draw for them. The loader replays the
// keys into a server (single or Cluster) with the same names, types and TTLs.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Cluster, Redis } from 'ioredis';

const CORPUS_DIR = fileURLToPath(new URL('../corpus/', import.meta.url));

export interface CorpusKey {
  key: Buffer;
  type: 'string' | 'hash' | 'list' | 'set' | 'zset' | 'stream';
  /** Remaining TTL when the corpus was saved; -1: none. */
  ttlMs: number;
}

export interface ExpectedGroup {
  library: string;
  /** How cachectl should show it, ‹…› for inferred segments. */
  name: string;
  pattern: string;
  keys: number;
  noTtl: number;
}

export function loadCorpus(): CorpusKey[] {
  const text = gunzipSync(readFileSync(`${CORPUS_DIR}real-libraries.ndjson.gz`)).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [name, type, ttlMs] = JSON.parse(line) as [string | { b64: string }, CorpusKey['type'], number];
      return { key: typeof name === 'string' ? Buffer.from(name, 'utf8') : Buffer.from(name.b64, 'base64'), type, ttlMs };
    });
}

export function expectedGroups(): { keys: number; groups: ExpectedGroup[] } {
  return JSON.parse(readFileSync(`${CORPUS_DIR}expected-groups.json`, 'utf8')) as { keys: number; groups: ExpectedGroup[] };
}

/** The group a key belongs to (every corpus key belongs to exactly one). */
export function groupOf(groups: readonly ExpectedGroup[]): (key: Buffer) => ExpectedGroup {
  const compiled = groups.map((group) => ({ group, regex: new RegExp(group.pattern) }));
  return (key) => {
    const text = key.toString('latin1');
    const found = compiled.find(({ regex }) => regex.test(text));
    if (found === undefined) throw new Error(`no expected group for ${text}`);
    return found.group;
  };
}

/**
 * Writes every corpus key (a small value of its type, its TTL) through `client`, which should have
 * enableAutoPipelining on: commands go out in pipelines per node, a few thousand in flight at once.
 * TTLs are extended by an hour so no key expires while a test runs.
 */
export async function replayCorpus(client: Redis | Cluster, keys: readonly CorpusKey[], chunk = 4000): Promise<void> {
  for (let start = 0; start < keys.length; start += chunk) {
    await Promise.all(
      keys.slice(start, start + chunk).map(async ({ key, type, ttlMs }) => {
        if (type === 'hash') await client.hset(key, 'f', 'v');
        else if (type === 'list') await client.rpush(key, 'v');
        else if (type === 'set') await client.sadd(key, 'v');
        else if (type === 'zset') await client.zadd(key, 0, 'v');
        else if (type === 'stream') await client.xadd(key, '*', 'f', 'v');
        else await client.set(key, 'v');
        if (ttlMs > 0) await client.pexpire(key, ttlMs + 3_600_000);
      }),
    );
  }
}
