// The TTL audit script against a real server: every key comes back byte for byte, whatever its
// bytes (\n makes the fast layout ambiguous, so those batches are fetched with lengths), and exact
// PTTLs come back for exactly the keys without expiry or above the threshold.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KEY_TYPES, PipelineBatcher, ScriptBatcher, TTL_NONE, TTL_WITHIN } from '../../src/core/scan/scan-batch.js';
import type { KeyBatch } from '../../src/core/scan/scan-batch.js';
import { adminClient } from '../fixtures/index.js';

const redis = inject('redis');
const HOUR = 3_600_000;

describe('TTL_FLAG_SCRIPT', () => {
  const prefix = `ttlflag${randomBytes(4).toString('hex').replace(/[0-9]/g, 'q')}:`;
  const keys = new Map<string, number | undefined>(); // hex of key bytes → TTL set
  let client: Redis;

  beforeAll(async () => {
    client = adminClient(redis.single.port);
    const add = async (suffix: Buffer, ttl?: number) => {
      const key = Buffer.concat([Buffer.from(prefix), suffix]);
      keys.set(key.toString('hex'), ttl);
      if (ttl === undefined) await client.set(key, 'v');
      else await client.set(key, 'v', 'PX', ttl);
    };
    for (let i = 0; i < 300; i += 1) await add(Buffer.from(`plain:${i}`), i % 3 === 0 ? undefined : i % 3 === 1 ? HOUR : 48 * HOUR);
    await add(Buffer.from('new\nline'));
    await add(Buffer.from('trailing\n'), 48 * HOUR);
    await add(Buffer.from([0x00, 0xff, 0x2c, 0x0a, 0x0a]), HOUR);
    await add(Buffer.alloc(0));
  });
  afterAll(async () => {
    await Promise.all([...keys.keys()].map((hex) => client.del(Buffer.from(hex, 'hex'))));
    client.disconnect();
  });

  async function scanAll(batcher: ScriptBatcher | PipelineBatcher): Promise<KeyBatch[]> {
    const batches: KeyBatch[] = [];
    let cursor = '0';
    do {
      const batch = await batcher.run({ cursor, count: 50, match: Buffer.from(`${prefix}*`), wantType: false, wantTtl: false, wantMemory: false, samples: 5, ttlFlagAbove: 24 * HOUR });
      batches.push(batch);
      cursor = batch.cursor;
    } while (cursor !== '0');
    return batches;
  }

  it.each([
    ['script', (c: Redis) => new ScriptBatcher(c)],
    ['pipeline fallback', (c: Redis) => new PipelineBatcher(c)],
  ])('returns every key and the PTTLs the audit needs (%s)', async (_how, make) => {
    const seen = new Map<string, number>();
    for (const batch of await scanAll(make(client))) {
      batch.keys.forEach((key, i) => seen.set(key.toString('hex'), batch.ttls[i]!));
    }
    expect([...seen.keys()].sort()).toEqual([...keys.keys()].sort());
    for (const [hex, ttl] of keys) {
      const got = seen.get(hex)!;
      if (ttl === undefined) expect(got, hex).toBe(TTL_NONE);
      else if (ttl > 24 * HOUR) expect(got, hex).toBeGreaterThan(47 * HOUR);
      else expect(got === TTL_WITHIN || (got > 0 && got <= HOUR), hex).toBe(true);
    }
  });

  it('types the keys it flags, and only those, when asked', async () => {
    const typed = `${prefix}typed:`;
    await Promise.all([client.hset(`${typed}h`, 'f', 'v'), client.zadd(`${typed}z`, 1, 'm'), client.set(`${typed}s`, 'v', 'PX', 48 * HOUR), client.rpush(`${typed}l`, 'v'), client.sadd(`${typed}within`, 'v')]);
    await client.pexpire(`${typed}within`, HOUR);
    try {
      const seen = new Map<string, string>();
      let cursor = '0';
      do {
        const batch = await new ScriptBatcher(client).run({ cursor, count: 50, match: Buffer.from(`${typed}*`), wantType: true, wantTtl: false, wantMemory: false, samples: 5, ttlFlagAbove: 24 * HOUR });
        batch.keys.forEach((key, i) => seen.set(key.toString().slice(typed.length), KEY_TYPES[batch.types[i]!]!));
        cursor = batch.cursor;
      } while (cursor !== '0');
      expect(Object.fromEntries(seen)).toEqual({ h: 'hash', z: 'zset', s: 'string', l: 'list', within: 'unknown' });
    } finally {
      await client.del(`${typed}h`, `${typed}z`, `${typed}s`, `${typed}l`, `${typed}within`);
    }
  });
});
