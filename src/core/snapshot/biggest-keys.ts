// The biggest keys a scan saw, by memory: a bounded list per shard (a restarted shard's entries are
// dropped with it), merged at the end. Memory stays at `limit` entries per shard.

import type { JsonKey } from '../../base/key-format.js';
import { encodeKeyForJson } from '../../base/key-format.js';
import type { KeyBatch } from '../scan/scan-batch.js';
import { KEY_TYPES, TTL_GONE, TTL_NONE, UNKNOWN } from '../scan/scan-batch.js';
import type { ShardSink } from '../scan/scan-progress.js';

export interface BigKey {
  key: JsonKey;
  type: string;
  bytes: number;
  /** Milliseconds; null without a TTL or when unknown. */
  ttlMs: number | null;
}

interface Entry {
  key: Buffer;
  type: number;
  bytes: number;
  ttl: number;
}

export class BiggestKeys implements ShardSink {
  private readonly shards = new Map<string, Entry[]>();

  constructor(private readonly limit = 20) {}

  add(shard: string, batch: KeyBatch): void {
    let entries = this.shards.get(shard);
    if (entries === undefined) {
      entries = [];
      this.shards.set(shard, entries);
    }
    for (let i = 0; i < batch.size; i += 1) {
      const bytes = batch.memory[i]!;
      if (bytes === UNKNOWN || batch.ttls[i] === TTL_GONE) continue;
      if (entries.length >= this.limit && bytes <= entries[entries.length - 1]!.bytes) continue;
      entries.push({ key: batch.keys[i]!, type: batch.types[i]!, bytes, ttl: batch.ttls[i]! });
      entries.sort((a, b) => b.bytes - a.bytes);
      if (entries.length > this.limit) entries.pop();
    }
  }

  discardShard(shard: string): void {
    this.shards.delete(shard);
  }

  result(): BigKey[] {
    return [...this.shards.values()]
      .flat()
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, this.limit)
      .map((entry) => ({
        key: encodeKeyForJson(entry.key),
        type: KEY_TYPES[entry.type] ?? 'unknown',
        bytes: entry.bytes,
        ttlMs: entry.ttl === TTL_NONE || entry.ttl === UNKNOWN ? null : entry.ttl,
      }));
  }
}
