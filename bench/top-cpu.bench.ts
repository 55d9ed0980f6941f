// What `cachectl top` costs its own machine: CPU of the cachectl process at a 1 s refresh against
// a 6-node Cluster (3 masters + 3 replicas from the test fixtures), from /proc/<pid>/stat
// utime+stime over a 30 s window after a warm-up, both recording (-o ndjson) and drawing the TUI
// in a tmux terminal. Target: under 5% of one core. Linux only; needs a build (npm run build).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sleep, startCluster, type ClusterFixture } from '../test/fixtures/index.js';

const run = promisify(execFile);
const CLI = path.resolve('bin/cachectl.js');
const WARMUP_MS = Number(process.env.TOP_BENCH_WARMUP_MS ?? 3000);
const WINDOW_MS = Number(process.env.TOP_BENCH_WINDOW_MS ?? 30_000);
const TARGET_PERCENT = 5;
const SOCKET = `cachectl-top-bench-${process.pid}`;

/** Clock ticks per second for /proc/<pid>/stat (sysconf CLK_TCK). */
async function clockTicks(): Promise<number> {
  return Number((await run('getconf', ['CLK_TCK'])).stdout.trim());
}

/** utime + stime of a process in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Percent of one core the process used over the window, after the warm-up. */
async function measure(pid: number, ticksPerSecond: number): Promise<{ percent: number; cpuSeconds: number; wallSeconds: number }> {
  await sleep(WARMUP_MS);
  const ticks0 = cpuTicks(pid);
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  const ticks1 = cpuTicks(pid);
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpuSeconds = (ticks1 - ticks0) / ticksPerSecond;
  return { percent: (cpuSeconds / wallSeconds) * 100, cpuSeconds, wallSeconds };
}

let cluster: ClusterFixture;
let recorder: ChildProcess | undefined;

beforeAll(async () => {
  cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
});

afterAll(async () => {
  recorder?.kill('SIGKILL');
  await run('tmux', ['-L', SOCKET, 'kill-server']).catch(() => {});
  await cluster?.stop();
});

it('costs under 5% of one core at a 1 s refresh against a 6-node Cluster', async () => {
  const ticks = await clockTicks();
  const seed = cluster.seeds[0]!;
  const args = ['top', '--cluster', `${seed.host}:${seed.port}`, '--refresh', '1s'];

  recorder = spawn(process.execPath, [CLI, ...args, '-o', 'ndjson'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const ndjson = await measure(recorder.pid!, ticks);
  recorder.kill('SIGINT');

  // The TUI in a 100×30 terminal; `exec` makes the pane's process cachectl itself.
  await run('tmux', ['-L', SOCKET, '-f', '/dev/null', 'new-session', '-d', '-s', 'bench', '-x', '100', '-y', '30', `exec ${process.execPath} ${CLI} ${args.join(' ')}`]);
  const panePid = Number((await run('tmux', ['-L', SOCKET, 'display-message', '-p', '-t', 'bench', '#{pane_pid}'])).stdout.trim());
  const tui = await measure(panePid, ticks);
  await run('tmux', ['-L', SOCKET, 'send-keys', '-t', 'bench', 'q']);

  const result = {
    refreshMs: 1000,
    nodes: 6,
    windowSeconds: WINDOW_MS / 1000,
    ndjson: { cpuPercentOfOneCore: Number(ndjson.percent.toFixed(2)), cpuSeconds: ndjson.cpuSeconds },
    tui: { cpuPercentOfOneCore: Number(tui.percent.toFixed(2)), cpuSeconds: tui.cpuSeconds },
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  };
  mkdirSync('.bench-data', { recursive: true });
  writeFileSync('.bench-data/top-cpu.json', `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `\ncachectl top, 1 s refresh, 6-node Cluster, ${result.windowSeconds} s window:\n` +
      `  -o ndjson: ${result.ndjson.cpuPercentOfOneCore}% of one core (${ndjson.cpuSeconds.toFixed(2)} s CPU)\n` +
      `  TUI (tmux 100×30): ${result.tui.cpuPercentOfOneCore}% of one core (${tui.cpuSeconds.toFixed(2)} s CPU)\n`,
  );
  expect(ndjson.percent).toBeLessThan(TARGET_PERCENT);
  expect(tui.percent).toBeLessThan(TARGET_PERCENT);
});
