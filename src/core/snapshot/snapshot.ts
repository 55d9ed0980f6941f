// `cachectl snapshot`'s core: everything an incident review needs from every node, in one bounded
// run. One-shot reads (INFO, CONFIG, SLOWLOG, LATENCY, CLIENT LIST, CLUSTER, Sentinel state) happen
// first; then, over the live window, the dashboard model records ops, hit rate, latency and memory,
// the memory report samples its rates and findings, and the keyspace is scanned when it is small
// enough (or asked for). Whatever a server refuses is recorded as not available, never fatal.

import type { Redis } from 'ioredis';
import { CachectlError } from '../../base/errors.js';
import { parseInfo, parseKeyspace } from '../../base/info.js';
import { sleep } from '../../base/sleep.js';
import type { NodeHandle, Topology, TopologyKind } from '../../connection/topology.js';
import { parseSentinelEntries } from '../../connection/sentinel.js';
import { DashboardModel } from '../dashboard/model.js';
import { Poller } from '../../base/poller.js';
import type { DashboardSnapshot } from '../dashboard/snapshot.js';
import type { SlowlogEntry } from '../dashboard/slowlog.js';
import { parseSlowlog } from '../dashboard/slowlog.js';
import type { Finding } from '../memory/memory-findings.js';
import type { MemoryReport } from '../memory/memory-report.js';
import { sampleMemory } from '../memory/memory-report.js';
import type { KeysReport, NamespaceRow } from '../namespaces/keys-report.js';
import { buildKeysReport } from '../namespaces/keys-report.js';
import type { NamespaceOptions } from '../namespaces/namespace-key.js';
import type { BigKey } from './biggest-keys.js';
import { BiggestKeys } from './biggest-keys.js';
import type { ClientEntry, ClientSummary } from './client-list.js';
import { parseClientList, summariseClients } from './client-list.js';
import { KeyNameHasher, redactArgs, redactConfig } from './redact.js';

/** Bumped whenever a field changes meaning or goes away; new fields may appear without a bump. */
export const SNAPSHOT_SCHEMA_VERSION = 1;
export const DEFAULT_SNAPSHOT_DURATION_MS = 10_000;
export const DEFAULT_SNAPSHOT_MAX_MS = 30_000;
/** Under this many keys (all masters together) the keyspace is scanned without --keys. */
export const AUTO_KEYS_LIMIT = 100_000;
/** What the bound keeps free after a keyspace scan that had to be cut short. */
const FINISH_RESERVE_MS = 2500;

/** A piece of the snapshot, or why it is missing. */
export type Available<T> = { available: true; value: T } | { available: false; reason: string };

export interface SnapshotOptions {
  /** The live part: how long ops, hit rate, latency and memory are recorded. @default 10000 */
  durationMs: number;
  /** Upper bound on the whole run; the keyspace scan is cut short to stay within it. @default 30000 */
  maxMs: number;
  /** When the run began (epoch ms), for the bound: the CLI passes its process start. @default now */
  startedAt?: number;
  /** Time between two points of the recording. @default a tenth of the window, from 250 ms to 1 s */
  sampleMs?: number;
  /** `auto`: scan when the keyspace has fewer than AUTO_KEYS_LIMIT keys. */
  keys: 'auto' | 'always' | 'never';
  namespaces: NamespaceOptions;
  /** Namespaces kept per level of the report. @default 20 */
  top?: number;
  /** Keep SLOWLOG argument values. @default false */
  keepArgs: boolean;
  /** Hash key names (namespaces, examples, biggest keys) with this HMAC secret. */
  redactKeys: Buffer | null;
  /** SLOWLOG entries read per node. @default 128 */
  slowlogEntries?: number;
  signal?: AbortSignal;
}

export interface LatencyEvent {
  event: string;
  /** When the latest spike happened (ISO 8601). */
  at: string;
  latestMs: number;
  maxMs: number;
}

export interface NodeLatency {
  latest: LatencyEvent[];
  /** Per event: [ISO 8601 time, milliseconds] points, oldest first. */
  history: Record<string, [string, number][]>;
}

export interface SnapshotNode {
  address: string;
  id: string;
  role: 'master' | 'replica';
  master: string | null;
  status: 'up' | 'down';
  error: string | null;
  /** INFO everything: section → field → value. */
  info: Available<Record<string, Record<string, string>>>;
  config: Available<{ values: Record<string, string>; removed: string[] }>;
  slowlog: Available<{ length: number | null; entries: SlowlogEntry[] }>;
  latency: Available<NodeLatency>;
  latencyDoctor: Available<string>;
  memoryDoctor: Available<string>;
  clients: Available<{ summary: ClientSummary; list: ClientEntry[] }>;
  /** Cluster nodes only. */
  cluster: Available<{ info: Record<string, string>; nodes: string }> | null;
}

