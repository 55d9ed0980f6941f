// `cachectl audit-ttl [pattern]`: finds keys without an expiry (and TTLs longer than allowed),
// per namespace and rule, and gates on them for CI: exit 0 pass, 1 fail, 2 error.

import type { RunTarget } from '../../connection/target.js';
import { withTarget } from '../../connection/target.js';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { parseDuration } from '../../base/duration.js';
import { CachectlError, ExitCode, usageError } from '../../base/errors.js';
import type { ExitCodeValue } from '../../base/errors.js';
import type { TtlAuditReport } from '../../core/audit/ttl-audit.js';
import { keyspaceFigure, quickReport, runTtlAudit } from '../../core/audit/ttl-audit.js';
import type { TtlPolicy } from '../../core/audit/ttl-policy.js';
import { buildRules, parseTtlPolicy, POLICY_FILE_NAME } from '../../core/audit/ttl-policy.js';
import { parseCount, parseThreshold } from '../../base/units.js';
import { DEFAULT_JUNIT_CASES, renderAuditJunit } from '../../render/audit-junit.js';
import { renderAuditMarkdown } from '../../render/audit-markdown.js';
import { renderAuditTable } from '../../render/audit-table.js';
import { renderJson, renderNdjsonLine } from '../../render/json.js';
import type { ScanProgress } from '../../core/scan/scan-progress.js';
import { formatScanProgress } from '../../render/progress.js';
import { instantLine } from '../../render/ttl-audit-text.js';
import { assertInputFile } from '../input-file.js';
import type { CommandContext, Runtime } from '../runtime.js';
import type { NamespaceFlags } from '../namespace-flags.js';
import { addNamespaceFlags, namespaceOptionsFrom } from '../namespace-flags.js';
import type { ScanFlags } from '../scan-flags.js';
import { addScanFlags, scanOptionsFrom } from '../scan-flags.js';
import { exitCodeForStatus } from '../../base/status.js';

interface AuditFlags extends ScanFlags, NamespaceFlags {
  maxTtl?: string;
  allow: string[];
  /** A path, or false for --no-policy. */
  policy?: string | false;
  failOnMissing?: string;
  failIfEmpty?: boolean;
  quick?: boolean;
  report: string[];
  top: string;
  examples: string;
  junitCases: string;
}

export type ReportKind = 'junit' | 'markdown' | 'json';
export interface ReportTarget {
  kind: ReportKind;
  file: string;
}

const REPORT_KINDS: Record<string, ReportKind> = { junit: 'junit', xml: 'junit', markdown: 'markdown', md: 'markdown', json: 'json' };

const collect = (value: string, previous: string[]) => [...previous, value];

export function auditTtlCommand(runtime: Runtime): Command {
  const command = addNamespaceFlags(
    new Command('audit-ttl')
      .description('find keys without an expiry (or with too long a TTL), per namespace; a CI gate: exit 0 pass, 1 fail, 2 error')
      .argument('[pattern]', 'Redis glob pattern to restrict the audit, e.g. "app:v2:*"')
      .option('--max-ttl <duration>', 'also flag keys whose TTL is longer than this, e.g. 30d')
      .option('--allow <glob>', 'exempt keys matching this glob (may live forever); repeatable', collect, [])
      .option('--policy <file>', `TTL rules per namespace (default: ./${POLICY_FILE_NAME} when present)`)
      .option('--no-policy', `ignore ./${POLICY_FILE_NAME}`)
      .option('--fail-on-missing <N|P%>', 'violations tolerated per rule before the audit fails (default 0: any violation fails)')
      .option('--fail-if-empty', 'fail when no key was scanned (a pattern that matches nothing passes otherwise)')
      .option('--quick', 'only the instant figure from INFO keyspace (keys − expires), gated, then exit')
      .option('--report <kind=file>', 'also write a report: junit=FILE, markdown=FILE or json=FILE; repeatable', collect, []),
  )
    .option('--top <n>', 'namespaces shown in the table', '20')
    .option('--examples <n>', 'example keys kept per namespace', '3')
    .option('--junit-cases <n>', 'namespace test cases in a JUnit report (worst first; each rule is always a case)', String(DEFAULT_JUNIT_CASES));
  addScanFlags(command);
  return command
    .addHelpText('after', `
Rules (first match wins): --allow globs, the policy file's "allow", its "rules" in order, then
"default": every other key must have a TTL (at most --max-ttl when given).

Examples:
  cachectl audit-ttl                                   every key must expire
  cachectl audit-ttl 'app:*' --max-ttl 30d --allow 'app:config:*'
  cachectl audit-ttl --policy ttl-policy.json --report junit=ttl.xml --report markdown=ttl.md
  cachectl audit-ttl --fail-on-missing 0.5% -o json    CI gate: tolerate up to 0.5% per rule
  cachectl audit-ttl --quick                           INFO keyspace only: instant, no scan
  cachectl audit-ttl --replica --rate 50000 --limit 200000   gentle sampled audit

Exit codes: 0 pass, 1 fail (a rule's violations past its threshold), 2 error, 130 interrupted.`)
    .action(runtime.action<AuditFlags>(async (ctx, flags, args) => runAudit(ctx, flags, args[0])));
}

