// The built binary as a CI job runs it: no terminal, no stdin, NO_COLOR, JSON on stdout, a policy
// file discovered in the working directory, reports written, and the exit code as the gate.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TtlAuditReport } from '../../src/core/audit/ttl-audit.js';
import { adminClient, startRedis, type RedisProcess } from '../fixtures/index.js';
import { runCli } from '../helpers/cli.js';
import { findAll, parseXml } from '../helpers/xml.js';

const HOUR = 3_600_000;

const cachectl = (args: string[], cwd: string) => runCli(args, { cwd });

describe('audit-ttl, built binary, as CI runs it', () => {
  let server: RedisProcess;
  let client: Redis;
  let cwd: string;
  let url: string;
  const prefix = `e2eaudit${randomBytes(4).toString('hex').replace(/[0-9]/g, 'x')}`;

  beforeAll(async () => {
    server = await startRedis({ name: 'audit-ttl-e2e' });
    url = `redis://127.0.0.1:${server.port}`;
    client = adminClient(server.port);
    const pipeline = client.pipeline();
    // 1,000 keys, 140 without TTL (14%), the shape of the benchmark data.
    for (let i = 0; i < 1000; i += 1) {
      const key = i % 5 === 0 ? `${prefix}:sess:${i}` : `${prefix}:user:${i}:profile`;
      if (i % 50 < 7) pipeline.set(key, 'v');
      else pipeline.set(key, 'v', 'PX', HOUR);
    }
    pipeline.set(`${prefix}:config:flags`, 'v');
    await pipeline.exec();
    cwd = mkdtempSync(join(tmpdir(), 'cachectl-e2e-audit-'));
  });

  afterAll(async () => {
    client.disconnect();
    await server.stop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('runs the benchmark invocation: JSON on stdout, the verdict on stderr, exit 1 when keys lack a TTL', async () => {
    const run = await cachectl(['audit-ttl', '--url', url, '-o', 'json'], cwd);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as TtlAuditReport;
    expect(report.totals).toMatchObject({ scanned: 1001, noTtl: 141, violations: 141 });
    expect(report.instant).toMatchObject({ keys: 1001, noExpiry: 141 });
    expect(report.verdict.result).toBe('fail');
    expect(run.stderr).toBe(`audit-ttl: ${report.verdict.summary}\n`);
    expect(run.stdout + run.stderr).not.toMatch(/\x1b\[/); // eslint-disable-line no-control-regex
  });

  it('prints JSON without -o when stdout is not a terminal', async () => {
    const run = await cachectl(['audit-ttl', `${prefix}:user:*`, '--url', url], cwd);
    expect(run.code).toBe(1);
    expect((JSON.parse(run.stdout) as TtlAuditReport).totals!.scanned).toBe(800);
  });

  it('picks up .cachectl.json from the working directory and gates with it (exit 0), writing JUnit and Markdown', async () => {
    writeFileSync(
      join(cwd, '.cachectl.json'),
      JSON.stringify({ ttlPolicy: { failOn: '15%', rules: [{ name: 'config', match: `${prefix}:config:*`, requireTtl: false }] } }, null, 2),
    );
    try {
      const run = await cachectl(['audit-ttl', `${prefix}:*`, '--url', url, '-o', 'json', '--report', 'junit=ttl.xml', '--report', 'markdown=ttl.md'], cwd);
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as TtlAuditReport;
      expect(report.policyFile).toBe('.cachectl.json');
      expect(report.rules.map((rule) => [rule.name, rule.violations, rule.verdict])).toEqual([
        ['config', 0, 'pass'],
        ['default', 140, 'pass'],
      ]);
      const xml = parseXml(readFileSync(join(cwd, 'ttl.xml'), 'utf8'));
      expect(xml.attributes.failures).toBe('0');
      expect(findAll(xml, 'testcase').length).toBe(2 + report.namespaces.length);
      expect(readFileSync(join(cwd, 'ttl.md'), 'utf8')).toMatch(/^### ✅ cachectl audit-ttl: pass\n/);

      // --no-policy ignores it: the default rule and zero tolerance fail again.
      const strict = await cachectl(['audit-ttl', `${prefix}:*`, '--url', url, '-o', 'json', '--no-policy'], cwd);
      expect(strict.code).toBe(1);
    } finally {
      rmSync(join(cwd, '.cachectl.json'));
    }
  });

  it('exits 2 on a broken discovered policy file, naming file, line and field', async () => {
    writeFileSync(join(cwd, '.cachectl.json'), '{\n  "ttlPolicy": { "rules": [ { "match": "x:*", "maxTtl": "3x" } ] }\n}\n');
    try {
      const run = await cachectl(['audit-ttl', '--url', url, '-o', 'json'], cwd);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('policy file .cachectl.json:2:57: ttlPolicy.rules[0].maxTtl expects a duration');
      expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'CONFIG', exitCode: 2 } });
    } finally {
      rmSync(join(cwd, '.cachectl.json'));
    }
  });

  it('exits 2 on a bad flag without touching the server', async () => {
    const run = await cachectl(['audit-ttl', '--url', url, '-o', 'json', '--fail-on-missing', 'lots'], cwd);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: --fail-on-missing expects a count such as 10 or a percentage such as 2\.5%, got "lots"/);
  });

  it('--quick answers from INFO keyspace alone', async () => {
    const run = await cachectl(['audit-ttl', '--quick', '--url', url, '-o', 'json', '--fail-on-missing', '20%'], cwd);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as TtlAuditReport;
    expect(report.mode).toBe('quick');
    expect(report.instant).toMatchObject({ keys: 1001, expires: 860, noExpiry: 141 });
  });
});
