// What the dashboard's help screen says after the keys: what the colours and marks mean, and where
// each column's figures come from.

import { THRESHOLDS } from '../../core/memory/memory-findings.js';
import type { Segment } from '../shared/segment.js';

export function topHelpNotes(latencyLimitMs: number): Segment[][] {
  const pct = (ratio: number) => `${Math.round(ratio * 100)}%`;
  return [
    [{ text: 'colours', bold: true }],
    [
      { text: '  hit rate ' },
      { text: `< ${pct(THRESHOLDS.hitRateWarning)}`, tone: 'warning' },
      { text: ' / ' },
      { text: `< ${pct(THRESHOLDS.hitRateCritical)}`, tone: 'critical' },
      { text: ` (over the last interval, from ${THRESHOLDS.hitRateMinLookups} lookups)` },
    ],
    [{ text: '  memory ' }, { text: `≥ ${pct(THRESHOLDS.memoryWarning)}`, tone: 'warning' }, { text: ' / ' }, { text: `≥ ${pct(THRESHOLDS.memoryCritical)}`, tone: 'critical' }, { text: ' of maxmemory' }],
    [{ text: '  p99 and max ' }, { text: `> ${latencyLimitMs} ms`, tone: 'warning' }, { text: ' / ' }, { text: `> ${latencyLimitMs * 5} ms`, tone: 'critical' }, { text: ' (--latency-limit)' }],
    [{ text: '  evictions ' }, { text: '> 0', tone: 'warning' }, { text: ' · ' }, { text: 'DOWN', tone: 'critical', bold: true }, { text: ' a node that does not answer; retried with backoff' }],
    [{ text: 'columns', bold: true }],
    [{ text: '  P50/P99/MAX ms: PING round trips over the last 10 s (max includes a PING still waiting)' }],
    [{ text: '  SRVµs: mean execution time per call over the last interval (commandstats; cachectl\'s own commands left out)' }],
    [{ text: '  ROLE M master, R replica; * no INFO answer yet this refresh (figures from the last one)' }],
    [{ text: '  LAG: replica behind its master (bytes not acknowledged, or seconds); MAX% share of maxmemory' }],
    [{ text: '  detail: dimmed commands include cachectl\'s own INFO, PING, SLOWLOG and CONFIG GET' }],
  ];
}
