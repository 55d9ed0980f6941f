// Builds KeyBatch values by hand for unit tests of what consumes scan batches.

import type { KeyBatch, KeyType } from '../../src/core/scan/scan-batch.js';
import { KEY_TYPES, TTL_NONE, UNKNOWN } from '../../src/core/scan/scan-batch.js';

export interface KeyEntry {
  key: string | Buffer;
  type?: KeyType;
  /** PTTL in ms; TTL_NONE (the default), TTL_GONE or UNKNOWN. */
  ttl?: number;
  /** Bytes; UNKNOWN (the default) when not measured. */
  memory?: number;
}

export function keyBatch(entries: readonly KeyEntry[], cursor = '0'): KeyBatch {
  const size = entries.length;
  const batch: KeyBatch = {
    cursor,
    size,
    keys: entries.map((entry) => (typeof entry.key === 'string' ? Buffer.from(entry.key, 'utf8') : entry.key)),
    types: new Uint8Array(size),
    ttls: new Float64Array(size),
    memory: new Float64Array(size),
    serverMicros: UNKNOWN,
  };
  entries.forEach((entry, i) => {
    batch.types[i] = KEY_TYPES.indexOf(entry.type ?? 'string');
    batch.ttls[i] = entry.ttl ?? TTL_NONE;
    batch.memory[i] = entry.memory ?? UNKNOWN;
  });
  return batch;
}

/** A deterministic pseudo-random generator (mulberry32), so "random" test data is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A name of letters only (`qa`, `qb`, … `qaa`), distinct for each i, so no ID shape matches it: only cardinality can group such values. */
export function letterWord(i: number): string {
  let out = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) out = String.fromCharCode(97 + ((n - 1) % 26)) + out;
  return `q${out}`;
}
