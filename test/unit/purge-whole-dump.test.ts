// What the purge plan says about keys only a whole DUMP can back up: the notice and the table
// section name the count, the largest keys, the expected stall (or that it is not known), and what
// happens with and without --allow-whole-dump. Pure functions, no server.
import { describe, expect, it } from 'vitest';
import { wholeDumpStallMs } from '../../src/core/purge/dump.js';
import type { PurgePlanJson, WholeDumpPlan } from '../../src/core/purge/plan.js';
import { wholeDumpNotice } from '../../src/core/purge/plan.js';
import { renderPurgePlan } from '../../src/render/purge.js';

const item = (key: string, type: string, bytes: number) => ({ key, node: '10.0.0.1:6379', type, reason: `a value of type ${type}`, bytes, stallMs: wholeDumpStallMs(type, bytes) });

function plan(whole: PurgePlanJson['wholeDump']): PurgePlanJson {
  return {
    pattern: 'q:*', status: 'complete', matched: 10, memoryBytes: 1e9, memoryEstimated: false, memoryMeasured: 10, keyspace: 100, share: 0.1, slot: null,
    nodes: [{ node: '10.0.0.1:6379', keys: 10, memoryBytes: 1e9 }], namespaces: [], moreNamespaces: 0, namespaceRemainder: null, samples: [], durationMs: 5,
    notices: [], failures: [], bigKeys: { keys: 7, overBytes: 262144 }, wholeDump: whole,
  };
}

describe('keys only a whole DUMP can back up', () => {
  it('estimates a stream DUMP from its size, and not a module type', () => {
    expect(wholeDumpStallMs('stream', 50_000_000)).toBe(100);
    expect(wholeDumpStallMs('stream', 10)).toBe(1);
    expect(wholeDumpStallMs('ReJSON-RL', 50_000_000)).toBeNull();
  });

  it('the notice says what happens now and with the other choice', () => {
    const base: WholeDumpPlan<Buffer> = { keys: 2, bytes: 3_000_000, largest: [], longestStallMs: 4, action: 'keep' };
    expect(wholeDumpNotice(base)).toMatch(/^2 planned keys \(2\.9 MiB\) can only be backed up by a DUMP of the whole value: this purge leaves them in place \(not deleted\) and ends INCOMPLETE, exit 2; --allow-whole-dump backs each up that way, holding the server about 4 ms for the largest$/);
    expect(wholeDumpNotice({ ...base, keys: 1, action: 'dump-whole', longestStallMs: null })).toMatch(/--allow-whole-dump backs it up that way, holding the server for a time not known ahead; without the flag it would be left in place$/);
  });

  it('the plan table lists the largest few, says how many more, and both outcomes', () => {
    const largest = [item('q:mod', 'ReJSON-RL', 9_000_000), ...[5, 4, 3, 2].map((mb) => item(`q:s${mb}`, 'stream', mb * 1_000_000))];
    const text = renderPurgePlan(plan({ keys: 7, bytes: 25_000_000, largest, longestStallMs: null, action: 'keep' }), { pattern: '"q:*"', samples: [] }, [], false);
    expect(text).toContain('Only a whole DUMP can back up 7 of these keys (23.8 MiB):');
    expect(text).toMatch(/q:mod\s+10\.0\.0\.1:6379\s+ReJSON-RL\s+8\.6 MiB\s+not known/);
    expect(text).toMatch(/q:s5\s+10\.0\.0\.1:6379\s+stream\s+4\.8 MiB\s+~10 ms/);
    expect(text).toContain('… 2 more');
    expect(text).toContain('with these flags: left in place, not deleted; the purge ends INCOMPLETE (exit 2) naming them');
    expect(text).toContain('with --allow-whole-dump: each backed up with one DUMP, which holds the server for a time not known ahead, then deleted');
    expect(renderPurgePlan(plan(null), { pattern: '"q:*"', samples: [] }, [], false)).not.toContain('whole DUMP');
  });
});