export interface SentinelState {
  address: string;
  info: Available<Record<string, Record<string, string>>>;
  /** SENTINEL MASTERS, each with its replicas and fellow sentinels. */
  masters: Available<{ master: Record<string, string>; replicas: Available<Record<string, string>[]>; sentinels: Available<Record<string, string>[]> }[]>;
}

export interface RecordingPoint {
  /** Milliseconds since the recording started. */
  t: number;
  opsPerSec: number | null;
  hitRate: number | null;
  /** Client-side PING round trip p99 over the probe's window. */
  p99Ms: number | null;
  usedBytes: number | null;
}

export interface Recording {
  intervalMs: number;
  windowMs: number;
  /** Per node address, one point per refresh. */
  nodes: Record<string, RecordingPoint[]>;
  total: RecordingPoint[];
}

export interface SnapshotKeyspace {
  report: KeysReport;
  biggestKeys: BigKey[];
  /** The scan was cut short by the time bound: the figures cover part of the keyspace. */
  truncated: boolean;
}

export interface SnapshotDocument {
  schemaVersion: typeof SNAPSHOT_SCHEMA_VERSION;
  kind: 'cachectl-snapshot';
  takenAt: string;
  finishedAt: string;
  durationMs: number;
  topology: TopologyKind;
  db: number;
  redaction: {
    /** Key names appear (namespaces, examples, biggest keys) unless hashed; values never do. */
    keyNames: 'included' | 'hashed';
    slowlogArgs: 'redacted' | 'kept';
    /** CONFIG parameters whose values were removed on at least one node. */
    configRemoved: string[];
  };
  /** Memory findings over the window, most severe first. */
  findings: Finding[];
  memory: Available<MemoryReport>;
  recording: Recording;
  nodes: SnapshotNode[];
  sentinels: SentinelState[] | null;
  keyspace: Available<SnapshotKeyspace>;
  /** What was cut short or skipped, in one line each. */
  notes: string[];
}

/**
 * Takes a snapshot. Never throws for what a node refuses or fails to answer; throws INTERRUPTED
 * only when aborted before the one-shot reads are done (after that, an abort ends the live part
 * early and the document says so in `notes`).
 */
export async function takeSnapshot(topology: Topology, options: SnapshotOptions): Promise<SnapshotDocument> {
  const started = Date.now();
  const deadline = (options.startedAt ?? started) + options.maxMs;
  const signal = options.signal;
  const notes: string[] = [];
  const dataNodes = topology.kind === 'standalone' ? [...topology.masters()] : [...topology.masters(), ...topology.replicas()];
  const byId = new Map(dataNodes.map((node) => [node.id, node]));
  const oneShotBudget = Math.max(1000, Math.min(options.maxMs - options.durationMs, 10_000));

  const [nodes, sentinels] = await Promise.all([
    Promise.all(dataNodes.map((node) => readNode(node, topology.kind, byId, options, oneShotBudget))),
    topology.kind === 'sentinel' ? Promise.all(topology.sentinels().map((node) => readSentinel(node, oneShotBudget))) : Promise.resolve(null),
  ]);
  // A function, not a property read: TypeScript would otherwise keep its narrowing across the awaits.
  const aborted = (): boolean => signal?.aborted === true;
  if (aborted()) throw new CachectlError('INTERRUPTED', 'interrupted before the snapshot had read every node');

  const live = new AbortController();
  const stopLive = () => live.abort();
  signal?.addEventListener('abort', stopLive, { once: true });
  try {
    const keysWanted = decideKeys(options.keys, nodes, topology);
    const [recording, memory, keyspace] = await Promise.all([
      record(topology, options, live.signal),
      settle(sampleMemory(topology, { intervalMs: options.durationMs, doctor: true, sampleKeys: 0 }, live.signal)),
      keysWanted.scan ? scanKeyspace(topology, options, deadline, live.signal) : Promise.resolve<Available<SnapshotKeyspace>>({ available: false, reason: keysWanted.reason }),
    ]);
    if (aborted()) notes.push('interrupted: the live recording and the keyspace scan were cut short');
    if (keyspace.available && keyspace.value.truncated) notes.push(`the keyspace scan reached the ${Math.round(options.maxMs / 1000)}s time bound: namespace figures cover part of the keyspace`);
    attachMemoryDoctor(nodes, memory);
    const configRemoved = [...new Set(nodes.flatMap((node) => (node.config.available ? node.config.value.removed : [])))].sort();
    const hasher = options.redactKeys === null ? null : new KeyNameHasher(options.redactKeys);
    return {
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      kind: 'cachectl-snapshot',
      takenAt: new Date(started).toISOString(),
      finishedAt: new Date().toISOString(),
      durationMs: options.durationMs,
      topology: topology.kind,
      db: topology.db,
      redaction: { keyNames: hasher === null ? 'included' : 'hashed', slowlogArgs: options.keepArgs ? 'kept' : 'redacted', configRemoved },
      findings: memory.available ? memory.value.findings : [],
      memory,
      recording,
      nodes,
      sentinels,
      keyspace: hasher === null || !keyspace.available ? keyspace : { available: true, value: hashKeyspace(keyspace.value, hasher, options.namespaces.delimiter) },
      notes,
    };
  } finally {
    signal?.removeEventListener('abort', stopLive);
  }
}

