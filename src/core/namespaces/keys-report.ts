// `cachectl keys` as a core operation: scan, aggregate into namespaces, and describe the result
// (complete, partial after Ctrl-C, incomplete after a node failure, or a sample under --limit).

import type { Topology } from '../../connection/topology.js';
import { encodeKeyForJson } from '../../base/key-format.js';
import type { JsonKey } from '../../base/key-format.js';
import type { NamespaceNode, NamespaceSort } from './namespaces.js';
import { NamespaceAggregator, sortNamespaces } from './namespaces.js';
import type { NamespaceOptions } from './namespace-key.js';
import { isInferred } from './namespace-key.js';
import { KEY_TYPES } from '../scan/scan-batch.js';
import type { ScanOptions } from '../scan/scan.js';
import { scanKeys } from '../scan/scan.js';
import type { NodeScanState, ScanProgress, ShardSink } from '../scan/scan-progress.js';
import { collectScan } from '../scan/scan-progress.js';
import { runStatus } from '../../base/status.js';
import type { RunStatus } from '../../base/status.js';

export interface NamespaceRow {
  namespace: string;
  depth: number;
  keys: number;
  /** Share of all scanned keys, 0..1. */
  keysShare: number;
  memoryBytes: number | null;
  memoryShare: number | null;
  avgBytes: number | null;
  /** Keys per type, by the server's type name (module types included). */
  types: Record<string, number>;
  noTtl: number;
  /** Hashes without a key TTL whose every field expires (Redis 7.4+ hash field expiration). */
  expireByFields: number;
  ttl: { minMs: number; p50Ms: number; maxMs: number } | null;
  example: JsonKey | null;
  /** With --limit: keys extrapolated to the whole keyspace from DBSIZE. */
  estimatedKeys?: number;
  /** With --limit: every count of the row extrapolated the same way (estimated.keys = estimatedKeys). */
  estimated?: SampleEstimate & { types: Record<string, number> };
  /** Each segment of the name, and whether it was inferred (‹id›) or is the keys' own text. */
  segments: { text: string; inferred: boolean }[];
  /** The known library layout, e.g. `BullMQ queue "emails"`. */
  label: string | null;
  /** For a ‹var› row: how many distinct values were rolled into it. */
  distinctValues?: number;
  /** distinctValues is a lower bound (more values than a scan remembers). */
  distinctValuesAtLeast?: boolean;
  /** Keys of exactly this namespace (not of a child): keys = ownKeys + children + remainder. */
  ownKeys: number;
  children: NamespaceRow[];
  /** Children cut by --top, summed; null when none were cut. */
  remainder: NamespaceRemainder | null;
}

/** What a level cut by --top leaves out: never silently. */
export interface NamespaceRemainder {
  namespaces: number;
  keys: number;
  memoryBytes: number | null;
  noTtl: number;
  estimatedKeys?: number;
  estimated?: SampleEstimate;
}

/**
 * Under --limit (a sample of the whole keyspace): the sample's counts scaled to the keyspace by
 * DBSIZE / keys scanned. Every count is scaled, never some of them; the table marks them `~`.
 */
export interface SampleEstimate {
  keys: number;
  memoryBytes: number | null;
  noTtl: number;
  expireByFields: number;
}

export interface KeysReport {
  status: RunStatus;
  sampled: boolean;
  scanned: number;
  /** Keys the scanned nodes hold (DBSIZE), whatever the pattern. */
  dbsize: number;
  memoryBytes: number | null;
  noTtl: number;
  /** Hashes without a key TTL whose every field expires: they go away, so they are not in noTtl. */
  expireByFields: number;
  vanished: number;
  durationMs: number;
  namespaceCount: number;
  nodes: NodeScanState[];
  notices: string[];
  namespaces: NamespaceRow[];
  /** Top-level namespaces cut by --top. */
  remainder: NamespaceRemainder | null;
  /** Under --limit without a pattern or --type: DBSIZE / keys scanned, the factor every estimate uses; else null. */
  sampleScale: number | null;
  /** The totals (keys, memory, keys without TTL) extrapolated with sampleScale; null when not a sample. */
  estimated: SampleEstimate | null;
}

