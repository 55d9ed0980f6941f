// purge --backup and restore of keys too big for one DUMP: a 200k-field hash, a 50 MB string and a
// big list, set, sorted set and stream come back element for element with their TTLs (and, on
// servers with hash field expiration, each field's own expiry), while no call cachectl makes shows
// up in SLOWLOG as a DUMP or RESTORE of a big key. A PING probe in a child process measures what
// other clients waited. Runs in the server matrix too (Redis 7.4 and Valkey for field TTLs).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect } from '../../src/connection/connect.js';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import type { Topology } from '../../src/connection/topology.js';
import { disposePlan, planPurge } from '../../src/core/purge/plan.js';
import { purgeSession } from '../../src/core/purge/session.js';
import type { PurgeSummary } from '../../src/core/purge/tally.js';
import type { RestoreSummary } from '../../src/core/purge/restore.js';
import { executeRestore, planRestore } from '../../src/core/purge/restore.js';
import { adminClient } from '../fixtures/index.js';

const redis = inject('redis');
const P = 'bigkey';
const HOUR = 3_600_000;
const HASH_FIELDS = 200_000;
const STRING_BYTES = 50 * 1024 * 1024;
const ELEMENTS = 100_000;
const STREAM_ENTRIES = 30_000;
const FIELD_TTL_FIELDS = 12_000;

let admin: Redis;
let topology: Topology;
let dir: string;
let fieldTtls = false;

interface SlowEntry {
  micros: number;
  command: string;
  key: string;
  client: string;
}

async function slowlog(): Promise<SlowEntry[]> {
  const entries = (await admin.call('SLOWLOG', 'GET', '-1')) as unknown[][];
  return entries.map((entry) => {
    const args = entry[3] as unknown[];
    return { micros: Number(entry[2]), command: String(args[0]).toUpperCase(), key: String(args[1] ?? ''), client: String(entry[5] ?? '') };
  });
}

/** The server time of one command, from SLOWLOG (threshold 0 while it runs). */
async function serverMicros(...command: string[]): Promise<number> {
  await admin.config('SET', 'slowlog-log-slower-than', '0');
  await admin.slowlog('RESET');
  await admin.callBuffer(command[0]!, ...command.slice(1));
  const entry = (await slowlog()).find((candidate) => candidate.command === command[0]!.toUpperCase());
  await admin.config('SET', 'slowlog-log-slower-than', '5000');
  return entry?.micros ?? 0;
}

/** A PING every 2 ms from another process (this one is busy running cachectl): the slowest round trip. */
function startProbe(port: number): { stop(): Promise<{ maxMs: number; pings: number }> } {
  const source = `
    const net = require('node:net');
    const socket = net.connect(${port}, '127.0.0.1');
    let max = 0, pings = 0, sent = 0n, stop = false;
    const ping = () => { sent = process.hrtime.bigint(); socket.write('PING\\r\\n'); };
    socket.on('connect', ping);
    socket.on('data', () => {
      const ms = Number(process.hrtime.bigint() - sent) / 1e6;
      if (ms > max) max = ms;
      pings += 1;
      if (stop) { process.stdout.write(JSON.stringify({ maxMs: max, pings }), () => process.exit(0)); return; }
      setTimeout(ping, 2);
    });
    process.stdin.on('data', () => { stop = true; });
  `;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (data: Buffer) => (out += data.toString()));
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        child.on('exit', () => {
          try {
            resolve(JSON.parse(out) as { maxMs: number; pings: number });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
        child.stdin.write('x');
      }),
  };
}

