// An experiment, not part of cachectl: does a latency probe's pace change the round trips it sees?
// Plain clients, each in a process of its own (a raw socket, hrtime right before the write and in
// the 'data' handler, the next PING only after the reply), PING one server side by side over the
// same seconds, two per pace. This is what set `cachectl top`'s pace to redis-cli --latency's 10 ms
// (src/core/dashboard/latency-probe.ts): on a loaded 2-core machine the 100 ms clients saw 3-6x more
// round trips above 2 ms than the 10 ms ones beside them.
//
//   node bench/experiments/ping-pace.js PORT [SECONDS] [PACE_MS ...]     (default 40 s, paces 10 100)
//
// Run it against a throwaway server (never one that serves anything).
import { spawn } from 'node:child_process';

const [portText, secondsText, ...paceTexts] = process.argv.slice(2);
const port = Number(portText);
if (!(port > 0) || port === 6379) {
  process.stderr.write('usage: node bench/experiments/ping-pace.js PORT [SECONDS] [PACE_MS ...] (never port 6379)\n');
  process.exit(2);
}
const runMs = Number(secondsText ?? 40) * 1000;
const paces = paceTexts.length > 0 ? paceTexts.map(Number) : [10, 100];

const CLIENT = `
const net = require('node:net');
const [port, runMs, everyMs] = process.argv.slice(1).map(Number);
const socket = net.connect(port, '127.0.0.1');
socket.setNoDelay(true);
const samples = [];
let sentAt = 0n;
let waiting = false;
socket.on('data', () => { samples.push(Number(process.hrtime.bigint() - sentAt) / 1000); waiting = false; });
socket.on('connect', () => {
  const timer = setInterval(() => { if (!waiting) { waiting = true; sentAt = process.hrtime.bigint(); socket.write('*1\\r\\n$4\\r\\nPING\\r\\n'); } }, everyMs);
  setTimeout(() => { clearInterval(timer); socket.end(); process.stdout.write(JSON.stringify(samples)); }, runMs);
});
`;

/** @param {number} everyMs @returns {Promise<number[]>} round trips in microseconds */
function client(everyMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CLIENT, String(port), String(runMs), String(everyMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`client exited ${code}`))));
  });
}

/** @param {number[]} sorted @param {number} p */
const percentileMs = (sorted, p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] / 1000;
/** @param {number[]} samples @param {number} ms */
const above = (samples, ms) => `${((100 * samples.filter((us) => us > ms * 1000).length) / samples.length).toFixed(1)}%`;

const runs = await Promise.all(paces.flatMap((everyMs) => [everyMs, everyMs].map(async (pace) => ({ pace, samples: await client(pace) }))));
for (const { pace, samples } of runs) {
  const sorted = [...samples].sort((a, b) => a - b);
  process.stdout.write(
    `PING every ${String(pace).padStart(4)} ms: ${String(samples.length).padStart(5)} round trips, p50 ${percentileMs(sorted, 50).toFixed(2)} p99 ${percentileMs(sorted, 99).toFixed(2)} ms; above 1 ms ${above(samples, 1)}, 2 ms ${above(samples, 2)}, 5 ms ${above(samples, 5)}\n`,
  );
}
