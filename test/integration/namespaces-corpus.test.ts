// Namespace inference on the real-library corpus (test/corpus/), replayed into a private single
// server and a private 3-master Cluster: the tree must read like the map a person would draw
// (test/corpus/expected-groups.json), and every level must add up.
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../src/connection/topology.js';
import type { KeysReport, NamespaceRow } from '../../src/core/namespaces/keys-report.js';
import { buildKeysReport } from '../../src/core/namespaces/keys-report.js';
import { namespaceName, yearsAsIds } from '../../src/core/namespaces/namespace-key.js';
import { variableMatch } from '../../src/core/namespaces/namespaces.js';
import { startCluster, startSingleRedis } from '../fixtures/index.js';
import type { ClusterFixture, SingleRedis } from '../fixtures/index.js';
import type { CorpusKey, ExpectedGroup } from '../helpers/corpus.js';
import { expectedGroups, groupOf, loadCorpus, replayCorpus } from '../helpers/corpus.js';
import { openTopology } from '../helpers/scan.js';
import { runTtlAudit } from '../../src/core/audit/ttl-audit.js';
import { buildRules, parseTtlPolicy } from '../../src/core/audit/ttl-policy.js';
import { globMatch } from '../../src/base/glob.js';
import { renderAuditJunit } from '../../src/render/audit-junit.js';
import { renderAuditMarkdown } from '../../src/render/audit-markdown.js';
import { disposePlan, planPurge } from '../../src/core/purge/plan.js';

const NAMESPACES = { delimiter: ':', depth: 5, collapse: true };

/** The library a row's label names, for per-library counts. */
export function libraryOfLabel(label: string): string {
  if (label.startsWith('BullMQ')) return 'bullmq';
  if (label.startsWith('Bull ')) return 'bull';
  if (label.startsWith('Keyv')) return 'keyv';
  if (label === 'rate limiter (rate-limit-redis)') return 'rate-limit-redis';
  if (label.startsWith('rate limiter')) return 'rate-limiter-flexible';
  if (label.startsWith('socket.io')) return 'socket.io';
  return label.split(' ')[0]!;
}

function allRows(rows: readonly NamespaceRow[]): NamespaceRow[] {
  return rows.flatMap((row) => [row, ...allRows(row.children)]);
}

/** Every level: keys = own keys + children + what --top left out. */
function expectAddsUp(report: KeysReport): void {
  const top = report.namespaces.reduce((sum, row) => sum + row.keys, 0) + (report.remainder?.keys ?? 0);
  expect(top).toBe(report.scanned);
  for (const row of allRows(report.namespaces)) {
    const parts = row.ownKeys + row.children.reduce((sum, child) => sum + child.keys, 0) + (row.remainder?.keys ?? 0);
    expect(parts, row.namespace).toBe(row.keys);
  }
}

const corpus: CorpusKey[] = loadCorpus();
const expected = expectedGroups();
const groupFor = groupOf(expected.groups);

interface Target {
  name: string;
  topology: () => Topology;
  /** A client that writes to the target (for keys added by one test and removed again). */
  writer: () => Redis | Cluster;
}

let single: SingleRedis;
let cluster: ClusterFixture;
let singleTopology: Topology;
let clusterTopology: Topology;

beforeAll(async () => {
  [single, cluster] = await Promise.all([startSingleRedis(), startCluster({ masters: 3, replicasPerMaster: 0 })]);
  const writer = new Redis({ port: single.port, host: single.host, enableAutoPipelining: true });
  const clusterWriter = new Cluster(cluster.seeds, { enableAutoPipelining: true, redisOptions: { protocol: 2 } });
  await Promise.all([replayCorpus(writer, corpus), replayCorpus(clusterWriter, corpus)]);
  writer.disconnect();
  clusterWriter.disconnect();
  singleTopology = await openTopology({ kind: 'single', endpoint: single });
  clusterTopology = await openTopology({ kind: 'cluster', seeds: cluster.seeds });
}, 180_000);

afterAll(async () => {
  await singleTopology?.close();
  await clusterTopology?.close();
  await Promise.all([single?.stop(), cluster?.stop()]);
});

const targets: Target[] = [
  { name: 'single', topology: () => singleTopology, writer: () => new Redis({ port: single.port, host: single.host, enableAutoPipelining: true }) },
  { name: 'cluster', topology: () => clusterTopology, writer: () => new Cluster(cluster.seeds, { enableAutoPipelining: true, redisOptions: { protocol: 2 } }) },
];

