// Sparklines from block characters: a series scaled into `height` rows of eighth-blocks, newest
// on the right, gaps (no value at that refresh) left blank.

const BLOCKS = ['', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

export interface SparkScale {
  /** @default 0 */
  min?: number;
  /** @default the largest value shown (at least min + a tiny bit, so a flat line still shows) */
  max?: number;
}

/**
 * The last `width` values as `height` lines of text, top line first. A value at the scale's max
 * fills every row of its column; a value above 0 always shows at least one eighth.
 */
export function sparkRows(values: readonly (number | null)[], width: number, height = 1, scale: SparkScale = {}): string[] {
  const shown = values.slice(Math.max(0, values.length - width));
  const min = scale.min ?? 0;
  const numbers = shown.filter((value): value is number => value !== null);
  const max = scale.max ?? Math.max(min, ...numbers);
  const span = max - min;
  const eighths = shown.map((value) => {
    if (value === null) return null;
    if (span <= 0) return value > min ? height * 8 : 0;
    const ratio = Math.min(1, Math.max(0, (value - min) / span));
    const filled = Math.round(ratio * height * 8);
    return value > min && filled === 0 ? 1 : filled;
  });
  const pad = ' '.repeat(Math.max(0, width - shown.length));
  const rows: string[] = [];
  for (let row = height - 1; row >= 0; row -= 1) {
    let line = pad;
    for (const value of eighths) {
      if (value === null) {
        line += ' ';
        continue;
      }
      const inRow = Math.min(8, Math.max(0, value - row * 8));
      line += inRow === 0 ? (row === 0 ? '▁' : ' ') : BLOCKS[inRow];
    }
    rows.push(line);
  }
  return rows;
}
