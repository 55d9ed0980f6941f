// The server's own execution time for a run: INFO commandstats before and after, summed over
// all commands. Deltas, never CONFIG RESETSTAT, so nothing else on the server is disturbed.
// The delta also holds the probe's PINGs (about 1 µs each) and one INFO call: negligible.
// Commands a Lua script runs are counted twice by Redis (on their own line and inside the
// script's usec), so the sum is flagged when scripts ran; the main thread's CPU time from
// INFO cpu, read at the same moments, counts everything once (parsing and I/O included).

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

/** Script commands: what they run is counted in their usec and again on its own line. */
const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** Seconds of CPU the server's main thread has used (whole process on servers without that field). @param {string} text */
export function parseMainThreadCpu(text) {
  const field = (/** @type {string} */ name) => {
    const match = new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text);
    return match === null ? undefined : Number(match[1]);
  };
  const user = field('used_cpu_user_main_thread') ?? field('used_cpu_user') ?? 0;
  const sys = field('used_cpu_sys_main_thread') ?? field('used_cpu_sys') ?? 0;
  return user + sys;
}

/**
 * @typedef {{ commands: CommandStats, cpuS: number }} ServerSnapshot
 * @param {import('ioredis').Redis} redis
 * @returns {Promise<ServerSnapshot>}
 */
export async function readServerSnapshot(redis) {
  const text = String(await redis.call('INFO', 'commandstats', 'cpu'));
  return { commands: parseCommandStats(text), cpuS: parseMainThreadCpu(text) };
}

/**
 * INFO commandstats and CPU of several servers, summed: one snapshot of what a Cluster has done.
 * @param {import('ioredis').Redis[]} nodes
 * @returns {Promise<ServerSnapshot>}
 */
export async function readServersSnapshot(nodes) {
  /** @type {CommandStats} */
  const commands = new Map();
  let cpuS = 0;
  for (const snapshot of await Promise.all(nodes.map((node) => readServerSnapshot(node)))) {
    cpuS += snapshot.cpuS;
    for (const [command, { calls, usec }] of snapshot.commands) {
      const sum = commands.get(command) ?? { calls: 0, usec: 0 };
      commands.set(command, { calls: sum.calls + calls, usec: sum.usec + usec });
    }
  }
  return { commands, cpuS };
}

/**
 * @param {CommandStats} before
 * @param {CommandStats} after
 * @returns {{ usec: number, calls: number, scripts: boolean, byCommand: { command: string, calls: number, usec: number }[] }}
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
  return { usec, calls, scripts: byCommand.some((c) => SCRIPT_COMMANDS.has(c.command)), byCommand };
}
