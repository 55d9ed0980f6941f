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
  const outsiders = topology.outsiders?.() ?? [];
  const byId = new Map([...handles, ...outsiders].map((node) => [node.id, node]));
  const [nodes, extra] = await Promise.all([
    Promise.all(handles.map((node) => describeNode(node, topology.db, byId, signal))),
    Promise.all(outsiders.map((node) => describeNode(node, topology.db, byId, signal))),
  ]);
  // A given address that answers but is not in the node list is another name of a listed node
  // (a host name for an IP): only the ones that do not answer say something new.
  return { topology: topology.kind, nodes: orderNodes([...nodes, ...extra.filter((node) => node.role !== 'seed' || node.status === 'down')]) };
}

const ROLE_ORDER: Record<NodeReport['role'], number> = { master: 0, replica: 1, sentinel: 2, seed: 3 };

/**
 * The order rows are shown in, whatever node the topology was learned from: masters by their first
 * slot (then address), each followed by its replicas by address; then replicas of masters not
 * listed, sentinels and seeds, each by address.
 */
export function orderNodes(nodes: readonly NodeReport[]): NodeReport[] {
  const byAddress = (a: NodeReport, b: NodeReport): number => compareAddresses(a.address, b.address);
  const firstSlot = (node: NodeReport): number => node.slots[0]?.[0] ?? Number.POSITIVE_INFINITY;
  const masters = nodes.filter((node) => node.role === 'master').sort((a, b) => firstSlot(a) - firstSlot(b) || byAddress(a, b));
  const placed = new Set<NodeReport>();
  const ordered: NodeReport[] = [];
  for (const master of masters) {
    ordered.push(master);
    placed.add(master);
    for (const replica of nodes.filter((node) => node.role === 'replica' && node.master === master.address).sort(byAddress)) {
      ordered.push(replica);
      placed.add(replica);
    }
  }
  const rest = nodes.filter((node) => !placed.has(node)).sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || byAddress(a, b));
  return [...ordered, ...rest];
}

/** host:port addresses compared by host, then by port as a number (so :7002 comes before :10000). */
function compareAddresses(a: string, b: string): number {
  const split = (address: string): [string, number] => {
    const at = address.lastIndexOf(':');
    return [address.slice(0, at), Number(address.slice(at + 1))];
  };
  const [hostA, portA] = split(a);
  const [hostB, portB] = split(b);
  return hostA < hostB ? -1 : hostA > hostB ? 1 : portA - portB;
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
