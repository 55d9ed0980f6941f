// connect() against real servers: every topology it hides (single, Cluster, Sentinel), TLS and
// ACL logins, the failures it must name, and refresh() after real failovers on private servers.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect } from '../../src/connection/connect.js';
import type { ConnectionOptions } from '../../src/connection/options.js';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import type { NodeHandle, Topology } from '../../src/connection/topology.js';
import { CachectlError } from '../../src/base/errors.js';
import { adminClient, callText, CLUSTER_SLOTS, freePort, startCluster, startSentinel, waitFor, type Endpoint } from '../fixtures/index.js';
import { startSilentServer, type SilentServer } from '../helpers/silent-server.js';

const redis = inject('redis');
const PREFIX = 'conntest:';

function options(overrides: Partial<ConnectionOptions>): ConnectionOptions {
  return { ...defaultConnectionOptions(), ...overrides };
}

/** Opens a topology, runs fn, and always closes it. */
async function withTopology<T>(opts: Partial<ConnectionOptions>, fn: (topology: Topology) => Promise<T>): Promise<T> {
  const topology = await connect(options(opts));
  try {
    return await fn(topology);
  } finally {
    await topology.close();
  }
}

/** The CachectlError connect() rejects with. */
async function connectFailure(opts: Partial<ConnectionOptions>): Promise<CachectlError> {
  let topology: Topology | undefined;
  try {
    topology = await connect(options(opts));
  } catch (error) {
    expect(error).toBeInstanceOf(CachectlError);
    return error as CachectlError;
  }
  await topology.close();
  throw new Error(`connect(${JSON.stringify(opts)}) succeeded; expected it to fail`);
}

const ports = (nodes: readonly NodeHandle[]): number[] => nodes.map((n) => n.endpoint.port).sort((a, b) => a - b);
const sortedPorts = (endpoints: readonly Endpoint[]): number[] => endpoints.map((e) => e.port).sort((a, b) => a - b);

describe('single node', () => {
  it('is a standalone topology with one master that answers', async () => {
    await withTopology({ endpoints: [redis.single] }, async (topology) => {
      expect(topology.kind).toBe('standalone');
      expect(topology.db).toBe(0);
      const [node, ...rest] = topology.masters();
      expect(rest).toEqual([]);
      expect(node).toMatchObject({ role: 'master', address: `127.0.0.1:${redis.single.port}`, slots: [] });
      expect(topology.replicas()).toEqual([]);
      expect(topology.sentinels()).toEqual([]);
      expect(await (await node!.ready()).ping()).toBe('PONG');
      expect(topology.nodeForKey(Buffer.from('any'))).toBe(node);
    });
  });

  it('works in the database it was asked for', async () => {
    const key = `${PREFIX}db`;
    await withTopology({ endpoints: [redis.single], db: 5 }, async (topology) => {
      expect(topology.db).toBe(5);
      const client = await topology.nodeForKey(Buffer.from(key)).ready();
      await client.set(key, 'in-db-5');
    });
    const admin = adminClient(redis.single.port);
    try {
      expect(await admin.get(key)).toBeNull();
      await admin.select(5);
      expect(await admin.get(key)).toBe('in-db-5');
      await admin.del(key);
    } finally {
      admin.disconnect();
    }
  });

  it('a database the server does not have fails instead of falling back to db 0', async () => {
    const error = await connectFailure({ endpoints: [redis.single], db: 99 });
    expect(error.code).toBe('USAGE');
    expect(error.message).toBe(`--db 99: node 127.0.0.1:${redis.single.port} refused SELECT 99: ERR DB index is out of range`);
  });

  it('a replica connected directly reports role replica; a master lists its replicas', async () => {
    await withTopology({ endpoints: [redis.sentinel.replica] }, async (topology) => {
      expect(topology.kind).toBe('standalone');
      expect(topology.masters()[0]!.role).toBe('replica');
    });
    await withTopology({ endpoints: [redis.sentinel.master] }, async (topology) => {
      const [master] = topology.masters();
      expect(master!.role).toBe('master');
      expect(topology.replicas().map((r) => [r.address, r.role, r.masterId])).toEqual([
        [`127.0.0.1:${redis.sentinel.replica.port}`, 'replica', master!.id],
      ]);
    });
  });
});

