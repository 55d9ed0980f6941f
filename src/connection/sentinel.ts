// Redis Sentinel: asks the first sentinel that answers for the current master of a named
// group, its healthy replicas and its fellow sentinels, then talks to the data nodes directly.

import type { Redis } from 'ioredis';
import { CachectlError } from '../base/errors.js';
import type { InfoSections } from '../base/info.js';
import type { ConnectionOptions, Endpoint } from './options.js';
import { formatEndpoint } from './options.js';
import type { NodeHandle, Topology } from './topology.js';
import { NodePool } from './topology.js';

/** SENTINEL REPLICAS / SENTINELS reply: a list of flat field/value arrays. */
export function parseSentinelEntries(reply: unknown): Record<string, string>[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((entry) => {
    const record: Record<string, string> = {};
    if (Array.isArray(entry)) {
      for (let i = 0; i + 1 < entry.length; i += 2) record[String(entry[i])] = String(entry[i + 1]);
    }
    return record;
  });
}

const UNHEALTHY = ['s_down', 'o_down', 'disconnected'];

export interface MonitoredMaster {
  name: string;
  /** host:port as the sentinel reports it, or undefined when it does not. */
  address: string | undefined;
}

/** The masters a sentinel monitors, from its INFO sentinel section (`master0:name=mymaster,status=ok,address=…`). */
export function monitoredMasters(info: InfoSections): MonitoredMaster[] {
  const section = info.get('sentinel');
  if (section === undefined) return [];
  const masters: MonitoredMaster[] = [];
  for (const [field, value] of section) {
    if (!/^master\d+$/.test(field)) continue;
    const pairs = new Map(value.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as const));
    const name = pairs.get('name');
    if (name !== undefined && name !== '') masters.push({ name, address: pairs.get('address') });
  }
  return masters;
}

export class SentinelTopology implements Topology {
  readonly kind = 'sentinel' as const;
  private masterNode!: NodeHandle;
  private replicaNodes: NodeHandle[] = [];
  private sentinelNodes: NodeHandle[] = [];
  /** The sentinels asked, as given; sentinelAddresses grows with the peers they name. */
  readonly seeds: readonly Endpoint[];
  readonly notices: string[] = [];

  private constructor(
    private readonly pool: NodePool,
    private readonly sentinelPool: NodePool,
    private readonly options: ConnectionOptions,
    private sentinelAddresses: Endpoint[],
    readonly masterName: string,
    readonly db: number,
  ) {
    this.seeds = [...sentinelAddresses];
  }

  static async open(pool: NodePool, sentinelPool: NodePool, options: ConnectionOptions): Promise<SentinelTopology> {
    const { sentinels, masterName } = options;
    if (sentinels === undefined || sentinels.length === 0 || masterName === undefined || masterName === '') {
      throw new CachectlError('USAGE', '--sentinel needs --master NAME (the monitored master group)', {
        hint: 'e.g. --sentinel 10.0.0.1:26379,10.0.0.2:26379 --master mymaster',
      });
    }
    const topology = new SentinelTopology(pool, sentinelPool, options, sentinels, masterName, options.db);
    await topology.discover();
    return topology;
  }

