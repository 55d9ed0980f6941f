// The namespace tree of `cachectl keys` as an indented table, with a one-line summary.

import { formatDuration } from '../base/duration.js';
import { decodeKeyFromJson, displayKey } from '../base/key-format.js';
import type { KeysReport, NamespaceRemainder, NamespaceRow } from '../core/namespaces/keys-report.js';
import { formatBytes, formatShare } from '../base/units.js';
import type { Cell } from './table.js';
import { renderTable, truncate } from './table.js';


function ttlText(row: NamespaceRow): string {
  if (row.ttl === null) return '-';
  return `${formatDuration(row.ttl.minMs)} / ${formatDuration(row.ttl.p50Ms)} / ${formatDuration(row.ttl.maxMs)}`;
}

export function renderKeysTable(report: KeysReport, color: boolean, pattern: string | undefined): string {
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
  // Under --limit every count is the report's own estimate (the JSON's `estimated`), marked `~`, never some of them.
  const count = (n: number, estimate: number | undefined) => (estimate === undefined ? n.toLocaleString('en-US') : `~${estimate.toLocaleString('en-US')}`);
  const bytes = (n: number | null, estimate: number | null | undefined) => (n === null ? '-' : estimate === undefined || estimate === null ? formatBytes(n) : `~${formatBytes(estimate)}`);
  const visit = (row: NamespaceRow) => {
    const est = row.estimated;
    const segment = row.segments[row.segments.length - 1]?.text ?? row.namespace;
    const extra = [row.distinctValues === undefined ? undefined : `${row.distinctValuesAtLeast === true ? '≥' : ''}${row.distinctValues.toLocaleString('en-US')} values`, row.label ?? undefined].filter((part) => part !== undefined);
    const typeNames = Object.keys(row.types);
    rows.push([
      `${'  '.repeat(row.depth - 1)}${segment}${extra.length > 0 ? `  (${extra.join('; ')})` : ''}`,
      count(row.keys, est?.keys ?? row.estimatedKeys),
      formatShare(row.keysShare),
      bytes(row.memoryBytes, est?.memoryBytes),
      formatShare(row.memoryShare),
      row.avgBytes === null ? '-' : formatBytes(row.avgBytes),
      row.noTtl === 0 ? '0' : { text: count(row.noTtl, est?.noTtl), tone: row.noTtl === row.keys ? 'warning' : 'plain' },
      ttlText(row),
      typeNames.map((type) => (typeNames.length === 1 ? type : `${type}:${est === undefined ? row.types[type] : `~${est.types[type] ?? 0}`}`)).join(' '),
      // Escaped like redis-cli: a newline or an escape sequence in a key must not break the table or the terminal.
      row.example === null ? '' : { text: truncate(displayKey(decodeKeyFromJson(row.example)), 40), tone: 'dim' },
    ]);
    for (const child of row.children) visit(child);
    if (row.remainder !== null) rows.push(remainderRow(row.remainder, row.depth + 1));
  };
  const remainderRow = (rest: NamespaceRemainder, depth: number): Cell[] => {
    const est = rest.estimated;
    const keys = count(rest.keys, est?.keys ?? rest.estimatedKeys);
    const memory = bytes(rest.memoryBytes, est?.memoryBytes);
    return [
      { text: `${'  '.repeat(depth - 1)}… ${rest.namespaces.toLocaleString('en-US')} more namespaces: ${keys} keys${rest.memoryBytes === null ? '' : `, ${memory}`}`, tone: 'dim' },
      keys,
      '',
      memory,
      '',
      '',
      count(rest.noTtl, est?.noTtl),
      '',
      '',
      '',
    ];
  };
  for (const row of report.namespaces) visit(row);
  if (report.remainder !== null) rows.push(remainderRow(report.remainder, 1));
  const total = report.estimated ?? undefined;
  const summary = [
    `${report.scanned.toLocaleString('en-US')} keys scanned${report.sampled ? ` (a sample, --limit; ${report.dbsize.toLocaleString('en-US')} keys on the nodes — ${total === undefined ? 'no estimates: a pattern or --type makes the sample an unknown share of them' : `~ marks figures scaled from the sample, ~${total.keys.toLocaleString('en-US')} keys estimated`})` : ''}`,
    report.memoryBytes === null ? undefined : bytes(report.memoryBytes, total?.memoryBytes),
    `${count(report.noTtl, total?.noTtl)} without TTL`,
    report.expireByFields > 0 ? `${count(report.expireByFields, total?.expireByFields)} hashes expire field by field` : undefined,
    `${report.namespaceCount.toLocaleString('en-US')} namespaces${report.sampled ? ' in the sample' : ''}`,
    `${(report.durationMs / 1000).toFixed(1)}s`,
  ].filter((part) => part !== undefined);
  const state = report.status === 'complete' ? '' : report.status === 'partial' ? ' — PARTIAL (interrupted)' : ' — INCOMPLETE (a node failed)';
  return `${renderTable(columns, rows, color)}\n${summary.join(' · ')}${state}\n`;
}
