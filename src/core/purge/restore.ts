// `cachectl restore` as a core operation: plan (read and verify the whole backup, count what would
// be restored, what expired since, what exists already) and execute (RESTORE each key on the master
// owning it, with its original absolute expiry, never overwriting unless asked).

import type { Redis } from 'ioredis';
import type { NodeHandle, Topology } from '../../connection/topology.js';
import type { BackupEnding, BackupHeader, ReadRecord } from './backup.js';
import { BackupReader } from './backup.js';
import type { RdbCompatibility } from './rdb-version.js';
import { RdbVersionCheck, rdbRefusal, refusedPayloadHint } from './rdb-version.js';
import { CachectlError } from '../../base/errors.js';
import { displayKey } from '../../base/key-format.js';
import type { KeyItem } from './key-commands.js';
import { classifyFailure, groupBySlot, routeByOwner, slotOf } from './key-commands.js';
import { sleep } from '../../base/sleep.js';
import { settleInSequence } from '../../base/settle.js';
import { Pacer } from '../../base/pacer.js';
import type { ChunkedRestoreOptions, ChunkedRestoreOutcome } from './chunked-restore.js';
import { chunkedDescription, restoreChunked } from './chunked-restore.js';

export interface RestorePlanOptions {
  /** Accept a file without its end marker (a purge that was killed): restore its intact records. */
  allowTruncated?: boolean;
  /** Count keys that exist already (one EXISTS per slot group). @default true */
  checkExisting?: boolean;
  signal?: AbortSignal;
  onProgress?: (read: number) => void;
}

export interface RestorePlan {
  file: string;
  header: BackupHeader;
  ending: BackupEnding;
  records: number;
  /** Records whose key has not expired (as of planning). */
  toRestore: number;
  /** Records whose expiry has passed since the backup: they are skipped. */
  expired: number;
  /** Of toRestore, keys that exist on the server now; null when not checked. */
  existing: number | null;
  payloadBytes: number;
  nodes: { node: string; keys: number }[];
  durationMs: number;
  notices: string[];
  /** Per target node, the records' RDB versions and those it cannot load (rdbRefusal says so). */
  rdb: RdbCompatibility;
}

interface PlanItem extends KeyItem {
  index: number;
}

const ROUND_RECORDS = 1000;
const ROUND_BYTES = 16 * 1024 * 1024;

export async function planRestore(topology: Topology, file: string, options: RestorePlanOptions = {}): Promise<RestorePlan> {
  const started = Date.now();
  const reader = new BackupReader(file);
  const records = reader.records();
  const checkExisting = options.checkExisting !== false;
  const nodes = new Map<string, number>();
  let count = 0;
  let toRestore = 0;
  let expired = 0;
  let existing = 0;
  let payloadBytes = 0;
  let batch: PlanItem[] = [];
  const rdb = new RdbVersionCheck();
  const flush = async () => {
    if (checkExisting && batch.length > 0) existing += await countExisting(topology, batch);
    batch = [];
  };
  let ending: BackupEnding;
  for (;;) {
    if (options.signal?.aborted === true) throw new CachectlError('INTERRUPTED', 'interrupted while reading the backup: nothing was restored');
    const next = await records.next();
    if (next.done === true) {
      ending = next.value;
      break;
    }
    const record = next.value;
    if (record.chunked !== undefined) {
      // Read (and checked) to its end; a voided record or one the file cuts off is not a record.
      for (let chunk = await record.chunked.next(); chunk !== undefined; chunk = await record.chunked.next()) {
        for (const item of chunk.items) payloadBytes += item.length;
      }
      const end = await record.chunked.done();
      if (end === 'void' || end === 'cut') continue;
      if (end === 'vanished') {
        count += 1;
        expired += 1;
        continue;
      }
    }
    count += 1;
    payloadBytes += record.payload.length;
    if (isExpired(record.expireAt, Date.now())) {
      expired += 1;
    } else {
      toRestore += 1;
      const item: PlanItem = { key: record.key, slot: slotOf(topology, record.key), index: record.index };
      const owner = routeByOwner(topology, [item]).routed.keys().next().value as NodeHandle | undefined;
      const address = owner?.address ?? 'unassigned';
      nodes.set(address, (nodes.get(address) ?? 0) + 1);
      rdb.note(owner, record.payload);
      batch.push(item);
      if (batch.length >= ROUND_RECORDS) await flush();
    }
    if (count % 10_000 === 0) options.onProgress?.(count);
  }
  await flush();
  const compatibility = await rdb.finish();
  const notices: string[] = [...compatibility.notices];
  if (ending.kind !== 'complete') {
    const how =
      ending.kind === 'truncated'
        ? `is cut off inside a record at byte offset ${ending.offset}`
        : `ends at byte offset ${ending.offset} without its end marker`;
    const problem = `backup ${file} ${how}, after ${ending.records.toLocaleString('en-US')} intact records`;
    if (options.allowTruncated !== true) {
      throw new CachectlError('BACKUP', `${problem}: it is incomplete, so keys after that point may be missing`, {
        hint: 'a purge that was killed leaves such a file, and then the keys after the cut were never deleted: pass --allow-truncated to restore the intact records',
      });
    }
    notices.push(`${problem}; restoring the intact records (--allow-truncated)`);
  }
  return {
    file,
    header: reader.header!,
    ending,
    records: count,
    toRestore,
    expired,
    existing: checkExisting ? existing : null,
    payloadBytes,
    nodes: [...nodes].map(([node, keys]) => ({ node, keys })),
    durationMs: Date.now() - started,
    notices,
    rdb: compatibility,
  };
}

