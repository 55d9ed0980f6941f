// `cachectl purge` as a core operation, part one: the plan. Scans every master (or, for a pattern
// pinned to one hash tag, the one master owning it) with the server's MATCH, and keeps what a
// person needs to judge the purge — counts, memory, share of the keyspace, namespaces, nodes,
// sample keys — plus the matched keys themselves (a KeySpool), which execution deletes.
// The guards that refuse a plan live here too, so every front end refuses the same way.

import type { Topology } from '../../connection/topology.js';
import { CachectlError } from '../../base/errors.js';
import { globMatch, hashTagOf, isBroadPattern } from '../../base/glob.js';
import { encodeKeyForJson } from '../../base/key-format.js';
import type { JsonKey } from '../../base/key-format.js';
import { routeByOwner, ScriptRunner, slotOf } from './key-commands.js';
import { KeySpool } from '../scan/key-spool.js';
import type { KeySpoolOptions } from '../scan/key-spool.js';
import type { NamespaceNode } from '../namespaces/namespaces.js';
import { NamespaceAggregator } from '../namespaces/namespaces.js';
import type { BreakdownRow } from '../namespaces/breakdown.js';
import { namespaceBreakdown, queueLayoutWarnings } from '../namespaces/breakdown.js';
import { namespaceName } from '../namespaces/namespace-key.js';
import type { KeyBatch } from '../scan/scan-batch.js';
import { UNKNOWN, keptKey } from '../scan/scan-batch.js';
import type { ScanOptions } from '../scan/scan.js';
import { planScanKeys } from './plan-scan.js';
import { ScanProgress } from '../scan/scan-progress.js';
import { keySlot } from '../../base/slot.js';
import { throttle } from '../../base/throttle.js';
import { runStatus } from '../../base/status.js';
import type { RunStatus } from '../../base/status.js';
import { formatBytes, formatShare } from '../../base/units.js';
import { DEFAULT_DUMP_LIMITS, wholeDumpStallMs } from './dump.js';
import { wholeDumpReason } from './chunked-dump.js';

export interface PlanOptions {
  /**
   * How the matched keys' memory is measured: MEMORY USAGE of a uniform sample of them (exact when
   * the sample holds every match), of every key (costs the server about as much as 15% of the SCAN
   * on a 10%-match purge), or not at all. @default 'sample'
   */
  memory?: 'sample' | 'exact' | 'none';
  /** Keys measured in 'sample' mode. @default 10000 */
  memorySample?: number;
  /** MEMORY USAGE SAMPLES. @default 5 */
  samples?: number;
  /** Namespace breakdown: delimiter and depth (ID-like segments are collapsed). @default ':' and 4 */
  delimiter?: string;
  depth?: number;
  /** Namespaces listed in the breakdown. @default 10 */
  topNamespaces?: number;
  /** Sample keys kept (a uniform sample of the matches). @default 10 */
  sampleKeys?: number;
  /** Server time per SCAN batch in µs (smaller is gentler). @default the scan engine's */
  targetBatchMicros?: number;
  /** Masters scanned at once (Cluster). @default the scan engine's (4) */
  concurrency?: number;
  noScripts?: boolean;
  spool?: KeySpoolOptions;
  /**
   * Plans only the matching keys this accepts, for targets narrower than any one glob (the
   * explorer's namespaces: `user:{id}` is `user:*` minus `user:abc`). Execution deletes only
   * planned keys, so a rejected key is never touched.
   */
  keyFilter?: (key: Buffer) => boolean;
  /** The purge will back its keys up: say how many are too big for one DUMP (needs memory 'exact'). */
  backup?: boolean;
  /** With backup: keys only one DUMP can read will be DUMPed whole (--allow-whole-dump) rather than left in place. */
  allowWholeDump?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: ScanProgress) => void;
}

export interface PlanNode {
  node: string;
  keys: number;
  memoryBytes: number | null;
}

export interface PlanNamespace {
  namespace: string;
  /** Keys of exactly this namespace (a namespace with children lists its own keys; children have rows of their own). */
  keys: number;
  memoryBytes: number | null;
}