function decideKeys(mode: SnapshotOptions['keys'], nodes: SnapshotNode[], topology: Topology): { scan: true } | { scan: false; reason: string } {
  if (mode === 'never') return { scan: false, reason: 'skipped: --no-keys' };
  if (mode === 'always') return { scan: true };
  let total = 0;
  for (const node of nodes) {
    if (node.role !== 'master' || !node.info.available) continue;
    const keyspace = parseKeyspace(toInfoSections(node.info.value)).find((entry) => entry.db === topology.db);
    total += keyspace?.keys ?? 0;
  }
  if (total < AUTO_KEYS_LIMIT) return { scan: true };
  return { scan: false, reason: `skipped: ${total} keys is not a small keyspace (under ${AUTO_KEYS_LIMIT}); pass --keys to scan it within the time bound` };
}

function toInfoSections(info: Record<string, Record<string, string>>) {
  return new Map(Object.entries(info).map(([section, fields]) => [section, new Map(Object.entries(fields))]));
}

async function settle<T>(promise: Promise<T>): Promise<Available<T>> {
  try {
    return { available: true, value: await promise };
  } catch (error) {
    return { available: false, reason: reasonOf(error) };
  }
}

/** A refusal or failure as one line: `not available` is implied by where it is shown. */
function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.trim();
}

