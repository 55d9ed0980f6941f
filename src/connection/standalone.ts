// A single Redis server (possibly with replicas listed in its INFO replication section).

import type { ConnectionOptions, Endpoint } from './options.js';
import type { NodeHandle, Topology } from './topology.js';
import { NodePool } from './topology.js';
import { infoString, parseInfo, parseReplicas } from '../base/info.js';

export class StandaloneTopology implements Topology {
  readonly kind = 'standalone' as const;
  private node: NodeHandle;
  private replicaNodes: NodeHandle[] = [];
  readonly notices: readonly string[] = [];
  readonly seeds: readonly Endpoint[];

  private constructor(
    private readonly pool: NodePool,
    private readonly endpoint: Endpoint,
    readonly db: number,
  ) {
    this.node = pool.handle({ id: '', endpoint, role: 'master', slots: [], flags: [] }, 'node');
    this.seeds = [endpoint];
  }

  /** Connects to the node and learns its role and replicas; `infoText` saves a round trip when the caller has it. */
  static async open(pool: NodePool, endpoint: Endpoint, options: ConnectionOptions, infoText?: string): Promise<StandaloneTopology> {
    const topology = new StandaloneTopology(pool, endpoint, options.db);
    await topology.discover(infoText);
    return topology;
  }

  private async discover(infoText?: string): Promise<void> {
    const client = await this.node.ready();
    let text = infoText;
    if (text === undefined) {
      try {
        text = await client.info('replication');
      } catch (error) {
        throw this.node.translate(error);
      }
    }
    const info = parseInfo(text);
    const role = infoString(info, 'replication', 'role') === 'slave' ? 'replica' : 'master';
    this.node = this.pool.handle({ id: this.node.address, endpoint: this.endpoint, role, slots: [], flags: [] }, 'node');
    this.replicaNodes = parseReplicas(info).flatMap((replica) => {
      if (replica.ip === undefined || replica.port === undefined) return [];
      const endpoint = { host: replica.ip, port: replica.port };
      const flags = replica.state === undefined || replica.state === 'online' ? [] : [replica.state];
      return [this.pool.handle({ id: `${replica.ip}:${replica.port}`, endpoint, role: 'replica', masterId: this.node.id, slots: [], flags })];
    });
  }

  masters(): readonly NodeHandle[] {
    return [this.node];
  }

  replicas(): readonly NodeHandle[] {
    return this.replicaNodes;
  }

  sentinels(): readonly NodeHandle[] {
    return [];
  }

  nodeForKey(): NodeHandle {
    return this.node;
  }

  async refresh(): Promise<boolean> {
    await this.discover();
    return false;
  }

  async close(): Promise<void> {
    await this.pool.closeAll();
  }
}
