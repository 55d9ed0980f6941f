import { describe, expect, it } from 'vitest';
import { parsePercent } from '../../src/cli/destructive.js';
import { answerConfirms } from '../../src/core/purge/confirm.js';
import { groupBySlot } from '../../src/core/purge/key-commands.js';
import { escapeGlob } from '../../src/base/glob.js';
import { keyMatches, patternRefusal, planRefusals, refusalError } from '../../src/core/purge/plan.js';
import { keySlot } from '../../src/base/slot.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('pattern guards', () => {
  it('refuses the empty pattern even with --allow-broad', () => {
    expect(patternRefusal(b(''), { allowBroad: true })?.guard).toBe('empty-pattern');
  });

  it('refuses patterns that match everything or start with a wildcard unless allowed', () => {
    for (const pattern of ['*', '*:foo', '?*', '[a-z]*', '**']) {
      expect(patternRefusal(b(pattern), { allowBroad: false })?.guard).toBe('broad-pattern');
      expect(patternRefusal(b(pattern), { allowBroad: true })).toBeUndefined();
    }
    for (const pattern of ['app:*', 'a', 'user:?', escapeGlob(b('*literal')).toString('latin1')]) {
      expect(patternRefusal(b(pattern), { allowBroad: false })).toBeUndefined();
    }
  });

  it('refusals become GUARD errors with exit code 1 that say how to override', () => {
    const error = refusalError(patternRefusal(b('*'), { allowBroad: false })!);
    expect(error.code).toBe('GUARD');
    expect(error.exitCode).toBe(1);
    expect(error.hint).toMatch(/--allow-broad/);
    expect(error.message).toMatch(/nothing was deleted/);
  });
});

describe('plan guards', () => {
  const limits = { allowBroad: false, maxShare: 0.5 };

  it('refuses more than --max-share of the keyspace', () => {
    expect(planRefusals({ matched: 50, share: 0.5, keyspace: 100 }, limits)).toEqual([]);
    const [refusal] = planRefusals({ matched: 51, share: 0.51, keyspace: 100 }, limits);
    expect(refusal?.guard).toBe('max-share');
    expect(refusal?.message).toMatch(/51% of the keyspace \(51 of 100 keys\)/);
    expect(refusal?.hint).toMatch(/--max-share 51%/);
  });

  it('refuses more than --max-keys keys', () => {
    expect(planRefusals({ matched: 10, share: 0.1, keyspace: 100 }, { ...limits, maxKeys: 10 })).toEqual([]);
    expect(planRefusals({ matched: 11, share: 0.11, keyspace: 100 }, { ...limits, maxKeys: 10 }).map((r) => r.guard)).toEqual(['max-keys']);
  });

  it('never refuses an empty plan', () => {
    expect(planRefusals({ matched: 0, share: 0, keyspace: 0 }, { ...limits, maxShare: 0 })).toEqual([]);
  });
});

describe('client-side re-check', () => {
  it('treats a lone * as matching every key, including the empty one, as SCAN does', () => {
    expect(keyMatches(b('*'), b(''))).toBe(true);
    expect(keyMatches(b('**'), b(''))).toBe(false);
    expect(keyMatches(b('a*'), b('a'))).toBe(true);
    expect(keyMatches(b('a\\*'), b('ab'))).toBe(false);
  });
});

describe('confirmation', () => {
  it('accepts the count, with separators, or the pattern; nothing else', () => {
    expect(answerConfirms('1234', 1234, 'a:*')).toBe(true);
    expect(answerConfirms(' 1,234 \n', 1234, 'a:*')).toBe(true);
    expect(answerConfirms('1_234', 1234, 'a:*')).toBe(true);
    expect(answerConfirms('a:*', 1234, 'a:*')).toBe(true);
    for (const answer of ['y', 'yes', '', '1235', '123', '1234x', 'a:']) expect(answerConfirms(answer, 1234, 'a:*')).toBe(false);
    expect(answerConfirms('', 0, '')).toBe(false);
  });

  it('parses --max-share as a percentage', () => {
    expect(parsePercent('50%', '--max-share')).toBe(0.5);
    expect(parsePercent('12.5', '--max-share')).toBe(0.125);
    expect(parsePercent('100%', '--max-share')).toBe(1);
    for (const bad of ['', '101%', '-1', 'half', '0.5.5']) expect(() => parsePercent(bad, '--max-share')).toThrow(/--max-share expects a percentage/);
  });
});

describe('groupBySlot', () => {
  it('never mixes slots in a Cluster group and caps the group size', () => {
    const keys = Array.from({ length: 200 }, (_, i) => b(i % 3 === 0 ? `{tag}:${i}` : `k:${i}`));
    const items = keys.map((key) => ({ key, slot: keySlot(key) }));
    const groups = groupBySlot(items, 20, true);
    expect(groups.flat()).toHaveLength(200);
    for (const group of groups) {
      expect(group.length).toBeLessThanOrEqual(20);
      expect(new Set(group.map((item) => item.slot)).size).toBe(1);
    }
    expect(groups.filter((group) => group[0]!.slot === keySlot(b('{tag}'))).map((group) => group.length)).toEqual([20, 20, 20, 7]);
  });

  it('chunks by size alone outside Cluster', () => {
    const items = Array.from({ length: 45 }, (_, i) => ({ key: b(`k${i}`), slot: 0 }));
    expect(groupBySlot(items, 20, false).map((group) => group.length)).toEqual([20, 20, 5]);
  });
});
