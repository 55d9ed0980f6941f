// `cachectl traffic`: what clients do to which namespaces right now — ops, reads, writes, misses and
// hit rate per namespace, hot keys, stampedes — from a time-boxed MONITOR sample and key-miss events.

import { homedir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { formatDuration, parseDuration } from '../../base/duration.js';
import { CachectlError, ExitCode, usageError } from '../../base/errors.js';
import type { ExitCodeValue } from '../../base/errors.js';
import { encodeKeyForJson } from '../../base/key-format.js';
import { parseByteSize, parseCount } from '../../base/units.js';
import { closeClient } from '../../connection/topology.js';
import type { ChangedSetting } from '../../core/traffic/miss-events.js';
import { RestoreState, manualRestoreCommand, restoreSetting } from '../../core/traffic/miss-events.js';
import type { TrafficOptions, TrafficReport } from '../../core/traffic/sample-traffic.js';
import { DEFAULT_MAX_BUFFER_BYTES, DEFAULT_MAX_OPS, DEFAULT_TRAFFIC_MS, MAX_TRAFFIC_MS, sampleTraffic } from '../../core/traffic/sample-traffic.js';
import { MonitorRefusedError } from '../../core/traffic/node-sampler.js';
import { sampleNodeFigures } from '../../core/traffic/node-figures.js';
import type { NodeHandle } from '../../connection/topology.js';
import { renderJson, renderNdjsonLine } from '../../render/json.js';
import { renderNodeFigures, renderTrafficReport } from '../../render/traffic.js';
import type { NamespaceFlags } from '../namespace-flags.js';
import { addNamespaceFlags, namespaceOptionsFrom } from '../namespace-flags.js';
import type { CommandContext, Runtime } from '../runtime.js';

interface TrafficFlags extends NamespaceFlags {
  duration?: string;
  allowLong?: boolean;
  enableMissEvents?: boolean;
  restoreConfig?: boolean;
  maxOps: string;
  maxBuffer: string;
  stampede: string;
  top: string;
  rows: string;
  replica?: boolean;
}

/** Where settings changed on servers are recorded until put back. */
export function restoreStateFile(env: Record<string, string | undefined>): string {
  const dir = env.CACHECTL_STATE_DIR || path.join(env.XDG_STATE_HOME || path.join(env.HOME ?? homedir(), '.local', 'state'), 'cachectl');
  return path.join(dir, 'traffic-restore.json');
}

type TrafficSettings = Omit<TrafficOptions, 'signal' | 'onProgress' | 'restoreState'> & { rows: number };

/** Validates the flags before anything connects. */
export function trafficSettings(flags: TrafficFlags): TrafficSettings {
  const durationMs = flags.duration === undefined ? DEFAULT_TRAFFIC_MS : parseDuration(flags.duration, '--duration');
  if (durationMs <= 0) throw usageError('--duration', 'must be longer than 0', 'e.g. --duration 10s');
  if (durationMs > MAX_TRAFFIC_MS && flags.allowLong !== true) {
    throw usageError('--duration', `is longer than ${formatDuration(MAX_TRAFFIC_MS)}: MONITOR costs the server for as long as it runs`, 'add --allow-long if you accept that cost');
  }
  return {
    durationMs,
    namespaces: namespaceOptionsFrom(flags),
    enableMissEvents: flags.enableMissEvents === true,
    maxOpsPerSec: parseCount(flags.maxOps, '--max-ops', { min: 1 }),
    maxBufferBytes: parseByteSize(flags.maxBuffer, '--max-buffer'),
    stampedeMisses: parseCount(flags.stampede, '--stampede', { min: 2 }),
    top: parseCount(flags.top, '--top', { min: 0 }),
    rows: parseCount(flags.rows, '--rows', { min: 1 }),
    replica: flags.replica === true,
  };
}

export function trafficCommand(runtime: Runtime): Command {
  return addNamespaceFlags(
    new Command('traffic')
      .description('hit rate, reads, writes and misses per namespace, hot keys and stampedes, from a short MONITOR sample')
      .option('--duration <duration>', `how long to sample (default ${formatDuration(DEFAULT_TRAFFIC_MS)}, at most ${formatDuration(MAX_TRAFFIC_MS)})`)
      .option('--allow-long', `allow --duration beyond ${formatDuration(MAX_TRAFFIC_MS)}`)
      .option('--enable-miss-events', "turn key-miss events (notify-keyspace-events 'Em') on for the window and put the old setting back after")
      .option('--restore-config', 'put back a notify-keyspace-events setting that an interrupted or killed run left changed, then exit')
      .option('--max-ops <n>', 'refuse to sample a node busier than this many ops/s', String(DEFAULT_MAX_OPS))
      .option('--max-buffer <size>', "stop when the server holds this much output for cachectl's monitor connection", `${DEFAULT_MAX_BUFFER_BYTES / 1024 / 1024}mb`)
      .option('--stampede <n>', 'misses of one key within one second that make it a stampede candidate', '5')
      .option('--top <n>', 'hot keys, stampedes and write-heavy keys shown', '10')
      .option('--rows <n>', 'namespaces shown in the table (the rest are summed in one row)', '30')
      .option('--replica', 'sample replicas instead of masters (sees reads sent to replicas, and writes as replication)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  cachectl traffic                                  10 s on every master; hit rates if key-miss events are on
  cachectl traffic --enable-miss-events --duration 30s
  cachectl traffic -o json > traffic.json
  cachectl traffic --restore-config                 after a run was killed: put notify-keyspace-events back

MONITOR copies every command to cachectl: it refuses nodes above --max-ops, and stops at once if the
server starts buffering more than --max-buffer for it. Hit rate needs key-miss events (class m); with
--enable-miss-events cachectl turns them on for the window only, records the change in
${'$'}CACHECTL_STATE_DIR (default ~/.local/state/cachectl) first, and puts the old value back on every exit.

Exit codes: 0 ok, 1 refused (a node above --max-ops), 2 error, sampling stopped early, or a setting
that could not be put back (the manual command is printed), 130 interrupted (what was sampled is shown).`,
    )
    .action(
      runtime.action<TrafficFlags>(async (ctx, flags) => {
        const state = new RestoreState(restoreStateFile(ctx.io.env));
        if (flags.restoreConfig === true) return restoreLeftovers(ctx, state);
        const settings = trafficSettings(flags);
        const topology = await ctx.connect();
        refuseOverLeftovers(state, topology.masters().concat(topology.replicas()).map((node) => node.address));
        ctx.status(`sampling ${formatDuration(settings.durationMs)}…`);
        let report: TrafficReport;
        try {
          report = await sampleTraffic(topology, {
            ...settings,
            restoreState: state,
            signal: ctx.signal,
            onProgress: (elapsedMs, commands) => ctx.status(`sampling: ${formatDuration(elapsedMs)} of ${formatDuration(settings.durationMs)}, ${commands.toLocaleString('en-US')} commands`),
          });
        } catch (error) {
          if (!(error instanceof MonitorRefusedError)) throw error;
          return withoutMonitor(ctx, runtime, error, settings.replica === true ? topology.replicas() : topology.masters(), settings.durationMs);
        }
        writeReport(ctx, report, settings.rows);
        return warnAndExitCode(ctx, report);
      }),
    );
}

/**
 * MONITOR refused: what INFO still tells over the same window — each node's ops/s and hit rate, and
 * whether its policy keeps LFU frequencies for `bigkeys` to name hot keys. The exit code stays the
 * refusal's (2): the per-namespace report that was asked for could not be made.
 */
async function withoutMonitor(ctx: CommandContext, runtime: Runtime, refusal: MonitorRefusedError, nodes: readonly NodeHandle[], durationMs: number): Promise<ExitCodeValue> {
  ctx.status(`MONITOR not permitted; reading INFO over ${formatDuration(durationMs)}…`);
  const figures = await sampleNodeFigures(nodes, durationMs, ctx.signal);
  if (ctx.output === 'table') {
    ctx.write(renderNodeFigures(figures, durationMs, ctx.color));
    return runtime.report(refusal);
  }
  const error = { code: refusal.code, message: refusal.message, hint: refusal.hint ?? null, exitCode: refusal.exitCode };
  const document = ctx.withTarget({ monitor: false, error, durationMs, nodes: figures });
  ctx.write(ctx.output === 'json' ? renderJson(document) : renderNdjsonLine({ type: 'nodes-without-monitor', ...document }));
  return runtime.report(refusal, { json: false });
}

/** A run must not stack its change on top of one an earlier run has not put back. */
function refuseOverLeftovers(state: RestoreState, addresses: string[]): void {
  const left = state.list().filter((entry) => addresses.includes(entry.address));
  if (left.length === 0) return;
  const where = left.map((entry) => `${entry.address} (pid ${entry.pid}, ${entry.startedAt})`).join(', ');
  throw new CachectlError('CONFIG', `an earlier traffic run left notify-keyspace-events changed on ${where}`, { hint: 'run `cachectl traffic --restore-config` with the same connection flags first' });
}

async function restoreLeftovers(ctx: CommandContext, state: RestoreState): Promise<ExitCodeValue> {
  const entries = state.list();
  if (entries.length === 0) {
    ctx.warn(`nothing to restore: ${state.file} lists no changed setting`);
    return ExitCode.Ok;
  }
  const topology = await ctx.connect();
  const nodes = new Map([...topology.masters(), ...topology.replicas()].map((node) => [node.address, node]));
  let failed = 0;
  for (const entry of entries) {
    const node = nodes.get(entry.address);
    if (node === undefined) {
      failed += 1;
      ctx.warn(`${entry.address} is not part of this connection; connect to it (--url redis://${entry.address}) or run: ${manualRestoreCommand(entry)}`);
      continue;
    }
    const client = node.newClient();
    const result = await restoreSetting(client, entry);
    await closeClient(client);
    reportRestore(ctx, entry, result);
    if (result.outcome === 'failed') failed += 1;
    else state.remove(entry.address);
  }
  return failed > 0 ? ExitCode.Error : ExitCode.Ok;
}

function reportRestore(ctx: CommandContext, entry: ChangedSetting, result: { outcome: string; reason?: string }): void {
  if (result.outcome === 'restored') ctx.warn(`${entry.address}: notify-keyspace-events put back to '${entry.previous}'`);
  else if (result.outcome === 'changed-since') ctx.warn(`${entry.address}: left as is — ${result.reason ?? 'changed since'}`);
  else ctx.warn(`${entry.address}: could not put notify-keyspace-events back (${result.reason ?? 'unknown error'}); run: ${manualRestoreCommand(entry)}`);
}

function jsonReport(report: TrafficReport): object {
  return {
    ...report,
    hotKeys: report.hotKeys.map(({ key, ...rest }) => ({ ...encodeKeyForJson(key), ...rest })),
    stampedes: report.stampedes.map(({ key, ...rest }) => ({ ...encodeKeyForJson(key), ...rest })),
    writeHeavy: report.writeHeavy.map(({ key, ...rest }) => ({ ...encodeKeyForJson(key), ...rest })),
  };
}

function writeReport(ctx: CommandContext, report: TrafficReport, rows: number): void {
  if (ctx.output === 'json') {
    ctx.write(renderJson(ctx.withTarget(jsonReport(report))));
  } else if (ctx.output === 'ndjson') {
    const json = jsonReport(report) as Record<string, unknown[]> & Record<string, unknown>;
    for (const row of report.namespaces) ctx.write(renderNdjsonLine({ type: 'namespace', ...row }));
    for (const key of json.hotKeys as unknown[]) ctx.write(renderNdjsonLine({ type: 'hot-key', ...(key as object) }));
    for (const key of json.stampedes as unknown[]) ctx.write(renderNdjsonLine({ type: 'stampede', ...(key as object) }));
    for (const key of json.writeHeavy as unknown[]) ctx.write(renderNdjsonLine({ type: 'write-heavy', ...(key as object) }));
    const { namespaces: _n, hotKeys: _h, stampedes: _s, writeHeavy: _w, ...summary } = report;
    ctx.write(renderNdjsonLine({ type: 'summary', ...ctx.withTarget(summary) }));
  } else {
    ctx.write(renderTrafficReport(report, ctx.color, rows));
  }
}

function warnAndExitCode(ctx: CommandContext, report: TrafficReport): ExitCodeValue {
  for (const node of report.nodes) {
    if (node.missEvents === 'off') ctx.warn(`${node.address}: no hit rate — ${node.missEventsReason ?? 'key-miss events off'}; add --enable-miss-events (needs CONFIG) to turn them on for the window`);
    if (node.restore !== undefined && node.restore.outcome !== 'restored') {
      const manual = node.restore.manual === undefined ? '' : `; run: ${node.restore.manual}`;
      ctx.warn(`${node.address}: notify-keyspace-events not put back — ${node.restore.reason ?? node.restore.outcome}${manual}`);
    }
    if (node.peakBufferBytes === null) ctx.warn(`${node.address}: the monitor connection's server-side buffer could not be watched (CLIENT LIST not permitted or too many clients)`);
  }
  for (const stop of report.stops) ctx.warn(stop);
  if (report.interrupted) return ExitCode.Interrupted;
  if (!report.complete || report.nodes.some((node) => node.restore?.outcome === 'failed')) return ExitCode.Error;
  return ExitCode.Ok;
}
