// `cachectl bigkeys` as a core operation: one scan that reads type, TTL, memory, length (and the
// LFU counter under an LFU policy) of every key in the same Lua batch, aggregated into top-N lists,
// per-type distributions, per-namespace outliers and findings with advice.

import { encodeKeyForJson } from '../../base/key-format.js';
import type { JsonKey } from '../../base/key-format.js';
import { infoNumber, infoString, parseInfo } from '../../base/info.js';
import { runStatus } from '../../base/status.js';
import type { RunStatus } from '../../base/status.js';
import type { Topology } from '../../connection/topology.js';
import type { NamespaceOptions } from '../namespaces/namespace-key.js';
import { namespaceSegments } from '../namespaces/namespace-key.js';
import { TTL_GONE, TTL_NONE, UNKNOWN } from '../scan/scan-batch.js';
import type { ScanOptions } from '../scan/scan.js';
import { scanKeys, shardsOf } from '../scan/scan.js';
import type { NodeScanState, ScanProgress } from '../scan/scan-progress.js';
import { collectScan } from '../scan/scan-progress.js';
import type { BigKeysTotals, TypeStats } from './bigkeys-aggregator.js';
import { BigKeysAggregator } from './bigkeys-aggregator.js';
import type { FailOnRule, FindingId, FindingLimits } from './key-rules.js';
import { DEFAULT_LIMITS, findingRules } from './key-rules.js';
import type { Log2Bucket, SizeDistribution } from './size-distribution.js';
import { RELATIVE_ERROR } from './size-distribution.js';
import type { KeyRecord } from './top-keys.js';

export interface BigKey extends JsonKey {
  type: string;
  memoryBytes: number | null;
  /** Bytes of a string, elements of a collection; null for other types. */
  length: number | null;
  /** null: no expiry. */
  ttlMs: number | null;
  /** OBJECT FREQ (LFU counter); null when not measured. */
  freq: number | null;
  namespace: string;
  node: string;
}

export interface Percentiles {
  total: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Exact percentiles (few keys), or estimates within `relativeError`. */
  exact: boolean;
}

export interface TypeSummary {
  type: string;
  keys: number;
  memory: Percentiles | null;
  /** `bytes` for strings, `elements` for collections; null (and length null) for types without a length command. */
  lengthUnit: 'bytes' | 'elements' | null;
  length: Percentiles | null;
  /** Keys per power of two of the length (of memory for types without one). */
  histogram: { of: 'bytes' | 'elements' | 'memory'; buckets: Log2Bucket[] };
}

export interface NamespaceOutlier {
  namespace: string;
  keys: number;
  memoryBytes: number;
  avgBytes: number;
  biggest: BigKey;
  /** The biggest key's memory over the namespace's average. */
  biggestToAvg: number;
}

export interface Finding {
  id: FindingId;
  severity: 'warning' | 'critical';
  count: number;
  title: string;
  advice: string;
  examples: BigKey[];
}

export interface FailOnResult {
  rule: string;
  /** Keys over the threshold (for `findings`: the number of findings). */
  matched: number;
  failed: boolean;
  examples: BigKey[];
}

export interface HotKeys {
  /** OBJECT FREQ was read (an LFU policy on at least one scanned node). */
  available: boolean;
  policies: { node: string; policy: string }[];
  reason: string | null;
  keys: BigKey[];
}

export interface BigKeysReport {
  status: RunStatus;
  sampled: boolean;
  scanned: number;
  dbsize: number;
  vanished: number;
  durationMs: number;
  /** Bound on the relative error of estimated percentiles (exact: false). */
  relativeError: number;
  limits: FindingLimits & { top: number };
  topByMemory: BigKey[];
  topByLength: Record<string, BigKey[]>;
  hotKeys: HotKeys;
  types: TypeSummary[];
  namespaces: NamespaceOutlier[];
  findings: Finding[];
  failOn: FailOnResult[] | null;
  nodes: NodeScanState[];
  notices: string[];
}

export interface BigKeysOptions {
  scan: Omit<ScanOptions, 'wantType' | 'wantTtl' | 'wantMemory' | 'wantLength' | 'wantFreq'>;
  namespaces: NamespaceOptions;
  /** Keys per top list. */
  top: number;
  /** Namespace rows (biggest key beside average). */
  namespaceRows: number;
  limits?: Partial<FindingLimits>;
  failOn?: readonly FailOnRule[];
  /** Examples kept per finding. @default 5 */
  examples?: number;
  onProgress?: (progress: ScanProgress) => void;
}

