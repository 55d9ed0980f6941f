// The scan engine: streams the keys of every master (or one replica per shard) with SCAN,
// one cursor per node, nodes in parallel with a bound. Pull-based and abortable; memory stays
// bounded because batches flow through and nothing keeps them.
//
// A cursor is only ever continued on the connection that produced it: if the node fails over,
// restarts or the connection drops, that shard's scan restarts from cursor 0 on whichever node
// now serves it, and says so (consumers discard that shard's partial numbers).

import type { Redis } from 'ioredis';
import { CachectlError } from '../../base/errors.js';
import { assertTypeKnown, isCoreType, noKeyOfTypeNotice } from './scan-type.js';
import { parseInfo, parseKeyspace } from '../../base/info.js';
import { sleep } from '../../base/sleep.js';
import { avoidTouching, isConnectionRefused } from '../../connection/node-client.js';
import type { NodeHandle, Topology } from '../../connection/topology.js';
import { serverErrorLine } from '../../connection/script-runner.js';
import type { BatchRequest, KeyBatch } from './scan-batch.js';
import { EXACT_MEMORY_MAX_ELEMENTS, MEMORY_SAMPLED, PipelineBatcher, ScriptBatcher } from './scan-batch.js';
import { LeanBatcher } from './lean-batch.js';
import { RespPipe } from '../../connection/resp-pipe.js';

export interface ScanOptions {
  /** MATCH pattern (Redis glob, bytes). */
  match?: Buffer;
  /** TYPE filter (Redis ≥ 6). */
  type?: string;
  wantType: boolean;
  wantTtl: boolean;
  wantMemory: boolean;
  /** TTL audit mode (see BatchRequest.ttlFlagAbove): exact PTTLs only for keys the audit must judge. */
  ttlFlagAbove?: number;
  /** Element count and LFU counter per key (see BatchRequest.wantLength, wantFreq). @default false */
  wantLength?: boolean;
  wantFreq?: boolean;
  /** Without wantTtl, the TTLs of keys using at least this many bytes only (see BatchRequest.ttlFromMemory). */
  ttlFromMemory?: number;
  /**
   * Classify hashes whose fields expire (BatchRequest.fieldTtl) on nodes whose INFO keyspace
   * reports hash fields with a TTL (`subexpiry` > 0, Redis 7.4+); elsewhere it costs nothing.
   */
  fieldTtl?: boolean;
  /** MEMORY USAGE SAMPLES; 0 = exact, except for collections past EXACT_MEMORY_MAX_ELEMENTS (sampled, with a notice). @default 5 (the server's own default) */
  samples?: number;
  /** Scan one replica per shard instead of the masters. @default false */
  replica?: boolean;
  /** Keys per second over all nodes; undefined = full speed. */
  rate?: number;
  /** Stop after this many keys (a sample). */
  limit?: number;
  /** Nodes scanned at once. @default 4 */
  concurrency?: number;
  /**
   * Target server time per batch, in µs: batches are sized so no call holds the server longer (the
   * whole script; on the lean path SCAN, its one call whose cost grows with COUNT). @default 1500
   */
  targetBatchMicros?: number;
  /** SCAN COUNT for the first batch; later ones adapt. @default 200 */
  initialCount?: number;
  /** No scripts (servers where they are unwelcome): the per-key reads go over the lean pipe ('lean'), or 'pipeline' when asked for. */
  noScripts?: boolean;
  /**
   * How per-key reads travel (see chooseReadPath): 'script' (SCAN_SCRIPT / TTL_FLAG_SCRIPT on the
   * node's ioredis client), 'lean' (pipelined over a RESP pipe of their own), 'pipeline' (ioredis
   * pipelines). @default chosen per node
   */
  readPath?: ReadPath;
  /**
   * Scan only the shard owning this key's slot (Cluster), e.g. `{tag}` when every key the pattern
   * can match carries that hash tag. Ignored outside Cluster, where one master holds every key.
   */
  ownerOf?: Buffer;
  /** How long a shard whose node failed waits for the topology to name a replacement before it is given up. @default 10000 */
  failoverWaitMs?: number;
  /**
   * Scan one stretch of the cursor space only: start at this cursor instead of 0 (also after a
   * restart), and end at the first cursor `endsAt` accepts, as at 0. For callers that split a
   * node's cursor space into ranges scanned at once (purge planning). @default '0' and none
   */
  cursorRange?: { start: string; endsAt: (cursor: string) => boolean };
  signal?: AbortSignal;
}

