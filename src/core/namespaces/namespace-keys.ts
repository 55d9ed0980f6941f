// The keys of one namespace, for the explorer's key list: a SCAN MATCH with the namespace's glob
// over every master (or replica), each key checked for real membership, stopping after a bound.

import type { Topology } from '../../connection/topology.js';
import type { CachectlError } from '../../base/errors.js';
import type { NamespaceMatcher } from './namespace-match.js';
import type { KeyType } from '../scan/scan-batch.js';
import { KEY_TYPES, TTL_GONE, UNKNOWN } from '../scan/scan-batch.js';
import type { ScanOptions } from '../scan/scan.js';
import { scanKeys } from '../scan/scan.js';

/** Keys listed per namespace unless told otherwise. */
export const DEFAULT_KEY_LIST_LIMIT = 200;

export interface KeyEntry {
  key: Buffer;
  type: KeyType;
  /** Index into KEY_TYPES. */
  typeCode: number;
  /** Milliseconds; TTL_NONE without expiry, UNKNOWN when it could not be read. */
  ttlMs: number;
  /** MEMORY USAGE in bytes, or null when not available. */
  bytes: number | null;
  /** host:port of the node the key was found on (a replica under --replica). */
  node: string;
  /** The shard the key belongs to (the master's id), as the tree counts it. */
  shard: string;
}

export interface KeyListOptions {
  matcher: NamespaceMatcher;
  /** Only the namespace's own keys (a leaf's list), not those of its children. */
  ownOnly: boolean;
  /** @default DEFAULT_KEY_LIST_LIMIT */
  limit?: number;
  scan: Omit<ScanOptions, 'match' | 'limit' | 'wantType' | 'wantTtl' | 'wantMemory'>;
}

export type KeyListEvent =
  | { kind: 'keys'; entries: KeyEntry[] }
  | { kind: 'node-failed'; node: string; error: CachectlError }
  | {
      kind: 'done';
      /** Listed keys. */
      found: number;
      /** Stopped at the limit: more keys may exist. */
      truncated: boolean;
    };

export async function* listNamespaceKeys(topology: Topology, options: KeyListOptions): AsyncGenerator<KeyListEvent> {
  const limit = options.limit ?? DEFAULT_KEY_LIST_LIMIT;
  const belongs = options.ownOnly ? options.matcher.isOwn : options.matcher.contains;
  const scan: ScanOptions = { ...options.scan, match: options.matcher.glob, wantType: true, wantTtl: true, wantMemory: true };
  let found = 0;
  for await (const event of scanKeys(topology, scan)) {
    if (event.kind === 'node-failed') yield { kind: 'node-failed', node: event.node, error: event.error };
    if (event.kind !== 'batch') continue;
    const { batch } = event;
    const entries: KeyEntry[] = [];
    for (let i = 0; i < batch.size && found < limit; i += 1) {
      const key = batch.keys[i]!;
      const ttl = batch.ttls[i]!;
      if (ttl === TTL_GONE || !belongs(key)) continue;
      const typeCode = batch.types[i]!;
      const memory = batch.memory[i]!;
      entries.push({ key, type: KEY_TYPES[typeCode]!, typeCode, ttlMs: ttl, bytes: memory === UNKNOWN ? null : memory, node: event.node, shard: event.shard });
      found += 1;
    }
    if (entries.length > 0) yield { kind: 'keys', entries };
    // Leaving the loop ends scanKeys, which stops every node's scan.
    if (found >= limit) {
      yield { kind: 'done', found, truncated: true };
      return;
    }
  }
  yield { kind: 'done', found, truncated: false };
}
