// previewKey against real servers: every type, bounds on bytes and items, binary values, TTL and
// encoding, and keys that vanish between listing and preview.

import type { Redis } from 'ioredis';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect } from '../../src/connection/connect.js';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import type { Topology } from '../../src/connection/topology.js';
import type { PresentKeyPreview } from '../../src/core/browse/preview.js';
import { previewKey } from '../../src/core/browse/preview.js';
import { adminClient } from '../fixtures/index.js';

const redis = inject('redis');
const P = 'browse-preview:';
const key = (name: string) => Buffer.from(`${P}${name}`);

let topology: Topology;
let admin: Redis;

async function preview(name: string | Buffer, options?: { maxBytes?: number; maxItems?: number }) {
  const k = typeof name === 'string' ? key(name) : name;
  return previewKey(topology.nodeForKey(k), k, options);
}

function present(value: Awaited<ReturnType<typeof preview>>): PresentKeyPreview {
  if (!value.exists) throw new Error('expected the key to exist');
  return value;
}

beforeAll(async () => {
  const options = defaultConnectionOptions();
  options.endpoints = [redis.single];
  topology = await connect(options);
  admin = adminClient(redis.single.port);
  const old = await admin.keys(`${P}*`);
  if (old.length > 0) await admin.del(...old);
});

afterAll(async () => {
  const mine = await admin.keys(`${P}*`);
  if (mine.length > 0) await admin.del(...mine);
  admin.disconnect();
  await topology.close();
});

