// A piece of a screen line with an optional tone: what components hand to <Line>, which maps tones
// to colours (or to nothing under NO_COLOR / --no-color).

import type { Severity } from '../../core/memory/memory-findings.js';

export type Tone = Severity | 'dim' | 'accent';

export interface Segment {
  text: string;
  tone?: Tone;
  bold?: boolean;
  inverse?: boolean;
}
