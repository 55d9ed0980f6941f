import { describe, expect, it } from 'vitest';
import { parseInfo } from '../../src/base/info.js';
import { computeInfoRates } from '../../src/core/memory/info-rates.js';
import type { InfoRates } from '../../src/core/memory/info-rates.js';
import type { MemoryConfig } from '../../src/core/memory/memory-figures.js';
import { readMemoryFigures } from '../../src/core/memory/memory-figures.js';
import type { Finding } from '../../src/core/memory/memory-findings.js';
import { memoryFindings, nodeDownFinding, sortFindings, THRESHOLDS, worstSeverity } from '../../src/core/memory/memory-findings.js';
import type { CounterAdvance, InfoEdits } from '../helpers/info-text.js';
import { advanceInfo, editInfo, INFO_SAMPLES, readInfoSample } from '../helpers/info-text.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Every sample made healthy: a limit with room, an allkeys policy, little fragmentation, no spike. */
const HEALTHY: InfoEdits = {
  memory: {
    used_memory: 100 * MiB,
    used_memory_rss: 110 * MiB,
    used_memory_peak: 105 * MiB,
    mem_not_counted_for_evict: 0,
    maxmemory: GiB,
    maxmemory_policy: 'allkeys-lru',
    mem_fragmentation_ratio: 1.1,
    mem_fragmentation_bytes: 10 * MiB,
  },
};

interface Case {
  edits?: InfoEdits;
  role?: 'master' | 'replica';
  config?: MemoryConfig;
  /** Counters advanced over a 1 s window; without it, a single sample. */
  window?: CounterAdvance;
}

function merge(a: InfoEdits, b: InfoEdits = {}): InfoEdits {
  const out: InfoEdits = { ...a };
  for (const [section, fields] of Object.entries(b)) out[section] = { ...(out[section] ?? {}), ...fields };
  return out;
}

