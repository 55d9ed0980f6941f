// The namespace panel's lines: rows by traffic, the rows that do not fit summed in one line and a
// total line, so the parts shown always add up to the whole; states said, never left blank.
import { describe, expect, it } from 'vitest';
import type { LiveTrafficView } from '../../src/core/traffic/live-traffic.js';
import type { TrafficNamespaceRow } from '../../src/core/traffic/sample-traffic.js';
import { trafficLines } from '../../src/tui/top/TrafficPanel.js';

function row(namespace: string, ops: number, reads: number, misses: number | null): TrafficNamespaceRow {
  return {
    namespace,
    ops,
    opsPerSec: ops,
    reads,
    readsPerSec: reads,
    writes: ops - reads,
    writesPerSec: ops - reads,
    deletes: 0,
    expires: 0,
    other: 0,
    misses,
    missesPerSec: misses,
    hitRate: misses === null || reads === 0 ? null : (reads - misses) / reads,
    share: 0,
    writesWithoutTtl: 0,
    writesWithTtl: 0,
  };
}

function view(rows: TrafficNamespaceRow[], extra: Partial<LiveTrafficView> = {}): LiveTrafficView {
  const total = rows.reduce((sum, r) => sum + r.ops, 0);
  for (const r of rows) r.share = r.ops / total;
  const reads = rows.reduce((sum, r) => sum + r.reads, 0);
  const misses = rows.every((r) => r.misses !== null) ? rows.reduce((sum, r) => sum + (r.misses ?? 0), 0) : null;
  return {
    address: '127.0.0.1:7000',
    state: 'sampling',
    elapsedMs: 1000,
    node: { address: '127.0.0.1:7000', opsPerSecBefore: 0, commands: total, own: 0, malformed: 0, missEvents: 'on', missEventsSeen: 0, peakBufferBytes: 0 },
    hitRates: misses !== null,
    totals: { ...row('total', total, reads, misses), keyless: 0 },
    namespaces: rows,
    hotKeys: [],
    stampedes: [],
    writeHeavy: [],
    neverExpiring: [],
    ...extra,
  };
}

const text = (lines: ReturnType<typeof trafficLines>) => lines.map((line) => line.map((segment) => segment.text).join(''));

describe('trafficLines', () => {
  it('shows every row that fits, then the total', () => {
    const out = text(trafficLines(view([row('app:user:‹id›', 600, 500, 50), row('sess:‹token›', 400, 400, 0)]), '127.0.0.1:7000', 100, 20));
    expect(out[0]).toMatch(/^namespaces on 127\.0\.0\.1:7000 · sampling 1\.0 s · 1\.0k commands · hit rate 94\.4%/);
    expect(out.some((line) => /app:user:‹id›\s+600\s+60\.0%\s+500\s+100\s+50\s+90\.0%/.test(line))).toBe(true);
    expect(out.at(-1)).toMatch(/total\s+1\.0k\s+100%\s+900/);
    expect(out.some((line) => line.includes('more namespace'))).toBe(false);
  });

  it('sums the rows that do not fit into one line, so shown + rest = total', () => {
    const rows = Array.from({ length: 30 }, (_, i) => row(`ns${i}`, 40 - i, 0, 0));
    const out = text(trafficLines(view(rows), '127.0.0.1:7000', 100, 10));
    expect(out).toHaveLength(10);
    const shown = out.filter((line) => /^ {2}ns\d+ /.test(line)).length;
    const rest = out.find((line) => line.includes('more namespaces'));
    expect(rest).toMatch(new RegExp(`… ${30 - shown} more namespaces`));
    const restOps = rows.slice(shown).reduce((sum, r) => sum + r.ops, 0);
    expect(rest).toMatch(new RegExp(`\\s${restOps}\\s`));
    expect(out.at(-1)).toMatch(/^ {2}total/);
  });

  it('says why there is no hit rate, and why sampling stopped', () => {
    const stopped = view([row('a', 10, 10, null)], { state: 'stopped', reason: 'the server held 40000000 bytes for the monitor connection' });
    stopped.node.missEventsReason = "notify-keyspace-events is '' (key-miss events off)";
    const out = text(trafficLines(stopped, '127.0.0.1:7000', 200, 20));
    expect(out[0]).toMatch(/sampled 1\.0 s/);
    expect(out[1]).toBe('  stopped: the server held 40000000 bytes for the monitor connection');
    expect(out[2]).toMatch(/no hit rates: notify-keyspace-events is '' \(key-miss events off\); `cachectl traffic --enable-miss-events`/);
  });

  it('says when it is starting, when nothing was seen yet, and what failed to open', () => {
    expect(text(trafficLines(undefined, '127.0.0.1:7000', 80, 5))).toEqual(['namespaces on 127.0.0.1:7000 · starting MONITOR…']);
    expect(text(trafficLines(view([]), '127.0.0.1:7000', 80, 5)).at(-1)).toBe('  no key accesses yet');
    expect(text(trafficLines('127.0.0.1:7000 is no longer part of the topology', '127.0.0.1:7000', 200, 5))).toEqual(['namespaces on 127.0.0.1:7000: 127.0.0.1:7000 is no longer part of the topology']);
  });

  it('never draws past the width', () => {
    const out = text(trafficLines(view([row('x'.repeat(200), 5, 5, 0)]), '127.0.0.1:7000', 60, 10));
    for (const line of out) expect(line.length).toBeLessThanOrEqual(60);
  });
});
