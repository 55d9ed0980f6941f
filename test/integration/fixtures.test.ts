// Sanity checks for the redis-server fixtures themselves: the shared topologies
// from global-setup, and private ones for the failover helpers.
import { connect as tlsConnect } from 'node:tls';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import {
  adminClient,
  callText,
  CLUSTER_SLOTS,
  parseClusterNodes,
  parseInfoFields,
  startCluster,
  startRedis,
  startSentinel,
  waitFor,
  type Endpoint,
} from '../fixtures/index.js';

const redis = inject('redis');

/** Runs fn with a client and always closes it. */
async function using<T>(client: Redis, fn: (c: Redis) => Promise<T>): Promise<T> {
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

const roleOf = async (e: Endpoint): Promise<string> =>
  using(adminClient(e.port), async (c) => {
    const reply = await c.call('ROLE', []);
    return Array.isArray(reply) ? String(reply[0]) : '';
  });

describe('shared fixtures', () => {
  it('every topology but TLS runs the selected server program (CACHECTL_TEST_SERVER)', async () => {
    const versionOf = async (e: Endpoint): Promise<string | undefined> =>
      using(adminClient(e.port), async (c) => {
        const info = parseInfoFields(await callText(c, 'INFO', 'server'));
        return info.get('valkey_version') ?? info.get('redis_version');
      });
    for (const e of [redis.single, redis.cluster.seeds[0]!, redis.sentinel.master, redis.sentinel.sentinels[0]!]) {
      expect(await versionOf(e)).toBe(redis.server.version);
    }
  });

  it('single node answers PING', async () => {
    await using(adminClient(redis.single.port), async (c) => {
      expect(await c.ping()).toBe('PONG');
    });
  });

  it('cluster has 3 masters and 3 replicas covering all slots', async () => {
    const entries = await using(adminClient(redis.cluster.seeds[0]!.port), async (c) =>
      parseClusterNodes(await callText(c, 'CLUSTER', 'NODES')),
    );
    const masters = entries.filter((e) => e.role === 'master');
    const replicas = entries.filter((e) => e.role === 'replica');
    expect(masters).toHaveLength(3);
    expect(replicas).toHaveLength(3);
    expect(new Set(replicas.map((r) => r.masterId))).toEqual(new Set(masters.map((m) => m.id)));
    const covered = new Set<number>();
    for (const m of masters) for (const [first, last] of m.slots) for (let s = first; s <= last; s++) covered.add(s);
    expect(covered.size).toBe(CLUSTER_SLOTS);
    expect(redis.cluster.nodes).toHaveLength(6);

    // And a cluster client can use it.
    const cluster = new Cluster(redis.cluster.seeds, { redisOptions: { protocol: 2 } });
    try {
      await cluster.set('fixtures:cluster', 'ok');
      expect(await cluster.get('fixtures:cluster')).toBe('ok');
      await cluster.del('fixtures:cluster');
    } finally {
      cluster.disconnect();
    }
  });

  it('sentinel resolves the master', async () => {
    const { masterName, master, replica, sentinels } = redis.sentinel;
    expect(masterName).toBe('mymaster');
    expect(sentinels).toHaveLength(3);
    for (const s of sentinels) {
      const addr = await using(adminClient(s.port), (c) => c.call('SENTINEL', ['GET-MASTER-ADDR-BY-NAME', masterName]));
      expect(addr).toEqual([master.host, String(master.port)]);
    }
    expect(await roleOf(replica)).toBe('slave');

    const viaSentinel = new Redis({ sentinels, name: masterName, protocol: 2, lazyConnect: true });
    await using(viaSentinel, async (c) => {
      await c.connect();
      const info = parseInfoFields(await callText(c, 'INFO'));
      expect(info.get('role')).toBe('master');
      expect(info.get('tcp_port')).toBe(String(master.port));
    });
  });

  it('TLS node answers over TLS with the CA', async () => {
    const { port, caFile, certFile, keyFile, serverName } = redis.tls;
    const withCa = adminClient(port, { tls: { caFile, serverName } });
    await using(withCa, async (c) => expect(await c.ping()).toBe('PONG'));
    const withClientCert = adminClient(port, { tls: { caFile, serverName, certFile, keyFile } });
    await using(withClientCert, async (c) => expect(await c.ping()).toBe('PONG'));
  });

  it('TLS node rejects an unknown CA and plain TCP', async () => {
    const { port, otherCaFile, serverName } = redis.tls;
    await using(adminClient(port, { tls: { caFile: otherCaFile, serverName } }), async (c) => {
      await expect(c.ping()).rejects.toThrow();
    });
    // The handshake itself names the reason.
    const tlsError = await new Promise<Error>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, servername: serverName, ca: [] });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve(new Error('connected'));
      });
      socket.once('error', resolve);
    });
    expect(tlsError.message).toMatch(/certificate/i);

    await using(adminClient(port, { connectTimeout: 1_000 }), async (c) => {
      await expect(c.ping()).rejects.toThrow();
    });
  });

  it('ACL users have the permissions they are named for', async () => {
    const { port, users } = redis.acl;
    const as = (user: keyof typeof users): Redis => adminClient(port, users[user]);

    await using(adminClient(port), async (c) => {
      await expect(c.get('fixtures:acl')).rejects.toThrow(/NOAUTH/);
    });
    await using(adminClient(port, { ...users.admin, password: 'wrong' }), async (c) => {
      await expect(c.ping()).rejects.toThrow(/WRONGPASS/);
    });
    await using(as('default'), async (c) => expect(await c.set('fixtures:acl', '1')).toBe('OK'));
    await using(as('admin'), async (c) => expect(await c.eval('return 1', 0)).toBe(1));
    await using(as('limited'), async (c) => {
      expect(await c.get('fixtures:acl')).toBe('1');
      await expect(c.eval('return 1', 0)).rejects.toThrow(/NOPERM/);
      await expect(c.call('FLUSHALL', [])).rejects.toThrow(/NOPERM/);
    });
    await using(as('noperm'), async (c) => {
      expect(await c.ping()).toBe('PONG');
      await expect(c.get('fixtures:acl')).rejects.toThrow(/NOPERM/);
    });
    // Clients that speak RESP3 and run a ready check (INFO) can log in as noperm too.
    const resp3 = new Redis({ port, ...users.noperm, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await using(resp3, async (c) => {
      await c.connect();
      expect(await c.ping()).toBe('PONG');
    });
    await using(as('admin'), async (c) => c.del('fixtures:acl'));
  });
});