interface NodeFacts {
  usedMemory: Map<string, number>;
  policies: { node: string; policy: string }[];
  notices: string[];
}

/** used_memory and maxmemory-policy of each node the scan will read, from INFO memory (no CONFIG needed). */
async function nodeFacts(topology: Topology, replica: boolean): Promise<NodeFacts> {
  const facts: NodeFacts = { usedMemory: new Map(), policies: [], notices: [] };
  await Promise.all(
    shardsOf(topology, replica).map(async ({ node }) => {
      try {
        const info = parseInfo(await (await node.ready()).info('memory'));
        const used = infoNumber(info, 'memory', 'used_memory');
        if (used !== undefined) facts.usedMemory.set(node.address, used);
        facts.policies.push({ node: node.address, policy: infoString(info, 'memory', 'maxmemory_policy') ?? 'unknown' });
      } catch (error) {
        // The scan reports the node itself; here only the share finding and hot keys lose it.
        facts.notices.push(`INFO memory could not be read from ${node.address} (${node.translate(error).message}): no shard-share finding or hot keys for it`);
      }
    }),
  );
  facts.policies.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  return facts;
}

export async function buildBigKeysReport(topology: Topology, options: BigKeysOptions): Promise<BigKeysReport> {
  const limits: FindingLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const failOn = options.failOn ?? [];
  const facts = await nodeFacts(topology, options.scan.replica === true);
  const lfu = facts.policies.some(({ policy }) => policy.includes('lfu'));
  const aggregator = new BigKeysAggregator({
    top: options.top,
    namespaces: options.namespaces,
    rules: [...findingRules(limits, facts.usedMemory), ...failOn.filter((rule) => rule.metric !== 'findings')],
    examples: options.examples ?? 5,
  });
  // TTLs only of keys big enough for the no-TTL finding: the listed keys' TTLs are read after the
  // scan (readListedTtls), which spares the server one command per key.
  const scan: ScanOptions = { ...options.scan, wantType: true, wantTtl: false, ttlFromMemory: limits.bigBytes, wantMemory: true, wantLength: true, wantFreq: lfu };
  const progress = await collectScan(scanKeys(topology, scan), aggregator, options.onProgress);
  const totals = aggregator.totals();
  // Also after an interrupted scan: the partial report lists keys too (a few thousand PTTLs at most).
  await readListedTtls(topology, totals, facts.notices);
  return summarizeBigKeys(totals, progress, { ...options, limits, failOn, facts, aborted: options.scan.signal?.aborted === true });
}

/**
 * The TTLs of the keys the report lists (top lists, each namespace's biggest, finding examples)
 * whose TTL the scan did not read, one pipeline per node once the scan is done: at most a few
 * thousand keys, where reading every key's TTL in the scan cost the server a command per key.
 * A key gone by then keeps no TTL.
 */
async function readListedTtls(topology: Topology, totals: BigKeysTotals, notices: string[]): Promise<void> {
  const listed = new Set<KeyRecord>();
  const take = (records: Iterable<KeyRecord | undefined>) => {
    for (const record of records) if (record !== undefined && record.ttl === UNKNOWN) listed.add(record);
  };
  take(totals.topMemory);
  take(totals.topFreq);
  for (const records of totals.topLength.values()) take(records);
  take([...totals.namespaces.values()].map((entry) => entry.biggest));
  for (const matches of totals.rules.values()) take(matches.examples);
  const byNode = new Map<string, KeyRecord[]>();
  for (const record of listed) {
    const records = byNode.get(record.node) ?? [];
    records.push(record);
    byNode.set(record.node, records);
  }
  const nodes = new Map([...topology.masters(), ...topology.replicas()].map((node) => [node.address, node]));
  await Promise.all(
    [...byNode].map(async ([address, records]) => {
      const node = nodes.get(address);
      try {
        if (node === undefined) throw new Error('the node is no longer part of the deployment');
        const pipeline = (await node.ready()).pipeline();
        for (const record of records) pipeline.pttl(record.key);
        const results = (await pipeline.exec()) ?? [];
        records.forEach((record, i) => {
          const [error, value] = results[i] ?? [];
          if (error) throw error;
          if (typeof value === 'number' && value !== TTL_GONE) record.ttl = value;
        });
      } catch (error) {
        notices.push(`the TTLs of the keys listed from ${address} could not be read (${node === undefined ? (error as Error).message : node.translate(error).message}): they show none`);
      }
    }),
  );
}

