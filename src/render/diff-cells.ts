// The cells both diff renderers share: a change as `before → after (+x%)`, in bytes or counts.

import { formatDuration } from '../base/duration.js';
import { formatBytes } from '../base/units.js';
import type { ChangeKind, Delta, KeyspaceDiff } from '../core/diff/diff.js';
import { ttlMoved } from '../core/diff/diff.js';

export type DeltaUnit = 'count' | 'bytes' | 'ms';

function figure(value: number | null, unit: DeltaUnit): string {
  if (value === null) return '?';
  if (unit === 'bytes') return formatBytes(value);
  if (unit === 'ms') return formatDuration(value);
  return String(value);
}

/** `+1.2 MiB (+25%)`, `-30 (-50%)`, `+12 (new)`; `=` when nothing moved; `?` when unknown. */
export function deltaText(d: Delta, unit: DeltaUnit): string {
  if (d.delta === null) return d.before === null && d.after === null ? '-' : `${figure(d.before, unit)} → ${figure(d.after, unit)}`;
  if (d.delta === 0) return '=';
  const sign = d.delta > 0 ? '+' : '-';
  const percent = d.ratio === null ? '' : ` (${sign}${Math.abs(d.ratio * 100).toFixed(d.ratio !== 0 && Math.abs(d.ratio) < 0.1 ? 1 : 0)}%)`;
  return `${sign}${figure(Math.abs(d.delta), unit)}${percent}`;
}

/** `before → after` for one figure. */
export function spanText(d: Delta, unit: DeltaUnit): string {
  return `${figure(d.before, unit)} → ${figure(d.after, unit)}`;
}

/** A TTL median: `≈` when it only counted down (see ttlMoved), `before → after` when it moved. */
export function ttlText(d: Delta): string {
  if (d.before === null && d.after === null) return '-';
  return ttlMoved(d.before, d.after) ? spanText(d, 'ms') : '≈';
}

/** Namespaces of one kind of change; new and vanished ones inside another new or vanished one are not counted. */
export function count(diff: KeyspaceDiff, kind: ChangeKind): number {
  return diff.changes.filter((change) => change.change === kind && !change.nested).length;
}
