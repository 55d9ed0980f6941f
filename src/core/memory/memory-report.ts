// `cachectl memory`'s core: samples INFO from every data node twice, an interval apart, and turns
// the samples into per-node figures, window rates, totals and findings — a plain report object.

import type { NodeHandle, Topology, TopologyKind } from '../../connection/topology.js';
import { CachectlError } from '../../base/errors.js';
import { sleep } from '../../base/sleep.js';
import type { InfoSections } from '../../base/info.js';
import { parseInfo } from '../../base/info.js';
import type { InfoCounters, InfoRates } from './info-rates.js';
import { combineInfoRates, computeInfoRates, lifetimeHitRate, readCounters } from './info-rates.js';
import type { MemoryConfig, MemoryFigures } from './memory-figures.js';
import { parseMemoryConfig, readMemoryFigures } from './memory-figures.js';
import type { KeyspaceSample } from './keyspace-kinds.js';
import { DEFAULT_SAMPLE_KEYS, sampleKeyspaceKinds } from './keyspace-kinds.js';
import type { Finding } from './memory-findings.js';
import { memoryFindings, nodeDownFinding, sortFindings } from './memory-findings.js';

export interface MemoryReportOptions {
  /** Milliseconds between the two INFO samples; 0 takes a single instant sample (no rates). @default 1000 */
  intervalMs: number;
  /** Also ask every node for MEMORY DOCTOR. @default false */
  doctor: boolean;
  /**
   * Keys to sample (SCAN with TYPE and TTL, over every master) to learn whether queues, locks or
   * sessions live here, which changes the eviction advice; 0 skips it. @default DEFAULT_SAMPLE_KEYS
   */
  sampleKeys?: number;
}

export const DEFAULT_MEMORY_INTERVAL_MS = 1000;

export type MemoryNoteCode = 'config-unavailable' | 'doctor-unavailable';

/** Something the report could not do on a node, with what it did instead. */
export interface MemoryNote {
  code: MemoryNoteCode;
  message: string;
}

export interface MemoryNodeReport {
  address: string;
  role: 'master' | 'replica';
  /** A replica: the address of its master. */
  master: string | null;
  status: 'up' | 'down';
  error: { code: CachectlError['code']; message: string } | null;
  /** From the last sample; null when the node is down. */
  figures: MemoryFigures | null;
  /** Lifetime counters from the last sample. */
  counters: InfoCounters | null;
  lifetimeHitRate: number | null;
  /** Over the window; null for a single sample or a node that went down. */
  rates: InfoRates | null;
  /** MEMORY DOCTOR's text with --doctor, else null. */
  doctor: string | null;
  notes: MemoryNote[];
  findings: Finding[];
}

/**
 * Sums over every reachable data node (what the deployment holds in memory); keys count masters
 * only, since replicas hold copies (all nodes when no master is reachable). maxmemory is null when
 * any reachable node has no limit.
 */
export interface MemoryTotals {
  nodes: number;
  nodesUp: number;
  usedBytes: number | null;
  rssBytes: number | null;
  /** Sum of each node's own peak (they need not have peaked together). */
  peakBytes: number | null;
  datasetBytes: number | null;
  overheadBytes: number | null;
  countedBytes: number | null;
  maxmemoryBytes: number | null;
  maxmemoryUsage: number | null;
  headroomBytes: number | null;
  keys: number | null;
  keysWithExpiry: number | null;
  keysWithoutExpiry: number | null;
  evictedKeys: number | null;
  expiredKeys: number | null;
  lazyfreePendingObjects: number | null;
  rates: InfoRates | null;
  lifetimeHitRate: number | null;
}

export interface MemoryReport {
  topology: TopologyKind;
  /** When the last sample was taken (ISO 8601). */
  sampledAt: string;
  /** The interval asked for; each node's `rates.windowMs` is the one measured. */
  intervalMs: number;
  /** Interrupted after the first sample: figures are from it and there are no rates. */
  partial: boolean;
  nodes: MemoryNodeReport[];
  total: MemoryTotals;
  /** What the keyspace sample found (queues, locks, sessions); null when not sampled (--sample-keys 0). */
  keyspace: KeyspaceSample | null;
  /** Every node's findings, most severe first. */
  findings: Finding[];
}

interface Sample {
  info: InfoSections;
  /** performance.now() when the reply arrived. */
  at: number;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: CachectlError };

