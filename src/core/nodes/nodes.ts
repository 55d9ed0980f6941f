// What am I connected to? One row per node of the topology: role, version, slots, keys,
// round-trip latency, or why it is unreachable. Used by `cachectl nodes`.

import type { CachectlError } from '../../base/errors.js';
import { infoNumber, infoString, parseInfo, parseKeyspace, serverLabel, serverVersion } from '../../base/info.js';
import type { NodeHandle, SlotRange, Topology, TopologyKind } from '../../connection/topology.js';
import { readShardSlotStats, type ShardSlotStats } from './slot-stats.js';

export interface NodeReport {
  address: string;
  id: string;
  role: NodeHandle['role'];
  status: 'up' | 'down';
  /** For replicas: the address of the master they follow. */
  master: string | null;
  /** The server's own version (`valkey_version` on Valkey, whose `redis_version` is a compatibility value). */
  version: string | null;
  /** `redis 7.4.1`, `valkey 8.0.1`. */
  server: string | null;
  /** redis_mode from INFO: standalone, cluster or sentinel. */
  mode: string | null;
  slots: SlotRange[];
  slotCount: number;
  /** Keys in the selected database (null for sentinels and down nodes). */
  keys: number | null;
  usedMemoryBytes: number | null;
  /** Median of three PING round trips, in milliseconds. */
  latencyMs: number | null;
  flags: string[];
  /** Valkey 8+ cluster masters: busiest slots (CLUSTER SLOT-STATS); null elsewhere. */
  slotStats: ShardSlotStats | null;
  error: { code: CachectlError['code']; message: string } | null;
}

export interface NodesReport {
  topology: TopologyKind;
  nodes: NodeReport[];
}

const PINGS = 3;

export async function describeNodes(topology: Topology, signal?: AbortSignal): Promise<NodesReport> {
  const handles = [...topology.masters(), ...topology.replicas(), ...topology.sentinels()];
  const byId = new Map(handles.map((node) => [node.id, node]));
  const nodes = await Promise.all(handles.map((node) => describeNode(node, topology.db, byId, signal)));
  return { topology: topology.kind, nodes };
}

async function describeNode(node: NodeHandle, db: number, byId: Map<string, NodeHandle>, signal?: AbortSignal): Promise<NodeReport> {
  const slotCount = node.slots.reduce((sum, [from, to]) => sum + (to - from + 1), 0);
  const report: NodeReport = {
    address: node.address,
    id: node.id,
    role: node.role,
    status: 'down',
    master: node.masterId === undefined ? null : (byId.get(node.masterId)?.address ?? node.masterId),
    version: null,
    server: null,
    mode: null,
    slots: [...node.slots],
    slotCount,
    keys: null,
    usedMemoryBytes: null,
    latencyMs: null,
    flags: [...node.flags],
    slotStats: null,
    error: null,
  };
  try {
    const client = await node.ready();
    signal?.throwIfAborted();
    const info = parseInfo(await client.info());
    const samples: number[] = [];
    for (let i = 0; i < PINGS; i += 1) {
      const started = process.hrtime.bigint();
      await client.ping();
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    samples.sort((a, b) => a - b);
    report.status = 'up';
    report.latencyMs = Math.round(samples[Math.floor(samples.length / 2)]! * 1000) / 1000;
    report.version = serverVersion(info) ?? null;
    report.server = serverLabel(info) ?? null;
    report.mode = infoString(info, 'server', 'redis_mode') ?? infoString(info, 'server', 'server_mode') ?? null;
    report.usedMemoryBytes = infoNumber(info, 'memory', 'used_memory') ?? null;
    if (node.role !== 'sentinel') {
      report.keys = parseKeyspace(info).find((entry) => entry.db === db)?.keys ?? 0;
    }
    if (node.role === 'master' && node.slots.length > 0) report.slotStats = await readShardSlotStats(client, report.keys ?? 0);
  } catch (error) {
    const failure = node.translate(error);
    report.error = { code: failure.code, message: failure.message };
  }
  return report;
}
