import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../src/base/backoff.js';

describe('backoffDelayMs', () => {
  it('waits nothing without failures, then base × 2^(n−1), capped', () => {
    const policy = { baseMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4, 5, 50, 10_000].map((failures) => backoffDelayMs(failures, policy))).toEqual([0, 100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('stays finite however long the outage', () => {
    expect(backoffDelayMs(Number.MAX_SAFE_INTEGER, { baseMs: 1, maxMs: Number.POSITIVE_INFINITY })).toBe(2 ** 30);
  });
});
