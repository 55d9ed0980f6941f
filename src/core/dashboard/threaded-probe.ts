// The latency probe run off the main thread: a worker (probe-worker.ts) owns the PING connections
// and times each round trip with process.hrtime.bigint() at send and receive on an event loop that
// does nothing else, so React rendering, GC or any stall in cachectl's own thread never shows up as
// a node's latency. Figures arrive by message every `reportMs`; reads here never wait.

import { Worker } from 'node:worker_threads';
import type { NodeHandle } from '../../connection/topology.js';
import type { NodeClientSpec } from '../../connection/topology.js';
import type { LatencyProbeOptions, LatencySource, LatencyStats } from './latency-probe.js';
import { DEFAULT_PROBE_WINDOW_MS } from './latency-probe.js';
import { SharedCommandCounter } from './own-commands.js';

/** `counter`: the SharedCommandCounter's buffer the worker counts the node's commands in. */
export type ProbeRequest = { type: 'track'; spec: NodeClientSpec; counter: SharedArrayBuffer } | { type: 'close' };
export interface ProbeReport {
  type: 'report';
  nodes: Record<string, { stats: LatencyStats; sent: number }>;
}

export interface ThreadedLatencyProbeOptions extends Omit<LatencyProbeOptions, 'now'> {
  /** How often the worker sends its figures. @default DEFAULT_REPORT_MS */
  reportMs?: number;
  /** The worker's module. @default probe-worker.js beside this module (the built one under dist/) */
  workerUrl?: URL;
}

/**
 * A quarter of the dashboard's fastest usual refresh (1 s). Each report merges every node's window
 * and copies it across threads: at 100 ms that was ~0.65% of a core on a 6-node Cluster, as much as
 * 80 PINGs a second (CPU profile of `top -o ndjson`).
 */
const DEFAULT_REPORT_MS = 250;

/** How long close() waits for the worker to close its connections and exit before ending it. */
const CLOSE_GRACE_MS = 1000;

export class ThreadedLatencyProbe implements LatencySource {
  private readonly worker: Worker;
  private readonly tracked = new Map<string, SharedCommandCounter>();
  private latest: ProbeReport['nodes'] = {};
  private failure: string | null = null;
  private closing: Promise<void> | undefined;
  private readonly windowMs: number;
  private firstReport: () => void = () => {};
  /** Resolves when the worker has reported a PING for every node tracked so far (or failed). */
  private readonly reporting: Promise<void>;

  constructor(options: ThreadedLatencyProbeOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_PROBE_WINDOW_MS;
    this.reporting = new Promise((resolve) => {
      this.firstReport = resolve;
    });
    const { workerUrl, ...settings } = options;
    this.worker = new Worker(workerUrl ?? new URL('./probe-worker.js', import.meta.url), { workerData: { ...settings, reportMs: options.reportMs ?? DEFAULT_REPORT_MS } });
    // Never the reason the process stays alive; close() still ends it politely.
    this.worker.unref();
    this.worker.on('message', (message: ProbeReport) => {
      if (message.type !== 'report') return;
      this.latest = message.nodes;
      if ([...this.tracked.keys()].every((address) => (message.nodes[address]?.stats.samples ?? 0) + (message.nodes[address]?.stats.errors ?? 0) > 0)) this.firstReport();
    });
    this.worker.on('error', (error) => {
      this.failure = `the latency probe stopped: ${error.message}`;
      this.firstReport();
    });
  }

  track(node: NodeHandle): void {
    if (this.closing !== undefined || this.tracked.has(node.address)) return;
    const counter = new SharedCommandCounter();
    this.tracked.set(node.address, counter);
    this.worker.postMessage({ type: 'track', spec: node.clientSpec, counter: counter.buffer } satisfies ProbeRequest);
  }

  /**
   * Waits (at most `timeoutMs`) until every tracked node has a first round trip, so a dashboard's
   * first figures are not empty while the worker starts (about a second on a busy machine).
   */
  async ready(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.reporting, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  sent(address: string): number {
    return this.latest[address]?.sent ?? 0;
  }

  /** Read from shared memory at this instant, not from the last report. */
  commands(address: string): ReadonlyMap<string, number> {
    return this.tracked.get(address)?.snapshot() ?? new Map();
  }

  stats(address: string): LatencyStats {
    const reported = this.latest[address]?.stats ?? { samples: 0, errors: 0, p50Ms: null, p99Ms: null, maxMs: null, histogram: [], lastError: null, waitingMs: null, windowMs: this.windowMs };
    return this.failure === null ? reported : { ...reported, lastError: this.failure };
  }

  /** Ends the worker: its sockets close, then it exits (ended outright if that takes too long). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      this.worker.postMessage({ type: 'close' } satisfies ProbeRequest);
      const timer = setTimeout(() => void this.worker.terminate(), CLOSE_GRACE_MS);
      await exited;
      clearTimeout(timer);
    })();
    return this.closing;
  }
}