describe('cluster', () => {
  const check = async (topology: Topology): Promise<void> => {
    expect(topology.kind).toBe('cluster');
    expect(topology.db).toBe(0);
    const masters = topology.masters();
    const replicas = topology.replicas();
    expect(ports([...masters, ...replicas])).toEqual(sortedPorts(redis.cluster.nodes));
    expect(masters).toHaveLength(3);
    expect(replicas).toHaveLength(3);

    // Every slot is served by exactly one master.
    const owners = new Array<number>(CLUSTER_SLOTS).fill(0);
    for (const master of masters) {
      expect(master.role).toBe('master');
      for (const [from, to] of master.slots) for (let slot = from; slot <= to; slot += 1) owners[slot]! += 1;
    }
    expect(owners.every((count) => count === 1)).toBe(true);

    // Each master has one replica, which names it.
    expect(replicas.map((r) => r.masterId).sort()).toEqual(masters.map((m) => m.id).sort());
    for (const replica of replicas) expect(replica.role).toBe('replica');

    // The node ids are the cluster's own.
    const admin = adminClient(masters[0]!.endpoint.port);
    try {
      expect(await callText(admin, 'CLUSTER', 'MYID')).toBe(masters[0]!.id);
    } finally {
      admin.disconnect();
    }
  };

  it('from explicit seeds: 3 masters with slot ranges covering 16384 slots, 3 replicas with their master', async () => {
    await withTopology({ mode: 'cluster', endpoints: redis.cluster.seeds }, check);
  });

  it('is detected from a plain single address, even a replica\'s', async () => {
    const replicaOnly = redis.cluster.nodes.filter((n) => !redis.cluster.seeds.some((s) => s.port === n.port));
    await withTopology({ endpoints: [redis.cluster.seeds[1]!] }, check);
    await withTopology({ endpoints: [replicaOnly[0]!] }, check);
  });

  it('skips a seed that is down', async () => {
    const nothingThere = { host: '127.0.0.1', port: await freePort() };
    await withTopology({ mode: 'cluster', endpoints: [nothingThere, redis.cluster.seeds[2]!] }, check);
  });

  it('mode standalone on a cluster node talks to that node only', async () => {
    await withTopology({ mode: 'standalone', endpoints: [redis.cluster.seeds[0]!] }, async (topology) => {
      expect(topology.kind).toBe('standalone');
      expect(ports(topology.masters())).toEqual([redis.cluster.seeds[0]!.port]);
    });
  });

  it('nodeForKey agrees with CLUSTER KEYSLOT, and the owner holds a key written through it', async () => {
    const keys = [
      `${PREFIX}plain`,
      `${PREFIX}{user:1}:profile`,
      `${PREFIX}{user:1}:sessions`,
      `{}${PREFIX}empty-tag`,
      `${PREFIX}{`,
      ...Array.from({ length: 40 }, (_, i) => `${PREFIX}spread:${i}`),
    ].map((k) => Buffer.from(k));
    keys.push(Buffer.concat([Buffer.from(PREFIX), Buffer.from([0xff, 0x00, 0xc3, 0x28])]));

    await withTopology({ mode: 'cluster', endpoints: redis.cluster.seeds }, async (topology) => {
      const admin = adminClient(redis.cluster.seeds[0]!.port);
      const owners = new Set<string>();
      try {
        for (const key of keys) {
          const node = topology.nodeForKey(key);
          owners.add(node.id);
          const serverSlot = Number(await admin.call('CLUSTER', 'KEYSLOT', key));
          expect(node.slots.some(([from, to]) => serverSlot >= from && serverSlot <= to)).toBe(true);

          // A plain client on the owner accepts the key (any other master would answer MOVED).
          const client = await node.ready();
          expect(await client.set(key, 'owned')).toBe('OK');
          expect(await client.get(key)).toBe('owned');
          const other = topology.masters().find((m) => m.id !== node.id)!;
          await expect((await other.ready()).get(key)).rejects.toThrow(/^MOVED /);
          expect(await client.del(key)).toBe(1);
        }
      } finally {
        admin.disconnect();
      }
      // The keys spread over every master, so every owner was exercised.
      expect(owners.size).toBe(3);
    });
  });

  it('--db other than 0 fails whether the cluster was asked for or detected', async () => {
    for (const mode of ['cluster', 'auto'] as const) {
      const error = await connectFailure({ mode, endpoints: [redis.cluster.seeds[0]!], db: 3 });
      expect(error.code).toBe('USAGE');
      expect(error.message).toBe('--db 3: Redis Cluster has only database 0');
    }
  });
});