export type ReadPath = 'script' | 'lean' | 'pipeline';

/**
 * The default way a node's per-key reads travel. The lean pipe for type / TTL / memory columns
 * (`keys`, the explorer, snapshots): callgrind on Redis 7.0 counts 14.9k instructions per key
 * against the script's 21.2k (bench/README.md), and on the 1M-key bench server its main-thread
 * CPU was lower in every paired run (3.9-5.8 µs/key vs 4.4-7.1). Scripts stay where they measured
 * as good or better in time, or where only they do the work:
 * - the TTL audit (`ttlFlagAbove`): 7.1k vs 11.0k instructions per key, but the script sends back
 *   only the flagged keys' TTLs, and over the pipe the client's CPU doubled (one reply per key)
 *   while wall and server CPU time did not improve in paired runs on a shared 2-core machine;
 * - lengths (`wantLength`, bigkeys) go over the lean pipe too (18.7k vs 25.5k instructions): the
 *   length command needs the type first, so each key is looked up in a second round, but with the
 *   next batch read ahead that round overlaps the next batch's first, where the script path has
 *   one call in flight and the server waits while the client decodes it;
 * - hash field TTLs (`fieldTtl`, Redis 7.4+) are classified by the scripts only;
 * - a bare SCAN (a purge plan without memory) keeps the batch sizing tuned on the scripts.
 * Without scripts (--no-scripts) the lean pipe does everything: ioredis pipelines cost the client
 * several times the server's time.
 */
export function chooseReadPath(options: Pick<ScanOptions, 'readPath' | 'noScripts' | 'wantType' | 'wantTtl' | 'wantMemory' | 'wantLength' | 'wantFreq' | 'ttlFlagAbove'>, fieldTtl: boolean): ReadPath {
  const chosen = options.readPath;
  if (options.noScripts === true) return chosen === 'pipeline' ? 'pipeline' : 'lean';
  if (chosen !== undefined) return chosen;
  const columns = options.wantType || options.wantTtl || options.wantMemory || options.wantFreq === true;
  return columns && !fieldTtl && options.ttlFlagAbove === undefined ? 'lean' : 'script';
}

export type ScanEvent =
  | { kind: 'node-start'; node: string; shard: string; dbsize: number }
  | { kind: 'batch'; node: string; shard: string; batch: KeyBatch }
  | { kind: 'node-done'; node: string; shard: string; scanned: number }
  | { kind: 'node-restart'; node: string; shard: string; from: string; reason: string }
  | { kind: 'node-failed'; node: string; shard: string; error: CachectlError }
  | { kind: 'notice'; node: string; message: string };

/** A shard: one master's keyspace, scanned on the master or on one of its replicas. */
interface Shard {
  id: string;
  node: NodeHandle;
  /** The master's slots (cluster): how the shard is found again after a failover, even when a replica is scanned. */
  slots: NodeHandle['slots'];
  /** A cluster replica answers reads of its master's keys only after READONLY. */
  readOnly: boolean;
}

const MAX_RESTARTS = 3;
/**
 * How long a node that refuses connections, and that no failover will replace, is retried before
 * its shard is given up: long enough for a blip, far shorter than --failover-wait.
 */
