// `cachectl diff BEFORE AFTER`: how the keyspace changed between two saved documents (or a saved one
// and a live scan), per namespace, and with --fail-on a CI gate on it.

import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { CachectlError, ExitCode, usageError } from '../../base/errors.js';
import type { ExitCodeValue } from '../../base/errors.js';
import { parseCount } from '../../base/units.js';
import { compareKeyspaces } from '../../core/diff/diff.js';
import type { KeyspaceDiff } from '../../core/diff/diff.js';
import type { GateRule, GateViolation } from '../../core/diff/gate.js';
import { evaluateGate, parseGateRule } from '../../core/diff/gate.js';
import type { KeyspaceSide } from '../../core/diff/keyspace-doc.js';
import { readKeyspaceDocument, sideFromKeysReport } from '../../core/diff/keyspace-doc.js';
import { buildKeysReport } from '../../core/namespaces/keys-report.js';
import { MARKDOWN_LIMIT, renderDiffMarkdown } from '../../render/diff-markdown.js';
import { renderDiffTable } from '../../render/diff-table.js';
import { renderJson, renderNdjsonLine } from '../../render/json.js';
import type { NamespaceFlags } from '../namespace-flags.js';
import { addNamespaceFlags, namespaceOptionsFrom } from '../namespace-flags.js';
import { assertInputFile } from '../input-file.js';
import type { CommandContext, Runtime } from '../runtime.js';
import type { ScanFlags } from '../scan-flags.js';
import { addScanFlags, scanOptionsFrom } from '../scan-flags.js';
import type { ReportTarget } from './audit-ttl.js';
import { parseReportTarget } from './audit-ttl.js';

interface DiffFlags extends NamespaceFlags, ScanFlags {
  live?: boolean;
  failOn: string[];
  report: string[];
  rows: string;
  top: string;
}

