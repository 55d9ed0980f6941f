// The same sampler as `traffic`, on one node, for as long as someone looks: `top`'s namespace panel.
// It never changes a setting (hit rates only where key-miss events are already on), refuses a node
// busier than the limit before MONITOR starts, and stops on its own when the server starts to buffer
// for it or the connection drops, saying why.

import type { NodeHandle } from '../../connection/topology.js';
import type { NamespaceOptions } from '../namespaces/namespace-key.js';
import type { NodeTraffic } from './node-sampler.js';
import { NodeSampler } from './node-sampler.js';
import type { TrafficSummary } from './sample-traffic.js';
import { summarizeTraffic } from './sample-traffic.js';
import { TrafficStats } from './traffic-stats.js';

export interface LiveTrafficOptions {
  db: number;
  namespaces: NamespaceOptions;
  /** Above this many ops/s, sampling is refused (MONITOR would cost the server too much). */
  maxOpsPerSec: number;
  maxBufferBytes: number;
  /** Rows of hot keys and stampedes. @default 5 */
  top?: number;
  /** Misses of one key within one second that make it a stampede candidate. @default 5 */
  stampedeMisses?: number;
}

export type LiveTrafficState = 'starting' | 'sampling' | 'stopped';

export interface LiveTrafficView extends TrafficSummary {
  address: string;
  state: LiveTrafficState;
  /** Why sampling stopped or never started; unset while it runs or after a plain close(). */
  reason?: string;
  /** How long commands have been counted. */
  elapsedMs: number;
  node: NodeTraffic;
}

export class LiveTraffic {
  private readonly stats: TrafficStats;
  private readonly sampler: NodeSampler;
  private state: LiveTrafficState = 'starting';
  private reason: string | undefined;
  private startedAt: number | undefined;
  private stoppedAt: number | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly node: NodeHandle,
    private readonly options: LiveTrafficOptions,
  ) {
    this.stats = new TrafficStats({ namespaces: options.namespaces, stampedeMisses: options.stampedeMisses ?? 5 });
    const samplerOptions = { db: options.db, enableMissEvents: false, restoreState: undefined, maxBufferBytes: options.maxBufferBytes, watchIntervalMs: 250 };
    this.sampler = new NodeSampler(node, this.stats, samplerOptions, (reason) => this.halt(reason));
  }

  get address(): string {
    return this.node.address;
  }

  /** Starts sampling in the background; failures end up in the view's reason, never thrown. */
  start(): void {
    this.running ??= this.run();
  }

  private async run(): Promise<void> {
    try {
      await this.sampler.readLoad();
      const ops = this.sampler.result.opsPerSecBefore ?? 0;
      if (ops > this.options.maxOpsPerSec) {
        this.halt(`not sampled: ${ops} ops/s is above --max-ops ${this.options.maxOpsPerSec}, where MONITOR can cut the server's throughput by half; raise --max-ops once you accept the cost`);
        return;
      }
      await this.sampler.prepareMissEvents();
      if (this.stopped) return;
      await this.sampler.start();
      if (this.stopped) {
        await this.sampler.end();
        return;
      }
      this.startedAt = performance.now();
      this.state = 'sampling';
    } catch (error) {
      this.halt(error instanceof Error ? error.message : String(error));
    }
  }

  /** Read after each await: close() or the sampler itself may have stopped the run meanwhile. */
  private get stopped(): boolean {
    return this.state === 'stopped';
  }

  private halt(reason: string | undefined): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.reason = reason;
    this.stoppedAt = performance.now();
    void this.sampler.end();
  }

  view(): LiveTrafficView {
    const end = this.stoppedAt ?? performance.now();
    const elapsedMs = this.startedAt === undefined ? 0 : Math.max(0, end - this.startedAt);
    const node = this.sampler.result;
    return { address: this.node.address, state: this.state, reason: this.reason, elapsedMs, node, ...summarizeTraffic(this.stats, [node], elapsedMs, this.options.top ?? 5) };
  }

  /** Stops sampling and closes the sampler's own connections (the node's shared one stays open). */
  async close(): Promise<void> {
    this.halt(undefined);
    await this.running;
    await this.sampler.end();
  }
}