describe('sentinel', () => {
  const sentinelOptions = (masterName: string): Partial<ConnectionOptions> => ({
    mode: 'sentinel',
    sentinels: [redis.sentinel.sentinels[0]!],
    masterName,
  });

  it('resolves the master, its replica and all 3 sentinels from one sentinel address', async () => {
    await withTopology(sentinelOptions(redis.sentinel.masterName), async (topology) => {
      expect(topology.kind).toBe('sentinel');
      const [master, ...more] = topology.masters();
      expect(more).toEqual([]);
      expect(master).toMatchObject({ role: 'master', endpoint: redis.sentinel.master });
      expect(topology.replicas().map((r) => [r.endpoint.port, r.role, r.masterId])).toEqual([[redis.sentinel.replica.port, 'replica', master!.id]]);
      expect(ports(topology.sentinels())).toEqual(sortedPorts(redis.sentinel.sentinels));
      expect(topology.sentinels().every((s) => s.role === 'sentinel')).toBe(true);
      expect(topology.nodeForKey(Buffer.from('k'))).toBe(master);

      const info = await (await master!.ready()).info('replication');
      expect(info).toMatch(/^role:master$/m);
      for (const sentinel of topology.sentinels()) expect(await (await sentinel.ready()).ping()).toBe('PONG');
    });
  });

  it('an unknown master name lists the names the sentinel knows', async () => {
    const error = await connectFailure(sentinelOptions('nosuchmaster'));
    expect(error.code).toBe('SENTINEL');
    expect(error.message).toBe(`sentinel 127.0.0.1:${redis.sentinel.sentinels[0]!.port} knows no master named "nosuchmaster"`);
    expect(error.hint).toBe(`--master must be one of: ${redis.sentinel.masterName}`);
  });

  it('skips sentinels that are down, and fails naming each when all are', async () => {
    const down = [{ host: '127.0.0.1', port: await freePort() }, { host: '127.0.0.1', port: await freePort() }];
    await withTopology({ mode: 'sentinel', sentinels: [down[0]!, redis.sentinel.sentinels[1]!], masterName: redis.sentinel.masterName }, async (topology) => {
      expect(topology.masters()[0]!.endpoint).toEqual(redis.sentinel.master);
    });
    const error = await connectFailure({ mode: 'sentinel', sentinels: down, masterName: redis.sentinel.masterName });
    expect(error.code).toBe('SENTINEL');
    expect(error.message).toContain(`no sentinel answered for master "${redis.sentinel.masterName}"`);
    for (const { port } of down) expect(error.message).toContain(`cannot connect to sentinel 127.0.0.1:${port}: connection refused`);
  });
});