/**
 * Samples every data node: Cluster masters and replicas, the Sentinel master and its replicas, or
 * the one standalone node (its replicas appear in its replication figures; connect to them to
 * sample them). A node that fails is reported down and the rest carry on. Aborting during the
 * interval returns what the first sample holds, marked partial.
 */
export async function sampleMemory(topology: Topology, options: MemoryReportOptions, signal?: AbortSignal): Promise<MemoryReport> {
  const handles = topology.kind === 'standalone' ? [...topology.masters()] : [...topology.masters(), ...topology.replicas()];
  const byId = new Map(handles.map((node) => [node.id, node]));

  // A function, not a property read: TypeScript would otherwise keep its narrowing across the awaits.
  const aborted = (): boolean => signal?.aborted === true;

  const first = await Promise.all(handles.map((node) => attempt(node, () => takeSample(node))));
  if (aborted()) throw new CachectlError('INTERRUPTED', 'interrupted before the first sample was complete');

  let partial = false;
  let second: (Outcome<Sample> | null)[] = handles.map(() => null);
  if (options.intervalMs > 0 && first.some((outcome) => outcome.ok)) {
    await sleep(options.intervalMs, signal);
    if (aborted()) partial = true;
    else second = await Promise.all(handles.map((node, i) => (first[i]!.ok ? attempt(node, () => takeSample(node)) : Promise.resolve(null))));
  }

  // After the INFO window, so its SCANs do not count as traffic in the rates.
  const sampleKeys = options.sampleKeys ?? DEFAULT_SAMPLE_KEYS;
  const keyspace = sampleKeys > 0 && !partial && !aborted() ? await sampleKeyspaceKinds(topology, sampleKeys, signal).catch(() => null) : null;

  const nodes = await Promise.all(
    handles.map(async (node, i): Promise<MemoryNodeReport> => {
      const report = emptyNode(node, byId);
      const a = first[i]!;
      const b = second[i] ?? null;
      const failed = !a.ok ? a.error : b !== null && !b.ok ? b.error : null;
      if (failed !== null) return down(report, failed);
      const before = (a as { value: Sample }).value;
      const last = b === null ? before : (b as { value: Sample }).value;

      let config: MemoryConfig | undefined;
      if (!partial) {
        const extra = await attempt(node, () => readExtras(node, options.doctor));
        if (!extra.ok) return down(report, extra.error);
        config = extra.value.config;
        report.doctor = extra.value.doctor;
        report.notes = extra.value.notes;
      }
      const figures = readMemoryFigures(last.info, config);
      const role = figures.replication.role ?? report.role;
      report.role = role;
      report.status = 'up';
      report.figures = figures;
      report.counters = readCounters(last.info);
      report.lifetimeHitRate = lifetimeHitRate(last.info);
      // The first INFO ran inside the window and counts as a command; leave it out of ops/s.
      report.rates = b === null ? null : computeInfoRates(before.info, last.info, last.at - before.at, { ownCommands: 1 });
      report.findings = memoryFindings({ address: node.address, role, figures, rates: report.rates, keyspace });
      return report;
    }),
  );

  return {
    topology: topology.kind,
    sampledAt: new Date().toISOString(),
    intervalMs: options.intervalMs,
    partial,
    nodes,
    total: totals(nodes),
    keyspace,
    findings: sortFindings(nodes.flatMap((node) => node.findings)),
  };
}

function emptyNode(node: NodeHandle, byId: Map<string, NodeHandle>): MemoryNodeReport {
  return {
    address: node.address,
    role: node.role === 'replica' ? 'replica' : 'master',
    master: node.masterId === undefined ? null : (byId.get(node.masterId)?.address ?? node.masterId),
    status: 'down',
    error: null,
    figures: null,
    counters: null,
    lifetimeHitRate: null,
    rates: null,
    doctor: null,
    notes: [],
    findings: [],
  };
}

function down(report: MemoryNodeReport, error: CachectlError): MemoryNodeReport {
  report.status = 'down';
  report.error = { code: error.code, message: error.message };
  report.findings = [nodeDownFinding(report.address, error.message)];
  return report;
}

async function attempt<T>(node: NodeHandle, fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error: node.translate(error) };
  }
}

async function takeSample(node: NodeHandle): Promise<Sample> {
  const client = await node.ready();
  const text = await client.info();
  return { info: parseInfo(text), at: performance.now() };
}

interface Extras {
  config: MemoryConfig | undefined;
  doctor: string | null;
  notes: MemoryNote[];
}

