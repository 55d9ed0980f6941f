// Helpers for the purge/restore tests: open a Topology on the shared or a private fixture, write
// keys through it (each to its owning master), and read back what the servers hold.
import type { Redis } from 'ioredis';
import { connect } from '../../src/connection/connect.js';
import type { ConnectionOptions } from '../../src/connection/options.js';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import type { Topology } from '../../src/connection/topology.js';
import type { PlanOptions, PurgePlan } from '../../src/core/purge/plan.js';
import { disposePlan, planPurge } from '../../src/core/purge/plan.js';
import type { ExecuteOptions, PurgeEvent, PurgeSummary } from '../../src/core/purge/execute.js';
import { executePurge } from '../../src/core/purge/execute.js';
import type { Endpoint, FixtureInfo } from '../fixtures/types.js';

export type TopologyName = 'single' | 'cluster' | 'sentinel';

export function optionsFor(name: TopologyName, redis: FixtureInfo, timeoutMs = 5_000): ConnectionOptions {
  const options = { ...defaultConnectionOptions(), timeoutMs, clientName: 'cachectl-test' };
  if (name === 'single') return { ...options, endpoints: [redis.single] };
  if (name === 'cluster') return { ...options, mode: 'cluster', endpoints: redis.cluster.seeds };
  return { ...options, mode: 'sentinel', sentinels: redis.sentinel.sentinels, masterName: redis.sentinel.masterName };
}

export function clusterOptions(seeds: Endpoint[], timeoutMs = 5_000): ConnectionOptions {
  return { ...defaultConnectionOptions(), timeoutMs, clientName: 'cachectl-test', mode: 'cluster', endpoints: seeds };
}

export function sentinelOptions(sentinels: Endpoint[], masterName: string, timeoutMs = 5_000): ConnectionOptions {
  return { ...defaultConnectionOptions(), timeoutMs, clientName: 'cachectl-test', mode: 'sentinel', sentinels, masterName };
}

export async function open(options: ConnectionOptions): Promise<Topology> {
  return connect(options);
}

/** Groups keys by owning master and runs `fn` with each master's client. */
export async function perOwner(topology: Topology, keys: Buffer[], fn: (client: Redis, keys: Buffer[]) => Promise<unknown>): Promise<void> {
  const byNode = new Map<string, { client: Redis; keys: Buffer[] }>();
  for (const key of keys) {
    const node = topology.nodeForKey(key);
    let entry = byNode.get(node.address);
    if (entry === undefined) {
      entry = { client: await node.ready(), keys: [] };
      byNode.set(node.address, entry);
    }
    entry.keys.push(key);
  }
  await Promise.all([...byNode.values()].map(({ client, keys: list }) => fn(client, list)));
}

/** SET key value [PX ttl] for every key, on its owner. */
export async function writeStrings(topology: Topology, keys: Buffer[], value: (key: Buffer) => Buffer | string = (key) => key, ttlMs?: number): Promise<void> {
  await perOwner(topology, keys, async (client, list) => {
    const pipeline = client.pipeline();
    for (const key of list) {
      if (ttlMs === undefined) pipeline.set(key, value(key));
      else pipeline.set(key, value(key), 'PX', ttlMs);
    }
    const results = (await pipeline.exec()) ?? [];
    for (const [error] of results) if (error) throw error;
  });
}

/** Every key on the masters matching `pattern`, by the server's own SCAN MATCH, as latin1 strings. */
export async function serverMatches(topology: Topology, pattern: Buffer): Promise<Set<string>> {
  const found = new Set<string>();
  for (const node of topology.masters()) {
    const client = await node.ready();
    let cursor = '0';
    do {
      const [next, keys] = (await client.callBuffer('SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000')) as [Buffer, Buffer[]];
      cursor = next.toString();
      for (const key of keys) found.add(key.toString('latin1'));
    } while (cursor !== '0');
  }
  return found;
}

/** Deletes every key matching `pattern` (test cleanup, outside the code under test). */
export async function removeMatching(topology: Topology, pattern: Buffer): Promise<void> {
  const keys = [...(await serverMatches(topology, pattern))].map((key) => Buffer.from(key, 'latin1'));
  await perOwner(topology, keys, async (client, list) => {
    for (const key of list) await client.del(key);
  });
}

