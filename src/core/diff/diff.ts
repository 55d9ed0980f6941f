// `cachectl diff`'s core: two keyspaces compared namespace by namespace — key count, memory, keys
// without TTL, TTL percentiles, new and vanished namespaces — sorted by how much each change weighs.

import type { KeyspaceSide, NamespaceFigures } from './keyspace-doc.js';

export const DIFF_SCHEMA_VERSION = 1;

export interface Delta {
  before: number | null;
  after: number | null;
  /** after − before; null when either side is unknown. */
  delta: number | null;
  /** delta / before; null when unknown or before is 0. */
  ratio: number | null;
}

export type ChangeKind = 'new' | 'vanished' | 'changed';

export interface NamespaceChange {
  namespace: string;
  depth: number;
  /** The enclosing namespace; null at the top. */
  parent: string | null;
  change: ChangeKind;
  /** A new (vanished) namespace inside one that is new (vanished) too: counted in its parent. */
  nested: boolean;
  keys: Delta;
  memoryBytes: Delta;
  noTtl: Delta;
  ttlP50Ms: Delta;
  ttlMaxMs: Delta;
}

export interface DiffSide {
  source: string;
  kind: KeyspaceSide['kind'];
  takenAt: string | null;
}

export interface KeyspaceDiff {
  schemaVersion: typeof DIFF_SCHEMA_VERSION;
  kind: 'cachectl-diff';
  before: DiffSide;
  after: DiffSide;
  total: { keys: Delta; memoryBytes: Delta; noTtl: Delta; namespaces: Delta };
  /** Changed, new and vanished namespaces, heaviest first; unchanged ones are counted only. */
  changes: NamespaceChange[];
  unchanged: number;
  caveats: string[];
}

export function delta(before: number | null, after: number | null): Delta {
  const d = before === null || after === null ? null : after - before;
  return { before, after, delta: d, ratio: d === null || before === null || before === 0 ? null : d / before };
}

export function compareKeyspaces(before: KeyspaceSide, after: KeyspaceSide): KeyspaceDiff {
  const names = new Set([...before.namespaces.keys(), ...after.namespaces.keys()]);
  const changes: NamespaceChange[] = [];
  let unchanged = 0;
  for (const name of names) {
    const a = before.namespaces.get(name) ?? null;
    const b = after.namespaces.get(name) ?? null;
    const change = changeOf(a, b);
    if (change === null) {
      unchanged += 1;
      continue;
    }
    const figures = (b ?? a)!;
    const parentSide = change === 'new' ? before : after;
    const nested = change !== 'changed' && figures.parent !== null && !parentSide.namespaces.has(figures.parent);
    const ttl = (f: NamespaceFigures | null, pick: 'p50Ms' | 'maxMs') => (f === null ? 0 : (f.ttl?.[pick] ?? null));
    changes.push({
      namespace: name,
      depth: figures.depth,
      parent: figures.parent,
      change,
      nested,
      keys: delta(a?.keys ?? 0, b?.keys ?? 0),
      memoryBytes: delta(a === null ? 0 : a.memoryBytes, b === null ? 0 : b.memoryBytes),
      noTtl: delta(a?.noTtl ?? 0, b?.noTtl ?? 0),
      ttlP50Ms: a === null || b === null ? delta(null, null) : delta(ttl(a, 'p50Ms'), ttl(b, 'p50Ms')),
      ttlMaxMs: a === null || b === null ? delta(null, null) : delta(ttl(a, 'maxMs'), ttl(b, 'maxMs')),
    });
  }
  changes.sort(byImpact);
  return {
    schemaVersion: DIFF_SCHEMA_VERSION,
    kind: 'cachectl-diff',
    before: { source: before.source, kind: before.kind, takenAt: before.takenAt },
    after: { source: after.source, kind: after.kind, takenAt: after.takenAt },
    total: {
      keys: delta(before.keys, after.keys),
      memoryBytes: delta(before.memoryBytes, after.memoryBytes),
      noTtl: delta(before.noTtl, after.noTtl),
      namespaces: delta(before.namespaces.size, after.namespaces.size),
    },
    changes,
    unchanged,
    caveats: [...before.caveats, ...after.caveats],
  };
}

function changeOf(a: NamespaceFigures | null, b: NamespaceFigures | null): ChangeKind | null {
  if (a === null) return 'new';
  if (b === null) return 'vanished';
  const same = a.keys === b.keys && a.memoryBytes === b.memoryBytes && a.noTtl === b.noTtl && !ttlMoved(a.ttl?.p50Ms ?? null, b.ttl?.p50Ms ?? null);
  return same ? null : 'changed';
}

/**
 * TTLs count down between two scans, so a namespace whose keys did not change shows slightly
 * lower TTLs: only a median that halved or doubled (or appeared, or went away) is a change.
 */
export function ttlMoved(before: number | null, after: number | null): boolean {
  if (before === null || after === null) return before !== after;
  if (before === 0 || after === 0) return before !== after;
  return after / before >= 2 || after / before <= 0.5;
}

/** Memory moved first (bytes are what fills a server), then keys, then keys without TTL; shallower first on ties. */
function byImpact(x: NamespaceChange, y: NamespaceChange): number {
  const size = (d: Delta) => Math.abs(d.delta ?? 0);
  return size(y.memoryBytes) - size(x.memoryBytes) || size(y.keys) - size(x.keys) || size(y.noTtl) - size(x.noTtl) || x.depth - y.depth || (x.namespace < y.namespace ? -1 : 1);
}