async function countExisting(topology: Topology, items: PlanItem[]): Promise<number> {
  const { routed, unroutable } = routeByOwner(topology, items);
  if (unroutable.length > 0) throw new CachectlError('CLUSTER', `no master serves the slot of ${unroutable.length} keys`, { hint: 'the cluster is failing over or broken: check CLUSTER INFO, then retry' });
  const counts = await Promise.all(
    [...routed].map(async ([node, list]) => {
      const client = await node.ready();
      try {
        const groups = groupBySlot(list, 500, topology.kind === 'cluster');
        const replies = await Promise.all(groups.map((group) => client.callBuffer('EXISTS', ...group.map((item) => item.key))));
        return replies.reduce<number>((sum, reply) => sum + Number(reply), 0);
      } catch (error) {
        throw node.translate(error);
      }
    }),
  );
  return counts.reduce((sum, n) => sum + n, 0);
}

function isExpired(expireAt: number, now: number): boolean {
  return expireAt >= 0 && expireAt <= now;
}

export interface RestoreOptions {
  /** RESTORE … REPLACE: overwrite keys that exist. @default false */
  replace?: boolean;
  allowTruncated?: boolean;
  signal?: AbortSignal;
  /** How long a round may keep failing with retryable errors (failover) before stopping. @default 30000 */
  retryWindowMs?: number;
  /**
   * Keys per second at most (--rate): RESTOREs go one at a time in rounds of about 1/20 s, and a
   * big key's chunk writes count one key per element (per KiB of a string). Unpaced by default.
   */
  rate?: number;
}

export interface RestoreProgress {
  records: number;
  processed: number;
  restored: number;
  expired: number;
  existing: number;
  failed: number;
  unknown: number;
  elapsedMs: number;
}

export interface RestoreSummary {
  status: 'complete' | 'interrupted' | 'failed';
  records: number;
  restored: number;
  /** Expiry passed since the backup: skipped. */
  expired: number;
  /** Existed already and were left alone (no --replace). */
  existing: number;
  /** Refused by the server (e.g. a payload from a newer Redis); the restore stops at the first. */
  failed: number;
  /** Sent, but the connection failed before the reply: may or may not be restored. */
  unknown: number;
  notReached: number;
  durationMs: number;
  nodes: { node: string; restored: number }[];
  error: { code: string; message: string; hint: string | null } | null;
}

/** `error` says why a restore did not complete (INTERRUPTED, or the failure); null when it did. */
export type RestoreEvent = { kind: 'progress'; progress: RestoreProgress } | { kind: 'done'; summary: RestoreSummary; error: CachectlError | null };

interface RestoreItem extends KeyItem {
  record: ReadRecord;
}

