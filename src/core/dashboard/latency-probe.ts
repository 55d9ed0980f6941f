// Client-side round-trip latency, measured continuously: a PING to every node at redis-cli
// --latency's pace (every 10 ms, slower only past MAX_PROBE_PINGS_PER_SECOND) on a plain RESP socket
// of its own (so it never waits behind INFO or a slow command of ours), kept as per-second histogram
// slices and read as p50 / p99 / max over a sliding window. On the thread that runs it, a stall of
// that thread (rendering, GC) shows as latency: the dashboard runs it in a worker
// (threaded-probe.ts), where only the server and the network are measured.

import type { NodeHandle } from '../../connection/topology.js';
import { RespError, RespPipe } from '../../connection/resp-pipe.js';
import { backoffDelayMs } from '../../base/backoff.js';
import type { HistogramBucket } from './latency-histogram.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { CommandTally } from './own-commands.js';
import { CommandCounter, statName } from './own-commands.js';

export interface LatencyProbeOptions {
  /**
   * Milliseconds between two PINGs to the same node, whatever the number of nodes.
   * @default probeIntervalMs(nodes tracked): DEFAULT_PROBE_INTERVAL_MS, slower past MAX_PROBE_PINGS_PER_SECOND
   */
  intervalMs?: number;
  /** Span the percentiles cover. @default DEFAULT_PROBE_WINDOW_MS */
  windowMs?: number;
  /** Longest wait before reconnecting to a node that stopped answering. @default 10000 */
  maxBackoffMs?: number;
  /** Monotonic clock in milliseconds (tests). @default performance.now */
  now?: () => number;
  /** Where a node's commands are counted (the worker counts in shared memory). @default a CommandCounter per node */
  tallyFor?: (address: string) => CommandTally;
}

/**
 * redis-cli --latency's pace. Measured on a loaded 2-core machine, a client that PINGs every 100 ms
 * sees 3-6x more round trips above 2 ms than one PINGing every 10 ms beside it on the same server
 * (separate processes, plain sockets, same 40 s): a client that wakes seldom pays the machine's
 * wake-up delays more often. With 100 samples per window, p99 was also just the second-worst
 * sample. At 10 ms the figures are comparable with `redis-cli --latency` run beside the dashboard.
 */
export const DEFAULT_PROBE_INTERVAL_MS = 10;
/**
 * What all nodes together get at most: up to 10 nodes (a 6-node Cluster, a Sentinel group) each at
 * redis-cli's pace, larger Clusters spread over this budget. A PING costs its thread about 80 µs of
 * CPU on a 2-core VM, most of it the wake-up and the socket calls, not the client (ioredis 81 µs,
 * a RespPipe 77: bench/experiments/ping-cost.js), so 1,000 PINGs/s is ~8% of a core.
 */
export const MAX_PROBE_PINGS_PER_SECOND = 1000;
/** Never slower than this per node, however many nodes there are. */
const SLOWEST_INTERVAL_MS = 100;
/**
 * 10 s: 1000 samples at the default pace, enough for a p99 that is not one outlier, yet short
 * enough that the figures recover soon after a latency spike ends.
 */
export const DEFAULT_PROBE_WINDOW_MS = 10_000;
const SLICE_MS = 1000;
/** A PING out longer than this is shown as waiting (a hung node's growing delay). */
const WAITING_AFTER_MS = 100;
/** First pause before reconnecting to a node that failed; it grows with each failure. */
const RETRY_BASE_MS = 200;

/** The pace for `nodes` nodes: DEFAULT_PROBE_INTERVAL_MS, slower when they would exceed MAX_PROBE_PINGS_PER_SECOND. */
export function probeIntervalMs(nodes: number): number {
  return Math.min(SLOWEST_INTERVAL_MS, Math.max(DEFAULT_PROBE_INTERVAL_MS, Math.ceil((nodes * 1000) / MAX_PROBE_PINGS_PER_SECOND)));
}

export interface LatencyStats {
  /** PINGs answered within the window. */
  samples: number;
  /** PINGs that failed (timeout, connection lost) within the window. */
  errors: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** The window's distribution (HDR-style buckets, microseconds); empty without samples. */
  histogram: HistogramBucket[];
  /** Why the last PING failed, when the node is failing now; null once it answers again. */
  lastError: string | null;
  /**
   * How long the PING now on the wire has been waiting, once that exceeds 100 ms: a
   * hung node shows its growing delay here before the PING times out. Null otherwise.
   */
  waitingMs: number | null;
  windowMs: number;
}

interface Slice {
  /** floor(time / SLICE_MS) of the slice. */
  second: number;
  histogram: LatencyHistogram;
  errors: number;
}

/** What the probe needs of a node: its connection settings (TLS, credentials, database), and the error translation. */
export type ProbeNode = Pick<NodeHandle, 'address' | 'clientSpec' | 'translate'>;

/** What the dashboard reads latency from: this probe on the calling thread, or ThreadedLatencyProbe. */
export interface LatencySource {
  track(node: NodeHandle): void;
  sent(address: string): number;
  /** Every command the probe has sent to a node, by commandstats name: PINGs and any connection handshake. */
  commands(address: string): ReadonlyMap<string, number>;
  stats(address: string): LatencyStats;
  close(): Promise<void>;
}

interface ProbeTarget {
  node: ProbeNode;
  /** The node's PING socket; a new one is opened after it fails (RespPipe never reconnects). */
  pipe: RespPipe | null;
  inFlight: boolean;
  /** now() when the PING on the wire was sent. */
  sentAt: number;
  /** PINGs written to this node since tracking began. */
  sent: number;
  /** Every command sent to this node, handshakes included (the dashboard subtracts them). */
  tally: CommandTally;
  failures: number;
  retryAt: number;
  lastError: string | null;
  slices: Slice[];
}

