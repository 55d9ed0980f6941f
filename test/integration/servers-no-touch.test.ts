// An inspection must not disturb the cache: previews leave a key's idle time and LFU counter alone
// where the server has CLIENT NO-TOUCH (Redis 7.2+, Valkey), and say so where it cannot.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect } from '../../src/connection/connect.js';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import type { Topology } from '../../src/connection/topology.js';
import { previewKey, type KeyPreview } from '../../src/core/browse/preview.js';
import { adminClient, sleep } from '../fixtures/index.js';

const redis = inject('redis');
const P = 'notouch:';

let admin: Redis;
let topology: Topology;
/** Asked of the server, as cachectl does: does it have CLIENT NO-TOUCH? */
let hasNoTouch = false;
let policy = 'noeviction';

async function preview(name: string): Promise<KeyPreview> {
  const key = Buffer.from(`${P}${name}`);
  return previewKey(topology.nodeForKey(key), key);
}

beforeAll(async () => {
  admin = adminClient(redis.single.port);
  const info = (await admin.call('COMMAND', 'INFO', 'client|no-touch')) as unknown[];
  hasNoTouch = info[0] !== null;
  policy = String(((await admin.config('GET', 'maxmemory-policy')) as string[])[1]);
  const options = defaultConnectionOptions();
  options.endpoints = [redis.single];
  topology = await connect(options);
});

afterAll(async () => {
  await admin.config('SET', 'maxmemory-policy', policy);
  const mine = await admin.keys(`${P}*`);
  if (mine.length > 0) await admin.del(...mine);
  admin.disconnect();
  await topology.close();
});

describe('previews and key access time', () => {
  it('OBJECT IDLETIME keeps growing across previews where the server has CLIENT NO-TOUCH; otherwise it resets and the preview says so', async () => {
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await admin.set(`${P}idle`, 'v');
    await admin.hset(`${P}idle-hash`, 'f', 'v');
    await sleep(2_100);
    for (const name of ['idle', 'idle-hash']) {
      const result = await preview(name);
      if (!result.exists) throw new Error('expected the key');
      expect(result.touch).toBe(hasNoTouch ? 'no-touch' : 'unsupported');
      const idle = Number(await admin.object('IDLETIME', `${P}${name}`));
      if (hasNoTouch) expect(idle).toBeGreaterThanOrEqual(2);
      else expect(idle).toBeLessThanOrEqual(1);
    }
  });

  it('OBJECT FREQ is unchanged after three previews under an LFU policy (where NO-TOUCH exists)', async () => {
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lfu');
    await admin.set(`${P}freq`, 'v');
    const before = Number(await admin.object('FREQ', `${P}freq`));
    for (let i = 0; i < 3; i += 1) await preview('freq');
    const after = Number(await admin.object('FREQ', `${P}freq`));
    // A fresh key's counter (5) rises on every access: three reads would show.
    if (hasNoTouch) expect(after).toBe(before);
    else expect(after).toBeGreaterThan(before);
  });
});