export interface AuditSettings {
  maxTtlMs: number | undefined;
  namespaces: ReturnType<typeof namespaceOptionsFrom>;
  top: number;
  examples: number;
  /** --junit-cases: namespace test cases in a JUnit report. */
  junitCases: number;
  reports: ReportTarget[];
  policy: TtlPolicy | undefined;
  rules: ReturnType<typeof buildRules>;
  scan: ReturnType<typeof scanOptionsFrom>;
  gate: { failIfEmpty: boolean };
  extra: { pattern?: string; policyFile?: string };
}

/** Everything that can be wrong with the input is found here, before connecting. */
export function auditSettings(flags: AuditFlags, pattern: string | undefined, ctx: CommandContext): AuditSettings {
  const maxTtlMs = flags.maxTtl === undefined ? undefined : positiveDuration(flags.maxTtl, '--max-ttl');
  const failOn = flags.failOnMissing === undefined ? undefined : parseThreshold(flags.failOnMissing, '--fail-on-missing');
  const namespaces = namespaceOptionsFrom(flags);
  const top = parseCount(flags.top, '--top', { min: 1 });
  const examples = parseCount(flags.examples, '--examples', { min: 0, max: 100 });
  const junitCases = parseCount(flags.junitCases, '--junit-cases', { min: 0 });
  for (const glob of flags.allow) if (glob === '') throw usageError('--allow', 'must not be empty', 'give a glob such as "config:*"');
  const reports = flags.report.map(parseReportTarget);
  const policy = loadPolicy(flags.policy, process.cwd());
  const rules = buildRules({ policy, allow: flags.allow, maxTtlMs, failOn });
  const scan = scanOptionsFrom(flags, pattern, ctx);
  const gate = { failIfEmpty: flags.failIfEmpty === true };
  const extra = { ...(pattern === undefined ? {} : { pattern }), ...(policy === undefined ? {} : { policyFile: policy.file }) };
  return { maxTtlMs, namespaces, top, examples, junitCases, reports, policy, rules, scan, gate, extra };
}

async function runAudit(ctx: CommandContext, flags: AuditFlags, pattern: string | undefined): Promise<ExitCodeValue> {
  const { maxTtlMs, namespaces, top, examples, junitCases, reports, policy, rules, scan, gate, extra } = auditSettings(flags, pattern, ctx);

  const topology = await ctx.connect();
  const instant = await keyspaceFigure(topology, scan.replica === true);
  for (const error of instant.errors) ctx.warn(`INFO keyspace could not be read from ${error}`);
  if (ctx.io.stderr.isTTY === true) ctx.io.stderr.write(`${instantLine(instant)}\n`);

  let report: TtlAuditReport;
  if (flags.quick === true) {
    const ignored = [pattern === undefined ? undefined : 'the pattern', flags.allow.length > 0 ? '--allow' : undefined, maxTtlMs === undefined ? undefined : '--max-ttl', policy === undefined ? undefined : `the rules of ${policy.file}`, scan.limit === undefined ? undefined : '--limit'].filter((part) => part !== undefined);
    if (ignored.length > 0) ctx.warn(`--quick counts whole databases from INFO keyspace; not applied: ${ignored.join(', ')} (run without --quick for them)`);
    report = quickReport(topology, instant, rules, gate, extra);
  } else {
    report = await runTtlAudit(topology, {
      scan,
      rules,
      namespaces,
      examples,
      gate,
      ...extra,
      instant,
      ...(ctx.io.stderr.isTTY === true ? { onProgress: (progress: ScanProgress) => ctx.status(formatScanProgress(progress, scan.match !== undefined)) } : {}),
    });
  }

  for (const notice of report.notices) ctx.warn(notice);
  if (ctx.output === 'table') ctx.write(renderAuditTable(report, { color: ctx.color, top, examples }));
  else ctx.write(ctx.output === 'ndjson' ? renderNdjsonLine(ctx.withTarget(report)) : renderJson(ctx.withTarget(report)));
  const runTarget = ctx.target();
  for (const target of reports) writeReport(target, report, { top, examples, junitCases, ...(runTarget === undefined ? {} : { target: runTarget }) });
  return exitCodeOf(ctx, report);
}

