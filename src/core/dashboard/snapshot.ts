// The dashboard's data, one immutable snapshot per refresh: what the TUI draws and what
// `cachectl top -o ndjson` records. Field names are stable (README, "top").

import type { TopologyKind } from '../../connection/topology.js';
import type { CommandActivity } from './command-stats.js';
import type { CachectlError } from '../../base/errors.js';
import type { LatencyStats } from './latency-probe.js';
import type { Finding } from '../memory/memory-findings.js';
import type { SlowlogEntry } from './slowlog.js';
import type { ShardSlotStats } from '../nodes/slot-stats.js';
import type { EventLoopLagStats } from './event-loop-lag.js';

export interface ServerLatency {
  /** Mean execution time per call over the last interval, from commandstats deltas (every version), without the dashboard's own commands. */
  usecPerCall: number | null;
  /** The command with the most calls in the last interval (the dashboard's own left out). */
  busiestCommand: string | null;
  /** That command's INFO latencystats percentiles (Redis 7+; since start, not windowed), in microseconds. */
  p50Us: number | null;
  p99Us: number | null;
  p999Us: number | null;
  /** Where percentiles come from: `latencystats`, or `commandstats` (means only) on servers without it. */
  source: 'latencystats' | 'commandstats' | null;
}

export interface ReplicationRow {
  /** A replica: `up` or `down` (its link to the master). */
  linkStatus: string | null;
  /** A replica: seconds since its master last heard from it (from the master), or since it last heard from the master. */
  lagSeconds: number | null;
  /** A replica: bytes of replication stream it has not acknowledged (from its master's INFO). */
  lagBytes: number | null;
}

export interface NodeRow {
  address: string;
  /** Cluster node id, or the address. */
  id: string;
  /** As the server reports it (INFO replication), so it is right after a failover. */
  role: 'master' | 'replica';
  /** A replica: its master's address. */
  master: string | null;
  status: 'up' | 'down';
  /** INFO did not answer within this refresh: the figures are from `sampledAt`. */
  stale: boolean;
  /** When the figures were sampled (ISO 8601); null when never. */
  sampledAt: string | null;
  error: { code: CachectlError['code']; message: string } | null;
  /** When the node stopped answering (ISO 8601); null while it answers. */
  downSince: string | null;
  /** A down node: milliseconds until it is tried again. */
  retryInMs: number | null;
  /** Server and version as one label: `redis 7.4.1`, `valkey 8.0.1`. */
  version: string | null;
  uptimeSeconds: number | null;
  /** Length of the interval the rates cover; null before two samples. */
  windowMs: number | null;
  opsPerSec: number | null;
  /** keyspace hits / (hits + misses) over the last interval, 0–1. */
  hitRate: number | null;
  /** Keyspace lookups in the last interval (a hit rate of a handful of lookups means little). */
  lookups: number | null;
  evictionsPerSec: number | null;
  expiredPerSec: number | null;
  usedBytes: number | null;
  /** 0 means no limit. */
  maxmemoryBytes: number | null;
  /** Memory maxmemory counts / maxmemory, 0–1 (above 1 over the limit); null without a limit. */
  memoryUsage: number | null;
  fragmentationRatio: number | null;
  /** RSS beyond used memory; a high ratio over few bytes is noise. */
  fragmentationBytes: number | null;
  keys: number | null;
  connectedClients: number | null;
  blockedClients: number | null;
  replication: ReplicationRow;
  /** Client-side round trip measured by the latency probe. */
  latency: LatencyStats;
  serverLatency: ServerLatency;
}

export interface DashboardTotals {
  nodes: number;
  up: number;
  down: number;
  opsPerSec: number | null;
  /** Over every node's lookups in the interval (weighted). */
  hitRate: number | null;
  lookups: number | null;
  evictionsPerSec: number | null;
  expiredPerSec: number | null;
  usedBytes: number | null;
  /** Null when any node that answers has no limit. */
  maxmemoryBytes: number | null;
  /** Keys on masters (replicas hold copies). */
  keys: number | null;
  connectedClients: number | null;
  blockedClients: number | null;
  /** The worst client-side p99 of any node. */
  p99Ms: number | null;
}

/** Points of the sparklines, oldest first, one per refresh. */
export interface History {
  opsPerSec: (number | null)[];
  hitRate: (number | null)[];
  p99Ms: (number | null)[];
}

export interface NodeDetail {
  address: string;
  /** Span the top commands cover (up to the command window). */
  windowMs: number | null;
  topByCalls: CommandActivity[];
  topByTime: CommandActivity[];
  slowlog: SlowlogEntry[];
  findings: Finding[];
  /** What could not be read (e.g. SLOWLOG or CONFIG refused by ACL), and what stands in. */
  notes: string[];
  /** A Valkey 8+ cluster master's busiest slots (CLUSTER SLOT-STATS); null elsewhere. */
  slotStats: ShardSlotStats | null;
}

export interface DashboardSnapshot {
  /** Refresh number, from 1. */
  seq: number;
  takenAt: string;
  refreshMs: number;
  /** versions: the distinct server labels (`valkey 8.0.1`) of the nodes that answer. */
  topology: { kind: TopologyKind; versions: string[] };
  totals: DashboardTotals;
  /**
   * cachectl's own state, not the servers': its event-loop lag since the last snapshot (how late
   * its timers ran). Null when not measured. Node latency is measured in a worker and excludes it.
   */
  cachectl: { eventLoopLag: EventLoopLagStats | null };
  /** Masters, each followed by its replicas. */
  nodes: NodeRow[];
  /** In memory only; not part of the JSON records. */
  history: { total: History; nodes: Record<string, History> };
  /** The focused node's detail, only while the detail view asks for it. */
  detail: NodeDetail | null;
}

/** What `-o ndjson` writes per refresh: the snapshot without the sparkline history. */
export function snapshotRecord(snapshot: DashboardSnapshot): Omit<DashboardSnapshot, 'history'> {
  const { history: _history, ...record } = snapshot;
  return record;
}
