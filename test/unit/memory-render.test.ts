import { describe, expect, it } from 'vitest';
import { parseInfo } from '../../src/base/info.js';
import { computeInfoRates, lifetimeHitRate, readCounters } from '../../src/core/memory/info-rates.js';
import { readMemoryFigures } from '../../src/core/memory/memory-figures.js';
import { memoryFindings, nodeDownFinding, sortFindings } from '../../src/core/memory/memory-findings.js';
import type { MemoryNodeReport, MemoryReport } from '../../src/core/memory/memory-report.js';
import { DEFAULT_SAMPLE_KEYS } from '../../src/core/memory/keyspace-kinds.js';
import { exitCodeFor, memorySettings } from '../../src/cli/commands/memory.js';
import { renderMemoryReport } from '../../src/render/memory.js';
import { advanceInfo, editInfo, readInfoSample } from '../helpers/info-text.js';
import type { InfoSampleName } from '../helpers/info-text.js';

function upNode(address: string, sample: InfoSampleName, window: boolean, edits = {}): MemoryNodeReport {
  const text = editInfo(readInfoSample(sample), edits);
  const after = window ? advanceInfo(text, 1000, { commands: 500, hits: 10, misses: 190, evicted: 30 }) : text;
  const info = parseInfo(after);
  const figures = readMemoryFigures(info);
  const rates = window ? computeInfoRates(parseInfo(text), info, 1000) : null;
  const role = figures.replication.role ?? 'master';
  return {
    address,
    role,
    master: null,
    status: 'up',
    error: null,
    figures,
    counters: readCounters(info),
    lifetimeHitRate: lifetimeHitRate(info),
    rates,
    doctor: null,
    notes: [],
    findings: memoryFindings({ address, role, figures, rates }),
  };
}

function downNode(address: string): MemoryNodeReport {
  return {
    address,
    role: 'replica',
    master: null,
    status: 'down',
    error: { code: 'CONNECT', message: 'cannot connect: connection refused' },
    figures: null,
    counters: null,
    lifetimeHitRate: null,
    rates: null,
    doctor: null,
    notes: [],
    findings: [nodeDownFinding(address, 'cannot connect: connection refused')],
  };
}

function report(nodes: MemoryNodeReport[], intervalMs: number): MemoryReport {
  const up = nodes.filter((node) => node.status === 'up');
  const sum = (pick: (node: MemoryNodeReport) => number | null | undefined) => up.reduce((total, node) => total + (pick(node) ?? 0), 0);
  return {
    topology: 'cluster',
    sampledAt: '2026-01-01T00:00:00.000Z',
    intervalMs,
    partial: false,
    keyspace: null,
    nodes,
    total: {
      nodes: nodes.length,
      nodesUp: up.length,
      usedBytes: sum((n) => n.figures?.usedBytes),
      rssBytes: null,
      peakBytes: null,
      datasetBytes: null,
      overheadBytes: null,
      countedBytes: sum((n) => n.figures?.countedBytes),
      maxmemoryBytes: null,
      maxmemoryUsage: null,
      headroomBytes: null,
      keys: sum((n) => n.figures?.keys),
      keysWithExpiry: null,
      keysWithoutExpiry: null,
      evictedKeys: null,
      expiredKeys: null,
      lazyfreePendingObjects: null,
      rates: up[0]?.rates ?? null,
      lifetimeHitRate: null,
    },
    findings: sortFindings(nodes.flatMap((node) => node.findings)),
  };
}