const REFUSED_WAIT_MS = 1_500;
/** How far --rate may catch up after falling behind, in ms of its budget. */
const MAX_RATE_CREDIT_MS = 100;
const MIN_COUNT = 10;
const MAX_COUNT = 5000;
const LEAN_MAX_COUNT = 500;

/**
 * Picks the nodes to scan: every master, or for each master one healthy replica — one not in
 * `avoid` (replicas that just refused connections) when the master has another.
 */
export function shardsOf(topology: Topology, replica: boolean, avoid: ReadonlySet<string> = new Set()): Shard[] {
  const masters = topology.masters();
  if (!replica) return masters.map((node) => ({ id: node.id, node, slots: node.slots, readOnly: false }));
  const replicas = topology.replicas().filter((node) => node.flags.length === 0);
  return masters.map((master) => {
    const own = topology.kind === 'cluster' ? replicas.filter((node) => node.masterId === master.id) : replicas;
    const candidate = own.find((node) => !avoid.has(node.address)) ?? own[0];
    if (candidate === undefined) {
      throw new CachectlError('USAGE', `--replica: master ${master.address} has no healthy replica to scan`, {
        hint: 'drop --replica to scan the master itself, or wait for its replica to come back',
      });
    }
    return { id: master.id, node: candidate, slots: master.slots, readOnly: topology.kind === 'cluster' };
  });
}

export async function* scanKeys(topology: Topology, options: ScanOptions): AsyncGenerator<ScanEvent> {
  let shards = shardsOf(topology, options.replica === true);
  if (options.ownerOf !== undefined && topology.kind === 'cluster') {
    const owner = topology.nodeForKey(options.ownerOf).id;
    shards = shards.filter((shard) => shard.id === owner);
  }
  const limiter = new Limiter(options.rate, options.limit);
  const unusualType = options.type !== undefined && !isCoreType(options.type) ? options.type : undefined;
  if (unusualType !== undefined) await assertTypeKnown(shards.map((shard) => shard.node), unusualType);
  let found = false;
  for await (const event of mergeBounded(shards.map((shard) => scanShard(topology, shard, options, limiter)), options.concurrency ?? 4, options.signal)) {
    if (event.kind === 'batch' && event.batch.size > 0) found = true;
    yield event;
  }
  if (unusualType !== undefined && !found && shards.length > 0) yield { kind: 'notice', node: shards[0]!.node.address, message: noKeyOfTypeNotice(unusualType) };
}

async function* scanShard(topology: Topology, initial: Shard, options: ScanOptions, limiter: Limiter): AsyncGenerator<ScanEvent> {
  let shard = initial;
  let restarts = 0;
  for (;;) {
    try {
      yield* scanNode(shard, options, limiter);
      return;
    } catch (error) {
      if (options.signal?.aborted === true || limiter.exhausted) return;
      const failure = shard.node.translate(error);
      if (!isTransient(failure) || restarts >= MAX_RESTARTS) {
        yield { kind: 'node-failed', node: shard.node.address, shard: shard.id, error: failure };
        return;
      }
      restarts += 1;
      // A refused connection on a node no failover will replace is not worth --failover-wait.
      const refusedForGood = isConnectionRefused(failure) && !failoverCanReplace(topology, shard);
      const replacement = await relocate(topology, shard, options, refusedForGood ? { waitMs: REFUSED_WAIT_MS, avoid: shard.node.address } : {});
      // Aborted while waiting for the failover: stop quietly, as on any abort.
      if (isAborted(options.signal)) return;
      if (replacement === undefined) {
        yield { kind: 'node-failed', node: shard.node.address, shard: shard.id, error: failure };
        return;
      }
      yield { kind: 'node-restart', node: replacement.node.address, shard: shard.id, from: shard.node.address, reason: failure.message };
      shard = replacement;
    }
  }
}

// A function, so TypeScript does not keep the narrowing of an earlier check across an await.
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