/** The namespaces not listed, summed: listed rows + remainder = the plan. */
export interface PlanRemainder {
  namespaces: number;
  keys: number;
  memoryBytes: number | null;
}

/** What a purge would delete. Everything but `spools` is plain data for renderers. */
export interface PurgePlan {
  pattern: Buffer;
  /** complete; partial (interrupted while planning); incomplete (a node could not be scanned). */
  status: RunStatus;
  matched: number;
  /** Sum of MEMORY USAGE of the matched keys (extrapolated from a sample when memoryEstimated); null when not measured. */
  memoryBytes: number | null;
  /** memoryBytes (and the per-node and per-namespace figures) come from a sample of the keys. */
  memoryEstimated: boolean;
  /** Keys whose MEMORY USAGE was measured. */
  memoryMeasured: number;
  /** Keys in the whole keyspace (DBSIZE of every master) when planning started. */
  keyspace: number;
  /** matched / keyspace, 0..1. */
  share: number;
  /** Cluster slot every match hashes to, when the pattern pins one hash tag (only its master was scanned). */
  slot: number | null;
  nodes: PlanNode[];
  namespaces: PlanNamespace[];
  /** Further namespaces not listed. */
  moreNamespaces: number;
  /** What those further namespaces hold; null when every namespace is listed. */
  namespaceRemainder: PlanRemainder | null;
  samples: Buffer[];
  durationMs: number;
  notices: string[];
  /** Nodes that failed while planning, with the reason. */
  failures: string[];
  /**
   * Keys whose measured memory is over the DUMP limit: a backup reads them in chunks. Null when
   * memory was not measured per key (only a sample, or none).
   */
  bigKeys: { keys: number; overBytes: number } | null;
  /**
   * With a backup: the big keys chunks cannot read (a module type, a stream with consumer groups),
   * which only one DUMP of the whole value can back up. Null without a backup or when none.
   */
  wholeDump: WholeDumpPlan<Buffer> | null;
  /** The matched keys, one spool per shard; execution reads them. Call disposePlan when done. */
  spools: KeySpool[];
}

/** A big key only one whole-value DUMP can back up. */
export interface WholeDumpKey<K> {
  key: K;
  node: string;
  /** TYPE: 'stream', or a module type's name. */
  type: string;
  /** Why chunks cannot read it. */
  reason: string;
  /** MEMORY USAGE as planned. */
  bytes: number;
  /** Expected server time of its DUMP (dump.ts's estimate); null when not known for its type. */
  stallMs: number | null;
}

export interface WholeDumpPlan<K> {
  keys: number;
  bytes: number;
  /** The largest few, largest first. */
  largest: WholeDumpKey<K>[];
  /** The longest expected stall of one such DUMP; null when one of them is not known. */
  longestStallMs: number | null;
  /**
   * What the purge does with them: 'dump-whole' (--allow-whole-dump: one DUMP each, holding the
   * server that long) or 'keep' (left in place, not deleted; the purge ends INCOMPLETE, exit 2).
   */
  action: 'dump-whole' | 'keep';
}

/** Whole-dump keys listed by name in the plan. */
const WHOLE_DUMP_LISTED = 5;

/** A single `*` matches every key; SCAN then skips matching altogether, and so does the re-check. */
export function matchesEverything(pattern: Buffer): boolean {
  return pattern.length === 1 && pattern[0] === 0x2a;
}

/** The client-side re-check every key passes before it is deleted: Redis's own glob, byte for byte. */
export function keyMatches(pattern: Buffer, key: Buffer): boolean {
  return matchesEverything(pattern) || globMatch(pattern, key);
}

