// A streaming distribution of sizes (bytes or element counts): count, total, min, max, percentiles
// and a log2 histogram, in bounded memory whatever the number of values. Percentiles are exact
// while a distribution holds at most EXACT_LIMIT values (they are kept); past that they come from
// log-linear buckets and are within RELATIVE_ERROR of the exact nearest-rank value.

/** Buckets per power of two: each spans 1/16 of its octave. */
const SUB_BITS = 4;
const SUB_BUCKETS = 1 << SUB_BITS;
const OCTAVES = 64;
const BUCKETS = 1 + OCTAVES * SUB_BUCKETS;

/** Values kept for exact percentiles, per distribution. */
export const EXACT_LIMIT = 1024;
/**
 * Bound on |estimate − exact| / exact for a percentile read from the buckets: a value x in octave
 * 2^o lies in a bucket 2^o / 16 wide, and the estimate is its midpoint, so the error is at most
 * 2^o / 32 ≤ x / 32.
 */
export const RELATIVE_ERROR = 1 / (2 * SUB_BUCKETS);

/** floor(log2(value)) for value ≥ 1, exact at powers of two whatever Math.log2 rounds to. */
function octaveOf(value: number): number {
  // Most sizes fit 32 bits, where the leading-zero count is exact and cheaper than a logarithm.
  if (value < 2 ** 31) return 31 - Math.clz32(value);
  let octave = Math.floor(Math.log2(value));
  if (2 ** octave > value) octave -= 1;
  else if (2 ** (octave + 1) <= value) octave += 1;
  return octave;
}

function bucketOf(value: number): number {
  if (value < 1) return 0;
  // Sizes are whole numbers below 2^31 nearly always: the sixteenth of the octave is the four bits
  // after the leading one (no division, no power of two): the bucket the general case below finds.
  if ((value | 0) === value) {
    const octave = 31 - Math.clz32(value);
    return 1 + octave * SUB_BUCKETS + ((octave >= SUB_BITS ? value >>> (octave - SUB_BITS) : value << (SUB_BITS - octave)) & (SUB_BUCKETS - 1));
  }
  const octave = Math.min(OCTAVES - 1, octaveOf(value));
  const sub = Math.min(SUB_BUCKETS - 1, Math.floor((value / 2 ** octave - 1) * SUB_BUCKETS));
  return 1 + octave * SUB_BUCKETS + sub;
}

/** [low, high) of a bucket. */
function bucketBounds(bucket: number): [number, number] {
  if (bucket === 0) return [0, 1];
  const octave = Math.floor((bucket - 1) / SUB_BUCKETS);
  const sub = (bucket - 1) % SUB_BUCKETS;
  return [2 ** octave * (1 + sub / SUB_BUCKETS), 2 ** octave * (1 + (sub + 1) / SUB_BUCKETS)];
}

export interface Log2Bucket {
  /** Smallest value the bucket holds (0, 1, 2, 4, …). */
  from: number;
  /** Largest (0, 1, 3, 7, …). */
  to: number;
  count: number;
}

export class SizeDistribution {
  count = 0;
  total = 0;
  min = Infinity;
  max = -Infinity;
  private readonly buckets = new Uint32Array(BUCKETS);
  /** The values themselves while there are few; undefined once past EXACT_LIMIT. */
  private values: number[] | undefined = [];

  add(value: number): void {
    this.count += 1;
    this.total += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.buckets[bucketOf(value)]! += 1;
    if (this.values !== undefined) {
      if (this.values.length < EXACT_LIMIT) this.values.push(value);
      else this.values = undefined;
    }
  }

  merge(other: SizeDistribution): void {
    this.count += other.count;
    this.total += other.total;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    for (let i = 0; i < BUCKETS; i += 1) this.buckets[i]! += other.buckets[i]!;
    this.values = this.values !== undefined && other.values !== undefined && this.values.length + other.values.length <= EXACT_LIMIT ? [...this.values, ...other.values] : undefined;
  }

  /** Whether percentiles are exact (every value kept) rather than estimated from the buckets. */
  get exact(): boolean {
    return this.values !== undefined;
  }

  /** The nearest-rank percentile (0 < q ≤ 1): exact, or within RELATIVE_ERROR of it; null when empty. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.min(this.count, Math.max(1, Math.ceil(q * this.count)));
    if (rank === this.count) return this.max;
    if (this.values !== undefined) return [...this.values].sort((a, b) => a - b)[rank - 1]!;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i += 1) {
      seen += this.buckets[i]!;
      if (seen >= rank) {
        const [low, high] = bucketBounds(i);
        return Math.min(this.max, Math.max(this.min, Math.round((low + high) / 2)));
      }
    }
    return this.max;
  }

  /** Counts per power of two, from the smallest value's to the largest's (empty octaves included). */
  log2Histogram(): Log2Bucket[] {
    if (this.count === 0) return [];
    const counts = new Map<number, number>();
    for (let i = 0; i < BUCKETS; i += 1) {
      const count = this.buckets[i]!;
      if (count === 0) continue;
      const octave = i === 0 ? -1 : Math.floor((i - 1) / SUB_BUCKETS);
      counts.set(octave, (counts.get(octave) ?? 0) + count);
    }
    const first = Math.min(...counts.keys());
    const last = Math.max(...counts.keys());
    const out: Log2Bucket[] = [];
    for (let octave = first; octave <= last; octave += 1) {
      out.push(octave < 0 ? { from: 0, to: 0, count: counts.get(octave) ?? 0 } : { from: 2 ** octave, to: 2 ** (octave + 1) - 1, count: counts.get(octave) ?? 0 });
    }
    return out;
  }
}
