import { describe, expect, it } from 'vitest';
import { PurgeTally } from '../../src/core/purge/tally.js';
import { renderPurgeSummary } from '../../src/render/purge.js';

const keys = (count: number) => Array.from({ length: count }, () => ({ memory: 10, doubt: false }));

function summaryOf(tally: PurgeTally) {
  return tally.summary({ status: 'complete', failure: undefined, started: Date.now(), measured: true, notices: [], backup: null });
}

describe('PurgeTally', () => {
  it('moves keys a failover brought back from deleted to redeleted, so every planned key is counted once', () => {
    const tally = new PurgeTally(100, 10);
    tally.deleted('a:1', keys(60), 58);
    tally.deleted('a:1', keys(40), 40);
    tally.redeleted('b:2', 25);
    const summary = summaryOf(tally);
    expect(summary).toMatchObject({ deleted: 73, redeleted: 25, alreadyGone: 2, notReached: 0, left: 0 });
    expect(summary.deleted + summary.redeleted + summary.alreadyGone + summary.notReached + summary.left).toBe(100);
    expect(summary.nodes).toEqual([
      { node: 'a:1', deleted: 98, alreadyGone: 2, redeleted: 0, left: 0 },
      { node: 'b:2', deleted: 0, alreadyGone: 0, redeleted: 25, left: 0 },
    ]);
  });

  it('counts keys still there after the last check as left, per node, and the summary says where', () => {
    const tally = new PurgeTally(10, 10);
    tally.deleted('a:1', keys(10), 9);
    tally.left('b:2', 3);
    const summary = summaryOf(tally);
    expect(summary).toMatchObject({ deleted: 6, alreadyGone: 1, left: 3 });
    expect(summary.deleted + summary.redeleted + summary.alreadyGone + summary.notReached + summary.left).toBe(10);
    expect(renderPurgeSummary(summary, false)).toContain('STILL THERE 3 (3 on b:2)');
  });

  it('takes redeleted keys from already gone once deleted is exhausted (a key first found gone, then back)', () => {
    const tally = new PurgeTally(5, 10);
    tally.deleted('a:1', keys(5), 1);
    tally.redeleted('a:1', 3);
    expect(summaryOf(tally)).toMatchObject({ deleted: 0, alreadyGone: 2, redeleted: 3 });
  });
});