interface SummaryOptions {
  namespaces: NamespaceOptions;
  top: number;
  namespaceRows: number;
  limits: FindingLimits;
  failOn: readonly FailOnRule[];
  facts: NodeFacts;
  aborted: boolean;
  scan: { limit?: number };
}

/** The report from the aggregated figures (pure: also what unit tests check). */
export function summarizeBigKeys(totals: BigKeysTotals, progress: ScanProgress, options: SummaryOptions): BigKeysReport {
  const toKey = (record: KeyRecord): BigKey => bigKey(record, options.namespaces);
  const findings = buildFindings(totals, options.limits, toKey);
  const failOn =
    options.failOn.length === 0
      ? null
      : options.failOn.map((rule): FailOnResult => {
          if (rule.metric === 'findings') {
            const matched = findings.length;
            return { rule: rule.id, matched, failed: rule.inclusive ? matched >= rule.value : matched > rule.value, examples: [] };
          }
          const matches = totals.rules.get(rule.id);
          const matched = matches?.count ?? 0;
          return { rule: rule.id, matched, failed: matched > 0, examples: (matches?.examples ?? []).map(toKey) };
        });
  const lfuNodes = options.facts.policies.filter(({ policy }) => policy.includes('lfu'));
  const hotKeys: HotKeys = {
    available: totals.freqMeasured > 0,
    policies: options.facts.policies,
    reason:
      lfuNodes.length === 0
        ? `hot keys from OBJECT FREQ need an LFU maxmemory-policy (allkeys-lfu or volatile-lfu); ${describePolicies(options.facts.policies)}, and cachectl never changes it. \`cachectl traffic\` finds hot keys under any policy from a short sample of live commands`
        : lfuNodes.length < options.facts.policies.length
          ? `only nodes with an LFU policy report frequencies; ${describePolicies(options.facts.policies)}`
          : null,
    keys: totals.topFreq.map(toKey),
  };
  const sampled = options.scan.limit !== undefined && progress.scanned >= options.scan.limit;
  return {
    status: runStatus(options.aborted, progress.failed.length),
    sampled,
    scanned: progress.scanned,
    dbsize: progress.total,
    vanished: totals.vanished,
    durationMs: progress.elapsedMs,
    relativeError: RELATIVE_ERROR,
    limits: { ...options.limits, top: options.top },
    ...biggestSection(totals, options.namespaces, findings),
    hotKeys,
    namespaces: namespaceOutliers(totals, options.namespaceRows, toKey),
    failOn,
    nodes: progress.nodes,
    notices: [...options.facts.notices, ...progress.notices],
  };
}

/** What `keys --biggest N` adds to its report: the top lists, the per-type distributions and the findings. */
export interface BiggestSection {
  topByMemory: BigKey[];
  topByLength: Record<string, BigKey[]>;
  types: TypeSummary[];
  findings: Finding[];
}

/** The section from an aggregator's totals; findings are built with the default limits unless given. */
export function biggestSection(totals: BigKeysTotals, namespaces: NamespaceOptions, findings?: Finding[]): BiggestSection {
  const toKey = (record: KeyRecord): BigKey => bigKey(record, namespaces);
  return {
    topByMemory: totals.topMemory.map(toKey),
    topByLength: Object.fromEntries([...totals.topLength].sort(([a], [b]) => typeOrder(a) - typeOrder(b)).map(([type, list]) => [type, list.map(toKey)])),
    types: [...totals.types].map(([type, stats]) => typeSummary(type, stats)).sort((a, b) => (b.memory?.total ?? 0) - (a.memory?.total ?? 0) || b.keys - a.keys),
    findings: findings ?? buildFindings(totals, DEFAULT_LIMITS, toKey),
  };
}

function describePolicies(policies: { node: string; policy: string }[]): string {
  const distinct = [...new Set(policies.map(({ policy }) => policy))];
  if (distinct.length === 1) return `maxmemory-policy is ${distinct[0]}`;
  return `maxmemory-policy is ${policies.map(({ node, policy }) => `${policy} on ${node}`).join(', ')}`;
}

const TYPE_ORDER = ['string', 'hash', 'list', 'set', 'zset', 'stream'];
function typeOrder(type: string): number {
  const index = TYPE_ORDER.indexOf(type);
  return index < 0 ? TYPE_ORDER.length : index;
}

