// The backup's DUMP step never DUMPs a key over the limits (it reports it as big, with its type and
// size), and one script stops at its budget and leaves the rest to the next one: with scripts and
// through pipelines alike.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DumpLimits } from '../../src/core/purge/dump.js';
import { dumpKeys, isBigKey } from '../../src/core/purge/dump.js';
import { adminClient } from '../fixtures/index.js';

const redis = inject('redis');
const P = 'dump-limits:';
let client: Redis;

beforeAll(async () => {
  client = adminClient(redis.single.port);
  for (let i = 0; i < 10; i += 1) await client.set(`${P}small:${i}`, `value-${i}`, 'PX', 600_000);
  await client.hset(`${P}hash`, ...Array.from({ length: 50 }, (_, i) => [`f${i}`, `v${i}`]).flat());
  await client.set(`${P}string`, Buffer.alloc(5000, 'x'));
});

afterAll(async () => {
  const keys = await client.keys(`${P}*`);
  if (keys.length > 0) await client.del(...keys);
  client.disconnect();
});

async function evalCalls(): Promise<number> {
  const stats = await client.info('commandstats');
  return [...stats.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}

describe.each([true, false])('dumpKeys (scripts: %s)', (useScript) => {
  it('reports keys over the element or byte limit as big instead of DUMPing them', async () => {
    const limits: DumpLimits = { bigBytes: 2000, bigElements: 20, budgetBytes: 1e9, budgetElements: 1e9 };
    const keys = [`${P}small:0`, `${P}hash`, `${P}string`, `${P}missing`].map((key) => Buffer.from(key));
    const [first, hash, string, missing] = await dumpKeys(client, keys, useScript, limits);
    const small = first ?? null;
    expect(small !== null && !isBigKey(small) && small.pttl > 0).toBe(true);
    expect(hash).toMatchObject({ big: true, type: 'hash', elements: 50 });
    expect(string).toMatchObject({ big: true, type: 'string', elements: 0 });
    expect(isBigKey(string!) && string.bytes >= 5000).toBe(true);
    expect(missing).toBeNull();
    // The small key's payload restores to the same value.
    if (small !== null && !isBigKey(small)) {
      await client.restore(`${P}copy`, 0, small.payload, 'REPLACE');
      expect(await client.get(`${P}copy`)).toBe('value-0');
    }
  });

  it('spreads keys over several scripts once a budget is spent, reading every key once', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => Buffer.from(`${P}small:${i}`));
    const one = Number(await client.call('MEMORY', 'USAGE', keys[0]!, 'SAMPLES', '5'));
    // About three keys per script.
    const limits: DumpLimits = { bigBytes: 1e9, bigElements: 1e9, budgetBytes: one * 3, budgetElements: 1e9 };
    const calls = await evalCalls();
    const results = await dumpKeys(client, keys, useScript, limits);
    const scripts = (await evalCalls()) - calls;
    expect(results.map((result) => (result === null || isBigKey(result) ? null : result.payload.length > 0))).toEqual(keys.map(() => true));
    if (useScript) expect(scripts).toBeGreaterThanOrEqual(3);
    else expect(scripts).toBe(0);
  });
});
