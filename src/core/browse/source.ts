// What the explorer's UI needs from the outside world, as one interface: the live tree, key
// lists, previews, export and (when allowed) purges. The command wires it to the core
// (redis-source.ts); component tests give it in-memory data. The UI itself never talks to Redis.

import type { LiveTreeSnapshot } from '../namespaces/live-namespaces.js';
import type { KeyEntry, KeyListEvent } from '../namespaces/namespace-keys.js';
import type { NamespaceNode, NamespaceSort } from '../namespaces/namespaces.js';
import type { KeyPreview } from './preview.js';

export interface TreeModel {
  current(): LiveTreeSnapshot;
  subscribe(listener: (snapshot: LiveTreeSnapshot) => void): () => void;
}

/** What `d` was pressed on. */
export type PurgeTarget = { kind: 'namespace'; name: string; ownOnly: boolean } | { kind: 'key'; entry: KeyEntry };

/** A purge plan as the confirmation dialog shows it. */
export interface PurgePlanView {
  target: PurgeTarget;
  /** The pattern the plan was built from, as text. */
  pattern: string;
  keys: number;
  memoryBytes: number | null;
  /** memoryBytes is extrapolated from a sample of the keys. */
  memoryEstimated?: boolean;
  /** Share of all keys on the scanned nodes, 0..1. */
  share: number;
  nodes: { node: string; keys: number }[];
  /** A few of the keys, displayable. */
  sample: string[];
  /** Set when a guard refuses the plan: nothing can be deleted, and this says why and how to override. */
  refusal?: string;
}

export interface PurgeProgress {
  deleted: number;
  alreadyGone: number;
  planned: number;
  keysPerSecond: number;
}

export interface PurgeOutcome {
  deleted: number;
  alreadyGone: number;
  notReached: number;
  interrupted: boolean;
  backupPath?: string;
  /** Why it stopped early, when it did. */
  error?: string;
}

export interface PurgeSource {
  plan(target: PurgeTarget, signal: AbortSignal, onProgress: (scanned: number) => void): Promise<PurgePlanView>;
  /** The backup file offered by default for a target. */
  defaultBackupPath(target: PurgeTarget): string;
  /** Deletes what `plan` holds (backing each key up first when `backupPath` is given). */
  execute(plan: PurgePlanView, backupPath: string | undefined, signal: AbortSignal, onProgress: (progress: PurgeProgress) => void): Promise<PurgeOutcome>;
  /** Frees a plan that will not be executed (its keys may be spooled to a temporary file). */
  release?(plan: PurgePlanView): void;
  /** Resolves once no deletion is running: quitting waits for the batch in flight. */
  settled?(): Promise<void>;
}

export interface BrowseSource {
  tree: TreeModel;
  /** One line describing what is browsed, for the header (topology, pattern). */
  title: string;
  /** The namespace delimiter the tree was built with. */
  delimiter: string;
  listKeys(namespace: string, ownOnly: boolean, signal: AbortSignal): AsyncIterable<KeyListEvent>;
  /** The biggest keys (by memory) of a namespace and everything under it, from a scan of all of it ('top' events). */
  biggestKeys(namespace: string, signal: AbortSignal): AsyncIterable<KeyListEvent>;
  preview(entry: KeyEntry): Promise<KeyPreview>;
  /** Writes `node`'s subtree as JSON; resolves with the file's path. */
  exportTree(node: NamespaceNode, snapshot: LiveTreeSnapshot, sort: NamespaceSort): Promise<string>;
  /** Absent when dangerous actions are off; `readonlyReason` then says why. */
  purge?: PurgeSource;
  readonlyReason?: string;
}