export async function* executeRestore(topology: Topology, plan: RestorePlan, options: RestoreOptions = {}): AsyncGenerator<RestoreEvent> {
  const started = Date.now();
  const counts = { processed: 0, restored: 0, expired: 0, existing: 0, failed: 0, unknown: 0 };
  const perNode = new Map<string, number>();
  let status: RestoreSummary['status'] = 'complete';
  let failure: CachectlError | undefined;
  const reader = new BackupReader(plan.file);
  const records = reader.records();
  const progress = (): RestoreProgress => ({ records: plan.records, ...counts, elapsedMs: Date.now() - started });
  const pacer = options.rate === undefined ? undefined : new Pacer(options.rate, options.signal);
  const roundRecords = options.rate === undefined ? ROUND_RECORDS : Math.max(1, Math.min(ROUND_RECORDS, Math.floor(options.rate / 20)));

  const restoreRound = async (items: RestoreItem[]): Promise<void> => {
    let pending = items;
    const deadline = Date.now() + (options.retryWindowMs ?? 30_000);
    let lastError: CachectlError | undefined;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      const retry: RestoreItem[] = [];
      const { routed, unroutable } = routeByOwner(topology, pending);
      retry.push(...unroutable);
      const outcomes = await Promise.all([...routed].map(([node, list]) => restoreOn(node, list, retry)));
      const fatal = outcomes.find((outcome) => outcome.fatal !== undefined)?.fatal;
      if (fatal !== undefined) throw fatal;
      lastError = outcomes.find((outcome) => outcome.error !== undefined)?.error ?? lastError;
      if (retry.length === 0) return;
      if (options.signal?.aborted === true || Date.now() > deadline) {
        throw new CachectlError(lastError?.code ?? 'CONNECT', `gave up after repeated failures: ${lastError?.message ?? 'no master answered'}`, {
          hint: 'check the servers (cachectl nodes); running the same restore again skips keys already restored',
        });
      }
      await sleep(Math.min(1000, 100 * 2 ** Math.min(attempt, 4)), options.signal);
      await topology.refresh().catch(() => false);
      pending = retry;
    }
  };

  const restoreOn = async (node: NodeHandle, items: RestoreItem[], retry: RestoreItem[]): Promise<{ fatal?: CachectlError; error?: CachectlError }> => {
    let client: Redis;
    try {
      client = await node.ready();
    } catch (error) {
      retry.push(...items);
      return { error: node.translate(error) };
    }
    const send = (item: RestoreItem) => client.callBuffer('RESTORE', ...restoreArgs(item.record, options.replace === true));
    // Under --rate one after another: a pipelined burst would hold the server for the whole round.
    const replies = pacer === undefined ? await Promise.allSettled(items.map(send)) : await settleInSequence(items, send);
    let fatal: CachectlError | undefined;
    let error: CachectlError | undefined;
    replies.forEach((reply, index) => {
      const item = items[index]!;
      if (reply.status === 'fulfilled') {
        counts.restored += 1;
        counts.processed += 1;
        perNode.set(node.address, (perNode.get(node.address) ?? 0) + 1);
        return;
      }
      const failed = classifyFailure(node, reply.reason);
      if (failed.reply.startsWith('BUSYKEY')) {
        counts.existing += 1;
        counts.processed += 1;
      } else if (failed.kind === 'fatal') {
        counts.failed += 1;
        counts.processed += 1;
        fatal ??= payloadError(node, item.record, failed.reply, failed.error, plan.rdb);
      } else if (failed.kind === 'doubt') {
        // It may have been restored; retrying without REPLACE could not tell ours from someone else's.
        counts.unknown += 1;
        counts.processed += 1;
        fatal ??= new CachectlError(failed.error.code, `${failed.error.message} while restoring key ${displayKey(item.record.key)} (record #${item.record.index + 1})`, {
          hint: 'check the server (cachectl nodes), then run the same restore again: keys already restored are reported as existing',
        });
      } else {
        retry.push(item);
        error = failed.error;
      }
    });
    return fatal === undefined ? (error === undefined ? {} : { error }) : { fatal };
  };

  /** One chunked record on the master owning its key; waits for a master like a round does, then fails on errors. */
  const restoreChunkedRecord = async (record: ReadRecord): Promise<ChunkedRestoreOutcome> => {
    if (isExpired(record.expireAt, Date.now())) {
      const end = await record.chunked!.done();
      return end === 'void' || end === 'cut' ? end : 'expired';
    }
    const deadline = Date.now() + (options.retryWindowMs ?? 30_000);
    for (let attempt = 0; ; attempt += 1) {
      const { routed } = routeByOwner(topology, [{ key: record.key, slot: slotOf(topology, record.key) }]);
      const node = routed.keys().next().value as NodeHandle | undefined;
      let client: Redis | undefined;
      try {
        if (node !== undefined) client = await node.ready();
      } catch {
        client = undefined;
      }
      if (node !== undefined && client !== undefined) {
        const chunkedOptions: ChunkedRestoreOptions = { replace: options.replace === true };
        if (options.signal !== undefined) chunkedOptions.signal = options.signal;
        if (pacer !== undefined) chunkedOptions.pace = (work) => pacer.add(work);
        try {
          const outcome = await restoreChunked(client, record, chunkedOptions);
          if (outcome === 'restored') perNode.set(node.address, (perNode.get(node.address) ?? 0) + 1);
          return outcome;
        } catch (error) {
          if (error instanceof CachectlError) throw error;
          const failed = node.translate(error);
          throw new CachectlError(failed.code, `restoring ${chunkedDescription(record)} failed on ${node.address}: ${failed.message}`, {
            hint: failed.hint ?? 'check the server; running the same restore again skips keys already restored',
            cause: error,
          });
        }
      }
      if (options.signal?.aborted === true) return 'interrupted';
      if (Date.now() > deadline) throw new CachectlError('CONNECT', `no master answered for ${chunkedDescription(record)}`, { hint: 'check the servers (cachectl nodes), then run the same restore again' });
      await sleep(Math.min(1000, 100 * 2 ** Math.min(attempt, 4)), options.signal);
      await topology.refresh().catch(() => false);
    }
  };

  try {
    const refusal = rdbRefusal(plan.rdb);
    if (refusal !== undefined) throw refusal;
    let round: RestoreItem[] = [];
    let bytes = 0;
    for (;;) {
      if (options.signal?.aborted === true) {
        status = 'interrupted';
        break;
      }
      const next = await records.next();
      if (next.done !== true && next.value.chunked !== undefined) {
        // A big key, restored in chunks before the next record is read: the round so far goes first.
        if (round.length > 0) {
          await restoreRound(round);
          await pacer?.add(round.length);
          round = [];
          bytes = 0;
        }
        const outcome = await restoreChunkedRecord(next.value);
        if (outcome === 'interrupted') {
          status = 'interrupted';
          break;
        }
        if (outcome !== 'void' && outcome !== 'cut') {
          counts.processed += 1;
          counts[outcome] += 1;
        }
        yield { kind: 'progress', progress: progress() };
        continue;
      }
      if (next.done !== true) {
        const record = next.value;
        if (isExpired(record.expireAt, Date.now())) {
          counts.expired += 1;
          counts.processed += 1;
        } else {
          round.push({ key: record.key, slot: slotOf(topology, record.key), record });
          bytes += record.payload.length;
        }
      }
      if (round.length >= roundRecords || bytes >= ROUND_BYTES || (next.done === true && round.length > 0)) {
        await restoreRound(round);
        await pacer?.add(round.length);
        round = [];
        bytes = 0;
        yield { kind: 'progress', progress: progress() };
      }
      if (next.done === true) {
        const ending = next.value;
        if (ending.kind !== 'complete' && options.allowTruncated !== true) {
          throw new CachectlError('BACKUP', `backup ${plan.file} no longer ends with its end marker`, { hint: 'the file changed since it was planned' });
        }
        break;
      }
    }
  } catch (error) {
    status = 'failed';
    failure = error instanceof CachectlError ? error : new CachectlError('SERVER', String((error as Error)?.message ?? error), { cause: error });
    if (failure.code === 'INTERRUPTED' || options.signal?.aborted === true) status = 'interrupted';
  } finally {
    await records.return(undefined as never).catch(() => undefined);
  }
  yield {
    kind: 'done',
    summary: {
      status,
      records: plan.records,
      restored: counts.restored,
      expired: counts.expired,
      existing: counts.existing,
      failed: counts.failed,
      unknown: counts.unknown,
      notReached: Math.max(0, plan.records - counts.processed),
      durationMs: Date.now() - started,
      nodes: [...perNode].map(([node, restored]) => ({ node, restored })),
      error: failure === undefined || status === 'interrupted' ? null : { code: failure.code, message: failure.message, hint: failure.hint ?? null },
    },
    error:
      status === 'interrupted'
        ? new CachectlError('INTERRUPTED', 'interrupted: nothing more was restored, and the summary is exact')
        : status === 'failed' && failure !== undefined
          ? new CachectlError(failure.code, `${failure.message} (${counts.restored.toLocaleString('en-US')} keys were restored before this)`, { ...(failure.hint === undefined ? {} : { hint: failure.hint }), exitCode: failure.exitCode, cause: failure })
          : null,
  };
}


function restoreArgs(record: ReadRecord, replace: boolean): (string | Buffer)[] {
  const args: (string | Buffer)[] = [record.key, record.expireAt >= 0 ? String(Math.round(record.expireAt)) : '0', record.payload];
  if (replace) args.push('REPLACE');
  if (record.expireAt >= 0) args.push('ABSTTL');
  return args;
}

function payloadError(node: NodeHandle, record: ReadRecord, reply: string, error: CachectlError, rdb: RdbCompatibility): CachectlError {
  const where = `key ${displayKey(record.key)} (record #${record.index + 1} at byte offset ${record.offset})`;
  if (/payload version or checksum|Bad data format/i.test(reply)) {
    return new CachectlError('RESTORE', `${node.address} refused the DUMP payload of ${where}: ${reply.split('\n')[0]}`, {
      hint: refusedPayloadHint(rdb, node.address, record.payload),
      cause: error,
    });
  }
  return new CachectlError(error.code, `RESTORE of ${where} failed on ${node.address}: ${reply.split('\n')[0]}`, { hint: error.hint ?? 'check the server and the ACL (RESTORE needs +restore)', cause: error });
}
