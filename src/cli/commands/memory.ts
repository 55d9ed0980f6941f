// `cachectl memory`: is Redis out of memory, fragmented, evicting, or missing? Samples INFO on every
// data node, explains the figures as findings, and with --fail-on gates a CI job on them.

import { Command } from 'commander';
import { parseDuration } from '../../base/duration.js';
import { ExitCode, usageError } from '../../base/errors.js';
import type { ExitCodeValue } from '../../base/errors.js';
import type { Severity } from '../../core/memory/memory-findings.js';
import { SEVERITY_RANK } from '../../core/memory/memory-findings.js';
import type { MemoryReport, MemoryReportOptions } from '../../core/memory/memory-report.js';
import { DEFAULT_MEMORY_INTERVAL_MS, sampleMemory } from '../../core/memory/memory-report.js';
import { DEFAULT_SAMPLE_KEYS } from '../../core/memory/keyspace-kinds.js';
import { renderJson, renderNdjsonLine } from '../../render/json.js';
import { renderMemoryReport } from '../../render/memory.js';
import type { CommandContext, Runtime } from '../runtime.js';

interface MemoryFlags {
  interval?: string;
  sampleKeys?: string;
  doctor?: boolean;
  failOn?: string;
}

export interface MemoryCommandOptions {
  report: MemoryReportOptions;
  /** Exit 1 when a finding is at least this severe; null never fails on findings. */
  failOn: Exclude<Severity, 'ok'> | null;
}

const FAIL_ON_LEVELS = ['warning', 'critical'] as const;

/** Validates the flags before anything connects. */
export function memorySettings(flags: MemoryFlags): MemoryCommandOptions {
  const intervalMs = flags.interval === undefined ? DEFAULT_MEMORY_INTERVAL_MS : parseDuration(flags.interval, '--interval');
  let failOn: MemoryCommandOptions['failOn'] = null;
  if (flags.failOn !== undefined) {
    const level = flags.failOn.trim().toLowerCase();
    if (!(FAIL_ON_LEVELS as readonly string[]).includes(level)) {
      throw usageError('--fail-on', `expects warning or critical, got ${JSON.stringify(flags.failOn)}`, 'warning fails on warnings and criticals; critical only on criticals');
    }
    failOn = level as MemoryCommandOptions['failOn'];
  }
  const sampleKeys = flags.sampleKeys === undefined ? DEFAULT_SAMPLE_KEYS : parseSampleKeys(flags.sampleKeys);
  return { report: { intervalMs, doctor: flags.doctor === true, sampleKeys }, failOn };
}

function parseSampleKeys(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) > 1_000_000) {
    throw usageError('--sample-keys', `expects a whole number of keys from 0 to 1000000, got ${JSON.stringify(text)}`, `0 skips the sample; the default is ${DEFAULT_SAMPLE_KEYS}`);
  }
  return Number(text);
}

export function memoryCommand(runtime: Runtime): Command {
  return new Command('memory')
    .description('memory, fragmentation, eviction and hit-rate report with findings and advice')
    .option('--interval <duration>', 'time between the two INFO samples the rates come from; 0 for a single instant sample (default 1s)')
    .option('--doctor', "append each node's MEMORY DOCTOR text")
    .option('--sample-keys <n>', `keys to sample (type and TTL only) to find queues, locks and sessions, which must not be evicted; 0 skips it (default ${DEFAULT_SAMPLE_KEYS})`)
    .option('--fail-on <severity>', 'exit 1 when a finding is at least this severe: warning or critical')
    .addHelpText(
      'after',
      `
Examples:
  cachectl memory                                  every node, rates over 1s
  cachectl memory --interval 10s --doctor          a longer window, plus the server's own advice
  cachectl memory -o json --fail-on warning        in CI: exit 1 on any warning or critical finding

Exit codes: 0 ok, 1 a finding at or above --fail-on, 2 a node down or another error, 130 interrupted.
Finding ids and the JSON schema: README, section "memory".`,
    )
    .action(
      runtime.action<MemoryFlags>(async (ctx, flags) => {
        const options = memorySettings(flags);
        const topology = await ctx.connect();
        if (options.report.intervalMs > 0) ctx.status(`sampling INFO twice, ${flags.interval ?? '1s'} apart…`);
        const report = await sampleMemory(topology, options.report, ctx.signal);
        writeReport(ctx, report);
        warnAbout(ctx, report);
        return exitCodeFor(report, options.failOn);
      }),
    );
}

function writeReport(ctx: CommandContext, report: MemoryReport): void {
  if (ctx.output === 'json') {
    ctx.write(renderJson(ctx.withTarget(report)));
  } else if (ctx.output === 'ndjson') {
    for (const node of report.nodes) ctx.write(renderNdjsonLine({ type: 'node', topology: report.topology, ...node }));
    const { nodes: _nodes, total, ...summary } = report;
    ctx.write(renderNdjsonLine({ type: 'total', ...ctx.withTarget(summary), ...total }));
  } else {
    ctx.write(renderMemoryReport(report, ctx.color));
  }
}

/** Down nodes and refused commands, once per kind rather than once per node. */
function warnAbout(ctx: CommandContext, report: MemoryReport): void {
  for (const node of report.nodes) {
    if (node.status === 'down') ctx.warn(`${node.role} ${node.address} is down: ${node.error?.message ?? 'no answer'}`);
  }
  const byMessage = new Map<string, string[]>();
  for (const node of report.nodes) {
    for (const note of node.notes) byMessage.set(note.message, [...(byMessage.get(note.message) ?? []), node.address]);
  }
  for (const [message, addresses] of byMessage) {
    const where = addresses.length <= 3 ? addresses.join(', ') : `${addresses.length} nodes`;
    ctx.warn(`${where}: ${message}`);
  }
  if (report.partial) ctx.warn('interrupted during the interval: figures are from the first sample and there are no rates');
}

/** Interrupted beats a node down (2), which beats findings at or above --fail-on (1). */
export function exitCodeFor(report: MemoryReport, failOn: MemoryCommandOptions['failOn']): ExitCodeValue {
  if (report.partial) return ExitCode.Interrupted;
  if (report.nodes.some((node) => node.status === 'down')) return ExitCode.Error;
  if (failOn !== null && report.findings.some((finding) => SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[failOn])) return ExitCode.Findings;
  return ExitCode.Ok;
}
