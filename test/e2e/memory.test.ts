// The built `cachectl memory` as CI and on-call use it: each output, --fail-on exit codes, bad
// flags, and a node that dies mid-report.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, startRedis, type RedisProcess } from '../fixtures/index.js';
import { runCli, startCli, tableBody } from '../helpers/cli.js';

const servers: RedisProcess[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});

async function server(args: string[] = []): Promise<RedisProcess> {
  const proc = await startRedis({ name: 'memory-e2e', args });
  servers.push(proc);
  return proc;
}

const url = (proc: RedisProcess): string => `redis://127.0.0.1:${proc.port}`;

interface JsonReport {
  topology: string;
  intervalMs: number;
  partial: boolean;
  nodes: { address: string; status: string; figures: { usedBytes: number; maxmemoryBytes: number } | null; rates: { windowMs: number; opsPerSec: number } | null }[];
  total: { nodes: number; nodesUp: number; usedBytes: number };
  findings: { id: string; severity: string; node: string; message: string; advice: string; figures: Record<string, unknown> }[];
}

/** A server with no maxmemory: one warning finding (maxmemory-unset), nothing critical. */
let unlimited: RedisProcess;
/** A noeviction server filled until it refuses writes: critical findings. */
let full: RedisProcess;

beforeAll(async () => {
  unlimited = await server(['--maxmemory', '0']);
  full = await server(['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction']);
  const filler = adminClient(full.port);
  try {
    for (let refused = false, batch = 0; !refused; batch++) {
      const pipeline = filler.pipeline();
      for (let i = 0; i < 50; i++) pipeline.set(`memory-e2e:${batch}:${i}`, 'x'.repeat(1024));
      refused = ((await pipeline.exec()) ?? []).some(([error]) => error !== null);
    }
  } finally {
    filler.disconnect();
  }
});

describe('cachectl memory (built binary)', () => {
  it('prints the tables and findings, exit 0 without --fail-on', async () => {
    const result = await runCli(['memory', '--url', url(unlimited), '--interval', '200ms', '-o', 'table']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(tableBody(result.stdout, `single 127.0.0.1:${unlimited.port} · db 0`)).toMatch(/^standalone: 1 data node; sampled twice, 200ms apart\n/);
    expect(result.stdout).toMatch(new RegExp(`\\n127\\.0\\.0\\.1:${unlimited.port}\\s+master\\s+up\\s+\\S+ [KM]iB\\s+none\\s+-`));
    expect(result.stdout).toMatch(/\nTOTAL\s+1\/1 up/);
    expect(result.stdout).toContain('TRAFFIC (rates over the ');
    expect(result.stdout).toMatch(/WARNING\s+127\.0\.0\.1:\d+\s+maxmemory-unset: no maxmemory set/);
    expect(result.stdout).not.toContain('\x1b[');
  });

  it('--fail-on warning exits 1 on a warning, --fail-on critical exits 0 on it', async () => {
    const warning = await runCli(['memory', '--url', url(unlimited), '--interval', '0', '-o', 'json', '--fail-on', 'warning']);
    expect(warning.code).toBe(1);
    const report = JSON.parse(warning.stdout) as JsonReport;
    expect(report.findings.filter((f) => f.severity !== 'ok').map((f) => `${f.id}:${f.severity}`)).toEqual(['maxmemory-unset:warning']);
    const critical = await runCli(['memory', '--url', url(unlimited), '--interval', '0', '-o', 'json', '--fail-on', 'critical']);
    expect(critical.code).toBe(0);
  });

  it('-o json: raw numbers, measured window, findings with ids, figures and advice', async () => {
    const result = await runCli(['memory', '--url', url(full), '--interval', '300ms', '-o', 'json', '--fail-on', 'critical']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report).toMatchObject({ topology: 'standalone', intervalMs: 300, partial: false, total: { nodes: 1, nodesUp: 1 } });
    const node = report.nodes[0]!;
    expect(node.figures?.maxmemoryBytes).toBe(2 * 1024 * 1024);
    expect(report.total.usedBytes).toBe(node.figures?.usedBytes);
    expect(node.rates?.windowMs).toBeGreaterThanOrEqual(250);
    const finding = report.findings.find((f) => f.id === 'noeviction-near-limit')!;
    expect(finding).toMatchObject({ severity: 'critical', node: `127.0.0.1:${full.port}` });
    expect(finding.advice).toContain('allkeys-lru');
    expect(finding.figures.oomErrors).toBeGreaterThanOrEqual(1);
  });

  it('-o ndjson: one line per node, then the total', async () => {
    const result = await runCli(['memory', '--url', url(full), '--interval', '0', '-o', 'ndjson']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string; address?: string; nodesUp?: number; findings?: unknown[] });
    expect(lines.map((line) => line.type)).toEqual(['node', 'total']);
    expect(lines[0]!.address).toBe(`127.0.0.1:${full.port}`);
    expect(lines[1]!.nodesUp).toBe(1);
    expect(lines[1]!.findings?.length).toBeGreaterThan(0);
  });

  it('rejects an --interval that is not a duration and a --fail-on level that does not exist, exit 2, before connecting', async () => {
    // Port 1 is closed: a usage error must come first.
    const interval = await runCli(['memory', '--url', 'redis://127.0.0.1:1', '--interval', 'often', '-o', 'table']);
    expect(interval.code).toBe(2);
    expect(interval.stdout).toBe('');
    expect(interval.stderr).toMatch(/^error: --interval expects a duration such as 500ms, 30s, 5m, 24h or 30d, got "often" — units: /);
    const failOn = await runCli(['memory', '--url', 'redis://127.0.0.1:1', '--fail-on', 'info', '-o', 'json']);
    expect(failOn.code).toBe(2);
    expect(JSON.parse(failOn.stdout)).toMatchObject({ error: { code: 'USAGE', exitCode: 2 } });
    expect(failOn.stderr).toContain('--fail-on expects warning or critical, got "info"');
    const sample = await runCli(['memory', '--url', 'redis://127.0.0.1:1', '--sample-keys', 'many', '-o', 'table']);
    expect(sample.code).toBe(2);
    expect(sample.stderr).toMatch(/^error: --sample-keys expects a whole number of keys from 0 to 1000000, got "many" — 0 skips the sample/);
  });

  it('a node killed mid-report is shown down and the run exits 2, even with --fail-on', async () => {
    const doomed = await server();
    const running = startCli(['memory', '--url', url(doomed), '--interval', '1500ms', '-o', 'json', '--fail-on', 'warning', '--timeout', '1s']);
    // Kill once the first sample is certainly taken (the CLI is connected), well inside the interval.
    const probe = new Redis({ port: doomed.port, host: '127.0.0.1', protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    await probe.connect();
    for (let connected = false; !connected; ) {
      const clients = String(await probe.call('CLIENT', 'LIST'));
      connected = clients.includes('name=cachectl');
      if (!connected) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    probe.disconnect();
    doomed.kill('SIGKILL');
    const result = await running.done;
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.nodes[0]).toMatchObject({ status: 'down', figures: null, rates: null });
    expect(report.findings.map((f) => f.id)).toEqual(['node-down']);
    expect(result.stderr).toMatch(new RegExp(`warning: master 127\\.0\\.0\\.1:${doomed.port} is down: `));
  });
});
