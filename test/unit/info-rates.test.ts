import { describe, expect, it } from 'vitest';
import { parseInfo } from '../../src/base/info.js';
import { combineInfoRates, computeInfoRates, lifetimeHitRate, readCounters } from '../../src/core/memory/info-rates.js';
import { advanceInfo as later, editInfo, INFO_SAMPLES, readInfoSample } from '../helpers/info-text.js';

describe.each(INFO_SAMPLES)('computeInfoRates on %s', (name) => {
  const before = readInfoSample(name);

  it('turns counter increases into per-second rates on the server clock', () => {
    const after = later(before, 2000, { commands: 1001, hits: 300, misses: 100, evicted: 50, expired: 20 });
    // Our own clock says 2.5 s (network delay); the server's 2 s wins.
    const rates = computeInfoRates(parseInfo(before), parseInfo(after), 2500, { ownCommands: 1 });
    expect(rates.clock).toBe('server');
    expect(rates.windowMs).toBe(2000);
    expect(rates.reset).toBe(false);
    expect(rates.deltas).toEqual({ commands: 1000, hits: 300, misses: 100, evicted: 50, expired: 20 });
    expect(rates.opsPerSec).toBe(500);
    expect(rates.evictionsPerSec).toBe(25);
    expect(rates.expirationsPerSec).toBe(10);
    expect(rates.lookups).toBe(400);
    expect(rates.hitRate).toBe(0.75);
  });

  it('says nothing about the window when the server restarted or counters were reset', () => {
    const afterRestart = editInfo(later(before, 1000, { hits: 5 }), { server: { run_id: 'f'.repeat(40) } });
    const afterResetstat = editInfo(later(before, 1000, {}), { stats: { keyspace_hits: 0, keyspace_misses: 0 } });
    for (const after of [afterRestart, afterResetstat]) {
      const rates = computeInfoRates(parseInfo(before), parseInfo(after), 1000);
      expect(rates.reset).toBe(true);
      expect(rates.opsPerSec).toBeNull();
      expect(rates.hitRate).toBeNull();
      expect(rates.deltas.evicted).toBeNull();
    }
  });

  it('the lifetime hit rate is hits over lookups since start', () => {
    const counters = readCounters(parseInfo(before));
    const rate = lifetimeHitRate(parseInfo(before));
    if (counters.hits! + counters.misses! === 0) expect(rate).toBeNull();
    else expect(rate).toBeCloseTo(counters.hits! / (counters.hits! + counters.misses!), 12);
  });
});

describe('computeInfoRates edge cases', () => {
  const base = readInfoSample('redis-7.2');

  it('falls back to our clock when the server does not report its time', () => {
    const before = editInfo(base, { server: { server_time_usec: null } });
    const after = editInfo(later(base, 9999, { commands: 40 }), { server: { server_time_usec: null } });
    const rates = computeInfoRates(parseInfo(before), parseInfo(after), 4000);
    expect(rates.clock).toBe('local');
    expect(rates.windowMs).toBe(4000);
    expect(rates.opsPerSec).toBe(10);
  });

  it('has no hit rate over a window without lookups, and says how many lookups there were', () => {
    const rates = computeInfoRates(parseInfo(base), parseInfo(later(base, 1000, { commands: 10 })), 1000);
    expect(rates.lookups).toBe(0);
    expect(rates.hitRate).toBeNull();
  });

  it('leaves a rate null when a sample lacks its counter, and computes the others', () => {
    const after = editInfo(later(base, 1000, { hits: 10, misses: 10 }), { stats: { evicted_keys: null } });
    const rates = computeInfoRates(parseInfo(base), parseInfo(after), 1000);
    expect(rates.evictionsPerSec).toBeNull();
    expect(rates.hitRate).toBe(0.5);
  });

  it('a zero-length window has no rates', () => {
    const rates = computeInfoRates(parseInfo(base), parseInfo(base), 0);
    expect(rates.windowMs).toBe(0);
    expect(rates.opsPerSec).toBeNull();
  });

  it('never reports negative ops when the sampler ran more commands than the server counted', () => {
    const rates = computeInfoRates(parseInfo(base), parseInfo(later(base, 1000, {})), 1000, { ownCommands: 1 });
    expect(rates.deltas.commands).toBe(0);
    expect(rates.opsPerSec).toBe(0);
  });
});

describe('combineInfoRates', () => {
  const base = readInfoSample('redis-8.0');
  const rates = (ms: number, by: Parameters<typeof later>[2]) => computeInfoRates(parseInfo(base), parseInfo(later(base, ms, by)), ms);

  it('sums deltas so the hit rate is weighted by each server\'s lookups', () => {
    const busy = rates(1000, { commands: 1000, hits: 900, misses: 100, evicted: 4 });
    const quiet = rates(1010, { commands: 10, hits: 0, misses: 10 });
    const total = combineInfoRates([busy, quiet])!;
    expect(total.windowMs).toBe(1010);
    expect(total.deltas).toEqual({ commands: 1010, hits: 900, misses: 110, evicted: 4, expired: 0 });
    expect(total.hitRate).toBeCloseTo(900 / 1010, 12);
    expect(total.opsPerSec).toBeCloseTo(1010 / 1.01, 9);
  });

  it('leaves out servers whose window was reset, and has nothing to say without servers', () => {
    const good = rates(1000, { hits: 1, misses: 1 });
    const reset = computeInfoRates(parseInfo(base), parseInfo(editInfo(base, { server: { run_id: 'x' } })), 1000);
    expect(combineInfoRates([good, reset])!.deltas.hits).toBe(1);
    expect(combineInfoRates([reset])!.reset).toBe(true);
    expect(combineInfoRates([])).toBeNull();
  });
});
