// Groups the probe's fine HDR buckets into a few bins with round upper bounds (1-2-5 steps: 50µs,
// 100µs, 200µs, 500µs, 1ms…) for the detail view's latency histogram.

import type { HistogramBucket } from '../../core/dashboard/latency-histogram.js';

export interface DisplayBin {
  /** Values up to this many microseconds (and above the previous bin's bound). */
  upToUs: number;
  count: number;
}

function roundBound(us: number): number {
  let bound = 10;
  for (;;) {
    for (const step of [1, 2, 5]) if (us <= bound * step) return bound * step;
    bound *= 10;
  }
}

/** Bins from the first non-empty to the last, at most `maxBins` (neighbours merge when there are more). */
export function displayBins(buckets: readonly HistogramBucket[], maxBins: number): DisplayBin[] {
  if (buckets.length === 0 || maxBins < 1) return [];
  const byBound = new Map<number, number>();
  for (const bucket of buckets) {
    const bound = roundBound(bucket.toUs);
    byBound.set(bound, (byBound.get(bound) ?? 0) + bucket.count);
  }
  const bounds = [...byBound.keys()].sort((a, b) => a - b);
  let bins: DisplayBin[] = [];
  for (let bound = bounds[0]!; bound <= bounds[bounds.length - 1]!; bound = roundBound(bound + 1)) {
    bins.push({ upToUs: bound, count: byBound.get(bound) ?? 0 });
  }
  while (bins.length > maxBins) {
    const merged: DisplayBin[] = [];
    for (let i = 0; i < bins.length; i += 2) {
      const pair = bins.slice(i, i + 2);
      merged.push({ upToUs: pair[pair.length - 1]!.upToUs, count: pair.reduce((sum, bin) => sum + bin.count, 0) });
    }
    bins = merged;
  }
  return bins;
}
