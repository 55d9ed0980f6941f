// What `cachectl top` costs the machine it runs on: the dashboard's own CPU (utime + stime of all
// its threads, /proc/<pid>/stat) at a 1 s refresh against a 6-node Cluster (3 masters + 3 replicas,
// the test fixtures' Cluster), over a 30 s window after a 3 s warm-up, once recording (-o ndjson to
// a file) and once drawing the dashboard in a 100×30 tmux terminal. Target: under 5% of one core.
// It needs none of the seeded keyspace; its "server s" is what the six nodes spent answering it.
// TOP_BENCH_WARMUP_MS and TOP_BENCH_WINDOW_MS shorten the windows for a quick look.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { diffCommandStats, readServersSnapshot } from '../lib/commandstats.js';
import { startBenchCluster } from '../lib/fixtures.js';
import { cpuSeconds, measure, readStatus } from '../lib/measure.js';
import { startTerminal, terminalMeasurement } from '../lib/tmux.js';
import { CACHECTL_BIN, REPO_ROOT, cachectlArgv, toolEnv } from '../lib/tools.js';

const WARMUP_MS = Number(process.env.TOP_BENCH_WARMUP_MS ?? 3_000);
const WINDOW_MS = Number(process.env.TOP_BENCH_WINDOW_MS ?? 30_000);
const REFRESH = '1s';
/** The dashboard's budget: under this share of one core. */
export const TOP_TARGET_PERCENT = 5;
const TERMINAL = { columns: 100, rows: 30 };

/**
 * @typedef {{ stop(): Promise<void>, nodes: { port: number, pid: number }[], seeds: { host: string, port: number }[] }} Cluster
 * @typedef {{ cluster: Cluster, stop: () => Promise<void>, nodes: import('ioredis').Redis[], seed: string }} TopState
 */

/** @param {import('../lib/runner.js').BenchContext} ctx */
const state = (ctx) => /** @type {TopState} */ (/** @type {unknown} */ (ctx.state));

/**
 * After the warm-up: the process's CPU over the window, and what the Cluster served meanwhile.
 * Undefined when the process is gone before the window ends.
 * @param {number} pid
 * @param {import('ioredis').Redis[]} nodes
 */
