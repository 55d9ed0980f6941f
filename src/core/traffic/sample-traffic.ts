// `traffic`: a time-boxed sample of what clients do to which namespaces, on every master at once.
// Refuses to start where MONITOR would cost too much, stops early where the server starts to buffer
// for us, and always puts back a key-miss setting it changed, whatever ends the run.

import { CachectlError } from '../../base/errors.js';
import { avoidTouching } from '../../connection/node-client.js';
import type { NodeHandle, Topology } from '../../connection/topology.js';
import type { NamespaceOptions } from '../namespaces/namespace-key.js';
import type { RestoreState } from './miss-events.js';
import type { NodeTraffic } from './node-sampler.js';
import { NodeSampler } from './node-sampler.js';
import type { Stampede } from './traffic-stats.js';
import { TrafficStats } from './traffic-stats.js';

export const DEFAULT_TRAFFIC_MS = 10_000;
export const MAX_TRAFFIC_MS = 120_000;
/** Above this many ops/s on a node, MONITOR's cost is refused unless raised. */
export const DEFAULT_MAX_OPS = 50_000;
export const DEFAULT_MAX_BUFFER_BYTES = 32 * 1024 * 1024;

export interface TrafficOptions {
  durationMs: number;
  namespaces: NamespaceOptions;
  enableMissEvents: boolean;
  /** Where changed settings are recorded until put back (required with enableMissEvents). */
  restoreState?: RestoreState;
  maxOpsPerSec: number;
  maxBufferBytes: number;
  /** Misses of one key within one second that make it a stampede candidate. @default 5 */
  stampedeMisses?: number;
  /** Rows of hot keys, stampedes and write-heavy keys. @default 10 */
  top?: number;
  /** Sample replicas instead of masters (read traffic only: writes reach them as replication). */
  replica?: boolean;
  signal?: AbortSignal;
  /** Called once every node is being sampled. */
  onStarted?: () => void;
  /** Called about once a second while sampling. */
  onProgress?: (elapsedMs: number, commands: number) => void;
}

export interface TrafficNamespaceRow {
  namespace: string;
  ops: number;
  opsPerSec: number;
  reads: number;
  readsPerSec: number;
  writes: number;
  writesPerSec: number;
  deletes: number;
  expires: number;
  other: number;
  /** null when key-miss events were not observed on every sampled node. */
  misses: number | null;
  missesPerSec: number | null;
  hitRate: number | null;
  /** Share of all key accesses in the window. */
  share: number;
  writesWithoutTtl: number;
  writesWithTtl: number;
}

export interface HotKey {
  key: Buffer;
  namespace: string;
  accesses: number;
  /** The count may overstate the truth by this much (0: exact). */
  error: number;
  /** Reads among the accesses (at most; 0 when the key left the bounded read table). */
  reads: number;
  /** STRLEN after the window for a string key; null for other types, a key gone, or where it could not be read. */
  valueBytes: number | null;
  /** reads × valueBytes per second: what reads of it can have sent at most (GETRANGE, EXISTS… send less). */
  readBytesPerSecAtMost: number | null;
}

export interface WriteHeavyKey {
  key: Buffer;
  namespace: string;
  writes: number;
  readsAtMost: number;
}

/** What a window's counts say, per namespace and per key: the part of a report `top`'s panel shows too. */
export interface TrafficSummary {
  /** Key-miss events were observed on every sampled node, so hit rates are real. */
  hitRates: boolean;
  totals: Omit<TrafficNamespaceRow, 'namespace' | 'share'> & { keyless: number };
  namespaces: TrafficNamespaceRow[];
  hotKeys: HotKey[];
  stampedes: Stampede[];
  writeHeavy: WriteHeavyKey[];
  /** Namespaces read in the window and written only without a TTL. */
  neverExpiring: string[];
}

export interface TrafficReport extends TrafficSummary {
  topology: Topology['kind'];
  db: number;
  /** Actual length of the window, in ms. */
  durationMs: number;
  requestedMs: number;
  /** False when sampling stopped early on any node (buffer limit, lost connection). */
  complete: boolean;
  interrupted: boolean;
  nodes: NodeTraffic[];
  stops: string[];
}