describe.each(INFO_SAMPLES)('memory findings on %s', (name) => {
  const healthy = editInfo(readInfoSample(name), HEALTHY);

  const findings = (c: Case = {}): Finding[] => {
    const text = editInfo(healthy, c.edits ?? {});
    let rates: InfoRates | null = null;
    if (c.window !== undefined) rates = computeInfoRates(parseInfo(text), parseInfo(advanceInfo(text, 1000, c.window)), 1000);
    return memoryFindings({ address: '10.0.0.1:6379', role: c.role ?? 'master', figures: readMemoryFigures(parseInfo(text), c.config), rates });
  };
  const only = (c: Case): Finding => {
    const list = findings(c);
    expect(list.map((f) => f.id)).toHaveLength(1);
    return list[0]!;
  };
  const ids = (c: Case): string[] => findings(c).map((f) => `${f.id}:${f.severity}`);

  const keyspace = (keys: number, expires: number): InfoEdits => ({
    keyspace: { db0: `keys=${keys},expires=${expires},avg_ttl=0`, db1: null, db2: null, db3: null, db15: null },
  });

  it('a healthy server has no findings, with or without a quiet window', () => {
    expect(findings()).toEqual([]);
    expect(findings({ window: { commands: 1000, hits: 990, misses: 10 } })).toEqual([]);
  });

  it('maxmemory-unset: a master without a limit', () => {
    const finding = only({ edits: { memory: { maxmemory: 0 } } });
    expect(finding).toMatchObject({ id: 'maxmemory-unset', severity: 'warning', node: '10.0.0.1:6379' });
    expect(finding.figures.maxmemoryBytes).toBe(0);
    // A replica follows its master's evictions: its own limit is not the question.
    expect(findings({ edits: { memory: { maxmemory: 0 } }, role: 'replica' })).toEqual([]);
  });

  it('memory-high: warning from 75% of maxmemory, critical from 90% unless the policy can evict every key', () => {
    expect(findings({ edits: { memory: { used_memory: 700 * MiB } } })).toEqual([]);
    expect(ids({ edits: { memory: { used_memory: 800 * MiB } } })).toEqual(['memory-high:warning']);
    expect(ids({ edits: { memory: { used_memory: 950 * MiB } } })).toEqual(['memory-high:warning']);
    expect(ids({ edits: merge({ memory: { used_memory: 950 * MiB, maxmemory_policy: 'volatile-ttl' } }, keyspace(1000, 1000)) })).toEqual(['memory-high:critical']);
    const finding = findings({ edits: { memory: { used_memory: 800 * MiB } } })[0]!;
    expect(finding.figures.usage).toBeCloseTo(800 / 1024, 12);
    expect(finding.figures.headroomBytes).toBe(224 * MiB);
    expect(finding.message).toContain('78%');
  });

  it('memory-high leaves out the buffers maxmemory does not count', () => {
    expect(findings({ edits: { memory: { used_memory: 950 * MiB, mem_not_counted_for_evict: 300 * MiB } } })).toEqual([]);
  });

  it('noeviction-near-limit: writes will fail (warning), then fail (critical), with the OOM refusals seen', () => {
    expect(ids({ edits: { memory: { used_memory: 800 * MiB, maxmemory_policy: 'noeviction' } } })).toEqual(['memory-high:warning', 'noeviction-near-limit:warning']);
    const critical = findings({ edits: merge({ memory: { used_memory: 1000 * MiB, maxmemory_policy: 'noeviction' } }, { errorstats: { errorstat_OOM: 'count=42' } }) });
    expect(critical.map((f) => `${f.id}:${f.severity}`)).toEqual(['memory-high:critical', 'noeviction-near-limit:critical']);
    const finding = critical.find((f) => f.id === 'noeviction-near-limit')!;
    expect(finding.figures.oomErrors).toBe(42);
    expect(finding.message).toContain('42 commands refused with OOM');
    expect(finding.advice).toContain('allkeys-lru');
    // The policy comes from CONFIG when it was readable.
    expect(ids({ edits: { memory: { used_memory: 800 * MiB } }, config: { maxmemoryPolicy: 'noeviction' } })).toContain('noeviction-near-limit:warning');
  });

  it('volatile-policy-without-ttl: most keys cannot be evicted; critical once memory is nearly full', () => {
    const lru = { memory: { maxmemory_policy: 'volatile-lru' } };
    const warning = only({ edits: merge(lru, keyspace(1000, 100)) });
    expect(warning).toMatchObject({ id: 'volatile-policy-without-ttl', severity: 'warning' });
    expect(warning.figures).toMatchObject({ keys: 1000, keysWithoutExpiry: 900, shareWithoutExpiry: 0.9 });
    expect(ids({ edits: merge(merge(lru, keyspace(1000, 0)), { memory: { used_memory: 1000 * MiB } }) })).toContain('volatile-policy-without-ttl:critical');
    expect(findings({ edits: merge(lru, keyspace(1000, 900)) })).toEqual([]);
    // A handful of keys far from the limit is not judged; the same handful near the limit is.
    expect(findings({ edits: merge(lru, keyspace(10, 0)) })).toEqual([]);
    expect(ids({ edits: merge(merge(lru, keyspace(10, 0)), { memory: { used_memory: 800 * MiB } }) })).toContain('volatile-policy-without-ttl:warning');
    expect(findings({ edits: keyspace(1000, 0) })).toEqual([]);
  });

  it('evictions-now: keys evicted within the window, on masters', () => {
    const finding = only({ window: { commands: 100, evicted: 250 } });
    expect(finding).toMatchObject({ id: 'evictions-now', severity: 'warning' });
    expect(finding.figures).toMatchObject({ evictedInWindow: 250, evictionsPerSec: 250, windowMs: 1000 });
    expect(findings({ window: { commands: 100, evicted: 0 } })).toEqual([]);
    expect(findings({ window: { commands: 100, evicted: 250 }, role: 'replica' })).toEqual([]);
  });

  it(`hit-rate-low: below 70% a warning, below 50% critical, judged from ${THRESHOLDS.hitRateMinLookups} lookups in the window`, () => {
    expect(ids({ window: { hits: 600, misses: 400 } })).toEqual(['hit-rate-low:warning']);
    expect(ids({ window: { hits: 400, misses: 600 } })).toEqual(['hit-rate-low:critical']);
    expect(findings({ window: { hits: 800, misses: 200 } })).toEqual([]);
    expect(findings({ window: { hits: 0, misses: THRESHOLDS.hitRateMinLookups - 1 } })).toEqual([]);
    expect(ids({ window: { hits: 0, misses: THRESHOLDS.hitRateMinLookups } })).toEqual(['hit-rate-low:critical']);
    // Replicas serve reads too.
    expect(ids({ window: { hits: 1, misses: 999 }, role: 'replica' })).toEqual(['hit-rate-low:critical']);
    // No window, no judgement: a lifetime rate mixes in the warm-up and the distant past.
    expect(findings({ edits: { stats: { keyspace_hits: 1, keyspace_misses: 1_000_000 } } })).toEqual([]);
  });

  const fragmented = (parts: Record<string, number | string | null>): InfoEdits => ({
    memory: {
      used_memory: 200 * MiB,
      used_memory_rss: 400 * MiB,
      used_memory_peak: 200 * MiB,
      mem_fragmentation_ratio: 2,
      mem_fragmentation_bytes: 200 * MiB,
      allocator_frag_ratio: 1.02,
      allocator_frag_bytes: 4 * MiB,
      allocator_rss_ratio: 1.02,
      allocator_rss_bytes: 4 * MiB,
      rss_overhead_ratio: 1.02,
      rss_overhead_bytes: 4 * MiB,
      mem_allocator: 'jemalloc-5.3.0',
      ...parts,
    },
  });

  it('fragmentation-high: allocator fragmentation is what active defrag can reclaim', () => {
    const finding = only({ edits: fragmented({ allocator_frag_ratio: 1.9, allocator_frag_bytes: 180 * MiB }), config: { activeDefrag: false } });
    expect(finding).toMatchObject({ id: 'fragmentation-high', severity: 'warning' });
    expect(finding.figures).toMatchObject({ ratio: 2, bytes: 200 * MiB, cause: 'allocator-fragmentation', activeDefragEnabled: false });
    expect(finding.advice).toContain('CONFIG SET activedefrag yes');
    const running = only({ edits: fragmented({ allocator_frag_ratio: 1.9, allocator_frag_bytes: 180 * MiB, active_defrag_running: 1 }), config: { activeDefrag: true } });
    expect(running.advice).toContain('running now');
    const libc = only({ edits: fragmented({ allocator_frag_ratio: 1.9, allocator_frag_bytes: 180 * MiB, mem_allocator: 'libc' }) });
    expect(libc.advice).toContain('not built with jemalloc');
  });

  it('fragmentation-high: retained allocator pages and process overhead are not for active defrag', () => {
    const retained = only({ edits: fragmented({ allocator_rss_ratio: 1.8, allocator_rss_bytes: 150 * MiB }) });
    expect(retained.figures.cause).toBe('allocator-retained');
    expect(retained.advice).toContain('MEMORY PURGE');
    const overhead = only({ edits: fragmented({ rss_overhead_ratio: 1.9, rss_overhead_bytes: 190 * MiB }) });
    expect(overhead.figures.cause).toBe('process-overhead');
    expect(overhead.advice).toContain('would not help');
    const unknown = only({ edits: fragmented({ allocator_frag_ratio: null, allocator_frag_bytes: null, allocator_rss_ratio: null, allocator_rss_bytes: null, rss_overhead_ratio: null, rss_overhead_bytes: null }) });
    expect(unknown.figures.cause).toBe('unknown');
    expect(unknown.message).toContain('does not report the parts');
  });

  it('fragmentation-noise: a high ratio on a nearly empty server is explained, not flagged', () => {
    const finding = only({ edits: { memory: { used_memory: MiB, used_memory_rss: 12 * MiB, used_memory_peak: MiB, mem_fragmentation_ratio: 12, mem_fragmentation_bytes: 11 * MiB } } });
    expect(finding).toMatchObject({ id: 'fragmentation-noise', severity: 'ok' });
    expect(finding.message).toContain('noise');
  });

  it('swapping: RSS well below used memory is critical; a small gap is allocator noise', () => {
    const finding = only({ edits: { memory: { used_memory: 500 * MiB, used_memory_rss: 300 * MiB, used_memory_peak: 500 * MiB, mem_fragmentation_ratio: 0.6, mem_fragmentation_bytes: -200 * MiB } } });
    expect(finding).toMatchObject({ id: 'swapping', severity: 'critical' });
    expect(finding.figures.swappedBytes).toBe(200 * MiB);
    expect(findings({ edits: { memory: { used_memory: 100 * MiB, used_memory_rss: 95 * MiB, mem_fragmentation_ratio: 0.95 } } })).toEqual([]);
  });

  it('peak-far-above-current: informational, a warning when the peak nearly reached maxmemory', () => {
    const info = only({ edits: { memory: { used_memory_peak: 400 * MiB } } });
    expect(info).toMatchObject({ id: 'peak-far-above-current', severity: 'ok' });
    expect(info.figures).toMatchObject({ peakBytes: 400 * MiB, usedBytes: 100 * MiB });
    expect(ids({ edits: { memory: { used_memory_peak: 1000 * MiB } } })).toEqual(['peak-far-above-current:warning']);
    expect(findings({ edits: { memory: { used_memory_peak: 140 * MiB } } })).toEqual([]);
  });

  it('missing fields never crash and never invent a finding', () => {
    const stripped = editInfo(healthy, {
      memory: { used_memory: null, used_memory_rss: null, used_memory_peak: null, maxmemory: null, maxmemory_policy: null, mem_fragmentation_ratio: null },
      stats: { evicted_keys: null, keyspace_hits: null },
    });
    const rates = computeInfoRates(parseInfo(stripped), parseInfo(stripped), 1000);
    expect(memoryFindings({ address: 'a:1', role: 'master', figures: readMemoryFigures(parseInfo(stripped)), rates })).toEqual([]);
  });
});

