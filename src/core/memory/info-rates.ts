// Rates over a window from two INFO samples of one server: ops/s, evictions/s, expirations/s and
// the hit rate over the window. Pure, so `cachectl memory` and the dashboard compute them alike.

import type { InfoSections } from '../../base/info.js';
import { infoNumber, infoString } from '../../base/info.js';

/** The lifetime counters (INFO `# Stats`) the rates are computed from. */
export interface InfoCounters {
  commands: number | null;
  hits: number | null;
  misses: number | null;
  evicted: number | null;
  expired: number | null;
}

export function readCounters(info: InfoSections): InfoCounters {
  return {
    commands: infoNumber(info, 'stats', 'total_commands_processed') ?? null,
    hits: infoNumber(info, 'stats', 'keyspace_hits') ?? null,
    misses: infoNumber(info, 'stats', 'keyspace_misses') ?? null,
    evicted: infoNumber(info, 'stats', 'evicted_keys') ?? null,
    expired: infoNumber(info, 'stats', 'expired_keys') ?? null,
  };
}

/** Counter increases over a window; null when a sample lacks the counter. */
export type InfoDeltas = InfoCounters;

export interface InfoRates {
  /** Length of the window in milliseconds. */
  windowMs: number;
  /** Whether the window was measured on the server's clock (server_time_usec) or ours. */
  clock: 'server' | 'local';
  /**
   * The counters went backwards or the server restarted (run_id changed) within the window:
   * every delta and rate is null, since nothing honest can be said about the window.
   */
  reset: boolean;
  deltas: InfoDeltas;
  opsPerSec: number | null;
  evictionsPerSec: number | null;
  expirationsPerSec: number | null;
  /** Keyspace lookups (hits + misses) within the window. */
  lookups: number | null;
  /** Hits / lookups within the window, from 0 to 1; null when there were no lookups. */
  hitRate: number | null;
}

export interface InfoRatesOptions {
  /**
   * Commands the sampler itself ran on the server within the window (the first INFO is counted
   * once it has run), subtracted so an idle server shows 0 ops/s. @default 0
   */
  ownCommands?: number;
}

/**
 * Rates between two INFO samples of the same server taken `localElapsedMs` apart by our clock.
 * The server's own clock (`server_time_usec`, Redis 6.2+) is preferred, as it leaves out network
 * latency; ours is the fallback. A zero-length window yields null rates.
 */
export function computeInfoRates(before: InfoSections, after: InfoSections, localElapsedMs: number, options: InfoRatesOptions = {}): InfoRates {
  const serverBefore = infoNumber(before, 'server', 'server_time_usec');
  const serverAfter = infoNumber(after, 'server', 'server_time_usec');
  const serverClock = serverBefore !== undefined && serverAfter !== undefined && serverAfter >= serverBefore;
  const windowMs = serverClock ? (serverAfter - serverBefore) / 1000 : Math.max(0, localElapsedMs);

  const a = readCounters(before);
  const b = readCounters(after);
  const reset = restarted(before, after) || (Object.keys(a) as (keyof InfoCounters)[]).some((name) => decreased(a[name], b[name]));
  const delta = (name: keyof InfoCounters): number | null => {
    const from = a[name];
    const to = b[name];
    return reset || from === null || to === null ? null : to - from;
  };
  const commands = delta('commands');
  const deltas: InfoDeltas = {
    commands: commands === null ? null : Math.max(0, commands - (options.ownCommands ?? 0)),
    hits: delta('hits'),
    misses: delta('misses'),
    evicted: delta('evicted'),
    expired: delta('expired'),
  };
  return ratesFromDeltas(deltas, windowMs, serverClock ? 'server' : 'local', reset);
}

/**
 * Rates of several servers over (about) the same window, as one: deltas are summed, so the hit
 * rate is weighted by each server's lookups. A server whose window was reset or lacks a counter
 * is left out of that counter's sum; the result is null only when no server had it.
 */
export function combineInfoRates(parts: readonly InfoRates[]): InfoRates | null {
  if (parts.length === 0) return null;
  const usable = parts.filter((part) => !part.reset);
  const sum = (name: keyof InfoDeltas): number | null => {
    const values = usable.map((part) => part.deltas[name]).filter((value): value is number => value !== null);
    return values.length === 0 ? null : values.reduce((total, value) => total + value, 0);
  };
  // The windows differ by the few milliseconds between the servers' answers; the longest is the span observed.
  const windowMs = Math.max(...parts.map((part) => part.windowMs));
  const deltas: InfoDeltas = { commands: sum('commands'), hits: sum('hits'), misses: sum('misses'), evicted: sum('evicted'), expired: sum('expired') };
  const clock = parts.every((part) => part.clock === 'server') ? 'server' : 'local';
  return ratesFromDeltas(deltas, windowMs, clock, usable.length === 0);
}

function ratesFromDeltas(deltas: InfoDeltas, windowMs: number, clock: InfoRates['clock'], reset: boolean): InfoRates {
  const perSec = (value: number | null): number | null => (value === null || windowMs <= 0 ? null : value / (windowMs / 1000));
  const lookups = deltas.hits === null || deltas.misses === null ? null : deltas.hits + deltas.misses;
  return {
    windowMs,
    clock,
    reset,
    deltas,
    opsPerSec: perSec(deltas.commands),
    evictionsPerSec: perSec(deltas.evicted),
    expirationsPerSec: perSec(deltas.expired),
    lookups,
    hitRate: lookups === null || lookups === 0 || deltas.hits === null ? null : deltas.hits / lookups,
  };
}

/** keyspace_hits / (hits + misses) since the server started (or since CONFIG RESETSTAT); null without lookups. */
export function lifetimeHitRate(info: InfoSections): number | null {
  const { hits, misses } = readCounters(info);
  if (hits === null || misses === null || hits + misses === 0) return null;
  return hits / (hits + misses);
}

function restarted(before: InfoSections, after: InfoSections): boolean {
  const runBefore = infoString(before, 'server', 'run_id');
  const runAfter = infoString(after, 'server', 'run_id');
  if (runBefore !== undefined && runAfter !== undefined && runBefore !== runAfter) return true;
  const upBefore = infoNumber(before, 'server', 'uptime_in_seconds');
  const upAfter = infoNumber(after, 'server', 'uptime_in_seconds');
  return upBefore !== undefined && upAfter !== undefined && upAfter < upBefore;
}

function decreased(from: number | null, to: number | null): boolean {
  return from !== null && to !== null && to < from;
}
