import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeySpool } from '../../src/core/scan/key-spool.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-spool-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const keysOf = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => Buffer.from(`k:${i}:\xff`, 'latin1'));

function readBack(spool: KeySpool, size: number): { keys: Buffer[]; memory: number[]; chunkSizes: number[] } {
  const keys: Buffer[] = [];
  const memory: number[] = [];
  const chunkSizes: number[] = [];
  for (const chunk of spool.chunks(size)) {
    chunkSizes.push(chunk.keys.length);
    keys.push(...chunk.keys);
    memory.push(...chunk.memory);
  }
  return { keys, memory, chunkSizes };
}

describe('KeySpool', () => {
  it('keeps keys and their memory in order, in chunks, and drops duplicates while in memory', () => {
    const spool = new KeySpool({ dir });
    const keys = keysOf(10);
    keys.forEach((key, i) => expect(spool.add(key, i * 10)).toBe(true));
    expect(spool.add(Buffer.from(keys[3]!), 999)).toBe(false);
    expect(spool.count).toBe(10);
    expect(spool.spilled).toBe(false);
    const back = readBack(spool, 4);
    expect(back.keys).toEqual(keys);
    expect(back.memory).toEqual(keys.map((_, i) => i * 10));
    expect(back.chunkSizes).toEqual([4, 4, 2]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('spills to a private temporary file past its budget and reads everything back in order', () => {
    const spool = new KeySpool({ dir, memoryBudgetBytes: 2_000 });
    const keys = keysOf(5_000);
    for (const key of keys) spool.add(key, key.length);
    expect(spool.spilled).toBe(true);
    expect(spool.count).toBe(5_000);
    const [spillDir] = readdirSync(dir);
    expect(spillDir).toMatch(/^cachectl-purge-/);
    const back = readBack(spool, 777);
    expect(back.keys).toEqual(keys);
    expect(back.memory).toEqual(keys.map((key) => key.length));
    // Readable twice (execution may make a second pass).
    expect(readBack(spool, 5_000).keys).toHaveLength(5_000);
    spool.close();
    expect(existsSync(path.join(dir, spillDir!))).toBe(false);
  });

  it('forgets everything on reset (a shard rescanned from cursor 0)', () => {
    const spool = new KeySpool({ dir, memoryBudgetBytes: 500 });
    for (const key of keysOf(100)) spool.add(key, 1);
    expect(spool.spilled).toBe(true);
    spool.reset();
    expect(spool.count).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    expect(spool.add(keysOf(1)[0]!, 1)).toBe(true);
    expect(readBack(spool, 10).keys).toHaveLength(1);
  });
});