describe('finding helpers', () => {
  it('orders most severe first, keeps node order within a severity, and names the worst', () => {
    const a = nodeDownFinding('a:1', 'connection refused');
    const base = { advice: '', figures: {}, message: '' };
    const list: Finding[] = [
      { ...base, id: 'fragmentation-noise', severity: 'ok', node: 'b:1' },
      { ...base, id: 'memory-high', severity: 'warning', node: 'b:1' },
      a,
      { ...base, id: 'evictions-now', severity: 'warning', node: 'c:1' },
    ];
    expect(sortFindings(list).map((f) => `${f.severity}:${f.node}`)).toEqual(['critical:a:1', 'warning:b:1', 'warning:c:1', 'ok:b:1']);
    expect(worstSeverity(list)).toBe('critical');
    expect(worstSeverity([])).toBeNull();
    expect(a).toMatchObject({ id: 'node-down', severity: 'critical', figures: { reason: 'connection refused' } });
  });
});

// No libc-built server is available to the tests (every build here uses jemalloc, and the allocator
// is chosen at compile time), so this is the INFO a Redis 7 built with MALLOC=libc prints, recorded
// by hand from its source: the allocator_* fields are stand-ins made from RSS and used memory.
describe('a server built with the libc allocator', () => {
  const used = 1 * GiB;
  const rss = 2 * GiB;
  const libc = editInfo(readInfoSample('redis-7.0-full'), {
    memory: {
      mem_allocator: 'libc',
      used_memory: used,
      used_memory_rss: rss,
      used_memory_peak: 3 * GiB,
      allocator_allocated: used,
      allocator_active: rss,
      allocator_resident: rss,
      allocator_frag_ratio: '2.00',
      allocator_frag_bytes: rss - used,
      allocator_rss_ratio: '1.00',
      allocator_rss_bytes: 0,
      rss_overhead_ratio: '1.00',
      rss_overhead_bytes: 0,
      mem_fragmentation_ratio: '2.00',
      mem_fragmentation_bytes: rss - used,
    },
  });
  const figures = readMemoryFigures(parseInfo(libc), { maxmemory: 4 * GiB, maxmemoryPolicy: 'allkeys-lru', activeDefrag: false });

  it('reports no allocator parts: the server\'s placeholders are not measurements', () => {
    expect(figures.fragmentation).toMatchObject({
      ratio: 2,
      allocator: 'libc',
      allocatorFragRatio: null,
      allocatorFragBytes: null,
      allocatorRssRatio: null,
      allocatorRssBytes: null,
      rssOverheadRatio: null,
      rssOverheadBytes: null,
    });
  });

  it('explains high fragmentation without parts it cannot know, and never advises MEMORY PURGE or active defrag', () => {
    const list = memoryFindings({ address: '10.0.0.1:6379', role: 'master', figures, rates: null });
    const frag = list.find((f) => f.id === 'fragmentation-high')!;
    expect(frag.message).toContain('the libc allocator does not measure its parts');
    expect(frag.message).not.toContain('no single part stands out');
    expect(frag.advice).toContain('not built with jemalloc');
    for (const finding of list) expect(`${finding.message} ${finding.advice}`).not.toMatch(/MEMORY PURGE (asks|or a restart returns)|CONFIG SET activedefrag/);
    const peak = list.find((f) => f.id === 'peak-far-above-current');
    expect(peak?.advice).toContain('a restart returns them (MEMORY PURGE does nothing without jemalloc)');
  });
});