// Besides lost connections: a node that stopped serving the shard's slots (a cluster master demoted
// by a manual failover still answers SCAN, but the per-key calls are redirected: MOVED, or inside a
// script "non local key"), and a cluster that is down for a moment.
function isTransient(error: CachectlError): boolean {
  return (
    error.code === 'CONNECT' ||
    error.code === 'TIMEOUT' ||
    /LOADING|READONLY|MOVED|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|non local key|cluster is down|connection/i.test(error.message)
  );
}

/**
 * Whether a failover can put another node in place of the one a shard was scanned on: only a
 * master of a Cluster or Sentinel group with a healthy replica to promote. A replica (--replica)
 * is never replaced by a failover, and a single server has nothing to fail over to.
 */
function failoverCanReplace(topology: Topology, shard: Shard): boolean {
  if (shard.node.role !== 'master' || topology.kind === 'standalone') return false;
  return topology.replicas().some((node) => node.flags.length === 0 && (topology.kind !== 'cluster' || node.masterId === shard.node.id));
}

/**
 * After a failure, finds the node now serving the shard: re-discovers the topology, then matches by
 * slots. `waitMs` bounds the search (default --failover-wait); `avoid` is a replica to pass over.
 */
async function relocate(topology: Topology, shard: Shard, options: ScanOptions, within: { waitMs?: number; avoid?: string } = {}): Promise<Shard | undefined> {
  const replica = options.replica === true;
  const deadline = Date.now() + (within.waitMs ?? options.failoverWaitMs ?? 10_000);
  const avoid = new Set(within.avoid === undefined ? [] : [within.avoid]);
  while (Date.now() < deadline && options.signal?.aborted !== true) {
    try {
      await topology.refresh();
      const firstSlot = shard.slots[0]?.[0];
      const masters = topology.masters();
      const master =
        topology.kind === 'cluster'
          ? masters.find((node) => node.slots.some(([from, to]) => firstSlot !== undefined && firstSlot >= from && firstSlot <= to)) ??
            masters.find((node) => node.id === shard.id)
          : masters[0];
      if (master !== undefined) {
        const candidates = shardsOf(topology, replica, avoid);
        const found = candidates.find((candidate) => candidate.id === master.id);
        if (found !== undefined) {
          await found.node.ready();
          return { ...found, id: shard.id };
        }
      }
    } catch {
      // The cluster or sentinels may still be converging; try again shortly.
    }
    await sleep(250, options.signal);
  }
  return undefined;
}

/** Whether any database of the node holds hash fields with a TTL (INFO keyspace `subexpiry`, 7.4+). */
async function hasFieldTtls(client: Redis): Promise<boolean> {
  try {
    return parseKeyspace(parseInfo(await client.info('keyspace'))).some((entry) => (entry.subexpiry ?? 0) > 0);
  } catch {
    // INFO refused: classify nothing rather than fail the scan.
    return false;
  }
}

