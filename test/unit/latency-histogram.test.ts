import { describe, expect, it } from 'vitest';
import { bucketIndex, bucketRange, LatencyHistogram } from '../../src/core/dashboard/latency-histogram.js';

/** Exact percentile by rank (the definition HdrHistogram uses: the smallest value with at least p% at or below it). */
function exactPercentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

describe('HDR-style buckets', () => {
  it('keep every microsecond below 64 exact', () => {
    for (let us = 0; us < 64; us += 1) expect(bucketRange(bucketIndex(us))).toEqual({ fromUs: us, toUs: us });
  });

  it('put every value inside its bucket, buckets within 1/32 of their values, indexes increasing', () => {
    let previous = -1;
    for (let us = 0; us < 5_000_000; us = Math.floor(us * 1.013) + 1) {
      const index = bucketIndex(us);
      const { fromUs, toUs } = bucketRange(index);
      expect(us).toBeGreaterThanOrEqual(fromUs);
      expect(us).toBeLessThanOrEqual(toUs);
      expect(toUs - fromUs).toBeLessThanOrEqual(Math.max(0, fromUs / 32));
      expect(index).toBeGreaterThanOrEqual(previous);
      previous = index;
    }
  });

  it('handle powers of two and their neighbours', () => {
    for (let exponent = 6; exponent < 40; exponent += 1) {
      const power = 2 ** exponent;
      expect(bucketRange(bucketIndex(power)).fromUs).toBe(power);
      expect(bucketRange(bucketIndex(power - 1)).toUs).toBe(power - 1);
    }
  });
});

describe('LatencyHistogram', () => {
  it('reports percentiles within 1/32 of the exact ones, and the exact max', () => {
    const histogram = new LatencyHistogram();
    const values: number[] = [];
    // A skewed, deterministic distribution: mostly ~200 µs with a long tail.
    for (let i = 1; i <= 1000; i += 1) {
      const us = 150 + ((i * 7919) % 100) + (i % 97 === 0 ? 20_000 + i * 10 : 0);
      values.push(us);
      histogram.record(us);
    }
    for (const p of [50, 90, 99, 99.9]) {
      const exact = exactPercentile(values, p);
      const reported = histogram.percentile(p)!;
      expect(reported).toBeGreaterThanOrEqual(exact);
      expect(reported - exact).toBeLessThanOrEqual(exact / 32);
    }
    expect(histogram.maxUs).toBe(Math.max(...values));
    expect(histogram.percentile(100)).toBe(Math.max(...values));
    expect(histogram.count).toBe(1000);
  });

  it('merges slices into the same counts as one histogram', () => {
    const whole = new LatencyHistogram();
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 0; i < 300; i += 1) {
      const us = 100 + i * 13;
      whole.record(us);
      (i % 2 === 0 ? a : b).record(us);
    }
    const merged = new LatencyHistogram();
    merged.add(a);
    merged.add(b);
    expect(merged.buckets()).toEqual(whole.buckets());
    expect(merged.maxUs).toBe(whole.maxUs);
    expect(merged.minUs).toBe(whole.minUs);
    expect(merged.percentile(99)).toBe(whole.percentile(99));
  });

  it('is empty-safe', () => {
    const histogram = new LatencyHistogram();
    expect(histogram.percentile(50)).toBeNull();
    expect(histogram.buckets()).toEqual([]);
    expect(histogram.maxUs).toBe(0);
    expect(histogram.minUs).toBe(0);
  });

  it('lists non-empty buckets in order with their counts', () => {
    const histogram = new LatencyHistogram();
    histogram.record(10);
    histogram.record(10);
    histogram.record(1000);
    expect(histogram.buckets()).toEqual([
      { fromUs: 10, toUs: 10, count: 2 },
      { ...bucketRange(bucketIndex(1000)), count: 1 },
    ]);
  });
});
