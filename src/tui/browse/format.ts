// Text helpers for the explorer's cells: share bars, counts, TTLs, and values that may be binary.

import { formatDuration } from '../../base/duration.js';
import { reprKey } from '../../base/key-format.js';
import { TTL_NONE, UNKNOWN } from '../../core/scan/scan-batch.js';

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar `width` cells wide filled to `share` (0..1), in eighths of a cell. */
export function shareBar(share: number, width: number): string {
  const clamped = Math.max(0, Math.min(1, Number.isFinite(share) ? share : 0));
  const eighths = Math.round(clamped * width * 8);
  const full = Math.floor(eighths / 8);
  const bar = '█'.repeat(full) + EIGHTHS[eighths % 8]!;
  return bar.padEnd(width, ' ');
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}


/** A key's TTL as a cell: `none` for keys that never expire. */
export function formatTtl(ttlMs: number | null): string {
  if (ttlMs === null || ttlMs === TTL_NONE) return 'none';
  if (ttlMs === UNKNOWN || ttlMs < 0) return '?';
  return formatDuration(ttlMs);
}

// fatal: invalid UTF-8 must be detected, not replaced with U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A value for display: readable UTF-8 text as it is (line breaks and tabs included), anything
 * else (invalid UTF-8, other control bytes) quoted and escaped like redis-cli (`"\xff\x00abc"`),
 * so binary never reaches the terminal as raw bytes.
 */
export function displayValue(value: Buffer): string {
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return reprKey(value);
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach the terminal
  return /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text) ? reprKey(value) : text.replaceAll('\t', '    ');
}