async function* scanNode(shard: Shard, options: ScanOptions, limiter: Limiter): AsyncGenerator<ScanEvent> {
  const node = shard.node;
  const client = await node.ready();
  const epoch = connectionEpoch(client);
  if (shard.readOnly) await client.call('READONLY');
  const dbsize = Number(await client.dbsize());
  const fieldTtl = options.fieldTtl === true && (options.wantTtl || options.ttlFlagAbove !== undefined) && (await hasFieldTtls(client));
  // Reading a hash's fields to classify it, or a key's length (bigkeys), would count as an access to the
  // key; TYPE, PTTL, MEMORY USAGE and OBJECT FREQ do not.
  const touchMode = fieldTtl || options.wantLength === true ? await avoidTouching(client) : undefined;
  yield { kind: 'node-start', node: node.address, shard: shard.id, dbsize };

  const notices: string[] = [];
  const path = chooseReadPath(options, fieldTtl);
  let pipe: RespPipe | undefined;
  // The pipe is a connection of its own, set up like the node's client (READONLY, NO-TOUCH).
  const leanBatcher = async (): Promise<LeanBatcher> => {
    pipe = await RespPipe.open(node.clientSpec);
    const setup = [...(shard.readOnly ? [['READONLY']] : []), ...(touchMode === 'no-touch' ? [['CLIENT', 'NO-TOUCH', 'ON']] : [])];
    const refused = (await pipe.send(setup)).find((reply) => reply instanceof Error);
    if (refused !== undefined) throw refused;
    // Reading ahead does per-key work before it is asked for: not under --rate or --limit.
    const readAhead = options.rate === undefined && options.limit === undefined;
    return new LeanBatcher(pipe, readAhead ? (cursor) => options.cursorRange?.endsAt(cursor) !== true : undefined);
  };
  const fallback = (): ScriptBatcher | PipelineBatcher => (options.noScripts === true ? new PipelineBatcher(client) : new ScriptBatcher(client));
  let batcher: ScriptBatcher | PipelineBatcher | LeanBatcher;
  if (path === 'lean') {
    try {
      batcher = await leanBatcher();
    } catch (error) {
      // A server that takes no second connection (maxclients) still serves the main one.
      batcher = fallback();
      notices.push(`could not open a second connection to ${node.address} (${serverErrorLine(error)}); reading keys through the main one`);
    }
  } else batcher = path === 'pipeline' ? new PipelineBatcher(client) : new ScriptBatcher(client);
  try {
    yield* scanBatches(shard, options, limiter, client, epoch, fieldTtl, batcher, leanBatcher, notices);
  } finally {
    (pipe as RespPipe | undefined)?.close();
  }
}