export async function sampleTraffic(topology: Topology, options: TrafficOptions): Promise<TrafficReport> {
  const signal = options.signal;
  const nodes = options.replica === true ? topology.replicas() : topology.masters();
  if (nodes.length === 0) throw new CachectlError('USAGE', options.replica === true ? 'there is no replica to sample' : 'there is no master to sample', { hint: 'check the connection with `cachectl nodes`' });
  const stats = new TrafficStats({ namespaces: options.namespaces, stampedeMisses: options.stampedeMisses ?? 5 });
  const stops: string[] = [];
  const stopController = new AbortController();
  const stop = (reason: string) => {
    stops.push(reason);
    stopController.abort();
  };
  const samplerOptions = { db: topology.db, enableMissEvents: options.enableMissEvents, restoreState: options.restoreState, maxBufferBytes: options.maxBufferBytes, watchIntervalMs: 250 };
  const samplers = nodes.map((node) => new NodeSampler(node, stats, samplerOptions, stop));
  let started = 0;
  let ended = 0;
  try {
    await Promise.all(samplers.map((sampler) => sampler.readLoad()));
    const busy = samplers.filter((sampler) => (sampler.result.opsPerSecBefore ?? 0) > options.maxOpsPerSec);
    if (busy.length > 0) {
      const list = busy.map((sampler) => `${sampler.result.address} at ${sampler.result.opsPerSecBefore} ops/s`).join(', ');
      throw new CachectlError('GUARD', `refusing to sample: ${list} is above --max-ops ${options.maxOpsPerSec}; MONITOR copies every command to cachectl and can cut the server's throughput by half or more at that load`, {
        hint: 'sample a replica (--replica), a shorter window, or raise --max-ops once you accept the cost',
      });
    }
    if (signal?.aborted !== true) {
      await Promise.all(samplers.map((sampler) => sampler.prepareMissEvents()));
      await Promise.all(samplers.map((sampler) => sampler.start()));
      started = performance.now();
      options.onStarted?.();
      await waitWindow(options, [signal, stopController.signal], () => samplers.reduce((sum, sampler) => sum + sampler.result.commands, 0), started);
      ended = performance.now();
      if (stops.length === 0) await Promise.all(samplers.map((sampler) => sampler.finish()));
    }
  } finally {
    if (ended === 0 && started > 0) ended = performance.now();
    await Promise.all(samplers.map((sampler) => sampler.end()));
    await Promise.all(samplers.map((sampler) => sampler.drain()));
    await Promise.all(samplers.map((sampler) => sampler.restore()));
  }
  const report = buildReport(topology, options, stats, samplers.map((sampler) => sampler.result), ended - started, stops, signal?.aborted === true);
  await sizeHotKeys(topology, options.replica === true ? nodes : undefined, report.hotKeys, report.durationMs);
  return report;
}

/**
 * The node a hot key's size is read from: its master, or under --replica one of the sampled
 * replicas of that master, so `--replica` keeps every read off the masters as it promised.
 * Undefined when the key's master has no sampled replica (its size stays unknown).
 */
export function readerForKey(topology: Topology, sampled: readonly NodeHandle[] | undefined, key: Buffer): NodeHandle | undefined {
  const master = topology.nodeForKey(key);
  if (sampled === undefined) return master;
  // Outside a Cluster every replica copies the one master, whatever id it names it by.
  const own = topology.kind === 'cluster' ? sampled.filter((node) => node.masterId === master.id) : sampled;
  return own.find((node) => node.flags.length === 0) ?? own[0];
}

/**
 * The value size of each hot string key, read once after the window (STRLEN, O(1), at most `top`
 * keys), so a hot key that is also big — the one that saturates the network — stands out. STRLEN
 * refreshes the key's LRU/LFU state where the server has no CLIENT NO-TOUCH; for a key read many
 * times a second that changes nothing the server would evict.
 */
async function sizeHotKeys(topology: Topology, sampledReplicas: readonly NodeHandle[] | undefined, hotKeys: HotKey[], durationMs: number): Promise<void> {
  for (const hot of hotKeys) {
    try {
      const reader = readerForKey(topology, sampledReplicas, hot.key);
      if (reader === undefined) continue;
      const client = await reader.ready();
      // A Cluster replica answers reads of its master's slots only on a READONLY connection (else MOVED).
      if (sampledReplicas !== undefined && topology.kind === 'cluster') await client.call('READONLY');
      await avoidTouching(client);
      if ((await client.type(hot.key)) !== 'string') continue;
      hot.valueBytes = await client.strlen(hot.key);
      hot.readBytesPerSecAtMost = durationMs > 0 ? Math.round((hot.reads * hot.valueBytes * 1000) / durationMs) : null;
    } catch {
      // the size is a hint: a node that cannot be asked leaves it unknown
    }
  }
}

async function waitWindow(options: TrafficOptions, signals: (AbortSignal | undefined)[], commands: () => number, started: number): Promise<void> {
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  if (live.some((s) => s.aborted)) return;
  await new Promise<void>((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      clearInterval(ticker);
      for (const s of live) s.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, options.durationMs);
    const ticker = setInterval(() => options.onProgress?.(performance.now() - started, commands()), 1000);
    ticker.unref();
    for (const s of live) s.addEventListener('abort', finish, { once: true });
  });
}

/**
 * Keys accessed provably more than any key the bounded table let go, and at least three times as
 * often as the average key: when accesses are spread evenly there is no hot key, and none is shown
 * rather than ten arbitrary ones.
 */