  private async discover(): Promise<boolean> {
    const previous = this.masterNode?.address;
    const failures: string[] = [];
    for (const sentinel of this.sentinelAddresses) {
      const handle = this.sentinelPool.handle({ id: formatEndpoint(sentinel), endpoint: sentinel, role: 'sentinel', slots: [], flags: [] }, 'sentinel');
      let client: Redis;
      try {
        client = await handle.ready();
      } catch (error) {
        failures.push(handle.translate(error).message);
        continue;
      }
      let masterAddr: unknown;
      try {
        masterAddr = await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.masterName);
      } catch (error) {
        const translated = handle.translate(error);
        if (translated.code === 'AUTH' || translated.code === 'NOPERM') throw translated;
        failures.push(translated.message);
        continue;
      }
      if (!Array.isArray(masterAddr) || masterAddr.length < 2) {
        const known = await knownMasterNames(client);
        throw new CachectlError('SENTINEL', `sentinel ${handle.address} knows no master named "${this.masterName}"`, {
          hint: known.length > 0 ? `--master must be one of: ${known.join(', ')}` : 'this sentinel monitors no masters: check the sentinel configuration',
        });
      }
      const master: Endpoint = { host: String(masterAddr[0]), port: Number(masterAddr[1]) };
      const [replicas, peers] = await Promise.all([
        client.call('SENTINEL', 'REPLICAS', this.masterName).catch(() => []),
        client.call('SENTINEL', 'SENTINELS', this.masterName).catch(() => []),
      ]);
      this.masterNode = this.pool.handle({ id: formatEndpoint(master), endpoint: master, role: 'master', slots: [], flags: [] });
      this.replicaNodes = parseSentinelEntries(replicas)
        .filter((entry) => entry.ip !== undefined && entry.port !== undefined)
        .map((entry) => {
          const endpoint = { host: entry.ip!, port: Number(entry.port) };
          const flags = (entry.flags ?? '').split(',').filter((flag) => UNHEALTHY.includes(flag));
          return this.pool.handle({ id: formatEndpoint(endpoint), endpoint, role: 'replica', masterId: this.masterNode.id, slots: [], flags });
        });
      const peerEndpoints = parseSentinelEntries(peers)
        .filter((entry) => entry.ip !== undefined && entry.port !== undefined)
        .map((entry) => ({ endpoint: { host: entry.ip!, port: Number(entry.port) }, flags: (entry.flags ?? '').split(',').filter((flag) => UNHEALTHY.includes(flag)) }));
      this.sentinelNodes = [
        handle,
        ...peerEndpoints.map(({ endpoint, flags }) =>
          this.sentinelPool.handle({ id: formatEndpoint(endpoint), endpoint, role: 'sentinel', slots: [], flags }, 'sentinel'),
        ),
      ];
      // Remember every sentinel we learned of, so a later refresh survives the first one dying.
      const seen = new Set(this.sentinelAddresses.map(formatEndpoint));
      for (const { endpoint } of peerEndpoints) if (!seen.has(formatEndpoint(endpoint))) this.sentinelAddresses.push(endpoint);
      await this.confirmMaster();
      return previous !== undefined && previous !== this.masterNode.address;
    }
    throw new CachectlError('SENTINEL', `no sentinel answered for master "${this.masterName}": ${failures.join('; ')}`, {
      hint: 'check the --sentinel addresses (default port 26379) and --sentinel-password',
    });
  }

  /** A sentinel can lag behind a failover for a moment; the node itself has the last word on its role. */
  private async confirmMaster(): Promise<void> {
    const client = await this.masterNode.ready();
    let role: unknown;
    try {
      role = await client.call('ROLE');
    } catch (error) {
      throw this.masterNode.translate(error);
    }
    if (!Array.isArray(role) || role[0] !== 'master') {
      throw new CachectlError('SENTINEL', `sentinels name ${this.masterNode.address} as master of "${this.masterName}", but it reports role ${Array.isArray(role) ? String(role[0]) : 'unknown'}`, {
        hint: 'a failover is probably in progress: retry in a few seconds',
      });
    }
  }

  masters(): readonly NodeHandle[] {
    return [this.masterNode];
  }

  replicas(): readonly NodeHandle[] {
    return this.replicaNodes;
  }

  sentinels(): readonly NodeHandle[] {
    return this.sentinelNodes;
  }

  /** --sentinel addresses the group does not list as peers (a sentinel that never answered, or a wrong address). */
  outsiders(): readonly NodeHandle[] {
    const listed = new Set(this.sentinelNodes.map((node) => node.address));
    return this.seeds
      .filter((endpoint) => !listed.has(formatEndpoint(endpoint)))
      .map((endpoint) => this.sentinelPool.handle({ id: formatEndpoint(endpoint), endpoint, role: 'sentinel', slots: [], flags: [] }, 'sentinel'));
  }

  nodeForKey(): NodeHandle {
    return this.masterNode;
  }

  async refresh(): Promise<boolean> {
    return this.discover();
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.closeAll(), this.sentinelPool.closeAll()]);
  }

  /** Exposed for diagnostics: the options this topology was opened with, minus secrets. */
  describe(): string {
    return `sentinel group "${this.masterName}" via ${this.sentinelAddresses.map(formatEndpoint).join(',')} (timeout ${this.options.timeoutMs} ms)`;
  }
}

async function knownMasterNames(client: Redis): Promise<string[]> {
  try {
    return parseSentinelEntries(await client.call('SENTINEL', 'MASTERS')).map((entry) => entry.name ?? '').filter((name) => name !== '');
  } catch {
    return [];
  }
}
