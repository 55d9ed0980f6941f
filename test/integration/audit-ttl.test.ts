// `cachectl audit-ttl` against real servers: known numbers of keys without TTL (binary-named ones
// included) on single, Cluster and Sentinel, policy rules, every exit code, reports, the pipeline
// fallback, --quick, samples, and keys expiring while the scan runs.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TtlAuditReport } from '../../src/core/audit/ttl-audit.js';
import { decodeKeyFromJson } from '../../src/base/key-format.js';
import { adminClient, callText, freePort, parseClusterNodes, startRedis, type RedisProcess } from '../fixtures/index.js';
import { runInProcess } from '../helpers/cli.js';
import { letterWord } from '../helpers/key-batch.js';
import { findAll, parseXml } from '../helpers/xml.js';

const redis = inject('redis');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A one-word prefix (letters only, so it is not collapsed to ‹id›) unique to this run. */
function uniquePrefix(): string {
  return `ttlaudit${Array.from(randomBytes(8), (byte) => String.fromCharCode(0x61 + (byte % 26))).join('')}`;
}

interface Entry {
  key: Buffer;
  ttlMs?: number;
}

/**
 * The dataset every topology is audited on: 77 keys, 14 without TTL (6 user profiles, 5 config
 * keys, 3 binary keys), 4 cache keys with a 40-day TTL.
 */
function dataset(prefix: string): Entry[] {
  const entries: Entry[] = [];
  const text = (key: string, ttlMs?: number) => entries.push(ttlMs === undefined ? { key: Buffer.from(key) } : { key: Buffer.from(key), ttlMs });
  for (let i = 0; i < 40; i += 1) text(`${prefix}:user:${i}:profile`, i < 6 ? undefined : HOUR);
  for (let i = 0; i < 20; i += 1) text(`${prefix}:sess:${randomBytes(16).toString('hex')}`, 2 * HOUR);
  for (let i = 0; i < 5; i += 1) text(`${prefix}:config:${i}`);
  for (let i = 0; i < 3; i += 1) entries.push({ key: Buffer.concat([Buffer.from(`${prefix}:bin:`), Buffer.from([0xff, 0x00, i])]) });
  for (let i = 0; i < 2; i += 1) entries.push({ key: Buffer.concat([Buffer.from(`${prefix}:bin:`), Buffer.from([0xfe, 0x0a, i])]), ttlMs: HOUR });
  for (let i = 0; i < 7; i += 1) text(`${prefix}:cache:${i}`, i < 4 ? 40 * DAY : HOUR);
  return entries;
}

const EXPECTED_NAMESPACES = (prefix: string) => ({
  [`${prefix}:user:‹id›:profile`]: { keys: 40, noTtl: 6 },
  [`${prefix}:config:‹id›`]: { keys: 5, noTtl: 5 },
  [`${prefix}:bin:‹bin›`]: { keys: 5, noTtl: 3 },
  [`${prefix}:sess:‹id›`]: { keys: 20, noTtl: 0 },
  [`${prefix}:cache:‹id›`]: { keys: 7, noTtl: 0 },
});

async function seed(client: Redis | Cluster, entries: Entry[]): Promise<void> {
  await Promise.all(entries.map((entry) => (entry.ttlMs === undefined ? client.set(entry.key, 'v') : client.set(entry.key, 'v', 'PX', entry.ttlMs))));
}

async function remove(client: Redis | Cluster, entries: Entry[]): Promise<void> {
  await Promise.all(entries.map((entry) => client.del(entry.key)));
}

function parseReport(stdout: string): TtlAuditReport {
  return JSON.parse(stdout) as TtlAuditReport;
}

function namespaceCounts(report: TtlAuditReport): Record<string, { keys: number; noTtl: number }> {
  return Object.fromEntries(report.namespaces.map((row) => [row.namespace, { keys: row.keys, noTtl: row.noTtl }]));
}

