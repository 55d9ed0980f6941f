// What purge and restore share for sending per-key work to a topology: routing keys to the master
// that owns them, grouping them so multi-key commands never cross a cluster slot, telling which
// failures may be retried (and whether the command may have run anyway), and running a Lua script
// with a fallback when the script cache was flushed.

import type { NodeHandle, Topology } from '../../connection/topology.js';
import type { CachectlError } from '../../base/errors.js';
import { keySlot } from '../../base/slot.js';

export interface KeyItem {
  key: Buffer;
  /** Cluster slot (0 outside Cluster). */
  slot: number;
}

/** Keys per owning master; keys no master serves right now (a cluster mid-failover) go to `unroutable`. */
export function routeByOwner<T extends KeyItem>(topology: Topology, items: readonly T[]): { routed: Map<NodeHandle, T[]>; unroutable: T[] } {
  const routed = new Map<NodeHandle, T[]>();
  const unroutable: T[] = [];
  if (topology.kind !== 'cluster') {
    const [master] = topology.masters();
    if (master === undefined) return { routed, unroutable: [...items] };
    routed.set(master, [...items]);
    return { routed, unroutable };
  }
  for (const item of items) {
    let node: NodeHandle;
    try {
      node = topology.nodeForKey(item.key);
    } catch {
      unroutable.push(item);
      continue;
    }
    let list = routed.get(node);
    if (list === undefined) {
      list = [];
      routed.set(node, list);
    }
    list.push(item);
  }
  return { routed, unroutable };
}

export function slotOf(topology: Topology, key: Buffer): number {
  return topology.kind === 'cluster' ? keySlot(key) : 0;
}

/**
 * Groups for multi-key commands: at most `size` keys each, and in Cluster never two slots in one
 * group (a multi-key command must stay within one slot).
 */
export function groupBySlot<T extends KeyItem>(items: readonly T[], size: number, cluster: boolean): T[][] {
  const groups: T[][] = [];
  if (!cluster) {
    for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
    return groups;
  }
  const bySlot = new Map<number, T[]>();
  for (const item of items) {
    let group = bySlot.get(item.slot);
    if (group === undefined || group.length >= size) {
      group = [];
      bySlot.set(item.slot, group);
      groups.push(group);
    }
    group.push(item);
  }
  return groups;
}

/**
 * How a failed command is handled:
 * - `retry`: the server refused it (MOVED, TRYAGAIN, CLUSTERDOWN, LOADING, READONLY…): it did not
 *   run; route again after refreshing the topology.
 * - `ask`: the slot is migrating and the key lives on `target` now: send it there after ASKING.
 * - `doubt`: the connection failed or timed out after the command was sent: it may have run.
 * - `fatal`: any other error reply (NOPERM, OOM, wrong arguments): it did not run; stop.
 */
export type FailureKind = 'retry' | 'ask' | 'doubt' | 'fatal';

export interface Failure {
  kind: FailureKind;
  error: CachectlError;
  /** ASK target address (host:port). */
  target?: string;
  /** The raw reply text, for callers that look for specific errors. */
  reply: string;
}

const RETRYABLE = /^(MOVED|TRYAGAIN|CLUSTERDOWN|LOADING|READONLY|MASTERDOWN|BUSY |NOREPLICAS)/;

export function classifyFailure(node: NodeHandle, error: unknown): Failure {
  const reply = String((error as Error)?.message ?? error);
  const isReply = (error as { name?: string })?.name === 'ReplyError';
  if (isReply && reply.startsWith('ASK ')) {
    const target = reply.split(' ')[2];
    const failure: Failure = { kind: 'ask', error: node.translate(error), reply };
    if (target !== undefined) failure.target = target;
    return failure;
  }
  if (isReply && RETRYABLE.test(reply)) return { kind: 'retry', error: node.translate(error), reply };
  if (isReply) return { kind: 'fatal', error: node.translate(error), reply };
  return { kind: 'doubt', error: node.translate(error), reply };
}

// Scripts run by a locally computed SHA (no SCRIPT LOAD, which managed services may rename).
export { ScriptRunner } from '../../connection/script-runner.js';
