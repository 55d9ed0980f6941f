// The per-key reads give the same columns whichever way they travel: Lua scripts, the lean RESP
// pipe, or ioredis pipelines, for the requests keys, bigkeys (lengths, exact memory with its cap)
// and audit-ttl (flagged PTTLs, types of flagged keys only) make, on single, Cluster and Sentinel,
// with binary key names and collections past the exact-memory cap.
import { Cluster } from 'ioredis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Topology } from '../../src/connection/topology.js';
import type { ReadPath, ScanOptions } from '../../src/core/scan/scan.js';
import { chooseReadPath, scanKeys } from '../../src/core/scan/scan.js';
import { EXACT_MEMORY_MAX_ELEMENTS, KEY_TYPES, UNKNOWN } from '../../src/core/scan/scan-batch.js';
import { adminClient } from '../fixtures/index.js';
import type { TopologySpec } from '../helpers/scan.js';
import { openTopology, uniquePrefix } from '../helpers/scan.js';

const redis = inject('redis');
const HOUR = 3_600_000;

interface Row {
  type: string;
  ttl: number;
  memory: number;
  length?: number;
  flags: number;
}

async function columns(topology: Topology, options: ScanOptions): Promise<{ rows: Map<string, Row>; notices: string[]; restarts: number }> {
  const rows = new Map<string, Row>();
  const notices: string[] = [];
  let restarts = 0;
  for await (const event of scanKeys(topology, options)) {
    if (event.kind === 'notice') notices.push(event.message);
    if (event.kind === 'node-restart' || event.kind === 'node-failed') restarts += 1;
    if (event.kind !== 'batch') continue;
    const { batch } = event;
    for (let i = 0; i < batch.size; i += 1) {
      const row: Row = { type: KEY_TYPES[batch.types[i]!]!, ttl: batch.ttls[i]!, memory: batch.memory[i]!, flags: batch.flags?.[i] ?? 0 };
      if (batch.lengths !== undefined) row.length = batch.lengths[i]!;
      rows.set(batch.keys[i]!.toString('hex'), row);
    }
  }
  return { rows, notices, restarts };
}

/** TTLs tick down between two scans: equal when both are the same code, or both within 10 s. */
function sameTtl(a: number, b: number): boolean {
  return a < 0 || b < 0 ? a === b : Math.abs(a - b) < 10_000;
}

const targets: { name: string; spec: () => TopologySpec; writer: () => Redis | Cluster }[] = [
  { name: 'single', spec: () => ({ kind: 'single', endpoint: redis.single }), writer: () => adminClient(redis.single.port) },
  { name: 'cluster', spec: () => ({ kind: 'cluster', seeds: redis.cluster.seeds }), writer: () => new Cluster(redis.cluster.seeds, { redisOptions: { protocol: 2 } }) },
  { name: 'sentinel', spec: () => ({ kind: 'sentinel', sentinels: redis.sentinel.sentinels, masterName: redis.sentinel.masterName }), writer: () => adminClient(redis.sentinel.master.port) },
];

