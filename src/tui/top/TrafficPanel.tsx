// `top`'s namespace panel: what clients do to which namespaces on the selected node, sampled by
// MONITOR for as long as the panel is open (core/traffic/live-traffic.ts). Rows by traffic; the rows
// that do not fit are summed in one line, and a total line makes the parts add up to the whole.

import { Box } from 'ink';
import type { ReactElement } from 'react';
import { useEffect, useState } from 'react';
import { displayKey } from '../../base/key-format.js';
import { hitRateSeverity } from '../../core/dashboard/thresholds.js';
import type { LiveTraffic, LiveTrafficView } from '../../core/traffic/live-traffic.js';
import type { TrafficNamespaceRow } from '../../core/traffic/sample-traffic.js';
import { Line } from '../shared/Line.js';
import { compactNumber, fit, percent } from '../shared/format.js';
import type { Segment, Tone } from '../shared/segment.js';
import { truncate } from '../../render/text.js';

export interface TrafficPanelProps {
  address: string;
  /** Starts a sampler for the node; the panel closes it when it goes away or the node changes. */
  open: (address: string) => LiveTraffic;
  width: number;
  height: number;
  color: boolean;
  /** How often the panel redraws its counts. @default 1000 */
  refreshMs?: number;
}

/** Polls a live sampler for the node shown, for as long as the panel is mounted. */
function useLiveTraffic(address: string, open: (address: string) => LiveTraffic, refreshMs: number): LiveTrafficView | string | undefined {
  const [view, setView] = useState<LiveTrafficView | string | undefined>(undefined);
  useEffect(() => {
    let live: LiveTraffic;
    try {
      live = open(address);
    } catch (error) {
      setView(error instanceof Error ? error.message : String(error));
      return undefined;
    }
    live.start();
    setView(live.view());
    const timer = setInterval(() => setView(live.view()), refreshMs);
    return () => {
      clearInterval(timer);
      setView(undefined);
      void live.close();
    };
  }, [address, open, refreshMs]);
  return view;
}

const COLUMNS = [
  { header: 'OPS/S', width: 8 },
  { header: '%OPS', width: 6 },
  { header: 'READS/S', width: 8 },
  { header: 'WRITES/S', width: 9 },
  { header: 'MISS/S', width: 8 },
  { header: 'HIT', width: 6 },
] as const;
const FIGURES_WIDTH = COLUMNS.reduce((sum, column) => sum + column.width, 0);

function perSec(value: number | null): string {
  return value === null ? '-' : compactNumber(value);
}

function hitSegment(row: Pick<TrafficNamespaceRow, 'hitRate' | 'reads'>, width: number): Segment {
  if (row.hitRate === null) return { text: fit(row.reads === 0 ? '-' : 'n/a', width, 'right'), tone: 'dim' };
  const severity = hitRateSeverity(row.hitRate, row.reads);
  return { text: fit(percent(row.hitRate), width, 'right'), tone: severity === 'ok' ? undefined : (severity as Tone) };
}

function rowSegments(name: Segment, row: Pick<TrafficNamespaceRow, 'opsPerSec' | 'share' | 'readsPerSec' | 'writesPerSec' | 'missesPerSec' | 'hitRate' | 'reads'>, nameWidth: number): Segment[] {
  const [ops, share, reads, writes, misses, hit] = COLUMNS.map((column) => column.width);
  return [
    { ...name, text: `  ${fit(truncate(name.text, nameWidth), nameWidth)}` },
    { text: fit(perSec(row.opsPerSec), ops!, 'right') },
    { text: fit(percent(row.share), share!, 'right') },
    { text: fit(perSec(row.readsPerSec), reads!, 'right') },
    { text: fit(perSec(row.writesPerSec), writes!, 'right') },
    { text: fit(perSec(row.missesPerSec), misses!, 'right') },
    hitSegment(row, hit!),
  ];
}

