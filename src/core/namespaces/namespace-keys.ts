// The keys of one namespace, for the explorer's key list: a SCAN MATCH with the namespace's glob
// over every master (or replica), each key checked for real membership, stopping after a bound.

import type { Topology } from '../../connection/topology.js';
import type { CachectlError } from '../../base/errors.js';
import type { NamespaceMatcher } from './namespace-match.js';
import type { KeyType } from '../scan/scan-batch.js';
import { KEY_TYPES, TTL_GONE, UNKNOWN, keptKey } from '../scan/scan-batch.js';
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
  /** The biggest keys so far (replaces the previous list); `matched` keys of the namespace seen so far. */
  | { kind: 'top'; entries: KeyEntry[]; matched: number }
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
      entries.push({ key: keptKey(key), type: KEY_TYPES[typeCode]!, typeCode, ttlMs: ttl, bytes: memory === UNKNOWN ? null : memory, node: event.node, shard: event.shard });
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

export interface BiggestKeysOptions {
  matcher: NamespaceMatcher;
  /** Keys kept. */
  top: number;
  scan: Omit<ScanOptions, 'match' | 'limit' | 'wantType' | 'wantTtl' | 'wantMemory'>;
}

/** a before b in a biggest-first list: more bytes first (unknown last), then smaller key bytes, so the list is repeatable. */
function biggerFirst(a: KeyEntry, b: KeyEntry): number {
  return (b.bytes ?? -1) - (a.bytes ?? -1) || Buffer.compare(a.key, b.key);
}

/**
 * The `top` biggest keys (MEMORY USAGE) of a namespace and everything under it, over a scan of the
 * whole namespace: unlike a key list it never stops at a limit, and it holds only `top` entries
 * however many keys it sees. Yields the list whenever it changes, then `done` with the keys matched.
 */
export async function* biggestNamespaceKeys(topology: Topology, options: BiggestKeysOptions): AsyncGenerator<KeyListEvent> {
  const scan: ScanOptions = { ...options.scan, match: options.matcher.glob, wantType: true, wantTtl: true, wantMemory: true };
  const best: KeyEntry[] = [];
  let matched = 0;
  let reported = 0;
  for await (const event of scanKeys(topology, scan)) {
    if (event.kind === 'node-failed') yield { kind: 'node-failed', node: event.node, error: event.error };
    if (event.kind !== 'batch') continue;
    const { batch } = event;
    let changed = false;
    for (let i = 0; i < batch.size; i += 1) {
      const key = batch.keys[i]!;
      const ttl = batch.ttls[i]!;
      if (ttl === TTL_GONE || !options.matcher.contains(key)) continue;
      matched += 1;
      const memory = batch.memory[i]!;
      const typeCode = batch.types[i]!;
      const entry: KeyEntry = { key, type: KEY_TYPES[typeCode]!, typeCode, ttlMs: ttl, bytes: memory === UNKNOWN ? null : memory, node: event.node, shard: event.shard };
      if (best.length >= options.top && biggerFirst(entry, best[best.length - 1]!) >= 0) continue;
      entry.key = keptKey(key);
      // A sorted array: `top` is small, and most keys are turned away by the comparison above.
      let at = best.length;
      while (at > 0 && biggerFirst(entry, best[at - 1]!) < 0) at -= 1;
      best.splice(at, 0, entry);
      if (best.length > options.top) best.pop();
      changed = true;
    }
    if (changed || matched > reported) yield { kind: 'top', entries: [...best], matched };
    reported = matched;
  }
  yield { kind: 'done', found: matched, truncated: false };
}
