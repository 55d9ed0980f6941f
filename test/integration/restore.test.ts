// purge --backup + restore: the round trip restores every value, type and TTL (binary names, large
// hashes, every type), and damaged, cut-short or incompatible backups fail clearly, naming where.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Topology } from '../../src/connection/topology.js';
import type { BackupHeader, ReadRecord } from '../../src/core/purge/backup.js';
import { BACKUP_FORMAT_VERSION, BackupReader, BackupWriter } from '../../src/core/purge/backup.js';
import { CachectlError } from '../../src/base/errors.js';
import { disposePlan, planPurge } from '../../src/core/purge/plan.js';
import { executePurge } from '../../src/core/purge/execute.js';
import type { RestoreOptions, RestorePlanOptions, RestoreSummary } from '../../src/core/purge/restore.js';
import { executeRestore, planRestore } from '../../src/core/purge/restore.js';
import { rdbRefusal } from '../../src/core/purge/rdb-version.js';
import { parseInfo, serverLabel } from '../../src/base/info.js';
import type { TopologyName } from '../helpers/purge-topologies.js';
import { flipByte, latin1, open, optionsFor, perOwner, purge, removeMatching, serverMatches, snapshotKeys, writeStrings } from '../helpers/purge-topologies.js';

const redis = inject('redis');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-restore-it-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header: BackupHeader = {
  formatVersion: BACKUP_FORMAT_VERSION,
  createdAt: new Date().toISOString(),
  source: { topology: 'test', nodes: [], db: 0 },
  pattern: { key: 'restore-it:*' },
  tool: 'cachectl test',
};

/** One key of every type, binary names and values, a hash large enough for the hashtable encoding, TTLs. */
async function seedVariety(topology: Topology, prefix: string): Promise<Buffer[]> {
  const key = (suffix: string) => latin1(prefix + suffix);
  const keys: Buffer[] = [];
  const on = async (k: Buffer, fn: (client: Redis) => Promise<unknown>) => {
    keys.push(k);
    await fn(await topology.nodeForKey(k).ready());
  };
  await on(key('str'), (c) => c.set(key('str'), latin1('value\x00\xff\n'), 'PX', 600_000));
  await on(key('bin:\xff\x00\n*?'), (c) => c.set(key('bin:\xff\x00\n*?'), Buffer.from([0, 1, 2, 255])));
  await on(key('large'), (c) => c.set(key('large'), Buffer.alloc(1024 * 1024, 'x'), 'PX', 900_000));
  await on(key('hash:big'), async (c) => {
    const fields: (string | Buffer)[] = [];
    for (let i = 0; i < 3000; i += 1) fields.push(latin1(`field:${i}:\xfe`), `value-${i}`.repeat(3));
    await c.hset(key('hash:big'), ...fields);
    await c.pexpire(key('hash:big'), 700_000);
  });
  await on(key('hash:small'), (c) => c.hset(key('hash:small'), 'a', '1', 'b', latin1('\xff')));
  await on(key('list'), (c) => c.rpush(key('list'), ...Array.from({ length: 300 }, (_, i) => `item-${i}`)));
  await on(key('set'), (c) => c.sadd(key('set'), ...Array.from({ length: 200 }, (_, i) => `member-${i}`)));
  await on(key('intset'), (c) => c.sadd(key('intset'), 1, 2, 3, 40000));
  await on(key('zset'), (c) => c.zadd(key('zset'), '-inf', 'low', 'inf', 'high', ...Array.from({ length: 300 }, (_, i) => [String(i / 3), `m${i}`]).flat()));
  await on(key('stream'), async (c) => {
    for (let i = 0; i < 20; i += 1) await c.xadd(key('stream'), '*', 'n', String(i), 'bin', latin1('\xff'));
  });
  await on(key('{tag}:a'), (c) => c.set(key('{tag}:a'), 'tagged', 'PX', 800_000));
  return keys;
}

async function restore(topology: Topology, file: string, plan: RestorePlanOptions = {}, options: RestoreOptions = {}): Promise<RestoreSummary> {
  const restorePlan = await planRestore(topology, file, plan);
  let summary: RestoreSummary | undefined;
  for await (const event of executeRestore(topology, restorePlan, options)) if (event.kind === 'done') summary = event.summary;
  return summary!;
}

async function allRecords(file: string): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  for await (const record of new BackupReader(file).records()) out.push(record);
  return out;
}

