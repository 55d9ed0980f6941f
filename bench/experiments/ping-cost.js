// An experiment, not part of cachectl: what a latency probe that PINGs N nodes every 10 ms costs its
// process, and what it sees, by how it PINGs. Each mode runs in a fresh process of its own against
// the same N throwaway redis-servers (started here on free loopback ports, stopped at the end),
// one mode after the other; the process's CPU (process.cpuUsage, user + system) over the window is
// divided by the PINGs it timed. Modes:
//   raw-sync       a bare net.Socket per node, all nodes on one timer (the floor: no client at all)
//   ioredis-sync   one ioredis client per node, all nodes PINGed on one timer (top's old probe path)
//   pipe-sync      a RespPipe per node (dist/connection/resp-pipe.js), all nodes on one timer
//   pipe-stagger   a RespPipe per node, each node on its own timer, phases spread over the 10 ms
//                  (top's probe since the raw-socket change)
//
//   npm run build && node bench/experiments/ping-cost.js [NODES] [SECONDS] [MODE ...]   (default 6 nodes, 20 s, all modes)
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const [nodesText, secondsText, ...modeArgs] = process.argv.slice(2);
const nodes = Number(nodesText ?? 6);
const runMs = Number(secondsText ?? 20) * 1000;
const modes = modeArgs.length > 0 ? modeArgs : ['raw-sync', 'ioredis-sync', 'pipe-sync', 'pipe-stagger'];
const root = path.resolve(import.meta.dirname, '../..');

const CHILD = `
const [mode, runMs, ...ports] = process.argv.slice(1);
const EVERY_MS = 10;
const { RespPipe } = await import(${JSON.stringify(`${root}/dist/connection/resp-pipe.js`)});
const { LatencyHistogram } = await import(${JSON.stringify(`${root}/dist/core/dashboard/latency-histogram.js`)});
const { Redis } = await import('ioredis');
const spec = (port) => ({ endpoint: { host: '127.0.0.1', port: Number(port) }, options: { timeoutMs: 5000, clientName: '' }, credentials: {}, db: 0 });
const targets = [];
for (const port of ports) {
  const histogram = new LatencyHistogram();
  if (mode.startsWith('raw')) {
    // The floor: a bare socket, 'PING\\r\\n' out, any chunk back taken as the reply (as the test's reference clients do).
    const net = await import('node:net');
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.setNoDelay(true);
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = () => {};
    socket.on('data', () => answer());
    targets.push({ histogram, busy: false, ping: () => new Promise((resolve) => { answer = resolve; socket.write('PING\\r\\n'); }), close: () => socket.destroy() });
  } else if (mode.startsWith('ioredis')) {
    const client = new Redis({ host: '127.0.0.1', port: Number(port), lazyConnect: true, enableOfflineQueue: false });
    await client.connect();
    targets.push({ histogram, busy: false, ping: () => client.ping(), close: () => client.disconnect() });
  } else {
    const pipe = await RespPipe.open(spec(port));
    targets.push({ histogram, busy: false, ping: () => pipe.ping(), close: () => pipe.close() });
  }
}
const ping = async (target) => {
  if (target.busy) return;
  target.busy = true;
  const started = process.hrtime.bigint();
  await target.ping();
  target.histogram.record(Number(process.hrtime.bigint() - started) / 1000);
  target.busy = false;
};
const timers = [];
if (mode.endsWith('stagger')) {
  targets.forEach((target, i) => timers.push(setTimeout(() => { timers.push(setInterval(() => void ping(target), EVERY_MS)); }, Math.round((i * EVERY_MS) / targets.length))));
} else {
  timers.push(setInterval(() => { for (const target of targets) void ping(target); }, EVERY_MS));
}
await new Promise((resolve) => setTimeout(resolve, 1000));
for (const target of targets) target.histogram = new LatencyHistogram();
const cpu0 = process.cpuUsage();
await new Promise((resolve) => setTimeout(resolve, Number(runMs)));
const cpu = process.cpuUsage(cpu0);
for (const timer of timers) clearTimeout(timer);
const pings = targets.reduce((sum, t) => sum + t.histogram.count, 0);
process.stdout.write(JSON.stringify({ pings, userUs: cpu.user, systemUs: cpu.system, p99Ms: targets.map((t) => t.histogram.percentile(99) / 1000) }));
for (const target of targets) target.close();
process.exit(0);
`;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

function run(argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}`))));
  });
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'ping-cost-'));
const servers = [];
try {
  const ports = [];
  for (let i = 0; i < nodes; i += 1) {
    const port = await freePort();
    if (port === 6379) throw new Error('refusing port 6379');
    ports.push(port);
    servers.push(spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' }));
  }
  await sleep(500);
  for (const mode of modes) {
    const load = os.loadavg().map((n) => n.toFixed(2)).join(' ');
    const result = await run(['--input-type=module', '-e', CHILD, mode, String(runMs), ...ports.map(String)]);
    const perPing = (result.userUs + result.systemUs) / result.pings;
    const share = ((result.userUs + result.systemUs) / (runMs * 1000)) * 100;
    process.stdout.write(
      `${mode.padEnd(13)} ${result.pings} PINGs in ${runMs / 1000} s: ${share.toFixed(2)}% of a core, ${perPing.toFixed(1)} µs per PING ` +
        `(user ${(result.userUs / result.pings).toFixed(1)}, system ${(result.systemUs / result.pings).toFixed(1)}); ` +
        `p99 per node ${result.p99Ms.map((n) => n.toFixed(2)).join(' / ')} ms; load ${load}\n`,
    );
  }
} finally {
  for (const server of servers) server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