/**
 * CONFIG GET for the authoritative limit and the defrag switch, and MEMORY DOCTOR on request. A
 * server may refuse either (ACL, renamed commands): that is a note, and INFO's figures stand in.
 * A dropped connection is not refused permission, so it propagates and marks the node down.
 */
async function readExtras(node: NodeHandle, doctor: boolean): Promise<Extras> {
  const client = await node.ready();
  const notes: MemoryNote[] = [];
  let config: MemoryConfig | undefined;
  try {
    // Two calls: Redis 6.2 takes one pattern per CONFIG GET.
    const [limits, defrag] = await Promise.all([client.call('CONFIG', 'GET', 'maxmemory*'), client.call('CONFIG', 'GET', 'activedefrag')]);
    config = { ...parseMemoryConfig(limits), ...parseMemoryConfig(defrag) };
  } catch (error) {
    if (!isReplyError(error)) throw error;
    notes.push({ code: 'config-unavailable', message: `CONFIG GET refused (${firstLine(error)}): maxmemory and policy read from INFO, active defrag setting unknown` });
  }
  let doctorText: string | null = null;
  if (doctor) {
    try {
      const reply = await client.call('MEMORY', 'DOCTOR');
      doctorText = Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply);
    } catch (error) {
      if (!isReplyError(error)) throw error;
      notes.push({ code: 'doctor-unavailable', message: `MEMORY DOCTOR refused (${firstLine(error)})` });
    }
  }
  return { config, doctor: doctorText, notes };
}

function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ReplyError';
}

function firstLine(error: Error): string {
  return error.message.split('\n', 1)[0]!.trim();
}

function totals(nodes: readonly MemoryNodeReport[]): MemoryTotals {
  const up = nodes.filter((node): node is MemoryNodeReport & { figures: MemoryFigures } => node.status === 'up' && node.figures !== null);
  // Replicas hold copies of their masters' keys; only a report without a reachable master (a
  // standalone replica, a cluster whose masters are all down) counts them.
  const masters = up.filter((node) => node.role === 'master');
  const keyHolders = masters.length > 0 ? masters : up;
  const countedBytes = sumOver(up, (node) => node.figures.countedBytes);
  const limited = up.length > 0 && up.every((node) => (node.figures.maxmemoryBytes ?? 0) > 0);
  const maxmemoryBytes = limited ? sumOver(up, (node) => node.figures.maxmemoryBytes) : null;
  const hits = sumOver(up, (node) => node.counters?.hits ?? null);
  const misses = sumOver(up, (node) => node.counters?.misses ?? null);
  return {
    nodes: nodes.length,
    nodesUp: up.length,
    usedBytes: sumOver(up, (node) => node.figures.usedBytes),
    rssBytes: sumOver(up, (node) => node.figures.rssBytes),
    peakBytes: sumOver(up, (node) => node.figures.peakBytes),
    datasetBytes: sumOver(up, (node) => node.figures.datasetBytes),
    overheadBytes: sumOver(up, (node) => node.figures.overheadBytes),
    countedBytes,
    maxmemoryBytes,
    maxmemoryUsage: maxmemoryBytes === null || countedBytes === null ? null : countedBytes / maxmemoryBytes,
    headroomBytes: maxmemoryBytes === null || countedBytes === null ? null : maxmemoryBytes - countedBytes,
    keys: sumOver(keyHolders, (node) => node.figures.keys),
    keysWithExpiry: sumOver(keyHolders, (node) => node.figures.keysWithExpiry),
    keysWithoutExpiry: sumOver(keyHolders, (node) => node.figures.keysWithoutExpiry),
    evictedKeys: sumOver(up, (node) => node.figures.evictedKeys),
    expiredKeys: sumOver(up, (node) => node.figures.expiredKeys),
    lazyfreePendingObjects: sumOver(up, (node) => node.figures.lazyfreePendingObjects),
    rates: combineInfoRates(up.flatMap((node) => (node.rates === null ? [] : [node.rates]))),
    lifetimeHitRate: hits === null || misses === null || hits + misses === 0 ? null : hits / (hits + misses),
  };
}

/** The sum of a figure over nodes; null when there are none or any node lacks it (a partial sum would mislead). */
function sumOver<T>(items: readonly T[], pick: (item: T) => number | null): number | null {
  if (items.length === 0) return null;
  let total = 0;
  for (const item of items) {
    const value = pick(item);
    if (value === null) return null;
    total += value;
  }
  return total;
}
