// The full-screen runner both dashboards use: on every way out (the app's quit, an outside abort,
// SIGTERM, SIGHUP, an exception while rendering) the alternate screen is left, the cursor shown,
// raw mode turned off, and console output held during the run reaches stderr afterwards.
import { EventEmitter } from 'node:events';
import { Text, useApp, useInput } from 'ink';
import { useEffect } from 'react';
import type { ReactElement } from 'react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runFullScreen } from '../../src/tui/shared/run-full-screen.js';
import type { LeaveReason } from '../../src/tui/shared/run-full-screen.js';
import { UI_WAIT } from '../helpers/ui-wait.js';

const ENTER = '\x1b[?1049h';
const LEAVE = '\x1b[?1049l';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

class FakeStdout extends EventEmitter {
  readonly isTTY = true;
  columns = 80;
  rows = 24;
  output = '';
  write(chunk: string): boolean {
    this.output += chunk;
    return true;
  }
}

class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  rawMode = false;
  private queue: string[] = [];
  setRawMode(mode: boolean): void {
    this.rawMode = mode;
  }
  setEncoding(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read(): string | null {
    return this.queue.shift() ?? null;
  }
  type(text: string): void {
    this.queue.push(text);
    this.emit('readable');
    this.emit('data', text);
  }
}

function terminal() {
  const stdout = new FakeStdout();
  const stderr = new FakeStdout();
  const stdin = new FakeStdin();
  const controller = new AbortController();
  const options = {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    signal: controller.signal,
  };
  return { stdout, stderr, stdin, controller, options };
}

/** Quits on q through ink's own exit (as top does), or through `leave` on x (as browse does). */
function App({ leave, onMount }: { leave: (reason: LeaveReason) => void; onMount?: () => void }): ReactElement {
  const { exit } = useApp();
  useInput((input) => {
    if (input === 'q') exit();
    if (input === 'x') leave('interrupt');
  });
  useEffect(() => onMount?.(), [onMount]);
  return <Text>on screen</Text>;
}

function Broken(): ReactElement {
  throw new Error('render failed');
}

/** What the terminal must look like after any way out. */
function expectRestored(t: ReturnType<typeof terminal>): void {
  const out = t.stdout.output;
  expect(out.startsWith(`${ENTER}`)).toBe(true);
  expect(out).toContain(HIDE_CURSOR);
  expect(out.lastIndexOf(LEAVE)).toBeGreaterThan(out.lastIndexOf('on screen'));
  expect(out.endsWith(`${LEAVE}${SHOW_CURSOR}`)).toBe(true);
  expect(t.stdin.rawMode).toBe(false);
  expect(process.listenerCount('SIGTERM')).toBe(signalListeners.SIGTERM);
  expect(process.listenerCount('SIGHUP')).toBe(signalListeners.SIGHUP);
  expect(process.listenerCount('exit')).toBe(signalListeners.exit);
}

/** Listeners before a run; ink's own (signal-exit, installed once on its first render) are counted in. */
const signalListeners = { SIGTERM: 0, SIGHUP: 0, exit: 0 };

beforeAll(async () => {
  const t = terminal();
  const { run } = await start(t);
  t.stdin.type('q');
  await run;
  Object.assign(signalListeners, { SIGTERM: process.listenerCount('SIGTERM'), SIGHUP: process.listenerCount('SIGHUP'), exit: process.listenerCount('exit') });
});

/** Starts the app and waits until it is drawn and listening for keys. */
async function start(t: ReturnType<typeof terminal>, app: (leave: (reason: LeaveReason) => void) => ReactElement = (leave) => <App leave={leave} />) {
  const run = runFullScreen(app, t.options);
  await vi.waitFor(() => {
    expect(t.stdout.output).toContain('on screen');
    expect(t.stdin.listenerCount('readable')).toBeGreaterThan(0);
  }, UI_WAIT);
  // Wrapped: an async function returning the promise itself would wait for it.
  return { run };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('runFullScreen', () => {
  it('takes the alternate screen and gives it back when the app exits through ink (q)', async () => {
    const t = terminal();
    const { run } = await start(t);
    expect(t.stdin.rawMode).toBe(true);
    t.stdin.type('q');
    await expect(run).resolves.toBe('quit');
    expectRestored(t);
  });

  it('restores the terminal when the app leaves by itself', async () => {
    const t = terminal();
    const { run } = await start(t);
    t.stdin.type('x');
    await expect(run).resolves.toBe('interrupt');
    expectRestored(t);
  });

  it('leaves as interrupted on an outside abort', async () => {
    const t = terminal();
    const { run } = await start(t);
    t.controller.abort();
    await expect(run).resolves.toBe('interrupt');
    expectRestored(t);
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)('leaves as interrupted on %s, with the terminal restored', async (signal) => {
    const t = terminal();
    const { run } = await start(t);
    process.emit(signal, signal);
    await expect(run).resolves.toBe('interrupt');
    expectRestored(t);
  });

  it('restores the terminal when the app throws, and passes the error on', async () => {
    const t = terminal();
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await expect(runFullScreen(() => <Broken />, t.options)).rejects.toThrow('render failed');
    const out = t.stdout.output;
    expect(out.endsWith(`${LEAVE}${SHOW_CURSOR}`)).toBe(true);
    expect(t.stdin.rawMode).toBe(false);
  });

  it('holds console output while on screen and writes it to stderr afterwards', async () => {
    const t = terminal();
    const { run } = await start(t, (leave) => <App leave={leave} onMount={() => console.warn('[WARN] a library speaks %d', 1)} />);
    expect(t.stdout.output).not.toContain('a library speaks');
    expect(t.stderr.output).toBe('');
    t.stdin.type('q');
    await run;
    expect(t.stderr.output).toBe('[WARN] a library speaks 1\n');
    expect(t.stdout.output).not.toContain('a library speaks');
    // The console is the real one again.
    expect(console.warn.toString()).not.toContain('held.push');
  });

  it('runs onStart with leave and its cleanup, and beforeUnmount while the app is still mounted', async () => {
    const t = terminal();
    const order: string[] = [];
    const run = runFullScreen((leave) => <App leave={leave} />, {
      ...t.options,
      onStart: (leave) => {
        order.push('start');
        setTimeout(() => leave('quit'), 50);
        return () => order.push('cleanup');
      },
      beforeUnmount: async () => {
        order.push(`before unmount (raw ${t.stdin.rawMode})`);
      },
    });
    await expect(run).resolves.toBe('quit');
    expect(order).toEqual(['start', 'before unmount (raw true)', 'cleanup']);
    expectRestored(t);
  });
});
