import { describe, expect, it } from 'vitest';
import { SLOT_COUNT, crc16, keySlot } from '../../src/base/slot.js';

const slot = (key: string | Buffer): number => keySlot(typeof key === 'string' ? Buffer.from(key) : key);

describe('crc16', () => {
  it('is CRC16/XMODEM (the check value of "123456789" is 0x31C3)', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3);
  });

  it('is 0 for no bytes and honours start/end', () => {
    expect(crc16(Buffer.alloc(0))).toBe(0);
    expect(crc16(Buffer.from('xx123456789yy'), 2, 11)).toBe(0x31c3);
  });
});

describe('keySlot', () => {
  // Values from CLUSTER KEYSLOT on redis-server 7.0.
  it.each([
    ['foo', 12182],
    ['123456789', 12739],
    ['user:1000', 1649],
    ['', 0],
    ['a', 15495],
    ['{}', 15257],
    ['{a}', 15495],
    ['é', 10180],
    ['{{}}', 4092],
    ['abc{def}ghi', 16148],
    ['hello world', 15332],
    ['1234567890abcdef', 12876],
  ])('%j → %i', (key, expected) => {
    expect(slot(key)).toBe(expected);
  });

  it('hashes binary keys byte for byte', () => {
    expect(slot(Buffer.from([0xff, 0x00]))).toBe(1023);
  });

  it('hashes only a non-empty hash tag', () => {
    expect(slot('{user1000}.following')).toBe(slot('{user1000}.followers'));
    expect(slot('{user1000}.following')).toBe(slot('user1000'));
    expect(slot('abc{def}ghi')).toBe(slot('def'));
  });

  it('hashes the whole key when the first {} is empty', () => {
    expect(slot('foo{}{bar}')).toBe(crc16(Buffer.from('foo{}{bar}')) % SLOT_COUNT);
    expect(slot('foo{}{bar}')).not.toBe(slot('bar'));
    expect(slot('foo{}{bar}')).toBe(8363);
  });

  it('takes the first { and the first } after it', () => {
    expect(slot('foo{{bar}}zap')).toBe(slot('{bar'));
    expect(slot('foo{{bar}}zap')).toBe(4015);
    expect(slot('}{x}')).toBe(slot('x'));
  });

  it('hashes the whole key when there is no closing }', () => {
    expect(slot('{user1000')).toBe(crc16(Buffer.from('{user1000')) % SLOT_COUNT);
  });

  it('stays within 0..16383', () => {
    for (let i = 0; i < 2000; i++) {
      const s = slot(`key:${i}`);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(SLOT_COUNT);
    }
  });
});
