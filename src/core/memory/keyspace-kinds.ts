// What kind of data a Redis instance holds, from a bounded sample of its keys: job queues, locks and
// sessions (recognised by the namespace layouts `keys` labels) must not be evicted, so the memory
// advice for them differs from the advice for a cache. INFO alone cannot tell the two apart.

import type { Topology } from '../../connection/topology.js';
import { layoutOf } from '../namespaces/layouts.js';
import type { Library } from '../namespaces/layouts.js';
import { NamespaceAggregator } from '../namespaces/namespaces.js';
import type { NamespaceNode } from '../namespaces/namespaces.js';
import { scanKeys } from '../scan/scan.js';
import { collectScan } from '../scan/scan-progress.js';

/** Keys `memory` samples by default: a few milliseconds of server time in total. */
export const DEFAULT_SAMPLE_KEYS = 2000;

/** Data that breaks when evicted: a lost job, a lock that no longer excludes, a user logged out. */
export type KeepKind = 'queue' | 'lock' | 'session';

const KIND_OF: Partial<Record<Library, KeepKind>> = {
  bullmq: 'queue',
  bull: 'queue',
  'bee-queue': 'queue',
  kue: 'queue',
  'node-resque': 'queue',
  redlock: 'lock',
  'connect-redis': 'session',
};

export interface KeepGroup {
  kind: KeepKind;
  library: Library;
  /** As `keys` labels it, e.g. `BullMQ queue "emails"`. */
  label: string;
  namespace: string;
  /** Keys of the sample in this group. */
  sampledKeys: number;
}

export interface KeyspaceSample {
  /** Keys asked for (--sample-keys). */
  limit: number;
  /** Keys looked at. */
  sampled: number;
  /** Keys the scanned nodes hold (DBSIZE). */
  dbsize: number;
  /** The sample is the whole keyspace. */
  complete: boolean;
  /** Nodes the sample could not read (their keys are missing from it). */
  failedNodes: string[];
  groups: KeepGroup[];
}

/**
 * Reads the first `limit` keys SCAN returns over every master (TYPE and TTL only, no values, no
 * MEMORY USAGE), groups them into namespaces and keeps the groups whose layout is a queue's, a
 * lock's or a session store's. Bounded by `limit`; never the whole keyspace unless it is smaller.
 */
export async function sampleKeyspaceKinds(topology: Topology, limit: number, signal?: AbortSignal): Promise<KeyspaceSample> {
  const aggregator = new NamespaceAggregator({ delimiter: ':', depth: 5, collapse: true });
  const scan = { wantType: true, wantTtl: true, wantMemory: false, limit, ...(signal === undefined ? {} : { signal }) };
  const progress = await collectScan(scanKeys(topology, scan), aggregator);
  const groups: KeepGroup[] = [];
  collectKeepGroups(aggregator.tree(), groups);
  groups.sort((a, b) => b.sampledKeys - a.sampledKeys || a.label.localeCompare(b.label));
  return {
    limit,
    sampled: progress.scanned,
    dbsize: progress.total,
    complete: progress.failed.length === 0 && (progress.scanned < limit || progress.scanned >= progress.total),
    failedNodes: progress.failed.map((node) => node.node),
    groups,
  };
}

/** The outermost namespaces whose layout is a queue, lock or session store (their children are theirs). */
function collectKeepGroups(node: NamespaceNode, into: KeepGroup[]): void {
  for (const child of node.children) {
    const layout = layoutOf(child);
    const kind = layout === undefined ? undefined : KIND_OF[layout.library];
    if (layout !== undefined && kind !== undefined) {
      into.push({ kind, library: layout.library, label: layout.label, namespace: child.name, sampledKeys: child.stats.keys });
    } else {
      collectKeepGroups(child, into);
    }
  }
}