describe.each(targets)('the real-library corpus on $name', (target) => {
  let full: KeysReport;
  beforeAll(async () => {
    full = await buildKeysReport(target.topology(), { scan: { wantType: true, wantTtl: true, wantMemory: false }, namespaces: NAMESPACES, sort: 'keys', top: 10_000 });
  }, 120_000);

  it('scans every key', () => {
    expect(full.status).toBe('complete');
    expect(full.scanned).toBe(expected.keys);
  });

  it('has at most 3x as many leaf namespaces as expected groups, and no group split over more than 3 rows', () => {
    const leaves = allRows(full.namespaces).filter((row) => row.children.length === 0 && row.remainder === null);
    expect(leaves.length).toBeLessThanOrEqual(3 * expected.groups.length);
    // Each key's leaf row: its own name, or the ‹var› row its name was rolled into.
    const rowsByName = new Map(allRows(full.namespaces).map((row) => [row.namespace, row]));
    const variableRows = [...rowsByName.values()].filter((row) => row.namespace.includes('‹var›'));
    const rowsOfGroup = new Map<ExpectedGroup, Set<string>>();
    for (const { key } of corpus) {
      const name = namespaceName(key, NAMESPACES);
      const row = rowsByName.get(name) ?? rowsByName.get(yearsAsIds(name)) ?? variableRows.find((candidate) => variableMatch(name, candidate.namespace));
      expect(row, name).toBeDefined();
      const group = groupFor(key);
      let rows = rowsOfGroup.get(group);
      if (rows === undefined) rowsOfGroup.set(group, (rows = new Set()));
      rows.add(row!.namespace);
    }
    for (const [group, rows] of rowsOfGroup) expect([...rows], group.name).toHaveLength(Math.min(rows.size, 3));
    // The patterned groups land exactly where a person would put them.
    for (const group of expected.groups.filter((candidate) => candidate.name.includes('‹'))) {
      const row = rowsByName.get(group.name);
      expect(row?.ownKeys, group.name).toBe(group.keys);
    }
  });

  it('labels the known layouts, with exact key and no-TTL counts per library', () => {
    const byLibrary = new Map<string, { keys: number; noTtl: number }>();
    const visit = (row: NamespaceRow) => {
      if (row.label !== null) {
        const library = libraryOfLabel(row.label);
        const sum = byLibrary.get(library) ?? { keys: 0, noTtl: 0 };
        sum.keys += row.keys;
        sum.noTtl += row.noTtl;
        byLibrary.set(library, sum);
        return; // the outermost label covers its subtree
      }
      row.children.forEach(visit);
    };
    full.namespaces.forEach(visit);
    const want = new Map<string, { keys: number; noTtl: number }>();
    for (const group of expected.groups) {
      if (group.library === 'app') continue;
      const sum = want.get(group.library) ?? { keys: 0, noTtl: 0 };
      sum.keys += group.keys;
      sum.noTtl += group.noTtl;
      want.set(group.library, sum);
    }
    expect(Object.fromEntries(byLibrary)).toEqual(Object.fromEntries(want));
  });

  it('adds up at every level, with remainder rows where --top cuts', async () => {
    expectAddsUp(full);
    const cut = await buildKeysReport(target.topology(), { scan: { wantType: true, wantTtl: true, wantMemory: true, samples: 0 }, namespaces: NAMESPACES, sort: 'keys', top: 3 });
    expect(cut.remainder).not.toBeNull();
    expect(allRows(cut.namespaces).some((row) => row.remainder !== null)).toBe(true);
    expectAddsUp(cut);
    // Memory adds up too: the remainder carries the bytes of what it stands for.
    const memory = cut.namespaces.reduce((sum, row) => sum + (row.memoryBytes ?? 0), 0) + (cut.remainder?.memoryBytes ?? 0);
    expect(memory).toBe(cut.memoryBytes);
  });

  it('gives the purge plan a breakdown that adds up to the plan, and warns when it deletes job hashes a queue still references', async () => {
    const whole = await planPurge(target.topology(), Buffer.from('bull:*'), { topNamespaces: 3, memory: 'none' });
    try {
      const listed = whole.namespaces.reduce((sum, row) => sum + row.keys, 0);
      expect(listed + (whole.namespaceRemainder?.keys ?? 0)).toBe(whole.matched);
      expect(whole.matched).toBe(expected.groups.filter((group) => group.library === 'bullmq').reduce((sum, group) => sum + group.keys, 0));
      // The job hashes are the plan's largest part, and are listed though they have :logs children.
      expect(whole.namespaces[0]).toMatchObject({ namespace: 'bull:reports:‹id›', keys: 3200 });
      expect(whole.notices.some((notice) => notice.includes('job keys'))).toBe(false);
    } finally {
      disposePlan(whole);
    }
    const jobsOnly = await planPurge(target.topology(), Buffer.from('bull:reports:1*'), { memory: 'none' });
    try {
      expect(jobsOnly.notices.some((notice) => notice.includes('of the BullMQ/Bull queue "reports"'))).toBe(true);
    } finally {
      disposePlan(jobsOnly);
    }
  });

  it('ranks audit-ttl offenders by grouped namespace, worst first, and keeps JUnit and Markdown small', async () => {
    const worstOf = (groups: readonly ExpectedGroup[]) => [...groups].sort((a, b) => b.noTtl - a.noTtl)[0]!;
    const plain = await runTtlAudit(target.topology(), { scan: {}, rules: buildRules({}), namespaces: NAMESPACES, gate: { failIfEmpty: false } });
    expect(plain.verdict.result).toBe('fail');
    expect(plain.namespaces[0]).toMatchObject({ namespace: worstOf(expected.groups).name, violations: worstOf(expected.groups).noTtl });
    // With the queue presets, queue keys are exempt and the application's own keys lead.
    const policy = parseTtlPolicy(JSON.stringify({ ttlPolicy: { presets: ['bullmq', 'kue', 'node-resque', 'bee-queue', 'bottleneck', 'socket.io'] } }), 'policy.json')!;
    const rules = buildRules({ policy });
    const exempt = (name: string) => rules.some((rule) => rule.source === 'allow' && globMatch(Buffer.from(rule.match[0]!), Buffer.from(name)));
    const withPresets = await runTtlAudit(target.topology(), { scan: {}, rules, namespaces: NAMESPACES, gate: { failIfEmpty: false } });
    const worst = worstOf(expected.groups.filter((group) => !exempt(group.name)));
    expect(worst.name).toBe('app:v2:user:‹id›:settings');
    const first = withPresets.namespaces.find((row) => row.violations > 0);
    expect(first).toMatchObject({ namespace: worst.name, violations: worst.noTtl });
    const junit = renderAuditJunit(plain, new Date(0), { namespaceCases: 10 });
    expect((junit.match(/<testcase /g) ?? []).length).toBeLessThanOrEqual(plain.rules.length + 10);
    expect(junit.length).toBeLessThan(20_000);
    expect(renderAuditMarkdown(plain).length).toBeLessThan(60_000);
  });

  it('rolls an unknown layout’s many one-key offenders into one audit row, first, with the types of its keys', async () => {
    const writer = target.writer();
    // More than the corpus' worst offender (3,200 BullMQ job hashes), one key per tenant.
    const tenants = Array.from({ length: 4000 }, (_, i) => `tenants:acme-${String(i).padStart(4, '0')}-xyz:cfg`);
    try {
      await Promise.all(tenants.map((key) => writer.hset(key, 'plan', 'pro')));
      const report = await runTtlAudit(target.topology(), { scan: {}, rules: buildRules({}), namespaces: NAMESPACES, gate: { failIfEmpty: false } });
      expect(report.namespaces[0]).toMatchObject({ namespace: 'tenants:‹var›:cfg', keys: tenants.length, violations: tenants.length, distinctValues: tenants.length, flaggedTypes: { hash: tenants.length } });
      // The corpus' worst offender keeps its place behind it, typed too.
      const worst = [...expected.groups].sort((a, b) => b.noTtl - a.noTtl)[0]!;
      expect(report.namespaces[1]).toMatchObject({ namespace: worst.name, violations: worst.noTtl });
      expect(Object.values(report.namespaces[1]!.flaggedTypes).reduce((sum, n) => sum + n, 0)).toBe(worst.noTtl);
      // The audit groups the way `keys` does: the same row name there.
      const keys = await buildKeysReport(target.topology(), { scan: { match: Buffer.from('tenants:*'), wantType: true, wantTtl: true, wantMemory: false }, namespaces: NAMESPACES, sort: 'keys', top: 10 });
      expect(allRows(keys.namespaces).find((row) => row.namespace === 'tenants:‹var›:cfg')?.keys).toBe(tenants.length);
    } finally {
      await Promise.all(tenants.map((key) => writer.del(key)));
      writer.disconnect();
    }
  });

  it('keeps a literal hash tag apart from the inferred placeholders, segment by segment', () => {
    const bull = allRows(full.namespaces).find((row) => row.namespace === '{bull}:thumbnails:‹id›');
    expect(bull?.segments).toEqual([
      { text: '{bull}', inferred: false },
      { text: 'thumbnails', inferred: false },
      { text: '‹id›', inferred: true },
    ]);
  });
});