export interface KeysReportOptions {
  scan: ScanOptions;
  namespaces: NamespaceOptions;
  sort: NamespaceSort;
  /** Children kept per level (the rest are summarised in the parent). */
  top: number;
  onProgress?: (progress: ScanProgress) => void;
  /** Also sees every batch (e.g. the snapshot's biggest keys). */
  tee?: ShardSink;
}

export async function buildKeysReport(topology: Topology, options: KeysReportOptions): Promise<KeysReport> {
  const aggregator = new NamespaceAggregator(options.namespaces);
  const tee = options.tee;
  const sink: ShardSink =
    tee === undefined
      ? aggregator
      : {
          add: (shard, batch, node) => {
            aggregator.add(shard, batch);
            tee.add(shard, batch, node);
          },
          discardShard: (shard) => {
            aggregator.discardShard(shard);
            tee.discardShard(shard);
          },
        };
  const progress = await collectScan(scanKeys(topology, options.scan), sink, options.onProgress);
  const root = aggregator.tree();
  const sampled = options.scan.limit !== undefined && progress.scanned >= options.scan.limit;
  const aborted = options.scan.signal?.aborted === true;
  const status = runStatus(aborted, progress.failed.length);
  // Memory is null, not 0, when it could not be measured at all (MEMORY not permitted).
  const wantMemory = options.scan.wantMemory && root.stats.measured > 0;
  const total = root.stats.keys;
  const memory = root.stats.memory;
  // Under --limit the sample stands for the whole keyspace, unless MATCH or TYPE made it an unknown share of it.
  const filtered = options.scan.match !== undefined || options.scan.type !== undefined;
  const scale = sampled && !filtered && total > 0 ? progress.total / total : undefined;
  const rows = namespaceLevel(root, { wantMemory, sort: options.sort, top: options.top, scale });
  return {
    status,
    sampled,
    scanned: progress.scanned,
    dbsize: progress.total,
    memoryBytes: wantMemory ? memory : null,
    noTtl: root.stats.noTtl,
    expireByFields: root.stats.expireByFields,
    vanished: aggregator.vanished,
    durationMs: progress.elapsedMs,
    namespaceCount: aggregator.namespaceCount,
    nodes: progress.nodes,
    notices: progress.notices,
    namespaces: rows.rows,
    remainder: rows.remainder,
    sampleScale: scale ?? null,
    estimated: scale === undefined ? null : estimateOf({ keys: total, memoryBytes: wantMemory ? memory : null, noTtl: root.stats.noTtl, expireByFields: root.stats.expireByFields }, scale),
  };
}

/** A sample's counts scaled to the keyspace (see SampleEstimate). */
function estimateOf(counts: SampleEstimate, scale: number): SampleEstimate {
  return {
    keys: Math.round(counts.keys * scale),
    memoryBytes: counts.memoryBytes === null ? null : Math.round(counts.memoryBytes * scale),
    noTtl: Math.round(counts.noTtl * scale),
    expireByFields: Math.round(counts.expireByFields * scale),
  };
}

export interface NamespaceRowOptions {
  /** Memory was measured (false: every memory figure is null). */
  wantMemory: boolean;
  sort: NamespaceSort;
  /** Children kept per level. */
  top: number;
  /** Under --limit: factor from the sample to the whole keyspace, for estimatedKeys. */
  scale?: number | undefined;
}

/**
 * The rows of `root`'s children (and theirs, recursively) as the JSON report shows them; shares are
 * of `root`'s totals. Used by `cachectl keys` and by the explorer's export.
 */
