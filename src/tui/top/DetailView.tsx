// The selected node in depth: its figures, the latency histogram, top commands by calls and by
// time, memory findings and the slowlog head, each cut to share the terminal's height.

import { Box } from 'ink';
import type { ReactElement } from 'react';
import type { NodeDetail, NodeRow } from '../../core/dashboard/snapshot.js';
import { formatDuration } from '../../base/duration.js';
import { hitRateSeverity, latencySeverity, memorySeverity } from '../../core/dashboard/thresholds.js';
import type { CommandActivity } from '../../core/dashboard/command-stats.js';
import type { Segment, Tone } from '../shared/segment.js';
import { compactBytes, compactNumber, compactSeconds, fit, micros, millis, percent } from '../shared/format.js';
import { truncate } from '../../render/text.js';
import { displayBins } from './histogram-bins.js';
import { Line } from '../shared/Line.js';
import type { ShardSlotStats } from '../../core/nodes/slot-stats.js';

export interface DetailViewProps {
  row: NodeRow;
  detail: NodeDetail | null;
  width: number;
  height: number;
  latencyLimitMs: number;
  color: boolean;
}

const tone = (severity: string): Tone | undefined => (severity === 'ok' ? undefined : (severity as Tone));

/** Shares `available` lines among sections: each gets its minimum, then one more in turn up to its maximum. */
export function shareLines(available: number, sections: readonly { min: number; max: number }[]): number[] {
  const sizes = sections.map((section) => Math.min(section.min, section.max));
  let left = available - sizes.reduce((sum, size) => sum + size, 0);
  if (left < 0) {
    // Not even the minimums fit: the last sections give way first.
    for (let i = sizes.length - 1; i >= 0 && left < 0; i -= 1) {
      const cut = Math.min(sizes[i]!, -left);
      sizes[i]! -= cut;
      left += cut;
    }
    return sizes;
  }
  let grew = true;
  while (left > 0 && grew) {
    grew = false;
    for (let i = 0; i < sizes.length && left > 0; i += 1) {
      if (sizes[i]! < sections[i]!.max) {
        sizes[i]! += 1;
        left -= 1;
        grew = true;
      }
    }
  }
  return sizes;
}

