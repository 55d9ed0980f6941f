// The server's own execution time for a run: INFO commandstats before and after, summed over
// all commands. Deltas, never CONFIG RESETSTAT, so nothing else on the server is disturbed.
// The delta also holds the probe's PINGs (about 1 µs each) and one INFO call: negligible.

/** @typedef {Map<string, { calls: number, usec: number }>} CommandStats */

/** @param {string} text INFO commandstats output @returns {CommandStats} */
export function parseCommandStats(text) {
  /** @type {CommandStats} */
  const stats = new Map();
  for (const line of text.split(/\r?\n/)) {
    const match = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (match !== null) stats.set(/** @type {string} */ (match[1]), { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return stats;
}

/** @param {import('ioredis').Redis} redis @returns {Promise<CommandStats>} */
export async function readCommandStats(redis) {
  return parseCommandStats(await redis.info('commandstats'));
}

/**
 * @param {CommandStats} before
 * @param {CommandStats} after
 * @returns {{ usec: number, calls: number, byCommand: { command: string, calls: number, usec: number }[] }}
 */
export function diffCommandStats(before, after) {
  const byCommand = [];
  let usec = 0;
  let calls = 0;
  for (const [command, now] of after) {
    const then = before.get(command) ?? { calls: 0, usec: 0 };
    const delta = { command, calls: now.calls - then.calls, usec: now.usec - then.usec };
    if (delta.calls === 0 && delta.usec === 0) continue;
    byCommand.push(delta);
    usec += delta.usec;
    calls += delta.calls;
  }
  byCommand.sort((a, b) => b.usec - a.usec);
  return { usec, calls, byCommand };
}
