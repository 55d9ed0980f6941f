// What a command gets to work with: the resolved output format and colour, the abort signal
// (Ctrl-C), a lazily opened Topology, and the one place errors are printed and mapped to exit codes.

import type { Command } from 'commander';
import { CachectlError, ExitCode, isCachectlError } from '../base/errors.js';
import type { ExitCodeValue } from '../base/errors.js';
import type { Topology } from '../connection/topology.js';
import type { RunTarget } from '../connection/target.js';
import { describeTarget, targetLine, withTarget } from '../connection/target.js';
import { renderJson } from '../render/json.js';
import { loadPalette, palette } from '../render/table.js';
import type { GlobalFlags } from './globals.js';
import { resolveColor, resolveConnection, resolveOutputFormat } from './globals.js';
import type { CliIO, OutputFormat } from './io.js';

export interface CommandContext {
  readonly io: CliIO;
  readonly output: OutputFormat;
  readonly color: boolean;
  readonly signal: AbortSignal;
  /** stdin and stderr are terminals: prompts and progress are allowed. */
  readonly interactive: boolean;
  /** Opens the topology once per run; closed by the runtime when the command ends. */
  connect(): Promise<Topology>;
  /**
   * What the run is connected to, once connect() has succeeded (undefined before). Table output
   * gets it as its first line by itself; JSON documents add it with withTarget().
   */
  target(): RunTarget | undefined;
  /** `document` with its `target` field (unchanged when nothing is connected). */
  withTarget<T extends object>(document: T): T | (T & { target: RunTarget });
  /** Data for stdout; in table mode the first write after connecting starts with the target line. */
  write(text: string): void;
  /** Says stdout carries JSON records even though -o is table (top off a terminal): no target line. */
  machineOutput(): void;
  /** A one-line warning for humans, on stderr. */
  warn(message: string): void;
  /** A transient status line on stderr, only on a terminal. */
  status(text: string): void;
  /** Asks a question on the terminal; rejects when there is none. */
  prompt(question: string): Promise<string>;
}

export type CommandAction<O> = (ctx: CommandContext, options: O, args: string[]) => Promise<ExitCodeValue | void>;

export class Runtime {
  exitCode: ExitCodeValue = ExitCode.Ok;
  private topology: Topology | undefined;
  private runTarget: RunTarget | undefined;
  private targetShown = false;
  private secrets: string[] = [];
  private output: OutputFormat = 'table';
  private color = false;
  private stopNotices: (() => void) | undefined;

  constructor(
    readonly io: CliIO,
    readonly signal: AbortSignal,
  ) {}

