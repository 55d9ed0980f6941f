import { describe, expect, it } from 'vitest';
import { decodeColumns, KEY_TYPES, MEMORY_SAMPLED, probeLetters, TTL_GONE, TTL_NONE, typeCode, UNKNOWN } from '../../src/core/scan/scan-batch.js';
import { MsgpackReader } from '../../src/core/scan/msgpack.js';
import { msgpack } from '../helpers/msgpack-encode.js';

describe('typeCode', () => {
  it('keeps the core codes, maps none to 0 and gives a module type its own name, once', () => {
    expect(typeCode('hash')).toBe(KEY_TYPES.indexOf('hash'));
    expect(typeCode('none')).toBe(0);
    const json = typeCode('ReJSON-RL');
    expect(json).toBeGreaterThan(KEY_TYPES.indexOf('stream'));
    expect(KEY_TYPES[json]).toBe('ReJSON-RL');
    expect(typeCode('ReJSON-RL')).toBe(json);
    expect(KEY_TYPES).not.toContain('other');
  });
});

describe('MsgpackReader', () => {
  it('reads every integer width, floats, nil, booleans, strings and nested arrays', () => {
    const values = [0, 127, -1, -32, 200, 65_535, 70_000, -70_000, 2 ** 40, -(2 ** 40), 1.5, null, true, false];
    const reader = new MsgpackReader(msgpack(values, 'x'.repeat(40), 'y'.repeat(300), 'z'.repeat(70_000), [[1], []]));
    expect(reader.value()).toEqual(values);
    expect((reader.value() as Buffer).length).toBe(40);
    expect((reader.value() as Buffer).length).toBe(300);
    expect((reader.value() as Buffer).length).toBe(70_000);
    expect(reader.value()).toEqual([[1], []]);
    expect(reader.done).toBe(true);
  });

  it('refuses a truncated string instead of reading past the end', () => {
    const bytes = msgpack('hello').subarray(0, 3);
    expect(() => new MsgpackReader(bytes).value()).toThrow(/past the end/);
  });
});

describe('decodeColumns', () => {
  const keys = [Buffer.from('user:1'), Buffer.from([0xff, 0xfe, 0x00, 0x0a]), Buffer.from('gone'), Buffer.alloc(0), Buffer.from('doc:1'), Buffer.from('big')];
  // Types are 1-based into the batch's own names, as the script sends them.
  const names = ['hash', 'string', 'none', 'ReJSON-RL'];

  it('round-trips keys byte for byte with the server type names, PTTL, memory, lengths and marks', () => {
    const packed = msgpack(keys, names, [1, 2, 3, 2, 4, 1], [3_600_000, TTL_NONE, TTL_GONE, 2 ** 40, TTL_NONE, 5], [72, 56, UNKNOWN, 1_234_567_890_123, 300, 90_000_000], [3, 4, UNKNOWN, 0, UNKNOWN, 1_000_000], [], [6], [2]);
    const { batch, deferred } = decodeColumns('12345', packed, 812);
    expect(batch.cursor).toBe('12345');
    expect(batch.serverMicros).toBe(812);
    expect(batch.size).toBe(keys.length);
    keys.forEach((key, i) => expect(batch.keys[i]!.equals(key), `key ${i}`).toBe(true));
    expect([...batch.types].map((code) => KEY_TYPES[code])).toEqual(['hash', 'string', 'unknown', 'string', 'ReJSON-RL', 'hash']);
    expect([...batch.ttls]).toEqual([3_600_000, TTL_NONE, TTL_GONE, 2 ** 40, TTL_NONE, 5]);
    expect([...batch.memory]).toEqual([72, 56, UNKNOWN, 1_234_567_890_123, 300, 90_000_000]);
    expect([...batch.lengths!]).toEqual([3, 4, UNKNOWN, 0, UNKNOWN, 1_000_000]);
    expect([...batch.flags!]).toEqual([0, 0, 0, 0, 0, MEMORY_SAMPLED]);
    expect(deferred).toEqual([1]);
  });

  it('leaves columns that were not asked for unknown, and has no lengths or flags then', () => {
    const { batch, deferred } = decodeColumns('0', msgpack(keys.slice(0, 2), [], [], [TTL_NONE, 5], [], [], [], [], []), 3);
    expect([...batch.types]).toEqual([0, 0]);
    expect([...batch.ttls]).toEqual([TTL_NONE, 5]);
    expect([...batch.memory]).toEqual([UNKNOWN, UNKNOWN]);
    expect(batch.lengths).toBeUndefined();
    expect(batch.flags).toBeUndefined();
    expect(deferred).toEqual([]);
  });

  it('copies the reply, so a kept key does not change with (or pin) the socket buffer', () => {
    const packed = msgpack([Buffer.from('first'), Buffer.from('second')], [], [], [], [], [], [], [], []);
    const { batch } = decodeColumns('7', packed, 1);
    packed.fill(0);
    expect(batch.keys.map((key) => key.toString())).toEqual(['first', 'second']);
  });

  it('decodes an empty step (a SCAN step that found nothing)', () => {
    const { batch } = decodeColumns('0', msgpack([], [], [], [], [], [], [], [], []), 3);
    expect(batch.size).toBe(0);
    expect(batch.keys).toEqual([]);
  });
});

describe('probeLetters', () => {
  it('names the probes the script runs, in a fixed order', () => {
    expect(probeLetters({ wantType: true, wantTtl: true, wantMemory: true })).toBe('tpm');
    expect(probeLetters({ wantType: false, wantTtl: true, wantMemory: false, wantLength: true })).toBe('pn');
    expect(probeLetters({ wantType: true, wantTtl: false, wantMemory: false, wantLength: true, wantFreq: true })).toBe('tnf');
  });
});