export async function planPurge(topology: Topology, pattern: Buffer, options: PlanOptions = {}): Promise<PurgePlan> {
  if (pattern.length === 0) throw emptyPatternError();
  const started = Date.now();
  const memoryMode = options.memory ?? 'sample';
  const keyspace = await keyspaceSize(topology);
  const tag = topology.kind === 'cluster' ? hashTagOf(pattern) : undefined;
  let owner = tag === undefined ? undefined : Buffer.concat([Buffer.from('{'), tag, Buffer.from('}')]);
  const earlyNotices: string[] = [];
  if (owner !== undefined && (await slotMigrating(topology, owner))) {
    // Keys already moved to the importing master are only found by scanning it too.
    earlyNotices.push(`slot ${keySlot(owner)} is being migrated between masters: scanning every master`);
    owner = undefined;
  }
  const samples = options.samples ?? 5;

  const scan: ScanOptions = { wantType: false, wantTtl: false, wantMemory: memoryMode === 'exact', samples };
  if (!matchesEverything(pattern)) scan.match = pattern;
  if (owner !== undefined) scan.ownerOf = owner;
  if (options.targetBatchMicros !== undefined) scan.targetBatchMicros = options.targetBatchMicros;
  if (options.noScripts === true) scan.noScripts = true;
  if (options.concurrency !== undefined) scan.concurrency = options.concurrency;
  if (options.signal !== undefined) scan.signal = options.signal;

  const namespaceOptions = { delimiter: options.delimiter ?? ':', depth: options.depth ?? 4, collapse: true };
  const aggregator = new NamespaceAggregator(namespaceOptions);
  const progress = new ScanProgress();
  const shards = new Map<string, PlanShard>();
  const sampler = new Reservoir<Buffer>(options.sampleKeys ?? 10);
  const memorySampler = new Reservoir<{ key: Buffer; shard: string }>(memoryMode === 'sample' ? (options.memorySample ?? 10_000) : 0);
  const shardCount = Math.max(1, topology.masters().length);
  const spoolOptions: KeySpoolOptions = { ...options.spool };
  if (options.spool?.memoryBudgetBytes !== undefined) spoolOptions.memoryBudgetBytes = Math.max(1, Math.floor(options.spool.memoryBudgetBytes / shardCount));
  const shardOf = (id: string, node: string) => {
    let shard = shards.get(id);
    if (shard === undefined) {
      shard = { spool: new KeySpool(spoolOptions), node, memory: 0, measured: 0, big: 0, bigKeys: [] };
      shards.set(id, shard);
    }
    return shard;
  };

  const due = throttle();
  try {
    for await (const event of planScanKeys(topology, scan)) {
      progress.apply(event);
      if (event.kind === 'node-start') {
        shardOf(event.shard, event.node).node = event.node;
      } else if (event.kind === 'batch') {
        const shard = shardOf(event.shard, event.node);
        const batch = event.batch;
        // Keys not planned: filtered out, or seen twice (SCAN may return a key more than once).
        let dropped: number[] | undefined;
        for (let i = 0; i < batch.size; i += 1) {
          const key = batch.keys[i]!;
          const memory = batch.memory[i]!;
          if (options.keyFilter !== undefined && !options.keyFilter(key)) {
            (dropped ??= []).push(i);
            continue;
          }
          // A filter may keep a few keys of each batch: copies, so they do not hold every batch's bytes.
          if (!shard.spool.add(options.keyFilter === undefined ? key : keptKey(key), memory)) {
            (dropped ??= []).push(i);
            continue;
          }
          if (memory !== UNKNOWN) {
            shard.memory += memory;
            shard.measured += 1;
            if (memory > DEFAULT_DUMP_LIMITS.bigBytes) {
              shard.big += 1;
              // A backup needs to know which of them chunks cannot read: asked once the scan is done.
              if (options.backup === true) shard.bigKeys.push({ key: keptKey(key), bytes: memory });
            }
          }
          sampler.offer(key);
          memorySampler.offer({ key, shard: event.shard });
        }
        aggregator.add(event.shard, dropped === undefined ? batch : without(batch, dropped));
      } else if (event.kind === 'node-restart') {
        // The shard is scanned again from cursor 0 elsewhere: its keys so far would be counted twice.
        const shard = shardOf(event.shard, event.node);
        shard.spool.reset();
        shard.node = event.node;
        shard.memory = 0;
        shard.measured = 0;
        shard.big = 0;
        shard.bigKeys = [];
        aggregator.discardShard(event.shard);
        memorySampler.remove((item) => item.shard === event.shard);
      }
      if (options.onProgress !== undefined && due()) {
        options.onProgress(progress);
      }
    }
  } catch (error) {
    for (const shard of shards.values()) shard.spool.close();
    throw error;
  }

  const spools = [...shards.values()].map((shard) => shard.spool);
  const matched = spools.reduce((sum, spool) => sum + spool.count, 0);
  const notices = [...earlyNotices, ...progress.notices];
  if (spools.some((spool) => spool.spilled)) {
    notices.push('the plan was too large to keep in memory: its keys are kept in a temporary file until the purge ends');
  }
  const failures = progress.failed.map((state) => `${state.node}: ${state.error?.message ?? 'failed'}`);
  const status = runStatus(options.signal?.aborted === true, failures.length);

  // Memory: every key measured during the scan ('exact'), or a sample measured now.
  let memory: MemoryFigures;
  if (memoryMode === 'exact') {
    memory = exactMemory(shards, matched);
  } else if (memoryMode === 'sample' && status === 'complete' && matched > 0) {
    memory = await sampledMemory(topology, memorySampler.items, samples, namespaceOptions, shards, matched, options.signal, options.noScripts === true);
    if (memory.notice !== undefined) notices.push(memory.notice);
  } else {
    memory = { total: memoryMode === 'none' || matched > 0 ? null : 0, estimated: false, measured: 0, perShard: new Map(), perNamespace: undefined };
  }
  const bigKeys = memoryMode === 'exact' ? { keys: [...shards.values()].reduce((sum, shard) => sum + shard.big, 0), overBytes: DEFAULT_DUMP_LIMITS.bigBytes } : null;
  let wholeDump: WholeDumpPlan<Buffer> | null = null;
  if (options.backup === true && status === 'complete') {
    wholeDump = await wholeDumpKeys(topology, [...shards.values()].flatMap((shard) => shard.bigKeys), options.allowWholeDump === true);
  }
  const chunked = (bigKeys?.keys ?? 0) - (wholeDump?.keys ?? 0);
  if (options.backup === true && bigKeys !== null && chunked > 0) {
    notices.push(
      `${chunked.toLocaleString('en-US')} key${chunked === 1 ? ' is' : 's are'} larger than ${formatBytes(bigKeys.overBytes)}: the backup reads ${chunked === 1 ? 'it' : 'them'} in chunks so no call holds the server long (writes to such a key during its read may be partly captured)`,
    );
  }
  if (wholeDump !== null) notices.push(wholeDumpNotice(wholeDump));
  const tree = aggregator.tree();
  const { rows, more, remainder } = namespaceRows(tree, options.topNamespaces ?? 10, memory);
  notices.push(...queueLayoutWarnings(tree));
  return {
    pattern,
    status,
    matched,
    memoryBytes: memory.total,
    memoryEstimated: memory.estimated,
    memoryMeasured: memory.measured,
    keyspace,
    share: keyspace > 0 ? matched / keyspace : 0,
    slot: owner === undefined ? null : keySlot(owner),
    nodes: [...shards].map(([id, shard]) => ({
      node: shard.node,
      keys: shard.spool.count,
      memoryBytes: memory.total === null ? null : Math.round(memory.perShard.get(id) ?? 0),
    })),
    namespaces: rows,
    moreNamespaces: more,
    namespaceRemainder: remainder,
    samples: sampler.items,
    durationMs: Date.now() - started,
    notices,
    failures,
    bigKeys,
    wholeDump,
    spools,
  };
}

