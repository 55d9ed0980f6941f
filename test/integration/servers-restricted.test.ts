// The read commands on a managed-service-like server: CONFIG/SCRIPT/DEBUG renamed, and a read-only
// ACL user (+@read: no scripting, no MEMORY, no MULTI/EXEC, no CLIENT NO-TOUCH). Each command gives
// the same figures as on an unrestricted server with the same data, with a notice where it had to
// fall back; the time each took in both places is printed for the compatibility notes.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/connection/connect.js';
import { defaultConnectionOptions, type ConnectionOptions } from '../../src/connection/options.js';
import type { TtlAuditReport } from '../../src/core/audit/ttl-audit.js';
import { previewKey } from '../../src/core/browse/preview.js';
import { DashboardModel } from '../../src/core/dashboard/model.js';
import type { KeysReport } from '../../src/core/namespaces/keys-report.js';
import { adminClient, startRedis, startRestrictedRedis, stopAll, type RedisProcess, type RestrictedRedisProcess } from '../fixtures/index.js';
import { runInProcess, type CliResult } from '../helpers/cli.js';

const KEYS = 20_000;
const HOUR = 3_600_000;

let plain: RedisProcess;
let restricted: RestrictedRedisProcess;
const timings: string[] = [];

async function seed(client: Redis): Promise<void> {
  for (let start = 0; start < KEYS; start += 1_000) {
    const pipeline = client.pipeline();
    for (let i = start; i < start + 1_000; i += 1) {
      if (i % 10 === 0) pipeline.hset(`shop:cart:${i}`, 'item', 'x', 'qty', '1');
      else if (i % 4 === 0) pipeline.set(`shop:config:${i}`, 'v');
      else pipeline.set(`shop:sess:${i}`, 'v', 'PX', HOUR);
    }
    await pipeline.exec();
  }
}

const plainUrl = (): string => `redis://127.0.0.1:${plain.port}`;
const readerArgs = (): string[] => ['--url', `redis://127.0.0.1:${restricted.port}`, '--user', 'reader', '--password', restricted.users.reader.password];

/** Runs the same command on both servers, records both times, returns both results. */
async function both(name: string, args: string[]): Promise<{ open: CliResult; locked: CliResult }> {
  const open = await runInProcess([...args, '--url', plainUrl()]);
  const locked = await runInProcess([...args, ...readerArgs()]);
  timings.push(`${name}: unrestricted ${open.durationMs.toFixed(0)} ms, restricted ${locked.durationMs.toFixed(0)} ms`);
  return { open, locked };
}

beforeAll(async () => {
  [plain, restricted] = await Promise.all([startRedis({ name: 'unrestricted' }), startRestrictedRedis()]);
  const a = adminClient(plain.port);
  const b = adminClient(restricted.port, restricted.connection);
  try {
    await Promise.all([seed(a), seed(b)]);
  } finally {
    a.disconnect();
    b.disconnect();
  }
});

afterAll(async () => {
  process.stderr.write(`[restricted profile, ${KEYS} keys, ${plain?.server.flavor} ${plain?.server.version}]\n  ${timings.join('\n  ')}\n`);
  await stopAll([plain, restricted].filter((p) => p !== undefined));
});

