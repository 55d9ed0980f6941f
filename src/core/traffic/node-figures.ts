// What `traffic` can still tell where MONITOR is not permitted (managed services, restricted ACL
// users): each node's ops/s and hit rate over the same window, from two INFO readings, and whether its
// eviction policy keeps LFU frequencies (then `bigkeys` can name the hot keys from OBJECT FREQ).

import { infoNumber, infoString, parseInfo } from '../../base/info.js';
import { sleep } from '../../base/sleep.js';
import type { NodeHandle } from '../../connection/topology.js';

export interface NodeFigures {
  address: string;
  /** Commands per second over the window (total_commands_processed), cachectl's two INFOs included. */
  opsPerSec: number | null;
  /** keyspace_hits / (hits + misses) over the window; null without lookups. */
  hitRate: number | null;
  lookups: number | null;
  maxmemoryPolicy: string | null;
  /** Under an LFU policy the server keeps per-key access frequencies (OBJECT FREQ). */
  lfu: boolean;
  /** Why this node has no figures (INFO refused, connection lost). */
  error?: string;
}

interface Reading {
  at: number;
  commands: number | undefined;
  hits: number | undefined;
  misses: number | undefined;
  policy: string | undefined;
}

async function read(node: NodeHandle): Promise<Reading> {
  const client = await node.ready();
  const info = parseInfo(String(await client.info('all')));
  return {
    at: performance.now(),
    commands: infoNumber(info, 'stats', 'total_commands_processed'),
    hits: infoNumber(info, 'stats', 'keyspace_hits'),
    misses: infoNumber(info, 'stats', 'keyspace_misses'),
    policy: infoString(info, 'memory', 'maxmemory_policy'),
  };
}

/** Two INFO readings per node, `durationMs` apart (or until the signal aborts). Never throws for a node. */
export async function sampleNodeFigures(nodes: readonly NodeHandle[], durationMs: number, signal?: AbortSignal): Promise<NodeFigures[]> {
  const first = await Promise.all(nodes.map((node) => read(node).catch((error: unknown) => error as Error)));
  await sleep(durationMs, signal).catch(() => undefined);
  return Promise.all(
    nodes.map(async (node, i): Promise<NodeFigures> => {
      const before = first[i]!;
      const empty = { address: node.address, opsPerSec: null, hitRate: null, lookups: null, maxmemoryPolicy: null, lfu: false };
      if (before instanceof Error) return { ...empty, error: before.message };
      let after: Reading;
      try {
        after = await read(node);
      } catch (error) {
        return { ...empty, error: (error as Error).message };
      }
      const seconds = (after.at - before.at) / 1000;
      const delta = (pick: (reading: Reading) => number | undefined) => {
        const [a, b] = [pick(before), pick(after)];
        return a === undefined || b === undefined ? null : Math.max(0, b - a);
      };
      const commands = delta((r) => r.commands);
      const hits = delta((r) => r.hits);
      const misses = delta((r) => r.misses);
      const lookups = hits === null || misses === null ? null : hits + misses;
      const policy = after.policy ?? null;
      return {
        address: node.address,
        opsPerSec: commands === null || seconds <= 0 ? null : Math.round((commands / seconds) * 10) / 10,
        hitRate: lookups === null || lookups === 0 ? null : hits! / lookups,
        lookups,
        maxmemoryPolicy: policy,
        lfu: policy !== null && policy.includes('lfu'),
      };
    }),
  );
}
