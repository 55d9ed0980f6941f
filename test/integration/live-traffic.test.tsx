// `top`'s namespace panel on a real server: the live sampler counts a known load mix exactly while
// the panel is open, finds the stampede, never changes a setting, refuses a busy node before MONITOR
// starts, and leaves no MONITOR connection behind once the panel is closed.
import type { Redis } from 'ioredis';
import { render } from 'ink-testing-library';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { connect } from '../../src/connection/connect.js';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import type { Topology } from '../../src/connection/topology.js';
import { namespaceSegments } from '../../src/core/namespaces/namespace-key.js';
import type { LiveTrafficOptions } from '../../src/core/traffic/live-traffic.js';
import { LiveTraffic } from '../../src/core/traffic/live-traffic.js';
import { TopApp } from '../../src/tui/top/TopApp.js';
import { adminClient, startRedis, waitFor, type RedisProcess } from '../fixtures/index.js';
import { nodeRow, snapshotOf } from '../helpers/dashboard-rows.js';
import { SnapshotSource } from '../helpers/snapshot-source.js';
import { runLoadMix, seedLoad } from '../helpers/traffic-load.js';
import { UI_WAIT } from '../helpers/ui-wait.js';

const NAMESPACES = { delimiter: ':', depth: 5, collapse: true };
const namespaceOf = (key: string) => namespaceSegments(Buffer.from(key), NAMESPACES).join(':');

const servers: RedisProcess[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await Promise.all(servers.map((server) => server.stop()));
});

async function privateServer(notifyFlags: string): Promise<{ server: RedisProcess; admin: Redis; topology: Topology }> {
  const server = await startRedis({ name: 'live-traffic' });
  servers.push(server);
  const admin = adminClient(server.port);
  closers.push(() => admin.quit());
  await admin.call('CONFIG', 'SET', 'notify-keyspace-events', notifyFlags);
  const topology = await connect({ ...defaultConnectionOptions(), endpoints: [{ host: server.host, port: server.port }], timeoutMs: 3000 });
  closers.push(() => topology.close());
  return { server, admin, topology };
}

function options(overrides: Partial<LiveTrafficOptions> = {}): LiveTrafficOptions {
  return { db: 0, namespaces: NAMESPACES, maxOpsPerSec: 1_000_000, maxBufferBytes: 32 * 1024 * 1024, ...overrides };
}

async function monitorClients(admin: Redis): Promise<number> {
  const list = String(await admin.call('CLIENT', 'LIST'));
  return list.split('\n').filter((line) => / cmd=monitor /.test(line)).length;
}