/** The checks every topology must pass on the dataset. */
function expectDatasetAudit(report: TtlAuditReport, prefix: string): void {
  expect(report.status).toBe('complete');
  expect(report.totals).toMatchObject({ scanned: 77, noTtl: 14, violations: 14, vanished: 0 });
  expect(namespaceCounts(report)).toEqual(EXPECTED_NAMESPACES(prefix));
  expect(report.rules).toHaveLength(1);
  expect(report.rules[0]).toMatchObject({ name: 'default', keys: 77, violations: 14, verdict: 'fail' });
  expect(report.verdict.result).toBe('fail');
  expect(report.verdict.summary).toContain('14 of 77 keys (18.2%)');
  // Binary keys come back byte for byte.
  const binary = report.namespaces.find((row) => row.namespace === `${prefix}:bin:‹bin›`)!;
  expect(binary.examples).toHaveLength(3);
  for (const example of binary.examples) {
    expect(example.keyBase64).toBeDefined();
    const bytes = decodeKeyFromJson(example);
    expect(bytes.subarray(0, prefix.length + 5).toString()).toBe(`${prefix}:bin:`);
    expect([...bytes.subarray(prefix.length + 5, prefix.length + 7)]).toEqual([0xff, 0x00]);
    expect(example.ttlMs).toBeNull();
  }
}

const singleUrl = () => `redis://${redis.single.host}:${redis.single.port}`;