describe('TLS', () => {
  const { port, caFile, certFile, keyFile, otherCaFile } = redis.tls;
  const endpoints = [{ host: '127.0.0.1', port }];

  it('verifies the server with the CA (IP address in the certificate)', async () => {
    await withTopology({ endpoints, tls: { caFile } }, async (topology) => {
      expect(topology.kind).toBe('standalone');
      expect(await (await topology.masters()[0]!.ready()).ping()).toBe('PONG');
    });
  });

  it('sends a client certificate, and verifies by name with --sni', async () => {
    await withTopology({ endpoints, tls: { caFile, certFile, keyFile, serverName: redis.tls.serverName } }, async (topology) => {
      expect(await (await topology.masters()[0]!.ready()).ping()).toBe('PONG');
    });
  });

  it('an unknown CA is a TLS error; insecure skips verification', async () => {
    const error = await connectFailure({ endpoints, tls: { caFile: otherCaFile } });
    expect(error.code).toBe('TLS');
    expect(error.message).toBe(`TLS certificate of node 127.0.0.1:${port} could not be verified: self-signed certificate in certificate chain`);
    await withTopology({ endpoints, tls: { insecure: true } }, async (topology) => {
      expect(await (await topology.masters()[0]!.ready()).ping()).toBe('PONG');
    });
  });

  it('a missing CA file is named', async () => {
    const error = await connectFailure({ endpoints, tls: { caFile: '/nonexistent/ca.pem' } });
    expect(error.code).toBe('TLS');
    expect(error.message).toBe('--cacert /nonexistent/ca.pem: no such file');
  });

  it('plain TCP to the TLS port, and TLS to a plain port, both fail saying what to change', async () => {
    const plain = await connectFailure({ endpoints, timeoutMs: 2_000 });
    expect(plain.code).toBe('CONNECT');
    expect(plain.hint).toMatch(/rediss:\/\/ or --tls/);
    const tls = await connectFailure({ endpoints: [redis.single], tls: { caFile }, timeoutMs: 500 });
    expect(tls.code).toBe('TIMEOUT');
    expect(tls.message).toBe(`no TLS handshake with node 127.0.0.1:${redis.single.port} within 500 ms`);
    expect(tls.hint).toMatch(/may not speak TLS/);
  });
});

describe('ACL users', () => {
  const { users } = redis.acl;
  const endpoints = [{ host: redis.acl.host, port: redis.acl.port }];

  it('a user with the permissions connects', async () => {
    await withTopology({ endpoints, username: users.limited.username, password: users.limited.password }, async (topology) => {
      expect(await (await topology.masters()[0]!.ready()).ping()).toBe('PONG');
    });
  });

  it('a wrong password is WRONGPASS naming the user, never the password', async () => {
    const error = await connectFailure({ endpoints, username: 'limited', password: 'not-the-password' });
    expect(error.code).toBe('AUTH');
    expect(error.message).toBe(`authentication failed at node 127.0.0.1:${redis.acl.port} for user "limited" (WRONGPASS)`);
    expect(`${error.message}${error.hint}`).not.toContain('not-the-password');
  });

  it('no password at all is NOAUTH', async () => {
    const error = await connectFailure({ endpoints });
    expect(error.code).toBe('AUTH');
    expect(error.message).toMatch(/\(NOAUTH\)$/);
  });

  it('a user lacking a command gets NOPERM naming the user when it runs it', async () => {
    // noperm may log in, PING and INFO (all connect() needs), and nothing else.
    await withTopology({ endpoints, username: users.noperm.username, password: users.noperm.password }, async (topology) => {
      const node = topology.masters()[0]!;
      const client = await node.ready();
      expect(await client.ping()).toBe('PONG');
      const refused = await client.get(`${PREFIX}acl`).then(
        () => undefined,
        (error: unknown) => node.translate(error),
      );
      expect(refused?.code).toBe('NOPERM');
      expect(refused?.message).toBe(
        `user "noperm" lacks a permission at node 127.0.0.1:${redis.acl.port}: NOPERM this user has no permissions to run the 'get' command`,
      );
    });
  });

  it('a user lacking SELECT cannot use another database: NOPERM at connect', async () => {
    const error = await connectFailure({ endpoints, username: users.noperm.username, password: users.noperm.password, db: 1 });
    expect(error.code).toBe('NOPERM');
    expect(error.message).toMatch(/^user "noperm" lacks a permission at node 127\.0\.0\.1:\d+: NOPERM .*'select' command$/);
  });
});

