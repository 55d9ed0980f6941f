// `cachectl snapshot` on the seeded keyspace (1M keys by default): the whole run must stay within
// its time bound (--max-time, 30 s by default) and no call may hold the server for more than a few
// ms. The second figure is read from the server itself: SLOWLOG at a 1 ms threshold during the run
// (reset before, the old threshold restored after), so the longest command any part of the snapshot
// sent is named with its duration. Once by default (the keyspace is not small: no scan) and once
// with --keys (the scan runs until the bound cuts it short). redis-cli has nothing to compare with.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const SNAPSHOT_BOUND_S = 30;
/** "a few ms": the longest single command a snapshot may run on the server. */
export const SNAPSHOT_HOLD_TARGET_MS = 5;
const SLOWLOG_THRESHOLD_US = 1000;

/** @param {import('../lib/runner.js').BenchContext} ctx */
const state = (ctx) => /** @type {{ threshold?: string, maxLen?: string }} */ (ctx.state);

/** @type {import('../lib/runner.js').Scenario} */
export const snapshotScenario = {
  name: 'snapshot',
  description: `cachectl snapshot: within its ${SNAPSHOT_BOUND_S} s bound, no command holding the server over ${SNAPSHOT_HOLD_TARGET_MS} ms (SLOWLOG at 1 ms)`,
  runs(ctx) {
    const file = (name) => path.join(ctx.workDir, `${name}.html`);
    return [
      { id: 'default', tool: 'cachectl', label: 'snapshot -f (large keyspace: no scan)', argv: ['snapshot', '--url', ctx.url, '-f', file('default'), '-o', 'json'] },
      { id: 'keys', tool: 'cachectl', label: 'snapshot --keys -f (scan until the bound)', argv: ['snapshot', '--url', ctx.url, '--keys', '-f', file('keys'), '-o', 'json'] },
    ];
  },
  async beforeRun(ctx) {
    const [, threshold] = /** @type {string[]} */ (await ctx.admin.config('GET', 'slowlog-log-slower-than'));
    const [, maxLen] = /** @type {string[]} */ (await ctx.admin.config('GET', 'slowlog-max-len'));
    state(ctx).threshold ??= threshold;
    state(ctx).maxLen ??= maxLen;
    // Room for every slow call of a run, not only the last 128.
    await ctx.admin.config('SET', 'slowlog-log-slower-than', String(SLOWLOG_THRESHOLD_US), 'slowlog-max-len', '100000');
    await ctx.admin.call('SLOWLOG', 'RESET');
  },
  async afterRun(ctx, run, result) {
    const entries = /** @type {unknown[][]} */ (await ctx.admin.call('SLOWLOG', 'GET', '100000'));
    await ctx.admin.config('SET', 'slowlog-log-slower-than', state(ctx).threshold ?? '10000', 'slowlog-max-len', state(ctx).maxLen ?? '128');
    if (result.status !== 'ok' || result.stdoutFile === undefined) return;
    // The admin client's own CONFIG/SLOWLOG calls are not the snapshot's; they are sub-ms anyway.
    const longest = entries.map((entry) => ({ us: Number(entry[2]), command: (/** @type {unknown[]} */ (entry[3]) ?? []).slice(0, 2).map(String).join(' ') })).sort((a, b) => b.us - a.us)[0];
    const longestMs = longest === undefined ? 0 : longest.us / 1000;
    const over = entries.filter((entry) => Number(entry[2]) > SNAPSHOT_HOLD_TARGET_MS * 1000).length;
    const doc = JSON.parse(readFileSync(result.stdoutFile, 'utf8'));
    const keyspace = doc.keyspace.available ? `${doc.keyspace.value.report.scanned.toLocaleString('en-US')} keys scanned${doc.keyspace.value.truncated ? ' (cut at the bound)' : ''}` : `keyspace ${doc.keyspace.reason.split(':')[0]}`;
    const withinBound = (result.wallS ?? Infinity) <= SNAPSHOT_BOUND_S;
    const withinHold = longestMs <= SNAPSHOT_HOLD_TARGET_MS;
    result.verified = doc.schemaVersion === 1 && doc.nodes.length === 1 && doc.nodes[0].status === 'up';
    result.summary = `${(result.wallS ?? 0).toFixed(1)} s (bound ${SNAPSHOT_BOUND_S} s${withinBound ? '' : ': OVER'}); longest call ${longestMs.toFixed(1)} ms (target ≤ ${SNAPSHOT_HOLD_TARGET_MS}${withinHold ? '' : `: OVER, ${over} calls`})`;
    result.notes.push(
      longest === undefined
        ? `no command took ${SLOWLOG_THRESHOLD_US / 1000} ms or more`
        : `${entries.length} commands took ≥ ${SLOWLOG_THRESHOLD_US / 1000} ms, ${over} over ${SNAPSHOT_HOLD_TARGET_MS} ms (SLOWLOG times are wall time: a busy machine preempting the server lengthens them); longest: ${longest.command} ${longestMs.toFixed(2)} ms`,
      `${keyspace}; ${doc.recording.total.length} recording points over ${(doc.recording.windowMs / 1000).toFixed(1)} s`,
    );
  },
};
