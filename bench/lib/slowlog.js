// The "do no harm" check of a run: calls that held a server past SLOW_CALL_US, from its SLOWLOG.
// The bench's servers are its own, so the threshold is set on them; entries are read by id (those
// newer than the mark taken before the run), never reset. SLOWLOG times a call's wall time on the
// server: on a machine other work keeps busy, preemption counts too, so read it with the load.

/** A call past this holds every other client of the server noticeably (the scan's budget is 1.5 ms). */
export const SLOW_CALL_US = 2_000;
/** Entries kept per server: enough for a whole run on a loaded machine, ~1 KB each at most. */
const SLOWLOG_MAX_LEN = 10_000;

/** @typedef {{ count: number, maxUs: number, overflow: boolean, byCommand: Record<string, number> }} SlowCalls */

/**
 * Sets the threshold on the servers (idempotent) and returns each one's newest entry id.
 * @param {import('ioredis').Redis[]} servers
 * @returns {Promise<number[]>}
 */
export async function markSlowlog(servers) {
  return Promise.all(
    servers.map(async (server) => {
      // One parameter per CONFIG SET: Redis 6.2 takes no more.
      await server.call('CONFIG', 'SET', 'slowlog-log-slower-than', String(SLOW_CALL_US));
      await server.call('CONFIG', 'SET', 'slowlog-max-len', String(SLOWLOG_MAX_LEN));
      const [newest] = /** @type {[number, ...unknown[]][]} */ (await server.call('SLOWLOG', 'GET', '1'));
      return newest === undefined ? -1 : Number(newest[0]);
    }),
  );
}

/**
 * The calls logged since `marks` (from markSlowlog), summed over the servers.
 * @param {import('ioredis').Redis[]} servers
 * @param {number[]} marks
 * @returns {Promise<SlowCalls>}
 */
export async function readSlowCalls(servers, marks) {
  /** @type {SlowCalls} */
  const slow = { count: 0, maxUs: 0, overflow: false, byCommand: {} };
  await Promise.all(
    servers.map(async (server, i) => {
      const entries = /** @type {[number, number, number, string[], string?][]} */ (await server.call('SLOWLOG', 'GET', String(SLOWLOG_MAX_LEN)));
      const mark = marks[i] ?? -1;
      // A script's own calls are logged too, from its fake client ("?:0"): the script's entry holds them.
      const fresh = entries.filter((entry) => Number(entry[0]) > mark && !String(entry[4] ?? '').startsWith('?'));
      // The log is full and its oldest entry is new: older ones of this run were dropped.
      if (entries.length >= SLOWLOG_MAX_LEN && Number(entries.at(-1)?.[0]) > mark) slow.overflow = true;
      for (const [, , micros, args] of fresh) {
        const command = String(args[0] ?? '?').toLowerCase();
        slow.count += 1;
        slow.maxUs = Math.max(slow.maxUs, Number(micros));
        slow.byCommand[command] = (slow.byCommand[command] ?? 0) + 1;
      }
    }),
  );
  return slow;
}

/**
 * One line for a run's details.
 * @param {SlowCalls} slow
 */
export function formatSlowCalls(slow) {
  if (slow.count === 0) return `slow calls (SLOWLOG ≥ ${SLOW_CALL_US / 1000} ms): none`;
  const by = Object.entries(slow.byCommand)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([command, n]) => `${command} ${n.toLocaleString('en-US')}`)
    .join(', ');
  return `slow calls (SLOWLOG ≥ ${SLOW_CALL_US / 1000} ms): ${slow.overflow ? 'at least ' : ''}${slow.count.toLocaleString('en-US')} (${by}), longest ${(slow.maxUs / 1000).toFixed(2)} ms`;
}