interface PlanShard {
  spool: KeySpool;
  node: string;
  memory: number;
  measured: number;
  big: number;
  /** With a backup: the keys over the DUMP limit, with their planned memory. */
  bigKeys: { key: Buffer; bytes: number }[];
}

/** Big keys asked about at once per master (one TYPE each, and XINFO STREAM for streams: O(1) calls). */
const WHOLE_DUMP_QUERY_KEYS = 500;

/**
 * Which big keys only one DUMP can back up: TYPE of each on its master, then the same question the
 * backup asks (wholeDumpReason). A key gone since the scan is not listed.
 */
async function wholeDumpKeys(topology: Topology, bigKeys: { key: Buffer; bytes: number }[], allowed: boolean): Promise<WholeDumpPlan<Buffer> | null> {
  if (bigKeys.length === 0) return null;
  const { routed } = routeByOwner(topology, bigKeys.map((big) => ({ ...big, slot: slotOf(topology, big.key) })));
  const found: WholeDumpKey<Buffer>[] = [];
  for (const [node, items] of routed) {
    const client = await node.ready();
    for (const group of chunks(items, WHOLE_DUMP_QUERY_KEYS)) {
      try {
        const types = await Promise.all(group.map((item) => client.type(item.key)));
        const reasons = await Promise.all(group.map((item, i) => wholeDumpReason(client, item.key, types[i]!)));
        reasons.forEach((reason, i) => {
          if (reason === undefined) return;
          const { key, bytes } = group[i]!;
          found.push({ key, node: node.address, type: types[i]!, reason, bytes, stallMs: wholeDumpStallMs(types[i]!, bytes) });
        });
      } catch (error) {
        throw node.translate(error);
      }
    }
  }
  if (found.length === 0) return null;
  found.sort((a, b) => b.bytes - a.bytes);
  const stalls = found.map((item) => item.stallMs);
  return {
    keys: found.length,
    bytes: found.reduce((sum, item) => sum + item.bytes, 0),
    largest: found.slice(0, WHOLE_DUMP_LISTED),
    longestStallMs: stalls.includes(null) ? null : Math.max(...(stalls as number[])),
    action: allowed ? 'dump-whole' : 'keep',
  };
}

