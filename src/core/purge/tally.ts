// The purge's accounting: progress as it goes, per-node figures and the final summary. Every figure
// comes from a server reply, and each planned key lands in exactly one bucket of the summary.

import type { CachectlError } from '../../base/errors.js';

export interface PurgeProgress {
  planned: number;
  /** Keys dealt with: deleted, already gone, skipped or unknown. */
  processed: number;
  deleted: number;
  alreadyGone: number;
  skipped: number;
  unknown: number;
  redeleted: number;
  elapsedMs: number;
  keysPerSecond: number;
}

export interface PurgeNodeSummary {
  node: string;
  deleted: number;
  alreadyGone: number;
}

export interface PurgeSummary {
  status: 'complete' | 'interrupted' | 'failed';
  planned: number;
  /** UNLINK/DEL said it removed these keys. */
  deleted: number;
  /** Planned keys that no longer existed when their turn came. */
  alreadyGone: number;
  /** Planned keys that failed the client-side re-check against the pattern; never deleted. */
  skipped: number;
  /** Sent, but the connection failed before the reply: they may or may not have been deleted. */
  unknown: number;
  /** Not attempted (interrupted or stopped first). */
  notReached: number;
  /** Found again (after a failover or reconnect) in the final check of disturbed shards, and deleted again. */
  redeleted: number;
  /** MEMORY USAGE of the deleted keys as planned (per key, or the plan's average when it sampled); null when not measured. */
  bytesFreed: number | null;
  durationMs: number;
  nodes: PurgeNodeSummary[];
  /** The backup file as it is on disk once closed (bytes: its real size). */
  backup: { file: string; records: number; bytes: number } | null;
  error: { code: string; message: string; hint: string | null } | null;
  notices: string[];
}

export type PurgeEvent =
  | { kind: 'progress'; progress: PurgeProgress }
  | { kind: 'deleted'; node: string; keys: Buffer[] }
  | { kind: 'notice'; message: string }
  /** `error` says why a purge did not complete (INTERRUPTED, or the failure); null when it did. */
  | { kind: 'done'; summary: PurgeSummary; error: CachectlError | null };

/** What settling a command's reply needs to know about each key it carried. */
export interface SettledKey {
  memory: number;
  /** An earlier command for this key got no reply: it may already have been deleted by us. */
  doubt: boolean;
}

export class PurgeTally {
  readonly progress: PurgeProgress;
  private readonly perNode = new Map<string, PurgeNodeSummary>();
  private bytesFreed = 0;
  private doubtGone = 0;

  constructor(
    planned: number,
    /** For keys whose own size was not measured (a sampled plan). */
    private readonly averageBytes: number,
  ) {
    this.progress = { planned, processed: 0, deleted: 0, alreadyGone: 0, skipped: 0, unknown: 0, redeleted: 0, elapsedMs: 0, keysPerSecond: 0 };
  }

  /** A first-pass UNLINK/DEL reply: `removed` of the group's keys went, the rest were gone already. */
  deleted(node: string, group: readonly SettledKey[], removed: number): void {
    const stats = this.nodeStats(node);
    stats.deleted += removed;
    stats.alreadyGone += group.length - removed;
    this.progress.deleted += removed;
    this.progress.alreadyGone += group.length - removed;
    this.progress.processed += group.length;
    let memory = 0;
    for (const entry of group) memory += entry.memory >= 0 ? entry.memory : this.averageBytes;
    // Exact when the whole group went; otherwise which keys went is unknown, so take the average.
    this.bytesFreed += removed === group.length ? memory : Math.round((memory * removed) / group.length);
    if (removed < group.length) {
      const doubtful = group.filter((entry) => entry.doubt).length;
      if (doubtful > 0) this.doubtGone += Math.min(doubtful, group.length - removed);
    }
  }

  /** Keys removed again by a later pass. */
  redeleted(removed: number): void {
    this.progress.redeleted += removed;
  }

  /** A key found gone before it was deleted (its DUMP came back empty). */
  gone(node: string): void {
    this.nodeStats(node).alreadyGone += 1;
    this.progress.alreadyGone += 1;
    this.progress.processed += 1;
  }

  skipped(): void {
    this.progress.skipped += 1;
    this.progress.processed += 1;
  }

  unknown(count: number): void {
    this.progress.unknown += count;
    this.progress.processed += count;
  }

  snapshot(started: number): PurgeProgress {
    const elapsedMs = Date.now() - started;
    return { ...this.progress, elapsedMs, keysPerSecond: elapsedMs > 0 ? (this.progress.processed * 1000) / elapsedMs : 0 };
  }

  summary(input: {
    status: PurgeSummary['status'];
    failure: CachectlError | undefined;
    started: number;
    measured: boolean;
    notices: readonly string[];
    backup: PurgeSummary['backup'];
  }): PurgeSummary {
    const p = this.progress;
    const notices = [...input.notices];
    if (this.doubtGone > 0) {
      notices.push(`${this.doubtGone} keys whose first UNLINK got no reply were found gone on retry: counted as already gone, though that first UNLINK may have deleted them`);
    }
    const { failure } = input;
    return {
      status: failure?.code === 'INTERRUPTED' ? 'interrupted' : input.status,
      planned: p.planned,
      deleted: p.deleted,
      alreadyGone: p.alreadyGone,
      skipped: p.skipped,
      unknown: p.unknown,
      notReached: p.planned - p.processed,
      redeleted: p.redeleted,
      bytesFreed: input.measured ? Math.round(this.bytesFreed) : null,
      durationMs: Date.now() - input.started,
      nodes: [...this.perNode.values()],
      backup: input.backup,
      error: failure === undefined || failure.code === 'INTERRUPTED' ? null : { code: failure.code, message: failure.message, hint: failure.hint ?? null },
      notices,
    };
  }

  private nodeStats(address: string): PurgeNodeSummary {
    let stats = this.perNode.get(address);
    if (stats === undefined) {
      stats = { node: address, deleted: 0, alreadyGone: 0 };
      this.perNode.set(address, stats);
    }
    return stats;
  }
}
