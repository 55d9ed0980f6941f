// `cachectl purge` as a core operation, part two: executing a plan. Reads the planned keys back,
// re-checks each against the pattern with Redis's own glob, routes it to the master owning it and
// deletes in rounds: UNLINK (DEL where UNLINK is unknown), multi-key only within one slot, every
// count taken from what the server replied. With a backup, a round's keys are DUMPed and fsynced
// to the backup file before any of them is deleted.
//
// When a connection drops or the topology changes mid-purge, the round is routed again after
// re-discovering the topology. A deletion the old master acknowledged may not have reached the
// replica that took over, so at the end the keys of every disturbed shard are deleted once more
// (counted separately as `redeleted`). Nothing is ever counted as deleted without a reply saying so.
// Most callers want the purge session (session.ts), which adds the backup file and the audit log.

import type { Redis } from 'ioredis';
import type { NodeHandle, Topology } from '../../connection/topology.js';
import type { BackupWriter } from './backup.js';
import { CachectlError } from '../../base/errors.js';
import { classifyFailure, groupBySlot, routeByOwner, ScriptRunner } from './key-commands.js';
import type { PurgePlan } from './plan.js';
import { keyMatches } from './plan.js';
import { sleep } from '../../base/sleep.js';
import { settleInSequence } from '../../base/settle.js';
import { connectionEpoch, scriptingUnavailable } from '../scan/scan.js';
import { SLOT_COUNT } from '../../base/slot.js';
import { displayKey } from '../../base/key-format.js';
import { formatBytes } from '../../base/units.js';
import type { BigKey } from './dump.js';
import { dumpKeys, isBigKey } from './dump.js';
import type { ChunkedDumpOptions } from './chunked-dump.js';
import { DEFAULT_CHUNK_LIMITS, backupBigKey } from './chunked-dump.js';
import type { Entry } from './rounds.js';
import { planRounds } from './rounds.js';
import type { PurgeEvent, PurgeSummary } from './tally.js';
import { PurgeTally } from './tally.js';
import { MasterWatch } from './master-watch.js';

export type { PurgeEvent, PurgeNodeSummary, PurgeProgress, PurgeSummary } from './tally.js';

export interface ExecuteOptions {
  signal?: AbortSignal;
  /** Keys per second over all nodes; undefined = full speed. */
  rate?: number;
  /** Where each key's DUMP goes before it is deleted. The caller creates and closes it. */
  backup?: BackupWriter;
  /** Emit a `deleted` event naming every deleted key (for --log); deletes one key per command. */
  reportKeys?: boolean;
  /** Never use Lua (DUMP through pipelines). */
  noScripts?: boolean;
  /**
   * With a backup: a big key only DUMP can read (a module type, a stream with consumer groups) is
   * backed up with one DUMP, which holds the server for as long as it takes. Without it such a key
   * is left in place (counted as kept) and the purge ends INCOMPLETE, naming it. @default false
   */
  allowWholeDump?: boolean;
  /** Keys per round: the unit of abort, pacing and backup fsync. @default 4000 (less under --rate) */
  roundKeys?: number;
  /** With a backup, a round also ends at this much planned memory, so DUMP replies stay manageable. @default 32 MiB */
  roundBytes?: number;
  /** Keys per UNLINK command. @default 250 (less under --rate) */
  commandKeys?: number;
  /** How long a round may keep failing (failover, reconnects) before the purge stops. @default 30000 */
  retryWindowMs?: number;
  /** Masters a round works on at once (Cluster); the others wait their turn. @default 4 */
  concurrency?: number;
}

type Mode = 'delete' | 'verify';

const DEFAULT_ROUND = 4000;
/** About half a millisecond of UNLINK work for small keys: other clients wait at most a few of these. */
const DEFAULT_COMMAND = 250;
const BACKUP_ROUND_BYTES = 32 * 1024 * 1024;
const MAX_VERIFY_PASSES = 2;
const UNSIZED_BACKUP_ROUND = 500;
const DUMP_GROUP = 100;
const REPLICATION_WAIT_MS = 1000;
const DEFAULT_CONCURRENCY = 4;

export async function* executePurge(topology: Topology, plan: PurgePlan, options: ExecuteOptions = {}): AsyncGenerator<PurgeEvent> {
  if (plan.status !== 'complete') {
    throw new CachectlError('INCOMPLETE', 'the plan is not complete, so it cannot be executed', { hint: 'plan again once every node can be scanned' });
  }
  const run = new PurgeRun(topology, plan, options);
  yield* run.execute();
}

