// What cachectl itself sends to each node while `top` runs, counted per command the way INFO
// commandstats names them, so the dashboard can subtract its own calls (INFO, the probe's PINGs, a
// reconnection's AUTH / CLIENT SETNAME / CLIENT SETINFO / INFO ready check) from what it reports
// about the server, and still show another client's INFO or PING.

import type { Redis } from 'ioredis';
import type { CommandActivity } from './command-stats.js';

/** Commands whose calls commandstats counts per subcommand (`client|setinfo`) on Redis 7+ and Valkey. */
const CONTAINERS = new Set(['acl', 'client', 'cluster', 'command', 'config', 'function', 'latency', 'memory', 'module', 'object', 'pubsub', 'script', 'slowlog', 'xgroup', 'xinfo']);

/** `client|setinfo`, `info`: a command as commandstats names it on Redis 7+. */
export function statName(name: string, args: readonly unknown[]): string {
  const lower = name.toLowerCase();
  if (!CONTAINERS.has(lower) || args.length === 0) return lower;
  const sub = args[0];
  return `${lower}|${(Buffer.isBuffer(sub) ? sub.toString('latin1') : String(sub)).toLowerCase()}`;
}

/** Counts commands by stat name. */
export interface CommandTally {
  add(command: string): void;
  snapshot(): Map<string, number>;
}

export class CommandCounter implements CommandTally {
  private readonly counts = new Map<string, number>();

  add(command: string): void {
    this.counts.set(command, (this.counts.get(command) ?? 0) + 1);
  }

  snapshot(): Map<string, number> {
    return new Map(this.counts);
  }
}

/** What the latency probe's connections send: its PINGs and a (re)connection's handshake. */
export const PROBE_COMMANDS = ['ping', 'info', 'client|setname', 'client|setinfo', 'auth', 'hello', 'select', 'quit'] as const;

/**
 * A tally in shared memory: the probe's worker thread adds, the dashboard reads at the instant it
 * sends INFO (a message would arrive up to a report interval late, and each late PING would show
 * as another client's). Only PROBE_COMMANDS are counted.
 */
export class SharedCommandCounter implements CommandTally {
  readonly buffer: SharedArrayBuffer;
  private readonly slots: Int32Array;

  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * PROBE_COMMANDS.length);
    this.slots = new Int32Array(this.buffer);
  }

  add(command: string): void {
    const slot = (PROBE_COMMANDS as readonly string[]).indexOf(command);
    if (slot >= 0) Atomics.add(this.slots, slot, 1);
  }

  snapshot(): Map<string, number> {
    const counts = new Map<string, number>();
    PROBE_COMMANDS.forEach((command, slot) => {
      const n = Atomics.load(this.slots, slot);
      if (n > 0) counts.set(command, n);
    });
    return counts;
  }
}

const tallies = new WeakMap<Redis, Set<CommandTally>>();
const countedCommands = new WeakSet<object>();

/**
 * Counts every command `client` sends into `tally`, its handshake included, from now on; returns
 * the function that stops counting. A command ioredis passes through sendCommand twice (queued
 * while offline, then flushed) is counted once.
 */
export function countCommands(client: Redis, tally: CommandTally): () => void {
  let set = tallies.get(client);
  if (set === undefined) {
    const own = new Set<CommandTally>();
    set = own;
    tallies.set(client, own);
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((command: { name: string; args: unknown[] }, stream?: unknown) => {
      if (!countedCommands.has(command)) {
        countedCommands.add(command);
        const name = statName(command.name, command.args);
        for (const each of own) each.add(name);
      }
      return (send as (command: unknown, stream?: unknown) => unknown)(command, stream);
    }) as Redis['sendCommand'];
  }
  set.add(tally);
  return () => set.delete(tally);
}

/** Adds counts. */
export function mergeCounts(...counts: ReadonlyMap<string, number>[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const map of counts) for (const [command, n] of map) out.set(command, (out.get(command) ?? 0) + n);
  return out;
}

/** after − before, per command. */
export function countsSince(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [command, n] of after) {
    const delta = n - (before.get(command) ?? 0);
    if (delta > 0) out.set(command, delta);
  }
  return out;
}

/**
 * The activity of everyone but cachectl: each command's calls within the window less those cachectl
 * sent (its time reduced in proportion), dropping commands left with none. Redis 6.2 counts
 * `client|setinfo` as `client`: an own call is taken from the container where the server has no
 * row for the subcommand. `allowance` is how many calls of a command cachectl may have had in
 * flight as the window closed (the probe's one PING): a residue that small is cachectl's too.
 */
export function othersActivity(activity: readonly CommandActivity[], own: ReadonlyMap<string, number>, allowance: ReadonlyMap<string, number> = new Map()): CommandActivity[] {
  const present = new Set(activity.map((row) => row.command));
  const ownByRow = new Map<string, number>();
  for (const [command, n] of own) {
    const container = command.split('|')[0]!;
    const row = present.has(command) ? command : present.has(container) ? container : undefined;
    if (row !== undefined) ownByRow.set(row, (ownByRow.get(row) ?? 0) + n);
  }
  const out: CommandActivity[] = [];
  for (const row of activity) {
    const mine = ownByRow.get(row.command) ?? 0;
    const calls = row.calls - mine;
    if (calls <= (allowance.get(row.command) ?? 0)) continue;
    if (mine === 0) {
      out.push(row);
      continue;
    }
    const share = calls / row.calls;
    out.push({ ...row, calls, usec: row.usec * share, callsPerSec: row.callsPerSec === null ? null : row.callsPerSec * share });
  }
  return out.sort((a, b) => b.calls - a.calls || a.command.localeCompare(b.command));
}
