// The dashboard's screen with ink-testing-library: rows, colours at the thresholds, sorting, keys,
// DOWN rows and resizing, fed snapshots by hand (the model has its own tests against servers).
import chalk from 'chalk';
import { render } from 'ink-testing-library';
import { useEffect } from 'react';
import type { ReactElement } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DashboardSnapshot, NodeRow } from '../../src/core/dashboard/snapshot.js';
import type { TopAppProps } from '../../src/tui/top/TopApp.js';
import { TopApp } from '../../src/tui/top/TopApp.js';
import { nodeDetail, nodeRow, snapshotOf } from '../helpers/dashboard-rows.js';
import { SnapshotSource } from '../helpers/snapshot-source.js';
import { UI_WAIT } from '../helpers/ui-wait.js';

const KEYS = { up: '\u001B[A', down: '\u001B[B', enter: '\r', escape: '\u001B', ctrlC: '\u0003' };
// eslint-disable-next-line no-control-regex -- ANSI escape sequences are control characters by definition.
const ANSI = /\u001B\[[0-9;]*m/g;
const plain = (frame: string | undefined) => (frame ?? '').replace(ANSI, '');

/** Six nodes as the Cluster fixture has: three masters, each followed by its replica. */
function clusterRows(): NodeRow[] {
  const rows: NodeRow[] = [];
  for (let i = 0; i < 3; i += 1) {
    const master = `127.0.0.1:3000${i}`;
    rows.push(nodeRow({ address: master, opsPerSec: 100 * (i + 1), hitRate: 0.9 - i * 0.01 }));
    rows.push(nodeRow({ address: `127.0.0.1:3010${i}`, role: 'replica', master, opsPerSec: 5, replication: { linkStatus: 'up', lagSeconds: 0, lagBytes: 0 } }));
  }
  return rows;
}

/** Calls onUnmount when the app under it goes away (q quits by unmounting). */
function UnmountProbe({ onUnmount, children }: { onUnmount: () => void; children: ReactElement }): ReactElement {
  useEffect(() => onUnmount, [onUnmount]);
  return children;
}

/** Renders the app and waits until ink listens for keys (a key written before that is lost). */
async function renderApp(snapshot: DashboardSnapshot, props: Partial<TopAppProps> = {}) {
  const source = new SnapshotSource(snapshot);
  const onFocus = vi.fn();
  const onUnmount = vi.fn();
  const app = render(
    <UnmountProbe onUnmount={onUnmount}>
      <TopApp source={source} onFocus={onFocus} latencyLimitMs={10} color={false} {...props} />
    </UnmountProbe>,
  );
  await vi.waitFor(() => expect(app.stdin.listenerCount('readable')).toBeGreaterThan(0), UI_WAIT);
  const frame = () => plain(app.lastFrame());
  const press = async (key: string, until: (text: string) => boolean) => {
    app.stdin.write(key);
    await vi.waitFor(() => expect(until(frame())).toBe(true), UI_WAIT);
  };
  return { ...app, source, onFocus, onUnmount, frame, press };
}

/** The node addresses in the order the table shows them. */
const rowOrder = (text: string) => [...text.matchAll(/^[› ] (127\.0\.0\.1:\d+)/gm)].map((match) => match[1]);
const selectedAddress = (text: string) => /^› (\S+)/m.exec(text)?.[1];

afterEach(() => {
  vi.restoreAllMocks();
});

describe('node table', () => {
  it('shows the header totals and one row per node with its figures', async () => {
    const { frame, unmount } = await renderApp(snapshotOf(clusterRows()));
    const text = frame();
    expect(text).toContain('cachectl top · Cluster · 6 nodes · redis 7.2.4 · every 1s · sort topology');
    expect(text).toMatch(/ops\/s 615 · hit 95\.0%/);
    expect(rowOrder(text)).toEqual(['127.0.0.1:30000', '127.0.0.1:30100', '127.0.0.1:30001', '127.0.0.1:30101', '127.0.0.1:30002', '127.0.0.1:30102']);
    const firstMaster = text.split('\n').find((line) => line.includes('127.0.0.1:30000'))!;
    expect(firstMaster).toMatch(/127\.0\.0\.1:30000\s+M\s+100\s+90\.0%\s+0\.50/);
    expect(text.split('\n').find((line) => line.includes('127.0.0.1:30100'))).toMatch(/\sR\s+5\s/);
    expect(text).toContain('q quit · p pause · s sort · ↑↓ select · enter detail');
    unmount();
  });

  it('names the target on a third header line when given, and keeps the frame within the terminal', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => nodeRow({ address: `127.0.0.1:${31000 + i}` }));
    const { frame, unmount } = await renderApp(snapshotOf(rows), { target: 'cluster via 10.0.0.1:7000 · db 0 · context prod' });
    const text = frame().split('\n');
    expect(text[2]).toBe('target: cluster via 10.0.0.1:7000 · db 0 · context prod');
    expect(text.length).toBeLessThanOrEqual(23);
    unmount();
    const none = await renderApp(snapshotOf(clusterRows()));
    expect(none.frame()).not.toContain('target:');
    none.unmount();
  });

  it("shows cachectl's own event-loop lag apart from node latency, labelled as its own", async () => {
    const { frame, unmount } = await renderApp(snapshotOf(clusterRows(), { cachectl: { eventLoopLag: { p99Ms: 42.5, maxMs: 60 } } }));
    expect(frame()).toMatch(/cachectl top · Cluster .* · sort .* · own lag p99 42\.5ms/);
    unmount();
    const none = await renderApp(snapshotOf(clusterRows()));
    expect(none.frame()).not.toContain('own lag');
    none.unmount();
  });

  it('shows a DOWN row with the reason and the retry, and counts it in the header', async () => {
    const rows = clusterRows();
    rows[3] = nodeRow({ address: '127.0.0.1:30101', role: 'replica', status: 'down', retryInMs: 4000 });
    const { frame, unmount } = await renderApp(snapshotOf(rows));
    const line = frame().split('\n').find((l) => l.includes('127.0.0.1:30101'))!;
    expect(line).toMatch(/DOWN cannot connect to 127\.0\.0\.1:30101: connection refused · retry in 4s/);
    expect(frame()).toContain('6 nodes (1 DOWN)');
    unmount();
  });

  it('marks a node whose INFO is late as stale', async () => {
    const rows = clusterRows();
    rows[0] = { ...rows[0]!, stale: true };
    const { frame, unmount } = await renderApp(snapshotOf(rows));
    expect(frame().split('\n').find((l) => l.includes('127.0.0.1:30000'))).toMatch(/\sM\*\s/);
    unmount();
  });

  it('updates when a new snapshot arrives', async () => {
    const { frame, source, unmount } = await renderApp(snapshotOf(clusterRows()));
    const rows = clusterRows();
    rows[0] = { ...rows[0]!, opsPerSec: 12_345 };
    source.push(snapshotOf(rows));
    await vi.waitFor(() => expect(frame()).toMatch(/127\.0\.0\.1:30000\s+M\s+12\.3k/), UI_WAIT);
    unmount();
  });
});

