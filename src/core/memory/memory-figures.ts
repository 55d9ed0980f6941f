// The memory, eviction, keyspace and replication figures of one server, read from its INFO (and
// CONFIG GET where allowed). Every figure may be missing on some version: missing is null, never 0.

import { formatEndpoint } from '../../connection/options.js';
import type { InfoSections } from '../../base/info.js';
import { infoNumber, infoString, parseKeyspace, parseReplicas, serverLabel, serverVersion } from '../../base/info.js';

/** What `CONFIG GET maxmemory* activedefrag` said; absent when CONFIG is not allowed. */
export interface MemoryConfig {
  maxmemory?: number;
  maxmemoryPolicy?: string;
  /** `activedefrag yes|no`. */
  activeDefrag?: boolean;
}

export interface FragmentationFigures {
  /** used_memory_rss / used_memory as the server computes it; < 1 means part of the data is swapped out. */
  ratio: number | null;
  /** RSS minus used memory (may be negative). */
  bytes: number | null;
  /** Fragmentation inside the allocator: what active defrag can reclaim (Redis 4+ with jemalloc; null with libc). */
  allocatorFragRatio: number | null;
  allocatorFragBytes: number | null;
  /** Pages the allocator keeps resident but does not use (released by MEMORY PURGE). */
  allocatorRssRatio: number | null;
  allocatorRssBytes: number | null;
  /** Process RSS outside the allocator (fork copy-on-write, libraries, Lua): defrag cannot help. */
  rssOverheadRatio: number | null;
  rssOverheadBytes: number | null;
  /** `jemalloc-5.3.0`, `libc`...; active defrag needs jemalloc. */
  allocator: string | null;
}

export interface ReplicaLink {
  /** host:port the master reports for the replica. */
  address: string;
  state: string | null;
  /** Seconds since the replica last acknowledged. */
  lagSeconds: number | null;
  /** Bytes of replication stream the replica has not acknowledged yet. */
  offsetLagBytes: number | null;
}

export interface ReplicationFigures {
  /** `master` or `replica` as the server itself reports it. */
  role: 'master' | 'replica' | null;
  /** A replica: `up` or `down`. */
  linkStatus: string | null;
  /** A replica: seconds since it last heard from its master. */
  lastIoSecondsAgo: number | null;
  syncInProgress: boolean | null;
  /** A master: its replicas with their lag. */
  replicas: ReplicaLink[];
  backlogBytes: number | null;
  /** Bytes of stream the backlog holds now (how far back a replica can resume). */
  backlogHistoryBytes: number | null;
}

export interface MemoryFigures {
  /** The server's own version (`valkey_version` on Valkey). */
  version: string | null;
  /** `redis 7.4.1`, `valkey 8.0.1`: how every report names the server. */
  server: string | null;
  uptimeSeconds: number | null;
  usedBytes: number | null;
  rssBytes: number | null;
  peakBytes: number | null;
  datasetBytes: number | null;
  overheadBytes: number | null;
  /** Replication and AOF buffers, which maxmemory does not count. */
  notCountedForEvictBytes: number | null;
  /** 0 means no limit. */
  maxmemoryBytes: number | null;
  maxmemoryPolicy: string | null;
  /** Where maxmemory and the policy came from: CONFIG GET, or INFO when CONFIG is not allowed. */
  maxmemorySource: 'config' | 'info' | null;
  /** What maxmemory is compared with: used memory less what it does not count. */
  countedBytes: number | null;
  /** countedBytes / maxmemory, from 0 (and above 1 when over the limit); null without a limit. */
  maxmemoryUsage: number | null;
  /** maxmemory − countedBytes; null without a limit. */
  headroomBytes: number | null;
  systemMemoryBytes: number | null;
  fragmentation: FragmentationFigures;
  activeDefragEnabled: boolean | null;
  activeDefragRunning: boolean | null;
  lazyfreePendingObjects: number | null;
  /** Keys of every database. */
  keys: number | null;
  keysWithExpiry: number | null;
  keysWithoutExpiry: number | null;
  evictedKeys: number | null;
  expiredKeys: number | null;
  /** Commands refused with an OOM error since start (INFO errorstats, Redis 6.2+). */
  oomErrors: number | null;
  replication: ReplicationFigures;
}

