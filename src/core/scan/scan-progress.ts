// Bookkeeping shared by every command that scans: per-node state (started, restarted, failed,
// done), totals from DBSIZE, keys/s and ETA. Fed with ScanEvents; consumers only read it.

import type { CachectlError } from '../../base/errors.js';
import type { KeyBatch } from './scan-batch.js';
import type { ScanEvent } from './scan.js';
import { throttle } from '../../base/throttle.js';

export interface NodeScanState {
  node: string;
  shard: string;
  dbsize: number;
  scanned: number;
  status: 'scanning' | 'done' | 'failed';
  restarts: number;
  error: { code: CachectlError['code']; message: string } | null;
}

export class ScanProgress {
  readonly startedAt = Date.now();
  private readonly shards = new Map<string, NodeScanState>();
  readonly notices: string[] = [];

  /** Updates the state from one event; returns the shard to discard when a scan restarted. */
  apply(event: ScanEvent): void {
    switch (event.kind) {
      case 'node-start': {
        const state = this.state(event.shard, event.node);
        state.node = event.node;
        state.dbsize = event.dbsize;
        state.scanned = 0;
        state.status = 'scanning';
        break;
      }
      case 'batch':
        this.state(event.shard, event.node).scanned += event.batch.size;
        break;
      case 'node-done':
        this.state(event.shard, event.node).status = 'done';
        break;
      case 'node-restart': {
        const state = this.state(event.shard, event.node);
        state.restarts += 1;
        state.scanned = 0;
        this.notices.push(`${event.from} failed (${event.reason}); rescanning its keys from the start on ${event.node}`);
        break;
      }
      case 'node-failed': {
        const state = this.state(event.shard, event.node);
        state.status = 'failed';
        state.error = { code: event.error.code, message: event.error.message };
        break;
      }
      case 'notice':
        this.notices.push(event.message);
        break;
    }
  }

  private state(shard: string, node: string): NodeScanState {
    let state = this.shards.get(shard);
    if (state === undefined) {
      state = { node, shard, dbsize: 0, scanned: 0, status: 'scanning', restarts: 0, error: null };
      this.shards.set(shard, state);
    }
    return state;
  }

  get nodes(): NodeScanState[] {
    return [...this.shards.values()];
  }

  get scanned(): number {
    let sum = 0;
    for (const state of this.shards.values()) sum += state.scanned;
    return sum;
  }

  /** Keys on the scanned nodes per DBSIZE (what a full scan would visit without MATCH). */
  get total(): number {
    let sum = 0;
    for (const state of this.shards.values()) sum += state.dbsize;
    return sum;
  }

  get failed(): NodeScanState[] {
    return this.nodes.filter((state) => state.status === 'failed');
  }

  get elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  get keysPerSecond(): number {
    const seconds = this.elapsedMs / 1000;
    return seconds > 0 ? this.scanned / seconds : 0;
  }
}

/** Consumes a scan's batches per shard; a shard's partial numbers are dropped when its scan restarts. */
export interface ShardSink {
  /** `node` is the address the batch came from (the shard's current node). */
  add(shard: string, batch: KeyBatch, node: string): void;
  discardShard(shard: string): void;
}

/** Feeds a scan into a sink and a fresh ScanProgress, calling onProgress at most every 100 ms. */
export async function collectScan(events: AsyncIterable<ScanEvent>, sink: ShardSink, onProgress?: (progress: ScanProgress) => void): Promise<ScanProgress> {
  const progress = new ScanProgress();
  const due = throttle();
  for await (const event of events) {
    progress.apply(event);
    if (event.kind === 'batch') sink.add(event.shard, event.batch, event.node);
    else if (event.kind === 'node-restart') sink.discardShard(event.shard);
    if (onProgress !== undefined && due()) {
      onProgress(progress);
    }
  }
  return progress;
}
