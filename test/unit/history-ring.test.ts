import { describe, expect, it } from 'vitest';
import { HistoryRing } from '../../src/core/dashboard/history-ring.js';

describe('HistoryRing', () => {
  it('keeps the last N values, oldest first', () => {
    const ring = new HistoryRing(3);
    expect(ring.toArray()).toEqual([]);
    ring.push(1);
    ring.push(null);
    expect(ring.toArray()).toEqual([1, null]);
    ring.push(3);
    ring.push(4);
    ring.push(5);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.length).toBe(3);
  });

  it('stores NaN and infinities as gaps', () => {
    const ring = new HistoryRing(2);
    ring.push(Number.NaN);
    ring.push(Number.POSITIVE_INFINITY);
    expect(ring.toArray()).toEqual([null, null]);
  });

  it('returns a copy the caller may keep', () => {
    const ring = new HistoryRing(2);
    ring.push(1);
    const copy = ring.toArray();
    ring.push(2);
    expect(copy).toEqual([1]);
  });

  it('rejects a capacity below 1', () => {
    expect(() => new HistoryRing(0)).toThrow(RangeError);
  });
});
