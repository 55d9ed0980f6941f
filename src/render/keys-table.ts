// The namespace tree of `cachectl keys` as an indented table, with a one-line summary.

import { formatDuration } from '../base/duration.js';
import { decodeKeyFromJson, displayKey } from '../base/key-format.js';
import type { KeysReport, NamespaceRow } from '../core/namespaces/keys-report.js';
import { formatBytes, formatShare } from '../base/units.js';
import type { Cell } from './table.js';
import { renderTable, truncate } from './table.js';


function ttlText(row: NamespaceRow): string {
  if (row.ttl === null) return '-';
  return `${formatDuration(row.ttl.minMs)} / ${formatDuration(row.ttl.p50Ms)} / ${formatDuration(row.ttl.maxMs)}`;
}

export function renderKeysTable(report: KeysReport, color: boolean, pattern: string | undefined, delimiter = ':'): string {
  if (report.scanned === 0 && report.status === 'complete') {
    return `no keys matched${pattern === undefined ? '' : ` ${JSON.stringify(pattern)}`} (${report.dbsize.toLocaleString('en-US')} keys on the scanned nodes)\n`;
  }
  const columns = [
    { header: 'NAMESPACE' },
    { header: 'KEYS', align: 'right' as const },
    { header: '%KEYS', align: 'right' as const },
    { header: 'MEMORY', align: 'right' as const },
    { header: '%MEM', align: 'right' as const },
    { header: 'AVG', align: 'right' as const },
    { header: 'NO TTL', align: 'right' as const },
    { header: 'TTL min/p50/max' },
    { header: 'TYPES' },
    { header: 'EXAMPLE' },
  ];
  const rows: Cell[][] = [];
  // A child is shown by its own segment under its parent: its name minus the parent's and the delimiter.
  const visit = (row: NamespaceRow, parentPrefix: string) => {
    const keys = row.estimatedKeys === undefined ? row.keys.toLocaleString('en-US') : `~${row.estimatedKeys.toLocaleString('en-US')}`;
    const segment = parentPrefix !== '' && row.namespace.startsWith(parentPrefix) ? row.namespace.slice(parentPrefix.length) : row.namespace;
    rows.push([
      `${'  '.repeat(row.depth - 1)}${segment}`,
      keys,
      formatShare(row.keysShare),
      row.memoryBytes === null ? '-' : formatBytes(row.memoryBytes),
      formatShare(row.memoryShare),
      row.avgBytes === null ? '-' : formatBytes(row.avgBytes),
      row.noTtl === 0 ? '0' : { text: row.noTtl.toLocaleString('en-US'), tone: row.noTtl === row.keys ? 'warning' : 'plain' },
      ttlText(row),
      Object.entries(row.types).map(([type, count]) => (Object.keys(row.types).length === 1 ? type : `${type}:${count}`)).join(' '),
      // Escaped like redis-cli: a newline or an escape sequence in a key must not break the table or the terminal.
      row.example === null ? '' : { text: truncate(displayKey(decodeKeyFromJson(row.example)), 40), tone: 'dim' },
    ]);
    for (const child of row.children) visit(child, `${row.namespace}${delimiter}`);
  };
  for (const row of report.namespaces) visit(row, '');
  const summary = [
    `${report.scanned.toLocaleString('en-US')} keys scanned${report.sampled ? ` (a sample, --limit; ${report.dbsize.toLocaleString('en-US')} keys on the nodes — ~ marks estimates)` : ''}`,
    report.memoryBytes === null ? undefined : `${formatBytes(report.memoryBytes)}`,
    `${report.noTtl.toLocaleString('en-US')} without TTL`,
    report.expireByFields > 0 ? `${report.expireByFields.toLocaleString('en-US')} hashes expire field by field` : undefined,
    `${report.namespaceCount.toLocaleString('en-US')} namespaces`,
    `${(report.durationMs / 1000).toFixed(1)}s`,
  ].filter((part) => part !== undefined);
  const state = report.status === 'complete' ? '' : report.status === 'partial' ? ' — PARTIAL (interrupted)' : ' — INCOMPLETE (a node failed)';
  return `${renderTable(columns, rows, color)}\n${summary.join(' · ')}${state}\n`;
}