/** One line for stderr, shown before any confirmation: what happens to the keys only a whole DUMP can back up. */
export function wholeDumpNotice(plan: WholeDumpPlan<unknown>): string {
  const one = plan.keys === 1;
  const count = one ? '1 planned key' : `${plan.keys.toLocaleString('en-US')} planned keys`;
  const stall = plan.longestStallMs === null ? 'for a time not known ahead' : `about ${plan.longestStallMs.toLocaleString('en-US')} ms${one ? '' : ' for the largest'}`;
  const what = `${count} (${formatBytes(plan.bytes)}) can only be backed up by a DUMP of the whole value`;
  return plan.action === 'keep'
    ? `${what}: this purge leaves ${one ? 'it' : 'them'} in place (not deleted) and ends INCOMPLETE, exit 2; --allow-whole-dump backs ${one ? 'it' : 'each'} up that way, holding the server ${stall}`
    : `${what}: --allow-whole-dump backs ${one ? 'it' : 'each'} up that way, holding the server ${stall}; without the flag ${one ? 'it' : 'they'} would be left in place`;
}

interface MemoryFigures {
  /** Bytes for all matched keys; null when unknown. */
  total: number | null;
  estimated: boolean;
  measured: number;
  perShard: Map<string, number>;
  /** Average bytes per key of a leaf namespace, from the sample; undefined in exact mode (the aggregator has exact sums). */
  perNamespace: { average: Map<string, number>; overall: number } | undefined;
  notice?: string;
}

function exactMemory(shards: Map<string, { memory: number; measured: number }>, matched: number): MemoryFigures {
  const measured = [...shards.values()].reduce((sum, shard) => sum + shard.measured, 0);
  const perShard = new Map([...shards].map(([id, shard]) => [id, shard.memory]));
  const total = [...shards.values()].reduce((sum, shard) => sum + shard.memory, 0);
  return { total: measured > 0 || matched === 0 ? total : null, estimated: false, measured, perShard, perNamespace: undefined };
}

