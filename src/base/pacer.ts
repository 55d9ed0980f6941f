// Keeps work at or under a rate: each call adds the work just done and waits until the time that
// much work is due at `rate` per second since the first call. Ends early when the signal aborts.

import { sleep } from './sleep.js';

export class Pacer {
  private started: number | undefined;
  private done = 0;

  constructor(
    private readonly rate: number,
    private readonly signal?: AbortSignal,
  ) {}

  async add(work: number): Promise<void> {
    const now = Date.now();
    this.started ??= now;
    this.done += work;
    const wait = this.started + (this.done / this.rate) * 1000 - now;
    if (wait > 0) await sleep(wait, this.signal);
  }
}
