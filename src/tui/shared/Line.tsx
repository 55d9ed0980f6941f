// One line of toned segments, cut (never wrapped) at the terminal's edge; colour only when the
// user allows it (NO_COLOR, --no-color), though selection stays visible through inverse video.

import { Text } from 'ink';
import type { ReactElement } from 'react';
import type { Segment, Tone } from './segment.js';

const COLORS: Record<Tone, string | undefined> = {
  ok: undefined,
  warning: 'yellow',
  critical: 'red',
  dim: 'gray',
  accent: 'cyan',
};

export interface LineProps {
  segments: readonly Segment[];
  color: boolean;
}

export function Line({ segments, color }: LineProps): ReactElement {
  return (
    <Text wrap="truncate-end">
      {segments.map((segment, index) => {
        const tone = segment.tone === undefined ? undefined : COLORS[segment.tone];
        return (
          <Text key={index} color={color ? tone : undefined} bold={segment.bold === true} inverse={segment.inverse === true} dimColor={color && segment.tone === 'dim'}>
            {segment.text}
          </Text>
        );
      })}
    </Text>
  );
}
