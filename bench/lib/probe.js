// The latency other clients see while a command runs: a separate connection sends PING every
// 10 ms and records each round trip. Bounded: at most MAX_OUTSTANDING pings in flight, and it
// stops (waiting briefly for the last replies) when the measured run ends.
import { client } from './server.js';

const INTERVAL_MS = 10;
const MAX_OUTSTANDING = 100;
const DRAIN_MS = 2_000;

/**
 * @typedef {{ pings: number, lost: number, p50Ms: number, p99Ms: number, maxMs: number, nodes?: (ProbeResult & { port: number })[] }} ProbeResult
 *   nodes: with several servers probed at once (a Cluster's masters), each one's figures; the top
 *   level then merges every round trip
 * @typedef {{ start(): { stop(): Promise<ProbeResult> }, close(): void }} Probe
 */

/** A connected probe client, reused for every run. @param {number} port @returns {Promise<Probe>} */
export async function createProbe(port) {
  const raw = await createRawProbe(port);
  return {
    start() {
      const running = raw.start();
      return { stop: async () => summarise(...(await running.stop())) };
    },
    close: raw.close,
  };
}

/**
 * One probe per server, started and stopped together: a run on several servers (a Cluster's masters)
 * is judged by every round trip to any of them, and each server's figures are kept.
 * @param {number[]} ports
 * @returns {Promise<Probe>}
 */
export async function createProbes(ports) {
  const raws = await Promise.all(ports.map((port) => createRawProbe(port)));
  return {
    start() {
      const running = raws.map((raw) => raw.start());
      return {
        async stop() {
          const each = await Promise.all(running.map((probe) => probe.stop()));
          const merged = summarise(each.flatMap(([rtts]) => rtts), each.reduce((sum, [, lost]) => sum + lost, 0));
          return { ...merged, nodes: each.map(([rtts, lost], i) => ({ port: /** @type {number} */ (ports[i]), ...summarise(rtts, lost) })) };
        },
      };
    },
    close: () => raws.forEach((raw) => raw.close()),
  };
}

/** @param {number} port */
async function createRawProbe(port) {
  const redis = client(port, { lazyConnect: true, enableOfflineQueue: false, connectTimeout: 2_000 });
  await redis.connect();
  return {
    /** Starts pinging; `stop()` ends it and returns the round trips and the PINGs lost. */
    start() {
      /** @type {number[]} */
      const rtts = [];
      let outstanding = 0;
      let lost = 0;
      /** @type {(() => void) | undefined} */
      let drained;
      const tick = () => {
        if (outstanding >= MAX_OUTSTANDING) return;
        outstanding++;
        const sent = process.hrtime.bigint();
        redis.ping().then(
          () => rtts.push(Number(process.hrtime.bigint() - sent) / 1e6),
          () => lost++,
        ).finally(() => {
          outstanding--;
          if (outstanding === 0) drained?.();
        });
      };
      tick();
      const timer = setInterval(tick, INTERVAL_MS);
      return {
        /** @returns {Promise<[number[], number]>} */
        async stop() {
          clearInterval(timer);
          if (outstanding > 0) {
            await Promise.race([
              new Promise((resolve) => (drained = () => resolve(undefined))),
              new Promise((resolve) => setTimeout(resolve, DRAIN_MS)),
            ]);
          }
          lost += outstanding;
          return [rtts, lost];
        },
      };
    },
    close: () => redis.disconnect(),
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