describe('LiveTraffic (top namespace panel sampler)', () => {
  it('counts a known mix exactly while open, with hit rates where key-miss events are on, and closes its MONITOR', async () => {
    const { admin, topology } = await privateServer('Em');
    const load = adminClient(topology.masters()[0]!.endpoint.port);
    closers.push(() => load.quit());
    await seedLoad(load, 'live');
    const live = new LiveTraffic(topology.masters()[0]!, options());
    live.start();
    await waitFor('the sampler to start', async () => (live.view().state === 'sampling' ? true : undefined), { timeoutMs: 10_000 });
    expect(await monitorClients(admin)).toBe(1);
    const truth = await runLoadMix(load, 'live', namespaceOf);
    // MONITOR lines and key-miss events arrive after the replies, on two connections: wait until every
    // read and every miss of the mix has been counted (a live panel has no end-of-window marker).
    const expectedReads = [...truth.namespaces.values()].reduce((sum, entry) => sum + entry.reads, 0);
    const expectedMisses = [...truth.namespaces.values()].reduce((sum, entry) => sum + entry.reads - entry.hits, 0);
    await waitFor('every read and miss to be counted', async () => {
      const { totals } = live.view();
      return totals.reads >= expectedReads && (totals.misses ?? 0) >= expectedMisses ? true : undefined;
    }, { timeoutMs: 10_000 });
    const view = live.view();
    expect(view.hitRates).toBe(true);
    for (const [namespace, expected] of truth.namespaces) {
      const row = view.namespaces.find((candidate) => candidate.namespace === namespace);
      expect(row, namespace).toBeDefined();
      expect(row!.reads, namespace).toBe(expected.reads);
      expect(row!.writes, namespace).toBe(expected.writes);
      if (expected.reads > 0) expect(Math.abs(row!.hitRate! - expected.hits / expected.reads), namespace).toBeLessThanOrEqual(0.02);
    }
    expect(view.stampedes.map((s) => s.key.toString())).toContain(truth.stampedeKey);
    expect(view.elapsedMs).toBeGreaterThan(0);
    await live.close();
    expect(live.view().state).toBe('stopped');
    expect(live.view().reason).toBeUndefined();
    await waitFor('the MONITOR connection to be gone', async () => ((await monitorClients(admin)) === 0 ? true : undefined), { timeoutMs: 5000 });
    expect(String(((await admin.call('CONFIG', 'GET', 'notify-keyspace-events')) as string[])[1])).toMatch(/^[Em]+$/);
  });

  it('never turns key-miss events on: reads and writes only, and says why there is no hit rate', async () => {
    const { admin, topology } = await privateServer('');
    const live = new LiveTraffic(topology.masters()[0]!, options());
    live.start();
    await waitFor('the sampler to start', async () => (live.view().state === 'sampling' ? true : undefined), { timeoutMs: 10_000 });
    const load = adminClient(topology.masters()[0]!.endpoint.port);
    closers.push(() => load.quit());
    for (let i = 0; i < 50; i++) await load.get(`page:${i}`);
    await waitFor('the reads to be counted', async () => (live.view().totals.reads >= 50 ? true : undefined), { timeoutMs: 10_000 });
    const view = live.view();
    expect(view.hitRates).toBe(false);
    expect(view.totals.hitRate).toBeNull();
    expect(view.node.missEventsReason).toMatch(/key-miss events off/);
    await live.close();
    expect(String(((await admin.call('CONFIG', 'GET', 'notify-keyspace-events')) as string[])[1])).toBe('');
  });

  it('refuses a node busier than --max-ops before MONITOR starts, and says so', async () => {
    const { admin, topology } = await privateServer('');
    const load = adminClient(topology.masters()[0]!.endpoint.port);
    closers.push(() => load.quit());
    let busy = true;
    const loop = (async () => {
      while (busy) await Promise.all(Array.from({ length: 50 }, (_, i) => load.get(`busy:${i}`)));
    })();
    try {
      await waitFor('the load to show in INFO', async () => (Number(/instantaneous_ops_per_sec:(\d+)/.exec(await admin.info('stats'))?.[1]) > 100 ? true : undefined), { timeoutMs: 10_000 });
      const live = new LiveTraffic(topology.masters()[0]!, options({ maxOpsPerSec: 10 }));
      live.start();
      await waitFor('the refusal', async () => (live.view().state === 'stopped' ? true : undefined), { timeoutMs: 10_000 });
      expect(live.view().reason).toMatch(/ops\/s is above --max-ops 10/);
      expect(await monitorClients(admin)).toBe(0);
      await live.close();
    } finally {
      busy = false;
      await loop;
    }
  });

  it('in top: n opens the panel for the selected node and sampling stops when it is left', async () => {
    const { admin, topology } = await privateServer('');
    const address = topology.masters()[0]!.address;
    const source = new SnapshotSource(snapshotOf([nodeRow({ address })]));
    const openTraffic = vi.fn((at: string) => new LiveTraffic(topology.masters().find((node) => node.address === at)!, options()));
    const app = render(<TopApp source={source} latencyLimitMs={10} color={false} openTraffic={openTraffic} />);
    closers.push(async () => app.unmount());
    await vi.waitFor(() => expect(app.stdin.listenerCount('readable')).toBeGreaterThan(0), UI_WAIT);
    app.stdin.write('n');
    await vi.waitFor(() => expect(app.lastFrame()).toMatch(new RegExp(`namespaces on ${address.replace(/\./g, '\\.')} · sampling`)), UI_WAIT);
    expect(openTraffic).toHaveBeenCalledWith(address);
    const load = adminClient(topology.masters()[0]!.endpoint.port);
    closers.push(() => load.quit());
    for (let i = 0; i < 20; i++) await load.set(`panel:user:${i}`, 'x');
    await vi.waitFor(() => expect(app.lastFrame()).toMatch(/panel:user:‹id›/), UI_WAIT);
    expect(app.lastFrame()).toMatch(/no hit rates: notify-keyspace-events is '' \(key-miss events off\)/);
    expect(await monitorClients(admin)).toBe(1);
    app.stdin.write('\u001B');
    await vi.waitFor(() => expect(app.lastFrame()).not.toMatch(/namespaces on/), UI_WAIT);
    await waitFor('the MONITOR connection to be gone', async () => ((await monitorClients(admin)) === 0 ? true : undefined), { timeoutMs: 5000 });
  });
});
