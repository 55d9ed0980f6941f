// Compact figures for dashboard cells: every value fits a narrow column, and a missing one is "-".

import { formatBytes } from '../../base/units.js';
import { truncate } from '../../render/text.js';

export const MISSING = '-';

/** 0.5, 7.3, 42, 999, 12.3k, 1.2M, 3.4G. */
export function compactNumber(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return MISSING;
  const abs = Math.abs(value);
  if (abs < 10) return value === Math.round(value) ? String(value) : value.toFixed(1);
  if (abs < 1000) return String(Math.round(value));
  for (const [divisor, suffix] of [
    [1e3, 'k'],
    [1e6, 'M'],
    [1e9, 'G'],
  ] as const) {
    const scaled = value / divisor;
    // Rounded to 1000 it belongs to the next unit (999 949 is 1.0M, not 1000k).
    if (Math.round(Math.abs(scaled)) >= 1000) continue;
    return `${Math.abs(scaled) < 99.95 ? scaled.toFixed(1) : Math.round(scaled)}${suffix}`;
  }
  return `${(value / 1e12).toFixed(0)}T`;
}

/** A 0–1 ratio as 95.1%; 100% without decimals. */
export function percent(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return MISSING;
  const value = ratio * 100;
  return value >= 99.95 && value < 100.05 ? '100%' : `${value.toFixed(1)}%`;
}

/** Milliseconds: 0.12, 3.45, 12.3, 123, then seconds as 1.2s. */
export function millis(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return MISSING;
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  if (ms < 10_000) return String(Math.round(ms));
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Microseconds with a unit: 2.1µs, 850µs, 1.2ms, 1.5s. */
export function micros(us: number | null): string {
  if (us === null || !Number.isFinite(us)) return MISSING;
  if (us < 10) return `${us.toFixed(1)}µs`;
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 1_000_000) return `${millis(us / 1000)}ms`;
  return `${(us / 1_000_000).toFixed(1)}s`;
}

/** IEC bytes without the space, to fit a narrow column: 512B, 1.5GiB, 100MiB. */
export function compactBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return MISSING;
  return formatBytes(bytes).replace(' ', '');
}

/** Seconds as 0s, 42s, 3m, 2h, 5d. */
export function compactSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return MISSING;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}


/** Pads (or cuts) to exactly `width` characters. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = truncate(text, width);
  return align === 'right' ? cut.padStart(width) : cut.padEnd(width);
}
