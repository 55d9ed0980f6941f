import { describe, expect, it } from 'vitest';
import { rangeOf, rangeStart } from '../../src/core/purge/plan-scan.js';

/** The cursors of one SCAN iteration over a table of 2^n buckets, in the order the server visits them. */
function iteration(n: number): bigint[] {
  const reverse = (value: number) => {
    let out = 0;
    for (let i = 0; i < n; i += 1) out |= ((value >> i) & 1) << (n - 1 - i);
    return BigInt(out);
  };
  return Array.from({ length: 2 ** n }, (_, i) => reverse(i));
}

describe('plan scan cursor ranges', () => {
  it('starts each range at its index with the bits reversed', () => {
    expect([0, 1, 2, 3].map((k) => rangeStart(k, 2))).toEqual([0n, 2n, 1n, 3n]);
    expect([0, 1].map((k) => rangeStart(k, 1))).toEqual([0n, 1n]);
    for (let k = 0; k < 8; k += 1) expect(rangeOf(rangeStart(k, 3), 3)).toBe(k);
  });

  it('cuts every iteration, whatever the table size, into consecutive stretches in range order', () => {
    for (const bits of [1, 2, 3]) {
      for (const n of [bits, bits + 1, 5, 10]) {
        const ranges = iteration(n).map((cursor) => rangeOf(cursor, bits));
        // Never decreasing: a range, once left, is never entered again.
        for (let i = 1; i < ranges.length; i += 1) expect(ranges[i]!).toBeGreaterThanOrEqual(ranges[i - 1]!);
        // Equal shares, and each range's stretch begins at its start cursor.
        for (let k = 0; k < 2 ** bits; k += 1) {
          expect(ranges.filter((range) => range === k)).toHaveLength(2 ** (n - bits));
          expect(iteration(n)[ranges.indexOf(k)]).toBe(rangeStart(k, bits));
        }
      }
    }
  });

  it('reads only the low bits of a 64-bit cursor', () => {
    expect(rangeOf(2n ** 63n + 2n, 2)).toBe(1);
    expect(rangeOf(18446744073709551615n, 1)).toBe(1);
  });
});
