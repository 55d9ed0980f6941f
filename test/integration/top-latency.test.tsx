// Issue 13 item 3: on an idle server, the dashboard's p99 is within 1 ms of a `redis-cli --latency`
// run beside it while the dashboard redraws. The dashboard is built as `cachectl top` builds it (the
// model, its worker-thread probe with default settings, the poller) and drawn by the real TopApp,
// redrawing every 200 ms; beside it, three plain clients in processes of their own PING the way
// redis-cli --latency does (see test/helpers/ping-reference.ts).
// The worker runs from dist/: `npm run build` first, as for the e2e tests.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Poller } from '../../src/base/poller.js';
import { connect } from '../../src/connection/connect.js';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import type { Topology } from '../../src/connection/topology.js';
import { DashboardModel } from '../../src/core/dashboard/model.js';
import { ThreadedLatencyProbe } from '../../src/core/dashboard/threaded-probe.js';
import { TopApp } from '../../src/tui/top/TopApp.js';
import { startRedis, type RedisProcess } from '../fixtures/index.js';
import { pingReferences } from '../helpers/ping-reference.js';

const WORKER = pathToFileURL(path.resolve(import.meta.dirname, '../../dist/core/dashboard/probe-worker.js'));
const RUN_MS = 15_000;
const REDRAW_MS = 200;
const REFERENCES = 3;
const redis = inject('redis');
const WARM_UP_MS = 2000;

describe("top's latency beside redis-cli --latency", () => {
  let server: RedisProcess;
  let topology: Topology;

  beforeAll(async () => {
    server = await startRedis({ name: 'top-latency' });
    topology = await connect({ ...defaultConnectionOptions(), endpoints: [{ host: server.host, port: server.port }], timeoutMs: 2000 });
  });

  afterAll(async () => {
    await topology?.close();
    await server?.stop();
  });

  it('reports a p99 within 1 ms of plain clients pinging like redis-cli --latency, while the dashboard redraws', async () => {
    const node = topology.masters()[0]!;
    // Only the window is changed: whole seconds inside the references' run, so both cover the same span.
    const probe = new ThreadedLatencyProbe({ windowMs: RUN_MS - 1000, workerUrl: WORKER });
    const model = new DashboardModel(topology, { refreshMs: REDRAW_MS, probe });
    const app = { current: undefined as ReturnType<typeof render> | undefined };
    let poller: Poller<Awaited<ReturnType<DashboardModel['refresh']>>> | undefined;
    try {
      await probe.ready(10_000);
      const baseline = await model.refresh();
      poller = new Poller({ intervalMs: REDRAW_MS, fetch: (signal) => model.refresh(signal), initial: baseline });
      app.current = render(<TopApp source={poller} latencyLimitMs={5} color={false} />);
      poller.start(false);
      // Past start-up (modules loading, the first frames) before anything is compared.
      await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
      const reference = await pingReferences(server.port, RUN_MS, REFERENCES);
      const frames = app.current.frames.length;
      const top = probe.stats(node.address);
      const { median, spread } = reference;
      const references = `references ${reference.p99s.join(' / ')} ms (${reference.counts.join(' / ')} PINGs)`;
      if (process.env.CACHECTL_SHOW_FIGURES === '1') process.stderr.write(`p99: top ${top.p99Ms} ms (${top.samples} PINGs, ${frames} frames); ${references}\n`);
      expect(frames, 'the dashboard redrew while it measured').toBeGreaterThan(RUN_MS / REDRAW_MS / 4);
      expect(top.errors).toBe(0);
      // cachectl's own stalls are measured apart from the nodes' latency (the header shows them as
      // "own lag", test/tui/top-app.test.tsx).
      expect(poller.current.value?.cachectl.eventLoopLag?.p99Ms).toBeGreaterThan(0);
      // The 1 ms, plus the spread between identical reference clients over the same
      // seconds: on an idle machine that is a fraction of a millisecond; on a loaded 2-core box it
      // is what no client can be held closer than.
      expect(Math.abs(top.p99Ms! - median), `top p99 ${top.p99Ms} ms vs ${references}`).toBeLessThanOrEqual(1 + spread);
      // Paced like redis-cli --latency: at 100 ms a p99 is the second-worst of 100 PINGs, and a client
      // that wakes seldom meets the machine's wake-up delays more often (latency-probe.ts).
      expect(top.samples, 'PINGs the dashboard timed vs one reference').toBeGreaterThanOrEqual(0.8 * ((RUN_MS - 1000) / RUN_MS) * Math.min(...reference.counts));
    } finally {
      poller?.stop();
      app.current?.unmount();
      await model.close();
    }
  });

  it("PINGs TLS and ACL nodes at the same pace, with the node's TLS and credentials, on connections of its own", async () => {
    const { port, caFile } = redis.tls;
    const { username, password } = redis.acl.users.limited;
    const targets = [
      { endpoints: [{ host: '127.0.0.1', port }], tls: { caFile } },
      { endpoints: [{ host: '127.0.0.1', port: redis.acl.port }], username, password },
    ];
    for (const options of targets) {
      const secured = await connect({ ...defaultConnectionOptions(), ...options, timeoutMs: 2000 });
      const probe = new ThreadedLatencyProbe({ workerUrl: WORKER });
      try {
        const node = secured.masters()[0]!;
        probe.track(node);
        await probe.ready(10_000);
        const first = probe.sent(node.address);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const stats = probe.stats(node.address);
        expect(stats.errors, stats.lastError ?? '').toBe(0);
        // 100 a second at the 10 ms pace; half of it is the margin for a loaded machine.
        expect(probe.sent(node.address) - first).toBeGreaterThan(50);
      } finally {
        await probe.close();
        await secured.close();
      }
    }
  });
});
