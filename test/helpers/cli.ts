// Running cachectl from tests: `runCli` spawns the built binary the way a user or a CI job
// does; `runInProcess` calls run() from src/cli/main.ts with in-memory streams (fast, and
// debuggable with breakpoints). Both start from a small, fixed environment so a developer's
// REDIS_URL, REDISCLI_AUTH or config file never leaks into a test.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI_BIN = path.join(REPO_ROOT, 'bin', 'cachectl.js');

export interface CliResult {
  /** Exit code; null only if the process was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunCliOptions {
  /** Added to (and overriding) the base environment. */
  env?: Record<string, string>;
  /** The run fails the test if the process is still alive after this long. @default 30000 */
  timeoutMs?: number;
  /** Working directory (files such as ./.cachectl.json are found there). @default REPO_ROOT */
  cwd?: string;
}

/**
 * The environment every run starts from: PATH and HOME for node itself, no colour, and a
 * config path that does not exist, so `--context` only sees files a test writes.
 */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {
    NO_COLOR: '1',
    CACHECTL_CONFIG: path.join(REPO_ROOT, 'test', 'helpers', 'no-such-config.json'),
  };
  for (const name of ['PATH', 'HOME', 'SYSTEMROOT', 'TMPDIR']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export interface RunningCli {
  child: ChildProcess;
  /** Output so far, while it runs. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when the process exits; rejects if it outlives the timeout. */
  done: Promise<CliResult>;
}

/** Spawns `node bin/cachectl.js ...args` (built dist/; `npm test` builds first) with no TTY anywhere. */
export function startCli(args: readonly string[], options: RunCliOptions = {}): RunningCli {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const started = performance.now();
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...baseEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cachectl ${args.join(' ')} still running after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, durationMs: performance.now() - started });
    });
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    done,
  };
}

export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

export interface MemoryIO extends CliIO {
  /** Everything written to stdout so far. */
  out(): string;
  /** Everything written to stderr so far. */
  err(): string;
}

/** CliIO backed by strings: no TTY, empty stdin, and `baseEnv()` plus `env`. */
export function memoryIO(env: Record<string, string> = {}): MemoryIO {
  let stdout = '';
  let stderr = '';
  const stdin = Object.assign(Readable.from([]), { isTTY: false });
  return {
    stdout: { write: (chunk: string) => ((stdout += chunk), true), isTTY: false },
    stderr: { write: (chunk: string) => ((stderr += chunk), true), isTTY: false },
    stdin,
    env: { ...baseEnv(), ...env },
    out: () => stdout,
    err: () => stderr,
  };
}

/**
 * Runs the CLI in this process: `run(['node', 'cachectl', ...args], io, { handleSignals: false })`.
 * Aborting `signal` is what Ctrl-C does to a real run.
 */
export async function runInProcess(args: readonly string[], env: Record<string, string> = {}, signal?: AbortSignal): Promise<CliResult> {
  const io = memoryIO(env);
  const started = performance.now();
  const code = await run(['node', 'cachectl', ...args], io, signal === undefined ? { handleSignals: false } : { handleSignals: false, signal });
  return { code, signal: null, stdout: io.out(), stderr: io.err(), durationMs: performance.now() - started };
}

/**
 * A table output without its first line, which names the target (`target: single 127.0.0.1:6380 ·
 * db 0`); fails unless that line is there, and unless it is `target: ${target}` when given.
 */
export function tableBody(stdout: string, target?: string): string {
  const newline = stdout.indexOf('\n');
  const first = newline < 0 ? stdout : stdout.slice(0, newline);
  if (!first.startsWith('target: ')) throw new Error(`expected a target line first, got ${JSON.stringify(first)}`);
  if (target !== undefined && first !== `target: ${target}`) throw new Error(`expected "target: ${target}", got ${JSON.stringify(first)}`);
  return newline < 0 ? '' : stdout.slice(newline + 1);
}

/**
 * Runs the built CLI on a pseudo-terminal (util-linux `script`), types `answer` and Enter once
 * `promptText` appears, and resolves with everything it printed, terminal control sequences removed.
 */
export function runOnTerminal(args: readonly string[], promptText: string, answer: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, CLI_BIN, ...args].map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...baseEnv(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let answered = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (!answered && output.includes(promptText)) {
        answered = true;
        child.stdin.write(`${answer}\r`);
      }
    });
    child.on('error', reject);
    // eslint-disable-next-line no-control-regex -- removing readline's cursor moves and the status line is the point
    child.on('close', (code) => resolve({ code, output: output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '') }));
  });
}
