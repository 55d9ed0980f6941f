// `cachectl keys` as a user runs it: the built binary, NO_COLOR=1, stdout / stderr / exit code.
import { Cluster } from 'ioredis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeKeyFromJson } from '../../src/base/key-format.js';
import { parseInfo, serverLabel } from '../../src/base/info.js';
import type { KeysReport } from '../../src/core/namespaces/keys-report.js';
import { adminClient, startRedis, waitFor } from '../fixtures/index.js';
import type { RedisProcess } from '../fixtures/index.js';
import { runCli, startCli, tableBody } from '../helpers/cli.js';
import { hexOf, uniquePrefix } from '../helpers/scan.js';
import { commandCalls, deleteKeys, SESSION_KEYS, seedKeys, USER_KEYS, writeKeys } from '../helpers/seed.js';

const redis = inject('redis');
const single = ['--port', String(redis.single.port)];

describe('cachectl keys on the shared fixtures', () => {
  const prefix = uniquePrefix('keyse');
  const seeded = seedKeys(prefix);
  const pattern = `${prefix}:*`;
  let writers: (Redis | Cluster)[] = [];

  beforeAll(async () => {
    writers = [
      adminClient(redis.single.port),
      new Cluster(redis.cluster.seeds, { redisOptions: { protocol: 2 } }),
      adminClient(redis.sentinel.master.port),
    ];
    await Promise.all(writers.map((writer) => writeKeys(writer, seeded)));
  });

  afterAll(async () => {
    await Promise.all(writers.map((writer) => deleteKeys(writer, seeded)));
    for (const writer of writers) writer.disconnect();
  });

  it('prints the namespace tree as a table, nothing on stderr, exit 0', async () => {
    const result = await runCli(['keys', pattern, ...single, '-o', 'table', '--sort', 'keys']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = tableBody(result.stdout).split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE +KEYS +%KEYS +MEMORY +%MEM +AVG +NO TTL +TTL min\/p50\/max +TYPES +EXAMPLE$/);
    expect(lines[1]).toMatch(new RegExp(`^${prefix} +${seeded.length} +100% +[\\d.]+ KiB +100% `));
    expect(lines[2]).toMatch(new RegExp(`^ {2}user +${USER_KEYS} +[\\d.]+% .* hash +${prefix}:user:\\d+:profile$`));
    expect(lines[3]).toMatch(/^ {4}‹id› +40 /);
    expect(result.stdout).toMatch(new RegExp(` {2}session +${SESSION_KEYS} .* ${SESSION_KEYS} +- +string `));
    // Binary and newline examples are escaped, one line each.
    expect(result.stdout).toContain(`"${prefix}:bin:\\xff\\xfe\\x00\\x80"`);
    expect(result.stdout).toContain(`"${prefix}:nl:line1\\nline2"`);
    expect(result.stdout).toMatch(new RegExp(`\\n${seeded.length} keys scanned · [\\d.]+ KiB · ${SESSION_KEYS + 4} without TTL · 7 namespaces · [\\d.]+s\\n$`));
  });

  it('prints the whole report as JSON with stable field names', async () => {
    const result = await runCli(['keys', pattern, ...single, '-o', 'json', '--depth', '2']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as KeysReport;
    expect(Object.keys(report).sort()).toEqual(
      ['dbsize', 'durationMs', 'estimated', 'expireByFields', 'memoryBytes', 'namespaceCount', 'namespaces', 'nodes', 'noTtl', 'notices', 'remainder', 'sampleScale', 'sampled', 'scanned', 'status', 'target', 'vanished'].sort(),
    );
    expect(report).toMatchObject({ status: 'complete', sampled: false, sampleScale: null, estimated: null, scanned: seeded.length, noTtl: SESSION_KEYS + 4, vanished: 0 });
    const top = report.namespaces[0]!;
    expect(Object.keys(top).sort()).toEqual(
      ['avgBytes', 'children', 'depth', 'example', 'expireByFields', 'keys', 'keysShare', 'memoryBytes', 'memoryShare', 'namespace', 'noTtl', 'ttl', 'types', 'segments', 'label', 'ownKeys', 'remainder'].sort(),
    );
    expect(top.namespace).toBe(prefix);
    expect(top.children.find((row) => row.namespace === `${prefix}:user`)).toMatchObject({ keys: USER_KEYS, depth: 2, types: { hash: USER_KEYS }, noTtl: 0 });
    expect(top.children.every((row) => row.children.length === 0)).toBe(true);
    expect(report.nodes).toEqual([expect.objectContaining({ node: `127.0.0.1:${redis.single.port}`, status: 'done', scanned: seeded.length })]);
  });

  it('--list -o ndjson streams one object per key, binary names exact through keyBase64', async () => {
    const result = await runCli(['keys', pattern, ...single, '--list', '-o', 'ndjson']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const rows = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { key: string; keyBase64?: string; type: string; ttlMs: number; bytes: number; node: string });
    expect(rows.map((row) => hexOf(decodeKeyFromJson(row))).sort()).toEqual(seeded.map((entry) => hexOf(entry.key)).sort());
    const binary = rows.find((row) => row.keyBase64 !== undefined)!;
    expect(decodeKeyFromJson(binary).equals(seeded.find((entry) => entry.namespace === 'bin:‹bin›')!.key)).toBe(true);
    expect(rows.filter((row) => row.keyBase64 !== undefined)).toHaveLength(1);
    const newline = rows.find((row) => row.key.includes('\n'))!;
    expect(newline.key).toBe(`${prefix}:nl:line1\nline2`);
    for (const row of rows) {
      const entry = seeded.find((candidate) => hexOf(candidate.key) === hexOf(decodeKeyFromJson(row)))!;
      expect(row.type).toBe(entry.type);
      expect(row.ttlMs === -1).toBe(entry.ttlMs === undefined);
      expect(row.bytes).toBeGreaterThan(0);
      expect(row.node).toBe(`127.0.0.1:${redis.single.port}`);
    }
  });

  it('--list -o json is one valid array, and --list as a table escapes keys', async () => {
    const json = await runCli(['keys', pattern, ...single, '--list', '-o', 'json']);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as unknown[]).length).toBe(seeded.length);

    const table = await runCli(['keys', `${prefix}:[bn]*`, ...single, '--list', '-o', 'table']);
    expect(table.code).toBe(0);
    const lines = tableBody(table.stdout).split('\n');
    expect(lines[0]).toMatch(/^TYPE +TTL +BYTES {2}KEY$/);
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(1, -1).map((line) => line.replace(/^string +none +\d+ {2}/, '')).sort()).toEqual(
      [`"${prefix}:bin:\\xff\\xfe\\x00\\x80"`, `"${prefix}:nl:line1\\nline2"`].sort(),
    );
  });

  it('counts all masters of a Cluster and the master of a Sentinel group', async () => {
    const cluster = await runCli(['keys', pattern, '--cluster', redis.cluster.seeds.map((seed) => `${seed.host}:${seed.port}`).join(','), '-o', 'json']);
    expect(cluster.code).toBe(0);
    const clusterReport = JSON.parse(cluster.stdout) as KeysReport;
    expect(clusterReport.scanned).toBe(seeded.length);
    expect(clusterReport.nodes).toHaveLength(3);

    const { sentinels, masterName } = redis.sentinel;
    const sentinelRun = await runCli(['keys', `${prefix}:user:*`, '--sentinel', sentinels.map((s) => `${s.host}:${s.port}`).join(','), '--master', masterName, '-o', 'json']);
    expect(sentinelRun.code).toBe(0);
    const sentinelReport = JSON.parse(sentinelRun.stdout) as KeysReport;
    expect(sentinelReport.scanned).toBe(USER_KEYS);
    expect(sentinelReport.nodes).toEqual([expect.objectContaining({ node: `${redis.sentinel.master.host}:${redis.sentinel.master.port}`, status: 'done' })]);
  });

  it('a pattern that matches nothing: "no keys matched", exit 0', async () => {
    const table = await runCli(['keys', `${prefix}:nothing:*`, ...single, '-o', 'table']);
    expect(table.code).toBe(0);
    expect(tableBody(table.stdout)).toMatch(new RegExp(`^no keys matched "${prefix}:nothing:\\*" \\([\\d,]+ keys on the scanned nodes\\)\\n$`));
    expect(table.stderr).toBe('');
    const list = await runCli(['keys', `${prefix}:nothing:*`, ...single, '--list', '-o', 'table']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/no keys matched\n$/);
    const json = await runCli(['keys', `${prefix}:nothing:*`, ...single, '-o', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'complete', scanned: 0, namespaces: [] });
  });

  it.each([
    [['--depth', '-1'], '--depth'],
    [['--depth', '0'], '--depth'],
    [['--limit', 'abc'], '--limit'],
    [['--top', '1.5'], '--top'],
    [['--rate', 'fast'], '--rate'],
    [['--type', 'two words'], '--type'],
    [['--concurrency', '0'], '--concurrency'],
    [['--samples', '-2'], '--samples'],
  ])('bad input %j: exit 2, one line naming %s', async (flags, flag) => {
    const result = await runCli(['keys', ...single, '-o', 'table', ...flags]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^error: ${flag.replace(/-/g, '\\-')} `));
  });

  it('--type takes any type name the server takes: a stream is listed as "stream"; a name the server does not know is a usage error (Valkey) or an empty result with a notice (Redis)', async () => {
    const writer = writers[0] as Redis;
    const stream = `${prefix}:events:stream`;
    await writer.xadd(stream, '*', 'kind', 'signup');
    try {
      const streams = await runCli(['keys', pattern, ...single, '--type', 'stream', '--list', '-o', 'json']);
      expect(streams.code).toBe(0);
      expect((JSON.parse(streams.stdout) as { key: string; type: string }[]).map((row) => [row.key, row.type])).toEqual([[stream, 'stream']]);
      const module = await runCli(['keys', pattern, ...single, '--type', 'ReJSON-RL', '-o', 'table']);
      // Redis 7 accepts any name in SCAN TYPE; Valkey 8 refuses a type no loaded module provides.
      const refused = await writer.call('SCAN', '0', 'TYPE', 'ReJSON-RL').then(() => false, (error: Error) => /unknown type name/.test(error.message));
      if (refused) {
        const label = serverLabel(parseInfo(await writer.info('server')))!;
        expect(module.code).toBe(2);
        expect(module.stdout).toBe('');
        expect(module.stderr).toBe(
          `error: --type ReJSON-RL: ${label} at ${redis.single.host}:${redis.single.port} knows no type of that name (it refuses it in SCAN TYPE)` +
            ' — it knows string, list, set, zset, hash, stream (no modules are loaded): check the spelling, or load the module that provides the type\n',
        );
        return;
      }
      expect(module.code).toBe(0);
      expect(module.stderr).toBe(
        'warning: no key of type "ReJSON-RL": the server accepts any name in SCAN TYPE, so a misspelt type matches nothing ' +
          '(core types: string, list, set, zset, hash, stream; a module\'s type as TYPE reports it, e.g. ReJSON-RL)\n',
      );
      expect(tableBody(module.stdout)).toMatch(/^no keys matched/);
    } finally {
      await writer.del(stream);
    }
  });

  it('warns on stderr about a pattern that is probably not meant as a glob', async () => {
    const result = await runCli(['keys', `${prefix}:user:[123]`, ...single, '-o', 'json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^warning: pattern ".*:user:\[123\]": "\[123\]" .* matches one character from a set.*\\\[123\\\]/);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'complete' });
  });
});

describe.concurrent('cachectl keys when things go wrong mid-scan', () => {
  const servers: RedisProcess[] = [];

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  /** A private server with `keys` keys, and a way to wait until a scan is under way there. */
  async function bigServer(name: string, keys: number) {
    const server = await startRedis({ name });
    servers.push(server);
    const client = adminClient(server.port);
    await client.call('DEBUG', 'POPULATE', String(keys), 'big', '16');
    client.disconnect();
    // SCAN is counted whichever way the per-key reads travel (calls inside scripts count too).
    const before = await commandCalls(server, 'scan');
    const scanning = () =>
      waitFor('the scan to be under way', async () => ((await commandCalls(server, 'scan')) >= before + 3 ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
    return { server, scanning };
  }

  it('a node going down: the report says which node is incomplete, exit 2', async () => {
    const { server, scanning } = await bigServer('keys-node-down', 60_000);
    const run = startCli(['keys', '--port', String(server.port), '--rate', '20000', '--failover-wait', '1s', '-o', 'table']);
    await scanning();
    server.kill('SIGKILL');
    const result = await run.done;
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/ — INCOMPLETE \(a node failed\)\n$/);
    expect(result.stderr).toMatch(new RegExp(`^warning: incomplete: these nodes could not be fully scanned — 127\\.0\\.0\\.1:${server.port}: .*127\\.0\\.0\\.1:${server.port}`, 'm'));
  });

  it('Ctrl-C: what was gathered so far, marked partial, exit 130', async () => {
    const { server, scanning } = await bigServer('keys-sigint', 100_000);
    const run = startCli(['keys', '--port', String(server.port), '--rate', '20000', '-o', 'table']);
    await scanning();
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(tableBody(result.stdout)).toMatch(/^NAMESPACE /);
    expect(result.stdout).toMatch(/\nbig +[\d,]+ +100% /);
    expect(result.stdout).toMatch(/\n[\d,]+ keys scanned · .* — PARTIAL \(interrupted\)\n$/);
    const scanned = Number(/\n([\d,]+) keys scanned/.exec(result.stdout)![1]!.replace(/,/g, ''));
    expect(scanned).toBeGreaterThan(0);
    expect(scanned).toBeLessThan(100_000);
    expect(result.stderr).toContain('interrupting…');
    expect(result.stderr).toMatch(/warning: interrupted: the figures above are partial\n$/);
  });
});
