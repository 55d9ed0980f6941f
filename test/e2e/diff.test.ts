// The built `cachectl diff` on two real keyspaces that differ in known ways: a namespace doubled,
// one added without TTLs, one removed, one untouched. The diff reports exactly those, and the gate
// fails for exactly the rules they cross; a keyspace compared with itself passes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, startRedis } from '../fixtures/index.js';
import type { RedisProcess } from '../fixtures/index.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-diff-'));
let server: RedisProcess;
let client: Redis;
let url: string;
const before = path.join(dir, 'before.json');
const after = path.join(dir, 'after.json');

async function put(prefix: string, count: number, ttlSeconds: number | null, from = 0): Promise<void> {
  const pipeline = client.pipeline();
  for (let i = from; i < from + count; i++) {
    if (ttlSeconds === null) pipeline.set(`${prefix}:${i}`, 'v'.repeat(100));
    else pipeline.set(`${prefix}:${i}`, 'v'.repeat(100), 'EX', ttlSeconds);
  }
  await pipeline.exec();
}

async function keysJson(file: string): Promise<void> {
  const result = await runCli(['keys', '--url', url, '-o', 'json']);
  expect(result.code, result.stderr).toBe(0);
  writeFileSync(file, result.stdout);
}

interface DiffJson {
  kind: string;
  schemaVersion: number;
  changes: { namespace: string; change: string; nested: boolean; keys: { before: number; after: number }; memoryBytes: { ratio: number | null } }[];
  unchanged: number;
  gate: { passed: boolean; violations: { rule: string; namespace: string | null }[] } | null;
}

beforeAll(async () => {
  server = await startRedis({ name: 'diff-e2e' });
  client = adminClient(server.port);
  url = `redis://127.0.0.1:${server.port}`;
  await put('shop:user', 80, 86_400);
  await put('shop:cart', 40, 86_400);
  await put('legacy:report', 10, null);
  await keysJson(before);
  await put('shop:cart', 40, 86_400, 40); // doubled
  await put('shop:feature', 25, null); // new, without TTL
  await client.del(...Array.from({ length: 10 }, (_, i) => `legacy:report:${i}`)); // vanished
  await keysJson(after);
});

afterAll(async () => {
  client.disconnect();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const GATE = ['--fail-on', 'memory>+20%', '--fail-on', 'noTtl>+0', '--fail-on', 'new-namespace-without-ttl', '--fail-on', 'vanished-namespace'];

describe('cachectl diff (built binary)', () => {
  it('reports exactly the namespaces that changed and fails the gate with the reasons', async () => {
    const md = path.join(dir, 'diff.md');
    const result = await runCli(['diff', before, after, '-o', 'json', ...GATE, '--report', `markdown=${md}`]);
    expect(result.code, result.stderr).toBe(1);
    const diff = JSON.parse(result.stdout) as DiffJson;
    expect(diff.kind).toBe('cachectl-diff');
    expect(diff.schemaVersion).toBe(1);
    const top = diff.changes.filter((c) => !c.nested).map((c) => [c.namespace, c.change]);
    expect(top.sort()).toEqual(
      [
        ['legacy', 'vanished'],
        ['shop', 'changed'],
        ['shop:cart', 'changed'],
        ['shop:cart:‹id›', 'changed'],
        ['shop:feature', 'new'],
      ].sort(),
    );
    expect(diff.changes.some((c) => c.namespace.startsWith('shop:user'))).toBe(false);
    expect(diff.changes.find((c) => c.namespace === 'shop:cart:‹id›')!.keys).toMatchObject({ before: 40, after: 80 });
    expect(diff.gate!.passed).toBe(false);
    expect(diff.gate!.violations.map((v) => [v.rule, v.namespace])).toEqual([
      ['memory>+20%', 'shop:cart:‹id›'],
      ['noTtl>+0', 'shop:feature'],
      ['new-namespace-without-ttl', 'shop:feature'],
      ['vanished-namespace', 'legacy'],
    ]);
    expect(result.stderr).toContain('gate new-namespace-without-ttl: shop:feature: new, 25 of its 25 keys have no TTL');
    const markdown = readFileSync(md, 'utf8');
    expect(markdown).toContain('**Gate: failed** (4)');
    expect(markdown).toContain('`shop:feature`');
    expect(markdown.length).toBeLessThan(60_000);
  });

  it('passes the same gate on an unchanged keyspace, against a file or the live server', async () => {
    const files = await runCli(['diff', after, after, '-o', 'table', ...GATE]);
    expect(files.code, files.stderr).toBe(0);
    expect(files.stdout).toContain('no namespace changed');
    expect(files.stdout).toContain('gate: passed');
    const live = await runCli(['diff', after, '--live', '--url', url, '-o', 'json', ...GATE]);
    expect(live.code, live.stderr).toBe(0);
    expect((JSON.parse(live.stdout) as DiffJson).changes).toEqual([]);
  });

  it('refuses a bad rule, a missing file and a document of another kind, each with the fix', async () => {
    const rule = await runCli(['diff', before, after, '--fail-on', 'memory>>1']);
    expect(rule.code).toBe(2);
    expect(rule.stderr).toMatch(/--fail-on cannot read rule "memory>>1" — rules: new-namespace/);
    const missing = await runCli(['diff', before, path.join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.json does not exist');
    const other = path.join(dir, 'other.json');
    writeFileSync(other, '{"nodes": []}');
    const wrong = await runCli(['diff', other, after]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('is neither a keys report nor a snapshot — pass the output of cachectl keys -o json or cachectl snapshot -o json');
  });
});