describe('previewKey on a single node', () => {
  it('reads the first bytes of a long string with GETRANGE, and says how long it is', async () => {
    await admin.set(key('long'), 'x'.repeat(5000));
    const result = present(await preview('long', { maxBytes: 100 }));
    expect(result.type).toBe('string');
    expect(result.length).toBe(5000);
    expect(result.value).toEqual({ kind: 'string', bytes: Buffer.from('x'.repeat(100)) });
    expect(result.truncated).toBe(true);
    expect(result.encoding).toBe('raw');
    expect(result.memoryBytes).toBeGreaterThan(5000);
    expect(result.ttlMs).toBeNull();
  });

  it('returns binary bytes exactly, and a short string whole', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0x0a, 0x80, 0x61]);
    await admin.set(key('bin'), bytes);
    const result = present(await preview('bin'));
    expect(result.value).toEqual({ kind: 'string', bytes });
    expect(result.truncated).toBe(false);
    await admin.set(key('int'), '12345');
    expect(present(await preview('int')).encoding).toBe('int');
  });

  it('reads the TTL', async () => {
    await admin.set(key('ttl'), 'v', 'PX', 100_000);
    const ttl = present(await preview('ttl')).ttlMs;
    expect(ttl).toBeGreaterThan(90_000);
    expect(ttl).toBeLessThanOrEqual(100_000);
  });

  it('reads the first items of a list with LRANGE, clipping long elements', async () => {
    const items = Array.from({ length: 50 }, (_, i) => `item-${i}`);
    await admin.rpush(key('list'), ...items);
    let result = present(await preview('list', { maxItems: 10 }));
    expect(result.length).toBe(50);
    expect(result.value).toEqual({ kind: 'list', items: items.slice(0, 10).map((item) => Buffer.from(item)) });
    expect(result.truncated).toBe(true);

    await admin.rpush(key('biglist'), 'y'.repeat(10_000), 'z');
    result = present(await preview('biglist', { maxBytes: 64 }));
    expect(result.value).toEqual({ kind: 'list', items: [Buffer.from('y'.repeat(64)), Buffer.from('z')] });
    expect(result.truncated).toBe(true);
  });

  it('reads sets with SSCAN: a small one whole, a large one only up to the bound', async () => {
    await admin.sadd(key('smallset'), 'a', 'b', 'c');
    let result = present(await preview('smallset'));
    expect(result.value.kind).toBe('set');
    expect(result.value.kind === 'set' && result.value.items.map(String).sort()).toEqual(['a', 'b', 'c']);
    expect(result.truncated).toBe(false);

    const members = Array.from({ length: 1000 }, (_, i) => `m${i}`);
    await admin.sadd(key('bigset'), ...members);
    result = present(await preview('bigset', { maxItems: 10 }));
    expect(result.encoding).toBe('hashtable');
    expect(result.length).toBe(1000);
    if (result.value.kind !== 'set') throw new Error('not a set');
    expect(result.value.items).toHaveLength(10);
    expect(new Set(result.value.items.map(String)).size).toBe(10);
    for (const item of result.value.items) expect(members).toContain(item.toString());
    expect(result.truncated).toBe(true);
  });

  it('reads the lowest-ranked members of a sorted set with their scores', async () => {
    const pairs: (string | number)[] = [];
    for (let i = 0; i < 30; i += 1) pairs.push(30 - i, `z${i}`);
    await admin.zadd(key('zset'), ...pairs);
    const result = present(await preview('zset', { maxItems: 3 }));
    expect(result.length).toBe(30);
    expect(result.value).toEqual({
      kind: 'zset',
      items: [
        { member: Buffer.from('z29'), score: '1' },
        { member: Buffer.from('z28'), score: '2' },
        { member: Buffer.from('z27'), score: '3' },
      ],
    });
  });

  it('reads fields of a large hash with HSCAN, each with its own value', async () => {
    const fields: Record<string, string> = {};
    for (let i = 0; i < 300; i += 1) fields[`f${i}`] = `value-of-f${i}`;
    await admin.hset(key('hash'), fields);
    const result = present(await preview('hash', { maxItems: 8 }));
    expect(result.length).toBe(300);
    if (result.value.kind !== 'hash') throw new Error('not a hash');
    expect(result.value.items).toHaveLength(8);
    for (const { field, value } of result.value.items) expect(value.toString()).toBe(`value-of-${field.toString()}`);
    expect(result.truncated).toBe(true);
  });

  it('reads the first entries of a stream with XRANGE COUNT', async () => {
    for (let i = 1; i <= 15; i += 1) await admin.xadd(key('stream'), `${i}-0`, 'n', String(i));
    const result = present(await preview('stream', { maxItems: 4 }));
    expect(result.length).toBe(15);
    expect(result.value).toEqual({
      kind: 'stream',
      entries: [1, 2, 3, 4].map((i) => ({ id: `${i}-0`, fields: [[Buffer.from('n'), Buffer.from(String(i))]] })),
    });
  });

  it('says a key does not exist when it was deleted before the preview', async () => {
    await admin.set(key('gone'), 'soon');
    await admin.del(key('gone'));
    expect(await preview('gone')).toEqual({ exists: false });
    await admin.set(key('expired'), 'soon', 'PX', 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await preview('expired')).toEqual({ exists: false });
  });

  it('never reads more than the bound of a huge string', async () => {
    await admin.set(key('huge'), Buffer.alloc(8 * 1024 * 1024, 0x41));
    const before = Number((await admin.info('stats')).match(/total_net_output_bytes:(\d+)/)?.[1]);
    const result = present(await preview('huge', { maxBytes: 512 }));
    const after = Number((await admin.info('stats')).match(/total_net_output_bytes:(\d+)/)?.[1]);
    expect(result.length).toBe(8 * 1024 * 1024);
    expect(result.value.kind === 'string' && result.value.bytes.length).toBe(512);
    // The server sent a few KiB for the preview (and the INFO reply), not megabytes.
    expect(after - before).toBeLessThan(64 * 1024);
  });
});

describe('previewKey on a cluster', () => {
  let cluster: Topology;
  let client: Cluster;

  beforeAll(async () => {
    const options = defaultConnectionOptions();
    options.endpoints = redis.cluster.seeds;
    cluster = await connect(options);
    client = new Cluster(redis.cluster.seeds, { redisOptions: { protocol: 2 } });
  });

  afterAll(async () => {
    client.disconnect();
    await cluster.close();
  });

  it('reads each key on the master owning its slot', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `${P}c:${i}`);
    for (const name of names) await client.hset(name, 'k', name);
    try {
      for (const name of names) {
        const k = Buffer.from(name);
        const result = await previewKey(cluster.nodeForKey(k), k);
        expect(result.exists && result.value.kind === 'hash' && result.value.items[0]?.value.toString()).toBe(name);
      }
    } finally {
      for (const name of names) await client.del(name);
    }
  });
});
