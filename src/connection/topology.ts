// The Topology interface: what every later feature needs to know about the servers behind
// a connection (masters, replicas, sentinels, who owns a key), whatever kind of deployment it is.

import type { Redis } from 'ioredis';
import type { CachectlError } from '../base/errors.js';
import type { ConnectionOptions, Endpoint } from './options.js';
import { formatEndpoint } from './options.js';
import type { ErrorContext, NodeCredentials } from './node-client.js';
import { connectNode, createNodeClient, translateError } from './node-client.js';

export type TopologyKind = 'standalone' | 'cluster' | 'sentinel';
/** `seed`: an address given to connect through that is not in the deployment's own node list (it never answered). */
export type NodeRole = 'master' | 'replica' | 'sentinel' | 'seed';

/** An inclusive range of cluster hash slots. */
export type SlotRange = readonly [number, number];

export interface NodeHandle {
  /** Cluster node id, or the address for other kinds. */
  readonly id: string;
  readonly endpoint: Endpoint;
  /** host:port, for messages and tables. */
  readonly address: string;
  readonly role: NodeRole;
  /** For a replica: the id of its master. */
  readonly masterId?: string;
  /** Cluster masters: the slots they serve. */
  readonly slots: readonly SlotRange[];
  /** Flags the topology source reported (e.g. cluster 'fail', sentinel 's_down'). */
  readonly flags: readonly string[];
  /** The node's client, created on first use and shared; connects lazily. */
  client(): Redis;
  /** Connects if needed; throws a CachectlError naming this node. */
  ready(): Promise<Redis>;
  /**
   * A new client of its own with the same settings, not shared and not pooled (connects lazily;
   * the caller closes it). For a probe whose timing must not queue behind the shared client's work.
   */
  newClient(): Redis;
  /**
   * Everything newClient() and translate() use, as plain data: another thread (the dashboard's
   * latency probe runs in a worker) rebuilds the same client from it with nodeClientFromSpec().
   */
  readonly clientSpec: NodeClientSpec;
  /** Translates an error from this node's client into a CachectlError naming it. */
  translate(error: unknown): CachectlError;
}

export interface Topology {
  readonly kind: TopologyKind;
  readonly db: number;
  /** The addresses this connection started from, as given (the node, the Cluster seeds, the sentinels): names the target in outputs. */
  readonly seeds: readonly Endpoint[];
  /** Sentinel: the name of the monitored master group. */
  readonly masterName?: string;
  /** What the caller should tell the user about how the connection was made (e.g. a Sentinel given as a plain address). */
  readonly notices: readonly string[];
  /** Nodes that accept writes (a standalone node is its own master even if it is a replica). */
  masters(): readonly NodeHandle[];
  replicas(): readonly NodeHandle[];
  sentinels(): readonly NodeHandle[];
  /** The master that owns a key (its slot, for a cluster). */
  nodeForKey(key: Buffer): NodeHandle;
  /**
   * Nodes that are neither serving masters, replicas nor sentinels in use, for `nodes` to list: a
   * cluster master without slots (failed over and gone), an address the user gave that the
   * deployment does not list (role `seed`, or `sentinel` for a --sentinel address).
   */
  outsiders?(): readonly NodeHandle[];
  /** Re-discovers the nodes (after a failover); returns true when the set of masters changed. */
  refresh(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Shares one client per address across refreshes, so a re-discovered topology keeps its
 * connections, and closes them all at the end.
 */
export class NodePool {
  private readonly clients = new Map<string, Redis>();

  constructor(
    private readonly options: ConnectionOptions,
    private readonly credentials: NodeCredentials,
    private readonly db: number,
  ) {}

  client(endpoint: Endpoint): Redis {
    const key = formatEndpoint(endpoint);
    let client = this.clients.get(key);
    if (client === undefined || client.status === 'end') {
      client = createNodeClient(endpoint, this.options, this.credentials, this.db);
      this.clients.set(key, client);
    }
    return client;
  }

  handle(spec: Omit<NodeHandle, 'address' | 'client' | 'ready' | 'translate' | 'newClient' | 'clientSpec'>, what?: string): NodeHandle {
    const context = { username: this.credentials.username, tls: this.options.tls !== undefined, timeoutMs: this.options.timeoutMs, what: what ?? spec.role };
    const { timeoutMs, clientName, tls } = this.options;
    return {
      ...spec,
      address: formatEndpoint(spec.endpoint),
      client: () => this.client(spec.endpoint),
      ready: async () => {
        const client = this.client(spec.endpoint);
        await connectNode(client, spec.endpoint, context);
        return client;
      },
      translate: (error: unknown) => translateError(error, spec.endpoint, context),
      newClient: () => createNodeClient(spec.endpoint, this.options, this.credentials, this.db),
      clientSpec: { endpoint: spec.endpoint, options: { timeoutMs, clientName, ...(tls === undefined ? {} : { tls }) }, credentials: { ...this.credentials }, db: this.db, context },
    };
  }

  async closeAll(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((client) => closeClient(client)));
  }
}

/** A node's client settings as plain data (structured-clonable: no functions, no sockets). */
export interface NodeClientSpec {
  endpoint: Endpoint;
  options: Pick<ConnectionOptions, 'timeoutMs' | 'clientName' | 'tls'>;
  credentials: NodeCredentials;
  db: number;
  context: ErrorContext;
}

/** A new client (lazy, the caller closes it) and the error translation, from a NodeClientSpec. */
export function nodeClientFromSpec(spec: NodeClientSpec): { address: string; newClient: () => Redis; translate: (error: unknown) => CachectlError } {
  return {
    address: formatEndpoint(spec.endpoint),
    newClient: () => createNodeClient(spec.endpoint, spec.options, spec.credentials, spec.db),
    translate: (error) => translateError(error, spec.endpoint, spec.context),
  };
}

/** QUIT politely when connected, otherwise drop the socket; never throws. */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await Promise.race([client.quit(), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
    } catch {
      // already gone
    }
  }
  // On a client that is already closed (a refused or failed connection), disconnect() arms
  // ioredis' 2 s "destroy the socket" timer on a socket that will never emit 'close' again,
  // which kept every failed run alive 2 s after its error.
  if (client.status !== 'end') client.disconnect();
}