function bigKey(record: KeyRecord, namespaces: NamespaceOptions): BigKey {
  return {
    ...encodeKeyForJson(record.key),
    type: record.type,
    memoryBytes: record.memory === UNKNOWN ? null : record.memory,
    length: record.length === UNKNOWN ? null : record.length,
    ttlMs: record.ttl === TTL_NONE || record.ttl === UNKNOWN ? null : record.ttl,
    freq: record.freq === UNKNOWN ? null : record.freq,
    namespace: namespaceSegments(record.key, namespaces).join(namespaces.delimiter),
    node: record.node,
  };
}

function percentiles(distribution: SizeDistribution): Percentiles | null {
  if (distribution.count === 0) return null;
  return {
    total: distribution.total,
    p50: distribution.quantile(0.5)!,
    p90: distribution.quantile(0.9)!,
    p99: distribution.quantile(0.99)!,
    max: distribution.max,
    exact: distribution.exact,
  };
}

function typeSummary(type: string, stats: TypeStats): TypeSummary {
  const hasLength = stats.length.count > 0;
  return {
    type,
    keys: stats.keys,
    memory: percentiles(stats.memory),
    lengthUnit: hasLength ? (type === 'string' ? 'bytes' : 'elements') : null,
    length: percentiles(stats.length),
    histogram: hasLength
      ? { of: type === 'string' ? 'bytes' : 'elements', buckets: stats.length.log2Histogram() }
      : { of: 'memory', buckets: stats.memory.log2Histogram() },
  };
}

function namespaceOutliers(totals: BigKeysTotals, rows: number, toKey: (record: KeyRecord) => BigKey): NamespaceOutlier[] {
  const out: NamespaceOutlier[] = [];
  for (const [namespace, entry] of totals.namespaces) {
    if (entry.biggest === undefined || entry.measured === 0) continue;
    const avg = entry.memory / entry.measured;
    out.push({
      namespace,
      keys: entry.keys,
      memoryBytes: entry.memory,
      avgBytes: Math.round(avg),
      biggest: toKey(entry.biggest),
      biggestToAvg: avg > 0 ? entry.biggest.memory / avg : 1,
    });
  }
  // The biggest keys first: that is where an outlier hurts; the ratio says whether it is one.
  out.sort((a, b) => b.biggest.memoryBytes! - a.biggest.memoryBytes! || (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
  return out.slice(0, rows);
}

function mib(bytes: number): string {
  return `${Math.round((bytes / 1024 ** 2) * 10) / 10} MiB`;
}

function buildFindings(totals: BigKeysTotals, limits: FindingLimits, toKey: (record: KeyRecord) => BigKey): Finding[] {
  const texts: Record<FindingId, { severity: Finding['severity']; title: (count: number) => string; advice: string }> = {
    'huge-string': {
      severity: 'critical',
      title: (n) => `${n} string${n === 1 ? '' : 's'} over ${mib(limits.stringBytes)}`,
      advice: 'a GET, DEL or replication of a value this size blocks the server and the network: split it into chunks or keep the blob elsewhere with a reference in Redis; delete it with UNLINK',
    },
    'huge-collection': {
      severity: 'critical',
      title: (n) =>
        `${n} collection${n === 1 ? '' : 's'} over ${limits.collectionElements.toLocaleString('en-US')} elements or ${mib(limits.collectionBytes)}`,
      advice: 'DEL, DUMP/RESTORE, cluster slot migration and full resyncs stall on keys this size: shard it into smaller keys (e.g. by a hash of the member), read it with HSCAN/SSCAN/ZSCAN, delete it with UNLINK',
    },
    'big-no-ttl': {
      severity: 'warning',
      title: (n) => `${n} key${n === 1 ? '' : 's'} of ${mib(limits.bigBytes)} or more without a TTL`,
      advice: 'nothing expires them, and volatile-* eviction policies never pick them: give them an EXPIRE, or make sure the code that writes them also deletes them',
    },
    'shard-share': {
      severity: 'warning',
      title: (n) => `${n} key${n === 1 ? '' : 's'} holding more than ${Math.round(limits.shardShare * 1000) / 10}% of a node's used memory`,
      advice: "one key lives on one shard whatever the cluster's size: split it across keys with different hash slots so its memory and traffic spread over the shards",
    },
  };
  const findings: Finding[] = [];
  for (const id of Object.keys(texts) as FindingId[]) {
    const matches = totals.rules.get(id);
    if (matches === undefined || matches.count === 0) continue;
    const text = texts[id];
    findings.push({ id, severity: text.severity, count: matches.count, title: text.title(matches.count), advice: text.advice, examples: matches.examples.map(toKey) });
  }
  return findings;
}