function exitCodeOf(ctx: CommandContext, report: TtlAuditReport): ExitCodeValue {
  if (report.status === 'partial') ctx.warn('interrupted: the audit above is partial');
  if (report.status === 'incomplete') {
    const failures = report.nodes.filter((node) => node.status === 'failed').map((node) => `${node.node}: ${node.error?.message ?? ''}`);
    ctx.warn(`incomplete: not every node could be audited${failures.length > 0 ? ` — ${failures.join('; ')}` : ''}`);
  }
  if (report.status !== 'complete') return exitCodeForStatus(report.status);
  // Machine output on stdout; the verdict line still lands in CI logs.
  if (ctx.output !== 'table') ctx.io.stderr.write(`audit-ttl: ${report.verdict.summary}\n`);
  return report.verdict.result === 'pass' ? ExitCode.Ok : ExitCode.Findings;
}

function positiveDuration(text: string, flag: string): number {
  const ms = parseDuration(text, flag);
  if (ms <= 0) throw usageError(flag, `must be longer than 0, got ${JSON.stringify(text)}`);
  return ms;
}

export function parseReportTarget(text: string): ReportTarget {
  const eq = text.indexOf('=');
  const kind = eq > 0 ? REPORT_KINDS[text.slice(0, eq).toLowerCase()] : undefined;
  const file = eq > 0 ? text.slice(eq + 1) : '';
  if (kind === undefined || file === '') {
    throw usageError('--report', `expects KIND=FILE with KIND junit, markdown or json, got ${JSON.stringify(text)}`, 'e.g. --report junit=ttl-audit.xml --report markdown=ttl-audit.md');
  }
  const dir = dirname(resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw usageError('--report', `cannot write ${JSON.stringify(file)}: directory ${dir} does not exist`);
  }
  return { kind, file };
}

/** --policy FILE, or ./.cachectl.json when present (unless --no-policy). */
function loadPolicy(flag: string | false | undefined, cwd: string): TtlPolicy | undefined {
  if (flag === false) return undefined;
  const explicit = flag !== undefined;
  const file = explicit ? flag : POLICY_FILE_NAME;
  const path = explicit ? resolve(cwd, flag) : join(cwd, POLICY_FILE_NAME);
  if (explicit || existsSync(path)) assertInputFile(path, 'policy file', 'give --policy the path of a JSON file with a "ttlPolicy" section', file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!explicit && code === 'ENOENT') return undefined;
    throw new CachectlError('CONFIG', code === 'ENOENT' ? `policy file ${file} does not exist` : `policy file ${file} cannot be read: ${(error as Error).message}`, {
      hint: code === 'ENOENT' ? 'check the path given to --policy' : 'check its permissions',
    });
  }
  const policy = parseTtlPolicy(text, file);
  if (policy === undefined && explicit) {
    throw new CachectlError('CONFIG', `policy file ${file} has no "ttlPolicy" section`, { hint: 'the format is in README "audit-ttl": {"ttlPolicy": {"rules": [...]}}' });
  }
  return policy;
}

function writeReport(target: ReportTarget, report: TtlAuditReport, options: { top: number; examples: number; junitCases: number; target?: RunTarget }): void {
  const where = options.target === undefined ? {} : { target: options.target };
  const text =
    target.kind === 'junit'
      ? renderAuditJunit(report, new Date(), { namespaceCases: options.junitCases, ...where })
      : target.kind === 'markdown'
        ? renderAuditMarkdown(report, options)
        : renderJson(options.target === undefined ? report : withTarget(report, options.target));
  try {
    writeFileSync(target.file, text);
  } catch (error) {
    throw new CachectlError('IO', `--report ${target.kind}=${target.file}: cannot write the file: ${(error as Error).message}`, { hint: 'check the path and its permissions' });
  }
}