describe('restricted server profile (renamed CONFIG/SCRIPT/DEBUG, +@read user)', () => {
  it('the reader really is restricted: no EVAL, no MEMORY, no MULTI, and CONFIG is gone', async () => {
    const reader = adminClient(restricted.port, { username: 'reader', password: restricted.users.reader.password });
    try {
      await expect(reader.call('EVAL', 'return 1', '0')).rejects.toThrow(/NOPERM/);
      await expect(reader.call('MEMORY', 'USAGE', 'shop:config:4')).rejects.toThrow(/NOPERM/);
      await expect(reader.call('MULTI')).rejects.toThrow(/NOPERM/);
      await expect(reader.call('CONFIG', 'GET', 'maxmemory')).rejects.toThrow(/unknown command|NOPERM/);
    } finally {
      reader.disconnect();
    }
  });

  it('keys: the same namespaces and counts, with a notice about the missing memory only', async () => {
    const { open, locked } = await both('keys', ['keys', '-o', 'json']);
    expect(locked.code, locked.stderr).toBe(0);
    const a = JSON.parse(open.stdout) as KeysReport;
    const b = JSON.parse(locked.stdout) as KeysReport;
    expect(b).toMatchObject({ scanned: KEYS, noTtl: a.noTtl, status: 'complete' });
    expect(b.namespaces.map((row) => [row.namespace, row.keys, row.noTtl])).toEqual(a.namespaces.map((row) => [row.namespace, row.keys, row.noTtl]));
    // Per-key reads go over the lean pipe, which needs no scripts: nothing to fall back from.
    expect(b.notices.join('\n')).not.toMatch(/scripting/);
    expect(b.notices.join('\n')).toMatch(/MEMORY USAGE is not permitted/);
  });

  it('audit-ttl: the same verdict and counts', async () => {
    const { open, locked } = await both('audit-ttl', ['audit-ttl', '-o', 'json', '--no-policy']);
    expect(locked.code, locked.stderr).toBe(open.code);
    const a = JSON.parse(open.stdout) as TtlAuditReport;
    const b = JSON.parse(locked.stdout) as TtlAuditReport;
    expect(b.totals).toEqual(a.totals);
    expect(b.verdict.summary).toBe(a.verdict.summary);
  });

  it('memory: a report from INFO alone, saying what it could not read', async () => {
    const { locked } = await both('memory', ['memory', '-o', 'json']);
    expect(locked.code, locked.stderr).not.toBe(2);
    const report = JSON.parse(locked.stdout) as { nodes: { status: string; figures: { usedBytes: number; maxmemorySource: string | null } }[] };
    expect(report.nodes[0]).toMatchObject({ status: 'up' });
    expect(report.nodes[0]!.figures.usedBytes).toBeGreaterThan(0);
    // CONFIG is renamed away: maxmemory comes from INFO.
    expect(report.nodes[0]!.figures.maxmemorySource).toBe('info');
  });

  it('nodes: the node is up, with its server label', async () => {
    const { locked } = await both('nodes', ['nodes', '-o', 'json']);
    expect(locked.code, locked.stderr).toBe(0);
    const report = JSON.parse(locked.stdout) as { nodes: { status: string; keys: number; server: string }[] };
    expect(report.nodes[0]).toMatchObject({ status: 'up', keys: KEYS, server: `${restricted.server.flavor} ${restricted.server.version}` });
  });

  it('top (the dashboard model): rows with rates for the reader', async () => {
    const options: ConnectionOptions = { ...defaultConnectionOptions(), endpoints: [{ host: '127.0.0.1', port: restricted.port }], username: 'reader', password: restricted.users.reader.password };
    const topology = await connect(options);
    const model = new DashboardModel(topology, { refreshMs: 200, maxBackoffMs: 1000 });
    try {
      const began = performance.now();
      await model.refresh();
      const snapshot = await model.refresh();
      timings.push(`top (two refreshes, reader): ${(performance.now() - began).toFixed(0)} ms`);
      expect(snapshot.nodes).toHaveLength(1);
      expect(snapshot.nodes[0]).toMatchObject({ status: 'up' });
      expect(snapshot.nodes[0]!.usedBytes).toBeGreaterThan(0);
    } finally {
      await model.close();
      await topology.close();
    }
  });

  it('preview: works without MULTI/EXEC and says that reading touched the key', async () => {
    const options: ConnectionOptions = { ...defaultConnectionOptions(), endpoints: [{ host: '127.0.0.1', port: restricted.port }], username: 'reader', password: restricted.users.reader.password };
    const topology = await connect(options);
    try {
      const key = Buffer.from('shop:cart:10');
      const preview = await previewKey(topology.nodeForKey(key), key);
      if (!preview.exists || preview.value.kind !== 'hash') throw new Error('expected the hash');
      expect(preview.transaction).toBe(false);
      expect(preview.touch).not.toBe('no-touch');
      expect(preview.memoryBytes).toBeNull();
      expect(Object.fromEntries(preview.value.items.map((item) => [item.field.toString(), item.value.toString()]))).toEqual({ item: 'x', qty: '1' });
      const again = await previewKey(topology.nodeForKey(Buffer.from('shop:config:4')), Buffer.from('shop:config:4'));
      expect(again).toMatchObject({ exists: true, type: 'string', transaction: false });
    } finally {
      await topology.close();
    }
  });
});