describe('threshold colours', () => {
  let level: typeof chalk.level;
  beforeAll(() => {
    // ink colours through this chalk instance; tests run without a terminal, where it would be off.
    level = chalk.level;
    chalk.level = 1;
  });
  afterAll(() => {
    chalk.level = level;
  });

  const RED = '\u001B[31m';
  const YELLOW = '\u001B[33m';
  /** The ANSI colour that opens just before `text` on the line of `address`. */
  function colourOf(frame: string, address: string, text: string): string | null {
    const line = frame.split('\n').find((l) => l.replace(ANSI, '').includes(address))!;
    // The cell, not the same characters inside another one: spaces or an escape code on both sides.
    let at = -1;
    for (let from = line.indexOf(text); from >= 0; from = line.indexOf(text, from + 1)) {
      const before = line[from - 1];
      const after = line[from + text.length];
      if ((before === ' ' || before === 'm') && (after === undefined || after === ' ' || after === '\u001B')) {
        at = from;
        break;
      }
    }
    if (at < 0) throw new Error(`${text} not on the line of ${address}: ${JSON.stringify(line)}`);
    const before = line.slice(0, at);
    const codes = [...before.matchAll(ANSI)].map((match) => match[0]);
    const last = codes.at(-1);
    return last === undefined || last === '\u001B[39m' ? null : last;
  }

  it('colours hit rate, evictions, p99 and memory by their thresholds', async () => {
    const rows = [
      nodeRow({ address: '127.0.0.1:1', hitRate: 0.45, lookups: 1000 }),
      nodeRow({ address: '127.0.0.1:2', hitRate: 0.65, lookups: 1000, evictionsPerSec: 3 }),
      nodeRow({ address: '127.0.0.1:3', hitRate: 0.65, lookups: 10, p99Ms: 12.5, memoryUsage: 0.95 }),
      nodeRow({ address: '127.0.0.1:4', hitRate: 0.99, p99Ms: 75.5, memoryUsage: 0.8 }),
    ];
    const { lastFrame, unmount } = await renderApp(snapshotOf(rows), { color: true });
    const frame = lastFrame()!;
    expect(colourOf(frame, '127.0.0.1:1', '45.0%')).toBe(RED);
    expect(colourOf(frame, '127.0.0.1:2', '65.0%')).toBe(YELLOW);
    expect(colourOf(frame, '127.0.0.1:2', '3')).toBe(YELLOW);
    // Ten lookups do not make a hit rate worth colouring.
    expect(colourOf(frame, '127.0.0.1:3', '65.0%')).toBeNull();
    expect(colourOf(frame, '127.0.0.1:3', '12.5')).toBe(YELLOW);
    expect(colourOf(frame, '127.0.0.1:3', '95%')).toBe(RED);
    expect(colourOf(frame, '127.0.0.1:4', '75.5')).toBe(RED);
    expect(colourOf(frame, '127.0.0.1:4', '80%')).toBe(YELLOW);
    expect(colourOf(frame, '127.0.0.1:4', '99.0%')).toBeNull();
    unmount();
  });

  it('colours a DOWN row red, and nothing at all without colour (NO_COLOR)', async () => {
    const rows = [nodeRow({ address: '127.0.0.1:1', hitRate: 0.2, lookups: 1000 }), nodeRow({ address: '127.0.0.1:2', status: 'down' })];
    const coloured = await renderApp(snapshotOf(rows), { color: true });
    expect(colourOf(coloured.lastFrame()!, '127.0.0.1:2', 'DOWN')).toBe(RED);
    coloured.unmount();
    const uncoloured = await renderApp(snapshotOf(rows), { color: false });
    expect(uncoloured.lastFrame()!).not.toContain('\u001B[3');
    uncoloured.unmount();
  });
});

