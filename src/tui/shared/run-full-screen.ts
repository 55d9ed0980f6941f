// Runs an ink app full screen, for both dashboards (top and browse): the alternate screen (the
// shell's screen comes back untouched), the cursor hidden, raw keys, console output held back
// (a library's console.warn would tear the frame) and written to stderr afterwards, and the
// terminal restored on every way out: the app's own quit, Ctrl-C, an outside abort, SIGTERM or
// SIGHUP, an exception in the app, and even an uncaught one that ends the process.

import { format } from 'node:util';
import { render } from 'ink';
import type { ReactElement } from 'react';

/** How the app was left: its own quit (q), or an interruption (Ctrl-C, SIGTERM, SIGHUP, an outside abort). */
export type LeaveReason = 'quit' | 'interrupt';

export interface FullScreenOptions {
  /** The terminal: ink needs real TTY streams (raw mode, size, resize events). */
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Aborted from outside (the CLI's SIGINT handling): leave as if interrupted. */
  signal: AbortSignal;
  /** Most frames per second ink draws. @default ink's (30) */
  maxFps?: number;
  /** Called once the app is on screen with the same `leave` the app gets; may return a cleanup. */
  onStart?: (leave: (reason: LeaveReason) => void) => (() => void) | void;
  /** Runs after leaving and before the app unmounts (e.g. stop a background scan while the screen still shows it). */
  beforeUnmount?: () => Promise<void>;
}

const ENTER_ALTERNATE_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALTERNATE_SCREEN = '\x1b[?1049l';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
/** Signals that end a terminal session or a job: leave like Ctrl-C, never with the screen taken. */
const LEAVE_SIGNALS = ['SIGTERM', 'SIGHUP'] as const;
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;

/**
 * Shows `app(leave)` until the app calls `leave`, ink exits (useApp().exit() counts as 'quit'), or
 * an interruption; resolves with the reason once the terminal is restored. Rejects with the app's
 * exception, after restoring the terminal too.
 */
export async function runFullScreen(app: (leave: (reason: LeaveReason) => void) => ReactElement, options: FullScreenOptions): Promise<LeaveReason> {
  const { stdout } = options;
  let leave: (reason: LeaveReason) => void = () => {};
  const left = new Promise<LeaveReason>((resolve) => {
    leave = resolve;
  });
  const interrupt = () => leave('interrupt');

  const heldConsole = holdConsole();
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdout.write(`${LEAVE_ALTERNATE_SCREEN}${SHOW_CURSOR}`);
    heldConsole.release(options.stderr);
  };
  // Before Node prints an uncaught exception (and when the process ends any other way), hand the
  // shell its screen back first, so the message is not printed into a screen about to vanish.
  process.once('uncaughtExceptionMonitor', restore);
  process.once('exit', restore);
  for (const signal of LEAVE_SIGNALS) process.on(signal, interrupt);
  options.signal.addEventListener('abort', interrupt, { once: true });
  if (options.signal.aborted) interrupt();

  stdout.write(`${ENTER_ALTERNATE_SCREEN}${HIDE_CURSOR}`);
  let instance: ReturnType<typeof render> | undefined;
  let cleanup: (() => void) | void = undefined;
  try {
    instance = render(app(leave), {
      stdout,
      stdin: options.stdin,
      stderr: options.stderr,
      // Ctrl-C is a key binding: each app decides (browse must stop a running purge cleanly).
      exitOnCtrlC: false,
      patchConsole: false,
      ...(options.maxFps === undefined ? {} : { maxFps: options.maxFps }),
    });
    cleanup = options.onStart?.(leave);
    const reason = await Promise.race([left, instance.waitUntilExit().then(() => 'quit' as const)]);
    await options.beforeUnmount?.();
    return reason;
  } finally {
    if (typeof cleanup === 'function') cleanup();
    options.signal.removeEventListener('abort', interrupt);
    for (const signal of LEAVE_SIGNALS) process.removeListener(signal, interrupt);
    // Unmounting gives the keyboard back (raw mode off) and stops ink's timers.
    instance?.unmount();
    instance?.cleanup();
    process.removeListener('uncaughtExceptionMonitor', restore);
    process.removeListener('exit', restore);
    restore();
  }
}

/** Replaces console output with a buffer until `release`, which writes what was held to `stream`. */
function holdConsole(): { release: (stream: NodeJS.WritableStream) => void } {
  const held: string[] = [];
  const originals = CONSOLE_METHODS.map((method) => [method, console[method]] as const);
  for (const method of CONSOLE_METHODS) {
    console[method] = (...args: unknown[]) => {
      held.push(`${format(...args)}\n`);
    };
  }
  let released = false;
  return {
    release: (stream) => {
      if (released) return;
      released = true;
      for (const [method, original] of originals) console[method] = original;
      if (held.length > 0) stream.write(held.join(''));
    },
  };
}
