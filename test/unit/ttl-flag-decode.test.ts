// Decoding the TTL audit script's reply (scan-batch.ts decodeFlagged), both layouts.
import { describe, expect, it } from 'vitest';
import { decodeFlagged, TTL_NONE, TTL_WITHIN } from '../../src/core/scan/scan-batch.js';

function flagged(entries: [number, number][]): Buffer {
  const out = Buffer.alloc(entries.length * 12);
  entries.forEach(([index, pttl], i) => {
    out.writeUInt32BE(index, i * 12);
    out.writeDoubleBE(pttl, i * 12 + 4);
  });
  return out;
}

const keysOf = (batch: ReturnType<typeof decodeFlagged>) => batch?.keys.map((key) => key.toString('latin1'));

describe('decodeFlagged', () => {
  it('splits keys joined with \\n when the key count says the join is unambiguous', () => {
    const batch = decodeFlagged('17', Buffer.from('a:1\nb,2\n\nc\x00'), 4, flagged([[1, TTL_NONE], [3, 9e14]]), 250);
    expect(batch).toBeDefined();
    expect(batch!.cursor).toBe('17');
    expect(keysOf(batch)).toEqual(['a:1', 'b,2', '', 'c\x00']);
    expect([...batch!.ttls]).toEqual([TTL_WITHIN, TTL_NONE, TTL_WITHIN, 9e14]);
    expect(batch!.serverMicros).toBe(250);
  });

  it('reports an ambiguous join (a key containing \\n) as undefined', () => {
    expect(decodeFlagged('0', Buffer.from('a\nb\nc'), 2, flagged([]), 1)).toBeUndefined();
    expect(decodeFlagged('0', Buffer.from('x'), 0, flagged([]), 1)).toBeUndefined();
  });

  it('handles empty batches and a single empty key', () => {
    expect(decodeFlagged('5', Buffer.alloc(0), 0, Buffer.alloc(0), 1)!.size).toBe(0);
    expect(keysOf(decodeFlagged('5', Buffer.alloc(0), 1, Buffer.alloc(0), 1))).toEqual(['']);
    expect(decodeFlagged('5', Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0), 1)!.size).toBe(0);
  });

  it('uses the lengths when they are sent, whatever bytes the keys hold', () => {
    const batch = decodeFlagged('0', Buffer.from('a\nbcd\n\xff', 'latin1'), Buffer.from('3,0,4'), flagged([[2, TTL_NONE]]), 1);
    expect(keysOf(batch)).toEqual(['a\nb', '', 'cd\n\xff']);
    expect([...batch!.ttls]).toEqual([TTL_WITHIN, TTL_WITHIN, TTL_NONE]);
  });

  it('gives keys that do not depend on the reply buffer', () => {
    const reply = Buffer.from('k1\nk2');
    const batch = decodeFlagged('0', reply, 2, Buffer.alloc(0), 1)!;
    reply.fill(0x41);
    expect(keysOf(batch)).toEqual(['k1', 'k2']);
  });
});
