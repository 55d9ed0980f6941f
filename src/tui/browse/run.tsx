// Starts the explorer on the terminal: the alternate screen (so the shell's screen comes back
// untouched on exit), ink with the BrowseApp, the background scan; and tears it all down again,
// whatever way it ends. Loaded with `await import()` by the browse command only.

import { render } from 'ink';
import { BrowseApp } from './browse-app.js';
import type { RedisSource } from '../../core/browse/redis-source.js';

export interface RunBrowseOptions {
  source: RedisSource;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  color: boolean;
  /** Aborted from outside (SIGINT, SIGTERM): leave as if Ctrl-C was pressed. */
  signal: AbortSignal;
}

const ENTER_ALTERNATE_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALTERNATE_SCREEN = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';

/** Runs until the user quits; resolves with how they left. */
export async function runBrowseTui(options: RunBrowseOptions): Promise<'quit' | 'interrupt'> {
  const { source, stdout } = options;
  let resolveQuit: (reason: 'quit' | 'interrupt') => void = () => {};
  const quit = new Promise<'quit' | 'interrupt'>((resolve) => {
    resolveQuit = resolve;
  });
  const onAbort = () => resolveQuit('interrupt');
  options.signal.addEventListener('abort', onAbort, { once: true });

  stdout.write(ENTER_ALTERNATE_SCREEN);
  // If something ends the process past the cleanup below, still hand the shell its screen back.
  const restore = () => stdout.write(`${LEAVE_ALTERNATE_SCREEN}${SHOW_CURSOR}`);
  process.once('exit', restore);
  let instance: ReturnType<typeof render> | undefined;
  try {
    instance = render(<BrowseApp source={source} color={options.color} onQuit={(reason) => resolveQuit(reason)} />, {
      stdout,
      stdin: options.stdin,
      stderr: options.stderr,
      // Ctrl-C is a key binding: it must stop a running purge cleanly, not kill the app mid-batch.
      exitOnCtrlC: false,
      patchConsole: false,
    });
    const scan = source.tree.start();
    const reason = await Promise.race([quit, instance.waitUntilExit().then(() => 'quit' as const)]);
    source.tree.stop();
    await scan;
    // A deletion stops after its batch in flight (its dialog aborted it on unmount); never leave mid-batch.
    instance.unmount();
    await source.purge?.settled?.();
    return reason;
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    source.tree.stop();
    instance?.unmount();
    instance?.cleanup();
    process.removeListener('exit', restore);
    restore();
  }
}
