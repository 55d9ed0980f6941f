// `cachectl top`: the live dashboard on a terminal, or one JSON snapshot per refresh when recording
// (`-o ndjson`, or whenever stdout is not a terminal). ink and React load only on the TUI path.

import { Command, Option } from 'commander';
import { DashboardModel } from '../../core/dashboard/model.js';
import { ThreadedLatencyProbe } from '../../core/dashboard/threaded-probe.js';
import type { DashboardSnapshot } from '../../core/dashboard/snapshot.js';
import { snapshotRecord } from '../../core/dashboard/snapshot.js';
import type { NodeSort } from '../../core/dashboard/sort.js';
import { NODE_SORTS } from '../../core/dashboard/sort.js';
import { DEFAULT_LATENCY_LIMIT_MS } from '../../core/dashboard/thresholds.js';
import { parseDuration } from '../../base/duration.js';
import { CachectlError, ExitCode, usageError } from '../../base/errors.js';
import type { ExitCodeValue } from '../../base/errors.js';
import { Poller } from '../../base/poller.js';
import { parseCount } from '../../base/units.js';
import { JsonArrayWriter, renderNdjsonLine } from '../../render/json.js';
import type { GlobalFlags } from '../globals.js';
import type { CommandContext, Runtime } from '../runtime.js';
import { prepareInteractiveEnv } from '../interactive-env.js';
import type { NamespaceFlags } from '../namespace-flags.js';
import { addNamespaceFlags, namespaceOptionsFrom } from '../namespace-flags.js';
import type { NamespaceOptions } from '../../core/namespaces/namespace-key.js';
import { DEFAULT_MAX_BUFFER_BYTES, DEFAULT_MAX_OPS } from '../../core/traffic/sample-traffic.js';
import { LiveTraffic } from '../../core/traffic/live-traffic.js';
import type { Topology } from '../../connection/topology.js';
import { formatTarget } from '../../connection/target.js';

interface TopFlags extends NamespaceFlags {
  refresh: string;
  iterations?: string;
  latencyLimit: string;
  sort: NodeSort;
  maxOps: string;
}

export interface TopSettings {
  refreshMs: number;
  iterations: number | undefined;
  latencyLimitMs: number;
  sort: NodeSort;
  /** How the namespace panel groups keys (the same inference as `keys`). */
  namespaces: NamespaceOptions;
  /** The namespace panel does not sample a node busier than this. */
  maxOpsPerSec: number;
}

/** The fastest refresh: ten INFOs per node per second is already more than a dashboard needs. */
export const MIN_REFRESH_MS = 100;

export function topCommand(runtime: Runtime): Command {
  const command = new Command('top')
    .description('live dashboard: ops/s, hit rate, latency, memory, evictions and replication per node')
    .option('--refresh <duration>', `refresh interval, at least ${MIN_REFRESH_MS}ms`, '1s')
    .option('--iterations <n>', 'stop after n refreshes (default: run until q or Ctrl-C)')
    .option('--latency-limit <duration>', 'p99 round trip above which latency is flagged (5× is critical)', `${DEFAULT_LATENCY_LIMIT_MS}ms`)
    .addOption(new Option('--sort <by>', 'initial order of the node table (s cycles)').choices([...NODE_SORTS]).default('topology'))
    .option('--max-ops <n>', "the namespace panel (n) does not sample a node busier than this many ops/s (MONITOR's cost)", String(DEFAULT_MAX_OPS));
  return addNamespaceFlags(command)
    .addHelpText(
      'after',
      `
On a terminal: a full-screen dashboard. Keys: q quit, p pause, s sort, ↑/↓ select, enter detail,
esc back, n traffic per namespace on the selected node (MONITOR while shown), c/h/l charts,
t chart scope, ? help.
Not a terminal, or -o ndjson: one JSON snapshot per refresh on stdout (-o json: one JSON array).

Examples:
  cachectl top --cluster 10.0.0.1:7000
  cachectl top --refresh 2s --latency-limit 5ms
  cachectl top -o ndjson --iterations 60 > incident.ndjson     one minute, recorded`,
    )
    .action(runtime.action<TopFlags>(async (ctx, flags) => runTop(ctx, topSettings(flags), command.optsWithGlobals<GlobalFlags>().output)));
}

/** Validates the flags into settings; every mistake is a usage error naming its flag. */
export function topSettings(flags: TopFlags): TopSettings {
  const refreshMs = parseDuration(flags.refresh, '--refresh');
  if (refreshMs < MIN_REFRESH_MS) {
    throw usageError('--refresh', `must be at least ${MIN_REFRESH_MS}ms, got ${JSON.stringify(flags.refresh)}`, 'use e.g. --refresh 1s (the default) or --refresh 500ms');
  }
  const latencyLimitMs = parseDuration(flags.latencyLimit, '--latency-limit');
  if (latencyLimitMs <= 0) throw usageError('--latency-limit', `must be above 0, got ${JSON.stringify(flags.latencyLimit)}`, 'e.g. --latency-limit 10ms');
  const iterations = flags.iterations === undefined ? undefined : parseCount(flags.iterations, '--iterations', { min: 1 });
  return { refreshMs, iterations, latencyLimitMs, sort: flags.sort, namespaces: namespaceOptionsFrom(flags), maxOpsPerSec: parseCount(flags.maxOps, '--max-ops', { min: 1 }) };
}