function hotKeys(stats: TrafficStats, top: number, readCounts: ReadonlyMap<string, number>): HotKey[] {
  const { floorCount, distinctAtLeast, total } = stats.accesses;
  const mean = distinctAtLeast > 0 ? total / distinctAtLeast : 0;
  const threshold = Math.max(floorCount + 1, 3 * mean, 3);
  return stats.accesses
    .top(top)
    .filter((hit) => hit.count - hit.error >= threshold)
    .map((hit) => ({ key: hit.item, namespace: stats.namespaceOf(hit.item), accesses: hit.count, error: hit.error, reads: readCounts.get(hit.item.toString('latin1')) ?? 0, valueBytes: null, readBytesPerSecAtMost: null }));
}

function perSec(count: number, ms: number): number {
  return ms > 0 ? Math.round((count * 10_000) / ms) / 10 : 0;
}

function buildReport(topology: Topology, options: TrafficOptions, stats: TrafficStats, nodes: NodeTraffic[], durationMs: number, stops: string[], interrupted: boolean): TrafficReport {
  return {
    topology: topology.kind,
    db: topology.db,
    durationMs: Math.round(durationMs),
    requestedMs: options.durationMs,
    complete: stops.length === 0,
    interrupted,
    nodes,
    ...summarizeTraffic(stats, nodes, durationMs, options.top ?? 10),
    stops,
  };
}

/** The counts so far as rows: namespaces by traffic, totals, and the keys that stand out (`top` of each list). */
export function summarizeTraffic(stats: TrafficStats, nodes: readonly NodeTraffic[], durationMs: number, top: number): TrafficSummary {
  const hitRates = nodes.every((node) => node.missEvents !== 'off');
  const totalAccesses = [...stats.namespaces.values()].reduce((sum, entry) => sum + entry.ops, 0);
  const rows: TrafficNamespaceRow[] = [...stats.namespaces.entries()].map(([namespace, entry]) => {
    const misses = hitRates ? entry.misses : null;
    return {
      namespace,
      ops: entry.ops,
      opsPerSec: perSec(entry.ops, durationMs),
      reads: entry.reads,
      readsPerSec: perSec(entry.reads, durationMs),
      writes: entry.writes,
      writesPerSec: perSec(entry.writes, durationMs),
      deletes: entry.deletes,
      expires: entry.expires,
      other: entry.other,
      misses,
      missesPerSec: misses === null ? null : perSec(misses, durationMs),
      hitRate: misses === null || entry.reads === 0 ? null : Math.max(0, entry.reads - misses) / entry.reads,
      share: totalAccesses > 0 ? entry.ops / totalAccesses : 0,
      writesWithoutTtl: entry.writesWithoutTtl,
      writesWithTtl: entry.writesWithTtl,
    };
  });
  rows.sort((a, b) => b.ops - a.ops || a.namespace.localeCompare(b.namespace));
  const sum = (pick: (row: TrafficNamespaceRow) => number) => rows.reduce((total, row) => total + pick(row), 0);
  const reads = sum((row) => row.reads);
  const misses = hitRates ? sum((row) => row.misses ?? 0) : null;
  const readCounts = new Map(stats.readKeys.top(Number.MAX_SAFE_INTEGER).map((hit) => [hit.item.toString('latin1'), hit.count]));
  const writeHeavy = stats.writtenKeys
    .top(Number.MAX_SAFE_INTEGER)
    .map((hit) => ({ key: hit.item, namespace: stats.namespaceOf(hit.item), writes: hit.count - hit.error, readsAtMost: readCounts.get(hit.item.toString('latin1')) ?? stats.readKeys.floorCount }))
    .filter((entry) => entry.writes >= 20 && entry.writes >= 10 * Math.max(1, entry.readsAtMost))
    .slice(0, top);
  return {
    hitRates,
    totals: {
      ops: sum((row) => row.ops),
      opsPerSec: perSec(sum((row) => row.ops), durationMs),
      reads,
      readsPerSec: perSec(reads, durationMs),
      writes: sum((row) => row.writes),
      writesPerSec: perSec(sum((row) => row.writes), durationMs),
      deletes: sum((row) => row.deletes),
      expires: sum((row) => row.expires),
      other: sum((row) => row.other),
      misses,
      missesPerSec: misses === null ? null : perSec(misses, durationMs),
      hitRate: misses === null || reads === 0 ? null : Math.max(0, reads - misses) / reads,
      writesWithoutTtl: sum((row) => row.writesWithoutTtl),
      writesWithTtl: sum((row) => row.writesWithTtl),
      keyless: stats.keyless,
    },
    namespaces: rows,
    hotKeys: hotKeys(stats, top, readCounts),
    stampedes: stats.stampedeList().slice(0, top),
    writeHeavy,
    neverExpiring: rows.filter((row) => row.reads > 0 && row.writesWithoutTtl > 0 && row.writesWithTtl === 0 && row.expires === 0).map((row) => row.namespace),
  };
}
