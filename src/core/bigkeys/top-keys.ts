// The N largest keys by one measure, in a bounded heap: memory stays at N records however many keys
// are offered. Equal measures are ordered by key bytes, so the result is one exact, repeatable list
// (the same as sorting every key), whatever order the keys arrive in.

/** One key as measured in the scan. Numbers are UNKNOWN (-3) where not measured; ttl as the batch reports it. */
export interface KeyRecord {
  key: Buffer;
  type: string;
  memory: number;
  length: number;
  ttl: number;
  freq: number;
  node: string;
}

/** a before b: larger score first, then smaller key bytes. */
export function ranksBefore(scoreA: number, keyA: Buffer, scoreB: number, keyB: Buffer): boolean {
  return scoreA > scoreB || (scoreA === scoreB && Buffer.compare(keyA, keyB) < 0);
}

export class TopKeys {
  /** A min-heap by rank: the root is the record that leaves first. */
  private readonly heap: KeyRecord[] = [];

  constructor(
    readonly limit: number,
    readonly score: (record: Pick<KeyRecord, 'memory' | 'length' | 'freq'>) => number,
  ) {}

  /** Whether a key with this score would enter (cheap: lets callers build the record only then). */
  accepts(score: number, key: Buffer): boolean {
    if (this.limit <= 0) return false;
    if (this.heap.length < this.limit) return true;
    const root = this.heap[0]!;
    return ranksBefore(score, key, this.score(root), root.key);
  }

  offer(record: KeyRecord): void {
    const score = this.score(record);
    if (!this.accepts(score, record.key)) return;
    if (this.heap.length < this.limit) {
      this.heap.push(record);
      this.siftUp(this.heap.length - 1);
    } else {
      this.heap[0] = record;
      this.siftDown(0);
    }
  }

  merge(other: TopKeys): void {
    for (const record of other.heap) this.offer(record);
  }

  get size(): number {
    return this.heap.length;
  }

  /** Best first. */
  sorted(): KeyRecord[] {
    return [...this.heap].sort((a, b) => (this.before(a, b) ? -1 : this.before(b, a) ? 1 : 0));
  }

  private before(a: KeyRecord, b: KeyRecord): boolean {
    return ranksBefore(this.score(a), a.key, this.score(b), b.key);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    let at = index;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      // The root is the worst-ranked: a child ranked worse than its parent moves up.
      if (!this.before(heap[parent]!, heap[at]!)) break;
      [heap[parent], heap[at]] = [heap[at]!, heap[parent]!];
      at = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    let at = index;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let worst = at;
      if (left < heap.length && this.before(heap[worst]!, heap[left]!)) worst = left;
      if (right < heap.length && this.before(heap[worst]!, heap[right]!)) worst = right;
      if (worst === at) return;
      [heap[worst], heap[at]] = [heap[at]!, heap[worst]!];
      at = worst;
    }
  }
}
