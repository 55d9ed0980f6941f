// Plain-text helpers every renderer and both front ends share (no colour, no terminal).

/** Cuts text to `width` characters, marking the cut with an ellipsis, so a long cell keeps its row on one line. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}
