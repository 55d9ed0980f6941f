// The built `cachectl snapshot` as on-call uses it: the HTML file and the JSON on stdout, the
// summary on a terminal-style run, a snapshot as a diff baseline, and the failures that exit 2.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, freePort, startRedis } from '../fixtures/index.js';
import type { RedisProcess } from '../fixtures/index.js';
import { runCli, startCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-snapshot-e2e-'));
let server: RedisProcess;
let url: string;

beforeAll(async () => {
  server = await startRedis({ name: 'snapshot-e2e' });
  url = `redis://127.0.0.1:${server.port}`;
  const client = adminClient(server.port);
  try {
    const pipeline = client.pipeline();
    for (let i = 0; i < 50; i++) pipeline.set(`orders:${i}`, 'x'.repeat(64), 'EX', 3600);
    await pipeline.exec();
  } finally {
    client.disconnect();
  }
});

afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('cachectl snapshot (built binary)', () => {
  it('writes the HTML file and prints the same data as JSON, which diff accepts as a baseline', async () => {
    const file = path.join(dir, 'incident.html');
    const result = await runCli(['snapshot', '--url', url, '-f', file, '--duration', '1s', '--max-time', '10s', '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as { schemaVersion: number; kind: string; generator: string; nodes: unknown[]; keyspace: { available: boolean } };
    expect(doc).toMatchObject({ schemaVersion: 1, kind: 'cachectl-snapshot', keyspace: { available: true } });
    expect(doc.generator).toMatch(/^cachectl \d/);
    expect(doc.nodes).toHaveLength(1);
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<section id="namespaces">');
    // Nothing to run, nothing to load (LATENCY DOCTOR's text may mention a URL; no attribute does).
    expect(html).not.toMatch(/<script|(?:src|href)="(?!#)/);
    expect(result.durationMs).toBeLessThan(10_000);

    const baseline = path.join(dir, 'snapshot.json');
    writeFileSync(baseline, result.stdout);
    const diff = await runCli(['diff', baseline, '--live', '--url', url, '-o', 'table', '--fail-on', 'new-namespace']);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('gate: passed');
  });

  it('summarises on stdout in table mode and names the file', async () => {
    const file = path.join(dir, 'table.html');
    const result = await runCli(['snapshot', '--url', url, '-f', file, '--duration', '1s', '--no-keys', '-o', 'table']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('snapshot of standalone: 1/1 data nodes up');
    expect(result.stdout).toContain('keyspace: skipped: --no-keys');
    expect(result.stdout).toContain(`written: ${file}`);
    expect(existsSync(file)).toBe(true);
  });

  it('on Ctrl-C during the live window writes what it has, says so, and exits 130', async () => {
    const file = path.join(dir, 'interrupted.html');
    const cli = startCli(['snapshot', '--url', url, '-f', file, '--duration', '20s', '-o', 'ndjson']);
    // Well into the 20 s window: start-up and the one-shot reads take about a second.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const doc = JSON.parse(lines[0]!) as { notes: string[]; recording: { windowMs: number } };
    expect(doc.notes).toContain('interrupted: the live recording and the keyspace scan were cut short');
    expect(doc.recording.windowMs).toBeLessThan(20_000);
    expect(readFileSync(file, 'utf8')).toContain('interrupted: the live recording');
  });

  it('exits 2 on a window that does not fit the bound, an unwritable file or no server', async () => {
    const window = await runCli(['snapshot', '--url', url, '--duration', '29s']);
    expect(window.code).toBe(2);
    expect(window.stderr).toContain('--duration leaves no time within --max-time 30s');
    const unwritable = await runCli(['snapshot', '--url', url, '--duration', '1s', '-f', path.join(dir, 'no', 'such', 'dir.html'), '-o', 'table']);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toMatch(/error: cannot write .*dir\.html/);
    const port = await freePort();
    const down = await runCli(['snapshot', '--url', `redis://127.0.0.1:${port}`, '--duration', '1s']);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/error: .*127\.0\.0\.1:\d+/);
  });
});
