// Aggregates scanned keys into what `cachectl bigkeys` reports: the top N by memory, by size per
// type and by LFU frequency, size distributions per type, the biggest key of each namespace beside
// its average, and the keys each rule matches. Memory is bounded by N, the number of types and the
// number of namespaces, never by the number of keys. Kept per shard, so a shard whose scan restarts
// on another node is dropped and counted again from its new start.

import type { KeyBatch } from '../scan/scan-batch.js';
import { KEY_TYPES, TTL_GONE, TYPE_NONE, UNKNOWN, keptKey } from '../scan/scan-batch.js';
import type { ShardSink } from '../scan/scan-progress.js';
import type { NamespaceOptions } from '../namespaces/namespace-key.js';
import { namespaceSegments } from '../namespaces/namespace-key.js';
import { MAX_NAMESPACES, OVERFLOW_NAMESPACE } from '../namespaces/namespaces.js';
import type { KeyRule, MeasuredKey } from './key-rules.js';
import { SizeDistribution } from './size-distribution.js';
import type { KeyRecord } from './top-keys.js';
import { ranksBefore, TopKeys } from './top-keys.js';

export interface TypeStats {
  keys: number;
  /** MEMORY USAGE of the keys where it was measured. */
  memory: SizeDistribution;
  /** Bytes of strings, elements of collections; empty for types without a length command. */
  length: SizeDistribution;
}

export interface NamespaceBig {
  keys: number;
  memory: number;
  measured: number;
  biggest: KeyRecord | undefined;
}

export interface RuleMatches {
  count: number;
  examples: TopKeys;
}

const byMemory = (record: Pick<KeyRecord, 'memory'>) => record.memory;
const byLength = (record: Pick<KeyRecord, 'length'>) => record.length;
const byFreq = (record: Pick<KeyRecord, 'freq'>) => record.freq;

class ShardState {
  readonly types = new Map<string, TypeStats>();
  readonly topMemory: TopKeys;
  readonly topLength = new Map<string, TopKeys>();
  readonly topFreq: TopKeys;
  readonly namespaces = new Map<string, NamespaceBig>();
  readonly rules = new Map<string, RuleMatches>();
  vanished = 0;
  freqMeasured = 0;

  constructor(readonly options: BigKeysAggregatorOptions) {
    this.topMemory = new TopKeys(options.top, byMemory);
    this.topFreq = new TopKeys(options.top, byFreq);
    for (const rule of options.rules) this.rules.set(rule.id, { count: 0, examples: new TopKeys(options.examples, byMemory) });
  }

  typeStats(type: string): TypeStats {
    let stats = this.types.get(type);
    if (stats === undefined) {
      stats = { keys: 0, memory: new SizeDistribution(), length: new SizeDistribution() };
      this.types.set(type, stats);
    }
    return stats;
  }

  lengthTop(type: string): TopKeys {
    let top = this.topLength.get(type);
    if (top === undefined) {
      top = new TopKeys(this.options.top, byLength);
      this.topLength.set(type, top);
    }
    return top;
  }

  namespace(name: string): NamespaceBig {
    let entry = this.namespaces.get(name);
    if (entry === undefined) {
      // Past the cap, new namespaces share one overflow record: bounded by namespaces, not keys.
      const slot = this.namespaces.size >= MAX_NAMESPACES ? OVERFLOW_NAMESPACE : name;
      entry = this.namespaces.get(slot);
      if (entry === undefined) {
        entry = { keys: 0, memory: 0, measured: 0, biggest: undefined };
        this.namespaces.set(slot, entry);
      }
    }
    return entry;
  }
}

export interface BigKeysAggregatorOptions {
  /** Keys kept per top list. */
  top: number;
  namespaces: NamespaceOptions;
  /** Findings and --fail-on rules, each counted with its biggest examples. */
  rules: readonly KeyRule[];
  /** Examples kept per rule. */
  examples: number;
}

/** Everything the aggregator holds, merged over shards. */
export interface BigKeysTotals {
  keys: number;
  vanished: number;
  freqMeasured: number;
  types: Map<string, TypeStats>;
  topMemory: KeyRecord[];
  topLength: Map<string, KeyRecord[]>;
  topFreq: KeyRecord[];
  namespaces: Map<string, NamespaceBig>;
  rules: Map<string, { count: number; examples: KeyRecord[] }>;
}

export class BigKeysAggregator implements ShardSink {
  private readonly shards = new Map<string, ShardState>();

  constructor(readonly options: BigKeysAggregatorOptions) {}