export interface PurgeRun {
  plan: PurgePlan;
  summary: PurgeSummary;
  events: PurgeEvent[];
}

/** plan → execute, collecting the events; `onEvent` may abort or disturb the servers mid-run. */
export async function purge(
  topology: Topology,
  pattern: Buffer,
  options: { plan?: PlanOptions; execute?: ExecuteOptions; onEvent?: (event: PurgeEvent) => void | Promise<void> } = {},
): Promise<PurgeRun> {
  const plan = await planPurge(topology, pattern, options.plan);
  try {
    const events: PurgeEvent[] = [];
    let summary: PurgeSummary | undefined;
    for await (const event of executePurge(topology, plan, options.execute)) {
      events.push(event);
      if (event.kind === 'done') summary = event.summary;
      await options.onEvent?.(event);
    }
    if (summary === undefined) throw new Error('no summary');
    return { plan, summary, events };
  } finally {
    disposePlan(plan);
  }
}

/** The invariant of every summary: each planned key is accounted for exactly once. */
export function accounted(summary: PurgeSummary): number {
  return summary.deleted + summary.redeleted + summary.alreadyGone + summary.skipped + summary.unknown + summary.notReached + summary.left;
}

export const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

/** A key's type, value (canonical, order-independent where Redis does not keep order) and PTTL. */
export interface KeySnapshot {
  type: string;
  value: string;
  pttl: number;
  /** The DUMP payload (base64): the exact serialized value. */
  dump: string;
}

export async function snapshotKey(client: Redis, key: Buffer): Promise<KeySnapshot> {
  const type = String(await client.type(key));
  const b64 = (items: Buffer[]): string[] => items.map((item) => item.toString('base64'));
  let value: unknown;
  switch (type) {
    case 'string':
      value = ((await client.getBuffer(key)) ?? Buffer.alloc(0)).toString('base64');
      break;
    case 'hash': {
      const flat = (await client.callBuffer('HGETALL', key)) as Buffer[];
      const pairs: string[] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i]!.toString('base64')}=${flat[i + 1]!.toString('base64')}`);
      value = pairs.sort();
      break;
    }
    case 'list':
      value = b64(await client.lrangeBuffer(key, 0, -1));
      break;
    case 'set':
      value = b64(await client.smembersBuffer(key)).sort();
      break;
    case 'zset':
      value = b64((await client.callBuffer('ZRANGE', key, '0', '-1', 'WITHSCORES')) as Buffer[]);
      break;
    case 'stream':
      value = JSON.stringify(await client.xrange(key, '-', '+'));
      break;
    default:
      value = null;
  }
  const dump = (await client.dumpBuffer(key)) ?? Buffer.alloc(0);
  return { type, value: JSON.stringify(value), pttl: Number(await client.pttl(key)), dump: dump.toString('base64') };
}

export async function snapshotKeys(topology: Topology, keys: Buffer[]): Promise<Map<string, KeySnapshot>> {
  const snapshots = new Map<string, KeySnapshot>();
  for (const key of keys) snapshots.set(key.toString('latin1'), await snapshotKey(await topology.nodeForKey(key).ready(), key));
  return snapshots;
}

/** Flips bits of one byte in place (corruption tests). */
export function flipByte(data: Buffer, offset: number, mask = 0x01): void {
  data[offset] = data[offset]! ^ mask;
}

/**
 * A TCP proxy in front of a redis-server whose backend can be switched: `switchTo` drops every
 * connection and sends new ones elsewhere, as a failover behind a stable address (a VIP, a DNS
 * name, a Sentinel-aware proxy) looks to a client.
 */
export async function startSwitchableProxy(backendPort: number): Promise<{ port: number; switchTo(port: number): void; close(): Promise<void> }> {
  const { createConnection, createServer } = await import('node:net');
  let target = backendPort;
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: target });
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as import('node:net').AddressInfo).port;
  return {
    port,
    switchTo(next: number) {
      target = next;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
