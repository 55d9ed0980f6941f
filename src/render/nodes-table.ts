// The node list of `cachectl nodes` as a table: role, status, server and version, slots, keys, latency.

import type { NodeReport, NodesReport } from '../core/nodes/nodes.js';
import { formatBytes } from '../base/units.js';
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
  return `${report.topology}: ${count} node${count === 1 ? '' : 's'}\n${renderTable(columns, rows, color)}\n`;
}

function slotsText(node: NodeReport): string {
  if (node.slots.length === 0) return '-';
  const ranges = node.slots.map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`));
  const shown = ranges.length > 3 ? `${ranges.slice(0, 3).join(',')},…` : ranges.join(',');
  return `${shown} (${node.slotCount})`;
}
