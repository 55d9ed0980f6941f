// The keys a purge plan found, kept between planning and execution so execution deletes exactly
// what was planned (and never has to scan again). Held in memory up to a budget, then spilled to a
// private temporary file, so a plan of a hundred million keys does not need gigabytes of heap.

import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CachectlError } from '../../base/errors.js';

/** A slice of the spool: keys and the MEMORY USAGE measured for each while planning (-3 = unknown). */
export interface SpoolChunk {
  keys: Buffer[];
  memory: Float64Array;
}

export interface KeySpoolOptions {
  /** Key bytes (plus a per-key overhead estimate) kept in memory before spilling. @default 64 MiB */
  memoryBudgetBytes?: number;
  /** Where the spill file goes. @default os.tmpdir() */
  dir?: string;
}

/** Rough heap cost of one key beyond its bytes: the Buffer object, the dedupe entry, the array slot. */
const PER_KEY_OVERHEAD = 96;
const DEFAULT_BUDGET = 64 * 1024 * 1024;
const WRITE_BUFFER = 1024 * 1024;
const ENTRY_FIXED = 4 + 8;

export class KeySpool {
  private keys: Buffer[] = [];
  private memory: number[] = [];
  /** Keys seen so far, while in memory: SCAN may return a key twice while the server resizes its table. */
  private seen: Set<string> | undefined = new Set();
  private heapBytes = 0;
  private total = 0;
  private file: { dir: string; path: string; fd: number } | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly budget: number;

  constructor(private readonly options: KeySpoolOptions = {}) {
    this.budget = options.memoryBudgetBytes ?? DEFAULT_BUDGET;
  }

  get count(): number {
    return this.total;
  }

  /** Whether keys went to disk (then duplicates from SCAN are no longer filtered out). */
  get spilled(): boolean {
    return this.file !== undefined;
  }

  /** Adds a key; false when it is a duplicate of one already held. */
  add(key: Buffer, memory: number): boolean {
    if (this.seen !== undefined) {
      const id = key.toString('latin1');
      if (this.seen.has(id)) return false;
      this.seen.add(id);
    }
    this.total += 1;
    if (this.file === undefined) {
      this.keys.push(key);
      this.memory.push(memory);
      this.heapBytes += key.length + PER_KEY_OVERHEAD;
      if (this.heapBytes > this.budget) this.spill();
      return true;
    }
    this.writeEntry(key, memory);
    return true;
  }

  /** Forgets every key (a shard's scan restarted from cursor 0). */
  reset(): void {
    this.close();
    this.keys = [];
    this.memory = [];
    this.seen = new Set();
    this.heapBytes = 0;
    this.total = 0;
  }

  /** Reads the keys back in order, `size` at a time. Safe to call more than once. */
  *chunks(size: number): Generator<SpoolChunk> {
    if (this.file !== undefined) {
      this.flush();
      yield* this.readFile(size);
    }
    for (let start = 0; start < this.keys.length; start += size) {
      const end = Math.min(this.keys.length, start + size);
      yield { keys: this.keys.slice(start, end), memory: Float64Array.from(this.memory.slice(start, end)) };
    }
  }

  /** Removes the spill file; the in-memory part stays readable. */
  close(): void {
    const file = this.file;
    this.file = undefined;
    this.pending = [];
    this.pendingBytes = 0;
    if (file === undefined) return;
    try {
      closeSync(file.fd);
    } catch {
      // already closed
    }
    rmSync(file.dir, { recursive: true, force: true });
  }

  private spill(): void {
    const base = this.options.dir ?? os.tmpdir();
    let dir: string;
    let fd: number;
    try {
      dir = mkdtempSync(path.join(base, 'cachectl-purge-'));
      // 0600: key names can be sensitive (user ids, emails).
      fd = openSync(path.join(dir, 'keys'), 'w+', 0o600);
    } catch (error) {
      throw spoolError(base, error);
    }
    this.file = { dir, path: path.join(dir, 'keys'), fd };
    // Entries in the file come first when reading, so move what is in memory there too, in order.
    const keys = this.keys;
    const memory = this.memory;
    this.keys = [];
    this.memory = [];
    this.heapBytes = 0;
    this.seen = undefined;
    for (let i = 0; i < keys.length; i += 1) this.writeEntry(keys[i]!, memory[i]!);
  }

  private writeEntry(key: Buffer, memory: number): void {
    const head = Buffer.allocUnsafe(ENTRY_FIXED);
    head.writeUInt32BE(key.length, 0);
    head.writeDoubleBE(memory, 4);
    this.pending.push(head, key);
    this.pendingBytes += ENTRY_FIXED + key.length;
    if (this.pendingBytes >= WRITE_BUFFER) this.flush();
  }

  private flush(): void {
    if (this.file === undefined || this.pending.length === 0) return;
    const data = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    try {
      let written = 0;
      while (written < data.length) written += writeSync(this.file.fd, data, written, data.length - written);
    } catch (error) {
      throw spoolError(path.dirname(this.file.dir), error);
    }
  }

  private *readFile(size: number): Generator<SpoolChunk> {
    const fd = this.file!.fd;
    let position = 0;
    let buffer = Buffer.alloc(0);
    let keys: Buffer[] = [];
    let memory: number[] = [];
    const block = Buffer.allocUnsafe(WRITE_BUFFER);
    for (;;) {
      const read = readSync(fd, block, 0, block.length, position);
      if (read === 0) break;
      position += read;
      buffer = buffer.length === 0 ? Buffer.from(block.subarray(0, read)) : Buffer.concat([buffer, block.subarray(0, read)]);
      let offset = 0;
      while (offset + ENTRY_FIXED <= buffer.length) {
        const length = buffer.readUInt32BE(offset);
        if (offset + ENTRY_FIXED + length > buffer.length) break;
        memory.push(buffer.readDoubleBE(offset + 4));
        keys.push(Buffer.from(buffer.subarray(offset + ENTRY_FIXED, offset + ENTRY_FIXED + length)));
        offset += ENTRY_FIXED + length;
        if (keys.length === size) {
          yield { keys, memory: Float64Array.from(memory) };
          keys = [];
          memory = [];
        }
      }
      buffer = buffer.subarray(offset);
    }
    if (keys.length > 0) yield { keys, memory: Float64Array.from(memory) };
  }
}

function spoolError(dir: string, error: unknown): CachectlError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return new CachectlError('IO', `cannot keep the planned keys in a temporary file under ${dir}: ${code || String((error as Error).message)}`, {
    hint: 'free space there, or point TMPDIR at a directory with room',
    cause: error,
  });
}