  add(shard: string, batch: KeyBatch, node: string): void {
    let state = this.shards.get(shard);
    if (state === undefined) {
      state = new ShardState(this.options);
      this.shards.set(shard, state);
    }
    const { namespaces: nsOptions, rules } = this.options;
    const delimiter = nsOptions.delimiter;
    const { lengths, freqs } = batch;
    // One object per key at most, and only for keys that enter a list: most keys enter none.
    let record: KeyRecord | undefined;
    let at = -1;
    const build = (): KeyRecord => {
      if (record === undefined || at !== current) {
        at = current;
        record = { key: keptKey(batch.keys[current]!), type: KEY_TYPES[batch.types[current]!]!, memory: batch.memory[current]!, length: lengths?.[current] ?? UNKNOWN, ttl: batch.ttls[current]!, freq: freqs?.[current] ?? UNKNOWN, node };
      }
      return record;
    };
    // The rules read this one object, refilled per key.
    const measured: MeasuredKey = { type: '', memory: UNKNOWN, length: UNKNOWN, ttl: UNKNOWN, node };
    let current = 0;
    for (let i = 0; i < batch.size; i += 1) {
      current = i;
      const ttl = batch.ttls[i]!;
      // Gone before TYPE (or, where TTLs were read, before PTTL): not counted.
      if (ttl === TTL_GONE || batch.types[i] === TYPE_NONE) {
        state.vanished += 1;
        continue;
      }
      const key = batch.keys[i]!;
      const type = KEY_TYPES[batch.types[i]!]!;
      const memory = batch.memory[i]!;
      const length = lengths === undefined ? UNKNOWN : lengths[i]!;
      const freq = freqs === undefined ? UNKNOWN : freqs[i]!;

      const stats = state.typeStats(type);
      stats.keys += 1;
      if (memory !== UNKNOWN) {
        stats.memory.add(memory);
        if (state.topMemory.accepts(memory, key)) state.topMemory.offer(build());
      }
      if (length !== UNKNOWN) {
        stats.length.add(length);
        const top = state.lengthTop(type);
        if (top.accepts(length, key)) top.offer(build());
      }
      if (freq !== UNKNOWN) {
        state.freqMeasured += 1;
        if (state.topFreq.accepts(freq, key)) state.topFreq.offer(build());
      }

      const namespace = state.namespace(namespaceSegments(key, nsOptions).join(delimiter));
      namespace.keys += 1;
      if (memory !== UNKNOWN) {
        namespace.memory += memory;
        namespace.measured += 1;
        const biggest = namespace.biggest;
        if (biggest === undefined || ranksBefore(memory, key, biggest.memory, biggest.key)) namespace.biggest = build();
      }

      measured.type = type;
      measured.memory = memory;
      measured.length = length;
      measured.ttl = ttl;
      for (const rule of rules) {
        if (!rule.matches(measured)) continue;
        const matches = state.rules.get(rule.id)!;
        matches.count += 1;
        if (matches.examples.accepts(memory, key)) matches.examples.offer(build());
      }
    }
  }

  /** Forgets a shard's partial numbers, when its scan restarts from cursor 0 on another node. */
  discardShard(shard: string): void {
    this.shards.delete(shard);
  }

  totals(): BigKeysTotals {
    const { top, examples } = this.options;
    const types = new Map<string, TypeStats>();
    const topMemory = new TopKeys(top, byMemory);
    const topLength = new Map<string, TopKeys>();
    const topFreq = new TopKeys(top, byFreq);
    const namespaces = new Map<string, NamespaceBig>();
    const rules = new Map<string, { count: number; examples: TopKeys }>();
    let keys = 0;
    let vanished = 0;
    let freqMeasured = 0;
    for (const state of this.shards.values()) {
      vanished += state.vanished;
      freqMeasured += state.freqMeasured;
      for (const [type, stats] of state.types) {
        keys += stats.keys;
        let merged = types.get(type);
        if (merged === undefined) {
          merged = { keys: 0, memory: new SizeDistribution(), length: new SizeDistribution() };
          types.set(type, merged);
        }
        merged.keys += stats.keys;
        merged.memory.merge(stats.memory);
        merged.length.merge(stats.length);
      }
      topMemory.merge(state.topMemory);
      topFreq.merge(state.topFreq);
      for (const [type, list] of state.topLength) {
        let merged = topLength.get(type);
        if (merged === undefined) {
          merged = new TopKeys(top, byLength);
          topLength.set(type, merged);
        }
        merged.merge(list);
      }
      for (const [name, entry] of state.namespaces) {
        const merged = namespaces.get(name);
        if (merged === undefined) {
          namespaces.set(name, { ...entry });
          continue;
        }
        merged.keys += entry.keys;
        merged.memory += entry.memory;
        merged.measured += entry.measured;
        const a = merged.biggest;
        const b = entry.biggest;
        if (b !== undefined && (a === undefined || ranksBefore(b.memory, b.key, a.memory, a.key))) merged.biggest = b;
      }
      for (const [id, matches] of state.rules) {
        let merged = rules.get(id);
        if (merged === undefined) {
          merged = { count: 0, examples: new TopKeys(examples, byMemory) };
          rules.set(id, merged);
        }
        merged.count += matches.count;
        merged.examples.merge(matches.examples);
      }
    }
    return {
      keys,
      vanished,
      freqMeasured,
      types,
      topMemory: topMemory.sorted(),
      topLength: new Map([...topLength].map(([type, list]) => [type, list.sorted()])),
      topFreq: topFreq.sorted(),
      namespaces,
      rules: new Map([...rules].map(([id, matches]) => [id, { count: matches.count, examples: matches.examples.sorted() }])),
    };
  }
}
