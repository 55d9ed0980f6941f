// A reference for the dashboard's latency: a plain client in a process of its own that PINGs the way
// `redis-cli --latency` does (one connection, a PING every 10 ms, the next only after the reply),
// timed with hrtime right before the write and in the socket's 'data' handler. redis-cli itself
// prints only min/avg/max in whole milliseconds; this gives every round trip, so p99 can be compared.
import { spawn } from 'node:child_process';
import { LatencyHistogram } from '../../src/core/dashboard/latency-histogram.js';

/** redis-cli --latency's pace (LATENCY_SAMPLE_RATE in redis-cli.c). */
export const REDIS_CLI_LATENCY_EVERY_MS = 10;

const REFERENCE = `
const net = require('node:net');
const [port, runMs, everyMs] = process.argv.slice(1).map(Number);
const socket = net.connect(port, '127.0.0.1');
socket.setNoDelay(true);
const samples = [];
let sentAt = 0n;
let waiting = false;
socket.on('data', () => { samples.push(Number(process.hrtime.bigint() - sentAt) / 1000); waiting = false; });
socket.on('connect', () => {
  const timer = setInterval(() => { if (!waiting) { waiting = true; sentAt = process.hrtime.bigint(); socket.write('PING\\r\\n'); } }, everyMs);
  setTimeout(() => { clearInterval(timer); socket.end(); process.stdout.write(JSON.stringify(samples)); }, runMs);
});
`;

/** Runs the reference client against 127.0.0.1:port for runMs; resolves with its round trips in microseconds. */
export function pingReference(port: number, runMs: number, everyMs = REDIS_CLI_LATENCY_EVERY_MS): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', REFERENCE, String(port), String(runMs), String(everyMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`reference client exited ${code}`))));
  });
}

/** p99 in milliseconds, through the same histogram (and bucket rounding) the probe reports with. */
export function p99Ms(samplesUs: readonly number[]): number {
  const histogram = new LatencyHistogram();
  for (const us of samplesUs) histogram.record(us);
  return histogram.percentile(99)! / 1000;
}

export interface ReferencePanel {
  /** Each reference's p99 in milliseconds, smallest first. */
  p99s: number[];
  median: number;
  /**
   * Largest minus smallest p99: the machine's own jitter over those seconds, identical clients
   * included. A fraction of a millisecond when idle; several on a loaded 2-core box.
   */
  spread: number;
  /** Round trips each reference timed. */
  counts: number[];
}

/** `clients` references side by side over the same runMs, summarised. */
export async function pingReferences(port: number, runMs: number, clients = 3, everyMs = REDIS_CLI_LATENCY_EVERY_MS): Promise<ReferencePanel> {
  const samples = await Promise.all(Array.from({ length: clients }, () => pingReference(port, runMs, everyMs)));
  const p99s = samples.map(p99Ms).sort((a, b) => a - b);
  const middle = Math.floor(p99s.length / 2);
  const median = p99s.length % 2 === 1 ? p99s[middle]! : (p99s[middle - 1]! + p99s[middle]!) / 2;
  return { p99s, median, spread: p99s[p99s.length - 1]! - p99s[0]!, counts: samples.map((s) => s.length) };
}
