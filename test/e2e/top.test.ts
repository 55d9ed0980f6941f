// `cachectl top` as users run it without a terminal (recording snapshots), its usage errors, and
// proof that only the TUI path loads ink and React. Spawns the built CLI (npm run build first).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRedis, type RedisProcess } from '../fixtures/index.js';
import { startCli, type CliResult } from '../helpers/cli.js';

const redis = inject('redis');
const single = `redis://${redis.single.host}:${redis.single.port}`;

/** Runs the built CLI (test/helpers/cli.ts); `onStdout` sees stdout as it grows and may act mid-run. */
function cachectl(args: string[], options: { env?: Record<string, string>; onStdout?: (text: string, child: ChildProcess) => void } = {}): Promise<CliResult> {
  const { child, done } = startCli(args, options.env === undefined ? {} : { env: options.env });
  if (options.onStdout !== undefined) {
    let seen = '';
    child.stdout!.on('data', (chunk: string) => {
      seen += chunk;
      options.onStdout!(seen, child);
    });
  }
  return done;
}

const records = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { seq: number; nodes: { address: string; status: string; opsPerSec: number | null; latency: { samples: number } }[]; totals: { nodes: number } });

describe('cachectl top without a terminal', () => {
  it('falls back to one JSON snapshot per refresh, with a notice on stderr', async () => {
    const run = await cachectl(['top', '--url', single, '--refresh', '200ms', '--iterations', '3']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('note: the dashboard needs a terminal');
    const lines = records(run.stdout);
    expect(lines).toHaveLength(3);
    expect(lines.map((line) => line.seq)).toEqual([2, 3, 4]);
    for (const line of lines) {
      expect(line.nodes).toHaveLength(1);
      expect(line.nodes[0]!.status).toBe('up');
      expect(typeof line.nodes[0]!.opsPerSec).toBe('number');
      expect(line).not.toHaveProperty('history');
    }
    expect(lines[2]!.nodes[0]!.latency.samples).toBeGreaterThan(0);
  });

  it('-o ndjson records without the notice; a Cluster has 6 rows', async () => {
    const seed = redis.cluster.seeds[0]!;
    const run = await cachectl(['top', '--url', `redis://${seed.host}:${seed.port}`, '-o', 'ndjson', '--refresh', '200ms', '--iterations', '1']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const [line] = records(run.stdout);
    expect(line!.totals.nodes).toBe(6);
    expect(line!.nodes.map((node) => node.status)).toEqual(Array(6).fill('up'));
  });

  it('-o json writes one JSON array', async () => {
    const run = await cachectl(['top', '--url', single, '-o', 'json', '--refresh', '200ms', '--iterations', '2']);
    expect(run.code).toBe(0);
    const parsed = JSON.parse(run.stdout) as unknown[];
    expect(parsed).toHaveLength(2);
  });

  it('stops on Ctrl-C with exit 130 and only whole lines written', async () => {
    let sent = false;
    const run = await cachectl(['top', '--url', single, '-o', 'ndjson', '--refresh', '200ms'], {
      onStdout: (text, child) => {
        if (!sent && text.split('\n').length > 2) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(run.code).toBe(130);
    expect(run.stdout.endsWith('\n')).toBe(true);
    expect(records(run.stdout).length).toBeGreaterThanOrEqual(2);
  });
});

describe('cachectl top when a node dies', () => {
  let server: RedisProcess;
  beforeAll(async () => {
    server = await startRedis({ name: 'top-e2e-dies' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('keeps running and reports the node DOWN instead of exiting', async () => {
    let killed = false;
    const run = await cachectl(['top', '--url', `redis://${server.host}:${server.port}`, '-o', 'ndjson', '--refresh', '200ms', '--iterations', '8', '--timeout', '1s'], {
      onStdout: (text) => {
        if (!killed && text.includes('\n')) {
          killed = true;
          server.kill('SIGKILL');
        }
      },
    });
    expect(run.code).toBe(0);
    const lines = records(run.stdout);
    expect(lines).toHaveLength(8);
    expect(lines[0]!.nodes[0]!.status).toBe('up');
    expect(lines.at(-1)!.nodes[0]!.status).toBe('down');
  });
});

describe('cachectl top usage errors', () => {
  it.each([
    [['--refresh', '0'], '--refresh must be at least 100ms, got "0"'],
    [['--refresh', '50ms'], '--refresh must be at least 100ms, got "50ms"'],
    [['--refresh', 'soon'], '--refresh expects a duration'],
    [['--iterations', '0'], '--iterations expects a whole number ≥ 1'],
    [['--latency-limit', '0'], '--latency-limit must be above 0'],
  ])('%j exits 2 naming the flag', async (flags, message) => {
    const run = await cachectl(['top', '--url', single, ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: ${message}`);
  });

  it('exits 2 when nothing answers at the start', async () => {
    const run = await cachectl(['top', '--url', 'redis://127.0.0.1:1', '-o', 'ndjson']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: cannot connect to node 127.0.0.1:1: connection refused');
  });
});

describe('ink and React load only for the dashboard', () => {
  let hook: string;
  let dir: string;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(() => {
    // A loader hook that refuses to resolve the UI libraries: any command that imports them fails.
    dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-no-ui-'));
    writeFileSync(
      path.join(dir, 'hooks.mjs'),
      `export async function resolve(specifier, context, next) {
  if (/^(ink|react|react-dom|react-reconciler|yoga-layout)(\\/|$)/.test(specifier)) throw new Error('UI module imported: ' + specifier);
  return next(specifier, context);
}\n`,
    );
    hook = path.join(dir, 'register.mjs');
    writeFileSync(hook, `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
  });

  it('the hook catches an import of ink (control)', async () => {
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', hook, '--input-type=module', '-e', `await import(${JSON.stringify(path.resolve('dist/tui/top/run-top.js'))})`], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/UI module imported: (ink|react)/);
  });

  it.each([[['--help']], [['nodes', '--help']], [['top', '--help']], [['nodes', '--url', single, '-o', 'json']], [['top', '--url', single, '-o', 'ndjson', '--iterations', '1', '--refresh', '100ms']]])(
    'cachectl %j never imports them',
    async (args) => {
      const run = await cachectl(args, { env: { NODE_OPTIONS: `--import=${hook}` } });
      expect(run.stderr).not.toContain('UI module imported');
      expect(run.code).toBe(0);
    },
  );

  it('--help lists top', async () => {
    const run = await cachectl(['--help']);
    expect(run.stdout).toMatch(/^\s+top(?: \[options\])?\s+live dashboard/m);
  });
});