/** MEMORY USAGE of each key in ARGV[2..] with SAMPLES ARGV[1]; -1 for a key that vanished. About 1 µs a key. */
const memoryScript = new ScriptRunner(`
local out = {}
for i = 2, #ARGV do out[i - 1] = redis.call('MEMORY', 'USAGE', ARGV[i], 'SAMPLES', ARGV[1]) or -1 end
return out
`);
/** Keys per memory script call: well under a millisecond of server time. */
const MEMORY_SCRIPT_KEYS = 400;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** MEMORY USAGE of the sampled keys, extrapolated per shard and per namespace. */
async function sampledMemory(
  topology: Topology,
  sample: { key: Buffer; shard: string }[],
  samples: number,
  namespaceOptions: { delimiter: string; depth: number; collapse: boolean },
  shards: Map<string, { spool: KeySpool }>,
  matched: number,
  signal: AbortSignal | undefined,
  noScripts: boolean,
): Promise<MemoryFigures> {
  const sizes = new Array<number | null>(sample.length).fill(null);
  // Keys no master serves right now (a cluster mid-failover) just go unmeasured.
  const { routed: byNode } = routeByOwner(topology, sample.map((item, index) => ({ key: item.key, slot: 0, index })));
  let refused: string | undefined;
  await Promise.all(
    [...byNode].map(async ([node, items]) => {
      if (signal?.aborted === true) return;
      const client = await node.ready();
      // A few script calls instead of one command per key: ten thousand replies cost the client
      // more than the server's work. Where a script fails (scripts or MEMORY refused, a key of a
      // migrating slot that moved: "non local key"), per key, where each failure is the key's own.
      if (!noScripts) {
        try {
          const replies = await Promise.all(chunks(items, MEMORY_SCRIPT_KEYS).map((group) => memoryScript.run(client, [], [String(samples), ...group.map((item) => item.key)])));
          let at = 0;
          for (const reply of replies) for (const size of reply as number[]) sizes[items[at++]!.index] = size < 0 ? null : Number(size);
          return;
        } catch {
          // Measured again below, key by key.
        }
      }
      const replies = await Promise.allSettled(items.map((item) => client.callBuffer('MEMORY', 'USAGE', item.key, 'SAMPLES', String(samples))));
      replies.forEach((reply, i) => {
        if (reply.status === 'fulfilled') {
          // null: the key vanished since it was scanned.
          if (reply.value !== null) sizes[items[i]!.index] = Number(reply.value);
        } else {
          refused ??= `${node.address}: ${String((reply.reason as Error)?.message ?? reply.reason).split('\n')[0]}`;
        }
      });
    }),
  );
  const perShardSum = new Map<string, { bytes: number; count: number }>();
  const perNamespaceSum = new Map<string, { bytes: number; count: number }>();
  let bytes = 0;
  let measured = 0;
  sample.forEach((item, index) => {
    const size = sizes[index];
    if (size === null || size === undefined) return;
    bytes += size;
    measured += 1;
    accumulate(perShardSum, item.shard, size);
    accumulate(perNamespaceSum, namespaceName(item.key, namespaceOptions), size);
  });
  if (measured === 0) {
    const notice = refused === undefined ? undefined : `memory could not be measured (MEMORY USAGE refused at ${refused})`;
    const figures: MemoryFigures = { total: null, estimated: false, measured: 0, perShard: new Map(), perNamespace: undefined };
    if (notice !== undefined) figures.notice = notice;
    return figures;
  }
  const overall = bytes / measured;
  const perShard = new Map<string, number>();
  for (const [id, shard] of shards) {
    const sum = perShardSum.get(id);
    perShard.set(id, (sum === undefined ? overall : sum.bytes / sum.count) * shard.spool.count);
  }
  const total = [...perShard.values()].reduce((sum, value) => sum + value, 0);
  const average = new Map([...perNamespaceSum].map(([name, sum]) => [name, sum.bytes / sum.count]));
  return { total: Math.round(total), estimated: measured < matched, measured, perShard, perNamespace: { average, overall } };
}

function accumulate(map: Map<string, { bytes: number; count: number }>, key: string, bytes: number): void {
  const entry = map.get(key);
  if (entry === undefined) map.set(key, { bytes, count: 1 });
  else {
    entry.bytes += bytes;
    entry.count += 1;
  }
}

/** Removes the plan's temporary files. */
export function disposePlan(plan: PurgePlan): void {
  for (const spool of plan.spools) spool.close();
}

/** Whether the master owning this key's slot reports it as migrating (`[slot->-target]` in CLUSTER NODES). */
async function slotMigrating(topology: Topology, key: Buffer): Promise<boolean> {
  const node = topology.nodeForKey(key);
  const client = await node.ready();
  let text: string;
  try {
    text = String(await client.call('CLUSTER', 'NODES'));
  } catch (error) {
    throw node.translate(error);
  }
  const mine = text.split('\n').find((line) => line.split(' ')[2]?.split(',').includes('myself'));
  return mine?.includes(`[${keySlot(key)}->-`) === true;
}

