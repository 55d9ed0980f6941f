// The model behind `cachectl browse`: a scan running in the background that hands out immutable
// snapshots of the namespace tree as it fills in. The tree is rebuilt from the aggregator's leaf
// records on the Poller's ticks (never per batch), spaced by their cost, so a consumer can redraw
// at its own pace and rebuilding stays a small fraction of the scan however many namespaces there are.

import type { Topology } from '../../connection/topology.js';
import { CachectlError } from '../../base/errors.js';
import { Poller } from '../../base/poller.js';
import type { NamespaceOptions } from './namespace-key.js';
import type { NamespaceNode } from './namespaces.js';
import { NamespaceAggregator } from './namespaces.js';
import type { ScanOptions } from '../scan/scan.js';
import { scanKeys } from '../scan/scan.js';
import type { NodeScanState } from '../scan/scan-progress.js';
import { ScanProgress } from '../scan/scan-progress.js';

export type LiveTreeStatus = 'scanning' | 'complete' | 'incomplete' | 'stopped' | 'failed';

export interface LiveTreeSnapshot {
  /** Increases with every snapshot, so consumers can tell a new one cheaply. */
  readonly version: number;
  /** The tree so far; the root holds the totals. Never mutated once handed out. */
  readonly root: NamespaceNode;
  readonly status: LiveTreeStatus;
  /** --limit stopped the scan: the figures are a sample. */
  readonly sampled: boolean;
  /** The scan had a MATCH pattern, so `total` (DBSIZE) is not what the scan will reach. */
  readonly matching: boolean;
  readonly scanned: number;
  /** Keys on the scanned nodes (DBSIZE). */
  readonly total: number;
  readonly keysPerSecond: number;
  readonly elapsedMs: number;
  readonly namespaceCount: number;
  /** Whether memory was measured for at least one key (MEMORY USAGE may be forbidden). */
  readonly memoryKnown: boolean;
  /** Nodes whose part of the keyspace is missing from the tree. */
  readonly failed: readonly NodeScanState[];
  readonly notices: readonly string[];
  /** Why the whole scan stopped, when status is 'failed'. */
  readonly error?: CachectlError;
}

export interface LiveNamespaceTreeOptions {
  /** What to scan; type, TTL and memory are always asked for. */
  scan: Omit<ScanOptions, 'wantType' | 'wantTtl' | 'wantMemory'>;
  namespaces: NamespaceOptions;
  /** Shortest time between two snapshots while scanning. @default 250 */
  minIntervalMs?: number;
}

/** Rebuilding the tree may take at most this share of the time between snapshots. */
const BUILD_SHARE = 0.2;

export class LiveNamespaceTree {
  private readonly aggregator: NamespaceAggregator;
  private readonly progress = new ScanProgress();
  private readonly controller = new AbortController();
  private readonly listeners = new Set<(snapshot: LiveTreeSnapshot) => void>();
  private readonly minIntervalMs: number;
  private latest: LiveTreeSnapshot;
  private status: LiveTreeStatus = 'scanning';
  private error: CachectlError | undefined;
  private dirty = false;
  private running: Promise<LiveTreeSnapshot> | undefined;
  /** Elapsed time and rate frozen when the scan ends, so the footer stops counting. */
  private finished: { elapsedMs: number; keysPerSecond: number } | undefined;

  constructor(
    private readonly topology: Topology,
    private readonly options: LiveNamespaceTreeOptions,
  ) {
    this.aggregator = new NamespaceAggregator(options.namespaces);
    this.minIntervalMs = options.minIntervalMs ?? 250;
    options.scan.signal?.addEventListener('abort', () => this.controller.abort(), { once: true });
    this.latest = this.build(0);
  }

  get namespaces(): NamespaceOptions {
    return this.options.namespaces;
  }

  /** The newest snapshot. */
  current(): LiveTreeSnapshot {
    return this.latest;
  }

  /** Calls `listener` with every new snapshot; returns the unsubscribe function. */
  subscribe(listener: (snapshot: LiveTreeSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the scan (once); resolves with the last snapshot when it ends. Never rejects. */
  start(): Promise<LiveTreeSnapshot> {
    this.running ??= this.run();
    return this.running;
  }

  /** Stops the scan; what was gathered stays, marked 'stopped'. */
  stop(): void {
    this.controller.abort();
  }

  /** Drops a namespace whose keys were deleted (or only its own keys), so the view stops showing them. */
  removeNamespace(name: string, ownOnly = false): void {
    this.aggregator.removeNamespace(name, ownOnly);
    this.publish();
  }

  /** Takes one deleted key out of the counts. */
  removeKey(shard: string, key: { namespace: string; type: number; memory: number; ttl: number; key?: Buffer }): void {
    this.aggregator.removeKey(shard, key.namespace, key);
    this.publish();
  }

  private async run(): Promise<LiveTreeSnapshot> {
    const scan: ScanOptions = { ...this.options.scan, wantType: true, wantTtl: true, wantMemory: true, signal: this.controller.signal };
    // Publishes while the scan runs, spacing snapshots so building them stays cheap; the tree is
    // big and handed out as is (never mutated), so the poller neither freezes nor keeps it alive.
    const ticker = new Poller<null>({
      intervalMs: this.minIntervalMs,
      maxBusyShare: BUILD_SHARE,
      freeze: false,
      unref: true,
      fetch: async () => {
        if (this.dirty) this.publish();
        return null;
      },
    });
    ticker.start(false);
    try {
      for await (const event of scanKeys(this.topology, scan)) {
        this.progress.apply(event);
        if (event.kind === 'batch') this.aggregator.add(event.shard, event.batch);
        else if (event.kind === 'node-restart') this.aggregator.discardShard(event.shard);
        // A failure changes what the footer must say: show it now, not on the next tick.
        if (event.kind === 'batch') this.dirty = true;
        else this.publish();
      }
      this.status = this.controller.signal.aborted ? 'stopped' : this.progress.failed.length > 0 ? 'incomplete' : 'complete';
    } catch (error) {
      this.status = 'failed';
      this.error =
        error instanceof CachectlError ? error : new CachectlError('SERVER', error instanceof Error ? error.message : String(error), { cause: error });
    } finally {
      ticker.stop();
      this.finished = { elapsedMs: this.progress.elapsedMs, keysPerSecond: this.progress.keysPerSecond };
    }
    this.publish();
    return this.latest;
  }

  private publish(): void {
    this.dirty = false;
    this.latest = this.build(this.latest.version + 1);
    for (const listener of this.listeners) listener(this.latest);
  }

  private build(version: number): LiveTreeSnapshot {
    const root = this.aggregator.tree();
    const snapshot: LiveTreeSnapshot = {
      version,
      root,
      status: this.status,
      sampled: this.options.scan.limit !== undefined && this.progress.scanned >= this.options.scan.limit,
      matching: this.options.scan.match !== undefined,
      scanned: this.progress.scanned,
      total: this.progress.total,
      keysPerSecond: this.finished?.keysPerSecond ?? this.progress.keysPerSecond,
      elapsedMs: this.finished?.elapsedMs ?? this.progress.elapsedMs,
      namespaceCount: this.aggregator.namespaceCount,
      memoryKnown: root.stats.measured > 0,
      failed: this.progress.failed,
      notices: [...this.progress.notices],
    };
    return this.error === undefined ? snapshot : { ...snapshot, error: this.error };
  }
}