describe('audit-ttl on a single node', () => {
  const prefix = uniquePrefix();
  const entries = dataset(prefix);
  let client: Redis;
  let dir: string;

  beforeAll(async () => {
    client = adminClient(redis.single.port);
    await seed(client, entries);
    dir = mkdtempSync(join(tmpdir(), 'cachectl-audit-'));
  });

  afterAll(async () => {
    await remove(client, entries);
    client.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds every key without TTL, per namespace, binary keys included, and exits 1', async () => {
    const result = await runInProcess(['audit-ttl', `${prefix}:*`, '--url', singleUrl(), '-o', 'json', '--no-policy']);
    expect(result.code).toBe(1);
    const report = parseReport(result.stdout);
    expectDatasetAudit(report, prefix);
    expect(report.mode).toBe('scan');
    expect(report.pattern).toBe(`${prefix}:*`);
    expect(report.instant).not.toBeNull();
    expect(result.stderr).toContain('audit-ttl: FAIL: rule "default": 14 of 77 keys');
  });

  it('gives the same answer through the pipeline fallback (--no-scripts)', async () => {
    const result = await runInProcess(['audit-ttl', `${prefix}:*`, '--url', singleUrl(), '-o', 'json', '--no-policy', '--no-scripts']);
    expect(result.code).toBe(1);
    expectDatasetAudit(parseReport(result.stdout), prefix);
  });

  it('exits 0 when every key keeps the rules', async () => {
    const result = await runInProcess(['audit-ttl', `${prefix}:sess:*`, '--url', singleUrl(), '-o', 'json', '--no-policy']);
    expect(result.code).toBe(0);
    const report = parseReport(result.stdout);
    expect(report.totals).toMatchObject({ scanned: 20, violations: 0 });
    expect(report.verdict).toEqual({ result: 'pass', failed: [], summary: 'PASS: 20 keys scanned, no violations' });
  });

  it('flags TTLs longer than --max-ttl', async () => {
    const result = await runInProcess(['audit-ttl', `${prefix}:cache:*`, '--url', singleUrl(), '-o', 'json', '--no-policy', '--max-ttl', '30d']);
    expect(result.code).toBe(1);
    const report = parseReport(result.stdout);
    expect(report.totals).toMatchObject({ scanned: 7, noTtl: 0, ttlTooLong: 4, violations: 4 });
    const examples = report.namespaces[0]!.examples;
    expect(examples).toHaveLength(3);
    for (const example of examples) expect(example.ttlMs).toBeGreaterThan(30 * DAY);
    expect(report.rules[0]!.reason).toBe('4 of 7 keys (57.1%) violate it (4 with TTL over 30d); allowed: 0');
  });

  it('applies policy rules, --allow and thresholds, and says which rules failed by how much', async () => {
    const policyFile = join(dir, 'policy.json');
    const policy = (sessions: Record<string, unknown>) => ({
      ttlPolicy: {
        rules: [
          { name: 'config', match: `${prefix}:config:*`, requireTtl: false },
          { name: 'cache', match: `${prefix}:cache:*`, maxTtl: '30d' },
          { name: 'sessions', match: `${prefix}:sess:*`, maxTtl: '1h', ...sessions },
        ],
      },
    });
    writeFileSync(policyFile, JSON.stringify(policy({}), null, 2));
    const args = ['audit-ttl', `${prefix}:*`, '--url', singleUrl(), '-o', 'json', '--policy', policyFile, '--allow', `${prefix}:bin:*`];
    const failing = await runInProcess(args);
    expect(failing.code).toBe(1);
    const report = parseReport(failing.stdout);
    expect(report.policyFile).toBe(policyFile);
    const rules = Object.fromEntries(report.rules.map((rule) => [rule.name, [rule.keys, rule.noTtl, rule.ttlTooLong, rule.violations, rule.verdict]]));
    expect(rules).toEqual({
      [`allow ${prefix}:bin:*`]: [5, 3, 0, 0, 'pass'],
      config: [5, 5, 0, 0, 'pass'],
      cache: [7, 0, 4, 4, 'fail'],
      sessions: [20, 0, 20, 20, 'fail'],
      default: [40, 6, 0, 6, 'fail'],
    });
    expect(report.verdict.failed).toEqual(['cache', 'sessions', 'default']);
    expect(report.verdict.summary).toContain('rule "sessions": 20 of 20 keys (100%) violate it (20 with TTL over 1h); allowed: 0');
    expect(report.totals).toMatchObject({ scanned: 77, exempt: 8, violations: 30 });

    // --fail-on-missing raises the tolerance of rules without their own; a rule's own failOn wins.
    const tolerant = await runInProcess([...args, '--fail-on-missing', '6']);
    expect(tolerant.code).toBe(1);
    expect(parseReport(tolerant.stdout).verdict.failed).toEqual(['sessions']);
    writeFileSync(policyFile, JSON.stringify(policy({ failOn: '100%' })));
    const passing = await runInProcess([...args, '--fail-on-missing', '6']);
    expect(passing.code).toBe(0);
    expect(parseReport(passing.stdout).verdict.result).toBe('pass');
  });

  it('writes JUnit that parses as XML and Markdown for a PR comment, next to the JSON', async () => {
    const junit = join(dir, 'ttl.xml');
    const markdown = join(dir, 'ttl.md');
    const json = join(dir, 'ttl.json');
    const result = await runInProcess(['audit-ttl', `${prefix}:*`, '--url', singleUrl(), '-o', 'json', '--no-policy', '--report', `junit=${junit}`, '--report', `markdown=${markdown}`, '--report', `json=${json}`]);
    expect(result.code).toBe(1);
    const root = parseXml(readFileSync(junit, 'utf8'));
    expect(root.attributes.failures).toBe('4'); // the default rule and the 3 namespaces with keys without TTL
    const failed = findAll(root, 'testcase').filter((test) => findAll(test, 'failure').length > 0).map((test) => test.attributes.name);
    expect(failed).toEqual(['default: TTL required', `${prefix}:user:‹id›:profile`, `${prefix}:config:‹id›`, `${prefix}:bin:‹bin›`]);
    const binaryCase = findAll(root, 'testcase').find((test) => test.attributes.name === `${prefix}:bin:‹bin›`)!;
    expect(findAll(binaryCase, 'failure')[0]!.text).toContain(`"${prefix}:bin:\\xff\\x00\\x00"`);
    const text = readFileSync(markdown, 'utf8');
    expect(text.split('\n')[0]).toBe('### ❌ cachectl audit-ttl: FAIL');
    expect(text).toContain(`\`${prefix}:user:‹id›:profile\``);
    expect(JSON.parse(readFileSync(json, 'utf8'))).toMatchObject({ schemaVersion: 1, totals: { noTtl: 14 } });
  });

  it('shows a table with namespaces, rules and the verdict', async () => {
    const result = await runInProcess(['audit-ttl', `${prefix}:*`, '--url', singleUrl(), '-o', 'table', '--no-policy']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`${prefix}:user:‹id›:profile +default +40 +6 +0 +15%`));
    expect(result.stdout).toContain('FAIL: rule "default"');
    expect(result.stdout).toContain('77 keys scanned');
  });

  it('passes a pattern that matches nothing, saying 0 keys were scanned, unless --fail-if-empty', async () => {
    const empty = await runInProcess(['audit-ttl', `${prefix}:nothing:*`, '--url', singleUrl(), '-o', 'table', '--no-policy']);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain(`0 keys scanned (nothing matched "${prefix}:nothing:*")`);
    const strict = await runInProcess(['audit-ttl', `${prefix}:nothing:*`, '--url', singleUrl(), '-o', 'json', '--no-policy', '--fail-if-empty']);
    expect(strict.code).toBe(1);
    expect(parseReport(strict.stdout).verdict.failed).toEqual(['--fail-if-empty']);
  });

  it('states a sampled audit (--limit): sample size, no extrapolation under a pattern', async () => {
    const result = await runInProcess(['audit-ttl', `${prefix}:*`, '--url', singleUrl(), '-o', 'json', '--no-policy', '--limit', '30']);
    const report = parseReport(result.stdout);
    expect(report.sampled).toBe(true);
    expect(report.sample).toMatchObject({ size: 30, scale: null });
    expect(report.totals!.scanned).toBe(30);
    expect(report.estimatedTotals).toBeNull();
  });

  it('stops at Ctrl-C with a partial report and exit 130', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const result = await runInProcess(['audit-ttl', `${prefix}:*`, '--url', singleUrl(), '-o', 'json', '--no-policy', '--rate', '40'], {}, controller.signal);
    expect(result.code).toBe(130);
    const report = parseReport(result.stdout);
    expect(report.status).toBe('partial');
    expect(report.totals!.scanned).toBeLessThan(77);
    expect(result.stderr).toContain('interrupted');
  });

  it.each([
    [['--max-ttl', '3x'], '--max-ttl expects a duration'],
    [['--max-ttl', '0'], '--max-ttl must be longer than 0'],
    [['--fail-on-missing', '5x'], '--fail-on-missing expects a count such as 10 or a percentage such as 2.5%'],
    [['--report', 'pdf=x.pdf'], '--report expects KIND=FILE'],
    [['--report', 'junit=/nonexistent-dir/x.xml'], 'directory /nonexistent-dir does not exist'],
    [['--policy', '/nonexistent/policy.json'], 'policy file /nonexistent/policy.json does not exist'],
    [['--depth', '0'], '--depth expects a whole number from 1 to 64'],
  ])('exits 2 on bad input %j, naming the flag', async (flags, message) => {
    const result = await runInProcess(['audit-ttl', `${prefix}:*`, '--url', singleUrl(), '-o', 'json', ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { exitCode: 2 } });
  });

  it('exits 2 on an invalid policy file, naming the file, line and field', async () => {
    const policyFile = join(dir, 'bad.json');
    writeFileSync(policyFile, '{\n  "ttlPolicy": {\n    "rules": [\n      { "match": "a:*", "maxTTL": "1h" }\n    ]\n  }\n}\n');
    const result = await runInProcess(['audit-ttl', '--url', singleUrl(), '--policy', policyFile]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`policy file ${policyFile}:4:25: ttlPolicy.rules[0].maxTTL is not a known field`);
  });

  it('exits 2 when the server cannot be reached', async () => {
    const port = await freePort();
    const result = await runInProcess(['audit-ttl', '--url', `redis://127.0.0.1:${port}`, '-o', 'json', '--no-policy', '--timeout', '1s']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error.code).toBe('CONNECT');
  });
});

