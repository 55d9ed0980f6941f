// The scan engine and the keys report against the shared single node, Cluster and Sentinel
// fixtures: what they report must be exactly what the servers hold.
import { Cluster } from 'ioredis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Topology } from '../../src/connection/topology.js';
import type { KeysReport, NamespaceRow } from '../../src/core/namespaces/keys-report.js';
import { buildKeysReport } from '../../src/core/namespaces/keys-report.js';
import type { ScanOptions } from '../../src/core/scan/scan.js';
import { TTL_NONE } from '../../src/core/scan/scan-batch.js';
import { adminClient } from '../fixtures/index.js';
import type { Endpoint } from '../fixtures/index.js';
import type { TopologySpec } from '../helpers/scan.js';
import { hexOf, openTopology, runScan, uniquePrefix } from '../helpers/scan.js';
import type { SeedKey } from '../helpers/seed.js';
import {
  BINARY_NAME,
  clusterRoles,
  commandCalls,
  deleteKeys,
  GLOB_NAME,
  onEach,
  seedKeys,
  serverCount,
  SESSION_KEYS,
  TAG_KEYS,
  USER_KEYS,
  writeKeys,
} from '../helpers/seed.js';

const redis = inject('redis');

interface Target {
  name: 'single' | 'cluster' | 'sentinel';
  spec: TopologySpec;
  writer(): Redis | Cluster;
  masters(): Promise<Endpoint[]>;
  replicas(): Promise<Endpoint[]>;
}

const targets: Target[] = [
  {
    name: 'single',
    spec: { kind: 'single', endpoint: redis.single },
    writer: () => adminClient(redis.single.port),
    masters: async () => [redis.single],
    replicas: async () => [],
  },
  {
    name: 'cluster',
    spec: { kind: 'cluster', seeds: redis.cluster.seeds },
    writer: () => new Cluster(redis.cluster.seeds, { redisOptions: { protocol: 2 } }),
    masters: async () => (await clusterRoles(redis.cluster.seeds[0]!)).masters,
    replicas: async () => (await clusterRoles(redis.cluster.seeds[0]!)).replicas,
  },
  {
    name: 'sentinel',
    spec: { kind: 'sentinel', sentinels: redis.sentinel.sentinels, masterName: redis.sentinel.masterName },
    writer: () => adminClient(redis.sentinel.master.port),
    masters: async () => [redis.sentinel.master],
    replicas: async () => [redis.sentinel.replica],
  },
];

const FULL: Omit<ScanOptions, 'match'> = { wantType: true, wantTtl: true, wantMemory: true };

/** The row at a path of segments below the report's top level. */
function rowAt(report: KeysReport, ...segments: string[]): NamespaceRow | undefined {
  let rows = report.namespaces;
  let found: NamespaceRow | undefined;
  let name = '';
  for (const segment of segments) {
    name = name === '' ? segment : `${name}:${segment}`;
    found = rows.find((row) => row.namespace === name);
    rows = found?.children ?? [];
  }
  return found;
}

/** Makes every glob character of a literal match only itself. */
const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);

/** Seeds the known keyspace under a fresh prefix before the tests of a describe block, and removes it after. */
function seededTopology(target: Target, label: string): { prefix: string; seeded: SeedKey[]; topology: () => Topology } {
  const prefix = uniquePrefix(label);
  const seeded = seedKeys(prefix);
  let writer: Redis | Cluster | undefined;
  let topology: Topology | undefined;

  beforeAll(async () => {
    writer = target.writer();
    await writeKeys(writer, seeded);
    // Replicas must hold the keys before --replica scans them.
    if ((await target.replicas()).length > 0) await onEach(await target.masters(), (client) => client.call('WAIT', '1', '2000'));
    topology = await openTopology(target.spec);
  });

  afterAll(async () => {
    await topology?.close();
    if (writer !== undefined) {
      await deleteKeys(writer, seeded);
      writer.disconnect();
    }
  });
  return { prefix, seeded, topology: () => topology! };
}