async function* scanBatches(
  shard: Shard,
  options: ScanOptions,
  limiter: Limiter,
  client: Redis,
  epoch: number,
  fieldTtl: boolean,
  initial: ScriptBatcher | PipelineBatcher | LeanBatcher,
  leanBatcher: () => Promise<LeanBatcher>,
  notices: string[],
): AsyncGenerator<ScanEvent> {
  const node = shard.node;
  let batcher = initial;
  const target = options.targetBatchMicros ?? 1500;
  let count = Math.min(options.initialCount ?? 200, limiter.batchCap());
  let scanned = 0;
  const request = (cursor: string): BatchRequest => {
    const base: BatchRequest = {
      cursor,
      count,
      wantType: options.wantType,
      wantTtl: options.wantTtl,
      wantMemory: options.wantMemory,
      samples: options.samples ?? 5,
    };
    if (options.match !== undefined) base.match = options.match;
    if (options.type !== undefined) base.type = options.type;
    if (options.ttlFlagAbove !== undefined) base.ttlFlagAbove = options.ttlFlagAbove;
    if (options.wantLength === true) base.wantLength = true;
    if (options.wantFreq === true) base.wantFreq = true;
    if (options.ttlFromMemory !== undefined && !options.wantTtl) base.ttlFromMemory = options.ttlFromMemory;
    if (fieldTtl) base.fieldTtl = true;
    return base;
  };

  const send = async (cursor: string): Promise<KeyBatch> => {
    try {
      return await batcher.run(request(cursor));
    } catch (error) {
      if (batcher instanceof ScriptBatcher && scriptingUnavailable(error)) {
        try {
          batcher = await leanBatcher();
        } catch {
          batcher = new PipelineBatcher(client);
        }
        notices.push(`scripting is not permitted on ${node.address} (${serverErrorLine(error)}); using pipelines, which is slower`);
        return batcher.run(request(cursor));
      }
      throw error;
    }
  };
  let memoryNoticeShown = false;
  let memorySampled = 0;

  let pending: Promise<KeyBatch> | undefined = send(options.cursorRange?.start ?? '0');
  let pendingCount = count;
  while (pending !== undefined) {
    const batch: KeyBatch = await pending;
    // SCAN gathers COUNT keys before it applies MATCH and TYPE, so that is what the server examined
    // even when few keys come back: --rate charges it, or a filtered scan would run at full speed.
    const examined = Math.max(batch.size, pendingCount);
    if (connectionEpoch(client) !== epoch) {
      throw new CachectlError('CONNECT', `connection to ${node.address} was re-established mid-scan; its cursor is not valid on a new connection`);
    }
    // Adapt the batch size to the server time it cost, so no call holds the server much past the target.
    if (batch.serverMicros > 0) {
      const scale = target / batch.serverMicros;
      count = Math.round(Math.min(MAX_COUNT, Math.max(MIN_COUNT, count * Math.min(2, Math.max(0.5, scale)))));
    }
    // SCAN alone is cheap per key, so the lean path's batches would grow to MAX_COUNT, holding more
    // client memory per batch in flight (the scan-engine memory test: 4.3 MB at 1000 keys a batch,
    // 2.0 MB on the script path); a SCAN, two TIMEs per 500 keys cost the server next to nothing.
    if (batcher instanceof LeanBatcher) count = Math.min(count, LEAN_MAX_COUNT);
    // This batch is not taken yet: the next one asks only for what the limit leaves after it.
    count = Math.min(count, limiter.batchCap(batch.size));
    const done = batch.cursor === '0' || options.cursorRange?.endsAt(batch.cursor) === true;
    // Keep the next batch in flight while this one is consumed: the server never waits for us.
    pending = done || options.signal?.aborted === true ? undefined : limiter.wouldExhaust(batch.size) ? undefined : send(batch.cursor);
    pendingCount = count;
    pending?.catch(() => {}); // surfaced when awaited
    for (const message of notices.splice(0)) yield { kind: 'notice', node: node.address, message };
    if (!(batcher instanceof ScriptBatcher) && options.wantMemory && !batcher.memoryAllowed && !memoryNoticeShown) {
      memoryNoticeShown = true;
      yield { kind: 'notice', node: node.address, message: `MEMORY USAGE is not permitted on ${node.address}; memory figures are missing for it` };
    }
    const accepted = limiter.take(batch.size);
    if (accepted < batch.size) truncate(batch, accepted);
    if (batch.flags !== undefined) for (let i = 0; i < batch.size; i += 1) if ((batch.flags[i]! & MEMORY_SAMPLED) !== 0) memorySampled += 1;
    scanned += batch.size;
    if (batch.size > 0) yield { kind: 'batch', node: node.address, shard: shard.id, batch };
    if (options.signal?.aborted === true || limiter.exhausted) return;
    if (done) break;
    await limiter.pace(examined, options.signal);
  }
  if (memorySampled > 0) {
    yield {
      kind: 'notice',
      node: node.address,
      message: `${memorySampled} keys on ${node.address} hold more than ${EXACT_MEMORY_MAX_ELEMENTS} elements: their memory is the server's sampled estimate, since measuring them exactly would block the server (about 0.3 ms per 1000 elements)`,
    };
  }
  yield { kind: 'node-done', node: node.address, shard: shard.id, scanned };
}

function truncate(batch: KeyBatch, size: number): void {
  batch.size = size;
  batch.keys.length = size;
  batch.types = batch.types.subarray(0, size);
  batch.ttls = batch.ttls.subarray(0, size);
  batch.memory = batch.memory.subarray(0, size);
  if (batch.lengths !== undefined) batch.lengths = batch.lengths.subarray(0, size);
  if (batch.freqs !== undefined) batch.freqs = batch.freqs.subarray(0, size);
  if (batch.flags !== undefined) batch.flags = batch.flags.subarray(0, size);
}

/**
 * Whether an error says scripts cannot run here (ACL, disabled, or a server without scripting).
 * Also when the user may run scripts but not a command inside (ACL without MEMORY: "ERR The user
 * executing the script can't run this command"): the pipelines then find out command by command.
 */
