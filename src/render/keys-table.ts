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
  // Under --limit every figure of the sample is scaled to the keyspace and marked `~`, never some of them.
  const scaleOf = (row: { keys: number; estimatedKeys?: number }) => (row.estimatedKeys === undefined || row.keys === 0 ? undefined : row.estimatedKeys / row.keys);
  const count = (n: number, scale: number | undefined) => (scale === undefined ? n.toLocaleString('en-US') : `~${Math.round(n * scale).toLocaleString('en-US')}`);
  const bytes = (n: number | null, scale: number | undefined) => (n === null ? '-' : scale === undefined ? formatBytes(n) : `~${formatBytes(Math.round(n * scale))}`);
  const visit = (row: NamespaceRow) => {
    const scale = scaleOf(row);
    const segment = row.segments[row.segments.length - 1]?.text ?? row.namespace;
    const extra = [row.distinctValues === undefined ? undefined : `${row.distinctValues.toLocaleString('en-US')} values`, row.label ?? undefined].filter((part) => part !== undefined);
    rows.push([
      `${'  '.repeat(row.depth - 1)}${segment}${extra.length > 0 ? `  (${extra.join('; ')})` : ''}`,
      count(row.keys, scale),
      formatShare(row.keysShare),
      bytes(row.memoryBytes, scale),
      formatShare(row.memoryShare),
      row.avgBytes === null ? '-' : formatBytes(row.avgBytes),
      row.noTtl === 0 ? '0' : { text: count(row.noTtl, scale), tone: row.noTtl === row.keys ? 'warning' : 'plain' },
      ttlText(row),
      Object.entries(row.types).map(([type, n]) => (Object.keys(row.types).length === 1 ? type : `${type}:${scale === undefined ? n : `~${Math.round(n * scale)}`}`)).join(' '),
      // Escaped like redis-cli: a newline or an escape sequence in a key must not break the table or the terminal.
      row.example === null ? '' : { text: truncate(displayKey(decodeKeyFromJson(row.example)), 40), tone: 'dim' },
    ]);
    for (const child of row.children) visit(child);
    if (row.remainder !== null) rows.push(remainderRow(row.remainder, row.depth + 1, scale));
  };
  const remainderRow = (rest: NamespaceRemainder, depth: number, scale: number | undefined): Cell[] => [
    { text: `${'  '.repeat(depth - 1)}… ${rest.namespaces.toLocaleString('en-US')} more namespaces: ${count(rest.keys, scale)} keys${rest.memoryBytes === null ? '' : `, ${bytes(rest.memoryBytes, scale)}`}`, tone: 'dim' },
    count(rest.keys, scale),
    '',
    bytes(rest.memoryBytes, scale),
    '',
    '',
    count(rest.noTtl, scale),
    '',
    '',
    '',
  ];
  for (const row of report.namespaces) visit(row);
  if (report.remainder !== null) rows.push(remainderRow(report.remainder, 1, report.sampled && report.scanned > 0 ? report.dbsize / report.scanned : undefined));
  const footerScale = report.sampled && report.scanned > 0 && report.namespaces.some((row) => row.estimatedKeys !== undefined) ? report.dbsize / report.scanned : undefined;
  const summary = [
    `${report.scanned.toLocaleString('en-US')} keys scanned${report.sampled ? ` (a sample, --limit; ${report.dbsize.toLocaleString('en-US')} keys on the nodes — ~ marks figures scaled from the sample)` : ''}`,
    report.memoryBytes === null ? undefined : bytes(report.memoryBytes, footerScale),
    `${count(report.noTtl, footerScale)} without TTL`,
    report.expireByFields > 0 ? `${report.expireByFields.toLocaleString('en-US')} hashes expire field by field` : undefined,
    `${report.namespaceCount.toLocaleString('en-US')} namespaces`,
    `${(report.durationMs / 1000).toFixed(1)}s`,
  ].filter((part) => part !== undefined);
  const state = report.status === 'complete' ? '' : report.status === 'partial' ? ' — PARTIAL (interrupted)' : ' — INCOMPLETE (a node failed)';
  return `${renderTable(columns, rows, color)}\n${summary.join(' · ')}${state}\n`;
}
