// Pure view logic of the explorer: which rows a level shows in which order, what a row's share
// is, how keys are ordered. Kept apart from the components so it is tested without rendering.

import type { KeyEntry } from '../../core/namespaces/namespace-keys.js';
import type { NamespaceNode, NamespaceSort } from '../../core/namespaces/namespaces.js';
import { OVERFLOW_NAMESPACE, sortNamespaces } from '../../core/namespaces/namespaces.js';
import { TTL_NONE, UNKNOWN } from '../../core/scan/scan-batch.js';

export const TREE_SORTS: readonly NamespaceSort[] = ['memory', 'keys', 'no-ttl', 'name'];
export type KeySort = 'memory' | 'ttl' | 'name';
export const KEY_SORTS: readonly KeySort[] = ['memory', 'ttl', 'name'];

/** Id of the row standing for a namespace's own keys (those with no deeper segment). */
export const OWN_ROW_ID = '\u0000own';

export interface TreeRow {
  /** The namespace's full name, or OWN_ROW_ID. */
  id: string;
  kind: 'namespace' | 'own' | 'overflow';
  label: string;
  keys: number;
  memory: number;
  noTtl: number;
  /** Drawn beside the name: the library layout it is (`BullMQ queue "emails"`), how many values a ‹var› row holds. */
  note?: string;
  /** Whether it has children to open (otherwise enter lists its keys). */
  hasChildren: boolean;
  node?: NamespaceNode;
}

export function cycle<T>(values: readonly T[], current: T): T {
  return values[(values.indexOf(current) + 1) % values.length]!;
}

/** Every namespace of a tree by name, for finding the cursor's level in a new snapshot. */
export function indexTree(root: NamespaceNode): Map<string, NamespaceNode> {
  const index = new Map<string, NamespaceNode>();
  const visit = (node: NamespaceNode) => {
    index.set(node.name, node);
    for (const child of node.children) visit(child);
  };
  visit(root);
  return index;
}

/** A namespace's own keys: its totals minus its children's. */
export function ownStats(node: NamespaceNode): { keys: number; memory: number; noTtl: number } {
  let keys = node.stats.keys;
  let memory = node.stats.memory;
  let noTtl = node.stats.noTtl;
  for (const child of node.children) {
    keys -= child.stats.keys;
    memory -= child.stats.memory;
    noTtl -= child.stats.noTtl;
  }
  return { keys, memory: Math.max(0, memory), noTtl };
}

/** The rows of one level: its children in `sort` order, plus a row for its own keys if it has both. */
export function treeRows(level: NamespaceNode, sort: NamespaceSort, filter: string): TreeRow[] {
  const needle = filter.toLowerCase();
  const rows: TreeRow[] = [];
  for (const child of sortNamespaces(level.children, sort)) {
    const note = rowNote(child);
    if (needle !== '' && !child.segment.toLowerCase().includes(needle) && !(note?.toLowerCase().includes(needle) ?? false)) continue;
    const row: TreeRow = {
      id: child.name,
      kind: child.name === OVERFLOW_NAMESPACE ? 'overflow' : 'namespace',
      label: child.segment,
      keys: child.stats.keys,
      memory: child.stats.memory,
      noTtl: child.stats.noTtl,
      hasChildren: child.children.length > 0,
      node: child,
    };
    if (note !== undefined) row.note = note;
    rows.push(row);
  }
  if (level.depth > 0 && level.children.length > 0) {
    const own = ownStats(level);
    if (own.keys > 0 && (needle === '' || level.segment.toLowerCase().includes(needle))) {
      const row: TreeRow = { id: OWN_ROW_ID, kind: 'own', label: `(keys named ${level.name} itself)`, ...own, hasChildren: false };
      // The own row sorts among its siblings like any other.
      const at = rows.findIndex((other) => compareRows(row, other, sort) < 0);
      rows.splice(at < 0 ? rows.length : at, 0, row);
    }
  }
  return rows;
}

/** What the explorer says beside a namespace, as `keys` does beside its row: values of a ‹var›, the library's label. */
export function rowNote(node: NamespaceNode): string | undefined {
  const parts: string[] = [];
  if (node.distinct !== undefined) parts.push(`${node.distinctAtLeast === true ? '≥' : ''}${node.distinct.toLocaleString('en-US')} values`);
  if (node.label !== undefined) parts.push(node.label);
  return parts.length === 0 ? undefined : parts.join('; ');
}

function compareRows(a: TreeRow, b: TreeRow, sort: NamespaceSort): number {
  switch (sort) {
    case 'memory':
      return b.memory - a.memory || b.keys - a.keys;
    case 'keys':
      return b.keys - a.keys || b.memory - a.memory;
    case 'no-ttl':
      return b.noTtl - a.noTtl || b.keys - a.keys;
    case 'name':
      return a.label < b.label ? -1 : a.label > b.label ? 1 : 0;
  }
}

/** Share of a row within its level, by memory when it was measured, by keys otherwise. */
export function rowShare(row: { keys: number; memory: number }, level: NamespaceNode, byMemory: boolean): number {
  if (byMemory) return level.stats.memory > 0 ? row.memory / level.stats.memory : 0;
  return level.stats.keys > 0 ? row.keys / level.stats.keys : 0;
}

export function sortKeys(entries: readonly KeyEntry[], sort: KeySort, filter: string): KeyEntry[] {
  const needle = filter.toLowerCase();
  const shown = needle === '' ? [...entries] : entries.filter((entry) => entry.key.toString('latin1').toLowerCase().includes(needle));
  const ttlRank = (ttl: number) => (ttl === TTL_NONE ? Number.MAX_VALUE : ttl === UNKNOWN ? -1 : ttl);
  switch (sort) {
    case 'memory':
      return shown.sort((a, b) => (b.bytes ?? -1) - (a.bytes ?? -1));
    case 'ttl':
      // Keys that never expire first: they are what a cache audit looks for.
      return shown.sort((a, b) => ttlRank(b.ttlMs) - ttlRank(a.ttlMs));
    case 'name':
      return shown.sort((a, b) => Buffer.compare(a.key, b.key));
  }
}

/** Moves a cursor by `delta` within `length` rows, clamped. */
export function moveCursor(index: number, delta: number, length: number): number {
  if (length === 0) return 0;
  return Math.max(0, Math.min(length - 1, index + delta));
}

/** The first row to draw so that `cursor` is visible in a window of `height` rows. */
export function scrollOffset(cursor: number, height: number, length: number): number {
  if (length <= height) return 0;
  const half = Math.floor(height / 2);
  return Math.max(0, Math.min(length - height, cursor - half));
}
