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

import type { Redis } from 'ioredis';
import type { NodeHandle, Topology } from '../../connection/topology.js';
import type { BackupWriter } from './backup.js';
import { CachectlError } from '../../base/errors.js';
import type { KeyItem } from './key-commands.js';
import { ScriptRunner, classifyFailure, groupBySlot, routeByOwner, slotOf } from './key-commands.js';
import type { PurgePlan } from './plan.js';
import { keyMatches } from './plan.js';
import { sleep } from '../../base/sleep.js';
import { connectionEpoch, scriptingUnavailable } from '../scan/scan.js';
import { SLOT_COUNT } from '../../base/slot.js';

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
  /** Keys per round: the unit of abort, pacing and backup fsync. @default 4000 (less under --rate) */
  roundKeys?: number;
  /** With a backup, a round also ends at this much planned memory, so DUMP replies stay manageable. @default 32 MiB */
  roundBytes?: number;
  /** Keys per UNLINK command. @default 250 (less under --rate) */
  commandKeys?: number;
  /** How long a round may keep failing (failover, reconnects) before the purge stops. @default 30000 */
  retryWindowMs?: number;
}

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
  backup: { file: string; records: number; bytes: number } | null;
  error: { code: string; message: string; hint: string | null } | null;
  notices: string[];
}

export type PurgeEvent =
  | { kind: 'progress'; progress: PurgeProgress }
  | { kind: 'deleted'; node: string; keys: Buffer[] }
  | { kind: 'notice'; message: string }
  | { kind: 'done'; summary: PurgeSummary };

interface Entry extends KeyItem {
  memory: number;
  /** An earlier command for this key got no reply: it may already have been deleted by us. */
  doubt: boolean;
  backedUp: boolean;
  /** Send alone (the slot is migrating and a multi-key command was refused). */
  single: boolean;
}

type Mode = 'delete' | 'verify';

// Returns one byte per key: 0 = gone, 1 = followed by u32 payload length, payload, f64 PTTL.
const DUMP_SCRIPT = `
local out = {}
for i = 1, #KEYS do
  local payload = redis.call('DUMP', KEYS[i])
  if payload then
    out[i] = struct.pack('>BI4', 1, #payload) .. payload .. struct.pack('>d', redis.call('PTTL', KEYS[i]))
  else
    out[i] = struct.pack('>B', 0)
  end
end
return table.concat(out)
`;
const dumpScript = new ScriptRunner(DUMP_SCRIPT);

const DEFAULT_ROUND = 4000;
/** About half a millisecond of UNLINK work for small keys: other clients wait at most a few of these. */
const DEFAULT_COMMAND = 250;
const BACKUP_ROUND_BYTES = 32 * 1024 * 1024;
const MAX_VERIFY_PASSES = 2;
const UNSIZED_BACKUP_ROUND = 500;
const DUMP_GROUP = 100;

export async function* executePurge(topology: Topology, plan: PurgePlan, options: ExecuteOptions = {}): AsyncGenerator<PurgeEvent> {
  if (plan.status !== 'complete') {
    throw new CachectlError('INCOMPLETE', 'the plan is not complete, so it cannot be executed', { hint: 'plan again once every node can be scanned' });
  }
  const run = new PurgeRun(topology, plan, options);
  yield* run.execute();
}

