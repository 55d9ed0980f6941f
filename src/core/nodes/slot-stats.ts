// Per-slot usage from Valkey 8's CLUSTER SLOT-STATS: the slots of one shard holding the most keys
// and, where `cluster-slot-stats-enabled` is on, using the most CPU. Asked of the server (COMMAND
// INFO cluster|slot-stats), never assumed from a version; null where the server has no such command.

import type { Redis } from 'ioredis';

export interface SlotStat {
  slot: number;
  keys: number;
  /** Microseconds of command execution in this slot (null unless cluster-slot-stats-enabled). */
  cpuUsec: number | null;
  networkBytesIn: number | null;
  networkBytesOut: number | null;
}

export interface ShardSlotStats {
  /** The slots holding the most keys, most first. */
  byKeys: SlotStat[];
  /** The slots using the most CPU, most first; null when the server does not measure it. */
  byCpu: SlotStat[] | null;
  /** One slot holds at least DOMINANT_SHARE of the shard's keys: it cannot be spread by resharding. */
  dominant: { slot: number; share: number } | null;
}

/** How many slots each list keeps. */
export const SLOT_STATS_LIMIT = 5;
/** A slot holding this share of its shard's keys dominates it (hash tags put them together). */
export const DOMINANT_SHARE = 0.5;
/** Below this many keys in a shard, one slot holding most of them is not worth a hint. */
export const DOMINANT_MIN_KEYS = 100;

/** Parses `[[slot, [metric, value, ...]], ...]`. */
export function parseSlotStats(reply: unknown): SlotStat[] {
  if (!Array.isArray(reply)) return [];
  const stats: SlotStat[] = [];
  for (const entry of reply) {
    if (!Array.isArray(entry) || entry.length < 2 || !Array.isArray(entry[1])) continue;
    const metrics = new Map<string, number>();
    const flat = entry[1] as unknown[];
    for (let i = 0; i + 1 < flat.length; i += 2) metrics.set(String(flat[i]), Number(flat[i + 1]));
    stats.push({
      slot: Number(entry[0]),
      keys: metrics.get('key-count') ?? 0,
      cpuUsec: metrics.get('cpu-usec') ?? null,
      networkBytesIn: metrics.get('network-bytes-in') ?? null,
      networkBytesOut: metrics.get('network-bytes-out') ?? null,
    });
  }
  return stats;
}

/** The slot that holds at least DOMINANT_SHARE of `shardKeys`, if any. */
export function dominantSlot(byKeys: readonly SlotStat[], shardKeys: number): { slot: number; share: number } | null {
  const top = byKeys[0];
  if (top === undefined || shardKeys < DOMINANT_MIN_KEYS) return null;
  const share = top.keys / shardKeys;
  return share >= DOMINANT_SHARE ? { slot: top.slot, share } : null;
}

const support = new WeakMap<Redis, Promise<boolean>>();

function hasSlotStats(client: Redis): Promise<boolean> {
  let known = support.get(client);
  if (known === undefined) {
    known = client.call('COMMAND', 'INFO', 'cluster|slot-stats').then(
      (info) => Array.isArray(info) && info[0] !== null && info[0] !== undefined,
      () => false,
    );
    support.set(client, known);
  }
  return known;
}

/** A cluster master's busiest slots, or null where the server has no CLUSTER SLOT-STATS (or refuses it). */
export async function readShardSlotStats(client: Redis, shardKeys: number): Promise<ShardSlotStats | null> {
  if (!(await hasSlotStats(client))) return null;
  let byKeys: SlotStat[];
  try {
    byKeys = parseSlotStats(await client.call('CLUSTER', 'SLOT-STATS', 'ORDERBY', 'key-count', 'LIMIT', String(SLOT_STATS_LIMIT))).filter((s) => s.keys > 0);
  } catch {
    return null;
  }
  // CPU is only measured (and only sortable) with cluster-slot-stats-enabled; the metrics say so.
  let byCpu: SlotStat[] | null = null;
  const measured = byKeys.length > 0 ? byKeys[0]!.cpuUsec !== null : false;
  if (measured) {
    byCpu = parseSlotStats(await client.call('CLUSTER', 'SLOT-STATS', 'ORDERBY', 'cpu-usec', 'LIMIT', String(SLOT_STATS_LIMIT))).filter((s) => (s.cpuUsec ?? 0) > 0);
  }
  return { byKeys, byCpu, dominant: dominantSlot(byKeys, shardKeys) };
}
