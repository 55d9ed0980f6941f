// A key's preview as lines of text for the preview pane: a summary line (type, encoding, TTL,
// size) and the value, every part that may be binary escaped, wrapped to the pane's width.

import type { PresentKeyPreview } from '../../core/browse/preview.js';
import { formatBytes } from '../../base/units.js';
import { displayValue, formatCount, formatTtl } from './format.js';

const UNITS: Record<string, string> = { string: 'bytes', list: 'items', set: 'members', zset: 'members', hash: 'fields', stream: 'entries' };

export function previewSummary(preview: PresentKeyPreview): string {
  const parts = [preview.type];
  if (preview.encoding !== null) parts.push(`encoding ${preview.encoding}`);
  parts.push(`TTL ${formatTtl(preview.ttlMs)}`);
  if (preview.length !== null) parts.push(`${formatCount(preview.length)} ${UNITS[preview.type] ?? 'elements'}`);
  if (preview.memoryBytes !== null) parts.push(`${formatBytes(preview.memoryBytes)} in memory`);
  // Only the exception is worth a word: reading reset the key's idle time and LFU counter.
  if (preview.touch !== 'no-touch') parts.push(preview.touch === 'refused' ? 'read touched the key (CLIENT NO-TOUCH not permitted)' : 'read touched the key (server has no CLIENT NO-TOUCH)');
  return parts.join(' · ');
}

/** The value's lines, unwrapped: one per item, a string split at its line breaks. */
export function previewValueLines(preview: PresentKeyPreview): string[] {
  const value = preview.value;
  switch (value.kind) {
    case 'string':
      return displayValue(value.bytes).split('\n');
    case 'list':
      return value.items.map((item, i) => `${i}) ${displayValue(item)}`);
    case 'set':
      return value.items.map((item) => `· ${displayValue(item)}`);
    case 'zset':
      return value.items.map((item) => `${item.score}  ${displayValue(item.member)}`);
    case 'hash':
      return value.items.map((item) => `${displayValue(item.field)} → ${displayValue(item.value)}${item.ttlMs === null ? '' : `  (field TTL ${formatTtl(item.ttlMs)})`}`);
    case 'stream':
      return value.entries.map((entry) => `${entry.id}  ${entry.fields.map(([field, v]) => `${displayValue(field)}=${displayValue(v)}`).join(' ')}`);
    case 'unsupported':
      return [`(${preview.type} is a module type: no bounded way to read it generically)`];
  }
}

/** What the footer says about truncation: how much of the value is shown. */
export function previewShownNote(preview: PresentKeyPreview): string {
  const value = preview.value;
  if (value.kind === 'unsupported') return '';
  const total = preview.length ?? 0;
  const shown =
    value.kind === 'string' ? value.bytes.length : value.kind === 'stream' ? value.entries.length : value.items.length;
  const unit = UNITS[preview.type] ?? 'elements';
  if (!preview.truncated) return `all ${formatCount(total)} ${unit} shown`;
  if (shown < total) return `first ${formatCount(shown)} of ${formatCount(total)} ${unit} shown`;
  return `long elements clipped`;
}

/** Hard-wraps lines to `width` columns. */
export function wrapLines(lines: readonly string[], width: number): string[] {
  const out: string[] = [];
  const w = Math.max(10, width);
  for (const line of lines) {
    if (line.length <= w) {
      out.push(line);
      continue;
    }
    for (let i = 0; i < line.length; i += w) out.push(line.slice(i, i + w));
  }
  return out;
}
