// Starts the explorer on the terminal (tui/shared/run-full-screen.ts does the terminal's part) with
// the background scan, and tears it all down again whatever way it ends. Loaded with
// `await import()` by the browse command only.

import { BrowseApp } from './browse-app.js';
import type { RedisSource } from '../../core/browse/redis-source.js';
import type { LeaveReason } from '../shared/run-full-screen.js';
import { runFullScreen } from '../shared/run-full-screen.js';

export interface RunBrowseOptions {
  source: RedisSource;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  color: boolean;
  /** Aborted from outside (SIGINT): leave as if Ctrl-C was pressed. */
  signal: AbortSignal;
}

/** Runs until the user quits; resolves with how they left. */
export async function runBrowseTui(options: RunBrowseOptions): Promise<LeaveReason> {
  const { source } = options;
  let scan: Promise<unknown> = Promise.resolve();
  const stopScan = async () => {
    source.tree.stop();
    await scan;
  };
  try {
    return await runFullScreen((leave) => <BrowseApp source={source} color={options.color} onQuit={leave} />, {
      stdout: options.stdout,
      stdin: options.stdin,
      stderr: options.stderr,
      signal: options.signal,
      onStart: () => {
        scan = source.tree.start();
      },
      beforeUnmount: stopScan,
    });
  } finally {
    await stopScan();
    // A deletion stops after its batch in flight (its dialog aborted it on unmount); never leave mid-batch.
    await source.purge?.settled?.();
  }
}