export class LatencyProbe implements LatencySource {
  private readonly targets = new Map<string, ProbeTarget>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  /** Fixed by the caller, or null to follow probeIntervalMs() as nodes are tracked. */
  private readonly fixedIntervalMs: number | null;
  private intervalMs = 0;
  private readonly windowMs: number;
  private readonly maxBackoffMs: number;
  private readonly now: () => number;
  private readonly tallyFor: (address: string) => CommandTally;

  constructor(options: LatencyProbeOptions = {}) {
    this.tallyFor = options.tallyFor ?? (() => new CommandCounter());
    this.fixedIntervalMs = options.intervalMs ?? null;
    this.windowMs = options.windowMs ?? DEFAULT_PROBE_WINDOW_MS;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Starts probing a node (by address); a node already tracked only gets its handle updated. */
  track(node: ProbeNode): void {
    if (this.closed) return;
    const existing = this.targets.get(node.address);
    if (existing !== undefined) {
      existing.node = node;
      return;
    }
    this.targets.set(node.address, { node, pipe: null, inFlight: false, sentAt: 0, sent: 0, tally: this.tallyFor(node.address), failures: 0, retryAt: 0, lastError: null, slices: [] });
    const intervalMs = this.fixedIntervalMs ?? probeIntervalMs(this.targets.size);
    if (this.timer !== undefined && intervalMs === this.intervalMs) return;
    clearInterval(this.timer);
    this.intervalMs = intervalMs;
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  /** PINGs sent to a node so far; 0 for a node not tracked. */
  sent(address: string): number {
    return this.targets.get(address)?.sent ?? 0;
  }

  commands(address: string): ReadonlyMap<string, number> {
    return this.targets.get(address)?.tally.snapshot() ?? new Map();
  }

  stats(address: string): LatencyStats {
    const target = this.targets.get(address);
    const merged = new LatencyHistogram();
    let errors = 0;
    if (target !== undefined) {
      const oldest = this.sliceOf(this.now()) - Math.ceil(this.windowMs / SLICE_MS) + 1;
      for (const slice of target.slices) {
        if (slice.second < oldest) continue;
        merged.add(slice.histogram);
        errors += slice.errors;
      }
    }
    const ms = (us: number | null): number | null => (us === null ? null : us / 1000);
    const waiting = target?.inFlight === true && target.pipe !== null && !target.pipe.closed ? this.now() - target.sentAt : 0;
    return {
      samples: merged.count,
      errors,
      p50Ms: ms(merged.percentile(50)),
      p99Ms: ms(merged.percentile(99)),
      maxMs: merged.count === 0 ? null : merged.maxUs / 1000,
      histogram: merged.buckets(),
      lastError: target?.lastError ?? null,
      waitingMs: waiting > WAITING_AFTER_MS ? waiting : null,
      windowMs: this.windowMs,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const target of this.targets.values()) target.pipe?.close();
    this.targets.clear();
  }

  /**
   * One timer for all nodes: one wake-up per tick. Each node on a timer of its own, phases spread
   * over the interval, cost a third more CPU per PING (bench/experiments/ping-cost.js: 104 against
   * 77 µs) and did not bring the Cluster's p99s closer to the reference clients' (two alternating
   * runs each of the Cluster case in test/integration/top-latency.test.tsx at load ~4).
   */
  private tick(): void {
    const now = this.now();
    for (const target of this.targets.values()) {
      // A PING still out is not doubled up: when it returns, its long round trip is the sample.
      if (target.inFlight || now < target.retryAt) continue;
      void this.ping(target);
    }
  }

  private async ping(target: ProbeTarget): Promise<void> {
    target.inFlight = true;
    try {
      if (target.pipe === null) {
        const pipe = await RespPipe.open(target.node.clientSpec, { onCommand: (args) => target.tally.add(statName(String(args[0]), args.slice(1))) });
        if (this.closed) {
          pipe.close();
          return;
        }
        target.pipe = pipe;
      }
      const pipe = target.pipe;
      target.sent += 1;
      target.sentAt = this.now();
      const started = process.hrtime.bigint();
      const reply = await pipe.ping();
      const us = Number(process.hrtime.bigint() - started) / 1000;
      if (this.closed) return;
      // LOADING, MASTERDOWN, NOAUTH after an ACL change: the node answered but did not serve it.
      if (reply instanceof RespError) throw reply;
      this.slice(target).histogram.record(us);
      target.failures = 0;
      target.lastError = null;
    } catch (error) {
      if (this.closed) return;
      this.slice(target).errors += 1;
      target.failures += 1;
      target.lastError = target.node.translate(error).message;
      // A lost or timed-out socket is dropped; a new one is opened after a growing pause.
      if (target.pipe?.closed === true) target.pipe = null;
      target.retryAt = this.now() + backoffDelayMs(target.failures, { baseMs: RETRY_BASE_MS, maxMs: this.maxBackoffMs });
    } finally {
      target.inFlight = false;
    }
  }

  private sliceOf(time: number): number {
    return Math.floor(time / SLICE_MS);
  }

  private slice(target: ProbeTarget): Slice {
    const second = this.sliceOf(this.now());
    let last = target.slices[target.slices.length - 1];
    if (last === undefined || last.second !== second) {
      last = { second, histogram: new LatencyHistogram(), errors: 0 };
      target.slices.push(last);
      const oldest = second - Math.ceil(this.windowMs / SLICE_MS);
      while (target.slices.length > 0 && target.slices[0]!.second < oldest) target.slices.shift();
    }
    return last;
  }
}