describe.each(['single', 'cluster', 'sentinel'] as TopologyName[])('purge --backup and restore on %s', (name) => {
  let topology: Topology;
  const prefix = `restore-it:${name}:`;
  beforeAll(async () => {
    topology = await open(optionsFor(name, redis));
  });
  afterAll(async () => {
    await removeMatching(topology, latin1(`${prefix}*`));
    await topology.close();
  });

  it('restores every key byte-identical in value and type, with its remaining TTL', async () => {
    const keys = await seedVariety(topology, prefix);
    const before = await snapshotKeys(topology, keys);
    const file = path.join(dir, `${name}-roundtrip.bak`);
    const backup = await BackupWriter.create(file, header);
    const { summary } = await purge(topology, latin1(`${prefix}*`), { execute: { backup } });
    await backup.close();
    expect(summary.deleted).toBe(keys.length);
    expect(summary.backup?.records).toBe(keys.length);
    expect((await serverMatches(topology, latin1(`${prefix}*`))).size).toBe(0);

    const started = Date.now();
    const restorePlan = await planRestore(topology, file);
    expect(restorePlan).toMatchObject({ records: keys.length, toRestore: keys.length, expired: 0, existing: 0 });
    expect(restorePlan.ending.kind).toBe('complete');
    let result: RestoreSummary | undefined;
    for await (const event of executeRestore(topology, restorePlan)) if (event.kind === 'done') result = event.summary;
    expect(result).toMatchObject({ status: 'complete', restored: keys.length, expired: 0, existing: 0, notReached: 0 });

    const after = await snapshotKeys(topology, keys);
    const elapsed = Date.now() - started;
    for (const [key, was] of before) {
      const now = after.get(key)!;
      expect(now.type, key).toBe(was.type);
      expect(now.value, key).toBe(was.value);
      // Byte for byte where Redis serializes deterministically; a hashtable-encoded hash or set is
      // dumped in bucket order, which the rebuilt table does not share (their contents are equal above).
      if (!key.endsWith('hash:big') && !key.endsWith(':set')) expect(now.dump, key).toBe(was.dump);
      if (was.pttl === -1) expect(now.pttl, key).toBe(-1);
      else {
        expect(now.pttl, key).toBeLessThanOrEqual(was.pttl);
        expect(was.pttl - now.pttl, key).toBeLessThanOrEqual(elapsed + 2_000);
      }
    }
  });
});

