// The TTL audit for a terminal: offending namespaces, then one row per rule with its verdict,
// then the verdict line that says which rule failed and by how much.

import { formatShare } from '../base/units.js';
import type { NamespaceResult, TtlAuditReport } from '../core/audit/ttl-audit.js';
import { formatThreshold } from '../core/audit/ttl-policy.js';
import type { Cell } from './table.js';
import { palette, renderTable, truncate } from './table.js';
import { count, exampleText, flaggedTypesText, instantLine, maybeEstimated, namespaceText, ruleRequirement, scopeLine, statusNote } from './ttl-audit-text.js';

export interface AuditTableOptions {
  color: boolean;
  /** Namespace rows shown (the JSON output has them all). */
  top: number;
  /** Example keys shown per namespace. */
  examples: number;
}

export function renderAuditTable(report: TtlAuditReport, options: AuditTableOptions): string {
  const chalk = palette(options.color);
  const out: string[] = [];
  if (report.mode === 'quick') {
    out.push(renderQuick(report, options.color));
  } else {
    if (report.totals !== null && report.totals.scanned === 0) {
      out.push(`0 keys scanned${report.pattern === null ? '' : ` (nothing matched ${JSON.stringify(report.pattern)})`}\n`);
    } else {
      out.push(renderNamespaces(report.namespaces, options), '');
    }
    out.push(renderRules(report, options.color), '');
    if (report.instant !== null) out.push(chalk.dim(`before the scan, ${instantLine(report.instant)}`));
  }
  out.push(scopeLine(report));
  const note = statusNote(report);
  if (note !== undefined) out.push(chalk.yellow(note));
  const verdict = report.verdict.result === 'pass' ? chalk.green.bold(report.verdict.summary) : chalk.red.bold(report.verdict.summary);
  out.push(verdict);
  return `${out.join('\n')}\n`;
}

function renderNamespaces(rows: NamespaceResult[], options: AuditTableOptions): string {
  const columns = [
    { header: 'NAMESPACE' },
    { header: 'RULE' },
    { header: 'KEYS', align: 'right' as const },
    { header: 'NO TTL', align: 'right' as const },
    { header: 'TTL TOO LONG', align: 'right' as const },
    { header: 'VIOLATING', align: 'right' as const },
    { header: 'TYPES' },
    { header: 'EXAMPLES' },
  ];
  const shown = rows.slice(0, options.top);
  const cells: Cell[][] = shown.map((row) => [
    namespaceText(row),
    { text: row.rule, tone: 'dim' },
    maybeEstimated(row.keys, row.estimatedKeys),
    row.noTtl === 0 ? '0' : { text: count(row.noTtl), tone: row.violations > 0 ? 'warning' : 'dim' },
    row.ttlTooLong === 0 ? '0' : { text: count(row.ttlTooLong), tone: 'warning' },
    row.violations === 0 ? { text: '0%', tone: 'ok' } : { text: formatShare(row.share), tone: row.share >= 0.5 ? 'critical' : 'warning' },
    { text: flaggedTypesText(row), tone: 'dim' },
    // Examples are a hint in a terminal (JSON has them whole): short, so rows stay on one line.
    { text: truncate(row.examples.slice(0, options.examples).map((example) => truncate(exampleText(example), 48)).join(', '), 100), tone: 'dim' },
  ]);
  const more = rows.length > shown.length ? `\n(${count(rows.length - shown.length)} more namespaces: --top, or -o json for all)` : '';
  return `${renderTable(columns, cells, options.color)}${more}`;
}

function renderRules(report: TtlAuditReport, color: boolean): string {
  const columns = [
    { header: 'RULE' },
    { header: 'REQUIRES' },
    { header: 'KEYS', align: 'right' as const },
    { header: 'VIOLATIONS', align: 'right' as const },
    { header: 'SHARE', align: 'right' as const },
    { header: 'ALLOWED', align: 'right' as const },
    { header: 'RESULT' },
  ];
  const cells: Cell[][] = report.rules.map((rule) => [
    rule.name,
    ruleRequirement(rule),
    maybeEstimated(rule.keys, rule.estimatedKeys),
    maybeEstimated(rule.violations, rule.estimatedViolations),
    formatShare(rule.share),
    rule.source === 'allow' ? '-' : formatThreshold(rule.failOn),
    rule.verdict === 'pass' ? { text: 'pass', tone: 'ok' } : { text: 'FAIL', tone: 'critical' },
  ]);
  return renderTable(columns, cells, color);
}

function renderQuick(report: TtlAuditReport, color: boolean): string {
  const instant = report.instant;
  if (instant === null) return 'INFO keyspace could not be read\n';
  const columns = [
    { header: 'NODE' },
    { header: 'DB', align: 'right' as const },
    { header: 'KEYS', align: 'right' as const },
    { header: 'EXPIRES', align: 'right' as const },
    { header: 'NO EXPIRY', align: 'right' as const },
    { header: 'SHARE', align: 'right' as const },
  ];
  const cells: Cell[][] = instant.nodes.map((row) => {
    const tone = row.db === instant.db ? 'plain' : 'dim';
    return [
      { text: row.node, tone },
      { text: String(row.db), tone },
      { text: count(row.keys), tone },
      { text: count(row.expires), tone },
      { text: count(row.noExpiry), tone: row.noExpiry > 0 && row.db === instant.db ? 'warning' : tone },
      { text: formatShare(row.keys > 0 ? row.noExpiry / row.keys : 0), tone },
    ];
  });
  const lines = [cells.length > 0 ? renderTable(columns, cells, color) : 'INFO keyspace lists no keys', '', instantLine(instant)];
  for (const error of instant.errors) lines.push(`could not read INFO from ${error}`);
  lines.push('quick: INFO counts whole databases; patterns, exemptions and --max-ttl need the full scan');
  return `${lines.join('\n')}\n`;
}
