// The latency other clients see while a command runs: a separate connection sends PING every
// 10 ms and records each round trip, from a process of its own (probe-process.js). Bounded: at most
// 100 pings in flight, and it stops (waiting briefly for the last replies) when the measured run ends.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { registerCleanup } from './cleanup.js';

/**
 * @typedef {{ pings: number, lost: number, p50Ms: number, p99Ms: number, maxMs: number, nodes?: (ProbeResult & { port: number })[] }} ProbeResult
 *   nodes: with several servers probed at once (a Cluster's masters), each one's figures; the top
 *   level then merges every round trip
 * @typedef {{ pid: number, start(): { stop(): Promise<ProbeResult> }, close(): void }} Probe
 */

/** A connected probe, reused for every run. @param {number} port @returns {Promise<Probe>} */
export async function createProbe(port) {
  return createProbes([port]);
}

/**
 * A probe of one or more servers, started and stopped together: a run on several servers (a Cluster's
 * masters) is judged by every round trip to any of them, and each server's figures are kept. The
 * PINGs go from a process of their own (probe-process.js), whose pid the bench may raise to the
 * servers' scheduling priority during a run.
 * @param {number[]} ports
 * @returns {Promise<Probe>}
 */
export async function createProbes(ports) {
  const child = fork(fileURLToPath(new URL('./probe-process.js', import.meta.url)), ports.map(String), { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const unregister = registerCleanup({ kill: () => child.kill('SIGKILL') });
  /** @param {(message: any) => boolean} wanted */
  const next = (wanted) =>
    new Promise((resolve, reject) => {
      /** @param {any} message */
      const onMessage = (message) => {
        if (!wanted(message)) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message);
      };
      const onExit = () => {
        child.off('message', onMessage);
        reject(new Error(`the probe process exited (ports ${ports.join(', ')})`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const hello = /** @type {{ ready?: boolean, error?: string }} */ (await next((message) => 'ready' in message || 'error' in message));
  if (hello.error !== undefined) throw new Error(`probe: ${hello.error}`);
  return {
    pid: /** @type {number} */ (child.pid),
    start() {
      child.send('start');
      return {
        async stop() {
          const reply = next((message) => 'each' in message);
          child.send('stop');
          const { each } = /** @type {{ each: [number[], number][] }} */ (await reply);
          const merged = summarise(each.flatMap(([rtts]) => rtts), each.reduce((sum, [, lost]) => sum + lost, 0));
          if (ports.length === 1) return merged;
          return { ...merged, nodes: each.map(([rtts, lost], i) => ({ port: /** @type {number} */ (ports[i]), ...summarise(rtts, lost) })) };
        },
      };
    },
    close() {
      child.kill();
      unregister();
    },
  };
}

/** @param {number[]} rtts @param {number} lost @returns {ProbeResult} */
function summarise(rtts, lost) {
  const sorted = [...rtts].sort((a, b) => a - b);
  const at = (/** @type {number} */ q) => (sorted.length === 0 ? NaN : /** @type {number} */ (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]));
  return { pings: sorted.length, lost, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.length === 0 ? NaN : /** @type {number} */ (sorted[sorted.length - 1]) };
}

export const IDLE_PROBE_MS = 3_000;

/** The probe alone for a few seconds: its noise floor on this machine now. @param {Probe} probe */
export async function idleProbe(probe, ms = IDLE_PROBE_MS) {
  const running = probe.start();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return running.stop();
}
