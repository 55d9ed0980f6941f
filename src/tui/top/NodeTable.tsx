// The node table: one line per node, the selected one marked, columns chosen to fit the width,
// and scrolled so the selection stays visible when there are more nodes than lines.

import { Box } from 'ink';
import type { ReactElement } from 'react';
import type { NodeRow } from '../../core/dashboard/snapshot.js';
import { headerSegments, layoutColumns, rowSegments } from './columns.js';
import { Line } from '../shared/Line.js';

export interface NodeTableProps {
  rows: readonly NodeRow[];
  selected: number;
  width: number;
  /** Lines available, the header line included. */
  height: number;
  latencyLimitMs: number;
  color: boolean;
}

/** The first row to show so that `selected` is inside a window of `visible` rows. */
export function scrollOffset(count: number, selected: number, visible: number): number {
  if (count <= visible) return 0;
  return Math.min(Math.max(0, selected - Math.floor(visible / 2)), count - visible);
}

export function NodeTable({ rows, selected, width, height, latencyLimitMs, color }: NodeTableProps): ReactElement {
  const columns = layoutColumns(rows, width);
  const room = Math.max(1, height - 1);
  // When the rows do not all fit, one line says how many are hidden.
  const visible = rows.length <= room ? rows.length : Math.max(1, room - 1);
  const offset = scrollOffset(rows.length, selected, visible);
  const shown = rows.slice(offset, offset + visible);
  const hidden = rows.length - shown.length;
  return (
    <Box flexDirection="column">
      <Line segments={headerSegments(columns)} color={color} />
      {shown.map((row, i) => (
        <Line key={row.address} segments={rowSegments(row, columns, { latencyLimitMs }, offset + i === selected, width)} color={color} />
      ))}
      {hidden > 0 ? <Line segments={[{ text: `  … ${hidden} more node${hidden === 1 ? '' : 's'} (↑/↓ to scroll)`, tone: 'dim' }]} color={color} /> : null}
    </Box>
  );
}
