// The probe's PINGs in a process of their own (forked by probe.js): during a run the bench raises this
// process to the servers' scheduling priority, so its round trips never wait behind other processes
// for a core, without raising the harness itself (its garbage collector, its pollers, what it spawns).
// argv: the ports. Messages in: 'start', 'stop'; out: { ready } or { error }, then { each: [rtts, lost][] }.
import { client } from './server.js';

const INTERVAL_MS = 10;
const MAX_OUTSTANDING = 100;
const DRAIN_MS = 2_000;

/** @param {number} port */
async function connect(port) {
  const redis = client(port, { lazyConnect: true, enableOfflineQueue: false, connectTimeout: 2_000 });
  await redis.connect();
  return redis;
}

/** Pings one server every INTERVAL_MS until `stop()`, which returns the round trips and the PINGs lost. @param {import('ioredis').Redis} redis */
function ping(redis) {
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
        await Promise.race([new Promise((resolve) => (drained = () => resolve(undefined))), new Promise((resolve) => setTimeout(resolve, DRAIN_MS))]);
      }
      return [rtts, lost + outstanding];
    },
  };
}

const send = (/** @type {unknown} */ message) => process.send?.(message);
// The harness gone (Ctrl-C, a crash): nothing is left to report to.
process.on('disconnect', () => process.exit(0));

try {
  const clients = await Promise.all(process.argv.slice(2).map((port) => connect(Number(port))));
  /** @type {ReturnType<typeof ping>[] | undefined} */
  let running;
  process.on('message', async (message) => {
    if (message === 'start') running = clients.map(ping);
    else if (message === 'stop') {
      const each = await Promise.all((running ?? []).map((probe) => probe.stop()));
      running = undefined;
      send({ each });
    }
  });
  send({ ready: true });
} catch (error) {
  send({ error: String(/** @type {Error} */ (error).message ?? error) });
  process.exit(1);
}
