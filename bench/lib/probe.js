// The latency other clients see while a command runs: a separate connection sends PING every
// 10 ms and records each round trip. Bounded: at most MAX_OUTSTANDING pings in flight, and it
// stops (waiting briefly for the last replies) when the measured run ends.
import { client } from './server.js';

const INTERVAL_MS = 10;
const MAX_OUTSTANDING = 100;
const DRAIN_MS = 2_000;

/**
 * @typedef {{ pings: number, lost: number, p50Ms: number, p99Ms: number, maxMs: number }} ProbeResult
 */

/** A connected probe client, reused for every run. @param {number} port */
export async function createProbe(port) {
  const redis = client(port, { lazyConnect: true, enableOfflineQueue: false, connectTimeout: 2_000 });
  await redis.connect();
  return {
    /** Starts pinging; `stop()` ends it and summarises. */
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
        /** @returns {Promise<ProbeResult>} */
        async stop() {
          clearInterval(timer);
          if (outstanding > 0) {
            await Promise.race([
              new Promise((resolve) => (drained = () => resolve(undefined))),
              new Promise((resolve) => setTimeout(resolve, DRAIN_MS)),
            ]);
          }
          lost += outstanding;
          return summarise(rtts, lost);
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