describe('audit-ttl past 50,000 namespaces on a single node', () => {
  // 60,000 one-key session namespaces whose ids no shape rule recognises: more rows than the
  // audit keeps apart, so it must roll them into one ‹var› row as `keys` does, not spill into {other}.
  const prefix = uniquePrefix();
  const sessions = 60_000;
  const keyOf = (i: number) => `${prefix}:sess:${letterWord(i)}:data`;
  let client: Redis;

  beforeAll(async () => {
    client = adminClient(redis.single.port);
    for (let start = 0; start < sessions; start += 5000) {
      const pipeline = client.pipeline();
      for (let i = start; i < Math.min(sessions, start + 5000); i += 1) {
        if (i % 3 === 0) pipeline.set(keyOf(i), 'v');
        else pipeline.set(keyOf(i), 'v', 'PX', HOUR);
      }
      await pipeline.exec();
    }
  }, 60_000);

  afterAll(async () => {
    for (let start = 0; start < sessions; start += 5000) {
      await client.unlink(...Array.from({ length: Math.min(sessions, start + 5000) - start }, (_, i) => keyOf(start + i)));
    }
    client.disconnect();
  }, 60_000);

  it('reports one ‹var› row with exact counts, no {other}', { timeout: 60_000 }, async () => {
    const result = await runInProcess(['audit-ttl', `${prefix}:*`, '--url', singleUrl(), '-o', 'json', '--no-policy']);
    expect(result.code).toBe(1);
    const report = parseReport(result.stdout);
    expect(report.status).toBe('complete');
    const withoutTtl = Math.ceil(sessions / 3);
    expect(report.totals).toMatchObject({ scanned: sessions, noTtl: withoutTtl, violations: withoutTtl, vanished: 0 });
    expect(report.namespaces).toHaveLength(1);
    expect(report.namespaces[0]).toMatchObject({ namespace: `${prefix}:sess:‹var›:data`, keys: sessions, noTtl: withoutTtl, violations: withoutTtl, distinctValues: sessions, flaggedTypes: { string: withoutTtl } });
    expect(report.namespaces[0]!.examples).toHaveLength(3);
  });
});

