// The one retry policy of everything that polls (the dashboard's poller, its per-node sampling, the
// latency probe): after n failures in a row, wait base × 2^(n−1), never longer than the cap, so a
// dead node costs a few attempts a minute instead of one per tick, and a short blip recovers fast.

export interface BackoffPolicy {
  /** The wait after the first failure. */
  baseMs: number;
  /** The longest wait, however many failures. */
  maxMs: number;
}

/** Milliseconds to wait before the next attempt after `failures` failures in a row; 0 without failures. */
export function backoffDelayMs(failures: number, policy: BackoffPolicy): number {
  if (failures <= 0) return 0;
  // The exponent is bounded so a long outage never overflows to Infinity before the cap applies.
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(failures - 1, 30));
}