/** Resolves to the promise's outcome, or to "no answer" once `ms` have passed. */
async function bounded<T>(ms: number, fn: () => Promise<T>): Promise<Available<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Available<T>>((resolve) => {
    timer = setTimeout(() => resolve({ available: false, reason: `no answer within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([settle(fn()), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function text(reply: unknown): string {
  return Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply);
}

function infoObject(raw: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  for (const [section, fields] of parseInfo(raw)) sections[section] = Object.fromEntries(fields);
  return sections;
}

/** INFO everything (Redis 7+) or INFO all on servers that do not know `everything`. */
async function readInfo(client: Redis): Promise<Record<string, Record<string, string>>> {
  try {
    return infoObject(text(await client.call('INFO', 'everything')));
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'ReplyError') throw error;
    return infoObject(text(await client.call('INFO', 'all')));
  }
}

async function readNode(
  node: NodeHandle,
  kind: TopologyKind,
  byId: Map<string, NodeHandle>,
  options: SnapshotOptions,
  budgetMs: number,
): Promise<SnapshotNode> {
  const report: SnapshotNode = {
    address: node.address,
    id: node.id,
    role: node.role === 'replica' ? 'replica' : 'master',
    master: node.masterId === undefined ? null : (byId.get(node.masterId)?.address ?? node.masterId),
    status: 'up',
    error: null,
    info: { available: false, reason: 'not read' },
    config: { available: false, reason: 'not read' },
    slowlog: { available: false, reason: 'not read' },
    latency: { available: false, reason: 'not read' },
    latencyDoctor: { available: false, reason: 'not read' },
    memoryDoctor: { available: false, reason: 'not read' },
    clients: { available: false, reason: 'not read' },
    cluster: kind === 'cluster' ? { available: false, reason: 'not read' } : null,
  };
  let client: Redis;
  try {
    client = await node.ready();
  } catch (error) {
    const reason = node.translate(error).message;
    report.status = 'down';
    report.error = reason;
    for (const field of ['info', 'config', 'slowlog', 'latency', 'latencyDoctor', 'memoryDoctor', 'clients'] as const) report[field] = { available: false, reason: `node down: ${reason}` };
    if (report.cluster !== null) report.cluster = { available: false, reason: `node down: ${reason}` };
    return report;
  }
  const entries = options.slowlogEntries ?? 128;
  // All at once on the node's one connection: they pipeline, and each is cheap on the server.
  const [info, config, slowlog, latency, latencyDoctor, clients, cluster] = await Promise.all([
    bounded(budgetMs, () => readInfo(client)),
    bounded(budgetMs, async () => redactConfig(await client.call('CONFIG', 'GET', '*'))),
    bounded(budgetMs, async () => {
      const [reply, length] = await Promise.all([client.call('SLOWLOG', 'GET', String(entries)), client.call('SLOWLOG', 'LEN')]);
      const parsed = parseSlowlog(reply);
      const hasher = options.redactKeys === null ? null : new KeyNameHasher(options.redactKeys);
      // Kept arguments under --redact-keys are hashed like key names: any of them may be one.
      const args = (entry: SlowlogEntry): string[] =>
        !options.keepArgs ? redactArgs(entry.args) : hasher === null ? entry.args : entry.args.map((arg, i) => (i === 0 ? arg : hasher.key(arg)));
      return { length: Number(length), entries: parsed.map((entry) => ({ ...entry, args: args(entry) })) };
    }),
    bounded(budgetMs, () => readLatency(client)),
    bounded(budgetMs, async () => text(await client.call('LATENCY', 'DOCTOR'))),
    bounded(budgetMs, async () => {
      const list = parseClientList(text(await client.call('CLIENT', 'LIST')));
      return { summary: summariseClients(list), list };
    }),
    kind === 'cluster'
      ? bounded(budgetMs, async () => {
          const [infoText, nodesText] = await Promise.all([client.call('CLUSTER', 'INFO'), client.call('CLUSTER', 'NODES')]);
          const info = Object.fromEntries(
            text(infoText)
              .split(/\r?\n/)
              .filter((line) => line.includes(':'))
              .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
          );
          return { info, nodes: text(nodesText).trim() };
        })
      : Promise.resolve(null),
  ]);
  Object.assign(report, { info, config, slowlog, latency, latencyDoctor, clients, cluster });
  if (!info.available && !config.available && !clients.available) {
    report.status = 'down';
    report.error = info.reason;
  }
  return report;
}

async function readLatency(client: Redis): Promise<NodeLatency> {
  const latestReply = await client.call('LATENCY', 'LATEST');
  const latest: LatencyEvent[] = [];
  if (Array.isArray(latestReply)) {
    for (const item of latestReply) {
      if (!Array.isArray(item) || item.length < 4) continue;
      latest.push({ event: text(item[0]), at: new Date(Number(item[1]) * 1000).toISOString(), latestMs: Number(item[2]), maxMs: Number(item[3]) });
    }
  }
  const history: Record<string, [string, number][]> = {};
  await Promise.all(
    latest.map(async ({ event }) => {
      const reply = await client.call('LATENCY', 'HISTORY', event);
      history[event] = Array.isArray(reply)
        ? reply.filter((point): point is unknown[] => Array.isArray(point) && point.length >= 2).map((point) => [new Date(Number(point[0]) * 1000).toISOString(), Number(point[1])])
        : [];
    }),
  );
  return { latest, history };
}

async function readSentinel(node: NodeHandle, budgetMs: number): Promise<SentinelState> {
  const state: SentinelState = { address: node.address, info: { available: false, reason: 'not read' }, masters: { available: false, reason: 'not read' } };
  let client: Redis;
  try {
    client = await node.ready();
  } catch (error) {
    const reason = `sentinel down: ${node.translate(error).message}`;
    return { ...state, info: { available: false, reason }, masters: { available: false, reason } };
  }
  const [info, masters] = await Promise.all([
    bounded(budgetMs, () => readInfo(client)),
    bounded(budgetMs, async () => {
      const list = parseSentinelEntries(await client.call('SENTINEL', 'MASTERS'));
      return Promise.all(
        list.map(async (master) => {
          const name = master.name ?? '';
          const [replicas, sentinels] = await Promise.all([
            settle(client.call('SENTINEL', 'REPLICAS', name).then(parseSentinelEntries)),
            settle(client.call('SENTINEL', 'SENTINELS', name).then(parseSentinelEntries)),
          ]);
          return { master, replicas, sentinels };
        }),
      );
    }),
  ]);
  return { ...state, info, masters };
}

/** Records the dashboard model's figures once per `sampleMs` until the window ends or `signal` aborts. */
async function record(topology: Topology, options: SnapshotOptions, signal: AbortSignal): Promise<Recording> {
  const intervalMs = options.sampleMs ?? Math.min(1000, Math.max(250, Math.floor(options.durationMs / 10)));
  const model = new DashboardModel(topology, { refreshMs: intervalMs, historyLength: 2 });
  const recording: Recording = { intervalMs, windowMs: 0, nodes: {}, total: [] };
  const began = performance.now();
  const stop = new AbortController();
  const stopOnAbort = () => stop.abort();
  signal.addEventListener('abort', stopOnAbort, { once: true });
  let last: DashboardSnapshot | undefined;
  const poller = new Poller<DashboardSnapshot>({ intervalMs, fetch: (pollSignal) => model.refresh(pollSignal), signal: stop.signal, freeze: false });
  const unsubscribe = poller.subscribe((state) => {
    const snapshot = state.value;
    if (snapshot === undefined || snapshot === last) return;
    last = snapshot;
    const t = Math.round(performance.now() - began);
    for (const row of snapshot.nodes) {
      (recording.nodes[row.address] ??= []).push({ t, opsPerSec: row.opsPerSec, hitRate: row.hitRate, p99Ms: row.latency.p99Ms, usedBytes: row.usedBytes });
    }
    const totals = snapshot.totals;
    recording.total.push({ t, opsPerSec: totals.opsPerSec, hitRate: totals.hitRate, p99Ms: totals.p99Ms, usedBytes: totals.usedBytes });
  });
  try {
    poller.start();
    await sleep(options.durationMs, stop.signal);
  } finally {
    unsubscribe();
    poller.stop();
    signal.removeEventListener('abort', stopOnAbort);
    await model.close();
  }
  recording.windowMs = Math.round(performance.now() - began);
  return recording;
}

async function scanKeyspace(topology: Topology, options: SnapshotOptions, deadline: number, signal: AbortSignal): Promise<Available<SnapshotKeyspace>> {
  // Leave part of the bound for what follows the scan: rendering, writing the file, closing.
  const budget = Math.max(0, deadline - Date.now() - FINISH_RESERVE_MS);
  const cut = AbortSignal.timeout(budget);
  const scanSignal = AbortSignal.any([signal, cut]);
  const biggest = new BiggestKeys();
  try {
    const report = await buildKeysReport(topology, {
      scan: { wantType: true, wantTtl: true, wantMemory: true, signal: scanSignal },
      namespaces: options.namespaces,
      sort: 'memory',
      top: options.top ?? 20,
      tee: biggest,
    });
    return { available: true, value: { report, biggestKeys: biggest.result(), truncated: cut.aborted } };
  } catch (error) {
    return { available: false, reason: reasonOf(error) };
  }
}

function attachMemoryDoctor(nodes: SnapshotNode[], memory: Available<MemoryReport>): void {
  for (const node of nodes) {
    if (node.status === 'down') continue;
    if (!memory.available) {
      node.memoryDoctor = { available: false, reason: memory.reason };
      continue;
    }
    const report = memory.value.nodes.find((candidate) => candidate.address === node.address);
    if (report?.doctor !== null && report?.doctor !== undefined) node.memoryDoctor = { available: true, value: report.doctor };
    else {
      const note = report?.notes.find((candidate) => candidate.code === 'doctor-unavailable');
      node.memoryDoctor = { available: false, reason: note?.message ?? report?.error?.message ?? 'the memory report did not reach this node' };
    }
  }
}

function hashKeyspace(keyspace: SnapshotKeyspace, hasher: KeyNameHasher, delimiter: string): SnapshotKeyspace {
  const hashRow = (row: NamespaceRow): NamespaceRow => ({
    ...row,
    namespace: hasher.namespace(row.namespace, delimiter),
    // Segment texts and layout labels (`Bull queue "patients"`) carry names too.
    segments: row.segments.map((segment) => ({ text: hasher.namespace(segment.text, delimiter), inferred: segment.inferred })),
    label: row.label === null ? null : (row.label.split(' "')[0] ?? null),
    example: row.example === null ? null : { key: hasher.key(row.example.keyBase64 ?? row.example.key) },
    children: row.children.map(hashRow),
  });
  return {
    ...keyspace,
    report: { ...keyspace.report, namespaces: keyspace.report.namespaces.map(hashRow) },
    biggestKeys: keyspace.biggestKeys.map((big) => ({ ...big, key: { key: hasher.key(big.key.keyBase64 ?? big.key.key) } })),
  };
}