/** DBSIZE of every master: the denominator of the share guard. */
async function keyspaceSize(topology: Topology): Promise<number> {
  const sizes = await Promise.all(
    topology.masters().map(async (node) => {
      const client = await node.ready();
      try {
        return Number(await client.dbsize());
      } catch (error) {
        throw node.translate(error);
      }
    }),
  );
  return sizes.reduce((sum, size) => sum + size, 0);
}

function without(batch: KeyBatch, drop: number[]): KeyBatch {
  const keep: number[] = [];
  const dropped = new Set(drop);
  for (let i = 0; i < batch.size; i += 1) if (!dropped.has(i)) keep.push(i);
  return {
    cursor: batch.cursor,
    size: keep.length,
    keys: keep.map((i) => batch.keys[i]!),
    types: Uint8Array.from(keep.map((i) => batch.types[i]!)),
    ttls: Float64Array.from(keep.map((i) => batch.ttls[i]!)),
    memory: Float64Array.from(keep.map((i) => batch.memory[i]!)),
    serverMicros: batch.serverMicros,
  };
}

/** The namespaces holding matched keys (own keys of inner namespaces included), largest first; the rest summed. */
function namespaceRows(root: NamespaceNode, top: number, memory: MemoryFigures): { rows: PlanNamespace[]; more: number; remainder: PlanRemainder | null } {
  const { rows, remainder } = namespaceBreakdown(root, top);
  const ownMemory = (node: NamespaceNode): number => node.stats.memory - node.children.reduce((sum, child) => sum + child.stats.memory, 0);
  const bytesOf = (row: BreakdownRow): number | null => {
    if (memory.total === null) return null;
    if (memory.perNamespace === undefined) return row.node.stats.measured > 0 ? ownMemory(row.node) : null;
    // Sampled keys were named exactly as the aggregator names its namespaces; a namespace the
    // sample missed gets the overall average.
    const average = memory.perNamespace.average.get(row.namespace) ?? memory.perNamespace.overall;
    return Math.round(average * row.keys);
  };
  const toPlan = (row: BreakdownRow): PlanNamespace => ({ namespace: row.namespace, keys: row.keys, memoryBytes: bytesOf(row) });
  let rest: PlanRemainder | null = null;
  if (remainder !== null) {
    const bytes = remainder.rows.map(bytesOf);
    rest = { namespaces: remainder.namespaces, keys: remainder.keys, memoryBytes: bytes.some((value) => value === null) ? null : bytes.reduce<number>((sum, value) => sum + (value ?? 0), 0) };
  }
  return { rows: rows.map(toPlan), more: remainder?.namespaces ?? 0, remainder: rest };
}

/** Algorithm R: a uniform sample of a stream of unknown length. */
class Reservoir<T> {
  items: T[] = [];
  private seen = 0;

  constructor(private readonly size: number) {}

  offer(item: T): void {
    if (this.size === 0) return;
    this.seen += 1;
    if (this.items.length < this.size) {
      this.items.push(item);
      return;
    }
    const slot = Math.floor(Math.random() * this.seen);
    if (slot < this.size) this.items[slot] = item;
  }

  /** Drops items (a shard rescanned); the rest stays a fair sample of what remains. */
  remove(drop: (item: T) => boolean): void {
    const before = this.items.length;
    this.items = this.items.filter((item) => !drop(item));
    this.seen -= before - this.items.length;
  }
}

// --- Guards -----------------------------------------------------------------------------------

export interface GuardLimits {
  /** Refuse patterns that match everything or start with a wildcard. */
  allowBroad: boolean;
  /** Largest share of the keyspace a plan may delete, 0..1. @default 0.5 */
  maxShare: number;
  /** Most keys a plan may delete; undefined = no limit. */
  maxKeys?: number;
}

export const DEFAULT_MAX_SHARE = 0.5;

export interface GuardRefusal {
  guard: 'empty-pattern' | 'broad-pattern' | 'max-share' | 'max-keys';
  message: string;
  hint: string;
}