describe.each(targets)('per-key reads on $name: script, lean pipe and ioredis pipelines agree', ({ spec, writer }) => {
  const prefix = uniquePrefix('readpaths');
  const written: Buffer[] = [];
  let client: Redis | Cluster;
  let topology: Topology;

  beforeAll(async () => {
    client = writer();
    const key = (suffix: string | Buffer) => {
      const name = Buffer.concat([Buffer.from(`${prefix}:`), Buffer.isBuffer(suffix) ? suffix : Buffer.from(suffix)]);
      written.push(name);
      return name;
    };
    for (let i = 0; i < 600; i += 1) {
      const ttl = i % 3 === 0 ? undefined : i % 3 === 1 ? HOUR : 72 * HOUR;
      const name = key(`k:${i}`);
      switch (i % 6) {
        case 0: await client.set(name, 'v'.repeat(i)); break;
        case 1: await client.rpush(name, ...Array.from({ length: 1 + (i % 17) }, (_, n) => `e${n}`)); break;
        case 2: await client.sadd(name, ...Array.from({ length: 1 + (i % 13) }, (_, n) => `m${n}`)); break;
        case 3: await client.zadd(name, ...Array.from({ length: 1 + (i % 11) }, (_, n) => [n, `z${n}`]).flat()); break;
        case 4: await client.hset(name, Object.fromEntries(Array.from({ length: 1 + (i % 9) }, (_, n) => [`f${n}`, `v${n}`]))); break;
        default: await client.xadd(name, '*', 'f', String(i)); break;
      }
      if (ttl !== undefined) await client.pexpire(name, ttl);
    }
    // Binary names, and collections past the exact-memory cap (sampled, flagged) and near it.
    await client.set(key(Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x2c])), 'binary');
    await client.set(key('new\nline'), 'v', 'PX', 48 * HOUR);
    await client.rpush(key('biglist'), ...Array.from({ length: EXACT_MEMORY_MAX_ELEMENTS + 100 }, (_, n) => `x${n}`));
    await client.hset(key('nearcap'), Object.fromEntries(Array.from({ length: EXACT_MEMORY_MAX_ELEMENTS - 10 }, (_, n) => [`f${n}`, 'v'])));
    topology = await openTopology(spec());
  });

  afterAll(async () => {
    await topology.close();
    for (const name of written) await client.del(name);
    client.disconnect();
  });

  const requests: [string, Omit<ScanOptions, 'match'>][] = [
    ['keys', { wantType: true, wantTtl: true, wantMemory: true }],
    ['keys --samples 0 (exact, capped)', { wantType: true, wantTtl: true, wantMemory: true, samples: 0 }],
    ['bigkeys (lengths)', { wantType: true, wantTtl: true, wantMemory: true, wantLength: true, samples: 0 }],
    ['audit-ttl (flag above 24 h, type the flagged keys)', { wantType: true, wantTtl: false, wantMemory: false, ttlFlagAbove: 24 * HOUR }],
    ['audit-ttl (no expiry only)', { wantType: false, wantTtl: false, wantMemory: false, ttlFlagAbove: Infinity }],
  ];

  it.each(requests)('%s', async (_name, request) => {
    const match = Buffer.from(`${prefix}:*`);
    const byPath = new Map<ReadPath, Map<string, Row>>();
    for (const readPath of ['script', 'lean', 'pipeline'] as const) {
      const { rows, notices, restarts } = await columns(topology, { ...request, match, readPath });
      expect(restarts, readPath).toBe(0);
      expect(notices.filter((notice) => !/hold more than/.test(notice)), readPath).toEqual([]);
      byPath.set(readPath, rows);
    }
    const script = byPath.get('script')!;
    expect(script.size).toBe(written.length);
    for (const readPath of ['lean', 'pipeline'] as const) {
      const other = byPath.get(readPath)!;
      expect([...other.keys()].sort(), readPath).toEqual([...script.keys()].sort());
      for (const [hex, row] of script) {
        const got = other.get(hex)!;
        const where = `${readPath} ${Buffer.from(hex, 'hex').toString('latin1')}`;
        expect({ ...got, ttl: 0 }, where).toEqual({ ...row, ttl: 0 });
        expect(sameTtl(got.ttl, row.ttl), `${where}: ttl ${got.ttl} vs ${row.ttl}`).toBe(true);
      }
    }
    if (request.samples === 0) expect(script.get(Buffer.from(`${prefix}:biglist`).toString('hex'))!.flags).toBe(1);
  });

  it('bigkeys without TTLs: PTTL only for keys of at least ttlFromMemory bytes (every key on the script path)', async () => {
    const match = Buffer.from(`${prefix}:*`);
    const base = { wantType: true, wantTtl: false, wantMemory: true, wantLength: true, match };
    const truth = (await columns(topology, { ...base, wantTtl: true, readPath: 'script' })).rows;
    const memories = [...truth.values()].map((row) => row.memory).sort((a, b) => a - b);
    // Half the keys, the bigger half, get their TTL read.
    const threshold = memories[Math.floor(memories.length / 2)]!;
    for (const readPath of ['lean', 'pipeline', 'script'] as const) {
      const { rows } = await columns(topology, { ...base, ttlFromMemory: threshold, readPath });
      expect(rows.size, readPath).toBe(truth.size);
      let read = 0;
      for (const [hex, row] of rows) {
        const expected = truth.get(hex)!;
        const where = `${readPath} ${Buffer.from(hex, 'hex').toString('latin1')}`;
        expect({ ...row, ttl: 0 }, where).toEqual({ ...expected, ttl: 0 });
        if (readPath === 'script' || row.memory >= threshold) {
          read += 1;
          expect(sameTtl(row.ttl, expected.ttl), `${where}: ttl ${row.ttl} vs ${expected.ttl}`).toBe(true);
        } else expect(row.ttl, where).toBe(UNKNOWN);
      }
      expect(read, readPath).toBeGreaterThanOrEqual(truth.size / 2);
      if (readPath !== 'script') expect(read, readPath).toBeLessThan(truth.size);
    }
  });
});

describe('chooseReadPath', () => {
  const keys = { wantType: true, wantTtl: true, wantMemory: true };
  it('reads type / TTL / memory columns over the lean pipe, and keeps scripts where they measured as good or only they do the work', () => {
    expect(chooseReadPath(keys, false)).toBe('lean');
    // The audit: scripts (see chooseReadPath's comment for the measurements); bigkeys' lengths: lean.
    expect(chooseReadPath({ wantType: true, wantTtl: false, wantMemory: false, ttlFlagAbove: 1 }, false)).toBe('script');
    expect(chooseReadPath({ ...keys, wantLength: true }, false)).toBe('lean');
    // Hash field TTLs are classified by the scripts only.
    expect(chooseReadPath(keys, true)).toBe('script');
    // A bare SCAN (a purge plan without memory) keeps the batch sizing tuned on the script path.
    expect(chooseReadPath({ wantType: false, wantTtl: false, wantMemory: false }, false)).toBe('script');
    // Without scripts, the lean pipe does all of it; ioredis pipelines only when asked for.
    expect(chooseReadPath({ ...keys, wantLength: true, noScripts: true }, true)).toBe('lean');
    expect(chooseReadPath({ ...keys, noScripts: true, readPath: 'pipeline' }, false)).toBe('pipeline');
    expect(chooseReadPath({ ...keys, readPath: 'script' }, false)).toBe('script');
  });
});
