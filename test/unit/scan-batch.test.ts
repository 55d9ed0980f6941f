import { describe, expect, it } from 'vitest';
import { decodePacked, KEY_TYPES, TTL_GONE, TTL_NONE, UNKNOWN } from '../../src/core/scan/scan-batch.js';

interface Entry {
  key: Buffer;
  type: number;
  ttl: number;
  memory: number;
}

/** Packs entries the way SCAN_SCRIPT does: u32 key length, key, u8 type, f64 PTTL, f64 memory, all big-endian. */
function pack(entries: readonly Entry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(entry.key.length);
    const tail = Buffer.alloc(17);
    tail.writeUInt8(entry.type, 0);
    tail.writeDoubleBE(entry.ttl, 1);
    tail.writeDoubleBE(entry.memory, 9);
    parts.push(head, entry.key, tail);
  }
  return Buffer.concat(parts);
}

const typeCode = (type: (typeof KEY_TYPES)[number]): number => KEY_TYPES.indexOf(type);

describe('decodePacked', () => {
  it('round-trips keys byte for byte with their type, PTTL and memory', () => {
    const entries: Entry[] = [
      { key: Buffer.from('user:1'), type: typeCode('hash'), ttl: 3_600_000, memory: 72 },
      { key: Buffer.from([0xff, 0xfe, 0x00, 0x80]), type: typeCode('string'), ttl: TTL_NONE, memory: 56 },
      { key: Buffer.from('a\nb*?[]\\'), type: typeCode('zset'), ttl: 1, memory: 1_234_567_890_123 },
      { key: Buffer.alloc(0), type: typeCode('list'), ttl: TTL_NONE, memory: UNKNOWN },
      { key: Buffer.from('gone'), type: 0, ttl: TTL_GONE, memory: UNKNOWN },
      { key: Buffer.alloc(70_000, 0x61), type: typeCode('stream'), ttl: 2 ** 40, memory: 80_000 },
      { key: Buffer.from('module'), type: typeCode('other'), ttl: UNKNOWN, memory: UNKNOWN },
    ];
    const batch = decodePacked('12345', pack(entries), 812);
    expect(batch.cursor).toBe('12345');
    expect(batch.serverMicros).toBe(812);
    expect(batch.size).toBe(entries.length);
    expect(batch.keys).toHaveLength(entries.length);
    entries.forEach((entry, i) => {
      expect(batch.keys[i]!.equals(entry.key), `key ${i}`).toBe(true);
      expect(batch.types[i]).toBe(entry.type);
      expect(batch.ttls[i]).toBe(entry.ttl);
      expect(batch.memory[i]).toBe(entry.memory);
    });
  });

  it('decodes an empty reply (a SCAN step that found nothing)', () => {
    const batch = decodePacked('0', Buffer.alloc(0), 3);
    expect(batch.size).toBe(0);
    expect(batch.keys).toEqual([]);
    expect(batch.types).toHaveLength(0);
    expect(batch.cursor).toBe('0');
  });

  it('copies keys, so a kept key does not pin (or change with) the whole reply', () => {
    const packed = pack([
      { key: Buffer.from('first'), type: 1, ttl: TTL_NONE, memory: 1 },
      { key: Buffer.from('second'), type: 1, ttl: TTL_NONE, memory: 1 },
    ]);
    const batch = decodePacked('7', packed, 1);
    packed.fill(0);
    // A view into the reply would now read zeros.
    expect(batch.keys.map((key) => key.toString())).toEqual(['first', 'second']);
  });
});
