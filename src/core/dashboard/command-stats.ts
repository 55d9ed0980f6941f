// Per-command activity over a window, from two INFO commandstats samples (calls and microseconds
// are lifetime counters), joined with INFO latencystats percentiles where the server has them.

import type { CommandStat, LatencyPercentiles } from '../../base/info.js';

export interface CommandActivity {
  /** As the server names it, lower case (`get`, `client|list`). */
  command: string;
  /** Calls within the window. */
  calls: number;
  /** Microseconds spent executing it within the window. */
  usec: number;
  /** Mean execution time per call within the window; null without calls. */
  usecPerCall: number | null;
  callsPerSec: number | null;
  /**
   * INFO latencystats percentiles (Redis 7+), in microseconds. They cover the server's whole life
   * (or since CONFIG RESETSTAT), not the window: a server cannot report windowed percentiles.
   */
  p50Us: number | null;
  p99Us: number | null;
  p999Us: number | null;
}

/**
 * Commands called within the window, busiest first. Null when a counter went backwards (restart,
 * CONFIG RESETSTAT): nothing honest can be said about such a window.
 */
export function commandActivity(
  before: ReadonlyMap<string, CommandStat>,
  after: ReadonlyMap<string, CommandStat>,
  windowMs: number,
  latency: ReadonlyMap<string, LatencyPercentiles> = new Map(),
): CommandActivity[] | null {
  const rows: CommandActivity[] = [];
  for (const [command, stat] of after) {
    const base = before.get(command);
    const calls = stat.calls - (base?.calls ?? 0);
    const usec = stat.usec - (base?.usec ?? 0);
    if (calls < 0 || usec < 0) return null;
    if (calls === 0) continue;
    const percentiles = latency.get(command);
    rows.push({
      command,
      calls,
      usec,
      usecPerCall: usec / calls,
      callsPerSec: windowMs > 0 ? calls / (windowMs / 1000) : null,
      p50Us: percentiles?.p50 ?? null,
      p99Us: percentiles?.p99 ?? null,
      p999Us: percentiles?.['p99.9'] ?? null,
    });
  }
  // A command that vanished from the later sample means its counters were reset.
  for (const command of before.keys()) if (!after.has(command)) return null;
  return rows.sort((a, b) => b.calls - a.calls || a.command.localeCompare(b.command));
}

/** Mean microseconds per call over the activity given (the dashboard passes everyone's but its own); null without calls. */
export function meanUsecPerCall(activity: readonly CommandActivity[]): number | null {
  let calls = 0;
  let usec = 0;
  for (const row of activity) {
    calls += row.calls;
    usec += row.usec;
  }
  return calls === 0 ? null : usec / calls;
}

/** The top `n` by time spent (the slow or heavy commands), most first. */
export function byTime(activity: readonly CommandActivity[], n: number): CommandActivity[] {
  return [...activity].sort((a, b) => b.usec - a.usec || a.command.localeCompare(b.command)).slice(0, n);
}