describe('unreachable servers fail fast', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(() => silent.close());

  it('a refused port: CONNECT naming the address, at once', async () => {
    const port = await freePort();
    const began = performance.now();
    const error = await connectFailure({ endpoints: [{ host: '127.0.0.1', port }] });
    expect(performance.now() - began).toBeLessThan(1_000);
    expect(error.code).toBe('CONNECT');
    expect(error.message).toBe(`cannot connect to node 127.0.0.1:${port}: connection refused`);
  });

  it('a server that accepts connections but never answers: TIMEOUT within the timeout', async () => {
    const began = performance.now();
    const error = await connectFailure({ endpoints: [{ host: '127.0.0.1', port: silent.port }], timeoutMs: 300 });
    const elapsed = performance.now() - began;
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toBe(`no answer from node 127.0.0.1:${silent.port} within 300 ms`);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(300 + 400);
  });
});

describe('refresh() after a failover (private servers)', () => {
  it('cluster: the promoted replica becomes a master, refresh() returns true once', async () => {
    const cluster = await startCluster();
    try {
      const topology = await connect(options({ mode: 'cluster', endpoints: cluster.seeds }));
      try {
        expect(await topology.refresh()).toBe(false);
        const before = topology.masters();
        const oldMaster = before[0]!;
        const replica = topology.replicas().find((r) => r.masterId === oldMaster.id)!;
        // A key in the slots the failover moves.
        let key = Buffer.from(`${PREFIX}failover:0`);
        for (let i = 1; topology.nodeForKey(key).id !== oldMaster.id; i += 1) key = Buffer.from(`${PREFIX}failover:${i}`);

        await cluster.failover(replica.endpoint.port);

        expect(await topology.refresh()).toBe(true);
        expect(ports(topology.masters())).toEqual(ports([...before.filter((m) => m.id !== oldMaster.id), replica]));
        const demoted = topology.replicas().find((r) => r.endpoint.port === oldMaster.endpoint.port);
        expect(demoted).toMatchObject({ role: 'replica', masterId: replica.id });
        const promoted = topology.masters().find((m) => m.id === replica.id)!;
        expect(promoted.slots).toEqual(oldMaster.slots);
        // Keys of the moved slots now route to the promoted node, and it accepts them.
        const owner = topology.nodeForKey(key);
        expect(owner.id).toBe(replica.id);
        expect(await (await owner.ready()).set(key, 'after-failover')).toBe('OK');
        expect(await (await owner.ready()).del(key)).toBe(1);

        expect(await topology.refresh()).toBe(false);
      } finally {
        await topology.close();
      }
    } finally {
      await cluster.stop();
    }
  });

  it('sentinel: the new master replaces the old one, refresh() returns true once', async () => {
    const group = await startSentinel({ masterName: 'conntest' });
    try {
      const topology = await connect(options({ mode: 'sentinel', sentinels: [group.sentinels[0]!], masterName: 'conntest' }));
      try {
        expect(await topology.refresh()).toBe(false);
        expect(topology.masters()[0]!.endpoint.port).toBe(group.master.port);

        const promoted = await group.failover();

        expect(await topology.refresh()).toBe(true);
        expect(topology.masters().map((m) => m.endpoint.port)).toEqual([promoted.port]);
        expect(promoted.port).toBe(group.replica.port);
        const client = await topology.masters()[0]!.ready();
        expect(await client.info('replication')).toMatch(/^role:master$/m);
        // Sentinel lists the old master as a replica of the new one.
        await waitFor(
          'the old master to be listed as a replica',
          async () => {
            await topology.refresh();
            return topology.replicas().some((r) => r.endpoint.port === group.master.port) ? true : undefined;
          },
          { timeoutMs: 10_000, intervalMs: 200 },
        );
        expect(await topology.refresh()).toBe(false);
      } finally {
        await topology.close();
      }
    } finally {
      await group.stop();
    }
  });
});
