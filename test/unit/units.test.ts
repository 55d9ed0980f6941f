import { describe, expect, it } from 'vitest';
import { CachectlError } from '../../src/base/errors.js';
import { formatBytes, parseByteSize, parseCount, parseRate, parseThreshold } from '../../src/base/units.js';

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CachectlError);
    expect((error as CachectlError).code).toBe('USAGE');
    return (error as CachectlError).message;
  }
  throw new Error('expected a usage error');
}

describe('parseCount', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    ['  7 ', 7],
    ['1000000', 1_000_000],
    ['1_000_000', 1_000_000],
    ['007', 7],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('%j → %i', (text, value) => {
    expect(parseCount(text, '--count')).toBe(value);
  });

  it.each(['', 'abc', '1.5', '1e3', '0x10', '+5', '1_', '_1', '1__0', '10k', '-1', '9007199254740992', 'Infinity'])(
    'rejects %j',
    (text) => {
      expect(() => parseCount(text, '--count')).toThrow(CachectlError);
    },
  );

  it('applies min and max and says so', () => {
    expect(parseCount('-3', '--offset', { min: -5 })).toBe(-3);
    expect(parseCount('1', '--depth', { min: 1, max: 10 })).toBe(1);
    expect(parseCount('10', '--depth', { min: 1, max: 10 })).toBe(10);
    expect(usageMessage(() => parseCount('0', '--depth', { min: 1 }))).toBe('--depth expects a whole number ≥ 1, got "0"');
    expect(usageMessage(() => parseCount('11', '--depth', { min: 1, max: 10 }))).toBe(
      '--depth expects a whole number from 1 to 10, got "11"',
    );
    expect(usageMessage(() => parseCount('-1', '--count'))).toBe('--count expects a whole number ≥ 0, got "-1"');
  });
});

describe('parseRate', () => {
  it.each([
    ['100', 100],
    ['2.5', 2.5],
    ['.5', 0.5],
    ['500/s', 500],
    ['500 / s', 500],
  ])('%j → %d per second', (text, value) => {
    expect(parseRate(text, '--rate')).toBe(value);
  });

  it.each(['0', '0.0', '-1', '', 'fast', '1e3', '10/m', 'Infinity', '1,5'])('rejects %j', (text) => {
    expect(usageMessage(() => parseRate(text, '--rate'))).toBe(
      `--rate expects a positive rate per second such as 100 or 2.5, got ${JSON.stringify(text)}`,
    );
  });
});

describe('parseByteSize', () => {
  it.each([
    ['512', 512],
    ['0', 0],
    ['512b', 512],
    ['64kb', 64 * 1024],
    ['64KB', 64 * 1024],
    ['64k', 64_000],
    ['100mb', 100 * 1024 ** 2],
    ['100m', 100_000_000],
    ['2gb', 2 * 1024 ** 3],
    ['2g', 2_000_000_000],
    ['1tb', 1024 ** 4],
    ['1t', 1e12],
    ['512MiB', 512 * 1024 ** 2],
    ['4kib', 4096],
    ['1.5gib', 1.5 * 1024 ** 3],
    ['1 mb', 1024 ** 2],
    ['0.5kb', 512],
    ['1.0001kb', 1024],
  ])('%j → %i bytes', (text, bytes) => {
    expect(parseByteSize(text, '--max-size')).toBe(bytes);
  });

  it.each(['', 'kb', '-1kb', '1pb', '1 k b', '1e3', 'lots', '1kbb', '1,5mb', '99999999tb'])('rejects %j', (text) => {
    expect(usageMessage(() => parseByteSize(text, '--max-size'))).toBe(
      `--max-size expects a size such as 512, 64kb, 100mb or 2gb, got ${JSON.stringify(text)}`,
    );
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [1023.6, '1.0 KiB'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [1.2 * 1024 ** 2, '1.2 MiB'],
    [64 * 1024 ** 2, '64.0 MiB'],
    [99.94 * 1024, '99.9 KiB'],
    [99.96 * 1024, '100 KiB'],
    [512 * 1024 ** 2, '512 MiB'],
    [1023.4 * 1024, '1023 KiB'],
    [1023.6 * 1024, '1.0 MiB'],
    [1.5 * 1024 ** 3, '1.5 GiB'],
    [3 * 1024 ** 4, '3.0 TiB'],
    [2 * 1024 ** 5, '2.0 PiB'],
  ])('%d → %j', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('handles negatives and non-finite values explicitly', () => {
    expect(formatBytes(-1536)).toBe('-1.5 KiB');
    expect(formatBytes(-5)).toBe('-5 B');
    expect(formatBytes(Number.NaN)).toBe('n/a');
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('n/a');
  });

  it('stops at the largest unit instead of running off the table', () => {
    expect(formatBytes(2 ** 80)).toBe('1048576 EiB');
  });
});

describe('parseThreshold', () => {
  it.each([
    ['10', { kind: 'count', value: 10 }],
    ['0', { kind: 'count', value: 0 }],
    ['1_000', { kind: 'count', value: 1000 }],
    ['2.5%', { kind: 'percent', value: 2.5 }],
    ['0%', { kind: 'percent', value: 0 }],
    ['100%', { kind: 'percent', value: 100 }],
    ['.5%', { kind: 'percent', value: 0.5 }],
    [' 5 % ', { kind: 'percent', value: 5 }],
  ])('%j → %o', (text, threshold) => {
    expect(parseThreshold(text, '--fail-on-missing')).toEqual(threshold);
  });

  it.each(['', '%', '-1', '-1%', '2.5', '101%', '100.1%', 'ten', '5%%', '1e2%'])('rejects %j', (text) => {
    expect(usageMessage(() => parseThreshold(text, '--fail-on-missing'))).toBe(
      `--fail-on-missing expects a count such as 10 or a percentage such as 2.5%, got ${JSON.stringify(text)}`,
    );
  });
});
