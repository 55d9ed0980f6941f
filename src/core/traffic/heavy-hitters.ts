// Top-N most frequent items of an unbounded stream in bounded memory, a batched form of the
// Space-Saving algorithm (Metwally et al.): up to 2×capacity items are counted; when full, the
// less counted half is dropped and the highest count dropped becomes the floor a newcomer starts
// from. A kept item's count overstates its true count by at most its `error`, never understates it.

export interface HeavyHitter {
  item: Buffer;
  count: number;
  /** How much `count` may overstate the true count (0: exact). */
  error: number;
}

interface Slot {
  item: Buffer;
  count: number;
  error: number;
}

export class HeavyHitters {
  private slots = new Map<string, Slot>();
  private floor = 0;
  private shrunk = false;
  total = 0;

  constructor(private readonly capacity = 1000) {}

  add(item: Buffer, weight = 1): void {
    this.total += weight;
    const id = item.toString('latin1');
    const slot = this.slots.get(id);
    if (slot !== undefined) {
      slot.count += weight;
      return;
    }
    this.slots.set(id, { item, count: this.floor + weight, error: this.floor });
    if (this.slots.size >= 2 * this.capacity) this.shrink();
  }

  private shrink(): void {
    const sorted = [...this.slots.entries()].sort((a, b) => b[1].count - a[1].count);
    const kept = sorted.slice(0, this.capacity);
    this.shrunk = true;
    const firstDropped = sorted[this.capacity];
    if (firstDropped !== undefined) this.floor = Math.max(this.floor, firstDropped[1].count);
    this.slots = new Map(kept);
  }

  /** Distinct items seen: exact until the table first shrinks, a lower bound after. */
  get distinctAtLeast(): number {
    return this.shrunk ? 2 * this.capacity : this.slots.size;
  }

  /** An item not kept was seen at most this many times. */
  get floorCount(): number {
    return this.floor;
  }

  top(n: number): HeavyHitter[] {
    return [...this.slots.values()]
      .sort((a, b) => b.count - a.count || Buffer.compare(a.item, b.item))
      .slice(0, n)
      .map(({ item, count, error }) => ({ item, count, error }));
  }
}