type Mode = 'tui' | 'ndjson' | 'json';

/** The longest wait for the latency worker's first PINGs before the first snapshot (it starts in well under that). */
const PROBE_START_WAIT_MS = 2000;

async function runTop(ctx: CommandContext, settings: TopSettings, output: string | undefined): Promise<ExitCodeValue> {
  const terminal = ctx.io.stdout.isTTY === true && ctx.io.stdin.isTTY === true;
  let mode: Mode;
  if (output === 'json' || output === 'ndjson') mode = output;
  else if (terminal) mode = 'tui';
  else {
    // Drawing a dashboard into a pipe or file would garble it: record snapshots instead.
    mode = 'ndjson';
    ctx.machineOutput();
    ctx.io.stderr.write(`note: ${output === 'table' ? '-o table needs' : 'the dashboard needs'} a terminal on stdin and stdout; writing one JSON snapshot per refresh instead (-o ndjson)\n`);
  }

  const topology = await ctx.connect();
  // Latency is timed in a worker thread: the dashboard's own rendering must never show as a node's p99.
  const probe = new ThreadedLatencyProbe();
  const model = new DashboardModel(topology, { refreshMs: settings.refreshMs, probe });
  try {
    await probe.ready(PROBE_START_WAIT_MS);
    // A first sample is the baseline the first rates are measured from; it also proves a node answers.
    const baseline = await model.refresh(ctx.signal);
    if (baseline.totals.up === 0) {
      const first = baseline.nodes[0];
      throw new CachectlError(first?.error?.code ?? 'CONNECT', `no node answered: ${first?.error?.message ?? 'the topology has no data nodes'}`, {
        hint: 'check the address and that redis-server is running there',
      });
    }
    const poller = new Poller({ intervalMs: settings.refreshMs, fetch: (signal) => model.refresh(signal), signal: ctx.signal, initial: baseline });
    try {
      if (mode === 'tui') {
        prepareInteractiveEnv();
        const { runTopTui } = await import('../../tui/top/run-top.js');
        const target = ctx.target();
        poller.start(false);
        const reason = await runTopTui({
          poller,
          model,
          // A terminal was checked above: these are the process's TTY streams.
          stdout: ctx.io.stdout as NodeJS.WriteStream,
          stdin: ctx.io.stdin as NodeJS.ReadStream,
          stderr: ctx.io.stderr as NodeJS.WriteStream,
          color: ctx.color,
          latencyLimitMs: settings.latencyLimitMs,
          ...(target === undefined ? {} : { target: formatTarget(target) }),
          initialSort: settings.sort,
          openTraffic: (address) => liveTraffic(topology, address, settings),
          iterations: settings.iterations,
          signal: ctx.signal,
        });
        // q and Ctrl-C are the dashboard's own keys (exit 0); SIGTERM, SIGHUP or an outside abort interrupt it.
        return reason === 'interrupt' ? ExitCode.Interrupted : ExitCode.Ok;
      }
      await record(ctx, poller, mode, settings.iterations);
      return ExitCode.Ok;
    } finally {
      poller.stop();
    }
  } finally {
    await model.close();
  }
}

/** The namespace panel's sampler for one node of the topology: never changes a setting. */
function liveTraffic(topology: Topology, address: string, settings: TopSettings): LiveTraffic {
  const node = [...topology.masters(), ...topology.replicas()].find((candidate) => candidate.address === address);
  if (node === undefined) throw new CachectlError('USAGE', `${address} is no longer part of the topology`);
  return new LiveTraffic(node, { db: topology.db, namespaces: settings.namespaces, maxOpsPerSec: settings.maxOpsPerSec, maxBufferBytes: DEFAULT_MAX_BUFFER_BYTES });
}

/** Writes every new snapshot until --iterations or an interrupt; a JSON array is closed either way. */
async function record(ctx: CommandContext, poller: Poller<DashboardSnapshot>, mode: 'ndjson' | 'json', iterations: number | undefined): Promise<void> {
  let written = 0;
  const array = new JsonArrayWriter();
  let lastError: string | null = null;
  if (mode === 'json') ctx.write(array.open());
  await new Promise<void>((resolve) => {
    poller.subscribe((state) => {
      if (state.stopped) {
        resolve();
        return;
      }
      if (state.error !== null) {
        const message = state.error instanceof Error ? state.error.message : String(state.error);
        if (message !== lastError) ctx.warn(`refresh failed: ${message}`);
        lastError = message;
        return;
      }
      lastError = null;
      if (state.value === undefined || state.refreshes <= written) return;
      written = state.refreshes;
      const record = ctx.withTarget(snapshotRecord(state.value));
      if (mode === 'ndjson') ctx.write(renderNdjsonLine(record));
      else ctx.write(array.element(record));
      if (iterations !== undefined && written >= iterations) poller.stop();
    });
    poller.start(false);
  });
  if (mode === 'json') ctx.write(array.close());
}
