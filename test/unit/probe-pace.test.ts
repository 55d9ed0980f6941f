// The latency probe's pace: redis-cli --latency's 10 ms per node for a lone node and for a Cluster or
// Sentinel group of up to 10 nodes, spread over a budget of PINGs per second past that, and never
// slower than 100 ms per node.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROBE_INTERVAL_MS, MAX_PROBE_PINGS_PER_SECOND, probeIntervalMs } from '../../src/core/dashboard/latency-probe.js';

describe('probeIntervalMs', () => {
  it("is redis-cli --latency's 10 ms for a lone node and for every node of a 6-node Cluster", () => {
    expect(DEFAULT_PROBE_INTERVAL_MS).toBe(10);
    expect(probeIntervalMs(1)).toBe(10);
    expect(probeIntervalMs(6)).toBe(10);
    expect(probeIntervalMs(10)).toBe(10);
  });

  it('keeps all nodes together within the budget', () => {
    for (const nodes of [2, 3, 6, 9, 10, 11, 30, 100]) {
      expect((nodes * 1000) / probeIntervalMs(nodes)).toBeLessThanOrEqual(MAX_PROBE_PINGS_PER_SECOND);
    }
    expect(probeIntervalMs(30)).toBe(30);
  });

  it('never PINGs a node less often than every 100 ms', () => {
    expect(probeIntervalMs(100)).toBe(100);
    expect(probeIntervalMs(500)).toBe(100);
  });
});