  /** Wraps a command's action: builds its context, runs it, records the exit code, reports errors. */
  action<O>(fn: CommandAction<O>): (...args: unknown[]) => Promise<void> {
    return async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const flags = command.optsWithGlobals<GlobalFlags>();
      const ctx = this.context(flags);
      try {
        if (this.color) await loadPalette();
        const code = await fn(ctx, command.opts() as O, command.args);
        this.exitCode = code ?? ExitCode.Ok;
      } catch (error) {
        this.exitCode = this.report(error);
      } finally {
        await this.close();
      }
    };
  }

  private context(flags: GlobalFlags): CommandContext {
    const io = this.io;
    this.output = resolveOutputFormat(flags, io);
    this.color = resolveColor(flags, io);
    const interactive = io.stderr.isTTY === true && io.stdin.isTTY === true;
    let statusShown = false;
    const clearStatus = () => {
      if (statusShown) io.stderr.write('\r\x1b[2K');
      statusShown = false;
    };
    const ctx: CommandContext = {
      io,
      output: this.output,
      color: this.color,
      signal: this.signal,
      interactive,
      connect: async () => {
        if (this.topology !== undefined) return this.topology;
        const resolved = await resolveConnection(flags, io, () => this.askPassword());
        this.secrets = resolved.secrets;
        for (const warning of resolved.warnings) ctx.warn(warning);
        // Loaded when a command first connects: --help and usage errors never need the connection layer.
        const { connect } = await import('../connection/connect.js');
        const { onDriverNotice } = await import('../connection/node-client.js');
        // The driver says these once per connection; a run says each once.
        const said = new Set<string>();
        this.stopNotices = onDriverNotice((notice) => {
          if (said.has(notice.kind)) return;
          said.add(notice.kind);
          ctx.warn(notice.message);
        });
        this.topology = await connect(resolved.options);
        this.runTarget = describeTarget(this.topology, resolved.context);
        for (const notice of this.topology.notices) ctx.warn(notice);
        return this.topology;
      },
      target: () => this.runTarget,
      machineOutput: () => {
        this.targetShown = true;
      },
      withTarget: (document) => (this.runTarget === undefined ? document : withTarget(document, this.runTarget)),
      write: (text) => {
        clearStatus();
        if (this.output === 'table' && this.runTarget !== undefined && !this.targetShown) {
          this.targetShown = true;
          io.stdout.write(targetLine(this.runTarget));
        }
        io.stdout.write(text);
      },
      warn: (message) => {
        clearStatus();
        io.stderr.write(`${palette(this.color && io.stderr.isTTY === true).yellow('warning:')} ${this.scrub(message)}\n`);
      },
      status: (text) => {
        if (io.stderr.isTTY !== true) return;
        io.stderr.write(`\r\x1b[2K${text}`);
        statusShown = true;
      },
      prompt: (question) => {
        clearStatus();
        return this.prompt(question);
      },
    };
    return ctx;
  }

  /**
   * Prints an error (stderr always; stdout too as JSON in machine modes) and returns its exit code.
   * `json: false` leaves stdout alone, for commands that put the error into their own JSON document.
   */
  report(error: unknown, options: { json?: boolean } = {}): ExitCodeValue {
    const failure = this.toCachectlError(error);
    const chalk = palette(this.color && this.io.stderr.isTTY === true);
    const message = this.scrub(failure.message);
    const hint = failure.hint === undefined ? '' : ` — ${this.scrub(failure.hint)}`;
    this.io.stderr.write(`${chalk.red.bold('error:')} ${message}${chalk.dim(hint)}\n`);
    if (this.output !== 'table' && options.json !== false) {
      const error = { code: failure.code, message, hint: failure.hint === undefined ? null : this.scrub(failure.hint), exitCode: failure.exitCode };
      // An error after connecting still says where it came from, like every other document.
      const payload = this.runTarget === undefined ? { error } : { target: this.runTarget, error };
      this.io.stdout.write(this.output === 'ndjson' ? `${JSON.stringify(payload)}\n` : renderJson(payload));
    }
    return failure.exitCode;
  }

  /**
   * Reports an error raised before any command ran (commander's parse errors). No flags were
   * parsed, so the output format and colour come from the raw arguments.
   */
  reportBeforeCommand(error: CachectlError, argv: readonly string[]): ExitCodeValue {
    const flags: GlobalFlags = {};
    const output = outputFlag(argv);
    if (output !== undefined) flags.output = output;
    if (argv.includes('--no-color')) flags.color = false;
    this.output = resolveOutputFormat(flags, this.io);
    this.color = resolveColor(flags, this.io);
    return this.report(error);
  }

  private toCachectlError(error: unknown): CachectlError {
    if (isCachectlError(error)) return error;
    if (this.signal.aborted) return new CachectlError('INTERRUPTED', 'interrupted');
    const message = error instanceof Error ? error.message : String(error);
    return new CachectlError('SERVER', message, { hint: 'this looks like a bug in cachectl if it repeats; please report it with the command you ran' });
  }

  /** Removes every known secret from text meant for output. */
  scrub(text: string): string {
    let result = text;
    for (const secret of this.secrets) result = result.split(secret).join('***');
    return result;
  }

  private async askPassword(): Promise<string> {
    if (this.io.stdin.isTTY !== true || this.io.stderr.isTTY !== true) {
      throw new CachectlError('USAGE', '--askpass needs a terminal to prompt on', { hint: 'set REDISCLI_AUTH or CACHECTL_PASSWORD in the environment instead' });
    }
    const stdin = this.io.stdin;
    this.io.stderr.write('Password: ');
    stdin.setRawMode?.(true);
    stdin.resume();
    return new Promise((resolve, reject) => {
      let password = '';
      const onData = (chunk: Buffer) => {
        for (const char of chunk.toString('utf8')) {
          if (char === '\r' || char === '\n') {
            done();
            resolve(password);
            return;
          }
          if (char === '\u0003') {
            done();
            reject(new CachectlError('INTERRUPTED', 'interrupted at the password prompt'));
            return;
          }
          if (char === '\u007f') password = password.slice(0, -1);
          else password += char;
        }
      };
      const done = () => {
        stdin.removeListener('data', onData);
        stdin.setRawMode?.(false);
        stdin.pause();
        this.io.stderr.write('\n');
      };
      stdin.on('data', onData);
    });
  }

  private async prompt(question: string): Promise<string> {
    if (this.io.stdin.isTTY !== true || this.io.stderr.isTTY !== true) {
      throw new CachectlError('DECLINED', 'confirmation needed but there is no terminal to ask on', { hint: 'pass --yes to confirm non-interactively' });
    }
    // Loaded here: only a prompt needs readline, and every other run skips its start-up cost.
    const { createInterface } = await import('node:readline');
    const rl = createInterface({ input: this.io.stdin, output: this.io.stderr as NodeJS.WritableStream, terminal: true });
    let onAbort: (() => void) | undefined;
    try {
      return await new Promise<string>((resolve, reject) => {
        onAbort = () => reject(new CachectlError('INTERRUPTED', 'interrupted at the prompt'));
        // End of input (Ctrl-D, a closed pipe) is no answer, and no answer declines.
        rl.once('close', () => reject(new CachectlError('DECLINED', 'no answer at the prompt (end of input): nothing was done', { hint: 'answer the prompt, or pass --yes to confirm non-interactively' })));
        rl.question(question, resolve);
        rl.once('SIGINT', onAbort);
        this.signal.addEventListener('abort', onAbort, { once: true });
      });
    } finally {
      if (onAbort !== undefined) this.signal.removeEventListener('abort', onAbort);
      rl.close();
    }
  }

  async close(): Promise<void> {
    const topology = this.topology;
    this.topology = undefined;
    if (topology !== undefined) await topology.close();
    this.stopNotices?.();
    this.stopNotices = undefined;
  }
}

/** The value of -o/--output in raw arguments, when it is a valid format. */
function outputFlag(argv: readonly string[]): OutputFormat | undefined {
  let value: string | undefined;
  argv.forEach((arg, index) => {
    if (arg === '-o' || arg === '--output') value = argv[index + 1];
    else if (arg.startsWith('--output=')) value = arg.slice('--output='.length);
    else if (/^-o[^-]/.test(arg)) value = arg.slice(2);
  });
  return value === 'table' || value === 'json' || value === 'ndjson' ? value : undefined;
}
