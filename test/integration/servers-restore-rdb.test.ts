// Restore across server builds: a backup taken on this run's server, restored (--dry-run, then for
// real) into every server build this machine has (the default redis-server and each build
// CACHECTL_TEST_SERVERS names). The dry run must predict exactly what the server does with the
// payload: where RESTORE refuses it, the dry run refuses with the server, the records per RDB version
// and who can load them, and the real run fails the same way before writing anything.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseInfo, serverLabel } from '../../src/base/info.js';
import { adminClient, currentServer, discoverServers, PATH_SERVER, startRedis, type RedisProcess } from '../fixtures/index.js';
import { runInProcess } from '../helpers/cli.js';

const redis = inject('redis');
const P = 'rdbx:';
const KEYS = 12;

interface Target {
  proc: RedisProcess;
  admin: Redis;
  label: string;
  /** The RDB version this server writes: the newest it loads. */
  own: number;
}

let dir: string;
let file: string;
let source: Redis;
let sourceLabel: string;
/** The payloads as the source server dumped them, and their RDB version. */
let payloads: Buffer[];
let sourceVersion: number;
const targets: Target[] = [];

const rdbVersion = (payload: Buffer) => payload.readUInt16LE(payload.length - 10);

async function labelOf(client: Redis): Promise<string> {
  return serverLabel(parseInfo(await client.info('server')))!;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachectl-rdbx-'));
  file = join(dir, 'source.bak');
  source = adminClient(redis.single.port);
  sourceLabel = await labelOf(source);
  for (let i = 0; i < KEYS / 2; i += 1) await source.set(`${P}s:${i}`, `value-${i}`);
  for (let i = 0; i < KEYS / 2; i += 1) await source.hset(`${P}h:${i}`, 'a', '1', 'b', '2');
  const names = [...Array.from({ length: KEYS / 2 }, (_, i) => `${P}s:${i}`), ...Array.from({ length: KEYS / 2 }, (_, i) => `${P}h:${i}`)];
  payloads = await Promise.all(names.map((name) => source.dumpBuffer(name)));
  sourceVersion = rdbVersion(payloads[0]!);
  const purged = await runInProcess(['purge', `${P}*`, '--url', `redis://${redis.single.host}:${redis.single.port}`, '--yes', '--max-share', '100%', '--backup', file]);
  expect(purged.code, purged.stderr).toBe(0);

  // Every server build at hand, this run's included (started privately, so the shared one stays clean).
  const builds = [PATH_SERVER, ...discoverServers(process.env.CACHECTL_TEST_SERVERS).servers];
  if (!builds.some((b) => b.bin === currentServer().bin)) builds.push(currentServer());
  for (const server of builds) {
    const proc = await startRedis({ name: `rdbx-${server.name}`, server });
    const admin = adminClient(proc.port);
    await admin.set('probe', 'x');
    const own = rdbVersion(await admin.dumpBuffer('probe'));
    await admin.flushall();
    targets.push({ proc, admin, label: await labelOf(admin), own });
  }
}, 120_000);

afterAll(async () => {
  for (const target of targets) {
    target.admin.disconnect();
    await target.proc.stop();
  }
  source?.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe('restore --dry-run tells whether the target loads the backup', () => {
  it('predicts, on every server build, exactly what RESTORE does with the payloads', async () => {
    expect(payloads.every((p) => rdbVersion(p) === sourceVersion)).toBe(true);
    for (const target of targets) {
      const where = `${target.label} from ${sourceLabel}`;
      const accepted = await target.admin.restore('direct', 0, payloads[0]!).then(() => true, () => false);
      await target.admin.flushall();
      const url = `redis://127.0.0.1:${target.proc.port}`;
      const dry = await runInProcess(['restore', file, '--dry-run', '--url', url]);
      if (accepted) {
        expect(dry.code, `${where}: ${dry.stderr}`).toBe(0);
        const real = await runInProcess(['restore', file, '--yes', '--url', url]);
        expect(real.code, `${where}: ${real.stderr}`).toBe(0);
        expect(await target.admin.dbsize(), where).toBe(KEYS);
        await target.admin.flushall();
        continue;
      }
      const message =
        `error: ${target.label} at 127.0.0.1:${target.proc.port} cannot load ${KEYS} of the ${KEYS} records for it: ` +
        `RDB version ${sourceVersion} (${KEYS} records), newer than the RDB version ${target.own} it loads — RDB version ${sourceVersion} loads on `;
      expect(dry.code, where).toBe(2);
      expect(dry.stderr, where).toContain(message);
      // The real run stops with the same message before writing anything.
      const real = await runInProcess(['restore', file, '--yes', '--url', url]);
      expect(real.code, where).toBe(2);
      expect(real.stderr, where).toContain(message);
      expect(await target.admin.dbsize(), where).toBe(0);
    }
  });

  it('a Redis 7.4 backup: Redis 7.0 and Valkey 8 refuse it, naming Redis 7.4 as the only servers that load it; Redis 7.4 restores it', async () => {
    // Holds wherever the builds are at hand: this run's server is Redis 7.4 and the targets include the others.
    const r74 = targets.find((t) => t.label.startsWith('redis 7.4.'));
    const refusing = targets.filter((t) => t.label.startsWith('redis 7.0.') || t.label.startsWith('valkey 8.0.'));
    expect(targets.length).toBeGreaterThan(0);
    if (!sourceLabel.startsWith('redis 7.4.') || r74 === undefined || refusing.length < 2) {
      // Not this combination: at least the backup's version is the one the source server writes.
      expect(sourceVersion).toBe(targets.find((t) => t.label === sourceLabel)!.own);
      return;
    }
    for (const target of refusing) {
      const dry = await runInProcess(['restore', file, '--dry-run', '--url', `redis://127.0.0.1:${target.proc.port}`]);
      expect(dry.code).toBe(2);
      expect(dry.stderr).toBe(
        `error: ${target.label} at 127.0.0.1:${target.proc.port} cannot load 12 of the 12 records for it: RDB version 12 (12 records), newer than the RDB version ${target.label.startsWith('redis') ? 10 : 11} it loads` +
          ' — RDB version 12 loads on Redis 7.4 or newer, and on no Valkey release cachectl knows of (up to 8.0): restore into one of those (nothing was restored)\n',
      );
    }
    const ok = await runInProcess(['restore', file, '--dry-run', '--url', `redis://127.0.0.1:${r74.proc.port}`]);
    expect(ok.code, ok.stderr).toBe(0);
  });
});