describe.each(targets)('scan on $name', (target) => {
  const { prefix, seeded, topology: opened } = seededTopology(target, `scan${target.name}`);
  const match = Buffer.from(`${prefix}:*`);
  let topology: Topology;
  beforeAll(() => {
    topology = opened();
  });

  it('reports every key once, byte for byte, with the type, TTL and memory the server has for it', async () => {
    const outcome = await runScan(topology, { ...FULL, match });
    expect(outcome.reported).toBe(seeded.length);
    expect([...outcome.keys.keys()].sort()).toEqual(seeded.map((entry) => hexOf(entry.key)).sort());
    for (const entry of seeded) {
      const scanned = outcome.keys.get(hexOf(entry.key))!;
      expect(scanned.type, entry.key.toString()).toBe(entry.type);
      if (entry.ttlMs === undefined) expect(scanned.ttl).toBe(TTL_NONE);
      else expect(scanned.ttl).toBeGreaterThan(entry.ttlMs - 60_000);
      expect(scanned.ttl).toBeLessThanOrEqual(entry.ttlMs ?? TTL_NONE);
    }
    // Memory as MEMORY USAGE reports it, asked of the node that reported the key.
    for (const entry of seeded.filter((_, i) => i % 7 === 0 || _.namespace.startsWith('bin') || _.namespace.startsWith('glob'))) {
      const scanned = outcome.keys.get(hexOf(entry.key))!;
      const port = Number(scanned.node.split(':').at(-1));
      const [usage] = await onEach([{ host: '127.0.0.1', port }], (client) => client.call('MEMORY', 'USAGE', entry.key, 'SAMPLES', '5'));
      expect(scanned.memory, entry.key.toString()).toBe(Number(usage));
    }
    const starts = outcome.events.filter((event) => event.kind === 'node-start');
    const done = outcome.events.filter((event) => event.kind === 'node-done');
    expect(starts).toHaveLength((await target.masters()).length);
    expect(done).toHaveLength(starts.length);
    expect(outcome.events.filter((event) => event.kind === 'notice' || event.kind === 'node-failed' || event.kind === 'node-restart')).toEqual([]);
  });

  it('counts keys per namespace exactly as the server holds them', async () => {
    const report = await buildKeysReport(topology, {
      scan: { ...FULL, match },
      namespaces: { delimiter: ':', depth: 5, collapse: true },
      sort: 'keys',
      top: 50,
    });
    const masters = await target.masters();
    const expectations: [string[], string | Buffer, number][] = [
      [['user', '‹id›', 'profile'], `${prefix}:user:*:profile`, USER_KEYS],
      [['session', '‹id›'], `${prefix}:session:*`, SESSION_KEYS],
      [['tags', '‹id›'], `${prefix}:tags:*`, TAG_KEYS],
      [['queue'], `${prefix}:queue`, 1],
      [['bin', '‹bin›'], `${prefix}:bin:*`, 1],
      [['nl', '‹bin›'], `${prefix}:nl:*`, 1],
      [['glob', GLOB_NAME], `${prefix}:glob:*`, 1],
    ];
    for (const [path, pattern, seededCount] of expectations) {
      const onServer = await serverCount(masters, pattern);
      expect(onServer, String(pattern)).toBe(seededCount);
      expect(rowAt(report, prefix, ...path)?.keys, path.join(':')).toBe(onServer);
    }
    expect(report.status).toBe('complete');
    expect(report.scanned).toBe(seeded.length);
    expect(report.vanished).toBe(0);
    expect(report.namespaceCount).toBe(expectations.length);
    expect(report.nodes.every((node) => node.status === 'done')).toBe(true);
    expect(report.nodes.reduce((sum, node) => sum + node.scanned, 0)).toBe(seeded.length);
    if (target.name === 'cluster') expect(report.nodes.filter((node) => node.scanned > 0).length).toBeGreaterThan(1);

    const top = rowAt(report, prefix)!;
    expect(top.keys).toBe(seeded.length);
    expect(top.keysShare).toBe(1);
    expect(top.noTtl).toBe(SESSION_KEYS + 4);
    expect(report.noTtl).toBe(SESSION_KEYS + 4);
    const user = rowAt(report, prefix, 'user')!;
    expect(user.keysShare).toBeCloseTo(USER_KEYS / seeded.length, 10);
    expect(user.types).toEqual({ hash: USER_KEYS });
    expect(user.noTtl).toBe(0);
    expect(user.ttl!.maxMs).toBeLessThanOrEqual(3_600_000 + USER_KEYS * 1000);
    expect(user.ttl!.minMs).toBeGreaterThan(3_600_000 - 60_000);
    expect(user.ttl!.p50Ms).toBeGreaterThanOrEqual(user.ttl!.minMs);
    expect(user.ttl!.p50Ms).toBeLessThanOrEqual(user.ttl!.maxMs);
    expect(user.memoryBytes).toBeGreaterThan(0);
    expect(user.memoryShare! + rowAt(report, prefix, 'session')!.memoryShare!).toBeLessThan(1);
    expect(rowAt(report, prefix, 'session', '‹id›')!.noTtl).toBe(SESSION_KEYS);
    // The example of a binary namespace keeps its exact bytes.
    const binExample = rowAt(report, prefix, 'bin', '‹bin›')!.example!;
    expect(Buffer.from(binExample.keyBase64!, 'base64').equals(Buffer.concat([Buffer.from(`${prefix}:bin:`), BINARY_NAME]))).toBe(true);
  });

  it('filters with MATCH byte for byte (escaped glob characters, newlines, binary) and with TYPE', async () => {
    const only = async (options: Partial<ScanOptions>): Promise<string[]> =>
      [...(await runScan(topology, { ...FULL, match, ...options })).keys.keys()].map((hex) => Buffer.from(hex, 'hex').toString('latin1'));
    const latin1 = (entry: SeedKey): string => entry.key.toString('latin1');
    const named = (namespace: string): string[] => seeded.filter((entry) => entry.namespace === namespace).map(latin1);

    expect(await only({ match: Buffer.from(`${prefix}:glob:${escapeGlob(GLOB_NAME)}`) })).toEqual(named(`glob:${GLOB_NAME}`));
    // Unescaped, the same characters are a pattern: `[]` matches nothing, so no key.
    expect(await only({ match: Buffer.from(`${prefix}:glob:${GLOB_NAME}`) })).toEqual([]);
    expect(await only({ match: Buffer.from(`${prefix}:nl:line1?line2`) })).toEqual(named('nl:‹bin›'));
    expect(await only({ match: Buffer.concat([Buffer.from(`${prefix}:bin:`), BINARY_NAME.subarray(0, 1), Buffer.from('*')]) })).toEqual(named('bin:‹bin›'));
    expect((await only({ type: 'hash' })).sort()).toEqual(named('user:‹id›:profile').sort());
    expect((await only({ type: 'set' })).sort()).toEqual(named('tags:‹id›').sort());
    expect(await only({ type: 'list' })).toEqual(named('queue'));
    expect(await only({ type: 'stream' })).toEqual([]);
  });

  it('reports the same through pipelines (--no-scripts) as through the script', async () => {
    const scripted = await runScan(topology, { ...FULL, match, readPath: 'script' });
    // ioredis pipelines (read-paths.test.ts compares the lean pipe, --no-scripts' default, too).
    const piped = await runScan(topology, { ...FULL, match, noScripts: true, readPath: 'pipeline' });
    expect(piped.reported).toBe(seeded.length);
    expect(piped.maxServerMicros).toBeLessThan(0); // no server timing without scripts: proof the pipeline path ran
    for (const [hex, viaScript] of scripted.keys) {
      const viaPipeline = piped.keys.get(hex);
      expect(viaPipeline?.type).toBe(viaScript.type);
      expect(viaPipeline?.memory).toBe(viaScript.memory);
      expect(Math.sign(viaPipeline!.ttl)).toBe(Math.sign(viaScript.ttl));
    }
  });

  it('stops at exactly --limit keys, however many nodes scan at once', async () => {
    const outcome = await runScan(topology, { ...FULL, match, limit: 31 });
    expect(outcome.reported).toBe(31);
    expect(outcome.keys.size).toBe(31);
    const report = await buildKeysReport(topology, {
      scan: { ...FULL, match, limit: 31 },
      namespaces: { delimiter: ':', depth: 2, collapse: true },
      sort: 'keys',
      top: 10,
    });
    expect(report.sampled).toBe(true);
    expect(report.scanned).toBe(31);
    // With MATCH the sample is an unknown share of the keyspace: nothing is extrapolated.
    expect(rowAt(report, prefix)?.estimatedKeys).toBeUndefined();
  });
});

