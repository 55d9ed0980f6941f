import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { BROWSE_KEYS } from '../../src/tui/browse/bindings.js';
import { activeBindings, fitHelp, helpEntries, helpLine, resolveKey, wrapHelp } from '../../src/tui/shared/key-table.js';
import { keystrokes } from '../../src/tui/shared/keystrokes.js';

const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
};
const key = (overrides: Partial<Key>): Key => ({ ...NO_KEY, ...overrides });
const ALL = activeBindings(BROWSE_KEYS, true);

describe('key table', () => {
  it('resolves characters, named keys and ctrl combinations per context', () => {
    expect(resolveKey(ALL, 'tree', 'q', NO_KEY)).toBe('quit');
    expect(resolveKey(ALL, 'tree', 'c', key({ ctrl: true }))).toBe('interrupt');
    expect(resolveKey(ALL, 'tree', 'c', NO_KEY)).toBeUndefined();
    expect(resolveKey(ALL, 'tree', '', key({ return: true }))).toBe('open');
    // Terminals send DEL for backspace, which ink reports as `delete`: both go up.
    expect(resolveKey(ALL, 'keys', '', key({ delete: true }))).toBe('back');
    expect(resolveKey(ALL, 'keys', '', key({ backspace: true }))).toBe('back');
    // Sorting and opening mean nothing on a preview.
    expect(resolveKey(ALL, 'preview', 's', NO_KEY)).toBeUndefined();
    expect(resolveKey(ALL, 'preview', '', key({ return: true }))).toBeUndefined();
  });

  it('drops dangerous bindings entirely when they are not allowed', () => {
    const readonly = activeBindings(BROWSE_KEYS, false);
    expect(resolveKey(readonly, 'tree', 'd', NO_KEY)).toBeUndefined();
    expect(helpLine(readonly, 'tree')).not.toContain('delete');
    expect(helpEntries(readonly, 'tree').some((entry) => entry.dangerous)).toBe(false);
    expect(resolveKey(ALL, 'tree', 'd', NO_KEY)).toBe('delete');
    expect(helpEntries(ALL, 'tree').find((entry) => entry.label === 'd')?.dangerous).toBe(true);
  });

  it('draws each help entry once, panel-only ones only in the panel', () => {
    // Dangerous bindings are registered apart and come last.
    const line = helpLine(ALL, 'tree');
    expect(line).toBe('↑/↓ move · enter/→ open · ←/⌫ up · s sort · / filter · e export · ? help · q quit · d delete');
    expect(helpEntries(ALL, 'tree').map((entry) => entry.label)).toContain('PgUp/PgDn');
  });

  it('wraps a help line between entries', () => {
    expect(wrapHelp('a b · c d · e f', 9)).toEqual(['a b · c d', 'e f']);
    expect(wrapHelp('a b · c d · e f', 80)).toEqual(['a b · c d · e f']);
    expect(wrapHelp('', 10)).toEqual(['']);
  });

  it('fits whole help entries on one line, or none', () => {
    expect(fitHelp('a b · c d · e f', 12)).toBe('a b · c d');
    expect(fitHelp('abcdef · c', 3)).toBe('');
  });

  it('matches named keys whatever Meta says (ink sets it with escape), but not with Ctrl', () => {
    expect(resolveKey(ALL, 'preview', '', key({ escape: true, meta: true }))).toBe('escape');
    expect(resolveKey(ALL, 'tree', '', key({ return: true, ctrl: true }))).toBeUndefined();
    expect(resolveKey(ALL, 'tree', 'q', key({ meta: true }))).toBeUndefined();
  });
});

describe('keystrokes', () => {
  it('splits a burst of characters into one keystroke each, enter and erase included', () => {
    const strokes = keystrokes('aB\r\u007f\u0003', NO_KEY);
    expect(strokes.map((stroke) => stroke.input)).toEqual(['a', 'B', '', '', 'c']);
    expect(strokes[1]!.key.shift).toBe(true);
    expect(strokes[2]!.key.return).toBe(true);
    expect(strokes[3]!.key.delete).toBe(true);
    expect(strokes[4]!.key.ctrl).toBe(true);
  });

  it('leaves single keys and named keys as ink parsed them', () => {
    const up = key({ upArrow: true });
    expect(keystrokes('', up)).toEqual([{ input: '', key: up }]);
    expect(keystrokes('q', NO_KEY)).toEqual([{ input: 'q', key: NO_KEY }]);
    expect(keystrokes('é', NO_KEY)).toEqual([{ input: 'é', key: NO_KEY }]);
  });
});
