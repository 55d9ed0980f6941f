// The one way in: connect(options) returns a Topology, detecting Cluster mode by itself
// when a plain address points at a cluster node.

import { CachectlError } from '../base/errors.js';
import type { InfoSections } from '../base/info.js';
import { infoString, parseInfo } from '../base/info.js';
import { clusterDbError } from './address.js';
import { ClusterTopology } from './cluster.js';
import type { ConnectionOptions } from './options.js';
import type { Endpoint } from './options.js';
import { formatEndpoint } from './options.js';
import { monitoredMasters, SentinelTopology } from './sentinel.js';
import { StandaloneTopology } from './standalone.js';
import type { Topology } from './topology.js';
import { NodePool } from './topology.js';

export async function connect(options: ConnectionOptions): Promise<Topology> {
  const credentials = { username: options.username, password: options.password };
  const pool = new NodePool(options, stripUndefined(credentials), options.db);
  try {
    return await open(options, pool);
  } catch (error) {
    await pool.closeAll();
    throw error;
  }
}

async function open(options: ConnectionOptions, pool: NodePool): Promise<Topology> {
  if (options.mode === 'sentinel') {
    const sentinelPool = new NodePool(options, stripUndefined({ username: options.sentinelUsername, password: options.sentinelPassword }), 0);
    try {
      return await SentinelTopology.open(pool, sentinelPool, options);
    } catch (error) {
      await sentinelPool.closeAll();
      throw error;
    }
  }
  if (options.mode === 'cluster') {
    if (options.db !== 0) throw clusterDbError(options.db);
    return ClusterTopology.open(pool, options.endpoints);
  }

  const [first] = options.endpoints;
  if (first === undefined) throw new CachectlError('USAGE', 'no Redis address given', { hint: 'use --url redis://host:port' });
  // Auto-detection costs nothing extra: the INFO that tells us cluster_enabled also tells us the role.
  const seed = pool.handle({ id: '', endpoint: first, role: 'master', slots: [], flags: [] }, 'node');
  let client;
  try {
    client = await seed.ready();
  } catch (error) {
    // SELECT n fails on a cluster node before we could ask it anything.
    const text = String((error as Error).message) + String(((error as Error).cause as Error | undefined)?.message);
    if (options.db !== 0 && /SELECT is not allowed in cluster mode/i.test(text)) throw clusterDbError(options.db);
    // A Sentinel has no databases: asked for db n, it refuses SELECT. Ask it again without one.
    if (options.db !== 0 && /unknown command .?select/i.test(text)) {
      const sentinel = await sentinelInfo(options, first);
      if (sentinel !== undefined) return openViaSentinel(options, pool, first, sentinel);
    }
    throw error;
  }
  let text: string;
  try {
    text = await client.info();
  } catch (error) {
    throw seed.translate(error);
  }
  const info = parseInfo(text);
  if (infoString(info, 'server', 'redis_mode') === 'sentinel') return openViaSentinel(options, pool, first, info);
  const clusterEnabled = infoString(info, 'cluster', 'cluster_enabled') === '1';
  if (clusterEnabled || options.mode === 'auto' && options.endpoints.length > 1) {
    if (!clusterEnabled) {
      throw new CachectlError('USAGE', `several addresses were given but ${seed.address} is not a cluster node`, {
        hint: 'give one address for a single server, or use --sentinel for a Sentinel group',
      });
    }
    if (options.mode === 'standalone') {
      // The user asked for one node of a cluster on purpose; honour it.
      return StandaloneTopology.open(pool, first, options, text);
    }
    if (options.db !== 0) throw clusterDbError(options.db);
    return ClusterTopology.open(pool, options.endpoints);
  }
  return StandaloneTopology.open(pool, first, options, text);
}

/** The seed's INFO read without SELECT, when the seed is a Sentinel; undefined otherwise (or when it cannot be read). */
async function sentinelInfo(options: ConnectionOptions, seed: Endpoint): Promise<InfoSections | undefined> {
  const probe = new NodePool(options, stripUndefined({ username: options.username, password: options.password }), 0);
  try {
    const client = await probe.handle({ id: '', endpoint: seed, role: 'master', slots: [], flags: [] }, 'node').ready();
    const info = parseInfo(await client.info());
    return infoString(info, 'server', 'redis_mode') === 'sentinel' ? info : undefined;
  } catch {
    return undefined;
  } finally {
    await probe.closeAll();
  }
}

/**
 * A plain address that turned out to be a Sentinel: a Sentinel holds no keys, so reading it as a data
 * node shows an empty server. With exactly one monitored master the intent is clear and we go through
 * the Sentinel (saying so); with several the user must name one.
 */
async function openViaSentinel(options: ConnectionOptions, pool: NodePool, sentinel: Endpoint, info: InfoSections): Promise<Topology> {
  const address = formatEndpoint(sentinel);
  const masters = monitoredMasters(info).sort((a, b) => a.name.localeCompare(b.name));
  const flagsFor = (name: string) => `--sentinel ${address} --master ${name}`;
  if (masters.length !== 1) {
    const listed = masters.map((master) => `${master.name}${master.address === undefined ? '' : ` (${master.address})`}`).join(', ');
    throw new CachectlError('USAGE', masters.length === 0 ? `${address} is a Sentinel that monitors no master, not a data node` : `${address} is a Sentinel monitoring ${masters.length} masters: ${listed}`, {
      hint: masters.length === 0 ? 'point cachectl at a Redis server, or configure the Sentinel to monitor one' : `name one: ${masters.map((master) => flagsFor(master.name)).join(' | ')}`,
    });
  }
  const [{ name }] = masters as [(typeof masters)[number]];
  // The seed connection was made with the data-node settings and is not needed any more.
  await pool.closeAll();
  // The credentials that reached this Sentinel are the ones to ask it with, unless sentinel ones were given.
  const viaSentinel: ConnectionOptions = { ...options, mode: 'sentinel', sentinels: [sentinel], masterName: name };
  if (viaSentinel.sentinelUsername === undefined && options.username !== undefined) viaSentinel.sentinelUsername = options.username;
  if (viaSentinel.sentinelPassword === undefined && options.password !== undefined) viaSentinel.sentinelPassword = options.password;
  const topology = (await open(viaSentinel, pool)) as SentinelTopology;
  topology.notices.push(`${address} is a Sentinel; using master ${name} — pass ${flagsFor(name)} to say so`);
  return topology;
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
