// CLUSTER SLOT-STATS replies (Valkey 8) and the "one slot dominates its shard" rule.
import { describe, expect, it } from 'vitest';
import { DOMINANT_MIN_KEYS, dominantSlot, parseSlotStats } from '../../src/core/nodes/slot-stats.js';

describe('parseSlotStats', () => {
  it('reads key counts, and CPU and network where the server measures them', () => {
    expect(parseSlotStats([[6093, ['key-count', 41]], [15495, ['key-count', 1, 'cpu-usec', 4, 'network-bytes-in', 20, 'network-bytes-out', 7]]])).toEqual([
      { slot: 6093, keys: 41, cpuUsec: null, networkBytesIn: null, networkBytesOut: null },
      { slot: 15495, keys: 1, cpuUsec: 4, networkBytesIn: 20, networkBytesOut: 7 },
    ]);
  });

  it('ignores what is not a slot entry', () => {
    expect(parseSlotStats('OK')).toEqual([]);
    expect(parseSlotStats([[1], 'x', [2, 'key-count']])).toEqual([]);
  });
});

describe('dominantSlot', () => {
  const top = [{ slot: 7, keys: 60, cpuUsec: null, networkBytesIn: null, networkBytesOut: null }];
  it('is the busiest slot when it holds half of the shard or more', () => {
    expect(dominantSlot(top, 120)).toEqual({ slot: 7, share: 0.5 });
    expect(dominantSlot(top, 121)).toBeNull();
  });
  it('says nothing about tiny shards or empty lists', () => {
    expect(dominantSlot(top, DOMINANT_MIN_KEYS - 1)).toBeNull();
    expect(dominantSlot([], 1000)).toBeNull();
  });
});
