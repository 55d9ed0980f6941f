import { describe, expect, it } from 'vitest';
import type { NodeRow } from '../../src/core/dashboard/snapshot.js';
import type { NodeSort } from '../../src/core/dashboard/sort.js';
import { nextSort, NODE_SORTS, sortNodes } from '../../src/core/dashboard/sort.js';
import {
  evictionSeverity,
  fragmentationSeverity,
  hitRateSeverity,
  latencySeverity,
  memorySeverity,
  replicationSeverity,
} from '../../src/core/dashboard/thresholds.js';
import { THRESHOLDS } from '../../src/core/memory/memory-findings.js';
import { nodeRow } from '../helpers/dashboard-rows.js';

const addresses = (rows: NodeRow[]) => rows.map((row) => row.address);

describe('sortNodes', () => {
  const rows = [
    nodeRow({ address: 'a:1', opsPerSec: 10, hitRate: 0.9, p99Ms: 1, memoryUsage: 0.5, evictionsPerSec: 0 }),
    nodeRow({ address: 'b:1', opsPerSec: 300, hitRate: 0.4, p99Ms: 9, memoryUsage: 0.95, evictionsPerSec: 5 }),
    nodeRow({ address: 'c:1', status: 'down' }),
    nodeRow({ address: 'd:1', opsPerSec: 50, hitRate: null, p99Ms: 3, memoryUsage: null, usedBytes: 10, evictionsPerSec: 1 }),
  ];

  it('keeps the topology order by default', () => {
    expect(addresses(sortNodes(rows, 'topology'))).toEqual(['a:1', 'b:1', 'c:1', 'd:1']);
  });

  it('puts down nodes first, then the worst figure first, missing figures last', () => {
    expect(addresses(sortNodes(rows, 'ops'))).toEqual(['c:1', 'b:1', 'd:1', 'a:1']);
    expect(addresses(sortNodes(rows, 'hit-rate'))).toEqual(['c:1', 'b:1', 'a:1', 'd:1']);
    expect(addresses(sortNodes(rows, 'p99'))).toEqual(['c:1', 'b:1', 'd:1', 'a:1']);
    expect(addresses(sortNodes(rows, 'memory'))).toEqual(['c:1', 'b:1', 'a:1', 'd:1']);
    expect(addresses(sortNodes(rows, 'evictions'))).toEqual(['c:1', 'b:1', 'd:1', 'a:1']);
  });

  it('cycles through every order and back', () => {
    let sort: NodeSort = NODE_SORTS[0];
    const seen: NodeSort[] = [sort];
    for (let i = 1; i < NODE_SORTS.length; i += 1) seen.push((sort = nextSort(sort)));
    expect(seen).toEqual([...NODE_SORTS]);
    expect(nextSort(sort)).toBe('topology');
  });
});

describe('thresholds', () => {
  const enough = THRESHOLDS.hitRateMinLookups;
  it('hit rate: < 70% warns, < 50% is critical, too few lookups are not judged', () => {
    expect(hitRateSeverity(0.95, enough)).toBe('ok');
    expect(hitRateSeverity(0.69, enough)).toBe('warning');
    expect(hitRateSeverity(0.49, enough)).toBe('critical');
    expect(hitRateSeverity(0.1, enough - 1)).toBe('ok');
    expect(hitRateSeverity(null, null)).toBe('ok');
  });

  it('evictions: any is a warning', () => {
    expect(evictionSeverity(0)).toBe('ok');
    expect(evictionSeverity(0.5)).toBe('warning');
    expect(evictionSeverity(null)).toBe('ok');
  });

  it('memory: 75% warns, 90% is critical', () => {
    expect(memorySeverity(0.74)).toBe('ok');
    expect(memorySeverity(0.8)).toBe('warning');
    expect(memorySeverity(0.9)).toBe('critical');
    expect(memorySeverity(null)).toBe('ok');
  });

  it('latency: over the limit warns, over five times it is critical', () => {
    expect(latencySeverity(9.9, 10)).toBe('ok');
    expect(latencySeverity(10.1, 10)).toBe('warning');
    expect(latencySeverity(51, 10)).toBe('critical');
    expect(latencySeverity(null, 10)).toBe('ok');
  });

  it('fragmentation: a high ratio warns only when it wastes real memory', () => {
    expect(fragmentationSeverity(3, 1024)).toBe('ok');
    expect(fragmentationSeverity(1.6, THRESHOLDS.fragmentationMinBytes)).toBe('warning');
    expect(fragmentationSeverity(1.2, THRESHOLDS.fragmentationMinBytes * 4)).toBe('ok');
  });

  it('replication: a replica with its link down is critical', () => {
    const replication = { linkStatus: 'down', lagSeconds: null, lagBytes: null };
    expect(replicationSeverity({ role: 'replica', replication })).toBe('critical');
    expect(replicationSeverity({ role: 'replica', replication: { ...replication, linkStatus: 'up' } })).toBe('ok');
    expect(replicationSeverity({ role: 'master', replication })).toBe('ok');
  });
});