export function namespaceRows(root: NamespaceNode, options: NamespaceRowOptions): NamespaceRow[] {
  return namespaceLevel(root, options).rows;
}

/** Like namespaceRows, with what --top cut from the first level. */
export function namespaceLevel(root: NamespaceNode, options: NamespaceRowOptions): { rows: NamespaceRow[]; remainder: NamespaceRemainder | null } {
  const { wantMemory, scale } = options;
  const total = root.stats.keys;
  const memory = root.stats.memory;
  const cut = (node: NamespaceNode): { kept: NamespaceNode[]; remainder: NamespaceRemainder | null } => {
    const sorted = sortNamespaces(node.children, options.sort);
    const kept = sorted.slice(0, options.top);
    const rest = sorted.slice(options.top);
    if (rest.length === 0) return { kept, remainder: null };
    const remainder: NamespaceRemainder = { namespaces: rest.length, keys: 0, memoryBytes: wantMemory ? 0 : null, noTtl: 0 };
    let measured = 0;
    for (const other of rest) {
      remainder.keys += other.stats.keys;
      remainder.noTtl += other.stats.noTtl;
      measured += other.stats.measured;
      if (remainder.memoryBytes !== null) remainder.memoryBytes += other.stats.memory;
    }
    if (measured === 0) remainder.memoryBytes = null;
    if (scale !== undefined) {
      remainder.estimated = estimateOf({ keys: remainder.keys, memoryBytes: remainder.memoryBytes, noTtl: remainder.noTtl, expireByFields: 0 }, scale);
      remainder.estimatedKeys = remainder.estimated.keys;
    }
    return { kept, remainder };
  };
  const toRow = (node: NamespaceNode, segments: NamespaceRow['segments']): NamespaceRow => {
    const stats = node.stats;
    const types: NamespaceRow['types'] = {};
    stats.types.forEach((count, index) => {
      if (count > 0) types[KEY_TYPES[index] ?? 'unknown'] = count;
    });
    const p50 = stats.ttlPercentile(0.5);
    const path = [...segments, { text: node.segment, inferred: isInferred(node.segment) }];
    let childKeys = 0;
    for (const child of node.children) childKeys += child.stats.keys;
    const { kept, remainder } = cut(node);
    const row: NamespaceRow = {
      namespace: node.name,
      depth: node.depth,
      keys: stats.keys,
      keysShare: total > 0 ? stats.keys / total : 0,
      memoryBytes: wantMemory && stats.measured > 0 ? stats.memory : null,
      memoryShare: wantMemory && memory > 0 ? stats.memory / memory : null,
      avgBytes: wantMemory && stats.measured > 0 ? Math.round(stats.memory / stats.measured) : null,
      types,
      noTtl: stats.noTtl,
      expireByFields: stats.expireByFields,
      ttl: p50 === null ? null : { minMs: stats.ttlMin, p50Ms: p50, maxMs: stats.ttlMax },
      example: stats.example === undefined ? null : encodeKeyForJson(stats.example),
      segments: path,
      label: node.label ?? null,
      ownKeys: stats.keys - childKeys,
      children: kept.map((child) => toRow(child, path)),
      remainder,
    };
    if (node.distinct !== undefined) row.distinctValues = node.distinct;
    if (node.distinctAtLeast === true) row.distinctValuesAtLeast = true;
    if (scale !== undefined) {
      const estimate = estimateOf({ keys: row.keys, memoryBytes: row.memoryBytes, noTtl: row.noTtl, expireByFields: row.expireByFields }, scale);
      const scaledTypes: Record<string, number> = {};
      for (const [type, count] of Object.entries(types)) scaledTypes[type] = Math.round(count * scale);
      row.estimated = { ...estimate, types: scaledTypes };
      row.estimatedKeys = estimate.keys;
    }
    return row;
  };
  const { kept, remainder } = cut(root);
  return { rows: kept.map((node) => toRow(node, [])), remainder };
}