describe('renderMemoryReport', () => {
  it('shows every node, DOWN for the unreachable one, and n/a where the server did not say', () => {
    // The 7.4 sample reports neither RSS nor peak; the 6.2 sample is 49% of a 2 GiB limit.
    const text = renderMemoryReport(report([upNode('10.0.0.1:6379', 'redis-6.2', true), upNode('10.0.0.2:6379', 'redis-7.4', true), downNode('10.0.0.3:6379')], 1000), false);
    const line = (start: string, section: string) => text.split(`\n${section}\n`)[1]!.split('\n').find((l) => l.startsWith(start))!;
    expect(text.split('\n')[0]).toBe('cluster: 3 data nodes, 1 down; sampled twice, 1s apart');
    expect(line('10.0.0.1:6379', 'MEMORY')).toMatch(/master\s+up\s+1000 MiB\s+2\.0 GiB\s+49%/);
    expect(line('10.0.0.2:6379', 'MEMORY').split(/\s{2,}/)).toEqual(expect.arrayContaining(['n/a']));
    expect(line('10.0.0.3:6379', 'MEMORY')).toMatch(/replica\s+DOWN\s+-/);
    expect(line('TOTAL', 'MEMORY')).toMatch(/2\/3 up/);
    // 10 hits of 200 lookups over the window; the lifetime rate of the 6.2 sample is far higher.
    expect(line('10.0.0.1:6379', 'TRAFFIC (rates over the 1s window)')).toMatch(/allkeys-lru\s+30\s+30\s+0\.0\s+500\s+5\.0%\s+96\.\d%/);
    expect(text).toContain('CRITICAL  10.0.0.3:6379  node-down: 10.0.0.3:6379 is down: cannot connect: connection refused');
    expect(text).toContain('CRITICAL  10.0.0.1:6379  hit-rate-low: hit rate 5.0% over the last 1s (200 lookups, 190 misses)');
    expect(text).toMatch(/→ keys expire or are evicted/);
    expect(text).not.toContain('\x1b[');
  });

  it('a single sample has no rates, and a healthy report says so', () => {
    const healthy = { memory: { used_memory: 100 * 2 ** 20, used_memory_rss: 110 * 2 ** 20, used_memory_peak: 100 * 2 ** 20, mem_fragmentation_ratio: 1.1, maxmemory: 2 ** 30 } };
    const text = renderMemoryReport(report([upNode('10.0.0.1:6379', 'redis-8.0', false, healthy)], 0), false);
    expect(text.split('\n')[0]).toBe('cluster: 1 data node; single sample');
    expect(text).toContain('TRAFFIC (single sample: no rates)');
    expect(text).toMatch(/10\.0\.0\.1:6379\s+allkeys-lfu\s+\d+\s+-\s+-\s+-\s+-/);
    expect(text).toContain('FINDINGS\nnone: memory, evictions, fragmentation and hit rate look healthy');
  });

  it('appends MEMORY DOCTOR per node and colours cells by their findings when colour is on', () => {
    const node = upNode('10.0.0.1:6379', 'redis-6.2', true);
    node.doctor = 'Sam, I detected a few issues in this Redis instance memory implants:\n\n * Peak memory: ...\n';
    const text = renderMemoryReport(report([node], 1000), true);
    expect(text).toContain('MEMORY DOCTOR 10.0.0.1:6379\nSam, I detected a few issues');
    // The window hit rate is critical (red, bold); the node status is green.
    expect(text).toContain('\x1b[31m\x1b[1m5.0%');
    expect(text).toContain('\x1b[32mup');
  });
});

describe('memory command flags and exit codes', () => {
  it('parses --interval as a duration, 0 included, and names the flag when it is not one', () => {
    expect(memorySettings({}).report).toEqual({ intervalMs: 1000, doctor: false, sampleKeys: DEFAULT_SAMPLE_KEYS });
    expect(memorySettings({ interval: '250ms', doctor: true, sampleKeys: '0' }).report).toEqual({ intervalMs: 250, doctor: true, sampleKeys: 0 });
    expect(memorySettings({ interval: '0' }).report.intervalMs).toBe(0);
    expect(() => memorySettings({ interval: 'soon' })).toThrow(/^--interval expects a duration/);
    expect(() => memorySettings({ interval: '-1s' })).toThrow(/^--interval/);
  });

  it('accepts --fail-on warning or critical only', () => {
    expect(memorySettings({ failOn: 'warning' }).failOn).toBe('warning');
    expect(memorySettings({ failOn: 'CRITICAL' }).failOn).toBe('critical');
    expect(() => memorySettings({ failOn: 'ok' })).toThrow(/^--fail-on expects warning or critical, got "ok"/);
  });

  it('exits 2 for a node down whatever --fail-on says, 1 for a finding at or above --fail-on, else 0', () => {
    const warning = report([upNode('10.0.0.1:6379', 'redis-7.0', false)], 0);
    expect(warning.findings.map((f) => f.severity)).toContain('warning');
    expect(warning.findings.map((f) => f.severity)).not.toContain('critical');
    expect(exitCodeFor(warning, null)).toBe(0);
    expect(exitCodeFor(warning, 'critical')).toBe(0);
    expect(exitCodeFor(warning, 'warning')).toBe(1);
    const withDown = report([upNode('10.0.0.1:6379', 'redis-7.0', false), downNode('10.0.0.2:6379')], 0);
    expect(exitCodeFor(withDown, null)).toBe(2);
    expect(exitCodeFor(withDown, 'warning')).toBe(2);
    expect(exitCodeFor({ ...warning, partial: true }, 'warning')).toBe(130);
  });
});
