// The biggest keys a scan saw, by memory, for the snapshot: one bounded TopKeys per shard (a
// restarted shard's entries go with it), merged at the end.

import type { JsonKey } from '../../base/key-format.js';
import { encodeKeyForJson } from '../../base/key-format.js';
import { TopKeys } from '../bigkeys/top-keys.js';
import type { KeyBatch } from '../scan/scan-batch.js';
import { KEY_TYPES, TTL_GONE, TTL_NONE, UNKNOWN, keptKey } from '../scan/scan-batch.js';
import type { ShardSink } from '../scan/scan-progress.js';

export interface BigKey {
  key: JsonKey;
  /** The node it was read from. */
  node: string;
  type: string;
  bytes: number;
  /** Milliseconds; null without a TTL or when unknown. */
  ttlMs: number | null;
}

const byMemory = (record: { memory: number }) => record.memory;

export class BiggestKeys implements ShardSink {
  private readonly shards = new Map<string, TopKeys>();

  constructor(private readonly limit = 20) {}

  add(shard: string, batch: KeyBatch, node: string): void {
    let top = this.shards.get(shard);
    if (top === undefined) {
      top = new TopKeys(this.limit, byMemory);
      this.shards.set(shard, top);
    }
    for (let i = 0; i < batch.size; i += 1) {
      const memory = batch.memory[i]!;
      const key = batch.keys[i]!;
      if (memory === UNKNOWN || batch.ttls[i] === TTL_GONE || !top.accepts(memory, key)) continue;
      top.offer({ key: keptKey(key), type: KEY_TYPES[batch.types[i]!] ?? 'unknown', memory, length: UNKNOWN, ttl: batch.ttls[i]!, freq: UNKNOWN, node });
    }
  }

  discardShard(shard: string): void {
    this.shards.delete(shard);
  }

  result(): BigKey[] {
    const all = new TopKeys(this.limit, byMemory);
    for (const top of this.shards.values()) all.merge(top);
    return all.sorted().map((record) => ({
      key: encodeKeyForJson(record.key),
      node: record.node,
      type: record.type,
      bytes: record.memory,
      ttlMs: record.ttl === TTL_NONE || record.ttl === UNKNOWN ? null : record.ttl,
    }));
  }
}
