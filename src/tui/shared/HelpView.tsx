// The help screen of both full-screen apps: every key binding in force (from the key table, so
// --readonly's missing keys are missing here too; dangerous ones in red), then what the app adds
// (top: colours and columns; browse: why deleting is off).

import { Box } from 'ink';
import type { ReactElement } from 'react';
import type { HelpEntry } from './key-table.js';
import { Line } from './Line.js';
import type { Segment } from './segment.js';

export interface HelpViewProps {
  entries: readonly HelpEntry[];
  /** Lines after the keys. */
  notes?: readonly (readonly Segment[])[];
  height: number;
  color: boolean;
}

export function HelpView({ entries, notes = [], height, color }: HelpViewProps): ReactElement {
  const width = Math.max(0, ...entries.map((entry) => entry.label.length));
  const lines: (readonly Segment[])[] = [
    [{ text: 'keys', bold: true }],
    ...entries.map((entry): Segment[] => [
      { text: `  ${entry.label.padEnd(width)}  `, tone: entry.dangerous ? 'critical' : 'accent', bold: true },
      { text: entry.description, tone: entry.dangerous ? 'critical' : undefined },
    ]),
    ...notes,
  ];
  return (
    <Box flexDirection="column">
      {lines.slice(0, height).map((segments, i) => (
        <Line key={i} segments={segments} color={color} />
      ))}
    </Box>
  );
}
