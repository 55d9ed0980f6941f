// The orders the dashboard's node table cycles through. Down nodes come first in every order but
// the topology's own, since a dead node is the first thing an on-call engineer must see.

import type { NodeRow } from './snapshot.js';

export const NODE_SORTS = ['topology', 'ops', 'hit-rate', 'p99', 'memory', 'evictions'] as const;
export type NodeSort = (typeof NODE_SORTS)[number];

/** A short label for the header. */
export const NODE_SORT_LABELS: Readonly<Record<NodeSort, string>> = {
  topology: 'topology',
  ops: 'ops/s ↓',
  'hit-rate': 'hit rate ↑',
  p99: 'p99 ↓',
  memory: 'memory ↓',
  evictions: 'evictions ↓',
};

export function nextSort(sort: NodeSort): NodeSort {
  return NODE_SORTS[(NODE_SORTS.indexOf(sort) + 1) % NODE_SORTS.length]!;
}

/** The figure each order looks at, and whether bigger is worse (shown first). */
const KEYS: Readonly<Record<Exclude<NodeSort, 'topology'>, { pick: (row: NodeRow) => number | null; descending: boolean; then?: (row: NodeRow) => number | null }>> = {
  ops: { pick: (row) => row.opsPerSec, descending: true },
  // Lowest hit rate first: the worst node on top.
  'hit-rate': { pick: (row) => row.hitRate, descending: false },
  p99: { pick: (row) => row.latency.p99Ms, descending: true },
  // Share of maxmemory; on servers without a limit (no share to compare) the bytes in use.
  memory: { pick: (row) => row.memoryUsage, descending: true, then: (row) => row.usedBytes },
  evictions: { pick: (row) => row.evictionsPerSec, descending: true },
};

/** A sorted copy; ties and missing figures keep the topology order (missing figures last). */
export function sortNodes(rows: readonly NodeRow[], sort: NodeSort): NodeRow[] {
  if (sort === 'topology') return [...rows];
  const { pick, descending, then } = KEYS[sort];
  const compare = (x: number | null, y: number | null): number => {
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    return descending ? y - x : x - y;
  };
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      const downA = a.row.status === 'down' ? 0 : 1;
      const downB = b.row.status === 'down' ? 0 : 1;
      if (downA !== downB) return downA - downB;
      return compare(pick(a.row), pick(b.row)) || (then === undefined ? 0 : compare(then(a.row), then(b.row))) || a.index - b.index;
    })
    .map(({ row }) => row);
}
