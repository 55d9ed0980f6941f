// The node table's columns: what each shows, how wide it is, how it is coloured, and which ones
// give way first on a narrow terminal. Pure, so the layout is tested without rendering.

import type { NodeRow } from '../../core/dashboard/snapshot.js';
import {
  evictionSeverity,
  fragmentationSeverity,
  hitRateSeverity,
  latencySeverity,
  memorySeverity,
  replicationSeverity,
} from '../../core/dashboard/thresholds.js';
import type { Severity } from '../../core/memory/memory-findings.js';
import type { Segment, Tone } from '../shared/segment.js';
import { compactBytes, compactNumber, compactSeconds, fit, micros, millis, MISSING, percent } from '../shared/format.js';


export interface ColumnContext {
  latencyLimitMs: number;
}

export interface Column {
  id: string;
  header: string;
  width: number;
  align: 'left' | 'right';
  /** Lower shows first; columns drop from the highest priority number as the terminal narrows. */
  priority: number;
  cell: (row: NodeRow, context: ColumnContext) => { text: string; tone?: Tone };
}

const toneOf = (severity: Severity): Tone | undefined => (severity === 'ok' ? undefined : severity);

const NODE_MIN_WIDTH = 15;

export const COLUMNS: readonly Column[] = [
  { id: 'node', header: 'NODE', width: NODE_MIN_WIDTH, align: 'left', priority: 0, cell: (row) => ({ text: row.address }) },
  { id: 'role', header: 'ROLE', width: 4, align: 'left', priority: 0, cell: (row) => ({ text: `${row.role === 'master' ? 'M' : 'R'}${row.stale ? '*' : ''}` }) },
  { id: 'ops', header: 'OPS/s', width: 7, align: 'right', priority: 0, cell: (row) => ({ text: compactNumber(row.opsPerSec) }) },
  {
    id: 'hit',
    header: 'HIT%',
    width: 6,
    align: 'right',
    priority: 0,
    cell: (row) => ({ text: percent(row.hitRate), tone: toneOf(hitRateSeverity(row.hitRate, row.lookups)) }),
  },
  {
    id: 'p99',
    header: 'P99ms',
    width: 6,
    align: 'right',
    priority: 0,
    cell: (row, context) => ({ text: millis(row.latency.p99Ms), tone: toneOf(latencySeverity(row.latency.p99Ms, context.latencyLimitMs)) }),
  },
  {
    id: 'evictions',
    header: 'EVIC/s',
    width: 6,
    align: 'right',
    priority: 1,
    cell: (row) => ({ text: compactNumber(row.evictionsPerSec), tone: toneOf(evictionSeverity(row.evictionsPerSec)) }),
  },
  { id: 'memory', header: 'MEM', width: 7, align: 'right', priority: 1, cell: (row) => ({ text: compactBytes(row.usedBytes) }) },
  {
    id: 'memory-share',
    header: 'MAX%',
    width: 5,
    align: 'right',
    priority: 1,
    cell: (row) => ({ text: row.memoryUsage === null ? (row.maxmemoryBytes === 0 ? 'none' : MISSING) : `${Math.round(row.memoryUsage * 100)}%`, tone: toneOf(memorySeverity(row.memoryUsage)) }),
  },
  {
    id: 'max',
    header: 'MAXms',
    width: 6,
    align: 'right',
    priority: 2,
    cell: (row, context) => {
      // A PING still waiting on a hung node is the freshest sign of trouble.
      const ms = Math.max(row.latency.maxMs ?? 0, row.latency.waitingMs ?? 0) || row.latency.maxMs;
      return { text: millis(ms), tone: toneOf(latencySeverity(ms, context.latencyLimitMs)) };
    },
  },
  {
    id: 'lag',
    header: 'LAG',
    width: 5,
    align: 'right',
    priority: 2,
    cell: (row) => {
      if (row.role !== 'replica') return { text: '' };
      const tone = toneOf(replicationSeverity(row));
      if (tone !== undefined) return { text: 'down', tone };
      return { text: row.replication.lagBytes !== null && row.replication.lagBytes > 0 ? compactBytes(row.replication.lagBytes) : compactSeconds(row.replication.lagSeconds) };
    },
  },
  { id: 'p50', header: 'P50ms', width: 6, align: 'right', priority: 3, cell: (row) => ({ text: millis(row.latency.p50Ms) }) },
  { id: 'clients', header: 'CLI', width: 5, align: 'right', priority: 3, cell: (row) => ({ text: compactNumber(row.connectedClients) }) },
  { id: 'server', header: 'SRVµs', width: 6, align: 'right', priority: 3, cell: (row) => ({ text: micros(row.serverLatency.usecPerCall).replace('µs', '') }) },
  { id: 'expired', header: 'EXP/s', width: 6, align: 'right', priority: 4, cell: (row) => ({ text: compactNumber(row.expiredPerSec) }) },
  {
    id: 'fragmentation',
    header: 'FRAG',
    width: 5,
    align: 'right',
    priority: 4,
    cell: (row) => ({ text: row.fragmentationRatio === null ? MISSING : row.fragmentationRatio.toFixed(2), tone: toneOf(fragmentationSeverity(row.fragmentationRatio, row.fragmentationBytes)) }),
  },
  { id: 'blocked', header: 'BLK', width: 4, align: 'right', priority: 5, cell: (row) => ({ text: compactNumber(row.blockedClients) }) },
  { id: 'keys', header: 'KEYS', width: 7, align: 'right', priority: 5, cell: (row) => ({ text: compactNumber(row.keys) }) },
];

