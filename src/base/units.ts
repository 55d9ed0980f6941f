// Numbers on the command line — counts, rates, byte sizes, count-or-percent thresholds — and byte
// sizes back out for humans. Parsers throw a usage error naming the flag and quoting the input.

import { usageError } from './errors.js';

export interface CountLimits {
  /** @default 0 */
  min?: number;
  /** @default Number.MAX_SAFE_INTEGER */
  max?: number;
}

const COUNT = /^-?\d+(?:_\d+)*$/;

/**
 * A whole number within `[min, max]` (default `[0, MAX_SAFE_INTEGER]`). Digits may be grouped with
 * `_` (`1_000_000`). Decimals, `+`, hex and exponents (`1e3`) are rejected: `1e3` reads as a float
 * to most people, and accepting it would invite `1e-3`.
 */
export function parseCount(text: string, flag: string, limits: CountLimits = {}): number {
  const min = limits.min ?? 0;
  const max = limits.max ?? Number.MAX_SAFE_INTEGER;
  const input = text.trim();
  const value = COUNT.test(input) ? Number(input.replaceAll('_', '')) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw usageError(flag, `expects a whole number ${range}, got ${JSON.stringify(text)}`);
  }
  return value;
}

const DECIMAL = /^(\d+(?:\.\d+)?|\.\d+)$/;

/** A rate in operations per second: a positive decimal number, optionally followed by `/s`. */
export function parseRate(text: string, flag: string): number {
  const input = text.trim().replace(/\s*\/\s*s$/, '');
  const value = DECIMAL.test(input) ? Number(input) : Number.NaN;
  if (!Number.isFinite(value) || value <= 0) {
    throw usageError(
      flag,
      `expects a positive rate per second such as 100 or 2.5, got ${JSON.stringify(text)}`,
      'write the number of operations per second, e.g. 500 or 500/s',
    );
  }
  return value;
}

// redis.conf's convention (memtoll): k/m/g/t are powers of 1000, kb/mb/gb/tb powers of 1024;
// the IEC names kib/mib/gib/tib are accepted too. Case-insensitive, as in redis.conf.
const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1024,
  kib: 1024,
  m: 1e6,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1e12,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};
const BYTE_SIZE = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i;

/**
 * A size in bytes: `512`, `64kb`, `100mb`, `2gb`, `1.5GiB`. Units follow redis.conf, where `kb`
 * means 1024 bytes and a bare `k` 1000, so a value copied from `maxmemory 2gb` means the same here.
 * Fractions are rounded to whole bytes.
 */
export function parseByteSize(text: string, flag: string): number {
  const match = BYTE_SIZE.exec(text.trim());
  const multiplier = match ? BYTE_UNITS[(match[2] ?? '').toLowerCase()] : undefined;
  const bytes = match && multiplier !== undefined ? Math.round(Number(match[1]) * multiplier) : Number.NaN;
  if (!Number.isSafeInteger(bytes)) {
    throw usageError(
      flag,
      `expects a size such as 512, 64kb, 100mb or 2gb, got ${JSON.stringify(text)}`,
      'units as in redis.conf: kb, mb, gb, tb are powers of 1024 (also kib, mib, gib, tib); k, m, g, t powers of 1000',
    );
  }
  return bytes;
}

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/**
 * Bytes for humans in binary (IEC) units, so the unit says which base it is: `512 B`, `1.2 KiB`,
 * `64.0 MiB`, `512 MiB`, `1.5 GiB`. One decimal below 100, none above; the unit is chosen after
 * rounding so 1023.97 KiB shows as `1.0 MiB`. Negative sizes (deltas) get a `-`; NaN and ±Infinity
 * render as `n/a`. INFO's `used_memory_human` uses the same base (1.20M there is 1.2 MiB here).
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (n < 0) return `-${formatBytes(-n)}`;
  if (Math.round(n) < 1024) return `${Math.round(n)} B`;
  let value = n;
  let unit = 0;
  for (;;) {
    value /= 1024;
    unit++;
    const shown = value < 100 ? Math.round(value * 10) / 10 : Math.round(value);
    if (shown < 1024 || unit === IEC.length - 1) {
      return shown < 100 ? `${shown.toFixed(1)} ${IEC[unit]}` : `${shown} ${IEC[unit]}`;
    }
  }
}

export type Threshold = { kind: 'count'; value: number } | { kind: 'percent'; value: number };

const PERCENT = /^(\d+(?:\.\d+)?|\.\d+)\s*%$/;

/**
 * A threshold given either as a whole count (`--fail-on-missing 10`) or as a percentage from 0 to
 * 100 (`--fail-on-missing 2.5%`); the caller decides what the percentage is of.
 */
export function parseThreshold(text: string, flag: string): Threshold {
  const input = text.trim();
  const percent = PERCENT.exec(input);
  if (percent) {
    const value = Number(percent[1]);
    if (value <= 100) return { kind: 'percent', value };
  } else if (COUNT.test(input) && !input.startsWith('-')) {
    const value = Number(input.replaceAll('_', ''));
    if (Number.isSafeInteger(value)) return { kind: 'count', value };
  }
  throw usageError(
    flag,
    `expects a count such as 10 or a percentage such as 2.5%, got ${JSON.stringify(text)}`,
    'a count is a whole number ≥ 0; a percentage is from 0% to 100%',
  );
}

/**
 * A share of a whole (0..1) as a percentage, with enough digits to tell a small share from none and
 * an almost-all from all: `0%`, `<0.1%`, `12.5%`, `40%`, `>99.9%`, `100%`; `-` when unknown.
 */
export function formatShare(share: number | null): string {
  if (share === null || !Number.isFinite(share)) return '-';
  if (share === 0) return '0%';
  const percent = share * 100;
  if (percent < 0.1) return '<0.1%';
  if (percent > 99.9 && percent < 100) return '>99.9%';
  return `${percent.toFixed(1).replace(/\.0$/, '')}%`;
}
