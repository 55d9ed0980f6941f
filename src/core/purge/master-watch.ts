// Whether the server a purge (or restore) writes to is still the master that counts. A graceful
// failover (SENTINEL FAILOVER, CLUSTER FAILOVER) leaves the old master answering, and accepting
// deletions, for seconds after a replica took over; it then re-syncs from the new master and every
// deletion it acknowledged in between is undone. Connection errors never show this, so before each
// round the purge asks: does the node still say it is master, do the sentinels still name it with
// no failover in progress, has none of its replicas taken over?

import type { Redis } from 'ioredis';
import type { NodeHandle, Topology } from '../../connection/topology.js';
import { CachectlError } from '../../base/errors.js';
import { parseSentinelEntries } from '../../connection/sentinel.js';

/** ROLE: `['master', offset, replicas]` or `['slave', host, port, state, offset]`. */
interface Role {
  role: string;
  /** A replica's master, host:port. */
  master?: string;
  /** A master's connected replicas. */
  replicas: number;
}

async function roleOf(client: Redis): Promise<Role> {
  const reply = (await client.call('ROLE')) as unknown[];
  const role = String(reply[0]);
  if (role === 'slave') return { role, master: `${String(reply[1])}:${String(reply[2])}`, replicas: 0 };
  return { role, replicas: role === 'master' && Array.isArray(reply[2]) ? reply[2].length : 0 };
}

/**
 * A standalone server that is a replica refuses every write with READONLY, and waiting does not
 * change that: refuse at once and name the master to use instead.
 */
export async function assertWritable(topology: Topology, what: 'purge' | 'restore'): Promise<void> {
  if (topology.kind !== 'standalone') return;
  const node = topology.masters()[0];
  if (node === undefined) return;
  let role: Role;
  try {
    role = await roleOf(await node.ready());
  } catch {
    // ROLE renamed or refused: the first write says what is wrong.
    return;
  }
  if (role.role === 'master') return;
  throw replicaError(node.address, role.master, what);
}

export function replicaError(address: string, master: string | undefined, what: 'purge' | 'restore'): CachectlError {
  const verb = what === 'purge' ? 'delete' : 'restore';
  return new CachectlError('SERVER', `${address} is a read-only replica${master === undefined ? '' : ` of ${master}`}: it cannot ${verb} keys, so nothing was ${what === 'purge' ? 'deleted' : 'restored'} there`, {
    hint: master === undefined ? 'point cachectl at the master (--url), or at the sentinels with --sentinel … --master NAME' : `run it against the master: --url redis://${master} (or use --sentinel … --master NAME to follow failovers)`,
  });
}

export class MasterWatch {
  /** The sentinel that answered last, tried first next time. */
  private sentinelIndex = 0;

  constructor(
    private readonly topology: Topology,
    private readonly what: 'purge' | 'restore',
  ) {}

  /**
   * Why deleting on `master` now could be undone by a failover, or undefined when it is safe as far
   * as can be seen. Throws for a standalone replica (no failover will make it writable). A node or
   * sentinel that does not answer is not a reason here: the command itself fails and is retried.
   */
  async disturbance(master: NodeHandle): Promise<string | undefined> {
    const [own, sentinel, replica] = await Promise.all([this.ownRole(master), this.sentinelView(master), this.promotedReplica(master)]);
    return own ?? sentinel ?? replica;
  }

  /** WAIT for the master's connected replicas; how many of how many acknowledged, null when not asked. */
  async replicated(master: NodeHandle, timeoutMs: number): Promise<{ acked: number; replicas: number } | null> {
    try {
      const client = await master.ready();
      const { role, replicas } = await roleOf(client);
      if (role !== 'master' || replicas === 0) return null;
      const acked = Number(await client.call('WAIT', String(replicas), String(timeoutMs)));
      return { acked, replicas };
    } catch {
      return null;
    }
  }

  private async ownRole(master: NodeHandle): Promise<string | undefined> {
    let role: Role;
    try {
      role = await roleOf(await master.ready());
    } catch {
      return undefined;
    }
    if (role.role === 'master') return undefined;
    if (this.topology.kind === 'standalone') throw replicaError(master.address, role.master, this.what);
    return `${master.address} is no longer a master (it follows ${role.master ?? 'another node'} now)`;
  }

  private async sentinelView(master: NodeHandle): Promise<string | undefined> {
    const sentinels = this.topology.sentinels();
    if (this.topology.kind !== 'sentinel' || sentinels.length === 0) return undefined;
    for (let i = 0; i < sentinels.length; i += 1) {
      const index = (this.sentinelIndex + i) % sentinels.length;
      let entries: Record<string, string>[];
      try {
        const client = await sentinels[index]!.ready();
        entries = parseSentinelEntries(await client.call('SENTINEL', 'MASTERS'));
      } catch {
        continue;
      }
      this.sentinelIndex = index;
      const entry = entries.find((fields) => `${fields.ip}:${fields.port}` === master.address);
      if (entry === undefined) return `the sentinels no longer name ${master.address} as a master`;
      if ((entry.flags ?? '').split(',').includes('failover_in_progress')) return `a Sentinel failover of ${master.address} is in progress`;
      return undefined;
    }
    return undefined;
  }

  private async promotedReplica(master: NodeHandle): Promise<string | undefined> {
    if (this.topology.kind !== 'cluster') return undefined;
    const replicas = this.topology.replicas().filter((replica) => replica.masterId === master.id);
    const roles = await Promise.all(
      replicas.map(async (replica) => {
        try {
          return (await roleOf(await replica.ready())).role;
        } catch {
          return undefined;
        }
      }),
    );
    const promoted = replicas.find((_, i) => roles[i] === 'master');
    return promoted === undefined ? undefined : `replica ${promoted.address} has taken over from ${master.address}`;
  }
}
