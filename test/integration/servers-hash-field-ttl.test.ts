// Hash field expiration (Redis 7.4+, HPEXPIRE): hashes whose fields carry TTLs are classified apart
// by audit-ttl and keys, counted in the instant figure, shown with field TTLs in the preview, and
// kept with their field TTLs through purge --backup and restore. On a server without it (asked
// with COMMAND INFO, never by version) the test checks that nothing changes instead.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect } from '../../src/connection/connect.js';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import type { TtlAuditReport } from '../../src/core/audit/ttl-audit.js';
import { previewKey } from '../../src/core/browse/preview.js';
import type { KeysReport } from '../../src/core/namespaces/keys-report.js';
import { adminClient } from '../fixtures/index.js';
import { runInProcess } from '../helpers/cli.js';

const redis = inject('redis');
const P = 'hfe';
const HOUR = 3_600_000;
const url = `redis://${redis.single.host}:${redis.single.port}`;

let admin: Redis;
let supported = false;
let dir: string;

beforeAll(async () => {
  admin = adminClient(redis.single.port);
  const info = (await admin.call('COMMAND', 'INFO', 'hpexpire')) as unknown[];
  supported = info[0] !== null;
  await admin.flushall();
  dir = mkdtempSync(join(tmpdir(), 'cachectl-hfe-'));
  // 30 hashes whose every field expires, 10 with one expiring field of three, 5 strings without
  // and 5 with a TTL.
  for (let i = 0; i < 30; i += 1) {
    await admin.hset(`${P}:all:${i}`, 'a', '1', 'b', '2');
    if (supported) await admin.call('HPEXPIRE', `${P}:all:${i}`, HOUR, 'FIELDS', 2, 'a', 'b');
  }
  for (let i = 0; i < 10; i += 1) {
    await admin.hset(`${P}:some:${i}`, 'a', '1', 'b', '2', 'c', '3');
    if (supported) await admin.call('HPEXPIRE', `${P}:some:${i}`, HOUR, 'FIELDS', 1, 'a');
  }
  for (let i = 0; i < 5; i += 1) await admin.set(`${P}:plain:${i}`, 'x');
  for (let i = 0; i < 5; i += 1) await admin.set(`${P}:ttl:${i}`, 'x', 'PX', HOUR);
});

afterAll(async () => {
  await admin.flushall();
  admin.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe('hash field expiration', () => {
  it('audit-ttl: all-fields-expire hashes are not "without TTL", partly expiring ones are named; the instant figure counts the fields', async () => {
    const result = await runInProcess(['audit-ttl', `${P}:*`, '--url', url, '-o', 'json', '--no-policy']);
    const report = JSON.parse(result.stdout) as TtlAuditReport;
    if (!supported) {
      expect(report.totals).toMatchObject({ scanned: 50, noTtl: 45, expireByFields: 0, fieldsPartlyExpire: 0 });
      expect(report.instant?.subexpiry ?? 0).toBe(0);
      return;
    }
    expect(report.totals).toMatchObject({ scanned: 50, noTtl: 15, expireByFields: 30, fieldsPartlyExpire: 10, violations: 15 });
    // subexpiry counts hashes with expiring fields, not fields.
    expect(report.instant?.subexpiry).toBe(40);
    expect(report.rules[0]!.reason).toContain('15 without TTL (10 of them hashes only some of whose fields expire)');

    const table = await runInProcess(['audit-ttl', `${P}:*`, '--url', url, '-o', 'table', '--no-policy']);
    expect(table.stdout).toContain('30 hashes expire field by field');
    expect(table.stdout).toContain('40 hashes have fields with their own TTL');
  });

  it('audit-ttl --no-scripts (pipeline fallback) still scans, without the classification', async () => {
    const result = await runInProcess(['audit-ttl', `${P}:*`, '--url', url, '-o', 'json', '--no-policy', '--no-scripts']);
    const report = JSON.parse(result.stdout) as TtlAuditReport;
    expect(report.totals).toMatchObject({ scanned: 50, noTtl: 45, expireByFields: 0 });
  });

  it('keys: hashes that expire field by field are counted apart from NO TTL', async () => {
    const result = await runInProcess(['keys', `${P}:*`, '--url', url, '-o', 'json']);
    const report = JSON.parse(result.stdout) as KeysReport;
    expect(report).toMatchObject({ scanned: 50, noTtl: supported ? 15 : 45, expireByFields: supported ? 30 : 0 });
    const all = report.namespaces.flatMap((row) => [row, ...row.children]).find((row) => row.namespace === `${P}:all`);
    expect(all).toMatchObject({ keys: 30, noTtl: supported ? 0 : 30, expireByFields: supported ? 30 : 0 });
  });

  it('the preview shows each field\'s own TTL', async () => {
    const options = defaultConnectionOptions();
    options.endpoints = [redis.single];
    const topology = await connect(options);
    try {
      const key = Buffer.from(`${P}:some:0`);
      const preview = await previewKey(topology.nodeForKey(key), key);
      if (!preview.exists || preview.value.kind !== 'hash') throw new Error('expected a hash');
      const ttls = Object.fromEntries(preview.value.items.map((item) => [item.field.toString(), item.ttlMs]));
      expect(preview.ttlMs).toBeNull();
      if (supported) {
        expect(ttls.a).toBeGreaterThan(HOUR - 60_000);
        expect(ttls.a).toBeLessThanOrEqual(HOUR);
      } else {
        expect(ttls.a).toBeNull();
      }
      expect(ttls.b).toBeNull();
      expect(ttls.c).toBeNull();
    } finally {
      await topology.close();
    }
  });

  it('purge --backup then restore keeps the field TTLs', async () => {
    const file = join(dir, 'hfe.bak');
    const purged = await runInProcess(['purge', `${P}:some:*`, '--url', url, '--yes', '--backup', file, '-o', 'json']);
    expect(purged.code).toBe(0);
    expect(await admin.exists(`${P}:some:0`)).toBe(0);
    const restored = await runInProcess(['restore', file, '--url', url, '--yes', '-o', 'json']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await admin.hgetall(`${P}:some:0`)).toEqual({ a: '1', b: '2', c: '3' });
    if (!supported) return;
    const ttls = (await admin.call('HPTTL', `${P}:some:0`, 'FIELDS', 3, 'a', 'b', 'c')) as number[];
    expect(ttls[0]).toBeGreaterThan(HOUR - 120_000);
    expect(ttls.slice(1)).toEqual([-1, -1]);
  });
});
