// The dashboard's top lines: what is watched (topology, nodes, version, refresh, sort, pause), the
// totals over every node that answers, and the target (context, seeds, db) when the CLI names it.

import { Box } from 'ink';
import type { ReactElement } from 'react';
import type { DashboardSnapshot } from '../../core/dashboard/snapshot.js';
import { evictionSeverity, hitRateSeverity, latencySeverity } from '../../core/dashboard/thresholds.js';
import type { Segment } from '../shared/segment.js';
import { formatDuration } from '../../base/duration.js';
import { compactBytes, compactNumber, millis, percent } from '../shared/format.js';
import { Line } from '../shared/Line.js';

export interface HeaderProps {
  snapshot: DashboardSnapshot | undefined;
  sortLabel: string;
  paused: boolean;
  /** The last refresh failed (the rows are from an earlier one). */
  error: string | null;
  latencyLimitMs: number;
  color: boolean;
  /** What is watched, in words (context, topology, seeds, db): a third line when given. */
  target?: string | undefined;
}

const KIND: Record<DashboardSnapshot['topology']['kind'], string> = { standalone: 'single node', cluster: 'Cluster', sentinel: 'Sentinel' };

export function Header({ snapshot, sortLabel, paused, error, latencyLimitMs, color, target }: HeaderProps): ReactElement {
  const title: Segment[] = [{ text: 'cachectl top', bold: true, tone: 'accent' }];
  // First, so a narrow terminal never cuts it off.
  if (paused) title.push({ text: ' · PAUSED', tone: 'warning', bold: true });
  if (snapshot !== undefined) {
    const { topology, totals } = snapshot;
    title.push({ text: ` · ${KIND[topology.kind]} · ${totals.nodes} node${totals.nodes === 1 ? '' : 's'}` });
    if (totals.down > 0) title.push({ text: ` (${totals.down} DOWN)`, tone: 'critical', bold: true });
    if (topology.versions.length > 0) title.push({ text: ` · ${topology.versions.join(', ')}${topology.versions.length > 1 ? ' (mixed)' : ''}` });
    title.push({ text: ` · every ${formatDuration(snapshot.refreshMs)} · sort ${sortLabel}` });
    // cachectl's own stalls, named as its own and apart from the servers' figures (node latency is
    // timed in a worker thread and does not include them). Last, so a narrow terminal cuts this
    // rather than the sort order.
    const lag = snapshot.cachectl.eventLoopLag;
    if (lag !== null) title.push({ text: ` · own lag p99 ${millis(lag.p99Ms)}ms`, tone: 'dim' });
  } else {
    title.push({ text: ' · connecting…' });
  }

  const line2: Segment[] = [];
  if (snapshot !== undefined) {
    const { totals } = snapshot;
    const tone = (severity: string) => (severity === 'ok' ? undefined : (severity as Segment['tone']));
    const memory = totals.maxmemoryBytes === null ? compactBytes(totals.usedBytes) : `${compactBytes(totals.usedBytes)}/${compactBytes(totals.maxmemoryBytes)}`;
    line2.push(
      { text: `ops/s ${compactNumber(totals.opsPerSec)}` },
      { text: ' · hit ' },
      { text: percent(totals.hitRate), tone: tone(hitRateSeverity(totals.hitRate, totals.lookups)) },
      { text: ' · evict/s ' },
      { text: compactNumber(totals.evictionsPerSec), tone: tone(evictionSeverity(totals.evictionsPerSec)) },
      { text: ` · mem ${memory} · keys ${compactNumber(totals.keys)} · clients ${compactNumber(totals.connectedClients)} · p99 ` },
      { text: `${millis(totals.p99Ms)}ms`, tone: tone(latencySeverity(totals.p99Ms, latencyLimitMs)) },
    );
  }
  return (
    <Box flexDirection="column">
      <Line segments={title} color={color} />
      {error === null ? <Line segments={line2} color={color} /> : <Line segments={[{ text: `refresh failed: ${error}`, tone: 'critical' }]} color={color} />}
      {target === undefined ? null : <Line segments={[{ text: `target: ${target}`, tone: 'dim' }]} color={color} />}
    </Box>
  );
}
