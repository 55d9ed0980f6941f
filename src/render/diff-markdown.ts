// `cachectl diff -o markdown`-style text for a pull-request comment: totals, the gate's verdict, and
// the heaviest changes, kept under GitHub's comment limit by dropping rows, never by cutting mid-row.

import type { RunTarget } from '../connection/target.js';
import { formatTarget } from '../connection/target.js';
import type { KeyspaceDiff, NamespaceChange } from '../core/diff/diff.js';
import type { GateViolation } from '../core/diff/gate.js';
import { code, inline } from './audit-markdown.js';
import { count, deltaText, spanText, ttlText } from './diff-cells.js';

/** GitHub's comment limit is 65,536 characters; stay well below it. */
export const MARKDOWN_LIMIT = 60_000;

export function renderDiffMarkdown(diff: KeyspaceDiff, violations: readonly GateViolation[] | null, limit = MARKDOWN_LIMIT, target?: RunTarget): string {
  const head: string[] = [
    `### Keyspace diff: ${code(diff.before.source)} → ${code(diff.after.source)}`,
    '',
    target === undefined ? '' : inline(`Target (live side): ${formatTarget(target)}`),
    '',
    violations === null ? '' : violations.length === 0 ? '**Gate: passed**' : `**Gate: failed** (${violations.length})`,
    ...(violations ?? []).slice(0, 50).map((v) => `- ${code(v.rule)}: ${inline(v.message)}`),
    violations !== null && violations.length > 50 ? `- … ${violations.length - 50} more` : '',
    '',
    `${count(diff, 'new')} new, ${count(diff, 'vanished')} vanished, ${count(diff, 'changed')} changed, ${diff.unchanged} unchanged namespaces.`,
    '',
    '| | before | after | change |',
    '| --- | ---: | ---: | ---: |',
    `| keys | ${diff.total.keys.before ?? '?'} | ${diff.total.keys.after ?? '?'} | ${deltaText(diff.total.keys, 'count')} |`,
    `| memory | ${spanText(diff.total.memoryBytes, 'bytes').split(' → ').join(' | ')} | ${deltaText(diff.total.memoryBytes, 'bytes')} |`,
    `| keys without TTL | ${diff.total.noTtl.before ?? '?'} | ${diff.total.noTtl.after ?? '?'} | ${deltaText(diff.total.noTtl, 'count')} |`,
    '',
    ...diff.caveats.map((caveat) => `> ${inline(caveat)}`),
    '',
  ].filter((line, index, all) => !(line === '' && all[index - 1] === ''));
  const header = ['| namespace | change | keys | memory | without TTL | TTL p50 |', '| --- | --- | ---: | ---: | ---: | --- |'];
  const rows = diff.changes.map((change) => row(change));
  let text = [...head, ...header].join('\n');
  let shown = 0;
  for (const line of rows) {
    const reserve = 120; // the "N more" line
    if (text.length + line.length + 1 + reserve > limit) break;
    text += `\n${line}`;
    shown += 1;
  }
  if (rows.length === 0) text += '\n| *no namespace changed* | | | | | |';
  if (shown < rows.length) text += `\n\n… ${rows.length - shown} more changed namespaces (see the JSON output).`;
  text += `\n\n${diff.unchanged} namespaces unchanged.\n`;
  return text;
}

function row(change: NamespaceChange): string {
  return `| ${code(change.namespace)} | ${change.change} | ${deltaText(change.keys, 'count')} | ${deltaText(change.memoryBytes, 'bytes')} | ${deltaText(change.noTtl, 'count')} | ${ttlText(change.ttlP50Ms)} |`;
}
