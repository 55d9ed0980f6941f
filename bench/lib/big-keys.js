// Big keys for the stall scenario: a hash, a list, a set and a zset of 1,000,000 elements each, a
// 100,000-entry stream, a 50 MB string and a hash of 64 values of 1 MiB each, under `bad:big*`. Written in commands of 1,000 elements
// so seeding itself never blocks the server for long, pipelined for speed.
import { performance } from 'node:perf_hooks';
import { client } from './server.js';

export const BIG_PATTERN = 'bad:big*';

/**
 * @typedef {{ elements: number, streamEntries: number, stringBytes: number, wideFields: number }} BigKeySizes
 */

/** The sizes the issue names; `scale` shrinks them all (tests, a quick look). @param {number} [scale] @returns {BigKeySizes} */
export function bigKeySizes(scale = 1) {
  return {
    elements: Math.round(1_000_000 * scale),
    streamEntries: Math.round(100_000 * scale),
    stringBytes: Math.round(50 * 1024 * 1024 * scale),
    wideFields: Math.max(2, Math.round(64 * scale)),
  };
}

/** @param {BigKeySizes} sizes */
export function bigKeyNames(sizes) {
  return {
    hash: 'bad:big:hash',
    list: 'bad:big:list',
    set: 'bad:big:set',
    zset: 'bad:big:zset',
    stream: 'bad:big:stream',
    string: 'bad:big:string',
    wide: 'bad:big:wide',
    /** What each key must hold afterwards, to check a round trip. */
    expected: {
      'bad:big:hash': sizes.elements,
      'bad:big:list': sizes.elements,
      'bad:big:set': sizes.elements,
      'bad:big:zset': sizes.elements,
      'bad:big:stream': sizes.streamEntries,
      'bad:big:string': sizes.stringBytes,
      'bad:big:wide': sizes.wideFields,
    },
  };
}

const PER_COMMAND = 1_000;
const WIDE_VALUE_BYTES = 1024 * 1024;
const COMMANDS_PER_FLUSH = 50;

/**
 * Writes the big keys (replacing any with the same names) and returns how long it took.
 * @param {number} port
 * @param {BigKeySizes} sizes
 */
export async function seedBigKeys(port, sizes) {
  const started = performance.now();
  const redis = client(port);
  try {
    const names = bigKeyNames(sizes);
    await redis.unlink(...Object.keys(names.expected));
    let pipeline = redis.pipeline();
    let queued = 0;
    const flush = async (force = false) => {
      if (queued === 0 || (!force && queued < COMMANDS_PER_FLUSH)) return;
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.find(([error]) => error !== null);
      if (failed) throw failed[0];
      pipeline = redis.pipeline();
      queued = 0;
    };
    for (let start = 0; start < sizes.elements; start += PER_COMMAND) {
      const end = Math.min(sizes.elements, start + PER_COMMAND);
      /** @type {string[]} */
      const fields = [];
      /** @type {string[]} */
      const members = [];
      /** @type {(string | number)[]} */
      const scored = [];
      for (let i = start; i < end; i++) {
        fields.push(`field:${i}`, `value-${i}-${'x'.repeat(i % 24)}`);
        members.push(`member:${i}:${'y'.repeat(i % 16)}`);
        scored.push(i * 1.5, `member:${i}`);
      }
      pipeline.hset(names.hash, ...fields);
      pipeline.rpush(names.list, ...members);
      pipeline.sadd(names.set, ...members);
      pipeline.zadd(names.zset, ...scored);
      queued += 4;
      await flush();
    }
    for (let i = 0; i < sizes.streamEntries; i++) {
      pipeline.xadd(names.stream, '*', 'event', `e${i}`, 'payload', `p-${i}-${'z'.repeat(i % 32)}`);
      queued += 1;
      if (queued >= 1_000) await flush(true);
    }
    await flush(true);
    // One SET of the whole value: the server reads the argument over many event-loop turns.
    const text = Buffer.alloc(sizes.stringBytes);
    for (let i = 0; i < text.length; i++) text[i] = 97 + (i % 26);
    await redis.set(names.string, text);
    // Values of 1 MiB: a chunk of even ten of them is a 10 MiB copy.
    for (let i = 0; i < sizes.wideFields; i++) await redis.hset(names.wide, `wide:${i}`, Buffer.alloc(WIDE_VALUE_BYTES, 48 + (i % 10)));
    await redis.expire(names.hash, 7 * 24 * 3600);
    await redis.expire(names.zset, 7 * 24 * 3600);
    return { seconds: (performance.now() - started) / 1_000 };
  } finally {
    redis.disconnect();
  }
}

/**
 * What the big keys hold now (element counts, string length), null for a missing key.
 * @param {import('ioredis').Redis} redis
 * @param {BigKeySizes} sizes
 * @returns {Promise<Record<string, number | null>>}
 */
export async function bigKeyCounts(redis, sizes) {
  const names = bigKeyNames(sizes);
  const replies = (await redis
    .pipeline()
    .hlen(names.hash)
    .llen(names.list)
    .scard(names.set)
    .zcard(names.zset)
    .exists(names.stream)
    .xlen(names.stream)
    .strlen(names.string)
    .hlen(names.wide)
    .exec()) ?? [];
  const value = (/** @type {number} */ i) => Number(replies[i]?.[1] ?? 0);
  /** @param {number} n */
  const orNull = (n) => (n === 0 ? null : n);
  return {
    [names.hash]: orNull(value(0)),
    [names.list]: orNull(value(1)),
    [names.set]: orNull(value(2)),
    [names.zset]: orNull(value(3)),
    [names.stream]: value(4) === 0 ? null : value(5),
    [names.string]: orNull(value(6)),
    [names.wide]: orNull(value(7)),
  };
}
