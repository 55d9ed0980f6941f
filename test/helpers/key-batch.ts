// Builds KeyBatch values by hand, the shape the scan engine yields, so the namespace aggregator
// and the explorer can be exercised without a server.

import type { KeyBatch, KeyType } from '../../src/core/scan-batch.js';
import { KEY_TYPES, UNKNOWN } from '../../src/core/scan-batch.js';

/** [key, type, PTTL ms (TTL_NONE, TTL_GONE or ≥ 0), memory bytes (UNKNOWN allowed)] */
export type KeySpec = [key: string | Buffer, type: KeyType, ttl: number, memory: number];

export function keyBatch(specs: KeySpec[]): KeyBatch {
  const size = specs.length;
  const batch: KeyBatch = {
    cursor: '0',
    size,
    keys: specs.map(([key]) => (typeof key === 'string' ? Buffer.from(key) : key)),
    types: new Uint8Array(size),
    ttls: new Float64Array(size),
    memory: new Float64Array(size),
    serverMicros: UNKNOWN,
  };
  specs.forEach(([, type, ttl, memory], i) => {
    batch.types[i] = KEY_TYPES.indexOf(type);
    batch.ttls[i] = ttl;
    batch.memory[i] = memory;
  });
  return batch;
}
