// Runs the dashboard on the terminal (tui/shared/run-full-screen.ts does the terminal's part) until
// q, Ctrl-C, --iterations or an outside interrupt.

import type { DashboardModel } from '../../core/dashboard/model.js';
import type { DashboardSnapshot } from '../../core/dashboard/snapshot.js';
import type { NodeSort } from '../../core/dashboard/sort.js';
import type { Poller } from '../../base/poller.js';
import type { LeaveReason } from '../shared/run-full-screen.js';
import { runFullScreen } from '../shared/run-full-screen.js';
import { TopApp } from './TopApp.js';
import type { LiveTraffic } from '../../core/traffic/live-traffic.js';

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
  /** The target in words, for the header. */
  target?: string;
  /** Quit after this many refreshes. */
  iterations?: number;
  /** Starts the namespace panel's traffic sampler on a node. */
  openTraffic?: (address: string) => LiveTraffic;
  /** Aborts on an outside interrupt (SIGINT from the CLI). */
  signal: AbortSignal;
}

/** Resolves once the dashboard has closed and the terminal is restored, with how it was left. */
export async function runTopTui(options: TopTuiOptions): Promise<LeaveReason> {
  const { poller, model } = options;
  return runFullScreen(
    () => (
      <TopApp
        source={poller}
        onFocus={(address, detail) => model.focus(address, detail)}
        latencyLimitMs={options.latencyLimitMs}
        color={options.color}
        initialSort={options.initialSort}
        openTraffic={options.openTraffic}
        {...(options.target === undefined ? {} : { target: options.target })}
      />
    ),
    {
      stdout: options.stdout,
      stdin: options.stdin,
      stderr: options.stderr,
      signal: options.signal,
      maxFps: 10,
      onStart: (leave) =>
        poller.subscribe((state) => {
          if (options.iterations !== undefined && state.refreshes >= options.iterations) leave('quit');
        }),
    },
  );
}