describe('restore on single', () => {
  let topology: Topology;
  const prefix = 'restore-it:cases:';
  const all = latin1(`${prefix}*`);
  beforeAll(async () => {
    topology = await open(optionsFor('single', redis));
  });
  afterAll(async () => {
    await removeMatching(topology, all);
    await topology.close();
  });

  async function backedUpPurge(file: string, keys: Buffer[], pattern = all): Promise<void> {
    await writeStrings(topology, keys, (key) => Buffer.concat([key, latin1(':value')]));
    const backup = await BackupWriter.create(file, header);
    await purge(topology, pattern, { execute: { backup } });
    await backup.close();
  }

  it('never overwrites keys that exist unless --replace', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => latin1(`${prefix}replace:${i}`));
    const file = path.join(dir, 'replace.bak');
    await backedUpPurge(file, keys);
    await writeStrings(topology, keys.slice(0, 5), () => 'newer');
    const plan = await planRestore(topology, file);
    expect(plan.existing).toBe(5);
    const kept = await restore(topology, file);
    expect(kept).toMatchObject({ status: 'complete', restored: 15, existing: 5 });
    const client = await topology.masters()[0]!.ready();
    expect(await client.get(keys[0]!)).toBe('newer');
    const replaced = await restore(topology, file, {}, { replace: true });
    expect(replaced).toMatchObject({ status: 'complete', restored: 20, existing: 0 });
    expect(await client.get(keys[0]!)).toBe(`${prefix}replace:0:value`);
    await removeMatching(topology, all);
  });

  it('skips and counts keys whose TTL ran out since the backup', async () => {
    const file = path.join(dir, 'expired.bak');
    const shortLived = latin1(`${prefix}ttl:short`);
    const longLived = latin1(`${prefix}ttl:long`);
    await writeStrings(topology, [shortLived], () => 'x', 300);
    await writeStrings(topology, [longLived], () => 'y', 600_000);
    const backup = await BackupWriter.create(file, header);
    await purge(topology, latin1(`${prefix}ttl:*`), { execute: { backup } });
    await backup.close();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const plan = await planRestore(topology, file);
    expect(plan).toMatchObject({ records: 2, toRestore: 1, expired: 1 });
    const summary = await restore(topology, file);
    expect(summary).toMatchObject({ restored: 1, expired: 1 });
    expect([...(await serverMatches(topology, latin1(`${prefix}ttl:*`)))]).toEqual([longLived.toString('latin1')]);
    await removeMatching(topology, all);
  });

  it('restores nothing from a damaged file and names the offset and key', async () => {
    const file = path.join(dir, 'flipped.bak');
    const keys = Array.from({ length: 30 }, (_, i) => latin1(`${prefix}flip:${i}`));
    await backedUpPurge(file, keys);
    const records = await allRecords(file);
    const damaged = records[17]!;
    const data = readFileSync(file);
    flipByte(data, damaged.offset + 17 + damaged.key.length + 2, 0x40);
    writeFileSync(file, data);
    const error = await planRestore(topology, file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CachectlError);
    expect((error as CachectlError).message).toContain(`byte offset ${damaged.offset}`);
    expect((error as CachectlError).message).toContain(damaged.key.toString('latin1'));
    expect((error as CachectlError).exitCode).toBe(2);
    expect((await serverMatches(topology, all)).size).toBe(0);
  });

  it('refuses a cut-short file unless --allow-truncated, then restores its intact records', async () => {
    const file = path.join(dir, 'cut.bak');
    const keys = Array.from({ length: 30 }, (_, i) => latin1(`${prefix}cut:${i}`));
    await backedUpPurge(file, keys);
    const records = await allRecords(file);
    writeFileSync(file, readFileSync(file).subarray(0, records[20]!.offset + 9));
    const error = await planRestore(topology, file).catch((e: unknown) => e);
    expect((error as CachectlError).message).toMatch(new RegExp(`cut off inside a record at byte offset ${records[20]!.offset}, after 20 intact records`));
    expect((error as CachectlError).hint).toMatch(/--allow-truncated/);
    expect((await serverMatches(topology, all)).size).toBe(0);
    const summary = await restore(topology, file, { allowTruncated: true }, { allowTruncated: true });
    expect(summary).toMatchObject({ status: 'complete', restored: 20, records: 20 });
    expect([...(await serverMatches(topology, all))].sort()).toEqual(records.slice(0, 20).map((r) => r.key.toString('latin1')).sort());
    await removeMatching(topology, all);
  });

  /** A backup of 3,000 strings whose record #2501 has its payload changed by `change`. */
  async function backupWithChangedRecord(name: string, change: (payload: Buffer) => void): Promise<ReadRecord[]> {
    const good = path.join(dir, `${name}-source.bak`);
    const keys = Array.from({ length: 3000 }, (_, i) => latin1(`${prefix}${name}:${i}`));
    await backedUpPurge(good, keys);
    const records = await allRecords(good);
    const writer = await BackupWriter.create(path.join(dir, `${name}.bak`), header);
    records.forEach((record, index) => {
      const payload = Buffer.from(record.payload);
      if (index === 2500) change(payload);
      writer.append({ key: record.key, payload, expireAt: record.expireAt });
    });
    await writer.close();
    return records;
  }

  it('stops at a payload the server refuses, naming the key, and reports what was restored', async () => {
    // Record #2501's CRC64 no longer matches (the backup's own CRC-32 covers the changed bytes).
    const records = await backupWithChangedRecord('crc', (payload) => flipByte(payload, payload.length - 1, 0x01));
    const plan = await planRestore(topology, path.join(dir, 'crc.bak'));
    let summary: RestoreSummary | undefined;
    for await (const event of executeRestore(topology, plan)) if (event.kind === 'done') summary = event.summary;
    expect(summary!.status).toBe('failed');
    expect(summary!.error?.code).toBe('RESTORE');
    expect(summary!.error?.message).toContain(records[2500]!.key.toString('latin1'));
    expect(summary!.error?.message).toContain(`record #2501 at byte offset ${records[2500]!.offset}`);
    expect(summary!.error?.hint).toMatch(/loads on this server, so its CRC64 is wrong/);
    // Exactly what the summary says was restored is on the server.
    expect((await serverMatches(topology, all)).size).toBe(summary!.restored);
    expect(summary!.restored).toBeGreaterThanOrEqual(2000);
    expect(summary!.failed).toBe(1);
    expect(summary!.restored + summary!.failed + summary!.notReached).toBe(3000);
    await removeMatching(topology, all);
  });

  it('refuses a payload newer than the server loads before restoring anything, naming the server, version and records', async () => {
    // Record #2501 as if a much newer server had written it: RDB version 99 in the payload trailer.
    await backupWithChangedRecord('rdb', (payload) => payload.writeUInt16LE(99, payload.length - 10));
    const client = await topology.masters()[0]!.ready();
    await client.set(`${prefix}probe`, 'x');
    // What this server writes is the newest version it loads.
    const probe = await client.dumpBuffer(`${prefix}probe`);
    const own = probe.readUInt16LE(probe.length - 10);
    await client.del(`${prefix}probe`);
    const label = serverLabel(parseInfo(await client.info('server')))!;
    const plan = await planRestore(topology, path.join(dir, 'rdb.bak'));
    const message = `${label} at ${topology.masters()[0]!.address} cannot load 1 of the 3,000 records for it: RDB version 99 (1 record), newer than the RDB version ${own} it loads`;
    expect(rdbRefusal(plan.rdb)?.message).toBe(message);
    let summary: RestoreSummary | undefined;
    for await (const event of executeRestore(topology, plan)) if (event.kind === 'done') summary = event.summary;
    expect(summary).toMatchObject({ status: 'failed', restored: 0, failed: 0, notReached: 3000 });
    expect(summary!.error).toMatchObject({ code: 'RESTORE', message });
    expect(summary!.error?.hint).toMatch(/^RDB version 99 loads on no Redis release cachectl knows of/);
    expect((await serverMatches(topology, all)).size).toBe(0);
  });

  it('an interrupted purge leaves a complete backup of exactly what it deleted', async () => {
    const file = path.join(dir, 'interrupted.bak');
    const keys = Array.from({ length: 2000 }, (_, i) => latin1(`${prefix}int:${i}`));
    await writeStrings(topology, keys);
    const backup = await BackupWriter.create(file, header);
    const controller = new AbortController();
    let rounds = 0;
    const { summary } = await purge(topology, all, {
      execute: { backup, signal: controller.signal, roundKeys: 250 },
      onEvent: (event) => {
        if (event.kind === 'progress' && ++rounds === 3) controller.abort();
      },
    });
    await backup.close();
    expect(summary.status).toBe('interrupted');
    expect(summary.deleted).toBe(750);
    expect(summary.backup?.records).toBe(750);
    const result = await restore(topology, file);
    expect(result.restored).toBe(750);
    expect((await serverMatches(topology, all)).size).toBe(2000);
    await removeMatching(topology, all);
  });

  it('bounds backup rounds by the planned memory of their keys', async () => {
    const file = path.join(dir, 'bounded.bak');
    const keys = Array.from({ length: 40 }, (_, i) => latin1(`${prefix}big:${i}`));
    await writeStrings(topology, keys, () => randomBytes(20_000));
    const plan = await planPurge(topology, latin1(`${prefix}big:*`), { memory: 'exact' });
    const backup = await BackupWriter.create(file, header);
    let rounds = 0;
    try {
      for await (const event of executePurge(topology, plan, { backup, roundBytes: 100_000 })) if (event.kind === 'progress') rounds += 1;
    } finally {
      disposePlan(plan);
      await backup.close();
    }
    // About 20 KB a key: a round closes once it holds 100 KB, so 5 keys per round.
    expect(rounds).toBe(8);
    expect((await allRecords(file)).length).toBe(40);
  });

  it('backs up through pipelines where scripts are not used', async () => {
    const file = path.join(dir, 'pipelined.bak');
    const keys = await seedVariety(topology, `${prefix}pipe:`);
    const before = await snapshotKeys(topology, keys);
    const backup = await BackupWriter.create(file, header);
    const { summary } = await purge(topology, latin1(`${prefix}pipe:*`), { execute: { backup, noScripts: true } });
    await backup.close();
    expect(summary.deleted).toBe(keys.length);
    await restore(topology, file);
    const after = await snapshotKeys(topology, keys);
    for (const [key, was] of before) expect(after.get(key)?.value, key).toBe(was.value);
    await perOwner(topology, keys, (client, list) => client.del(...list));
  });
});
