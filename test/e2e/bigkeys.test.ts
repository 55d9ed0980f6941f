// `cachectl bigkeys` as a user runs it: the built binary, NO_COLOR=1, stdout / stderr / exit code.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BigKeysReport } from '../../src/core/bigkeys/bigkeys-report.js';
import { adminClient } from '../fixtures/index.js';
import { runCli } from '../helpers/cli.js';
import { uniquePrefix } from '../helpers/scan.js';

const redis = inject('redis');
const single = ['--port', String(redis.single.port)];

describe('cachectl bigkeys', () => {
  const prefix = uniquePrefix('bigke');
  const pattern = `${prefix}:*`;
  let client: Redis;

  beforeAll(async () => {
    client = adminClient(redis.single.port);
    await client.set(`${prefix}:blob:999`, 'x'.repeat(64 * 1024));
    for (let i = 0; i < 20; i += 1) await client.set(`${prefix}:blob:${i}`, 'x'.repeat(100), 'EX', 3600);
    await client.hset(`${prefix}:user:1`, ...Array.from({ length: 200 }, (_, n) => [`f${n}`, 'v']).flat());
    await client.rpush(`${prefix}:queue`, 'a', 'b', 'c');
    await client.set(Buffer.from(`${prefix}:bin:\xff`, 'latin1'), 'y');
  });

  afterAll(async () => {
    const keys = [`${prefix}:blob:999`, `${prefix}:user:1`, `${prefix}:queue`, ...Array.from({ length: 20 }, (_, i) => `${prefix}:blob:${i}`)];
    await client.del(...keys, Buffer.from(`${prefix}:bin:\xff`, 'latin1'));
    client.disconnect();
  });

  it('prints every section as a table, exit 0, nothing on stderr', async () => {
    const result = await runCli(['bigkeys', pattern, ...single, '-o', 'table', '--top', '3']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    for (const section of ['BIGGEST KEYS BY MEMORY', 'BIGGEST PER TYPE BY SIZE', 'TYPES', 'NAMESPACES (biggest key beside the average)', 'HOT KEYS', 'FINDINGS']) expect(out).toContain(section);
    expect(out).toMatch(new RegExp(`\\n1 +${prefix}:blob:999 +string +[\\d.]+ KiB +64\\.0 KiB +none +${prefix}:blob:‹id› +127\\.0\\.0\\.1:${redis.single.port}\\n`));
    expect(out).toMatch(/\nhash +[^\n]*:user:1 +200 el /);
    // The namespace with one big key among small ones stands out by its ratio.
    const outlier = new RegExp(`\\n${prefix}:blob:‹id› +21 +[\\d.]+ KiB +[\\d.]+ KiB +(\\d+)× +${prefix}:blob:999\\n`).exec(out);
    expect(Number(outlier?.[1])).toBeGreaterThanOrEqual(10);
    expect(out).toMatch(/maxmemory-policy is noeviction/);
    expect(out).toContain(`"${prefix}:bin:\\xff"`);
    expect(out).toMatch(/\n24 keys scanned · [\d.]+s\n$/);
  });

  it('prints the report as JSON, and exits 1 with the rule named when --fail-on matches', async () => {
    const result = await runCli(['bigkeys', pattern, ...single, '-o', 'json', '--top', '30', '--fail-on', 'key-memory>32kb', '--fail-on', 'key-elements>1000']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('bigkeys: --fail-on key-memory>32kb (1)\n');
    const report = JSON.parse(result.stdout) as BigKeysReport;
    expect(report).toMatchObject({ status: 'complete', scanned: 24, vanished: 0 });
    expect(report.topByMemory[0]).toMatchObject({ key: `${prefix}:blob:999`, type: 'string', length: 65536, ttlMs: null });
    expect(report.failOn).toEqual([
      { rule: 'key-memory>32kb', matched: 1, failed: true, examples: [expect.objectContaining({ key: `${prefix}:blob:999` })] },
      { rule: 'key-elements>1000', matched: 0, failed: false, examples: [] },
    ]);
    const binary = report.topByLength.string!.find((key) => key.keyBase64 !== undefined)!;
    expect(Buffer.from(binary.keyBase64!, 'base64').toString('latin1')).toBe(`${prefix}:bin:\xff`);
  });

  it('prints NDJSON records: a summary, then keys, types, namespaces', async () => {
    const result = await runCli(['bigkeys', pattern, ...single, '-o', 'ndjson', '--top', '2']);
    expect(result.code).toBe(0);
    const records = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { record: string; list?: string });
    expect(records[0]).toMatchObject({ record: 'summary', scanned: 24, status: 'complete' });
    expect(records.filter((r) => r.record === 'key' && r.list === 'memory')).toHaveLength(2);
    expect(records.filter((r) => r.record === 'type').map((r) => (r as unknown as { type: string }).type).sort()).toEqual(['hash', 'list', 'string']);
    expect(records.some((r) => r.record === 'namespace')).toBe(true);
  });

  it('refuses a malformed --fail-on, --big or --shard-share before connecting (exit 2)', async () => {
    for (const [flag, value, message] of [
      ['--fail-on', 'memory>5mb', /^error: --fail-on expects METRIC>VALUE/],
      ['--big', 'huge', /^error: --big expects a size/],
      ['--shard-share', '10', /^error: --shard-share expects a percentage above 0/],
    ] as const) {
      const result = await runCli(['bigkeys', '--port', '1', flag, value]);
      expect(result.code, flag).toBe(2);
      expect(result.stderr, flag).toMatch(message);
    }
  });

  it('keys --biggest N adds the same top lists to keys\' JSON, from the same scan', async () => {
    const [keys, bigkeys] = await Promise.all([
      runCli(['keys', pattern, ...single, '-o', 'json', '--biggest', '2']),
      runCli(['bigkeys', pattern, ...single, '-o', 'json', '--top', '2']),
    ]);
    expect(keys.code).toBe(0);
    const withBiggest = JSON.parse(keys.stdout) as { scanned: number; namespaces: unknown[]; biggest: Pick<BigKeysReport, 'topByMemory' | 'topByLength' | 'types' | 'findings'> };
    const report = JSON.parse(bigkeys.stdout) as BigKeysReport;
    expect(withBiggest.scanned).toBe(24);
    expect(withBiggest.namespaces.length).toBeGreaterThan(0);
    expect(withBiggest.biggest.topByMemory).toEqual(report.topByMemory);
    // TTLs count down between the two runs; everything else is the same.
    const noTtl = (lists: Record<string, { ttlMs: number | null }[]>) => Object.fromEntries(Object.entries(lists).map(([type, keys]) => [type, keys.map(({ ttlMs: _ttl, ...rest }) => rest)]));
    expect(noTtl(withBiggest.biggest.topByLength)).toEqual(noTtl(report.topByLength));
    expect(withBiggest.biggest.types).toEqual(report.types);
    const table = await runCli(['keys', pattern, ...single, '-o', 'table', '--biggest', '1']);
    expect(table.stdout).toMatch(new RegExp(`\\nBIGGEST KEYS BY MEMORY\\n#  KEY +TYPE +MEMORY +SIZE +TTL +NAMESPACE +NODE\\n1 +${prefix}:blob:999 `));
  });

  it('--quick says clearly when the server has no INFO keysizes (exit 2)', async () => {
    const result = await runCli(['bigkeys', '--quick', ...single, '-o', 'table']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: --quick needs INFO keysizes \(Redis 8 and later\); 127\.0\.0\.1:\d+ has no such section — run bigkeys without --quick/);
  });
});