describe.each(targets.filter((target) => target.name !== 'single'))('--replica on $name', (target) => {
  const { prefix, seeded, topology } = seededTopology(target, `replica${target.name}`);

  it.each([
    ['the script', 'script' as const],
    ['the lean pipe (READONLY on its own connection)', 'lean' as const],
  ])('scans the replicas (with %s, all keys enriched) and sends no SCAN to the masters', async (_how, readPath) => {
    const masters = await target.masters();
    const replicas = await target.replicas();
    const calls = async (nodes: Endpoint[]) => Promise.all(nodes.map((node) => commandCalls(node, 'scan')));
    const mastersBefore = await calls(masters);
    const replicasBefore = await calls(replicas);

    const outcome = await runScan(topology(), { ...FULL, match: Buffer.from(`${prefix}:*`), replica: true, readPath });

    expect(outcome.reported).toBe(seeded.length);
    for (const entry of seeded) expect(outcome.keys.get(hexOf(entry.key))?.type).toBe(entry.type);
    // Timed inside the script only.
    if (readPath === 'script') expect(outcome.maxServerMicros).toBeGreaterThan(0);
    expect(outcome.events.filter((event) => event.kind !== 'node-start' && event.kind !== 'node-done')).toEqual([]);
    const scannedNodes = new Set(outcome.events.flatMap((event) => (event.kind === 'node-start' ? [event.node] : [])));
    expect(scannedNodes).toEqual(new Set(replicas.map((replica) => `${replica.host}:${replica.port}`)));

    expect(await calls(masters)).toEqual(mastersBefore);
    const replicasAfter = await calls(replicas);
    replicas.forEach((_, i) => expect(replicasAfter[i]!).toBeGreaterThan(replicasBefore[i]!));
  });
});