describe('private topologies', () => {
  it('a single server can be paused, signalled and stopped', async () => {
    const server = await startRedis({ name: 'sanity' });
    try {
      expect(server.isAlive()).toBe(true);
      await server.pause(300);
      const began = Date.now();
      await using(adminClient(server.port), async (c) => expect(await c.set('k', 'v')).toBe('OK'));
      expect(Date.now() - began).toBeGreaterThanOrEqual(200);
      server.kill('SIGSTOP'); // hung, not dead: stop() must still end it
    } finally {
      await server.stop();
    }
    expect(server.isAlive()).toBe(false);
  });


  it('startRedis says why a server did not come up', async () => {
    await expect(startRedis({ name: 'broken', args: ['--no-such-directive', 'x'] })).rejects.toThrow(
      /exited with code 1 before answering PING[\s\S]*Log tail:[\s\S]*no-such-directive/,
    );
  });

  it('cluster failover swaps master and replica', async () => {
    const cluster = await startCluster();
    try {
      const [master] = await cluster.masters();
      const entries = await using(adminClient(master!.port), async (c) =>
        parseClusterNodes(await callText(c, 'CLUSTER', 'NODES')),
      );
      const masterId = entries.find((e) => e.port === master!.port)!.id;
      const replica = entries.find((e) => e.masterId === masterId)!;

      await cluster.failover(replica.port);

      const masters = (await cluster.masters()).map((e) => e.port);
      const replicas = (await cluster.replicas()).map((e) => e.port);
      expect(masters).toContain(replica.port);
      expect(masters).not.toContain(master!.port);
      expect(replicas).toContain(master!.port);
      expect(await roleOf(replica)).toBe('master');
      expect(await roleOf(master!)).toBe('slave');

      // And back, without the old master's agreement.
      await cluster.failover(master!.port, 'takeover');
      expect(await roleOf(master!)).toBe('master');
      expect(await roleOf(replica)).toBe('slave');

      // A killed node drops out of the live view once the others flag it as failed.
      await cluster.killNode(replica.port);
      await waitFor(
        `replica ${replica.port} to be flagged as failed`,
        async () => ((await cluster.replicas()).some((e) => e.port === replica.port) ? undefined : true),
        { timeoutMs: 10_000 },
      );
      expect(await cluster.masters()).toHaveLength(3);
    } finally {
      await cluster.stop();
    }
    expect(cluster.nodes.every((n) => !n.isAlive())).toBe(true);
  });

  it('sentinel failover promotes the replica', async () => {
    const sentinel = await startSentinel();
    try {
      const promoted = await sentinel.failover();
      expect(promoted.port).toBe(sentinel.replica.port);
      expect(await sentinel.currentMaster()).toEqual(promoted);
      expect(await roleOf(sentinel.replica)).toBe('master');
      expect(await roleOf(sentinel.master)).toBe('slave');
    } finally {
      await sentinel.stop();
    }
    expect([sentinel.master, sentinel.replica, ...sentinel.sentinels].every((n) => !n.isAlive())).toBe(true);
  });
});
