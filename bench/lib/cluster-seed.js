// Seeding a Cluster: one raw RESP pipeline per master, each command sent to the master owning its
// key's slot (CLUSTER SLOTS, read once: nothing moves slots while the bench runs).
import { RespPipeline } from './resp.js';
import { LOOPBACK } from './server.js';

/**
 * @param {import('ioredis').Redis} any a client of any node
 * @returns {Promise<import('./seed.js').SeedPipe>}
 */
export async function openClusterPipe(any) {
  // cachectl's own slot hashing (built by npm run bench), not a second copy of CRC16.
  const { keySlot } = await import('../../dist/base/slot.js');
  const ranges = /** @type {[number, number, [string, number]][]} */ (await any.call('CLUSTER', 'SLOTS'));
  /** @type {Map<number, RespPipeline>} */
  const pipes = new Map();
  /** @type {RespPipeline[]} */
  const bySlot = new Array(16_384);
  for (const [from, to, [, port]] of ranges) {
    let pipe = pipes.get(port);
    if (pipe === undefined) {
      pipe = /** @type {RespPipeline} */ (await RespPipeline.connect(LOOPBACK, port));
      pipes.set(port, pipe);
    }
    for (let slot = from; slot <= to; slot++) bySlot[slot] = pipe;
  }
  return {
    async send(args) {
      const key = Buffer.from(String(args[1]), 'latin1');
      const pipe = bySlot[keySlot(key)];
      if (pipe === undefined) throw new Error(`no master serves the slot of ${JSON.stringify(String(args[1]))}`);
      await pipe.send(args);
    },
    async close() {
      let commands = 0;
      for (const pipe of pipes.values()) commands += (await pipe.close()).commands;
      return { commands };
    },
  };
}