/** The panel's lines for a view of the sampler, cut to `height` with nothing hidden silently. */
export function trafficLines(view: LiveTrafficView | string | undefined, address: string, width: number, height: number): Segment[][] {
  const lines: Segment[][] = [];
  if (typeof view === 'string') return [clip([{ text: `namespaces on ${address}: ${view}`, tone: 'warning' }], width)];
  const title: Segment[] = [{ text: 'namespaces on ', bold: true }, { text: address, bold: true, tone: 'accent' }];
  if (view === undefined || view.state === 'starting') {
    lines.push([...title, { text: ' · starting MONITOR…', tone: 'dim' }]);
    return lines;
  }
  const t = view.totals;
  const seconds = view.elapsedMs / 1000;
  title.push({ text: ` · ${view.state === 'sampling' ? 'sampling' : 'sampled'} ${seconds.toFixed(1)} s · ${compactNumber(view.node.commands)} commands` });
  if (view.hitRates && t.hitRate !== null) title.push({ text: ` · hit rate ${percent(t.hitRate)}` });
  lines.push(title);
  if (view.state === 'stopped' && view.reason !== undefined) lines.push([{ text: `  stopped: ${view.reason}`, tone: 'warning' }]);
  if (!view.hitRates) {
    const why = view.node.missEventsReason ?? 'key-miss events are off';
    lines.push([{ text: `  no hit rates: ${why}; \`cachectl traffic --enable-miss-events\` turns them on for a window`, tone: 'dim' }]);
  }
  if (t.ops === 0) {
    lines.push([{ text: view.state === 'sampling' ? '  no key accesses yet' : '  no key accesses were seen', tone: 'dim' }]);
    return lines.map((line) => clip(line, width));
  }

  const nameWidth = Math.max(12, width - FIGURES_WIDTH - 3);
  lines.push([{ text: `  ${fit('NAMESPACE', nameWidth)}`, bold: true }, ...COLUMNS.map((column) => ({ text: fit(column.header, column.width, 'right'), bold: true }))]);
  const extras = extraLines(view);
  // Room for the rows: the total line, and a remainder line when rows are cut; the extras only take what is left.
  const room = Math.max(1, height - lines.length - 1);
  const fitsAll = view.namespaces.length <= room;
  const shown = fitsAll ? view.namespaces : view.namespaces.slice(0, Math.max(1, room - 1));
  for (const row of shown) lines.push(rowSegments({ text: row.namespace }, row, nameWidth));
  const rest = view.namespaces.slice(shown.length);
  if (rest.length > 0) {
    const sum = (pick: (row: TrafficNamespaceRow) => number) => rest.reduce((total, row) => total + pick(row), 0);
    const restRow = { opsPerSec: sum((r) => r.opsPerSec), share: sum((r) => r.share), readsPerSec: sum((r) => r.readsPerSec), writesPerSec: sum((r) => r.writesPerSec), missesPerSec: view.hitRates ? sum((r) => r.missesPerSec ?? 0) : null, reads: 0, hitRate: null };
    lines.push(rowSegments({ text: `… ${rest.length} more namespace${rest.length === 1 ? '' : 's'}`, tone: 'dim' }, restRow, nameWidth));
  }
  lines.push(rowSegments({ text: 'total', tone: 'accent' }, { ...t, share: 1 }, nameWidth));
  for (const extra of extras) if (lines.length < height) lines.push(extra);
  return lines.slice(0, height).map((line) => clip(line, width));
}

/** Stampedes first (an incident in progress), then the hottest keys. */
function extraLines(view: LiveTrafficView): Segment[][] {
  const out: Segment[][] = [];
  for (const stampede of view.stampedes) {
    out.push([{ text: `  STAMPEDE `, tone: 'warning', bold: true }, { text: `${displayKey(stampede.key)} missed ${stampede.peakMissesPerSecond}×/s (${stampede.namespace})` }]);
  }
  for (const hot of view.hotKeys) {
    out.push([{ text: '  hot ', tone: 'accent' }, { text: `${displayKey(hot.key)} ${hot.error > 0 ? '≤' : ''}${compactNumber(hot.accesses)} accesses (${hot.namespace})` }]);
  }
  return out;
}

/** Cuts a line's segments to the width (the last segment shortened with an ellipsis). */
function clip(line: Segment[], width: number): Segment[] {
  const out: Segment[] = [];
  let left = width;
  for (const segment of line) {
    if (left <= 0) break;
    const text = segment.text.length > left ? truncate(segment.text, left) : segment.text;
    out.push({ ...segment, text });
    left -= text.length;
  }
  return out;
}

export function TrafficPanel({ address, open, width, height, color, refreshMs = 1000 }: TrafficPanelProps): ReactElement {
  const view = useLiveTraffic(address, open, refreshMs);
  return (
    <Box flexDirection="column">
      {trafficLines(view, address, width, height).map((segments, i) => (
        <Line key={i} segments={segments} color={color} />
      ))}
    </Box>
  );
}