describe('audit-ttl where scripts are not allowed (ACL)', () => {
  const prefix = uniquePrefix();
  const entries = dataset(prefix);
  let client: Redis;

  beforeAll(async () => {
    client = adminClient(redis.acl.port, { username: 'admin', password: redis.acl.users.admin.password });
    await seed(client, entries);
  });
  afterAll(async () => {
    await remove(client, entries);
    client.disconnect();
  });

  it('falls back to pipelines, says so, and finds the same keys', async () => {
    const { username, password } = redis.acl.users.limited;
    const result = await runInProcess(['audit-ttl', `${prefix}:*`, '--url', `redis://${username}@${redis.acl.host}:${redis.acl.port}`, '-o', 'json', '--no-policy'], { CACHECTL_PASSWORD: password });
    expect(result.code).toBe(1);
    const report = parseReport(result.stdout);
    expectDatasetAudit(report, prefix);
    expect(report.notices.join('\n')).toMatch(/scripting is not permitted/);
    expect(result.stderr).toMatch(/scripting is not permitted/);
  });
});

describe('audit-ttl on a private server', () => {
  let server: RedisProcess;
  let client: Redis;
  const url = () => `redis://127.0.0.1:${server.port}`;

  beforeAll(async () => {
    server = await startRedis({ name: 'audit-ttl' });
    client = adminClient(server.port);
  });
  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  it('--quick gates on INFO keyspace (keys − expires) without scanning', async () => {
    await client.flushall();
    const pipeline = client.pipeline();
    for (let i = 0; i < 30; i += 1) {
      if (i < 10) pipeline.set(`q:${i}`, 'v');
      else pipeline.set(`q:${i}`, 'v', 'PX', HOUR);
    }
    pipeline.select(3).set('other-db', 'v').select(0);
    await pipeline.exec();
    const result = await runInProcess(['audit-ttl', '--quick', '--url', url(), '-o', 'json', '--no-policy']);
    expect(result.code).toBe(1);
    const report = parseReport(result.stdout);
    expect(report.mode).toBe('quick');
    expect(report.totals).toBeNull();
    expect(report.instant).toMatchObject({ db: 0, keys: 30, expires: 20, noExpiry: 10 });
    expect(report.instant!.nodes).toMatchObject([
      { node: `127.0.0.1:${server.port}`, db: 0, keys: 30, expires: 20, noExpiry: 10 },
      { node: `127.0.0.1:${server.port}`, db: 3, keys: 1, expires: 0, noExpiry: 1 },
    ]);
    expect(report.verdict.summary).toBe('FAIL: 10 of 30 keys (33.3%) have no expiry (INFO keyspace, db 0); allowed: 0');
    const tolerant = await runInProcess(['audit-ttl', '--quick', '--url', url(), '-o', 'table', '--no-policy', '--fail-on-missing', '40%', '--allow', 'q:*']);
    expect(tolerant.code).toBe(0);
    expect(tolerant.stdout).toContain('PASS: 10 of 30 keys (33.3%) have no expiry');
    expect(tolerant.stderr).toContain('--quick counts whole databases from INFO keyspace; not applied: --allow');
  });

  it('extrapolates a sample of the whole keyspace to estimated totals', async () => {
    await client.flushall();
    const pipeline = client.pipeline();
    for (let i = 0; i < 2000; i += 1) {
      if (i % 10 === 0) pipeline.set(`s:${i}`, 'v');
      else pipeline.set(`s:${i}`, 'v', 'PX', HOUR);
    }
    await pipeline.exec();
    const result = await runInProcess(['audit-ttl', '--url', url(), '-o', 'json', '--no-policy', '--limit', '500']);
    const report = parseReport(result.stdout);
    expect(report.sample).toMatchObject({ size: 500, keysOnNodes: 2000, scale: 4 });
    expect(report.estimatedTotals!.scanned).toBe(2000);
    // A 10% share everywhere, so the estimate of keys without TTL is close to 200.
    expect(report.estimatedTotals!.noTtl).toBeGreaterThan(100);
    expect(report.estimatedTotals!.noTtl).toBeLessThan(300);
  });

  it.each([
    ['scripts', []],
    ['pipelines', ['--no-scripts']],
  ])('never reports keys that expire during the scan as missing a TTL (%s)', async (_how, flags) => {
    await client.flushall();
    const pipeline = client.pipeline();
    for (let i = 0; i < 100; i += 1) pipeline.set(`keep:${i}`, 'v');
    // Expiring throughout the ~1.5 s the throttled scan takes.
    for (let i = 0; i < 3000; i += 1) pipeline.set(`brief:${i}`, 'v', 'PX', 50 + ((i * 7) % 1500));
    await pipeline.exec();
    const started = Date.now();
    const result = await runInProcess(['audit-ttl', '--url', url(), '-o', 'json', '--no-policy', '--rate', '2000', ...flags]);
    expect(Date.now() - started).toBeGreaterThan(500);
    const report = parseReport(result.stdout);
    expect(report.totals!.noTtl).toBe(100);
    expect(report.namespaces.find((row) => row.namespace === 'brief:‹id›')?.noTtl ?? 0).toBe(0);
    expect(report.totals!.scanned).toBeLessThan(3100);
    expect(result.code).toBe(1);
  });
});