class PurgeRun {
  private readonly started = Date.now();
  private readonly tally: PurgeTally;
  private readonly events: PurgeEvent[] = [];
  private readonly notices: string[] = [];
  /** Attempted keys (all passes), for --rate pacing. */
  private paced = 0;
  /** Slots (Cluster) whose master was disturbed; `allAffected` outside Cluster. */
  private affected = new Uint8Array(SLOT_COUNT);
  private allAffected = false;
  private disturbed = false;
  private readonly epochs = new WeakMap<Redis, number>();
  private readonly delNodes = new Set<string>();
  private readonly noScriptNodes = new Set<string>();
  private readonly roundKeys: number;
  private readonly commandKeys: number;
  private readonly retryWindowMs: number;
  private readonly cluster: boolean;
  private readonly averageBytes: number;
  private readonly watch: MasterWatch;
  /** Keys of this round too big for one DUMP, found by dumpOn: backed up in chunks afterwards, one at a time. */
  private readonly bigKeys = new Map<Entry, BigKey>();
  /**
   * At full speed without a backup, the check before a node's next deletions, asked right after
   * this round's UNLINKs were sent: the node answers it after them and before any later one, as
   * if asked when the next round starts, but its round trip overlaps the deleting.
   */
  private readonly nextCheck = new Map<NodeHandle, Promise<string | undefined>>();

  constructor(
    private readonly topology: Topology,
    private readonly plan: PurgePlan,
    private readonly options: ExecuteOptions,
  ) {
    const rate = options.rate;
    // Under --rate, rounds of about 1/20 s and small commands keep the load smooth. A backup round
    // is also bounded by the planned memory of its keys; without any sizes, small rounds do that.
    const unsized = options.backup !== undefined && plan.memoryBytes === null;
    const roundDefault = unsized ? UNSIZED_BACKUP_ROUND : DEFAULT_ROUND;
    this.roundKeys = options.roundKeys ?? (rate === undefined ? roundDefault : clamp(Math.floor(rate / 20), 10, roundDefault));
    // Under --rate, ~0.3 ms per command (100 keys at 20,000/s), one command at a time: see send().
    const commandDefault = rate === undefined ? DEFAULT_COMMAND : clamp(Math.floor(rate / 200), 10, DEFAULT_COMMAND);
    this.commandKeys = options.reportKeys === true ? 1 : Math.min(this.roundKeys, options.commandKeys ?? commandDefault);
    this.retryWindowMs = options.retryWindowMs ?? 30_000;
    this.cluster = topology.kind === 'cluster';
    this.averageBytes = plan.memoryBytes !== null && plan.matched > 0 ? plan.memoryBytes / plan.matched : 0;
    this.tally = new PurgeTally(plan.matched, this.averageBytes);
    this.watch = new MasterWatch(topology, 'purge');
  }

  async *execute(): AsyncGenerator<PurgeEvent> {
    let status: PurgeSummary['status'] = 'complete';
    let failure: CachectlError | undefined;
    try {
      status = yield* this.pass('delete', () => true);
      // Before anything is reported: is every master still the one the deletions went to?
      if (status === 'complete') await this.settle();
      for (let pass = 0; status === 'complete' && this.disturbed && pass < MAX_VERIFY_PASSES; pass += 1) {
        const include = this.takeAffected();
        this.notice('a master was disturbed (failover, demotion or reconnect) during the purge: deleting its planned keys once more on the current master, in case the failover brought some back');
        status = yield* this.pass('verify', include);
        if (status === 'complete') await this.settle();
      }
      if (status === 'complete' && this.disturbed) {
        const left = await this.countLeft(this.takeAffected());
        if (left.length > 0) {
          const total = left.reduce((sum, [, count]) => sum + count, 0);
          throw new CachectlError('SERVER', `${total} planned keys are still there after the topology kept changing: ${left.map(([node, count]) => `${count} on ${node}`).join(', ')}`, {
            hint: 'wait until the failover is over (cachectl nodes), then run the same purge again to delete them',
          });
        }
      }
      if (status === 'complete') await this.confirmReplicated();
      const kept = this.tally.progress.kept;
      if (status === 'complete' && kept > 0) {
        throw new CachectlError('INCOMPLETE', `${kept} planned key${kept === 1 ? ' was' : 's were'} left in place: backing ${kept === 1 ? 'it' : 'them'} up takes one DUMP each, which would hold the server (see the notices)`, {
          hint: 'pass --allow-whole-dump to accept that, or delete them without --backup',
        });
      }
    } catch (error) {
      status = 'failed';
      failure = error instanceof CachectlError ? error : new CachectlError('SERVER', String((error as Error)?.message ?? error), { cause: error });
    }
    if (status === 'interrupted' && this.disturbed) {
      this.notice('a master was disturbed during the purge: keys deleted on it may have come back; run the same purge again to catch them');
    }
    yield* this.drain();
    const backup = this.options.backup;
    const summary = this.tally.summary({
      status,
      failure,
      started: this.started,
      measured: this.plan.memoryBytes !== null,
      notices: this.notices,
      backup: backup === undefined ? null : { file: backup.file, records: backup.records, bytes: backup.bytes },
    });
    const error = summary.status === 'interrupted' ? interruptedError() : summary.status === 'failed' ? (failure ?? null) : null;
    yield { kind: 'done', summary, error };
  }

