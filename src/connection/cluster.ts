// Redis Cluster: discovered from CLUSTER NODES of the first seed that answers; every master
// and replica gets its own client, and keys are routed by hash slot.

import { CachectlError } from '../base/errors.js';
import { keySlot } from '../base/slot.js';
import type { Endpoint } from './options.js';
import { formatEndpoint } from './options.js';
import type { NodeHandle, SlotRange, Topology } from './topology.js';
import { NodePool } from './topology.js';

const SLOT_COUNT = 16384;

export interface ClusterNodeLine {
  id: string;
  endpoint: Endpoint;
  flags: string[];
  role: 'master' | 'replica';
  masterId?: string;
  slots: SlotRange[];
  connected: boolean;
}

/** Parses the text of CLUSTER NODES (Redis 3 to 8: `id ip:port@cport[,hostname] flags master ... slots`). */
export function parseClusterNodes(text: string): ClusterNodeLine[] {
  const lines: ClusterNodeLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const fields = line.split(' ');
    const [id, addressField, flagField, master, , , , linkState, ...slotFields] = fields;
    if (id === undefined || addressField === undefined || flagField === undefined) continue;
    const address = addressField.split(',')[0]!.split('@')[0]!;
    const portSep = address.lastIndexOf(':');
    const host = address.slice(0, portSep).replace(/^\[|\]$/g, '');
    const port = Number(address.slice(portSep + 1));
    const flags = flagField.split(',').filter((flag) => flag !== 'myself' && flag !== 'master' && flag !== 'slave' && flag !== 'noflags');
    const isReplica = flagField.split(',').includes('slave');
    const slots: SlotRange[] = [];
    for (const slotField of slotFields) {
      if (slotField.startsWith('[')) continue; // importing/migrating markers
      const [from, to] = slotField.split('-');
      const start = Number(from);
      slots.push([start, to === undefined ? start : Number(to)]);
    }
    const node: ClusterNodeLine = {
      id,
      endpoint: { host, port },
      flags,
      role: isReplica ? 'replica' : 'master',
      slots,
      connected: linkState === 'connected',
    };
    if (isReplica && master !== undefined && master !== '-') node.masterId = master;
    lines.push(node);
  }
  return lines;
}

export class ClusterTopology implements Topology {
  readonly kind = 'cluster' as const;
  readonly db = 0;
  private masterNodes: NodeHandle[] = [];
  private replicaNodes: NodeHandle[] = [];
  private outsiderNodes: NodeHandle[] = [];
  private slotOwner: Int16Array = new Int16Array(SLOT_COUNT).fill(-1);
  readonly notices: readonly string[] = [];
  readonly seeds: readonly Endpoint[];
  /** Where discovery starts: the seeds at first, the known masters after that. */
  private candidates: Endpoint[];

  private constructor(
    private readonly pool: NodePool,
    seeds: Endpoint[],
  ) {
    this.seeds = [...seeds];
    this.candidates = seeds;
  }

  /** Discovers the cluster from the first seed that answers (the pool reuses a seed connection already open). */
  static async open(pool: NodePool, seeds: Endpoint[]): Promise<ClusterTopology> {
    const topology = new ClusterTopology(pool, seeds);
    await topology.discover();
    return topology;
  }

  private async discover(): Promise<boolean> {
    let lastError: unknown;
    const candidates = [...this.candidates, ...this.masterNodes.map((n) => n.endpoint), ...this.replicaNodes.map((n) => n.endpoint)];
    const tried = new Set<string>();
    for (const seed of candidates) {
      const address = formatEndpoint(seed);
      if (tried.has(address)) continue;
      tried.add(address);
      const handle = this.pool.handle({ id: address, endpoint: seed, role: 'master', slots: [], flags: [] }, 'cluster seed');
      let text: string;
      try {
        const client = await handle.ready();
        text = String(await client.call('CLUSTER', 'NODES'));
      } catch (error) {
        lastError = handle.translate(error);
        continue;
      }
      return this.apply(parseClusterNodes(text), seed);
    }
    throw lastError instanceof CachectlError
      ? lastError
      : new CachectlError('CONNECT', 'no cluster seed answered', { hint: 'check --cluster seed addresses' });
  }

  private apply(lines: ClusterNodeLine[], seed: Endpoint): boolean {
    const before = this.masterNodes.map((node) => node.id).sort().join(',');
    // A node that announces 127.0.0.1 or an empty host is reachable where the seed was.
    const fix = (endpoint: Endpoint): Endpoint => (endpoint.host === '' ? { host: seed.host, port: endpoint.port } : endpoint);
    const masters = lines.filter((line) => line.role === 'master' && line.slots.length > 0);
    const replicas = lines.filter((line) => line.role === 'replica');
    if (masters.length === 0) {
      throw new CachectlError('CLUSTER', `cluster at ${formatEndpoint(seed)} has no master serving slots`, {
        hint: 'the cluster is not set up yet, or every master failed: check CLUSTER NODES',
      });
    }
    this.masterNodes = masters.map((line) =>
      this.pool.handle({ id: line.id, endpoint: fix(line.endpoint), role: 'master', slots: line.slots, flags: line.flags }),
    );
    this.replicaNodes = replicas.map((line) => {
      const spec = { id: line.id, endpoint: fix(line.endpoint), role: 'replica' as const, slots: [], flags: line.flags };
      return this.pool.handle(line.masterId === undefined ? spec : { ...spec, masterId: line.masterId });
    });
    const listed = new Set(lines.map((line) => formatEndpoint(fix(line.endpoint))));
    this.outsiderNodes = [
      ...lines
        .filter((line) => line.role === 'master' && line.slots.length === 0)
        .map((line) => this.pool.handle({ id: line.id, endpoint: fix(line.endpoint), role: 'master', slots: [], flags: line.flags })),
      ...this.seeds
        .filter((endpoint) => !listed.has(formatEndpoint(endpoint)))
        .map((endpoint) => this.pool.handle({ id: formatEndpoint(endpoint), endpoint, role: 'seed', slots: [], flags: [] })),
    ];
    const owner = new Int16Array(SLOT_COUNT).fill(-1);
    this.masterNodes.forEach((node, index) => {
      for (const [from, to] of node.slots) owner.fill(index, from, to + 1);
    });
    this.slotOwner = owner;
    this.candidates = this.masterNodes.map((node) => node.endpoint);
    return before !== '' && before !== this.masterNodes.map((node) => node.id).sort().join(',');
  }

  /** Slots no master serves (a cluster in a failed state). */
  uncoveredSlots(): number {
    let count = 0;
    for (const owner of this.slotOwner) if (owner < 0) count += 1;
    return count;
  }

  masters(): readonly NodeHandle[] {
    return this.masterNodes;
  }

  replicas(): readonly NodeHandle[] {
    return this.replicaNodes;
  }

  sentinels(): readonly NodeHandle[] {
    return [];
  }

  outsiders(): readonly NodeHandle[] {
    return this.outsiderNodes;
  }

  nodeForKey(key: Buffer): NodeHandle {
    const slot = keySlot(key);
    const node = this.masterNodes[this.slotOwner[slot]!];
    if (node === undefined) {
      throw new CachectlError('CLUSTER', `no master serves slot ${slot}`, { hint: 'the cluster is failing over or broken: check CLUSTER INFO, then retry' });
    }
    return node;
  }

  async refresh(): Promise<boolean> {
    return this.discover();
  }

  async close(): Promise<void> {
    await this.pool.closeAll();
  }
}