export interface DiffCommandOptions {
  rules: GateRule[];
  reports: ReportTarget[];
  rows: number;
  top: number;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Validates the flags and the arguments before anything is read or connected. */
export function parseDiffFlags(flags: DiffFlags, args: readonly string[]): DiffCommandOptions {
  const wanted = flags.live === true ? 1 : 2;
  if (args.length !== wanted) {
    throw new CachectlError('USAGE', flags.live === true ? `--live compares one file with the server, got ${args.length} files` : `diff needs two files, BEFORE and AFTER, got ${args.length}`, {
      hint: 'cachectl diff before.json after.json, or cachectl diff before.json --live',
    });
  }
  const reports = flags.report.map(parseReportTarget);
  for (const report of reports) if (report.kind === 'junit') throw usageError('--report', 'takes markdown=FILE or json=FILE for a diff', 'e.g. --report markdown=keyspace-diff.md');
  return {
    rules: flags.failOn.map(parseGateRule),
    reports,
    rows: parseCount(flags.rows, '--rows', { min: 1 }),
    top: parseCount(flags.top, '--top', { min: 1 }),
  };
}

export function diffCommand(runtime: Runtime): Command {
  const command = addNamespaceFlags(
    new Command('diff')
      .description('compare two keyspaces (keys -o json or snapshot -o json files, or one file and the live server) per namespace; a CI gate with --fail-on')
      .argument('<before>', 'baseline: a JSON file from cachectl keys -o json or cachectl snapshot -o json')
      .argument('[after]', 'the same for the state to compare (or --live)')
      .option('--live', 'compare BEFORE with a scan of the server now')
      .option('--fail-on <rule>', "exit 1 when a rule is crossed; repeatable: 'memory>+20%', 'noTtl>+0', 'keys<-50%', 'total.memory>+100mb', new-namespace, new-namespace-without-ttl, vanished-namespace", collect, [])
      .option('--report <kind=file>', 'also write markdown=FILE (for a pull-request comment, under 60,000 characters) or json=FILE; repeatable', collect, [])
      .option('--rows <n>', 'changed namespaces shown in the table', '30')
      .option('--top <n>', 'with --live: namespaces kept per level, as the baseline was taken (cachectl keys --top)', '20'),
  );
  addScanFlags(command);
  return command
    .addHelpText(
      'after',
      `
Examples:
  cachectl keys -o json > baseline.json                       take a baseline
  cachectl diff baseline.json --live                          what changed since
  cachectl diff baseline.json after.json --fail-on 'memory>+20%' --fail-on 'noTtl>+0' \\
      --fail-on new-namespace-without-ttl --report markdown=diff.md

Rules: METRIC>N or METRIC<N, METRIC one of keys, memory, noTtl (per namespace) or total.keys,
total.memory, total.noTtl (the whole keyspace); N a signed count, size (memory: 512kb, 100mb) or
percentage of the before figure (new namespaces are judged by the named rules, not percentages).
Named rules: new-namespace, new-namespace-without-ttl (a new namespace with a key without TTL),
vanished-namespace. Namespaces are compared by name: take both sides with the same --delimiter,
--depth and --top.
Exit codes: 0 no rule crossed, 1 a rule crossed (reasons on stdout and stderr), 2 usage, file or connection error, 130 interrupted.`,
    )
    .action(runtime.action<DiffFlags>(async (ctx, flags, args) => runDiff(ctx, flags, args)));
}

async function runDiff(ctx: CommandContext, flags: DiffFlags, args: string[]): Promise<ExitCodeValue> {
  const options = parseDiffFlags(flags, args);
  const before = readSide(args[0]!);
  const after = flags.live === true ? await liveSide(ctx, flags, options.top) : readSide(args[1]!);
  if (ctx.signal.aborted) throw new CachectlError('INTERRUPTED', 'interrupted during the live scan: nothing compared');
  const diff = compareKeyspaces(before, after);
  const violations = options.rules.length === 0 ? null : evaluateGate(diff, options.rules);
  const document = ctx.withTarget(diffDocument(diff, options.rules, violations));
  const live = ctx.target();
  for (const target of options.reports) writeReport(target.file, target.kind === 'markdown' ? renderDiffMarkdown(diff, violations, MARKDOWN_LIMIT, live) : renderJson(document));
  if (ctx.output === 'table') ctx.write(renderDiffTable(diff, violations, ctx.color, options.rows));
  else if (ctx.output === 'json') ctx.write(renderJson(document));
  else ctx.write(renderNdjsonLine(document));
  if (violations !== null && violations.length > 0) {
    // The table lists the reasons already; machine output gets them on stderr for the CI log.
    if (ctx.output !== 'table') for (const violation of violations) ctx.warn(`gate ${violation.rule}: ${violation.message}`);
    return ExitCode.Findings;
  }
  return ExitCode.Ok;
}

function diffDocument(diff: KeyspaceDiff, rules: readonly GateRule[], violations: readonly GateViolation[] | null) {
  return { ...diff, gate: violations === null ? null : { rules: rules.map((rule) => rule.text), passed: violations.length === 0, violations } };
}

function readSide(file: string): KeyspaceSide {
  assertInputFile(file, 'keyspace document', 'pass a file written by cachectl keys -o json or cachectl snapshot -o json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CachectlError('IO', code === 'ENOENT' ? `${file} does not exist` : `cannot read ${file}: ${(error as Error).message}`, { hint: 'pass a file written by cachectl keys -o json or cachectl snapshot -o json' });
  }
  return readKeyspaceDocument(text, file);
}

async function liveSide(ctx: CommandContext, flags: DiffFlags, top: number): Promise<KeyspaceSide> {
  const scan = { ...scanOptionsFrom(flags, undefined, ctx), wantType: true, wantTtl: true, wantMemory: true };
  const topology = await ctx.connect();
  ctx.status('scanning the live keyspace…');
  const report = await buildKeysReport(topology, { scan, namespaces: namespaceOptionsFrom(flags), sort: 'memory', top });
  for (const notice of report.notices) ctx.warn(notice);
  return sideFromKeysReport(report, 'live', 'live', new Date().toISOString());
}

function writeReport(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw new CachectlError('IO', `--report ${file}: cannot write the file: ${(error as Error).message}`, { hint: 'check the path and its permissions' });
  }
}
