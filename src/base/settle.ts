// Calls made one after another, each settled, reported the way Promise.allSettled reports calls made
// at once: so a paced or ordered path hands its caller the same shape as the concurrent one.

/** Each call after the previous one settled, as Promise.allSettled reports them. */
export async function settleInSequence<T, R>(items: readonly T[], call: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = [];
  for (const item of items) {
    try {
      out.push({ status: 'fulfilled', value: await call(item) });
    } catch (reason) {
      out.push({ status: 'rejected', reason });
    }
  }
  return out;
}