export function DetailView({ row, detail, width, height, latencyLimitMs, color }: DetailViewProps): ReactElement {
  const lines: Segment[][] = [];
  const roleText = row.role === 'master' ? 'master' : `replica of ${row.master ?? '?'}`;
  lines.push([
    { text: row.address, bold: true, tone: 'accent' },
    { text: ` · ${roleText}${row.version === null ? '' : ` · ${row.version}`} · up ${compactSeconds(row.uptimeSeconds)}` },
    ...(row.status === 'down' ? [{ text: ` · DOWN ${row.error?.message ?? ''}`, tone: 'critical' as const, bold: true }] : []),
  ]);
  const memory = row.memoryUsage === null ? compactBytes(row.usedBytes) : `${compactBytes(row.usedBytes)} (${percent(row.memoryUsage)} of ${compactBytes(row.maxmemoryBytes)})`;
  lines.push([
    { text: `ops/s ${compactNumber(row.opsPerSec)} · hit ` },
    { text: percent(row.hitRate), tone: tone(hitRateSeverity(row.hitRate, row.lookups)) },
    { text: ` · mem ` },
    { text: memory, tone: tone(memorySeverity(row.memoryUsage)) },
    { text: ` · frag ${row.fragmentationRatio?.toFixed(2) ?? '-'} · clients ${compactNumber(row.connectedClients)} (${compactNumber(row.blockedClients)} blocked) · keys ${compactNumber(row.keys)}` },
  ]);
  const { latency, serverLatency } = row;
  const server =
    serverLatency.usecPerCall === null
      ? ''
      : ` · server ${micros(serverLatency.usecPerCall)}/call${serverLatency.busiestCommand !== null && serverLatency.p99Us !== null ? ` (${serverLatency.busiestCommand} p99 ${micros(serverLatency.p99Us)} since start)` : ''}`;
  lines.push([
    { text: `round trip, last ${formatDuration(latency.windowMs)} (${latency.samples} PINGs${latency.errors > 0 ? `, ${latency.errors} failed` : ''}): p50 ${millis(latency.p50Ms)} · p99 ` },
    { text: millis(latency.p99Ms), tone: tone(latencySeverity(latency.p99Ms, latencyLimitMs)) },
    { text: ` · max ${millis(latency.maxMs)} ms${server}` },
  ]);

  const bins = displayBins(latency.histogram, 8);
  const commandsByCalls = detail?.topByCalls ?? [];
  const findings = (detail?.findings ?? []).filter((finding) => finding.severity !== 'ok');
  const slowlog = detail?.slowlog ?? [];
  const notes = [...(detail?.notes ?? []), ...slotNotes(detail?.slotStats ?? null)];
  const available = Math.max(0, height - lines.length);
  const [histLines = 0, commandLines = 0, findingLines = 0, slowLines = 0] = shareLines(available, [
    { min: Math.min(2, bins.length), max: bins.length },
    { min: 2, max: 1 + Math.max(1, commandsByCalls.length) },
    { min: 2, max: 1 + Math.max(1, findings.length + notes.length) },
    { min: 2, max: 1 + Math.max(1, slowlog.length) },
  ]);

  // Histogram: one bar per bin, scaled to the fullest bin.
  const most = Math.max(1, ...bins.map((bin) => bin.count));
  const barWidth = Math.max(5, Math.min(40, width - 24));
  for (const bin of bins.slice(0, histLines)) {
    const bar = '█'.repeat(Math.round((bin.count / most) * barWidth)) || (bin.count > 0 ? '▏' : '');
    lines.push([{ text: `  ≤${fit(micros(bin.upToUs), 7, 'right')} ` }, { text: fit(bar, barWidth), tone: 'accent' }, { text: ` ${bin.count}` }]);
  }

  if (commandLines > 0) {
    const side = width >= 70;
    const half = side ? Math.floor((width - 2) / 2) : width - 2;
    const windowText = detail?.windowMs == null ? '' : `, last ${formatDuration(detail.windowMs)}`;
    lines.push([{ text: fit(`top commands by calls${windowText}`, half + 2), bold: true }, ...(side ? [{ text: 'by time', bold: true }] : [])]);
    if (detail === null) lines.push([{ text: '  loading…', tone: 'dim' }]);
    else if (commandsByCalls.length === 0) lines.push([{ text: '  no commands in the window yet', tone: 'dim' }]);
    else {
      for (let i = 0; i < commandLines - 1 && i < commandsByCalls.length; i += 1) {
        const byCallsRow = commandsByCalls[i]!;
        const byTimeRow = detail.topByTime[i];
        // cachectl's own commands are left out of these lists by the model (subtracted per command).
        lines.push([
          { text: `  ${fit(commandText(byCallsRow, 'calls', half), half)}` },
          ...(side && byTimeRow !== undefined ? [{ text: commandText(byTimeRow, 'time', half) }] : []),
        ]);
      }
    }
  }

  if (findingLines > 0) {
    lines.push([{ text: 'memory findings', bold: true }]);
    if (detail === null) lines.push([{ text: '  loading…', tone: 'dim' }]);
    else if (findings.length === 0 && notes.length === 0) lines.push([{ text: '  none', tone: 'ok' }]);
    else {
      const entries: Segment[][] = [
        ...findings.map((finding): Segment[] => [
          { text: `  ${finding.severity === 'critical' ? 'CRIT' : 'WARN'} `, tone: finding.severity as Tone, bold: true },
          { text: `${finding.id}: ${finding.message}` },
        ]),
        ...notes.map((note): Segment[] => [{ text: `  note ${note}`, tone: note.startsWith('slot ') && note.includes(' holds ') ? 'warning' : 'dim' }]),
      ];
      lines.push(...entries.slice(0, findingLines - 1));
    }
  }

  if (slowLines > 0) {
    lines.push([{ text: 'slowlog (newest first)', bold: true }]);
    if (detail === null) lines.push([{ text: '  loading…', tone: 'dim' }]);
    else if (slowlog.length === 0) lines.push([{ text: '  empty', tone: 'dim' }]);
    else
      for (const entry of slowlog.slice(0, slowLines - 1)) {
        const client = entry.client === null ? '' : `  ${entry.client}${entry.clientName === null ? '' : ` (${entry.clientName})`}`;
        lines.push([{ text: `  ${fit(micros(entry.durationUs), 8, 'right')}  ` }, { text: truncate(entry.args.join(' '), Math.max(10, width - 40)) }, { text: client, tone: 'dim' }]);
      }
  }

  return (
    <Box flexDirection="column">
      {lines.slice(0, height).map((segments, i) => (
        <Line key={i} segments={segments} color={color} />
      ))}
    </Box>
  );
}

function commandText(command: CommandActivity, by: 'calls' | 'time', width: number): string {
  const figure = by === 'calls' ? `${compactNumber(command.callsPerSec)}/s` : `${micros(command.usec)} total`;
  const perCall = `${micros(command.usecPerCall)}/call`;
  const name = fit(command.command, Math.max(6, width - 28));
  return truncate(`${name} ${fit(figure, 12, 'right')} ${fit(perCall, 13, 'right')}`, width);
}

/** CLUSTER SLOT-STATS (Valkey 8+) as notes: the busiest slots, and a warning when one dominates the shard. */
function slotNotes(stats: ShardSlotStats | null): string[] {
  if (stats === null || stats.byKeys.length === 0) return [];
  const notes = [`busiest slots: ${stats.byKeys.map((s) => `${s.slot} (${s.keys} keys)`).join(', ')}`];
  if (stats.byCpu !== null && stats.byCpu.length > 0) notes.push(`busiest slots by CPU: ${stats.byCpu.map((s) => `${s.slot} (${s.cpuUsec ?? 0} µs)`).join(', ')}`);
  if (stats.dominant !== null) notes.push(`slot ${stats.dominant.slot} holds ${Math.round(stats.dominant.share * 100)}% of this shard's keys (one hash tag?): resharding cannot spread them`);
  return notes;
}