export function scriptingUnavailable(error: unknown): boolean {
  const message = String((error as Error)?.message ?? '');
  return message.startsWith('NOPERM') || /unknown command|scripting|not allowed|disabled|can't run this command/i.test(message);
}

const epochs = new WeakMap<Redis, { value: number }>();

/**
 * Counts (re)connections of a client: a cursor from one connection is never continued on another,
 * and a purge re-checks what it deleted on a node whose connection was re-established.
 */
export function connectionEpoch(client: Redis): number {
  let epoch = epochs.get(client);
  if (epoch === undefined) {
    const counter = { value: 0 };
    client.on('ready', () => {
      counter.value += 1;
    });
    epochs.set(client, counter);
    epoch = counter;
  }
  return epoch.value;
}

/** Shared by all nodes of one scan: the --rate budget (keys examined) and the --limit sample size (keys taken). */
class Limiter {
  private taken = 0;
  /** When the keys examined so far are paid for at the rate (ms since epoch). */
  private due = Date.now();

  constructor(
    private readonly rate: number | undefined,
    private readonly limit: number | undefined,
  ) {}

  get exhausted(): boolean {
    return this.limit !== undefined && this.taken >= this.limit;
  }

  /**
   * The largest COUNT worth asking for, with `inHand` keys received but not taken yet. Smaller
   * batches under a rate keep the pacing smooth (about 20 batches a second).
   */
  batchCap(inHand = 0): number {
    let cap = MAX_COUNT;
    if (this.rate !== undefined) cap = Math.max(MIN_COUNT, Math.floor(this.rate / 20));
    if (this.limit !== undefined) cap = Math.min(cap, Math.max(MIN_COUNT, this.limit - this.taken - inHand));
    return cap;
  }

  wouldExhaust(size: number): boolean {
    return this.limit !== undefined && this.taken + size >= this.limit;
  }

  take(size: number): number {
    const allowed = this.limit === undefined ? size : Math.max(0, Math.min(size, this.limit - this.taken));
    this.taken += allowed;
    return allowed;
  }

  /** Waits until `examined` more keys fit the rate. */
  async pace(examined: number, signal?: AbortSignal): Promise<void> {
    if (this.rate === undefined) return;
    const now = Date.now();
    // Time lost elsewhere (waiting for a failover, a slow consumer) is not saved up: it would be
    // spent as a full-speed burst afterwards, on a server the rate was meant to spare.
    this.due = Math.max(this.due, now - MAX_RATE_CREDIT_MS) + (examined / this.rate) * 1000;
    const wait = this.due - now;
    if (wait > 0) await sleep(wait, signal);
  }
}

/**
 * Interleaves several async generators, running at most `concurrency` at once, yielding
 * events as they come. Each source keeps one event ready, so a slow consumer throttles all.
 */
export async function* mergeBounded<T>(sources: AsyncGenerator<T>[], concurrency: number, signal?: AbortSignal): AsyncGenerator<T> {
  const waiting = [...sources];
  const active = new Map<AsyncGenerator<T>, Promise<{ source: AsyncGenerator<T>; result: IteratorResult<T> }>>();
  const pull = (source: AsyncGenerator<T>) => {
    active.set(
      source,
      source.next().then((result) => ({ source, result })),
    );
  };
  try {
    while (active.size < concurrency && waiting.length > 0) pull(waiting.shift()!);
    while (active.size > 0) {
      const { source, result } = await Promise.race(active.values());
      if (result.done === true) {
        active.delete(source);
        if (waiting.length > 0 && signal?.aborted !== true) pull(waiting.shift()!);
        continue;
      }
      yield result.value;
      pull(source);
    }
  } finally {
    // Stop the sources that are still running (consumer broke out, or an error).
    await Promise.allSettled([...active.keys(), ...waiting].map((source) => source.return(undefined)));
  }
}
