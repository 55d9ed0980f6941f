import { describe, expect, it } from 'vitest';
import { parseSlowlog } from '../../src/core/dashboard/slowlog.js';

describe('parseSlowlog', () => {
  it('reads Redis 4+ entries', () => {
    const reply = [
      [14, 1700000000, 25000, ['KEYS', '*'], '127.0.0.1:50000', 'worker'],
      [13, 1700000001, 12000, ['DEBUG', 'SLEEP', '0.012'], '127.0.0.1:50001', ''],
    ];
    expect(parseSlowlog(reply)).toEqual([
      { id: 14, at: '2023-11-14T22:13:20.000Z', durationUs: 25000, args: ['KEYS', '*'], client: '127.0.0.1:50000', clientName: 'worker' },
      { id: 13, at: '2023-11-14T22:13:21.000Z', durationUs: 12000, args: ['DEBUG', 'SLEEP', '0.012'], client: '127.0.0.1:50001', clientName: null },
    ]);
  });

  it('accepts older 4-field entries and Buffer arguments, and skips garbage', () => {
    expect(parseSlowlog([[1, 1700000000, 10, [Buffer.from('GET'), Buffer.from([0x66, 0x6f])]], 'x', [1, 2]])).toEqual([
      { id: 1, at: '2023-11-14T22:13:20.000Z', durationUs: 10, args: ['GET', 'fo'], client: null, clientName: null },
    ]);
    expect(parseSlowlog('not an array')).toEqual([]);
  });
});
