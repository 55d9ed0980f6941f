// The latency probe's worker thread: it owns its own connections (one raw RESP socket per node,
// opened from the node's plain client spec) and its own event loop, so the PING round trips it times are the
// server's and the network's, never a stall of the thread that renders the dashboard. It posts
// each node's window figures to the main thread every `reportMs`.

import { parentPort, workerData } from 'node:worker_threads';
import type { NodeClientSpec } from '../../connection/topology.js';
import { nodeClientFromSpec } from '../../connection/topology.js';
import type { LatencyProbeOptions } from './latency-probe.js';
import { LatencyProbe } from './latency-probe.js';
import type { ProbeReport, ProbeRequest } from './threaded-probe.js';
import { SharedCommandCounter } from './own-commands.js';

const settings = workerData as LatencyProbeOptions & { reportMs: number };
const port = parentPort!;
const counters = new Map<string, SharedCommandCounter>();
const probe = new LatencyProbe({ ...settings, tallyFor: (address) => counters.get(address) ?? new SharedCommandCounter() });
const addresses = new Set<string>();

const report = setInterval(() => {
  const nodes: ProbeReport['nodes'] = {};
  for (const address of addresses) nodes[address] = { stats: probe.stats(address), sent: probe.sent(address) };
  port.postMessage({ type: 'report', nodes } satisfies ProbeReport);
}, settings.reportMs);

port.on('message', (message: ProbeRequest) => {
  if (message.type === 'track') {
    const spec = message.spec as NodeClientSpec;
    const node = { ...nodeClientFromSpec(spec), clientSpec: spec };
    counters.set(node.address, new SharedCommandCounter(message.counter));
    addresses.add(node.address);
    probe.track(node);
  } else if (message.type === 'close') {
    clearInterval(report);
    void probe.close().finally(() => port.close());
  }
});
