// `cachectl bigkeys [pattern]`: the biggest keys by memory and by size per type, size distributions,
// namespace outliers and hot keys, in one scan; `--quick` reads INFO keysizes instead (Redis 8).

import { Command } from 'commander';
import { ExitCode, usageError } from '../../base/errors.js';
import type { ExitCodeValue } from '../../base/errors.js';
import { exitCodeForStatus } from '../../base/status.js';
import { parseByteSize, parseCount, parseThreshold } from '../../base/units.js';
import type { BigKeysOptions, BigKeysReport } from '../../core/bigkeys/bigkeys-report.js';
import { buildBigKeysReport } from '../../core/bigkeys/bigkeys-report.js';
import type { FailOnRule, FindingLimits } from '../../core/bigkeys/key-rules.js';
import { DEFAULT_LIMITS, parseFailOn } from '../../core/bigkeys/key-rules.js';
import { readKeysizes } from '../../core/bigkeys/keysizes.js';
import { renderBigKeysNdjson, renderBigKeysTable, renderKeysizesTable } from '../../render/bigkeys-table.js';
import { renderJson, renderNdjsonLine } from '../../render/json.js';
import type { ScanProgress } from '../../core/scan/scan-progress.js';
import { formatScanProgress } from '../../render/progress.js';
import type { NamespaceFlags } from '../namespace-flags.js';
import { addNamespaceFlags, namespaceOptionsFrom } from '../namespace-flags.js';
import type { CommandContext, Runtime } from '../runtime.js';
import type { ScanFlags } from '../scan-flags.js';
import { addScanFlags, scanOptionsFrom } from '../scan-flags.js';

