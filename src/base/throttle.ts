// Progress lines and redraws happen per event but should reach the screen a few times a second:
// one gate for all of them, so every progress display refreshes at the same pace.

/** The refresh period of progress lines and dialogs. */
export const PROGRESS_INTERVAL_MS = 100;

/**
 * A gate that opens at most once per `intervalMs`. The first call opens it unless `startClosed`
 * (then the first opening is one interval after creation).
 */
export function throttle(intervalMs: number = PROGRESS_INTERVAL_MS, options: { startClosed?: boolean; now?: () => number } = {}): () => boolean {
  const now = options.now ?? Date.now;
  let last = options.startClosed === true ? now() : Number.NEGATIVE_INFINITY;
  return () => {
    const time = now();
    if (time - last < intervalMs) return false;
    last = time;
    return true;
  };
}
