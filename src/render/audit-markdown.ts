// The TTL audit as a Markdown summary for a pull-request comment: the verdict first, a table of
// rules, then the namespaces with violations. Pure: report in, GitHub-flavoured Markdown out.

import type { RunTarget } from '../connection/target.js';
import { formatTarget } from '../connection/target.js';
import { formatShare } from '../base/units.js';
import type { TtlAuditReport } from '../core/audit/ttl-audit.js';
import { formatThreshold } from '../core/audit/ttl-policy.js';
import { count, exampleText, flaggedTypesText, instantLine, maybeEstimated, namespaceText, ruleRequirement, scopeLine, statusNote } from './ttl-audit-text.js';

export interface AuditMarkdownOptions {
  /** Namespace rows listed. @default 20 */
  top?: number;
  /** Example keys per namespace. @default 3 */
  examples?: number;
  /** What the audit ran against; named on a line under the scope. */
  target?: RunTarget;
  /** The report never grows past this many characters (GitHub comments stop at 65,536). @default 60,000 */
  maxChars?: number;
}

/** Longest key or namespace shown in a cell; longer ones are shortened with an ellipsis. */
const MAX_NAME_CHARS = 200;

export function renderAuditMarkdown(report: TtlAuditReport, options: AuditMarkdownOptions = {}): string {
  const top = options.top ?? 20;
  const examples = options.examples ?? 3;
  const maxChars = options.maxChars ?? 60_000;
  const pass = report.verdict.result === 'pass';
  const out: string[] = [];
  let shortened = 0;
  const short = (text: string): string => {
    if (text.length <= MAX_NAME_CHARS) return text;
    shortened += 1;
    return `${text.slice(0, MAX_NAME_CHARS - 1)}…`;
  };
  out.push(`### ${pass ? '✅' : report.verdict.result === 'incomplete' ? '⚠️' : '❌'} cachectl audit-ttl: ${pass ? 'pass' : report.verdict.result === 'incomplete' ? 'INCOMPLETE' : 'FAIL'}`, '');
  out.push(inline(report.verdict.summary), '');
  out.push(inline(scopeLine(report)), '');
  if (options.target !== undefined) out.push(inline(`Target: ${formatTarget(options.target)}`), '');
  const note = statusNote(report);
  if (note !== undefined) out.push(`> **${inline(note)}**`, '');
  if (report.instant !== null) out.push(inline(`${report.mode === 'quick' ? '' : 'Before the scan, '}${instantLine(report.instant)}`), '');

  if (report.rules.length > 0) {
    out.push('| Rule | Requires | Keys | Violations | Share | Allowed | Result |', '| --- | --- | ---: | ---: | ---: | ---: | --- |');
    for (const rule of report.rules) {
      out.push(
        row([
          code(rule.name),
          inline(ruleRequirement(rule)),
          inline(maybeEstimated(rule.keys, rule.estimatedKeys)),
          inline(maybeEstimated(rule.violations, rule.estimatedViolations)),
          formatShare(rule.share),
          rule.source === 'allow' ? '–' : inline(formatThreshold(rule.failOn)),
          rule.verdict === 'pass' ? '✅ pass' : '❌ **FAIL**',
        ]),
      );
    }
    out.push('');
  }

  const offending = report.namespaces.filter((namespace) => namespace.violations > 0);
  if (offending.length > 0) {
    out.push('| Namespace | Rule | Keys | No TTL | TTL too long | Violating | Types | Examples |', '| --- | --- | ---: | ---: | ---: | ---: | --- | --- |');
    // Rows stop before the report would pass maxChars (room kept for the closing lines).
    let size = out.join('\n').length;
    let listed = 0;
    for (const namespace of offending.slice(0, top)) {
      const line = row([
        code(short(namespaceText(namespace))),
        code(namespace.rule),
        inline(maybeEstimated(namespace.keys, namespace.estimatedKeys)),
        count(namespace.noTtl),
        count(namespace.ttlTooLong),
        formatShare(namespace.share),
        inline(flaggedTypesText(namespace)),
        namespace.examples.slice(0, examples).map((example) => code(short(exampleText(example)))).join('<br>'),
      ]);
      if (size + line.length + 1 > maxChars - 600) break;
      out.push(line);
      size += line.length + 1;
      listed += 1;
    }
    if (offending.length > listed) out.push('', `…and ${count(offending.length - listed)} more namespaces with violations (see the JSON report).`);
    if (shortened > 0) out.push('', `${count(shortened)} long key or namespace names were shortened to ${MAX_NAME_CHARS} characters (…).`);
    out.push('');
  } else if (report.mode === 'scan' && report.totals !== null && report.totals.scanned > 0) {
    out.push('No namespace has violations.', '');
  }
  const text = `${out.join('\n').trimEnd()}\n`;
  // The header lines quote the verdict and scope, which could hold a huge pattern: cut as a last resort.
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 80)}\n\n…report cut at ${count(maxChars)} characters (see the JSON report).\n`;
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/**
 * Inline code that shows any text literally: a fence longer than any run of backticks inside,
 * padded when the text starts or ends with one; `|` escaped, which GFM requires even in code
 * spans inside a table. Newlines cannot occur (keys are shown redis-cli style, escaped).
 */
export function code(text: string): string {
  if (text === '') return '` `';
  const runs = text.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((run) => run.length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}${pad}${fence}`;
}

/**
 * Plain text in a paragraph or table cell: backslash-escapes what Markdown could read as markup
 * (emphasis, code, links, HTML, strikethrough, table pipes), and a heading, list or quote marker at
 * the start. Parentheses and the like stay as they are, so the raw text reads well too.
 */
export function inline(text: string): string {
  return text
    .replace(/[\\`*_[\]<>|~]/g, (char) => `\\${char}`)
    .replace(/^[#+=-]/, (start) => `\\${start}`)
    .replace(/^(\d+)([.)])(?= |$)/, '$1\\$2')
    .replace(/\r?\n/g, ' ');
}