  /** One pass over the plan; returns 'interrupted' when aborted. */
  private async *pass(mode: Mode, include: (entry: Entry) => boolean): AsyncGenerator<PurgeEvent, PurgeSummary['status']> {
    const limits = { keys: this.roundKeys, bytes: this.options.backup === undefined ? Infinity : (this.options.roundBytes ?? BACKUP_ROUND_BYTES), averageBytes: this.averageBytes };
    for (const round of planRounds(this.topology, this.plan, include, limits)) {
      if (this.aborted()) return 'interrupted';
      await this.round(round, mode);
      yield* this.drain();
      yield { kind: 'progress', progress: this.tally.snapshot(this.started) };
      if (this.aborted()) return 'interrupted';
      await this.pace();
    }
    return 'complete';
  }

  private async round(entries: Entry[], mode: Mode): Promise<void> {
    const live: Entry[] = [];
    for (const entry of entries) {
      if (keyMatches(this.plan.pattern, entry.key)) {
        live.push(entry);
      } else if (mode === 'delete') {
        // Only a disagreement between this matcher and the server's (e.g. an arm64 server, where
        // class ranges compare bytes unsigned) gets here: such a key is never deleted.
        this.tally.skipped();
      }
    }
    this.paced += entries.length;
    if (live.length === 0) return;
    let toDelete = live;
    const backup = this.options.backup;
    if (backup !== undefined) {
      await this.phase(live, mode, 'dump');
      await this.backupBigKeys(mode);
      toDelete = live.filter((entry) => entry.backedUp);
      // Durable before anything is deleted: a purge killed after this line loses nothing.
      await backup.sync();
    }
    await this.phase(toDelete, mode, 'unlink');
  }

