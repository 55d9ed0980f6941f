// `cachectl diff` for a terminal: totals, then the changed namespaces heaviest first, then the gate.

import type { KeyspaceDiff } from '../core/diff/diff.js';
import type { GateViolation } from '../core/diff/gate.js';
import { count, deltaText, spanText, ttlText } from './diff-cells.js';
import type { Cell, Tone } from './table.js';
import { palette, renderTable, truncate } from './table.js';

export function renderDiffTable(diff: KeyspaceDiff, violations: readonly GateViolation[] | null, color: boolean, top: number): string {
  const chalk = palette(color);
  const lines = [
    `${diff.before.source} → ${diff.after.source}`,
    `keys ${spanText(diff.total.keys, 'count')}: ${deltaText(diff.total.keys, 'count')}; memory ${spanText(diff.total.memoryBytes, 'bytes')}: ${deltaText(diff.total.memoryBytes, 'bytes')}; without TTL ${spanText(diff.total.noTtl, 'count')}: ${deltaText(diff.total.noTtl, 'count')}`,
    `${count(diff, 'new')} new, ${count(diff, 'vanished')} vanished (not counting namespaces inside them), ${count(diff, 'changed')} changed, ${diff.unchanged} unchanged namespaces`,
    '',
  ];
  const tone: Record<string, Tone> = { new: 'accent', vanished: 'dim', changed: 'plain' };
  const shown = diff.changes.slice(0, top);
  if (shown.length === 0) lines.push('no namespace changed');
  else {
    lines.push(
      renderTable(
        [{ header: 'NAMESPACE' }, { header: 'CHANGE' }, { header: 'KEYS', align: 'right' }, { header: 'MEMORY', align: 'right' }, { header: 'NO TTL', align: 'right' }, { header: 'TTL P50' }],
        shown.map((change): Cell[] => [
          truncate(`${'  '.repeat(Math.max(0, change.depth - 1))}${change.namespace}`, 60),
          { text: change.change, tone: tone[change.change] ?? 'plain' },
          deltaText(change.keys, 'count'),
          deltaText(change.memoryBytes, 'bytes'),
          { text: deltaText(change.noTtl, 'count'), tone: (change.noTtl.delta ?? 0) > 0 ? 'warning' : 'plain' },
          ttlText(change.ttlP50Ms),
        ]),
        color,
      ),
    );
    if (diff.changes.length > shown.length) lines.push(chalk.dim(`… ${diff.changes.length - shown.length} more (--top, or -o json for all)`));
  }
  for (const caveat of diff.caveats) lines.push(chalk.yellow(`note: ${caveat}`));
  if (violations !== null) {
    lines.push('');
    if (violations.length === 0) lines.push(chalk.green('gate: passed'));
    else {
      lines.push(chalk.red.bold(`gate: failed (${violations.length})`));
      for (const violation of violations) lines.push(`  ${violation.rule}: ${violation.message}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