class PurgeRun {
  private readonly started = Date.now();
  private readonly progress: PurgeProgress;
  private readonly perNode = new Map<string, PurgeNodeSummary>();
  private readonly events: PurgeEvent[] = [];
  private readonly notices: string[] = [];
  private bytesFreed = 0;
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
  private doubtGone = 0;
  /** For keys whose own size was not measured (a sampled plan). */
  private readonly averageBytes: number;

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
    this.progress = {
      planned: plan.matched,
      processed: 0,
      deleted: 0,
      alreadyGone: 0,
      skipped: 0,
      unknown: 0,
      redeleted: 0,
      elapsedMs: 0,
      keysPerSecond: 0,
    };
  }

  async *execute(): AsyncGenerator<PurgeEvent> {
    let status: PurgeSummary['status'] = 'complete';
    let failure: CachectlError | undefined;
    try {
      status = yield* this.pass('delete', () => true);
      for (let pass = 0; status === 'complete' && this.disturbed && pass < MAX_VERIFY_PASSES; pass += 1) {
        const affected = this.affected;
        const all = this.allAffected;
        this.affected = new Uint8Array(SLOT_COUNT);
        this.allAffected = false;
        this.disturbed = false;
        this.notice('the connection to a master was lost or the topology changed: deleting its planned keys once more, in case the failover brought some back');
        status = yield* this.pass('verify', (entry) => all || affected[entry.slot] === 1);
      }
      if (status === 'complete' && this.disturbed) {
        this.notice('the topology changed again while re-checking: some keys may have come back; run the same purge again to catch them');
      }
    } catch (error) {
      status = 'failed';
      failure = error instanceof CachectlError ? error : new CachectlError('SERVER', String((error as Error)?.message ?? error), { cause: error });
    }
    if (status === 'interrupted' && this.disturbed) {
      this.notice('a master was disturbed during the purge: keys deleted on it may have come back; run the same purge again to catch them');
    }
    yield* this.drain();
    yield { kind: 'done', summary: this.summary(status, failure) };
  }

  /** One pass over the plan; returns 'interrupted' when aborted. */
  private async *pass(mode: Mode, include: (entry: Entry) => boolean): AsyncGenerator<PurgeEvent, PurgeSummary['status']> {
    for (const round of this.rounds(include)) {
      if (this.aborted()) return 'interrupted';
      await this.round(round, mode);
      yield* this.drain();
      yield { kind: 'progress', progress: this.snapshot() };
      if (this.aborted()) return 'interrupted';
      await this.pace();
    }
    return 'complete';
  }

  /** Rounds take keys from every shard's spool in turn, so all masters work at once. */
  private *rounds(include: (entry: Entry) => boolean): Generator<Entry[]> {
    const spools = this.plan.spools;
    const share = Math.max(1, Math.ceil(this.roundKeys / Math.max(1, spools.length)));
    const readers = spools.map((spool) => spool.chunks(share));
    const byteLimit = this.options.backup === undefined ? Infinity : (this.options.roundBytes ?? BACKUP_ROUND_BYTES);
    let active = readers.length;
    const done = new Set<number>();
    while (active > 0) {
      let round: Entry[] = [];
      let bytes = 0;
      for (let r = 0; r < readers.length; r += 1) {
        if (done.has(r)) continue;
        const next = readers[r]!.next();
        if (next.done === true) {
          done.add(r);
          active -= 1;
          continue;
        }
        const { keys, memory } = next.value;
        for (let i = 0; i < keys.length; i += 1) {
          const key = keys[i]!;
          const entry: Entry = { key, slot: slotOf(this.topology, key), memory: memory[i]!, doubt: false, backedUp: false, single: false };
          if (!include(entry)) continue;
          round.push(entry);
          bytes += entry.memory >= 0 ? entry.memory : this.averageBytes;
          if (bytes >= byteLimit) {
            yield round;
            round = [];
            bytes = 0;
          }
        }
      }
      if (round.length > 0) yield round;
    }
  }

  private async round(entries: Entry[], mode: Mode): Promise<void> {
    const live: Entry[] = [];
    for (const entry of entries) {
      if (keyMatches(this.plan.pattern, entry.key)) {
        live.push(entry);
      } else if (mode === 'delete') {
        // Only a disagreement between this matcher and the server's (e.g. an arm64 server, where
        // class ranges compare bytes unsigned) gets here: such a key is never deleted.
        this.progress.skipped += 1;
        this.progress.processed += 1;
      }
    }
    this.paced += entries.length;
    if (live.length === 0) return;
    let toDelete = live;
    const backup = this.options.backup;
    if (backup !== undefined) {
      await this.phase(live, mode, 'dump');
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
      const errors = await Promise.all(
        [...routed].map(async ([node, items]) => (step === 'dump' ? this.dumpOn(node, items, mode, retry) : this.unlinkOn(node, items, mode, retry))),
      );
      lastError = errors.find((error) => error !== undefined) ?? lastError;
      if (retry.length === 0) return;
      if (unroutable.length > 0) lastError ??= new CachectlError('CLUSTER', `no master serves the slot of ${unroutable.length} keys`);
      if (this.options.signal?.aborted === true || Date.now() > deadline) {
        if (step === 'unlink' && mode === 'delete') {
          const doubtful = retry.filter((entry) => entry.doubt).length;
          this.progress.unknown += doubtful;
          this.progress.processed += doubtful;
        }
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

  private async relocate(attempt: number): Promise<void> {
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
  private async send<T>(groups: Entry[][], command: (group: Entry[]) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
    if (this.options.rate === undefined) return Promise.allSettled(groups.map(command));
    const results: PromiseSettledResult<T>[] = [];
    for (const group of groups) {
      try {
        results.push({ status: 'fulfilled', value: await command(group) });
      } catch (reason) {
        results.push({ status: 'rejected', reason });
      }
    }
    return results;
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
    const results = await this.send(groups, (group) => (useScript ? this.dumpScripted(client, group) : this.dumpPipelined(client, group)));
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
            this.settleGone(node, entry, mode);
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

  private async dumpScripted(client: Redis, group: Entry[]): Promise<({ payload: Buffer; pttl: number } | null)[]> {
    const reply = (await dumpScript.run(client, group.map((entry) => entry.key))) as Buffer;
    const out: ({ payload: Buffer; pttl: number } | null)[] = [];
    let offset = 0;
    for (let i = 0; i < group.length; i += 1) {
      if (reply[offset] === 0) {
        out.push(null);
        offset += 1;
        continue;
      }
      const length = reply.readUInt32BE(offset + 1);
      const payload = Buffer.from(reply.subarray(offset + 5, offset + 5 + length));
      const pttl = reply.readDoubleBE(offset + 5 + length);
      out.push({ payload, pttl });
      offset += 5 + length + 8;
    }
    return out;
  }

  private async dumpPipelined(client: Redis, group: Entry[]): Promise<({ payload: Buffer; pttl: number } | null)[]> {
    const pipeline = client.pipeline();
    for (const entry of group) {
      pipeline.dumpBuffer(entry.key);
      pipeline.pttl(entry.key);
    }
    const replies = (await pipeline.exec()) ?? [];
    return group.map((_, i) => {
      const [dumpError, payload] = replies[2 * i] ?? [];
      const [ttlError, pttl] = replies[2 * i + 1] ?? [];
      if (dumpError) throw dumpError;
      if (ttlError) throw ttlError;
      return payload === null || payload === undefined ? null : { payload: payload as Buffer, pttl: Number(pttl) };
    });
  }

  /** UNLINK (or DEL) per group; counts only what the replies say. */
  private async unlinkOn(node: NodeHandle, items: Entry[], mode: Mode, retry: Entry[]): Promise<CachectlError | undefined> {
    const client = await this.connectOrRetry(node, items, retry);
    if (client instanceof CachectlError) return client;
    const singles = items.filter((entry) => entry.single);
    const groups = [...groupBySlot(items.filter((entry) => !entry.single), this.commandKeys, this.cluster), ...singles.map((entry) => [entry])];
    const command = this.delNodes.has(node.address) ? 'DEL' : 'UNLINK';
    const results = await this.send(groups, (group) => client.callBuffer(command, ...group.map((entry) => entry.key)));
    let fatal: CachectlError | undefined;
    let lastError: CachectlError | undefined;
    const again: Entry[] = [];
    const asks: { entry: Entry; target: string }[] = [];
    results.forEach((result, index) => {
      const group = groups[index]!;
      if (result.status === 'fulfilled') {
        this.settle(node, group, Number(result.value), mode);
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
        if (/^(TRYAGAIN|ASK)/.test(failure.reply)) for (const entry of group) entry.single = true;
        retry.push(...group);
        this.markSlots(group);
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
      this.settle(node, [entry], Number(value), mode);
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

  private settle(node: NodeHandle, group: Entry[], removed: number, mode: Mode): void {
    if (mode === 'verify') {
      this.progress.redeleted += removed;
      return;
    }
    const stats = this.nodeStats(node.address);
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
    if (this.options.reportKeys === true && removed > 0 && removed === group.length) {
      this.events.push({ kind: 'deleted', node: node.address, keys: group.map((entry) => entry.key) });
    }
  }

  private settleGone(node: NodeHandle, entry: Entry, mode: Mode): void {
    if (mode === 'verify') return;
    this.nodeStats(node.address).alreadyGone += 1;
    this.progress.alreadyGone += 1;
    this.progress.processed += 1;
  }

  private nodeStats(address: string): PurgeNodeSummary {
    let stats = this.perNode.get(address);
    if (stats === undefined) {
      stats = { node: address, deleted: 0, alreadyGone: 0 };
      this.perNode.set(address, stats);
    }
    return stats;
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

  private snapshot(): PurgeProgress {
    const elapsedMs = Date.now() - this.started;
    return { ...this.progress, elapsedMs, keysPerSecond: elapsedMs > 0 ? (this.progress.processed * 1000) / elapsedMs : 0 };
  }

  private summary(status: PurgeSummary['status'], failure: CachectlError | undefined): PurgeSummary {
    const p = this.progress;
    const notices = [...this.notices];
    if (this.doubtGone > 0) {
      notices.push(`${this.doubtGone} keys whose first UNLINK got no reply were found gone on retry: counted as already gone, though that first UNLINK may have deleted them`);
    }
    const backup = this.options.backup;
    return {
      status: failure?.code === 'INTERRUPTED' ? 'interrupted' : status,
      planned: p.planned,
      deleted: p.deleted,
      alreadyGone: p.alreadyGone,
      skipped: p.skipped,
      unknown: p.unknown,
      notReached: p.planned - p.processed,
      redeleted: p.redeleted,
      bytesFreed: this.plan.memoryBytes === null ? null : Math.round(this.bytesFreed),
      durationMs: Date.now() - this.started,
      nodes: [...this.perNode.values()],
      backup: backup === undefined ? null : { file: backup.file, records: backup.records, bytes: backup.bytes },
      error: failure === undefined || failure.code === 'INTERRUPTED' ? null : { code: failure.code, message: failure.message, hint: failure.hint ?? null },
      notices,
    };
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