/** Reads the figures from one INFO sample; `config` wins over INFO for maxmemory and the policy. */
export function readMemoryFigures(info: InfoSections, config?: MemoryConfig): MemoryFigures {
  const num = (section: string, field: string): number | null => infoNumber(info, section, field) ?? null;
  const str = (section: string, field: string): string | null => infoString(info, section, field)?.trim() ?? null;
  const flag = (section: string, field: string): boolean | null => {
    const value = num(section, field);
    return value === null ? null : value !== 0;
  };

  const usedBytes = num('memory', 'used_memory');
  const rssBytes = num('memory', 'used_memory_rss');
  const fromConfig = config?.maxmemory !== undefined;
  const maxmemoryBytes = config?.maxmemory ?? num('memory', 'maxmemory');
  const maxmemoryPolicy = config?.maxmemoryPolicy ?? str('memory', 'maxmemory_policy');
  const notCounted = num('memory', 'mem_not_counted_for_evict');
  const countedBytes = usedBytes === null ? null : Math.max(0, usedBytes - (notCounted ?? 0));
  const limited = maxmemoryBytes !== null && maxmemoryBytes > 0 && countedBytes !== null;

  const keyspace = info.has('keyspace') ? parseKeyspace(info) : null;
  const allocator = str('memory', 'mem_allocator');
  // Only jemalloc reports its parts; other allocators (libc) get placeholders the server makes up
  // from RSS and used memory (ratios of 1.00 or the whole ratio again): not figures, so none.
  const parts = allocator === null || allocator.startsWith('jemalloc');
  const part = (field: string): number | null => (parts ? num('memory', field) : null);
  const keys = keyspace === null ? null : keyspace.reduce((sum, db) => sum + db.keys, 0);
  const keysWithExpiry = keyspace === null ? null : keyspace.reduce((sum, db) => sum + db.expires, 0);

  return {
    version: serverVersion(info) ?? null,
    server: serverLabel(info) ?? null,
    uptimeSeconds: num('server', 'uptime_in_seconds'),
    usedBytes,
    rssBytes,
    peakBytes: num('memory', 'used_memory_peak'),
    datasetBytes: num('memory', 'used_memory_dataset'),
    overheadBytes: num('memory', 'used_memory_overhead'),
    notCountedForEvictBytes: notCounted,
    maxmemoryBytes,
    maxmemoryPolicy,
    maxmemorySource: fromConfig ? 'config' : maxmemoryBytes === null ? null : 'info',
    countedBytes,
    maxmemoryUsage: limited ? countedBytes / maxmemoryBytes : null,
    headroomBytes: limited ? maxmemoryBytes - countedBytes : null,
    systemMemoryBytes: positive(num('memory', 'total_system_memory')),
    fragmentation: {
      ratio: num('memory', 'mem_fragmentation_ratio') ?? (usedBytes !== null && rssBytes !== null && usedBytes > 0 ? rssBytes / usedBytes : null),
      bytes: num('memory', 'mem_fragmentation_bytes') ?? (usedBytes !== null && rssBytes !== null ? rssBytes - usedBytes : null),
      allocatorFragRatio: part('allocator_frag_ratio'),
      allocatorFragBytes: part('allocator_frag_bytes'),
      allocatorRssRatio: part('allocator_rss_ratio'),
      allocatorRssBytes: part('allocator_rss_bytes'),
      rssOverheadRatio: part('rss_overhead_ratio'),
      rssOverheadBytes: part('rss_overhead_bytes'),
      allocator,
    },
    activeDefragEnabled: config?.activeDefrag ?? null,
    activeDefragRunning: flag('memory', 'active_defrag_running'),
    lazyfreePendingObjects: num('memory', 'lazyfree_pending_objects'),
    keys,
    keysWithExpiry,
    keysWithoutExpiry: keys === null || keysWithExpiry === null ? null : Math.max(0, keys - keysWithExpiry),
    evictedKeys: num('stats', 'evicted_keys'),
    expiredKeys: num('stats', 'expired_keys'),
    oomErrors: oomErrors(info),
    replication: readReplication(info),
  };
}

function positive(value: number | null): number | null {
  return value === null || value <= 0 ? null : value;
}

/** `errorstat_OOM:count=N`; 0 when the server keeps error stats but has seen none, null when it keeps none. */
function oomErrors(info: InfoSections): number | null {
  const section = info.get('errorstats');
  if (section === undefined) return null;
  const match = /count=(\d+)/.exec(section.get('errorstat_OOM') ?? '');
  return match ? Number(match[1]) : 0;
}

function readReplication(info: InfoSections): ReplicationFigures {
  const role = infoString(info, 'replication', 'role');
  const masterOffset = infoNumber(info, 'replication', 'master_repl_offset');
  const sync = infoNumber(info, 'replication', 'master_sync_in_progress');
  return {
    role: role === 'master' ? 'master' : role === 'slave' || role === 'replica' ? 'replica' : null,
    linkStatus: infoString(info, 'replication', 'master_link_status') ?? null,
    lastIoSecondsAgo: infoNumber(info, 'replication', 'master_last_io_seconds_ago') ?? null,
    syncInProgress: sync === undefined ? null : sync !== 0,
    replicas: parseReplicas(info).map((replica) => ({
      address: replica.ip === undefined || replica.port === undefined ? replica.name : formatEndpoint({ host: replica.ip, port: replica.port }),
      state: replica.state ?? null,
      lagSeconds: replica.lag ?? null,
      offsetLagBytes: masterOffset === undefined || replica.offset === undefined ? null : Math.max(0, masterOffset - replica.offset),
    })),
    backlogBytes: infoNumber(info, 'replication', 'repl_backlog_size') ?? null,
    backlogHistoryBytes: infoNumber(info, 'replication', 'repl_backlog_histlen') ?? null,
  };
}

/** Reads a `CONFIG GET` reply (a flat name/value array in RESP2) into MemoryConfig. */
export function parseMemoryConfig(reply: unknown): MemoryConfig {
  const config: MemoryConfig = {};
  if (!Array.isArray(reply)) return config;
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const name = String(reply[i]).toLowerCase();
    const value = String(reply[i + 1]);
    if (name === 'maxmemory' && /^\d+$/.test(value)) config.maxmemory = Number(value);
    else if (name === 'maxmemory-policy') config.maxmemoryPolicy = value;
    else if (name === 'activedefrag') config.activeDefrag = value === 'yes';
  }
  return config;
}
