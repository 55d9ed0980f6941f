// `cachectl snapshot` on the seeded keyspace (1M keys by default): the whole run must stay within
// its time bound (--max-time, 30 s by default) and no call may hold the server for more than a few
// ms. The second figure is read from the server itself: SLOWLOG at a 1 ms threshold during the run
// (reset before, the old threshold restored after), so the longest command any part of the snapshot
// sent is named with its duration. Once by default (the keyspace is not small: no scan) and once
// with --keys (the scan runs until the bound cuts it short). redis-cli has nothing to compare with.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { watchSlowlog } from '../lib/slowlog.js';

export const SNAPSHOT_BOUND_S = 30;
/** "a few ms": the longest single command a snapshot may run on the server. */
export const SNAPSHOT_HOLD_TARGET_MS = 5;
const SLOWLOG_THRESHOLD_US = 1000;

/** @param {import('../lib/runner.js').BenchContext} ctx */
const state = (ctx) => /** @type {{ readSlowlog?: () => Promise<import('../lib/slowlog.js').SlowSummary> }} */ (ctx.state);

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
    state(ctx).readSlowlog = await watchSlowlog(ctx.admin, { thresholdUs: SLOWLOG_THRESHOLD_US, boundUs: SNAPSHOT_HOLD_TARGET_MS * 1000 });
  },
  async afterRun(ctx, run, result) {
    const slow = await state(ctx).readSlowlog?.();
    state(ctx).readSlowlog = undefined;
    if (slow === undefined || result.status !== 'ok' || result.stdoutFile === undefined) return;
    // The admin client's own CONFIG/SLOWLOG calls are not the snapshot's; they are sub-ms anyway.
    const longest = slow.longest;
    const longestMs = longest === undefined ? 0 : longest.us / 1000;
    const over = slow.over;
    const doc = JSON.parse(readFileSync(result.stdoutFile, 'utf8'));
    const keyspace = doc.keyspace.available ? `${doc.keyspace.value.report.scanned.toLocaleString('en-US')} keys scanned${doc.keyspace.value.truncated ? ' (cut at the bound)' : ''}` : `keyspace ${doc.keyspace.reason.split(':')[0]}`;
    const withinBound = (result.wallS ?? Infinity) <= SNAPSHOT_BOUND_S;
    const withinHold = longestMs <= SNAPSHOT_HOLD_TARGET_MS;
    result.verified = doc.schemaVersion === 1 && doc.nodes.length === 1 && doc.nodes[0].status === 'up';
    result.summary = `${(result.wallS ?? 0).toFixed(1)} s (bound ${SNAPSHOT_BOUND_S} s${withinBound ? '' : ': OVER'}); longest call ${longestMs.toFixed(1)} ms (target ≤ ${SNAPSHOT_HOLD_TARGET_MS}${withinHold ? '' : `: OVER, ${over} calls`})`;
    result.notes.push(
      longest === undefined
        ? `no command took ${SLOWLOG_THRESHOLD_US / 1000} ms or more`
        : `${slow.entries} commands took ≥ ${SLOWLOG_THRESHOLD_US / 1000} ms, ${over} over ${SNAPSHOT_HOLD_TARGET_MS} ms (SLOWLOG times are wall time: a busy machine preempting the server lengthens them); longest: ${longest.args} ${longestMs.toFixed(2)} ms`,
      `${keyspace}; ${doc.recording.total.length} recording points over ${(doc.recording.windowMs / 1000).toFixed(1)} s`,
    );
  },
};