  /** Runs one step for every entry, routing again and retrying while the topology recovers. */
  private async phase(entries: Entry[], mode: Mode, step: 'dump' | 'unlink'): Promise<void> {
    let pending = entries;
    const deadline = Date.now() + this.retryWindowMs;
    let lastError: CachectlError | undefined;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      const retry: Entry[] = [];
      const { routed, unroutable } = routeByOwner(this.topology, pending);
      retry.push(...unroutable);
      const errors = await mapBounded([...routed], this.options.concurrency ?? DEFAULT_CONCURRENCY, async ([node, items]) =>
        step === 'dump' ? this.dumpOn(node, items, mode, retry) : this.unlinkOn(node, items, mode, retry),
      );
      lastError = errors.find((error) => error !== undefined) ?? lastError;
      if (retry.length === 0) return;
      if (unroutable.length > 0) lastError ??= new CachectlError('CLUSTER', `no master serves the slot of ${unroutable.length} keys`);
      if (this.options.signal?.aborted === true || Date.now() > deadline) {
        if (step === 'unlink' && mode === 'delete') this.tally.unknown(retry.filter((entry) => entry.doubt).length);
        if (this.options.signal?.aborted === true) {
          throw new CachectlError('INTERRUPTED', `interrupted while ${retry.length} keys waited for their master to come back`);
        }
        throw new CachectlError(lastError?.code ?? 'CONNECT', `gave up after ${Math.round(this.retryWindowMs / 1000)}s of failures: ${lastError?.message ?? 'no master answered'}`, {
          hint: 'check the servers (cachectl nodes); the summary says exactly what was deleted, and running the same purge again continues where this one stopped',
        });
      }
      this.disturbed = true;
      await this.relocate(attempt);
      pending = retry;
    }
  }

  /** The affected shards as a filter, and the marks cleared for the next pass. */
  private takeAffected(): (entry: Entry) => boolean {
    const affected = this.affected;
    const all = this.allAffected;
    this.affected = new Uint8Array(SLOT_COUNT);
    this.allAffected = false;
    this.disturbed = false;
    return (entry) => all || affected[entry.slot] === 1;
  }

  /**
   * Waits until every master is one no failover is taking away (each disturbed one marked), so the
   * next pass deletes where it lasts. Gives up after the retry window.
   */
  private async settle(): Promise<void> {
    const deadline = Date.now() + this.retryWindowMs;
    for (let attempt = 0; ; attempt += 1) {
      const masters = this.topology.masters();
      const reasons = await Promise.all(masters.map((node) => this.watch.disturbance(node)));
      const disturbed = masters.flatMap((node, i) => (reasons[i] === undefined ? [] : [{ node, why: reasons[i] }]));
      if (disturbed.length === 0) return;
      for (const { node, why } of disturbed) {
        this.markAffected(node);
        this.notice(`${why}: waiting for the topology to settle`);
      }
      if (this.aborted()) throw new CachectlError('INTERRUPTED', 'interrupted while waiting for a failover to settle');
      if (Date.now() > deadline) {
        throw new CachectlError('SERVER', `gave up after ${Math.round(this.retryWindowMs / 1000)}s waiting for a failover to settle: ${disturbed.map(({ why }) => why).join('; ')}`, {
          hint: 'keys deleted on a master that was then demoted may have come back: once the failover is over (cachectl nodes), run the same purge again',
        });
      }
      await this.relocate(attempt);
    }
  }

  /** EXISTS of the planned keys of the affected shards on their current masters: [node, count] where any remain. */
  private async countLeft(include: (entry: Entry) => boolean): Promise<[string, number][]> {
    const left = new Map<string, number>();
    const limits = { keys: this.roundKeys, bytes: Infinity, averageBytes: this.averageBytes };
    for (const round of planRounds(this.topology, this.plan, include, limits)) {
      const { routed, unroutable } = routeByOwner(this.topology, round);
      if (unroutable.length > 0) throw new CachectlError('CLUSTER', `no master serves the slot of ${unroutable.length} planned keys, so whether they are gone is unknown`, { hint: 'check the cluster (cachectl nodes), then run the same purge again' });
      await Promise.all(
        [...routed].map(async ([node, items]) => {
          const client = await node.ready();
          for (const group of groupBySlot(items, this.commandKeys, this.cluster)) {
            let count: number;
            try {
              count = Number(await client.callBuffer('EXISTS', ...group.map((entry) => entry.key)));
            } catch (error) {
              throw node.translate(error);
            }
            if (count > 0) left.set(node.address, (left.get(node.address) ?? 0) + count);
          }
        }),
      );
    }
    for (const [node, count] of left) this.tally.left(node, count);
    return [...left];
  }

  /** Every replica has the deletions, so a failover from now on cannot bring keys back. */
  private async confirmReplicated(): Promise<void> {
    for (const node of this.topology.masters()) {
      const result = await this.watch.replicated(node, REPLICATION_WAIT_MS);
      if (result !== null && result.acked < result.replicas) {
        this.notice(`only ${result.acked} of ${result.replicas} replicas of ${node.address} confirmed the deletions within ${REPLICATION_WAIT_MS / 1000}s: a failover to a lagging replica could bring some keys back`);
      }
    }
  }

  private async relocate(attempt: number): Promise<void> {
    // A check asked before the trouble says nothing about the node that comes next.
    this.nextCheck.clear();
    await sleep(Math.min(1000, 100 * 2 ** Math.min(attempt, 4)), this.options.signal);
    try {
      await this.topology.refresh();
    } catch {
      // The cluster or the sentinels may still be converging; the next attempt tries again.
    }
  }

  /** Connects; a connection that was re-established since last time marks its shard as disturbed. */
  private async clientFor(node: NodeHandle): Promise<Redis> {
    const client = await node.ready();
    const epoch = connectionEpoch(client);
    const known = this.epochs.get(client);
    if (known !== undefined && known !== epoch) {
      this.markAffected(node);
      this.notice(`the connection to ${node.address} was re-established mid-purge`);
    }
    this.epochs.set(client, epoch);
    return client;
  }

  private markAffected(node: NodeHandle): void {
    this.disturbed = true;
    if (!this.cluster) {
      this.allAffected = true;
      return;
    }
    for (const [from, to] of node.slots) this.affected.fill(1, from, to + 1);
  }

  private markSlots(entries: readonly Entry[]): void {
    this.disturbed = true;
    if (!this.cluster) this.allAffected = true;
    else for (const entry of entries) this.affected[entry.slot] = 1;
  }

  /**
   * Runs one command per group. At full speed they are all sent at once (pipelined). Under --rate
   * they go one after another: Redis executes every command it finds in one read of the socket
   * before it serves another client, so a burst would add up to one long pause for everyone else.
   */
  private async send<T>(client: Redis, groups: Entry[][], command: (group: Entry[]) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
    if (this.options.rate === undefined) {
      // Corked, the commands leave in one write instead of one system call each: in a Cluster,
      // where a command carries the keys of one slot, that is thousands of writes per round.
      const stream = (client as unknown as { stream?: { cork?: () => void; uncork?: () => void } }).stream;
      stream?.cork?.();
      try {
        return Promise.allSettled(groups.map(command));
      } finally {
        stream?.uncork?.();
      }
    }
    return settleInSequence(groups, command);
  }

  /** The node's client, or (nothing sent yet) its items queued for a retry and the reason. */
  private async connectOrRetry(node: NodeHandle, items: Entry[], retry: Entry[]): Promise<Redis | CachectlError> {
    try {
      return await this.clientFor(node);
    } catch (error) {
      retry.push(...items);
      this.markAffected(node);
      return node.translate(error);
    }
  }

  /** DUMP + PTTL for each entry; appends records for keys that exist, settles the ones that are gone. */
  private async dumpOn(node: NodeHandle, items: Entry[], mode: Mode, retry: Entry[]): Promise<CachectlError | undefined> {
    const client = await this.connectOrRetry(node, items, retry);
    if (client instanceof CachectlError) return client;
    // DUMP serializes every value: smaller groups than UNLINK's keep each script as short.
    const groups = groupBySlot(items.filter((entry) => !entry.backedUp), Math.min(this.commandKeys, DUMP_GROUP), this.cluster);
    const useScript = this.options.noScripts !== true && !this.noScriptNodes.has(node.address);
    const results = await this.send(client, groups, (group) => dumpKeys(client, group.map((entry) => entry.key), useScript));
    let fatal: CachectlError | undefined;
    let lastError: CachectlError | undefined;
    const fallback: Entry[] = [];
    results.forEach((result, index) => {
      const group = groups[index]!;
      if (result.status === 'fulfilled') {
        const now = Date.now();
        result.value.forEach((dumped, i) => {
          const entry = group[i]!;
          if (dumped === null) {
            if (mode === 'delete') this.tally.gone(node.address);
          } else if (isBigKey(dumped)) {
            this.bigKeys.set(entry, dumped);
          } else {
            this.options.backup!.append({ key: entry.key, payload: dumped.payload, expireAt: dumped.pttl >= 0 ? now + dumped.pttl : -1 });
            entry.backedUp = true;
          }
        });
        return;
      }
      if (useScript && scriptingUnavailable(result.reason)) {
        this.noScriptNodes.add(node.address);
        fallback.push(...group);
        return;
      }
      const failure = classifyFailure(node, result.reason);
      lastError = failure.error;
      if (failure.kind === 'fatal') fatal ??= failure.error;
      else {
        // DUMP only reads: a lost reply is simply asked again.
        retry.push(...group);
        this.markSlots(group);
      }
    });
    if (fallback.length > 0) {
      this.notice(`scripts are not permitted on ${node.address}; backing up through pipelines, which is slower`);
      const error = await this.dumpOn(node, fallback, mode, retry);
      if (error !== undefined) lastError = error;
    }
    if (fatal !== undefined) throw fatal;
    return lastError;
  }

  /**
   * The round's big keys, one after another (a chunked record must not interleave with others in
   * the file), each read in chunks from its current owner; retried like any other read while the
   * topology recovers. A type only DUMP can read is DUMPed whole, with a notice saying so.
   */
  private async backupBigKeys(mode: Mode): Promise<void> {
    const backup = this.options.backup!;
    const entries = [...this.bigKeys];
    this.bigKeys.clear();
    for (const [entry, big] of entries) {
      const deadline = Date.now() + this.retryWindowMs;
      for (let attempt = 0; ; attempt += 1) {
        if (this.aborted()) return;
        const { routed } = routeByOwner(this.topology, [entry]);
        const node = routed.keys().next().value as NodeHandle | undefined;
        try {
          if (node === undefined) throw new CachectlError('CLUSTER', 'no master serves the slot of a big key');
          const client = await this.clientFor(node);
          const outcome = await backupBigKey(client, entry.key, big, backup, this.chunkOptions());
          if (outcome.kind === 'backed-up') entry.backedUp = true;
          else if (outcome.kind === 'gone' && mode === 'delete') this.tally.gone(node.address);
          else if (outcome.kind === 'unsupported' && this.options.allowWholeDump === true) await this.dumpWhole(client, node, entry, big, outcome.reason, mode);
          else if (outcome.kind === 'unsupported') this.keep(entry, big, outcome.reason);
          break;
        } catch (error) {
          // The backup file failing (disk full) is never retried.
          if (error instanceof CachectlError && error.code === 'BACKUP') throw error;
          const failure = node === undefined ? undefined : classifyFailure(node, error);
          if (failure?.kind === 'fatal') throw failure.error;
          if (Date.now() > deadline) throw failure?.error ?? error;
          this.markSlots([entry]);
          await this.relocate(attempt);
        }
      }
    }
  }

  /** Under --rate, a big key's chunk reads count as deletions do (chunkWork) and wait their turn. */
  private chunkOptions(): ChunkedDumpOptions {
    const options: ChunkedDumpOptions = {};
    if (this.options.signal !== undefined) options.signal = this.options.signal;
    if (this.options.rate !== undefined) {
      // Calls as small as the deletions' under --rate (DEFAULT_CHUNK_LIMITS otherwise).
      options.limits = { ...DEFAULT_CHUNK_LIMITS, elements: Math.min(DEFAULT_CHUNK_LIMITS.elements, this.commandKeys) };
      options.pace = async (work) => {
        this.paced += work;
        await this.pace();
      };
    }
    return options;
  }

  /** A big key only one DUMP can back up, without --allow-whole-dump: not backed up, so never deleted. */
  private keep(entry: Entry, big: BigKey, reason: string): void {
    this.tally.kept();
    this.notice(`key ${displayKey(entry.key)} is ${reason}: backing it up takes one DUMP of about ${formatBytes(big.bytes)}, which holds the server while it runs (a 1M-field hash took 1.6 s); it was left in place (--allow-whole-dump accepts that)`);
  }

  /** The explicit fallback for a big key chunks cannot capture (--allow-whole-dump): one DUMP, and a notice with its size. */
  private async dumpWhole(client: Redis, node: NodeHandle, entry: Entry, big: BigKey, reason: string, mode: Mode): Promise<void> {
    this.notice(`key ${displayKey(entry.key)} is ${reason}: it is backed up with one DUMP of about ${formatBytes(big.bytes)}, which holds the server while it runs`);
    const unlimited = { bigBytes: Infinity, bigElements: Infinity, budgetBytes: Infinity, budgetElements: Infinity };
    const [dumped] = await dumpKeys(client, [entry.key], false, unlimited);
    if (dumped === null || dumped === undefined || isBigKey(dumped)) {
      if (mode === 'delete') this.tally.gone(node.address);
      return;
    }
    this.options.backup!.append({ key: entry.key, payload: dumped.payload, expireAt: dumped.pttl >= 0 ? Date.now() + dumped.pttl : -1 });
    entry.backedUp = true;
  }

  /** UNLINK (or DEL) per group; counts only what the replies say. */
  private async unlinkOn(node: NodeHandle, items: Entry[], mode: Mode, retry: Entry[]): Promise<CachectlError | undefined> {
    const client = await this.connectOrRetry(node, items, retry);
    if (client instanceof CachectlError) return client;
    // A deletion on a master a failover is replacing would be undone: wait for the one that counts.
    const early = this.nextCheck.get(node);
    this.nextCheck.delete(node);
    const why = await (early ?? this.watch.disturbance(node));
    if (why !== undefined) {
      retry.push(...items);
      this.markAffected(node);
      this.notice(`${why}: waiting for the new master before deleting more`);
      return new CachectlError('SERVER', why);
    }
    if (this.crossSlotScripts(node)) {
      items = await this.unlinkByScript(client, node, items, mode, retry);
      if (items.length === 0) return undefined;
    }
    const singles = items.filter((entry) => entry.single);
    const groups = [...groupBySlot(items.filter((entry) => !entry.single), this.commandKeys, this.cluster), ...singles.map((entry) => [entry])];
    const command = this.delNodes.has(node.address) ? 'DEL' : 'UNLINK';
    const sending = this.send(client, groups, (group) => client.callBuffer(command, ...group.map((entry) => entry.key)));
    this.checkNext(node);
    const results = await sending;
    let fatal: CachectlError | undefined;
    let lastError: CachectlError | undefined;
    const again: Entry[] = [];
    const asks: { entry: Entry; target: string }[] = [];
    results.forEach((result, index) => {
      const group = groups[index]!;
      if (result.status === 'fulfilled') {
        this.settleReply(node, group, Number(result.value), mode);
        return;
      }
      const failure = classifyFailure(node, result.reason);
      lastError = failure.error;
      if (failure.kind === 'fatal' && command === 'UNLINK' && /unknown command/i.test(failure.reply)) {
        // Redis before 4.0, or UNLINK renamed away: DEL does the same, synchronously.
        if (!this.delNodes.has(node.address)) this.notice(`UNLINK is not available on ${node.address}; using DEL`);
        this.delNodes.add(node.address);
        again.push(...group);
      } else if (failure.kind === 'fatal') {
        fatal ??= failure.error;
      } else if (failure.kind === 'ask' && failure.target !== undefined && group.length === 1) {
        asks.push({ entry: group[0]!, target: failure.target });
      } else if (failure.kind === 'doubt') {
        for (const entry of group) entry.doubt = true;
        retry.push(...group);
        this.markSlots(group);
      } else {
        // Refused without running (MOVED, TRYAGAIN, ASK for several keys…): in a migrating slot,
        // send the keys one by one so each is answered by whichever node holds it.
        // A migration moves keys with their values: only other refusals (MOVED after a failover,
        // READONLY, CLUSTERDOWN…) can mean a deletion was lost.
        const migrating = /^(TRYAGAIN|ASK)/.test(failure.reply);
        if (migrating) for (const entry of group) entry.single = true;
        else this.markSlots(group);
        retry.push(...group);
      }
    });
    if (again.length > 0) {
      const error = await this.unlinkOn(node, again, mode, retry);
      if (error !== undefined) lastError = error;
    }
    for (const { entry, target } of asks) {
      const error = await this.unlinkAsking(entry, target, mode, retry);
      if (error !== undefined) lastError = error;
    }
    if (fatal !== undefined) throw fatal;
    return lastError;
  }

  /** At full speed without a backup: the node's check before the next round, asked now (see nextCheck). */
  private checkNext(node: NodeHandle): void {
    if (this.options.rate !== undefined || this.options.backup !== undefined) return;
    const check = this.watch.disturbance(node);
    check.catch(() => {}); // awaited by the next round, or not needed
    this.nextCheck.set(node, check);
  }

  /**
   * In a Cluster, a multi-key UNLINK carries the keys of one slot, and a plan's keys spread over
   * thousands of slots: mostly one key per command. A script (which may touch any key its node
   * serves) deletes a group of any slots in one call. Not under --rate (commands there stay small
   * and one at a time), --log (one key per command), --no-scripts, or where UNLINK is missing.
   */
  private crossSlotScripts(node: NodeHandle): boolean {
    return (
      this.cluster &&
      this.options.rate === undefined &&
      this.options.reportKeys !== true &&
      this.options.noScripts !== true &&
      !this.noScriptNodes.has(node.address) &&
      !this.delNodes.has(node.address)
    );
  }

  /**
   * UNLINK by script, each key under pcall, so one key's refusal stops nothing. Only a 1 counts as
   * deleted; every other key (0: gone, or moved away by a slot migration; an error: not served
   * here, READONLY…) goes back to the caller for the plain per-slot commands, whose MOVED/ASK
   * handling and counting apply. A call that got no reply leaves its keys in doubt, as UNLINK does.
   */
  private async unlinkByScript(client: Redis, node: NodeHandle, items: Entry[], mode: Mode, retry: Entry[]): Promise<Entry[]> {
    const rest = items.filter((entry) => entry.single);
    const batched = items.filter((entry) => !entry.single);
    const groups: Entry[][] = [];
    for (let i = 0; i < batched.length; i += this.commandKeys) groups.push(batched.slice(i, i + this.commandKeys));
    const sending = this.send(client, groups, (group) => unlinkScript.run(client, [], group.map((entry) => entry.key)));
    this.checkNext(node);
    const results = await sending;
    results.forEach((result, index) => {
      const group = groups[index]!;
      if (result.status === 'fulfilled') {
        const replies = result.value as number[];
        const removed = group.filter((_, i) => replies[i] === 1);
        if (removed.length > 0) this.settleReply(node, removed, removed.length, mode);
        for (let i = 0; i < group.length; i += 1) if (replies[i] !== 1) rest.push(group[i]!);
        return;
      }
      if (scriptingUnavailable(result.reason)) {
        if (!this.noScriptNodes.has(node.address)) this.notice(`scripts are not permitted on ${node.address}; deleting one slot per command, which is slower`);
        this.noScriptNodes.add(node.address);
        rest.push(...group);
        return;
      }
      const failure = classifyFailure(node, result.reason);
      if (failure.kind === 'doubt') {
        for (const entry of group) entry.doubt = true;
        retry.push(...group);
        this.markSlots(group);
        return;
      }
      // Refused before it ran (every UNLINK inside is under pcall): the plain way says why.
      rest.push(...group);
    });
    return rest;
  }

  /** A key of a migrating slot that now lives on the importing node: ASKING, then the command, there. */
  private async unlinkAsking(entry: Entry, target: string, mode: Mode, retry: Entry[]): Promise<CachectlError | undefined> {
    const node = this.topology.masters().find((candidate) => candidate.address === target);
    if (node === undefined) {
      retry.push(entry);
      await this.topology.refresh().catch(() => false);
      return undefined;
    }
    try {
      const client = await this.clientFor(node);
      const command = this.delNodes.has(node.address) ? 'del' : 'unlink';
      const replies = (await client.pipeline().asking()[command](entry.key).exec()) ?? [];
      const [error, value] = replies[1] ?? [new Error('no reply')];
      if (error) throw error;
      this.settleReply(node, [entry], Number(value), mode);
      return undefined;
    } catch (error) {
      const failure = classifyFailure(node, error);
      if (failure.kind === 'fatal') throw failure.error;
      if (failure.kind === 'doubt') entry.doubt = true;
      retry.push(entry);
      this.markSlots([entry]);
      return failure.error;
    }
  }

  private settleReply(node: NodeHandle, group: Entry[], removed: number, mode: Mode): void {
    if (mode === 'verify') {
      this.tally.redeleted(node.address, removed);
      return;
    }
    this.tally.deleted(node.address, group, removed);
    if (this.options.reportKeys === true && removed > 0 && removed === group.length) {
      this.events.push({ kind: 'deleted', node: node.address, keys: group.map((entry) => entry.key) });
    }
  }

  private aborted(): boolean {
    return this.options.signal?.aborted === true;
  }

  private async pace(): Promise<void> {
    const rate = this.options.rate;
    if (rate === undefined) return;
    const wait = this.started + (this.paced / rate) * 1000 - Date.now();
    if (wait > 0) await sleep(wait, this.options.signal);
  }

  private notice(message: string): void {
    if (this.notices.includes(message)) return;
    this.notices.push(message);
    this.events.push({ kind: 'notice', message });
  }

  private *drain(): Generator<PurgeEvent> {
    while (this.events.length > 0) yield this.events.shift()!;
  }
}

function interruptedError(): CachectlError {
  return new CachectlError('INTERRUPTED', 'interrupted: nothing more was deleted, and the summary is exact');
}

/** UNLINK of each key in ARGV: 1 deleted, 0 not there, -1 refused (pcall: the rest still run). */
const unlinkScript = new ScriptRunner(`
local out = {}
for i = 1, #ARGV do
  local r = redis.pcall('UNLINK', ARGV[i])
  if type(r) == 'number' then out[i] = r else out[i] = -1 end
end
return out
`);

/** fn over items, at most `limit` at once; results in the items' order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
