// A fixed-size ring of the last N values of a series (null for "no value at that refresh"), the
// memory of the dashboard's sparklines: old points fall off, memory stays constant.

export class HistoryRing {
  private readonly values: (number | null)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a whole number ≥ 1');
    this.values = new Array<number | null>(capacity).fill(null);
  }

  get length(): number {
    return this.size;
  }

  push(value: number | null): void {
    this.values[this.next] = value === null || Number.isFinite(value) ? value : null;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.capacity, this.size + 1);
  }

  /** Oldest first; a new array the caller may keep. */
  toArray(): (number | null)[] {
    const start = (this.next - this.size + this.capacity) % this.capacity;
    const out = new Array<number | null>(this.size);
    for (let i = 0; i < this.size; i += 1) out[i] = this.values[(start + i) % this.capacity]!;
    return out;
  }
}
