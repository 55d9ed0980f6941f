// The dashboard's pure helpers: cell formats, sparklines, histogram bins, column layout, keymap.
import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { COLUMNS, layoutColumns, MARKER_WIDTH } from '../../src/tui/top/columns.js';
import { compactBytes, compactNumber, fit, micros, millis, percent } from '../../src/tui/shared/format.js';
import { displayBins } from '../../src/tui/top/histogram-bins.js';
import { TOP_KEYS } from '../../src/tui/top/bindings.js';
import type { TopView } from '../../src/tui/top/bindings.js';
import { activeBindings, bindingsIn, fitHelp, helpEntries, helpLine, resolveKey } from '../../src/tui/shared/key-table.js';
import { sparkRows } from '../../src/tui/top/sparkline.js';
import { nodeRow } from '../helpers/dashboard-rows.js';

const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
};

describe('cell formats', () => {
  it('keep numbers narrow', () => {
    expect([0, 0.5, 7, 42, 999, 1234, 12_345, 999_949, 1_500_000, null].map(compactNumber)).toEqual(['0', '0.5', '7', '42', '999', '1.2k', '12.3k', '1.0M', '1.5M', '-']);
    expect([0.951, 1, 0, null].map(percent)).toEqual(['95.1%', '100%', '0.0%', '-']);
    expect([0.123, 3.456, 12.34, 123.4, 12_345, null].map(millis)).toEqual(['0.12', '3.46', '12.3', '123', '12.3s', '-']);
    expect([2.1, 850, 1200, 1_500_000].map(micros)).toEqual(['2.1µs', '850µs', '1.20ms', '1.5s']);
    expect(compactBytes(1.5 * 1024 ** 3)).toBe('1.5GiB');
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('ab', 4, 'right')).toBe('  ab');
  });
});

describe('sparkRows', () => {
  it('scales to the largest value, newest on the right, gaps blank', () => {
    expect(sparkRows([0, 4, 8, null, 2], 5)).toEqual(['▁▄█ ▂']);
    expect(sparkRows([1, 2], 4)).toEqual(['  ▄█']);
  });

  it('stacks rows for a taller chart and keeps only the last `width` values', () => {
    expect(sparkRows([8, 4, 0], 3, 2)).toEqual(['█  ', '██▁']);
    expect(sparkRows([1, 2, 3, 4], 2)[0]).toHaveLength(2);
  });

  it('takes a fixed scale (hit rate 0–1)', () => {
    expect(sparkRows([0.5, 1], 2, 1, { max: 1 })).toEqual(['▄█']);
  });
});

describe('displayBins', () => {
  it('groups fine buckets under 1-2-5 bounds, empty bins between kept', () => {
    const bins = displayBins(
      [
        { fromUs: 90, toUs: 91, count: 3 },
        { fromUs: 150, toUs: 151, count: 2 },
        { fromUs: 1800, toUs: 1855, count: 1 },
      ],
      10,
    );
    expect(bins).toEqual([
      { upToUs: 100, count: 3 },
      { upToUs: 200, count: 2 },
      { upToUs: 500, count: 0 },
      { upToUs: 1000, count: 0 },
      { upToUs: 2000, count: 1 },
    ]);
    const merged = displayBins([{ fromUs: 5, toUs: 5, count: 1 }, { fromUs: 90_000, toUs: 90_500, count: 1 }], 4);
    expect(merged.length).toBeLessThanOrEqual(4);
    expect(merged.reduce((sum, bin) => sum + bin.count, 0)).toBe(2);
  });
});

describe('layoutColumns', () => {
  const rows = [nodeRow({ address: '127.0.0.1:30000' })];
  it('keeps every column on a wide terminal and only the essentials on a narrow one', () => {
    expect(layoutColumns(rows, 400).map((column) => column.id)).toEqual(COLUMNS.map((column) => column.id));
    expect(layoutColumns(rows, 48).map((column) => column.id)).toEqual(['node', 'role', 'ops', 'hit', 'p99']);
  });

  it('never exceeds the width once the essentials fit', () => {
    for (const width of [60, 80, 100, 120]) {
      const columns = layoutColumns(rows, width);
      const used = MARKER_WIDTH + columns.reduce((sum, column) => sum + column.width, 0) + columns.length - 1;
      expect(used).toBeLessThanOrEqual(width);
    }
  });

  it('widens the node column for long addresses when there is room', () => {
    const long = [nodeRow({ address: 'cache-primary-0.internal.example:6379' })];
    expect(layoutColumns(long, 400)[0]!.width).toBe(long[0]!.address.length);
  });
});

describe('keymap', () => {
  const BINDINGS = activeBindings(TOP_KEYS, false);
  const actionFor = (input: string, key: Key, view: TopView) => resolveKey(BINDINGS, view, input, key);

  it('maps keys to actions per view', () => {
    expect(actionFor('q', NO_KEY, 'table')).toBe('quit');
    expect(actionFor('c', { ...NO_KEY, ctrl: true }, 'detail')).toBe('quit');
    expect(actionFor('c', NO_KEY, 'table')).toBe('chart-next');
    expect(actionFor('', { ...NO_KEY, downArrow: true }, 'table')).toBe('down');
    expect(actionFor('', { ...NO_KEY, return: true }, 'table')).toBe('detail');
    expect(actionFor('', { ...NO_KEY, escape: true, meta: true }, 'detail')).toBe('back');
    // Sorting is a table key; in help only quit, back and help work.
    expect(actionFor('s', NO_KEY, 'detail')).toBeUndefined();
    expect(actionFor('p', NO_KEY, 'help')).toBeUndefined();
    expect(actionFor('x', NO_KEY, 'table')).toBeUndefined();
  });

  it('draws the help line from the same table, cut to the width', () => {
    const line = helpLine(BINDINGS, 'table');
    for (const binding of bindingsIn(BINDINGS, 'table').filter((b) => b.panelOnly !== true)) expect(line).toContain(`${binding.label} ${binding.hint}`);
    expect(fitHelp(line, 20)).toBe('q quit · p pause');
    expect(helpLine(BINDINGS, 'detail')).not.toContain('sort');
    // The help screen lists every binding once (↑ and ↓ share a line), the panel-only ones too.
    const labels = helpEntries(BINDINGS).map((entry) => entry.label);
    expect(labels).toEqual(['q', 'p', 's', '↑↓', 'enter', 'n', 'esc', 'c', 'h', 'l', 't', '?']);
  });

  it('binds no key twice within a view', () => {
    for (const view of ['table', 'detail', 'traffic', 'help'] as const) {
      const presses = bindingsIn(BINDINGS, view).flatMap((binding) => binding.strokes.map((stroke) => JSON.stringify(stroke)));
      expect(new Set(presses).size).toBe(presses.length);
    }
  });
});