describe('keys', () => {
  it('s cycles the sort order and keeps the selected node', async () => {
    const { frame, press, unmount } = await renderApp(snapshotOf(clusterRows()));
    await press(KEYS.down, (text) => selectedAddress(text) === '127.0.0.1:30100');
    await press('s', (text) => text.includes('sort ops/s ↓'));
    expect(rowOrder(frame())).toEqual(['127.0.0.1:30002', '127.0.0.1:30001', '127.0.0.1:30000', '127.0.0.1:30100', '127.0.0.1:30101', '127.0.0.1:30102']);
    expect(selectedAddress(frame())).toBe('127.0.0.1:30100');
    await press('s', (text) => text.includes('sort hit rate ↑'));
    expect(rowOrder(frame()).slice(0, 3)).toEqual(['127.0.0.1:30002', '127.0.0.1:30001', '127.0.0.1:30000']);
    unmount();
  });

  it('handles each key of a burst that arrives in one chunk (fast typing, a paste)', async () => {
    const { press, unmount } = await renderApp(snapshotOf(clusterRows()));
    // Three down moves and two sort steps in one write: every key acts, on what the one before did.
    await press('jjjss', (text) => text.includes('sort hit rate ↑') && selectedAddress(text) === '127.0.0.1:30101');
    unmount();
  });

  it('↑/↓ (and k/j) move the selection within the table and report it to the model', async () => {
    const { press, onFocus, unmount } = await renderApp(snapshotOf(clusterRows()));
    expect(onFocus).toHaveBeenLastCalledWith('127.0.0.1:30000', false);
    await press(KEYS.down, (text) => selectedAddress(text) === '127.0.0.1:30100');
    await press('j', (text) => selectedAddress(text) === '127.0.0.1:30001');
    await press(KEYS.up, (text) => selectedAddress(text) === '127.0.0.1:30100');
    await press('k', (text) => selectedAddress(text) === '127.0.0.1:30000');
    // Already at the top: stays.
    await press(KEYS.up, (text) => selectedAddress(text) === '127.0.0.1:30000');
    await vi.waitFor(() => expect(onFocus).toHaveBeenLastCalledWith('127.0.0.1:30000', false), UI_WAIT);
    unmount();
  });

  it('enter opens the detail view of the selected node, esc goes back', async () => {
    const rows = clusterRows();
    const detail = nodeDetail('127.0.0.1:30100', {
      topByCalls: [{ command: 'get', calls: 6000, usec: 12_000, usecPerCall: 2, callsPerSec: 100, p50Us: 1, p99Us: 4, p999Us: 12 }],
      topByTime: [{ command: 'get', calls: 6000, usec: 12_000, usecPerCall: 2, callsPerSec: 100, p50Us: 1, p99Us: 4, p999Us: 12 }],
      findings: [{ id: 'maxmemory-unset', severity: 'warning', node: '127.0.0.1:30100', message: 'no maxmemory set', advice: 'set it', figures: {} }],
      slowlog: [{ id: 1, at: '2026-01-01T00:00:00.000Z', durationUs: 25_000, args: ['KEYS', '*'], client: '127.0.0.1:5000', clientName: null }],
    });
    const { frame, press, source, onFocus, unmount } = await renderApp(snapshotOf(rows));
    await press(KEYS.down, (text) => selectedAddress(text) === '127.0.0.1:30100');
    await press(KEYS.enter, (text) => text.includes('replica of 127.0.0.1:30000'));
    expect(onFocus).toHaveBeenCalledWith('127.0.0.1:30100', true);
    expect(source.calls).toContain('refreshNow');
    // Until the model fetched it, the detail says so.
    expect(frame()).toContain('loading…');
    source.push(snapshotOf(rows, { detail }));
    await vi.waitFor(() => expect(frame()).toContain('WARN maxmemory-unset: no maxmemory set'), UI_WAIT);
    expect(frame()).toMatch(/get\s+100\/s\s+2\.0µs\/call/);
    expect(frame()).toMatch(/25\.0ms\s+KEYS \*\s+127\.0\.0\.1:5000/);
    expect(frame()).toContain('esc back');
    await press(KEYS.escape, (text) => text.includes('NODE') && !text.includes('replica of'));
    await vi.waitFor(() => expect(onFocus).toHaveBeenLastCalledWith('127.0.0.1:30100', false), UI_WAIT);
    unmount();
  });

  it('? shows help from the keymap, ? or esc closes it', async () => {
    const { press, unmount } = await renderApp(snapshotOf(clusterRows()));
    await press('?', (text) => text.includes('pause / resume refreshing') && text.includes('hit rate < 70% / < 50%'));
    await press('?', (text) => text.includes('NODE'));
    await press('?', (text) => text.includes('pause / resume refreshing'));
    await press(KEYS.escape, (text) => text.includes('NODE'));
    unmount();
  });

  it('p pauses and resumes the poller', async () => {
    const { press, source, unmount } = await renderApp(snapshotOf(clusterRows()));
    await press('p', (text) => text.includes('PAUSED'));
    await press('p', (text) => !text.includes('PAUSED'));
    expect(source.calls).toEqual(['pause', 'resume']);
    unmount();
  });

  it('c, h and l switch the chart shown first, t its scope', async () => {
    const { press, unmount } = await renderApp(snapshotOf(clusterRows()));
    const firstChart = (text: string) => /^(ops\/s|hit rate|p99 ms) · (\S+)/m.exec(text)?.slice(1, 3).join(' ');
    await press('c', (text) => firstChart(text) === 'hit rate total');
    await press('l', (text) => firstChart(text) === 'p99 ms total');
    await press('h', (text) => firstChart(text) === 'hit rate total');
    await press('t', (text) => firstChart(text) === 'hit rate 127.0.0.1:30000');
    unmount();
  });

  it('q and Ctrl-C quit', async () => {
    for (const key of ['q', KEYS.ctrlC]) {
      const { stdin, onUnmount } = await renderApp(snapshotOf(clusterRows()));
      stdin.write(key);
      await vi.waitFor(() => expect(onUnmount).toHaveBeenCalled(), UI_WAIT);
    }
  });
});

