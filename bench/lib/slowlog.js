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
      // Never raise a lower threshold or shrink a longer log a scenario set for itself (stall's 1 ms
      // watch is set up before this mark). One parameter per CONFIG SET: Redis 6.2 takes no more.
      const [, threshold] = /** @type {string[]} */ (await server.call('CONFIG', 'GET', 'slowlog-log-slower-than'));
      if (Number(threshold) < 0 || Number(threshold) > SLOW_CALL_US) await server.call('CONFIG', 'SET', 'slowlog-log-slower-than', String(SLOW_CALL_US));
      const [, maxLen] = /** @type {string[]} */ (await server.call('CONFIG', 'GET', 'slowlog-max-len'));
      if (Number(maxLen) < SLOWLOG_MAX_LEN) await server.call('CONFIG', 'SET', 'slowlog-max-len', String(SLOWLOG_MAX_LEN));
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
      const fresh = entries.filter((entry) => Number(entry[0]) > mark && Number(entry[2]) >= SLOW_CALL_US && !String(entry[4] ?? '').startsWith('?'));
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

// ---- One run watched closely (the stall scenario): a lower threshold, every entry summarised. ----

const MAX_ENTRIES = 100_000;
const HARNESS_COMMANDS = new Set(['SLOWLOG', 'CONFIG']);

/**
 * @typedef {{ us: number, command: string, args: string }} SlowEntry
 * @typedef {{ entries: number, over: number, longest: SlowEntry | undefined, byCommand: (SlowEntry & { count: number })[] }} SlowSummary
 */

/**
 * Sets the threshold, clears the log; returns a function that reads it, puts the old settings back
 * and summarises.
 * @param {import('ioredis').Redis} admin
 * @param {{ thresholdUs: number, boundUs: number }} options
 * @returns {Promise<() => Promise<SlowSummary>>}
 */
export async function watchSlowlog(admin, { thresholdUs, boundUs }) {
  const [, threshold] = /** @type {string[]} */ (await admin.config('GET', 'slowlog-log-slower-than'));
  const [, maxLen] = /** @type {string[]} */ (await admin.config('GET', 'slowlog-max-len'));
  // Room for every slow call of a run, not only the last 128.
  await admin.config('SET', 'slowlog-log-slower-than', String(thresholdUs), 'slowlog-max-len', String(MAX_ENTRIES));
  await admin.call('SLOWLOG', 'RESET');
  return async () => {
    const raw = /** @type {unknown[][]} */ (await admin.call('SLOWLOG', 'GET', String(MAX_ENTRIES)));
    await admin.config('SET', 'slowlog-log-slower-than', threshold ?? '10000', 'slowlog-max-len', maxLen ?? '128');
    return summariseSlowlog(raw, boundUs);
  };
}

/** @param {unknown[][]} raw SLOWLOG GET's reply @param {number} boundUs @returns {SlowSummary} */
export function summariseSlowlog(raw, boundUs) {
  const entries = raw
    .map((entry) => {
      const argv = /** @type {unknown[]} */ (entry[3] ?? []).map(String);
      return { us: Number(entry[2]), command: (argv[0] ?? '?').toUpperCase(), args: abbreviate(argv) };
    })
    // The harness's own SLOWLOG RESET (clearing the last run's 100,000 entries) and CONFIG SET.
    .filter((entry) => !HARNESS_COMMANDS.has(entry.command));
  /** @type {Map<string, SlowEntry & { count: number }>} */
  const byCommand = new Map();
  for (const entry of entries) {
    const seen = byCommand.get(entry.command);
    if (seen === undefined) byCommand.set(entry.command, { ...entry, count: 1 });
    else {
      seen.count += 1;
      if (entry.us > seen.us) Object.assign(seen, { us: entry.us, args: entry.args });
    }
  }
  const sorted = [...byCommand.values()].sort((a, b) => b.us - a.us);
  const top = sorted[0];
  return { entries: entries.length, over: entries.filter((entry) => entry.us > boundUs).length, longest: top === undefined ? undefined : { us: top.us, command: top.command, args: top.args }, byCommand: sorted };
}

/** The command and its first arguments, each cut short, as redis-cli would show them. @param {string[]} argv */
function abbreviate(argv) {
  const shown = argv.slice(0, 4).map((arg) => (arg.length > 32 ? `${arg.slice(0, 29)}...` : arg));
  return `${shown.join(' ')}${argv.length > 4 ? ` … (${argv.length} args)` : ''}`;
}

/** `1.23 ms HSCAN bad:big:hash 0 COUNT 250`, or that nothing reached the threshold. @param {SlowSummary} summary @param {number} thresholdUs */
export function describeLongest(summary, thresholdUs) {
  if (summary.longest === undefined) return `nothing ≥ ${thresholdUs / 1000} ms`;
  return `${(summary.longest.us / 1000).toFixed(2)} ms ${summary.longest.args}`;
}