async function fill(total: number, batch: number, add: (from: number, to: number) => Promise<unknown>): Promise<void> {
  for (let from = 0; from < total; from += batch) await add(from, Math.min(total, from + batch));
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Every value as a digest, read element by element (never one DUMP), with TTLs rounded to minutes. */
async function snapshot(): Promise<Record<string, string>> {
  const digest = (parts: (string | Buffer)[]) => {
    const hash = createHash('sha1');
    for (const part of parts) hash.update(part).update('\x00');
    return `${parts.length}:${hash.digest('hex')}`;
  };
  const scanAll = async (command: 'HSCAN' | 'SSCAN' | 'ZSCAN', key: string, group: number): Promise<string[]> => {
    const rows: string[] = [];
    let cursor = '0';
    do {
      const [next, items] = (await admin.call(command, key, cursor, 'COUNT', '1000')) as [string, string[]];
      cursor = next;
      for (let i = 0; i < items.length; i += group) rows.push(items.slice(i, i + group).join('\x01'));
    } while (cursor !== '0');
    return [...new Set(rows)].sort();
  };
  const out: Record<string, string> = {};
  out.hash = digest(await scanAll('HSCAN', `${P}:hash`, 2));
  out.set = digest(await scanAll('SSCAN', `${P}:set`, 1));
  out.zset = digest(await scanAll('ZSCAN', `${P}:zset`, 2));
  out.string = digest([(await admin.getBuffer(`${P}:string`)) ?? Buffer.alloc(0)]);
  out.list = digest(await admin.lrange(`${P}:list`, 0, -1));
  out.stream = digest([JSON.stringify(await admin.xrange(`${P}:stream`, '-', '+'))]);
  const info = (await admin.call('XINFO', 'STREAM', `${P}:stream`)) as unknown[];
  out.streamLastId = String(info[info.indexOf('last-generated-id') + 1]);
  out.grouped = digest([JSON.stringify(await admin.xrange(`${P}:grouped`, '-', '+')), JSON.stringify(await admin.call('XINFO', 'GROUPS', `${P}:grouped`))]);
  if (fieldTtls) {
    const fields = range(0, FIELD_TTL_FIELDS).map((i) => `f${i}`);
    const times = (await admin.call('HPEXPIRETIME', `${P}:fttl`, 'FIELDS', String(fields.length), ...fields)) as number[];
    out.fieldTtls = digest(times.map(String));
    out.fttl = digest(await scanAll('HSCAN', `${P}:fttl`, 2));
  }
  return out;
}

/** Absolute expiry (Unix ms) of the keys that have one, from PTTL. */
async function expiries(): Promise<number[]> {
  const out: number[] = [];
  for (const key of ['hash', 'string', 'list']) out.push(Date.now() + Number(await admin.pttl(`${P}:${key}`)));
  return out;
}

beforeAll(async () => {
  admin = adminClient(redis.single.port);
  await admin.flushall();
  const info = (await admin.call('COMMAND', 'INFO', 'hpexpire')) as unknown[];
  fieldTtls = info[0] !== null && info[0] !== undefined;
  dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-bigkey-'));
  await fill(HASH_FIELDS, 5000, (from, to) => admin.hset(`${P}:hash`, ...range(from, to).flatMap((i) => [`field:${i}`, `value:${i}`])));
  await admin.pexpire(`${P}:hash`, HOUR);
  const value = Buffer.allocUnsafe(STRING_BYTES);
  for (let i = 0; i < value.length; i += 4) value.writeUInt32LE(Math.imul(i, 2654435761) >>> 0, i);
  await admin.set(`${P}:string`, value, 'PX', 2 * HOUR);
  await fill(ELEMENTS, 5000, (from, to) => admin.rpush(`${P}:list`, ...range(from, to).map((i) => `item:${i}`)));
  await admin.pexpire(`${P}:list`, 3 * HOUR);
  await fill(ELEMENTS, 5000, (from, to) => admin.sadd(`${P}:set`, ...range(from, to).map((i) => `member:${i}`)));
  await fill(ELEMENTS, 5000, (from, to) => admin.zadd(`${P}:zset`, ...range(from, to).flatMap((i) => [String(i / 7), `m:${i}`])));
  await admin.zadd(`${P}:zset`, '-inf', 'low', 'inf', 'high');
  await fill(STREAM_ENTRIES, 1000, async (from, to) => {
    const pipeline = admin.pipeline();
    for (const i of range(from, to)) pipeline.xadd(`${P}:stream`, `${i + 1}-${i % 3}`, 'n', String(i), 'pad', 'x'.repeat(16));
    await pipeline.exec();
  });
  // Deleted entries leave last-generated-id (and max-deleted-entry-id) ahead of what XRANGE shows.
  await admin.xadd(`${P}:stream`, `${STREAM_ENTRIES + 5}-0`, 'gone', '1');
  await admin.xdel(`${P}:stream`, `${STREAM_ENTRIES + 5}-0`);
  // A stream with a consumer group: chunks cannot capture its pending entries, so it is DUMPed whole.
  await fill(5000, 1000, async (from, to) => {
    const pipeline = admin.pipeline();
    for (const i of range(from, to)) pipeline.xadd(`${P}:grouped`, '*', 'n', String(i));
    await pipeline.exec();
  });
  await admin.xgroup('CREATE', `${P}:grouped`, 'workers', '0');
  await admin.xreadgroup('GROUP', 'workers', 'w1', 'COUNT', '10', 'STREAMS', `${P}:grouped`, '>');
  if (fieldTtls) {
    await fill(FIELD_TTL_FIELDS, 3000, (from, to) => admin.hset(`${P}:fttl`, ...range(from, to).flatMap((i) => [`f${i}`, `v${i}`])));
    const expiring = range(0, FIELD_TTL_FIELDS).filter((i) => i % 3 === 0).map((i) => `f${i}`);
    for (let i = 0; i < expiring.length; i += 1000) {
      const fields = expiring.slice(i, i + 1000);
      await admin.call('HPEXPIRE', `${P}:fttl`, String(HOUR + i), 'FIELDS', String(fields.length), ...fields);
    }
  }
  for (let i = 0; i < 50; i += 1) await admin.set(`${P}:small:${i}`, `v${i}`);
  await admin.set('other', 'kept');
  await admin.config('SET', 'slowlog-max-len', '100000');
  topology = await connect({ ...defaultConnectionOptions(), endpoints: [{ host: redis.single.host, port: redis.single.port }] });
}, 300_000);

afterAll(async () => {
  await topology?.close();
  await admin.config('SET', 'slowlog-log-slower-than', '10000');
  await admin.config('SET', 'slowlog-max-len', '128');
  await admin.flushall();
  admin.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe('big keys through purge --backup and restore', () => {
  it('are read and written in chunks: identical values and TTLs, no big DUMP or RESTORE in SLOWLOG', async () => {
    const before = await snapshot();
    const expiresBefore = await expiries();
    // What one DUMP of the big values costs this server (the old backup did exactly that).
    const dumpHashMicros = await serverMicros('DUMP', `${P}:hash`);
    const dumpStringMicros = await serverMicros('DUMP', `${P}:string`);
    expect(dumpHashMicros).toBeGreaterThan(5000);

    const plan = await planPurge(topology, Buffer.from(`${P}:*`), { memory: 'exact', backup: true });
    // The plan counts by memory, as MEMORY USAGE (5 samples, like the plan's scan) reports it.
    let big = 0;
    for (const key of await admin.keys(`${P}:*`)) if (Number(await admin.call('MEMORY', 'USAGE', key, 'SAMPLES', '5')) > 256 * 1024) big += 1;
    expect(big).toBeGreaterThanOrEqual(fieldTtls ? 6 : 5);
    expect(plan.bigKeys).toEqual({ keys: big, overBytes: 256 * 1024 });
    expect(plan.notices.join('\n')).toContain(`${big} keys are larger than 256 KiB: the backup reads them in chunks`);

    const file = path.join(dir, 'backup');
    await admin.slowlog('RESET');
    let probe = startProbe(redis.single.port);
    let summary: PurgeSummary | undefined;
    const notices: string[] = [];
    try {
      // The grouped stream only DUMP can read: accepted here (by default it is left in place, see stall-bound.test.ts).
      for await (const event of purgeSession(topology, plan, { backupFile: file, tool: 'cachectl test', allowWholeDump: true })) {
        if (event.kind === 'done') summary = event.summary;
        if (event.kind === 'notice') notices.push(event.message);
      }
    } finally {
      disposePlan(plan);
    }
    const purgeProbe = await probe.stop();
    const purgeSlow = (await slowlog()).filter((entry) => entry.client === 'cachectl');
    expect(summary?.status).toBe('complete');
    expect(summary?.deleted).toBe(plan.matched);
    expect(await admin.exists(`${P}:hash`, `${P}:string`)).toBe(0);
    expect(notices.join('\n')).toMatch(/key "?bigkey:grouped"? is a stream with 1 consumer group .*backed up with one DUMP/);

    const restorePlan = await planRestore(topology, file);
    expect(restorePlan.toRestore).toBe(plan.matched);
    await admin.slowlog('RESET');
    probe = startProbe(redis.single.port);
    let restored: RestoreSummary | undefined;
    for await (const event of executeRestore(topology, restorePlan)) if (event.kind === 'done') restored = event.summary;
    const restoreProbe = await probe.stop();
    const restoreSlow = (await slowlog()).filter((entry) => entry.client === 'cachectl');
    expect(restored?.status).toBe('complete');
    expect(restored?.restored).toBe(plan.matched);

    const bigNames = new Set(['hash', 'string', 'list', 'set', 'zset', 'stream', 'fttl'].map((name) => `${P}:${name}`));
    const whole = [...purgeSlow, ...restoreSlow].filter((entry) => /^(DUMP|RESTORE|EVALSHA|EVAL)$/.test(entry.command) && bigNames.has(entry.key));
    expect(whole).toEqual([]);
    const worst = (entries: SlowEntry[]) => entries.reduce((max, entry) => Math.max(max, entry.micros), 0);
    const figures = {
      dumpHashMs: dumpHashMicros / 1000,
      dumpStringMs: dumpStringMicros / 1000,
      purge: { slowEntries: purgeSlow.length, worstMs: worst(purgeSlow) / 1000, worst: purgeSlow.sort((a, b) => b.micros - a.micros).slice(0, 3), pingMaxMs: purgeProbe.maxMs, pings: purgeProbe.pings },
      restore: { slowEntries: restoreSlow.length, worstMs: worst(restoreSlow) / 1000, worst: restoreSlow.sort((a, b) => b.micros - a.micros).slice(0, 3), pingMaxMs: restoreProbe.maxMs, pings: restoreProbe.pings },
    };
    console.log(`big-key backup figures: ${JSON.stringify(figures)}`);
    expect(await snapshot()).toEqual(before);
    // Each key expires when it would have (PTTL is read a little later after the restore).
    const expiresAfter = await expiries();
    expiresAfter.forEach((at, i) => expect(Math.abs(at - expiresBefore[i]!)).toBeLessThan(5000));
    // No temporary key is left behind.
    expect(await admin.keys('*cachectl-restore*')).toEqual([]);
    // Generous: a busy 2-core CI machine stretches any command now and then, but never to a whole DUMP.
    expect(worst(purgeSlow)).toBeLessThan(dumpHashMicros);
    expect(worst(restoreSlow)).toBeLessThan(dumpHashMicros);
  }, 600_000);
});
