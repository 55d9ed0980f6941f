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
  /** Left in place: their backup would need one whole-key DUMP (see ExecuteOptions.allowWholeDump). */
  kept: number;
  unknown: number;
  redeleted: number;
  elapsedMs: number;
  keysPerSecond: number;
}

export interface PurgeNodeSummary {
  node: string;
  /** Deletions this node acknowledged (a failover may have undone some: see redeleted). */
  deleted: number;
  alreadyGone: number;
  /** Planned keys found again on this node after a failover, and deleted again. */
  redeleted: number;
  /** Planned keys still on this node after the final check. */
  left: number;
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
  /** Planned keys left in place because backing them up needs one whole-key DUMP (no --allow-whole-dump). */
  kept: number;
  /** Sent, but the connection failed before the reply: they may or may not have been deleted. */
  unknown: number;
  /** Not attempted (interrupted or stopped first). */
  notReached: number;
  /**
   * Acknowledged as deleted, then found again on the current master (a failover undid the deletion,
   * or a lagging replica took over) and deleted again. Not counted in `deleted`.
   */
  redeleted: number;
  /**
   * Planned keys still on the current master after the final check of the disturbed shards (the
   * topology kept changing); the purge then fails and names the nodes. Not counted in `deleted`.
   * deleted + redeleted + alreadyGone + skipped + kept + unknown + notReached + left = planned.
   */
  left: number;
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
  private leftKeys = 0;

  constructor(
    planned: number,
    /** For keys whose own size was not measured (a sampled plan). */
    private readonly averageBytes: number,
  ) {
    this.progress = { planned, processed: 0, deleted: 0, alreadyGone: 0, skipped: 0, kept: 0, unknown: 0, redeleted: 0, elapsedMs: 0, keysPerSecond: 0 };
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

  /** Keys removed again by a later pass: acknowledged before, so they move out of `deleted`. */
  redeleted(node: string, removed: number): void {
    this.nodeStats(node).redeleted += removed;
    this.progress.redeleted += removed;
    this.uncount(removed);
  }

  /** Planned keys still found after the last pass. */
  left(node: string, count: number): void {
    this.nodeStats(node).left += count;
    this.leftKeys += count;
    this.uncount(count);
  }

  /**
   * Keys counted as deleted (or, failing that, as already gone) that turned out to be there still.
   * Which key of a group was acknowledged is unknown, but the total moves exactly.
   */
  private uncount(count: number): void {
    const fromDeleted = Math.min(count, this.progress.deleted);
    this.progress.deleted -= fromDeleted;
    this.progress.alreadyGone -= Math.min(count - fromDeleted, this.progress.alreadyGone);
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

  kept(): void {
    this.progress.kept += 1;
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
      kept: p.kept,
      unknown: p.unknown,
      notReached: p.planned - p.processed,
      redeleted: p.redeleted,
      left: this.leftKeys,
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
      stats = { node: address, deleted: 0, alreadyGone: 0, redeleted: 0, left: 0 };
      this.perNode.set(address, stats);
    }
    return stats;
  }
}