describe('layout', () => {
  const lines = (text: string) => text.split('\n');

  it('fits 80×24 with a 6-node cluster: every column that matters, all three charts', async () => {
    const { stdout, frame, unmount } = await renderApp(snapshotOf(clusterRows()));
    Object.defineProperty(stdout, 'columns', { value: 80, configurable: true });
    Object.defineProperty(stdout, 'rows', { value: 24, configurable: true });
    stdout.emit('resize');
    return vi
      .waitFor(() => expect(Math.max(...lines(frame()).map((line) => line.length))).toBeLessThanOrEqual(80), UI_WAIT)
      .then(() => {
        const text = frame();
        expect(lines(text).length).toBeLessThanOrEqual(23);
        for (const line of lines(text)) expect(line.length).toBeLessThanOrEqual(80);
        for (const header of ['NODE', 'ROLE', 'OPS/s', 'HIT%', 'P99ms', 'EVIC/s', 'MEM', 'MAX%']) expect(text).toContain(header);
        expect(rowOrder(text)).toHaveLength(6);
        expect(text).toContain('ops/s · total');
        expect(text).toContain('hit rate · total');
        expect(text).toContain('p99 ms · total');
        unmount();
      });
  });

  it('shows more columns when the terminal grows, fewer when it shrinks', async () => {
    const { stdout, frame, unmount } = await renderApp(snapshotOf(clusterRows()));
    const resize = (columns: number) => {
      Object.defineProperty(stdout, 'columns', { value: columns, configurable: true });
      stdout.emit('resize');
    };
    resize(160);
    await vi.waitFor(() => expect(frame()).toContain('KEYS'), UI_WAIT);
    expect(frame()).toContain('FRAG');
    resize(50);
    await vi.waitFor(() => expect(frame()).not.toContain('EVIC/s'), UI_WAIT);
    expect(frame()).not.toContain('MEM');
    for (const line of lines(frame())) expect(line.length).toBeLessThanOrEqual(50);
    expect(rowOrder(frame())).toHaveLength(6);
    unmount();
  });

  it('scrolls a table taller than the terminal to keep the selection in view', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => nodeRow({ address: `127.0.0.1:${31000 + i}` }));
    const { frame, press, unmount } = await renderApp(snapshotOf(rows));
    expect(frame()).toMatch(/… \d+ more nodes/);
    expect(lines(frame()).length).toBeLessThanOrEqual(23);
    for (let i = 1; i <= 25; i += 1) await press(KEYS.down, (text) => selectedAddress(text) === `127.0.0.1:${31000 + i}`);
    expect(rowOrder(frame())).not.toContain('127.0.0.1:31000');
    unmount();
    // 25 keys, each waiting for its frame: near vitest's 5 s default on a loaded machine.
  }, 20_000);
});
