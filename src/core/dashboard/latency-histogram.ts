// An HDR-style latency histogram: logarithmic buckets with linear sub-buckets, so any value from
// 1 µs to hours is kept within about 3% in constant memory, and percentiles come from the counts.

/** Sub-buckets per power of two; 32 keeps every bucket within 1/32 (≈3%) of the values it holds. */
const SUB_BUCKET_BITS = 5;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
/** Below this every microsecond has its own bucket (exact). */
const LINEAR_LIMIT = SUB_BUCKETS * 2;

/** One non-empty bucket: values from `fromUs` to `toUs` inclusive, in whole microseconds. */
export interface HistogramBucket {
  fromUs: number;
  toUs: number;
  count: number;
}

/** The bucket index of a value in whole microseconds (negative values count as 0). */
export function bucketIndex(us: number): number {
  const value = Math.max(0, Math.floor(us));
  if (value < LINEAR_LIMIT) return value;
  // clz32 is exact; log2 of a float could round 2^k − 1 up to k for large values.
  const exponent = value < 2 ** 32 ? 31 - Math.clz32(value) : Math.floor(Math.log2(value));
  const shift = exponent - SUB_BUCKET_BITS;
  const sub = Math.floor(value / 2 ** shift); // in [SUB_BUCKETS, 2 * SUB_BUCKETS)
  return LINEAR_LIMIT + (exponent - SUB_BUCKET_BITS - 1) * SUB_BUCKETS + (sub - SUB_BUCKETS);
}

/** The inclusive range of whole microseconds a bucket holds. */
export function bucketRange(index: number): { fromUs: number; toUs: number } {
  if (index < LINEAR_LIMIT) return { fromUs: index, toUs: index };
  const offset = index - LINEAR_LIMIT;
  const shift = Math.floor(offset / SUB_BUCKETS) + 1;
  const sub = (offset % SUB_BUCKETS) + SUB_BUCKETS;
  return { fromUs: sub * 2 ** shift, toUs: (sub + 1) * 2 ** shift - 1 };
}

export class LatencyHistogram {
  /** Sparse: a probe records a few values per second, so most buckets stay empty. */
  private readonly counts = new Map<number, number>();
  private total = 0;
  private maximum = 0;
  private minimum = Number.POSITIVE_INFINITY;

  get count(): number {
    return this.total;
  }

  /** The largest value recorded, exact (not rounded to its bucket); 0 when empty. */
  get maxUs(): number {
    return this.maximum;
  }

  get minUs(): number {
    return this.total === 0 ? 0 : this.minimum;
  }

  record(us: number, times = 1): void {
    const index = bucketIndex(us);
    this.counts.set(index, (this.counts.get(index) ?? 0) + times);
    this.total += times;
    if (us > this.maximum) this.maximum = us;
    if (us < this.minimum) this.minimum = us;
  }

  /** Adds another histogram's counts (used to merge per-second slices into a window). */
  add(other: LatencyHistogram): void {
    for (const [index, count] of other.counts) this.counts.set(index, (this.counts.get(index) ?? 0) + count);
    this.total += other.total;
    if (other.maximum > this.maximum) this.maximum = other.maximum;
    if (other.total > 0 && other.minimum < this.minimum) this.minimum = other.minimum;
  }

  /**
   * The value at percentile `p` (0–100): the upper end of the bucket holding that rank, capped at
   * the exact maximum, as HdrHistogram reports it. Null when nothing was recorded.
   */
  percentile(p: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.total));
    let seen = 0;
    for (const index of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(index)!;
      if (seen >= rank) return Math.min(bucketRange(index).toUs, this.maximum);
    }
    return this.maximum;
  }

  /** Non-empty buckets, smallest first. */
  buckets(): HistogramBucket[] {
    return [...this.counts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, count]) => ({ ...bucketRange(index), count }));
  }
}
