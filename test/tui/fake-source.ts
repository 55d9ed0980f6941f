// An in-memory BrowseSource for the explorer's component tests: a tree fed batch by batch through
// the real NamespaceAggregator (so rows are what a scan would produce), canned key lists and
// previews, and a purge whose plans and executions are recorded.

import type { LiveTreeSnapshot } from '../../src/core/namespaces/live-namespaces.js';
import type { KeyEntry, KeyListEvent } from '../../src/core/namespaces/namespace-keys.js';
import type { NamespaceOptions } from '../../src/core/namespaces/namespace-key.js';
import { NamespaceAggregator } from '../../src/core/namespaces/namespaces.js';
import type { KeyPreview } from '../../src/core/browse/preview.js';
import { KEY_TYPES } from '../../src/core/scan/scan-batch.js';
import type { KeyType } from '../../src/core/scan/scan-batch.js';
import type { NodeScanState } from '../../src/core/scan/scan-progress.js';
import type { BrowseSource, PurgeOutcome, PurgePlanView, PurgeProgress, PurgeSource, PurgeTarget, TreeModel } from '../../src/core/browse/source.js';
import { keyBatch } from '../helpers/key-batch.js';

/** [key, type, PTTL ms (TTL_NONE, TTL_GONE or ≥ 0), memory bytes (UNKNOWN allowed)]: compact rows for test data. */
export type KeySpec = [key: string | Buffer, type: KeyType, ttl: number, memory: number];

export const OPTIONS: NamespaceOptions = { delimiter: ':', depth: 5, collapse: true };

export class FakeTree implements TreeModel {
  private readonly aggregator = new NamespaceAggregator(OPTIONS);
  private readonly listeners = new Set<(snapshot: LiveTreeSnapshot) => void>();
  private snapshot: LiveTreeSnapshot;
  private scanned = 0;
  status: LiveTreeSnapshot['status'] = 'scanning';
  failed: NodeScanState[] = [];

  constructor(readonly total: number) {
    this.snapshot = this.build(0);
  }

  current(): LiveTreeSnapshot {
    return this.snapshot;
  }

