// Runs the dashboard on the terminal: the alternate screen (so the shell's screen comes back as
// it was), ink in raw mode, and an exit on q, Ctrl-C, --iterations or an outside interrupt.

import { render } from 'ink';
import type { DashboardModel } from '../../core/dashboard/model.js';
import type { DashboardSnapshot } from '../../core/dashboard/snapshot.js';
import type { NodeSort } from '../../core/dashboard/sort.js';
import type { Poller } from '../../core/dashboard/poller.js';
import { TopApp } from './TopApp.js';

export interface TopTuiOptions {
  poller: Poller<DashboardSnapshot>;
  model: DashboardModel;
  /** The terminal: ink needs real TTY streams (raw mode, size, resize events). */
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
  color: boolean;
  latencyLimitMs: number;
  initialSort: NodeSort;
  /** Quit after this many refreshes. */
  iterations?: number;
  /** Aborts on an outside interrupt (SIGINT, SIGTERM from the CLI). */
  signal: AbortSignal;
}

const ENTER_ALTERNATE_SCREEN = '\x1b[?1049h';
const LEAVE_ALTERNATE_SCREEN = '\x1b[?1049l';

/** Resolves once the dashboard has closed and the terminal is restored. */
export async function runTopTui(options: TopTuiOptions): Promise<void> {
  const { poller, model, stdout } = options;
  stdout.write(ENTER_ALTERNATE_SCREEN);
  // If something kills the process past ink's own cleanup, still hand the shell its screen back.
  const restore = () => stdout.write(LEAVE_ALTERNATE_SCREEN);
  process.once('exit', restore);
  const instance = render(
    <TopApp source={poller} onFocus={(address, detail) => model.focus(address, detail)} latencyLimitMs={options.latencyLimitMs} color={options.color} initialSort={options.initialSort} />,
    { stdout, stdin: options.stdin, stderr: options.stderr, exitOnCtrlC: false, maxFps: 10 },
  );
  const quit = () => instance.unmount();
  const unsubscribe = poller.subscribe((state) => {
    if (options.iterations !== undefined && state.refreshes >= options.iterations) quit();
  });
  options.signal.addEventListener('abort', quit, { once: true });
  try {
    await instance.waitUntilExit();
  } finally {
    unsubscribe();
    options.signal.removeEventListener('abort', quit);
    process.removeListener('exit', restore);
    restore();
  }
}