async function cpuWindow(pid, nodes) {
  try {
    await sleep(WARMUP_MS);
    const before = await readServersSnapshot(nodes);
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    await sleep(WINDOW_MS);
    const cpu1 = cpuSeconds(pid);
    const wallMs = performance.now() - t0;
    const after = await readServersSnapshot(nodes);
    const cpu = cpu1 - cpu0;
    return {
      wallMs,
      cpuSeconds: cpu,
      cpuPercent: (cpu / (wallMs / 1_000)) * 100,
      peakRssKb: readStatus(pid)?.hwmKb ?? 0,
      server: { ...diffCommandStats(before.commands, after.commands), cpuS: after.cpuS - before.cpuS },
    };
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** @param {TopState} s */
const topArgs = (s) => ['top', '--cluster', s.seed, '--refresh', REFRESH];

/**
 * `top -o ndjson` writing to a file, stopped with SIGINT after the window.
 * @type {NonNullable<import('../lib/runner.js').BenchRun['execute']>}
 */
async function measureRecording(ctx, io) {
  const s = state(ctx);
  /** @type {Promise<Awaited<ReturnType<typeof cpuWindow>>> | undefined} */
  let windowDone;
  const measured = await measure({
    argv: cachectlArgv([...topArgs(s), '-o', 'ndjson']),
    stdoutFile: io.stdoutFile,
    stderrFile: io.stderrFile,
    cwd: REPO_ROOT,
    env: toolEnv(),
    timeoutMs: io.timeoutMs,
    onSpawn: (pid) => {
      io.onSpawn();
      windowDone = cpuWindow(pid, s.nodes).finally(() => {
        try {
          process.kill(pid, 'SIGINT');
        } catch {
          // Already gone: the exit status tells why.
        }
      });
    },
  });
  const figures = await windowDone;
  if (figures === undefined) return { ...measured, notes: ['top exited before the end of the window'] };
  // measure.js polled VmHWM over the whole life, shutdown included: keep its peak.
  const { peakRssKb: _atWindowEnd, ...inWindow } = figures;
  const lines = readFileSync(io.stdoutFile, 'utf8').split('\n').filter((line) => line !== '');
  /** @type {{ totals?: { nodes?: number, up?: number } }} */
  let last = {};
  try {
    last = JSON.parse(lines.at(-1) ?? '{}');
  } catch {
    // Reported below as an unreadable snapshot.
  }
  const totals = last.totals ?? {};
  // One snapshot per refresh over warm-up + window, and the last one sees the whole Cluster.
  const expected = Math.floor((WARMUP_MS + WINDOW_MS) / 1_000) - 1;
  return {
    ...measured,
    ...inWindow,
    verified: lines.length >= expected && totals.nodes === s.cluster.nodes.length && totals.up === totals.nodes,
    notes: [`${lines.length} NDJSON snapshots written (≥ ${expected} expected); last one: ${totals.up ?? '?'} of ${totals.nodes ?? '?'} nodes up`],
  };
}

/**
 * The dashboard drawn in a tmux terminal, quit with `q` after the window.
 * @type {NonNullable<import('../lib/runner.js').BenchRun['execute']>}
 */
async function measureDashboard(ctx, io) {
  const s = state(ctx);
  const started = performance.now();
  const terminal = startTerminal({ argv: cachectlArgv(topArgs(s)), ...TERMINAL, env: toolEnv({ color: true }), cwd: REPO_ROOT, dir: ctx.workDir });
  try {
    io.onSpawn();
    const figures = await cpuWindow(terminal.pid, s.nodes);
    const screen = await terminal.screen();
    const shown = s.cluster.nodes.filter((node) => screen.includes(String(node.port))).length;
    if (figures === undefined) {
      return {
        ...terminalMeasurement({ exitCode: (await terminal.state()).status, wallMs: performance.now() - started, peakRssKb: 0 }),
        notes: ['top exited before the end of the window', `screen: ${screen.trim().split('\n').slice(-3).join(' | ')}`],
      };
    }
    await terminal.sendKeys('q');
    const exitCode = await terminal.waitForExit(5_000);
    return {
      ...terminalMeasurement({ exitCode, wallMs: figures.wallMs, peakRssKb: figures.peakRssKb }),
      ...figures,
      // A dashboard that did not quit on `q` is a failure too (exit null).
      verified: shown === s.cluster.nodes.length,
      notes: [`${shown} of ${s.cluster.nodes.length} node ports on screen at the end of the window; quit with q${exitCode === null ? ': did not exit within 5 s' : ''}`],
    };
  } finally {
    await terminal.close();
  }
}

/** @type {import('../lib/runner.js').Scenario} */
export const topScenario = {
  name: 'top',
  description: `cachectl top's own CPU at a ${REFRESH} refresh against a 6-node Cluster, -o ndjson and the TUI (target < ${TOP_TARGET_PERCENT}% of one core)`,
  keyspace: false,
  async prepare(ctx) {
    ctx.log('[top] starting a 3 masters + 3 replicas Cluster');
    Object.assign(ctx.state, await startBenchCluster({ masters: 3, replicasPerMaster: 1 }));
  },
  runs(ctx) {
    const s = state(ctx);
    const window = `${WINDOW_MS / 1_000} s window`;
    const cli = `node ${CACHECTL_BIN.slice(REPO_ROOT.length + 1)} ${topArgs(s).join(' ')}`;
    return [
      {
        id: 'ndjson',
        tool: 'cachectl',
        label: `top --refresh ${REFRESH} -o ndjson (${window})`,
        command: `${cli} -o ndjson > FILE; SIGINT after ${(WARMUP_MS + WINDOW_MS) / 1_000} s`,
        execute: measureRecording,
        onBenchServer: false,
        medianBy: 'cpu',
        // Ctrl-C (SIGINT) is how a recording ends: exit 130 after a whole line.
        okExitCodes: [130],
      },
      {
        id: 'tui',
        tool: 'cachectl',
        label: `top --refresh ${REFRESH}, TUI in tmux ${TERMINAL.columns}×${TERMINAL.rows} (${window})`,
        command: `tmux new-session -x ${TERMINAL.columns} -y ${TERMINAL.rows} '${cli}'; q after ${(WARMUP_MS + WINDOW_MS) / 1_000} s`,
        execute: measureDashboard,
        onBenchServer: false,
        medianBy: 'cpu',
      },
    ];
  },
  async work() {
    return undefined;
  },
  async afterRun(_ctx, _run, result) {
    if (result.status !== 'ok' || result.cpuPercent === undefined) return;
    const within = result.cpuPercent < TOP_TARGET_PERCENT;
    result.summary = `CPU ${result.cpuPercent.toFixed(2)}% of one core (target < ${TOP_TARGET_PERCENT}%${within ? '' : ': OVER'})`;
    result.notes.push(`CPU ${result.cpuSeconds?.toFixed(2)} s over ${result.wallS?.toFixed(1)} s; server s = the 6 nodes' commandstats over the same window`);
  },
  async cleanup(ctx) {
    await state(ctx).stop?.();
  },
};
