import { describe, expect, it } from 'vitest';
import { byTime, commandActivity, meanUsecPerCall } from '../../src/core/dashboard/command-stats.js';
import type { CommandStat, LatencyPercentiles } from '../../src/base/info.js';
import { parseCommandStats, parseInfo, parseLatencyStats } from '../../src/base/info.js';
import { editInfo, readInfoSample } from '../helpers/info-text.js';

const stat = (calls: number, usec: number): CommandStat => ({ calls, usec, usecPerCall: calls === 0 ? 0 : usec / calls });

describe('commandActivity', () => {
  it('turns lifetime counters into calls, time and rates within the window, busiest first', () => {
    const before = new Map([
      ['get', stat(1000, 2000)],
      ['set', stat(500, 2500)],
      ['info', stat(10, 500)],
    ]);
    const after = new Map([
      ['get', stat(3000, 6000)],
      ['set', stat(600, 3500)],
      ['info', stat(12, 600)],
      ['keys', stat(1, 50_000)],
    ]);
    const latency = new Map<string, LatencyPercentiles>([['get', { p50: 1, p99: 4, 'p99.9': 12 }]]);
    const activity = commandActivity(before, after, 2000, latency)!;
    expect(activity.map((row) => row.command)).toEqual(['get', 'set', 'info', 'keys']);
    expect(activity[0]).toEqual({ command: 'get', calls: 2000, usec: 4000, usecPerCall: 2, callsPerSec: 1000, p50Us: 1, p99Us: 4, p999Us: 12 });
    expect(activity[3]).toMatchObject({ command: 'keys', calls: 1, usecPerCall: 50_000, p99Us: null });
    expect(byTime(activity, 2).map((row) => row.command)).toEqual(['keys', 'get']);
  });

  it('averages every call it is given (the dashboard subtracts its own calls first)', () => {
    const activity = commandActivity(new Map(), new Map([['get', stat(100, 200)], ['info', stat(1, 800)], ['ping', stat(9, 0)]]), 1000)!;
    expect(meanUsecPerCall(activity)).toBe((200 + 800) / 110);
    expect(meanUsecPerCall([])).toBeNull();
  });

  it('refuses a window in which counters were reset', () => {
    expect(commandActivity(new Map([['get', stat(10, 10)]]), new Map([['get', stat(5, 5)]]), 1000)).toBeNull();
    expect(commandActivity(new Map([['get', stat(10, 10)]]), new Map([['set', stat(5, 5)]]), 1000)).toBeNull();
  });

  it('works on the INFO of real servers, with latencystats where they have it', () => {
    for (const name of ['redis-6.2', 'redis-7.2'] as const) {
      const text = readInfoSample(name);
      const info = parseInfo(text);
      const before = parseCommandStats(info);
      const get = before.get('get')!;
      const later = parseInfo(editInfo(text, { commandstats: { cmdstat_get: `calls=${get.calls + 50},usec=${get.usec + 100},usec_per_call=1.00` } }));
      const activity = commandActivity(before, parseCommandStats(later), 1000, parseLatencyStats(later))!;
      expect(activity).toHaveLength(1);
      expect(activity[0]).toMatchObject({ command: 'get', calls: 50, usecPerCall: 2 });
      expect(activity[0]!.p99Us === null).toBe(name === 'redis-6.2');
    }
  });
});
