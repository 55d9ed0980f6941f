// Sparklines of ops/s, hit rate and p99 latency, for the whole topology or the selected node: the
// chosen chart first, then as many of the others as there is room for.

import { Box } from 'ink';
import type { ReactElement } from 'react';
import type { History } from '../../core/dashboard/snapshot.js';
import { compactNumber, millis, percent } from '../shared/format.js';
import { sparkRows } from './sparkline.js';
import { Line } from '../shared/Line.js';

export const CHARTS = ['ops', 'hit-rate', 'p99'] as const;
export type ChartKind = (typeof CHARTS)[number];

const SPEC: Record<ChartKind, { title: string; series: keyof History; format: (value: number | null) => string; fixedMax?: number }> = {
  ops: { title: 'ops/s', series: 'opsPerSec', format: compactNumber },
  'hit-rate': { title: 'hit rate', series: 'hitRate', format: percent, fixedMax: 1 },
  p99: { title: 'p99 ms', series: 'p99Ms', format: millis },
};

export interface ChartsProps {
  history: History;
  first: ChartKind;
  /** "total" or the selected node's address. */
  scope: string;
  width: number;
  /** Lines available. */
  height: number;
  color: boolean;
}

/** Lines one chart takes: a title and its sparkline rows. */
export const chartLines = (sparkHeight: number) => sparkHeight + 1;

export function Charts({ history, first, scope, width, height, color }: ChartsProps): ReactElement | null {
  if (height < 2) return null;
  const order = [first, ...CHARTS.filter((kind) => kind !== first)];
  // Three rows of blocks read well; one is still useful on a small terminal.
  const sparkHeight = height >= 3 * chartLines(3) ? 3 : height >= chartLines(3) ? Math.min(3, height - 1) : 1;
  const count = Math.max(1, Math.min(order.length, Math.floor(height / chartLines(sparkHeight))));
  return (
    <Box flexDirection="column">
      {order.slice(0, count).map((kind) => {
        const spec = SPEC[kind];
        const values = history[spec.series];
        const present = values.filter((value): value is number => value !== null);
        const now = values.length === 0 ? null : values[values.length - 1]!;
        const max = present.length === 0 ? null : Math.max(...present);
        const label = `${spec.title} · ${scope} · now ${spec.format(now)} · max ${spec.format(max)}`;
        const scale = spec.fixedMax === undefined ? {} : { max: spec.fixedMax };
        return (
          <Box key={kind} flexDirection="column">
            <Line segments={[{ text: label, bold: kind === first }]} color={color} />
            {sparkRows(values, width, sparkHeight, scale).map((line, i) => (
              <Line key={i} segments={[{ text: line, tone: 'accent' }]} color={color} />
            ))}
          </Box>
        );
      })}
    </Box>
  );
}
