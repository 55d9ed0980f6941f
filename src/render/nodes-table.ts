// The node list of `cachectl nodes` as a table: role, status, server and version, slots, keys, latency.

import type { NodeReport, NodesReport } from '../core/nodes/nodes.js';
import { formatBytes, formatShare } from '../base/units.js';
import type { Cell } from './table.js';
import { renderTable } from './table.js';

export function renderNodesTable(report: NodesReport, color: boolean): string {
  const columns = [
    { header: 'ADDRESS' },
    { header: 'ROLE' },
    { header: 'STATUS' },
    { header: 'SERVER' },
    { header: 'SLOTS' },
    { header: 'KEYS', align: 'right' as const },
    { header: 'MEMORY', align: 'right' as const },
    { header: 'LATENCY', align: 'right' as const },
    { header: 'MASTER' },
  ];
  const rows = report.nodes.map((node): Cell[] => [
    node.address,
    node.role,
    node.status === 'up' ? { text: 'up', tone: 'ok' } : { text: 'DOWN', tone: 'critical' },
    node.server ?? '-',
    slotsText(node),
    node.keys === null ? '-' : String(node.keys),
    node.usedMemoryBytes === null ? '-' : formatBytes(node.usedMemoryBytes),
    node.latencyMs === null ? '-' : `${node.latencyMs.toFixed(2)} ms`,
    node.master ?? '',
  ]);
  const count = report.nodes.length;
  const notes = report.nodes.flatMap(slotStatsLines);
  return `${report.topology}: ${count} node${count === 1 ? '' : 's'}\n${renderTable(columns, rows, color)}\n${notes.map((line) => `${line}\n`).join('')}`;
}

/** Busiest slots of a Valkey 8+ master (CLUSTER SLOT-STATS), and a hint when one slot dominates its shard. */
function slotStatsLines(node: NodeReport): string[] {
  const stats = node.slotStats;
  if (stats === null || stats.byKeys.length === 0) return [];
  const share = (keys: number): string => (node.keys !== null && node.keys > 0 ? `, ${formatShare(keys / node.keys)}` : '');
  const lines = [`${node.address} busiest slots by keys: ${stats.byKeys.map((s) => `${s.slot} (${s.keys} key${s.keys === 1 ? '' : 's'}${share(s.keys)})`).join(', ')}`];
  if (stats.byCpu !== null && stats.byCpu.length > 0) {
    lines.push(`${node.address} busiest slots by CPU: ${stats.byCpu.map((s) => `${s.slot} (${s.cpuUsec ?? 0} µs)`).join(', ')}`);
  }
  if (stats.dominant !== null) {
    lines.push(
      `hint: slot ${stats.dominant.slot} holds ${formatShare(stats.dominant.share)} of the keys of ${node.address}: keys that share a hash tag stay in one slot, ` +
        'so resharding cannot spread them; use more distinct tags',
    );
  }
  return lines;
}

function slotsText(node: NodeReport): string {
  if (node.slots.length === 0) return '-';
  const ranges = node.slots.map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`));
  const shown = ranges.length > 3 ? `${ranges.slice(0, 3).join(',')},…` : ranges.join(',');
  return `${shown} (${node.slotCount})`;
}
