import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/base/duration.js';
import { CachectlError, ExitCode } from '../../src/base/errors.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30 * SECOND],
    ['5m', 5 * MINUTE],
    ['1h', HOUR],
    ['24h', DAY],
    ['30d', 30 * DAY],
    ['2w', 14 * DAY],
    ['1h30m', HOUR + 30 * MINUTE],
    ['1h 30m', HOUR + 30 * MINUTE],
    ['1d2h3m4s5ms', DAY + 2 * HOUR + 3 * MINUTE + 4 * SECOND + 5],
    ['1m500ms', MINUTE + 500],
    ['1.5s', 1500],
    ['.5s', 500],
    ['0.25h', 15 * MINUTE],
    ['1.5ms', 2],
    ['30', 30 * SECOND],
    ['2.5', 2500],
    ['0', 0],
    ['0s', 0],
    ['  10s  ', 10 * SECOND],
    ['10 s', 10 * SECOND],
  ])('%j → %i ms', (text, ms) => {
    expect(parseDuration(text, '--interval')).toBe(ms);
  });

  it.each(['', '   ', '3x', '-1s', '-1', '1h-', 's', 'ms', '1h30', '1.s', '1..5s', '5S', '1H', '1m30m', '30m1h', '1s1m', '1e3', '1e3s', 'Infinity', 'NaN', '1,5s', '1h,30m', '+5s', '0x10'])(
    'rejects %j',
    (text) => {
      expect(() => parseDuration(text, '--interval')).toThrow(CachectlError);
    },
  );

  it('says which flag is wrong, what it expects and quotes the input', () => {
    let error: unknown;
    try {
      parseDuration('3x', '--older-than');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CachectlError);
    const usage = error as CachectlError;
    expect(usage.code).toBe('USAGE');
    expect(usage.exitCode).toBe(ExitCode.Error);
    expect(usage.message).toBe('--older-than expects a duration such as 500ms, 30s, 5m, 24h or 30d, got "3x"');
    expect(usage.hint).toContain('1h30m');
  });

  it('rejects values too large to be exact milliseconds', () => {
    expect(() => parseDuration('99999999999999w', '--ttl')).toThrow(/expects a duration/);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [0.4, '0ms'],
    [850, '850ms'],
    [999.4, '999ms'],
    [999.6, '1s'],
    [1000, '1s'],
    [1049, '1s'],
    [12_500, '12.5s'],
    [12_340, '12.3s'],
    [59_900, '59.9s'],
    [59_960, '1m'],
    [60_000, '1m'],
    [4 * MINUTE + 10 * SECOND, '4m 10s'],
    [4 * MINUTE + 10_600, '4m 11s'],
    [59 * MINUTE + 59_600, '1h'],
    [3 * HOUR + 5 * MINUTE, '3h 5m'],
    [3 * HOUR, '3h'],
    [23 * HOUR + 59 * MINUTE + 40 * SECOND, '1d'],
    [2 * DAY + 4 * HOUR, '2d 4h'],
    [2 * DAY + 4 * HOUR + 29 * MINUTE, '2d 4h'],
    [400 * DAY, '400d'],
  ])('%d ms → %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('marks negative values and never prints NaN or ∞', () => {
    expect(formatDuration(-1500)).toBe('-1.5s');
    expect(formatDuration(-90 * MINUTE)).toBe('-1h 30m');
    expect(formatDuration(Number.NaN)).toBe('n/a');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('n/a');
    expect(formatDuration(Number.NEGATIVE_INFINITY)).toBe('n/a');
  });

  it('round-trips through parseDuration at its own precision', () => {
    for (const ms of [850, 12_500, 250 * SECOND, 3 * HOUR + 5 * MINUTE, 2 * DAY + 4 * HOUR]) {
      expect(parseDuration(formatDuration(ms), '--x')).toBe(ms);
    }
  });
});