describe('audit-ttl on a Cluster', () => {
  const prefix = uniquePrefix();
  const entries = dataset(prefix);
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = new Cluster(redis.cluster.seeds, { redisOptions: { protocol: 2 } });
    await seed(cluster, entries);
  });
  afterAll(async () => {
    await remove(cluster, entries);
    cluster.disconnect();
  });

  it('audits every master and finds every key without TTL', async () => {
    const seed = redis.cluster.seeds[0]!;
    const result = await runInProcess(['audit-ttl', `${prefix}:*`, '--url', `redis://${seed.host}:${seed.port}`, '-o', 'json', '--no-policy']);
    expect(result.code).toBe(1);
    const report = parseReport(result.stdout);
    expect(report.topology).toBe('cluster');
    expect(report.nodes).toHaveLength(3);
    expectDatasetAudit(report, prefix);
    expect(new Set(report.instant!.nodes.map((row) => row.node)).size).toBe(3);
  });

  it('audits one replica per shard with --replica, with the same findings', async () => {
    await Promise.all(cluster.nodes('master').map((node) => node.call('WAIT', '1', '5000')));
    const seed = redis.cluster.seeds[0]!;
    const result = await runInProcess(['audit-ttl', `${prefix}:*`, '--url', `redis://${seed.host}:${seed.port}`, '-o', 'json', '--no-policy', '--replica']);
    expect(result.code).toBe(1);
    const report = parseReport(result.stdout);
    const admin = adminClient(seed.port);
    const entries = parseClusterNodes(await callText(admin, 'CLUSTER', 'NODES'));
    admin.disconnect();
    const replicas = new Set(entries.filter((entry) => entry.role === 'replica').map((entry) => `${entry.host}:${entry.port}`));
    expect(report.nodes).toHaveLength(3);
    for (const node of report.nodes) expect(replicas.has(node.node), node.node).toBe(true);
    expectDatasetAudit(report, prefix);
  });
});

describe('audit-ttl through Sentinel', () => {
  const prefix = uniquePrefix();
  const entries = dataset(prefix);
  let master: Redis;

  beforeAll(async () => {
    master = adminClient(redis.sentinel.master.port);
    await seed(master, entries);
    await master.call('WAIT', '1', '5000');
  });
  afterAll(async () => {
    await remove(master, entries);
    master.disconnect();
  });

  const sentinelArgs = () => ['--sentinel', redis.sentinel.sentinels.map((s) => `${s.host}:${s.port}`).join(','), '--master', redis.sentinel.masterName];

  it('audits the master the sentinels name', async () => {
    const result = await runInProcess(['audit-ttl', `${prefix}:*`, ...sentinelArgs(), '-o', 'json', '--no-policy']);
    expect(result.code).toBe(1);
    const report = parseReport(result.stdout);
    expect(report.topology).toBe('sentinel');
    expectDatasetAudit(report, prefix);
  });

  it('audits the replica instead with --replica, with the same findings', async () => {
    const result = await runInProcess(['audit-ttl', `${prefix}:*`, ...sentinelArgs(), '-o', 'json', '--no-policy', '--replica']);
    expect(result.code).toBe(1);
    const report = parseReport(result.stdout);
    expect(report.nodes.map((node) => node.node)).toEqual([`${redis.sentinel.replica.host}:${redis.sentinel.replica.port}`]);
    expectDatasetAudit(report, prefix);
  });
});
