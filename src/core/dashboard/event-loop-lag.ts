// cachectl's own event-loop lag: how late the process's timers fire (rendering, GC, parsing), read
// with perf_hooks.monitorEventLoopDelay. The dashboard shows it apart from node latency and labels
// it as cachectl's, so a stall on our side is never mistaken for a slow server.

import type { IntervalHistogram } from 'node:perf_hooks';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface EventLoopLagStats {
  /** Delay percentiles since the last read, in milliseconds; null before any sample. */
  p99Ms: number | null;
  maxMs: number | null;
}

export class EventLoopLag {
  private readonly histogram: IntervalHistogram;

  constructor(resolutionMs = 10) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
  }

  /** The lag since the last read (each read starts a new window). */
  read(): EventLoopLagStats {
    const h = this.histogram;
    const stats = h.count === 0 ? { p99Ms: null, maxMs: null } : { p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 };
    h.reset();
    return stats;
  }

  close(): void {
    this.histogram.disable();
  }
}