export function emptyPatternError(): CachectlError {
  return new CachectlError('GUARD', 'refusing to purge with an empty pattern', {
    hint: "give the pattern of the keys to delete, e.g. 'app:v2:user:123:*' (an unset shell variable gives an empty one)",
  });
}

/** Checks that need only the pattern: run before scanning anything. */
export function patternRefusal(pattern: Buffer, limits: Pick<GuardLimits, 'allowBroad'>): GuardRefusal | undefined {
  if (pattern.length === 0) {
    const error = emptyPatternError();
    return { guard: 'empty-pattern', message: error.message, hint: error.hint! };
  }
  if (!limits.allowBroad && isBroadPattern(pattern.toString('latin1'))) {
    return {
      guard: 'broad-pattern',
      message: `refusing the broad pattern ${JSON.stringify(pattern.toString('latin1'))}: it matches every key or starts with a wildcard, so it can reach keys of any namespace`,
      hint: 'start the pattern with a literal prefix (e.g. "app:v2:*"), or pass --allow-broad after checking the plan with --dry-run',
    };
  }
  return undefined;
}

/** Checks on the plan's figures: share of the keyspace and key count. */
export function planRefusals(plan: Pick<PurgePlan, 'matched' | 'share' | 'keyspace'>, limits: GuardLimits): GuardRefusal[] {
  const refusals: GuardRefusal[] = [];
  if (plan.matched > 0 && plan.share > limits.maxShare) {
    refusals.push({
      guard: 'max-share',
      message: `refusing to delete ${formatShare(plan.share)} of the keyspace (${plan.matched.toLocaleString('en-US')} of ${plan.keyspace.toLocaleString('en-US')} keys): more than --max-share ${formatShare(limits.maxShare)}`,
      hint: `narrow the pattern, or raise --max-share (e.g. --max-share ${Math.min(100, Math.ceil(plan.share * 100))}%) if this is really meant`,
    });
  }
  if (limits.maxKeys !== undefined && plan.matched > limits.maxKeys) {
    refusals.push({
      guard: 'max-keys',
      message: `refusing to delete ${plan.matched.toLocaleString('en-US')} keys: more than --max-keys ${limits.maxKeys.toLocaleString('en-US')}`,
      hint: `narrow the pattern, or raise --max-keys to at least ${plan.matched}`,
    });
  }
  return refusals;
}

export function refusalError(refusal: GuardRefusal): CachectlError {
  return new CachectlError('GUARD', `${refusal.message}; nothing was deleted`, { hint: refusal.hint });
}


/** The plan as JSON-ready data: keys as JsonKey, no spools. */
export type PurgePlanJson = Omit<PurgePlan, 'pattern' | 'samples' | 'spools' | 'wholeDump'> & {
  pattern: string;
  patternBase64?: string;
  samples: JsonKey[];
  wholeDump: (Omit<WholeDumpPlan<Buffer>, 'largest'> & { largest: (Omit<WholeDumpKey<Buffer>, 'key'> & JsonKey)[] }) | null;
};

export function planToJson(plan: PurgePlan): PurgePlanJson {
  const encoded = encodeKeyForJson(plan.pattern);
  const json: PurgePlanJson = {
    pattern: encoded.key,
    status: plan.status,
    matched: plan.matched,
    memoryBytes: plan.memoryBytes,
    memoryEstimated: plan.memoryEstimated,
    memoryMeasured: plan.memoryMeasured,
    keyspace: plan.keyspace,
    share: plan.share,
    slot: plan.slot,
    nodes: plan.nodes,
    namespaces: plan.namespaces,
    moreNamespaces: plan.moreNamespaces,
    namespaceRemainder: plan.namespaceRemainder,
    samples: plan.samples.map(encodeKeyForJson),
    durationMs: plan.durationMs,
    notices: plan.notices,
    failures: plan.failures,
    bigKeys: plan.bigKeys,
    wholeDump: plan.wholeDump === null ? null : { ...plan.wholeDump, largest: plan.wholeDump.largest.map((item) => ({ ...item, ...encodeKeyForJson(item.key) })) },
  };
  if (encoded.keyBase64 !== undefined) json.patternBase64 = encoded.keyBase64;
  return json;
}