/** The selection marker before every row. */
export const MARKER_WIDTH = 2;

/**
 * The columns that fit `width`, in display order: the node column as wide as the longest address
 * (when room allows), then by priority until the line is full.
 */
export function layoutColumns(rows: readonly NodeRow[], width: number): Column[] {
  const longest = Math.max(NODE_MIN_WIDTH, ...rows.map((row) => row.address.length));
  const available = width - MARKER_WIDTH;
  const ranked = COLUMNS.map((column, index) => ({ column, index })).sort((a, b) => a.column.priority - b.column.priority || a.index - b.index);
  const chosen: { column: Column; index: number }[] = [];
  let used = 0;
  for (const entry of ranked) {
    const extra = (chosen.length === 0 ? 0 : 1) + entry.column.width;
    if (used + extra > available) {
      // The must-have columns stay even on a very narrow terminal; the line is cut instead.
      if (entry.column.priority > 0) continue;
    }
    chosen.push(entry);
    used += extra;
  }
  const node = chosen.find((entry) => entry.column.id === 'node')!;
  const spare = available - used;
  const nodeWidth = Math.min(longest, NODE_MIN_WIDTH + Math.max(0, spare));
  node.column = { ...node.column, width: nodeWidth };
  return chosen.sort((a, b) => a.index - b.index).map((entry) => entry.column);
}

/** The header line's segments. */
export function headerSegments(columns: readonly Column[]): Segment[] {
  return [{ text: ' '.repeat(MARKER_WIDTH) }, ...columns.map((column, i) => ({ text: `${i === 0 ? '' : ' '}${fit(column.header, column.width, column.align)}`, bold: true }))];
}

/** One node's line: its cells, or for a down node the address, role and why it is down. */
export function rowSegments(row: NodeRow, columns: readonly Column[], context: ColumnContext, selected: boolean, width: number): Segment[] {
  const marker: Segment = { text: selected ? '› ' : '  ', tone: selected ? 'accent' : undefined, bold: selected };
  const cells: Segment[] = [];
  let used = MARKER_WIDTH;
  for (const [i, column] of columns.entries()) {
    const separator = i === 0 ? '' : ' ';
    if (row.status === 'down' && column.id !== 'node' && column.id !== 'role') {
      const retry = row.retryInMs === null ? '' : ` · retry in ${Math.max(1, Math.ceil(row.retryInMs / 1000))}s`;
      const reason = row.error?.message ?? 'no answer';
      cells.push({ text: fit(`${separator}DOWN ${reason}${retry}`, Math.max(0, width - used)), tone: 'critical', bold: true });
      break;
    }
    const cell = column.cell(row, context);
    const text = `${separator}${fit(cell.text, column.width, column.align)}`;
    used += text.length;
    cells.push({ text, tone: row.stale && cell.tone === undefined ? 'dim' : cell.tone });
  }
  return [marker, ...cells].map((segment) => (selected ? { ...segment, inverse: true } : segment));
}
