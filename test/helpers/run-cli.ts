// Runs the CLI in-process, the way CI runs it (no terminal), and captures what it prints.
import { Readable } from 'node:stream';
import type { ExitCodeValue } from '../../src/core/errors.js';
import type { CliIO } from '../../src/cli/io.js';
import { run } from '../../src/cli/main.js';

export interface CliResult {
  code: ExitCodeValue;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/** `cachectl <args>` with stdout, stderr and stdin not terminals, and no user config file. */
export async function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (chunk: string) => ((stdout += chunk), true), isTTY: false },
    stderr: { write: (chunk: string) => ((stderr += chunk), true), isTTY: false },
    stdin: Object.assign(Readable.from([]), { isTTY: false }),
    env: { CACHECTL_CONFIG: '/nonexistent/cachectl-test-config.json', NO_COLOR: '1', ...options.env },
  };
  const runOptions = options.signal === undefined ? { handleSignals: false } : { handleSignals: false, signal: options.signal };
  const code = await run(['node', 'cachectl', ...args], io, runOptions);
  return { code, stdout, stderr };
}
