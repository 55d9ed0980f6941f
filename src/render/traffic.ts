// `cachectl traffic` as tables: namespaces by traffic with hit rates, then the hottest keys,
// stampedes, write-heavy keys, hints, and what each node's sampling could and could not see.

import { displayKey } from '../base/key-format.js';
import { formatBytes, formatShare } from '../base/units.js';
import type { TrafficNamespaceRow, TrafficReport } from '../core/traffic/sample-traffic.js';
import type { NodeFigures } from '../core/traffic/node-figures.js';
import type { Cell } from './table.js';
import { renderTable, truncate } from './table.js';

/** Hit rates below this are shown as critical, below HIT_WARN as warnings (the reference articles' thresholds). */
const HIT_CRITICAL = 0.5;
const HIT_WARN = 0.8;

function rate(value: number | null): string {
  if (value === null) return '-';
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

function hitCell(row: Pick<TrafficNamespaceRow, 'hitRate' | 'reads'>): Cell {
  if (row.hitRate === null) return row.reads === 0 ? '-' : 'n/a';
  const text = formatShare(row.hitRate);
  if (row.hitRate < HIT_CRITICAL) return { text, tone: 'critical' };
  if (row.hitRate < HIT_WARN) return { text, tone: 'warning' };
  return { text, tone: 'ok' };
}

function namespaceTable(report: TrafficReport, rowsShown: number, color: boolean): string {
  const columns = [
    { header: 'NAMESPACE' },
    { header: 'OPS/S', align: 'right' as const },
    { header: '%OPS', align: 'right' as const },
    { header: 'READS/S', align: 'right' as const },
    { header: 'WRITES/S', align: 'right' as const },
    { header: 'MISSES/S', align: 'right' as const },
    { header: 'HIT RATE', align: 'right' as const },
  ];
  const shown = report.namespaces.slice(0, rowsShown);
  const rows: Cell[][] = shown.map((row) => [truncate(row.namespace, 60), rate(row.opsPerSec), formatShare(row.share), rate(row.readsPerSec), rate(row.writesPerSec), rate(row.missesPerSec), hitCell(row)]);
  const rest = report.namespaces.slice(rowsShown);
  if (rest.length > 0) {
    const ops = rest.reduce((sum, row) => sum + row.ops, 0);
    const share = rest.reduce((sum, row) => sum + row.share, 0);
    rows.push([{ text: `… ${rest.length.toLocaleString('en-US')} more namespaces`, tone: 'dim' }, rate((ops * 1000) / Math.max(1, report.durationMs)), formatShare(share), '', '', '', '']);
  }
  const t = report.totals;
  rows.push([{ text: 'total', tone: 'accent' }, rate(t.opsPerSec), formatShare(t.ops > 0 ? 1 : 0), rate(t.readsPerSec), rate(t.writesPerSec), rate(t.missesPerSec), hitCell(t)]);
  return renderTable(columns, rows, color);
}

function keyTable(title: string, header: string[], rows: Cell[][], color: boolean): string {
  if (rows.length === 0) return '';
  return `\n${title}\n${renderTable(header.map((name, i) => ({ header: name, align: i === 0 || i === 1 ? ('left' as const) : ('right' as const) })), rows, color)}\n`;
}

export function renderTrafficReport(report: TrafficReport, color: boolean, rowsShown: number): string {
  const seconds = (report.durationMs / 1000).toFixed(1);
  if (report.totals.ops === 0 && report.totals.keyless === 0) {
    return `no client commands in ${seconds}s on ${report.nodes.length} node(s)\n`;
  }
  let out = `${namespaceTable(report, rowsShown, color)}\n`;
  out += keyTable(
    'Hottest keys',
    ['KEY', 'NAMESPACE', 'ACCESSES', 'VALUE', 'READ/S ≤'],
    report.hotKeys.map((hot) => [
      truncate(displayKey(hot.key), 60),
      truncate(hot.namespace, 40),
      `${hot.error > 0 ? '≤' : ''}${hot.accesses.toLocaleString('en-US')}`,
      hot.valueBytes === null ? '-' : formatBytes(hot.valueBytes),
      hot.readBytesPerSecAtMost === null ? '-' : `${formatBytes(hot.readBytesPerSecAtMost)}/s`,
    ]),
    color,
  );
  if (report.hotKeys.length === 0) out += '\nHottest keys: none stands out (no key was accessed three times as often as the average key)\n';
  out += keyTable(
    'Stampede candidates (one key missed again and again within a second: clients recomputing the same value)',
    ['KEY', 'NAMESPACE', 'PEAK MISSES/S', 'MISSES'],
    report.stampedes.map((s) => [{ text: truncate(displayKey(s.key), 60), tone: 'warning' }, truncate(s.namespace, 40), s.peakMissesPerSecond.toLocaleString('en-US'), s.misses.toLocaleString('en-US')]),
    color,
  );
  out += keyTable(
    'Write-heavy keys (written far more than read: is this cache earning its writes?)',
    ['KEY', 'NAMESPACE', 'WRITES', 'READS'],
    report.writeHeavy.map((w) => [truncate(displayKey(w.key), 60), truncate(w.namespace, 40), w.writes.toLocaleString('en-US'), w.readsAtMost === 0 ? '0' : `≤${w.readsAtMost.toLocaleString('en-US')}`]),
    color,
  );
  if (report.neverExpiring.length > 0) {
    out += `\nRead, and written only without a TTL in the window (missing expiry or invalidation?): ${report.neverExpiring.slice(0, 10).join(', ')}${report.neverExpiring.length > 10 ? ` and ${report.neverExpiring.length - 10} more` : ''}\n`;
  }
  out += `\n${summaryLine(report)}\n`;
  return out;
}

function summaryLine(report: TrafficReport): string {
  const t = report.totals;
  const parts = [
    `${t.ops.toLocaleString('en-US')} key accesses in ${(report.durationMs / 1000).toFixed(1)}s on ${report.nodes.length} node(s)`,
    `${t.keyless.toLocaleString('en-US')} commands without keys`,
    report.hitRates ? `hit rate ${t.hitRate === null ? '-' : formatShare(t.hitRate)}` : 'no hit rates (key-miss events off: --enable-miss-events)',
  ];
  const peak = Math.max(...report.nodes.map((node) => node.peakBufferBytes ?? 0));
  if (peak > 0) parts.push(`peak monitor buffer ${formatBytes(peak)}`);
  const state = report.interrupted ? ' — PARTIAL (interrupted)' : report.complete ? '' : ' — INCOMPLETE (sampling stopped early)';
  return parts.join(' · ') + state;
}

/** Where MONITOR was refused: each node's figures from INFO over the window, and where hot keys can come from. */
export function renderNodeFigures(nodes: readonly NodeFigures[], durationMs: number, color: boolean): string {
  const rows: Cell[][] = nodes.map((node) =>
    node.error !== undefined
      ? [node.address, { text: `INFO failed: ${truncate(node.error, 60)}`, tone: 'critical' }, '', '', '']
      : [node.address, rate(node.opsPerSec), hitCell({ hitRate: node.hitRate, reads: node.lookups ?? 0 }), (node.lookups ?? 0).toLocaleString('en-US'), node.maxmemoryPolicy ?? '-'],
  );
  const columns = [{ header: 'NODE' }, { header: 'OPS/S', align: 'right' as const }, { header: 'HIT RATE', align: 'right' as const }, { header: 'LOOKUPS', align: 'right' as const }, { header: 'POLICY' }];
  let out = `No per-namespace figures (MONITOR is not permitted). Each node over the same ${(durationMs / 1000).toFixed(1)}s, from INFO:\n`;
  out += `${renderTable(columns, rows, color)}\n`;
  const lfu = nodes.filter((node) => node.lfu).map((node) => node.address);
  out +=
    lfu.length > 0
      ? `Hot keys: ${lfu.join(', ')} ${lfu.length === 1 ? 'keeps' : 'keep'} LFU frequencies: \`cachectl bigkeys\` names the most accessed keys from OBJECT FREQ.\n`
      : 'Hot keys: no node has an LFU eviction policy, so the server keeps no per-key access counts to read.\n';
  return out;
}