interface BigKeysFlags extends ScanFlags, NamespaceFlags {
  top: string;
  namespaces: string;
  quick?: boolean;
  failOn: string[];
  big: string;
  shardShare: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function bigkeysCommand(runtime: Runtime): Command {
  const command = addNamespaceFlags(
    new Command('bigkeys')
      .description('biggest keys by memory and by size per type, size distributions, namespace outliers and hot keys, in one scan')
      .argument('[pattern]', 'Redis glob pattern to restrict the scan, e.g. "app:*"'),
  )
    .option('--top <n>', 'keys per list (by memory, per type, hot keys)', '10')
    .option('--namespaces <n>', 'namespaces shown with their biggest key', '20')
    .option('--quick', 'only the per-type size histograms from INFO keysizes (Redis 8+): instant, no scan')
    .option('--fail-on <rule>', 'exit 1 when a rule matches: key-memory>SIZE, key-elements>N, string-length>SIZE, findings>N; repeatable', collect, [])
    .option('--big <size>', 'a key this big without a TTL is a finding', '1mb')
    .option('--shard-share <percent>', "a key over this share of its node's used memory is a finding", '10%');
  addScanFlags(command);
  return command
    .addHelpText('after', `
Sizes are read in the same Lua batch as type, TTL and memory (STRLEN, LLEN, SCARD, ZCARD, HLEN,
XLEN: O(1)), so bigkeys costs about what keys costs. MEMORY USAGE uses the server's default sampling.
Hot keys (OBJECT FREQ) need an LFU maxmemory-policy; cachectl never changes it.

Examples:
  cachectl bigkeys                                   the whole keyspace
  cachectl bigkeys 'cache:*' --top 20
  cachectl bigkeys --replica --rate 20000            gentle: replicas only, 20k keys/s
  cachectl bigkeys --fail-on 'key-memory>50mb' -o json   CI gate: exit 1 when a key over 50 MB exists
  cachectl bigkeys --quick                           INFO keysizes only (Redis 8+)

Exit codes: 0 ok, 1 a --fail-on rule matched, 2 error, 130 interrupted.`)
    .action(runtime.action<BigKeysFlags>(async (ctx, flags, args) => runBigKeys(ctx, bigkeysSettings(flags, args[0], ctx), args[0])));
}

export interface BigKeysSettings {
  scan: BigKeysOptions['scan'];
  namespaces: BigKeysOptions['namespaces'];
  top: number;
  namespaceRows: number;
  limits: FindingLimits;
  failOn: FailOnRule[];
  quick: boolean;
}

/** Validates the flags into settings before anything connects; every mistake names its flag. */
export function bigkeysSettings(flags: BigKeysFlags, pattern: string | undefined, ctx: CommandContext): BigKeysSettings {
  return {
    namespaces: namespaceOptionsFrom(flags),
    top: parseCount(flags.top, '--top', { min: 1, max: 10_000 }),
    namespaceRows: parseCount(flags.namespaces, '--namespaces', { min: 0, max: 10_000 }),
    failOn: flags.failOn.map(parseFailOn),
    limits: { ...DEFAULT_LIMITS, bigBytes: parseByteSize(flags.big, '--big'), shardShare: shardShareOf(flags.shardShare) },
    scan: scanOptionsFrom(flags, pattern, ctx),
    quick: flags.quick === true,
  };
}

async function runBigKeys(ctx: CommandContext, settings: BigKeysSettings, pattern: string | undefined): Promise<ExitCodeValue> {
  const { scan, failOn } = settings;
  const topology = await ctx.connect();
  if (settings.quick) {
    const ignored = [pattern === undefined ? undefined : 'the pattern', failOn.length > 0 ? '--fail-on' : undefined, scan.type === undefined ? undefined : '--type'].filter((part) => part !== undefined);
    if (ignored.length > 0) ctx.warn(`--quick reads whole databases from INFO keysizes; not applied: ${ignored.join(', ')} (run without --quick for them)`);
    const report = await readKeysizes(topology, scan.replica === true);
    if (ctx.output === 'table') ctx.write(renderKeysizesTable(report, ctx.color));
    else ctx.write(ctx.output === 'ndjson' ? renderNdjsonLine(ctx.withTarget(report)) : renderJson(ctx.withTarget(report)));
    return ExitCode.Ok;
  }

  const report = await buildBigKeysReport(topology, {
    ...settings,
    ...(ctx.io.stderr.isTTY === true ? { onProgress: (progress: ScanProgress) => ctx.status(formatScanProgress(progress, scan.match !== undefined)) } : {}),
  });
  for (const notice of report.notices) ctx.warn(notice);
  if (ctx.output === 'table') ctx.write(renderBigKeysTable(report, ctx.color, pattern));
  else ctx.write(ctx.output === 'ndjson' ? renderBigKeysNdjson(ctx.withTarget(report)) : renderJson(ctx.withTarget(report)));
  return exitCodeOf(ctx, report);
}

function shardShareOf(text: string): number {
  const threshold = parseThreshold(text, '--shard-share');
  if (threshold.kind !== 'percent' || threshold.value <= 0) throw usageError('--shard-share', `expects a percentage above 0 such as 10%, got ${JSON.stringify(text)}`);
  return threshold.value / 100;
}

function exitCodeOf(ctx: CommandContext, report: BigKeysReport): ExitCodeValue {
  if (report.status === 'partial') ctx.warn('interrupted: the figures above are partial');
  if (report.status === 'incomplete') {
    const failures = report.nodes.filter((node) => node.status === 'failed').map((node) => `${node.node}: ${node.error?.message ?? ''}`);
    ctx.warn(`incomplete: these nodes could not be fully scanned — ${failures.join('; ')}`);
  }
  if (report.status !== 'complete') return exitCodeForStatus(report.status);
  const failed = (report.failOn ?? []).filter((result) => result.failed);
  if (failed.length === 0) return ExitCode.Ok;
  if (ctx.output !== 'table') ctx.io.stderr.write(`bigkeys: --fail-on ${failed.map((result) => `${result.rule} (${result.matched.toLocaleString('en-US')})`).join(', ')}\n`);
  return ExitCode.Findings;
}
