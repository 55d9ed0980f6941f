// takeSnapshot on real single, Cluster and Sentinel servers, rendered to HTML and opened in headless
// Chromium: every section is there, the charts are drawn, nothing errors or loads from the network.
// Also: secrets and argument values stay out, refusals become "not available", names can be hashed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import type { Topology } from '../../src/connection/topology.js';
import type { SnapshotDocument, SnapshotOptions } from '../../src/core/snapshot/snapshot.js';
import { takeSnapshot } from '../../src/core/snapshot/snapshot.js';
import { renderSnapshotHtml, SNAPSHOT_SECTIONS } from '../../src/render/snapshot-html.js';
import { adminClient, startRedis } from '../fixtures/index.js';
import type { RedisProcess } from '../fixtures/index.js';
import { renderInChromium } from '../helpers/browser.js';
import { distinctPixelBytes } from '../helpers/png.js';
import { open, optionsFor, writeStrings } from '../helpers/purge-topologies.js';
import type { TopologyName } from '../helpers/purge-topologies.js';

const redis = inject('redis');
const dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-snapshot-'));
const opened: Topology[] = [];
const servers: RedisProcess[] = [];

afterAll(async () => {
  await Promise.all(opened.map((topology) => topology.close()));
  await Promise.all(servers.map((server) => server.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function options(overrides: Partial<SnapshotOptions> = {}): SnapshotOptions {
  return { durationMs: 2500, maxMs: 20_000, sampleMs: 500, keys: 'auto', namespaces: { delimiter: ':', depth: 5, collapse: true }, keepArgs: false, redactKeys: null, ...overrides };
}

async function seed(topology: Topology, prefix: string): Promise<void> {
  const keys = Array.from({ length: 60 }, (_, i) => Buffer.from(`${prefix}:user:${i}`));
  await writeStrings(topology, keys, () => 'v'.repeat(200), 600_000);
  await writeStrings(topology, Array.from({ length: 15 }, (_, i) => Buffer.from(`${prefix}:session:${i}`)), () => 'x');
}

/** Opens the HTML in Chromium and checks what a reader would: sections, drawn charts, a non-blank page. */
async function assertRendersCompletely(doc: SnapshotDocument, name: string): Promise<void> {
  const file = path.join(dir, `${name}.html`);
  writeFileSync(file, renderSnapshotHtml(doc, { generator: 'cachectl test' }));
  const page = await renderInChromium(file, async (p) => ({
    // The test's tsconfig has no DOM library: the browser-side callbacks describe what they touch.
    sections: await p.locator('main > section').evaluateAll((nodes) => nodes.map((node) => (node as unknown as { id: string }).id)),
    headings: await p.locator('main > section > h2').allTextContents(),
    paths: await p.locator('#charts svg path.series').evaluateAll((nodes) => nodes.map((node) => (node as unknown as { getAttribute(name: string): string | null }).getAttribute('d') ?? '')),
    pathBoxes: await p.locator('#charts svg path.series').evaluateAll((nodes) => nodes.map((node) => (node as unknown as { getBBox(): { width: number } }).getBBox().width)),
    bars: await p.locator('#namespaces svg rect.bar').count(),
    topologyText: await p.locator('#topology').innerText(),
  }));
  expect(page.errors).toEqual([]);
  expect(page.requests).toEqual([]);
  expect(page.result.sections).toEqual(SNAPSHOT_SECTIONS.map(([id]) => id));
  expect(page.result.headings).toEqual(SNAPSHOT_SECTIONS.map(([, heading]) => heading));
  // Four charts (ops, hit rate, latency, memory); latency and memory have a line per node at least.
  expect(page.result.paths.length).toBeGreaterThanOrEqual(2 * doc.nodes.length);
  for (const d of page.result.paths) expect(d).toMatch(/^M\d/);
  expect(Math.max(...page.result.pathBoxes)).toBeGreaterThan(100);
  if (doc.keyspace.available) expect(page.result.bars).toBeGreaterThan(0);
  else expect(page.result.bars).toBe(0);
  expect(distinctPixelBytes(page.screenshot)).toBeGreaterThan(20);
  if (doc.topology === 'cluster') expect(page.result.topologyText).toContain('cluster_state');
  if (doc.topology === 'sentinel') expect(page.result.topologyText).toContain(redis.sentinel.masterName);
}

describe.each<TopologyName>(['single', 'cluster', 'sentinel'])('snapshot of %s', (name) => {
  it('captures every node and renders every section in Chromium', async () => {
    const topology = await open(optionsFor(name, redis));
    opened.push(topology);
    await seed(topology, `snap-${name}`);
    const doc = await takeSnapshot(topology, options());
    const expectedNodes = topology.kind === 'standalone' ? 1 : topology.masters().length + topology.replicas().length;
    expect(doc.schemaVersion).toBe(1);
    expect(doc.nodes).toHaveLength(expectedNodes);
    for (const node of doc.nodes) {
      expect(node.status).toBe('up');
      expect(node.info.available && node.info.value.server?.redis_version).toBeTruthy();
      expect(node.config.available && node.config.value.removed).toContain('requirepass');
      expect(node.clients.available && node.clients.value.summary.total).toBeGreaterThan(0);
      expect(node.latencyDoctor.available).toBe(true);
      expect(node.memoryDoctor.available).toBe(true);
      expect(node.cluster === null).toBe(name !== 'cluster');
      expect(doc.recording.nodes[node.address]?.length).toBeGreaterThanOrEqual(3);
    }
    expect(doc.sentinels === null).toBe(name !== 'sentinel');
    if (doc.sentinels !== null) {
      expect(doc.sentinels.length).toBe(redis.sentinel.sentinels.length);
      const masters = doc.sentinels[0]!.masters;
      expect(masters.available && masters.value.map((m) => m.master.name)).toContain(redis.sentinel.masterName);
    }
    expect(doc.keyspace.available).toBe(true);
    if (doc.keyspace.available) {
      const names = doc.keyspace.value.report.namespaces.map((row) => row.namespace);
      expect(names).toContain(`snap-${name}`);
      expect(doc.keyspace.value.biggestKeys[0]?.key.key).toMatch(new RegExp(`^snap-${name}:user:`));
    }
    await assertRendersCompletely(doc, name);
  });
});

describe('what a snapshot leaves out', () => {
  it('removes CONFIG secrets and SLOWLOG values; --keep-args keeps them; --redact-keys hashes names', async () => {
    const server = await startRedis({ name: 'snapshot-secrets', args: ['--masterauth', 'm4sterSecret', '--slowlog-log-slower-than', '0', '--latency-monitor-threshold', '1'] });
    servers.push(server);
    const client = adminClient(server.port);
    onTestFinished(() => client.disconnect());
    // Written again before every snapshot: with the threshold at 0 every command is logged, and the
    // previous snapshot's own PINGs (top's probe, every 10 ms) push older entries past SLOWLOG GET 128.
    const writeSecrets = async () => {
      await client.set('patient:42:diagnosis', 'secret-value-123');
      await client.get('patient:42:diagnosis');
    };
    await writeSecrets();
    await client.call('DEBUG', 'SLEEP', '0.01').catch(() => undefined);
    const topology = await open({ ...optionsFor('single', redis), endpoints: [{ host: '127.0.0.1', port: server.port }] });
    opened.push(topology);

    const plain = JSON.stringify(await takeSnapshot(topology, options({ durationMs: 1000, sampleMs: 250 })));
    expect(plain).not.toContain('m4sterSecret');
    expect(plain).not.toContain('secret-value-123');
    expect(plain).toContain('patient:42:diagnosis'); // key names are included unless --redact-keys
    expect(plain).toContain('"masterauth"');

    await writeSecrets();
    const kept = JSON.stringify(await takeSnapshot(topology, options({ durationMs: 1000, sampleMs: 250, keepArgs: true })));
    expect(kept).toContain('secret-value-123');
    expect(kept).not.toContain('m4sterSecret');

    await writeSecrets();
    const hashed = await takeSnapshot(topology, options({ durationMs: 1000, sampleMs: 250, redactKeys: Buffer.from('k') }));
    const text = JSON.stringify(hashed);
    expect(text).not.toContain('patient');
    expect(text).not.toContain('secret-value-123');
    expect(hashed.redaction.keyNames).toBe('hashed');
    expect(hashed.keyspace.available && hashed.keyspace.value.biggestKeys[0]?.key.key).toMatch(/^key:[0-9a-f]{12}$/);
    const html = renderSnapshotHtml(hashed, { generator: 'test' });
    expect(html).toContain('Key names are hashed');
    expect(renderSnapshotHtml(JSON.parse(plain) as SnapshotDocument, { generator: 'test' })).toContain('This file contains key names');
  });

  it('records what an ACL user may not run as not available, and still completes', async () => {
    const { acl } = redis;
    const topology = await open({ ...optionsFor('single', redis), endpoints: [{ host: acl.host, port: acl.port }], username: acl.users.noperm.username, password: acl.users.noperm.password });
    opened.push(topology);
    const doc = await takeSnapshot(topology, options({ durationMs: 1000, sampleMs: 250, keys: 'never' }));
    const node = doc.nodes[0]!;
    expect(node.status).toBe('up');
    expect(node.info.available).toBe(true);
    for (const part of [node.config, node.slowlog, node.latency, node.clients]) {
      expect(part.available).toBe(false);
      if (!part.available) expect(part.reason).toMatch(/NOPERM|permission/i);
    }
    expect(doc.keyspace).toEqual({ available: false, reason: 'skipped: --no-keys' });
    await assertRendersCompletely(doc, 'acl');
  });
});