describe('ACL users that may not run scripts or MEMORY', () => {
  const { port, users } = redis.acl;
  const prefix = uniquePrefix('scanacl');
  const seeded = seedKeys(prefix);
  // Scripts allowed, MEMORY not: the refusal comes from inside the script.
  const scriptOnly = { username: `${prefix}user`, password: 'scriptonlypass' };
  let admin: Redis;

  beforeAll(async () => {
    admin = adminClient(port, users.admin);
    await writeKeys(admin, seeded);
    await admin.call('ACL', 'SETUSER', scriptOnly.username, 'on', `>${scriptOnly.password}`, '~*', '&*', '+@all', '-memory');
  });

  afterAll(async () => {
    await deleteKeys(admin, seeded);
    await admin.call('ACL', 'DELUSER', scriptOnly.username);
    admin.disconnect();
  });

  it.each([
    ['limited (no @scripting, no MEMORY), scripts asked for', users.limited, 'script' as const, /scripting is not permitted.*NOPERM/],
    ['scripts but no MEMORY, scripts asked for', scriptOnly, 'script' as const, /scripting is not permitted.*can't run this command/],
    // Over the lean pipe no script is tried: only the missing memory is worth a notice.
    ['limited (no @scripting, no MEMORY), default path', users.limited, undefined, undefined],
  ])('%s: the report still works, minus memory, with a notice', async (_, credentials, readPath, scriptNotice) => {
    const topology = await openTopology({ kind: 'single', endpoint: { host: '127.0.0.1', port } }, credentials);
    try {
      const report = await buildKeysReport(topology, {
        scan: { ...FULL, match: Buffer.from(`${prefix}:*`), ...(readPath === undefined ? {} : { readPath }) },
        namespaces: { delimiter: ':', depth: 5, collapse: true },
        sort: 'memory',
        top: 20,
      });
      expect(report.status).toBe('complete');
      expect(report.scanned).toBe(seeded.length);
      expect(rowAt(report, prefix, 'user', '‹id›', 'profile')?.keys).toBe(USER_KEYS);
      expect(rowAt(report, prefix, 'user')?.types).toEqual({ hash: USER_KEYS });
      expect(rowAt(report, prefix, 'session')?.noTtl).toBe(SESSION_KEYS);
      expect(rowAt(report, prefix, 'user')?.ttl?.minMs).toBeGreaterThan(0);
      expect(report.memoryBytes).toBeNull();
      expect(rowAt(report, prefix)?.memoryBytes).toBeNull();
      expect(rowAt(report, prefix)?.memoryShare).toBeNull();
      const memoryNotice = scriptNotice === undefined ? 0 : 1;
      expect(report.notices).toHaveLength(memoryNotice + 1);
      if (scriptNotice !== undefined) expect(report.notices[0]).toMatch(scriptNotice);
      expect(report.notices[memoryNotice]).toMatch(/MEMORY USAGE is not permitted on 127\.0\.0\.1:\d+; memory figures are missing/);
    } finally {
      await topology.close();
    }
  });
});
