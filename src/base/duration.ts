// Durations on the command line (--interval 500ms, --older-than 30d) and back out for humans.
// Parsing rejects anything ambiguous with a usage error that quotes what the user typed.

import { usageError } from './errors.js';

const UNIT_MS = {
  w: 7 * 24 * 60 * 60 * 1000,
  d: 24 * 60 * 60 * 1000,
  h: 60 * 60 * 1000,
  m: 60 * 1000,
  s: 1000,
  ms: 1,
} as const;
type Unit = keyof typeof UNIT_MS;

// Largest first: a compound must list its units in this order, each at most once.
const UNIT_ORDER: readonly Unit[] = ['w', 'd', 'h', 'm', 's', 'ms'];

const PROBLEM = 'expects a duration such as 500ms, 30s, 5m, 24h or 30d';
const HINT = 'units: ms, s, m, h, d, w; combine them largest first as in 1h30m; a bare number means seconds';

// A number, then a unit; `ms` before `m` so "5ms" is not read as 5 minutes and a stray "s".
const PART = /(\d+(?:\.\d+)?|\.\d+)\s*(ms|w|d|h|m|s)\s*/y;
const BARE = /^(\d+(?:\.\d+)?|\.\d+)$/;

/**
 * Parses `250ms`, `30s`, `5m`, `1h`, `30d`, `2w`, compounds (`1h30m`, `1h 30m`), decimals (`1.5s`)
 * and bare numbers (seconds) into whole milliseconds (rounded). Units are lower case only, since
 * `M` reads as months to many people; a compound lists units largest first, each once, which
 * catches typos like `1m30m`. Throws a usage error naming `flag` for anything else.
 */
export function parseDuration(text: string, flag: string): number {
  const fail = () => usageError(flag, `${PROBLEM}, got ${JSON.stringify(text)}`, HINT);
  const input = text.trim();
  if (input === '') throw fail();

  let total: number;
  const bare = BARE.exec(input);
  if (bare) {
    total = Number(bare[1]) * UNIT_MS.s;
  } else {
    total = 0;
    let lastRank = -1;
    PART.lastIndex = 0;
    while (PART.lastIndex < input.length) {
      const part = PART.exec(input);
      if (!part) throw fail();
      const unit = part[2] as Unit;
      const rank = UNIT_ORDER.indexOf(unit);
      if (rank <= lastRank) throw fail();
      lastRank = rank;
      total += Number(part[1]) * UNIT_MS[unit];
    }
  }
  const ms = Math.round(total);
  if (!Number.isSafeInteger(ms)) throw fail();
  return ms;
}

/**
 * A compact human form: `850ms`, `12.5s`, `4m 10s`, `3h 5m`, `2d 4h` — the two largest units,
 * the second dropped when zero (`4m`, `2d`). Negative values get a leading `-`; NaN and ±Infinity
 * render as `n/a` so a renderer never prints `NaN` or `∞`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 0) return `-${formatDuration(-ms)}`;

  const wholeMs = Math.round(ms);
  if (wholeMs < 1000) return `${wholeMs}ms`;

  // Tenths of a second, rounded before choosing the unit so 59.96s becomes "1m", not "60.0s".
  const tenths = Math.round(ms / 100);
  if (tenths < 600) {
    return tenths % 10 === 0 ? `${tenths / 10}s` : `${(tenths / 10).toFixed(1)}s`;
  }
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return pair(Math.floor(seconds / 60), 'm', seconds % 60, 's');
  const minutes = Math.round(ms / 60_000);
  if (minutes < 24 * 60) return pair(Math.floor(minutes / 60), 'h', minutes % 60, 'm');
  const hours = Math.round(ms / 3_600_000);
  return pair(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

function pair(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major}${majorUnit}` : `${major}${majorUnit} ${minor}${minorUnit}`;
}