  subscribe(listener: (snapshot: LiveTreeSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds scanned keys and publishes a snapshot, as a tick of the live tree would. */
  add(specs: KeySpec[], shard = 'node-1'): void {
    this.aggregator.add(shard, keyBatch(specs.map(([key, type, ttl, memory]) => ({ key, type, ttl, memory }))));
    this.scanned += specs.length;
    this.publish();
  }

  finish(status: LiveTreeSnapshot['status'] = 'complete'): void {
    this.status = status;
    this.publish();
  }

  failNode(node: string, message: string): void {
    this.failed.push({ node, shard: node, dbsize: 0, scanned: 0, status: 'failed', restarts: 0, error: { code: 'CONNECT', message } });
    this.publish();
  }

  removeNamespace(name: string, ownOnly = false): void {
    this.aggregator.removeNamespace(name, ownOnly);
    this.publish();
  }

  private publish(): void {
    this.snapshot = this.build(this.snapshot.version + 1);
    for (const listener of this.listeners) listener(this.snapshot);
  }

  private build(version: number): LiveTreeSnapshot {
    const root = this.aggregator.tree();
    return {
      version,
      root,
      status: this.status,
      sampled: false,
      matching: false,
      scanned: this.scanned,
      total: this.total,
      keysPerSecond: 1000,
      elapsedMs: 1500,
      namespaceCount: this.aggregator.namespaceCount,
      memoryKnown: root.stats.measured > 0,
      failed: [...this.failed],
      notices: [],
    };
  }
}

export function entry(key: string | Buffer, type: KeyType, ttlMs: number, bytes: number | null): KeyEntry {
  return { key: typeof key === 'string' ? Buffer.from(key) : key, type, typeCode: KEY_TYPES.indexOf(type), ttlMs, bytes, node: '127.0.0.1:7000', shard: 'node-1' };
}

export interface FakeSourceOptions {
  tree: FakeTree;
  keys?: Record<string, KeyEntry[]>;
  previews?: Map<string, KeyPreview>;
  purge?: PurgeSource;
  readonlyReason?: string;
}

export interface FakeSource extends BrowseSource {
  exports: string[];
  listings: string[];
}

export function fakeSource(options: FakeSourceOptions): FakeSource {
  const source: FakeSource = {
    tree: options.tree,
    title: 'fake',
    delimiter: ':',
    exports: [],
    listings: [],
    async *listKeys(namespace: string): AsyncGenerator<KeyListEvent> {
      source.listings.push(namespace);
      const entries = options.keys?.[namespace] ?? [];
      yield { kind: 'keys', entries };
      yield { kind: 'done', found: entries.length, truncated: false };
    },
    async *biggestKeys(namespace: string): AsyncGenerator<KeyListEvent> {
      source.listings.push(`biggest ${namespace}`);
      const all = Object.entries(options.keys ?? {})
        .filter(([name]) => namespace === '' || name === namespace || name.startsWith(`${namespace}:`))
        .flatMap(([, entries]) => entries);
      const top = [...all].sort((a, b) => (b.bytes ?? -1) - (a.bytes ?? -1)).slice(0, 50);
      yield { kind: 'top', entries: top, matched: all.length };
      yield { kind: 'done', found: all.length, truncated: false };
    },
    async preview(item) {
      const preview = options.previews?.get(item.key.toString('latin1'));
      if (preview === undefined) throw new Error(`no preview for ${item.key.toString('latin1')}`);
      return preview;
    },
    async exportTree(node) {
      source.exports.push(node.name);
      return `/tmp/export-${node.name}.json`;
    },
  };
  if (options.purge !== undefined) source.purge = options.purge;
  if (options.readonlyReason !== undefined) source.readonlyReason = options.readonlyReason;
  return source;
}

/** A purge that plans `keys` keys for any target and records what it is asked to do. */
export class FakePurge implements PurgeSource {
  readonly plans: PurgeTarget[] = [];
  readonly executions: { plan: PurgePlanView; backupPath: string | undefined }[] = [];
  readonly released: PurgePlanView[] = [];
  refusal: string | undefined;

  constructor(
    private readonly keys: number,
    private readonly onExecute?: (target: PurgeTarget) => void,
  ) {}

  async plan(target: PurgeTarget, _signal: AbortSignal, onProgress: (scanned: number) => void): Promise<PurgePlanView> {
    this.plans.push(target);
    onProgress(this.keys);
    const plan: PurgePlanView = {
      target,
      pattern: target.kind === 'namespace' ? `${target.name}*` : target.entry.key.toString(),
      keys: this.keys,
      memoryBytes: this.keys * 100,
      share: 0.25,
      nodes: [{ node: '127.0.0.1:7000', keys: this.keys }],
      sample: ['a:1', 'a:2'],
    };
    if (this.refusal !== undefined) plan.refusal = this.refusal;
    return plan;
  }

  release(plan: PurgePlanView): void {
    this.released.push(plan);
  }

  defaultBackupPath(): string {
    return 'backup.cbk';
  }

  async execute(plan: PurgePlanView, backupPath: string | undefined, _signal: AbortSignal, onProgress: (progress: PurgeProgress) => void): Promise<PurgeOutcome> {
    this.executions.push({ plan, backupPath });
    onProgress({ deleted: plan.keys, alreadyGone: 0, planned: plan.keys, keysPerSecond: 1000 });
    this.onExecute?.(plan.target);
    const outcome: PurgeOutcome = { deleted: plan.keys, alreadyGone: 0, notReached: 0, interrupted: false };
    if (backupPath !== undefined) outcome.backupPath = backupPath;
    return outcome;
  }
}
