// Entry point of the CLI: wires commands into commander and maps the outcome to an exit code.
// `run(argv, io)` never calls process.exit, so tests can drive it in-process.

import { Command, CommanderError } from 'commander';
import { CachectlError, ExitCode } from '../base/errors.js';
import type { ExitCodeValue } from '../base/errors.js';
import { addGlobalOptions } from './globals.js';
import { GroupedHelp, helpForBareH } from './help.js';
import type { CliIO } from './io.js';
import { processIO } from './io.js';
import { Runtime } from './runtime.js';
import { SETTINGS } from './settings.js';
import { cliVersion } from './version.js';

export interface RunOptions {
  /** Install SIGINT handling (the real process does; in-process tests pass their own signal). */
  handleSignals?: boolean;
  signal?: AbortSignal;
}

export async function run(argv: string[], io: CliIO = processIO(), options: RunOptions = { handleSignals: true }): Promise<ExitCodeValue> {
  const controller = new AbortController();
  options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
  // SIGTERM (CI timeouts, Kubernetes) and SIGHUP (terminal closed) are handled like Ctrl-C: the
  // batch in flight finishes, the summary is exact, files are closed; only the exit code differs.
  let interrupts = 0;
  let received: InterruptSignal | undefined;
  const onSignal = (signal: InterruptSignal) => {
    interrupts += 1;
    if (interrupts > 1) process.exit(SIGNAL_EXIT_CODES[received ?? signal]);
    received = signal;
    io.stderr.write(signal === 'SIGINT' ? '\ninterrupting… (Ctrl-C again to quit at once)\n' : `\n${signal} received: stopping after the current batch… (again to quit at once)\n`);
    controller.abort();
  };
  if (options.handleSignals === true) for (const signal of INTERRUPT_SIGNALS) process.on(signal, onSignal);

  const runtime = new Runtime(io, controller.signal);
  const args = helpForBareH(argv.slice(2));
  const program = await buildProgram(runtime, io, commandNamed(args));
  try {
    await program.parseAsync([...argv.slice(0, 2), ...args]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; help shown for a missing command has gone to stderr already.
      if (error.exitCode === 0) return ExitCode.Ok;
      if (error.code === 'commander.help') return ExitCode.Error;
      // Every other usage mistake is reported like any CachectlError: one line, JSON in JSON mode.
      return runtime.reportBeforeCommand(commanderUsageError(error, program, argv), argv);
    }
    return runtime.report(error);
  } finally {
    if (options.handleSignals === true) for (const signal of INTERRUPT_SIGNALS) process.removeListener(signal, onSignal);
  }
  const code = controller.signal.aborted && runtime.exitCode === ExitCode.Ok ? ExitCode.Interrupted : runtime.exitCode;
  return code === ExitCode.Interrupted && received !== undefined ? SIGNAL_EXIT_CODES[received] : code;
}

const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];
const SIGNAL_EXIT_CODES: Record<InterruptSignal, ExitCodeValue> = { SIGINT: ExitCode.Interrupted, SIGTERM: ExitCode.Terminated, SIGHUP: ExitCode.Hangup };

/** A command as the root help lists it; its module (and everything it imports) loads only when it runs. */
export interface CommandEntry {
  name: string;
  aliases?: string[];
  summary: string;
  load: () => Promise<(runtime: Runtime) => Command>;
}

/**
 * Every command. Only the one being run is imported: `cachectl --help` loads none of them and
 * `cachectl keys` only what keys needs, which keeps start-up fast (issue: start-up time).
 */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'nodes', aliases: ['ping'], summary: 'every node of the topology: role, version, slots, keys, latency', load: async () => (await import('./commands/nodes.js')).nodesCommand },
  { name: 'keys', summary: 'keys, memory and TTLs per namespace (SCAN-based, never KEYS)', load: async () => (await import('./commands/keys.js')).keysCommand },
  { name: 'bigkeys', summary: 'the biggest keys by memory and by size per type, with size distributions', load: async () => (await import('./commands/bigkeys.js')).bigkeysCommand },
  { name: 'audit-ttl', summary: 'keys without an expiry (or too long a TTL) per namespace; a CI gate', load: async () => (await import('./commands/audit-ttl.js')).auditTtlCommand },
  { name: 'purge', summary: 'delete the keys matching a pattern: plan, show, confirm, delete (with backup)', load: async () => (await import('./commands/purge.js')).purgeCommand },
  { name: 'restore', summary: 'restore the keys a purge saved with --backup', load: async () => (await import('./commands/restore.js')).restoreCommand },
  { name: 'memory', summary: 'memory, fragmentation, eviction and hit rate, with findings and advice', load: async () => (await import('./commands/memory.js')).memoryCommand },
  { name: 'top', summary: 'live dashboard: ops/s, hit rate, latency, memory per node', load: async () => (await import('./commands/top.js')).topCommand },
  { name: 'traffic', summary: 'hit rate, reads, writes and misses per namespace from a short MONITOR sample', load: async () => (await import('./commands/traffic.js')).trafficCommand },
  { name: 'snapshot', summary: 'everything about the servers now, in one HTML file for the postmortem', load: async () => (await import('./commands/snapshot.js')).snapshotCommand },
  { name: 'diff', summary: 'compare two keyspaces per namespace; a CI gate with --fail-on', load: async () => (await import('./commands/diff.js')).diffCommand },
  { name: 'context', summary: 'list, show and switch the named connection profiles of the config file', load: async () => (await import('./commands/context.js')).contextCommand },
  { name: 'completion', summary: 'print the shell completion script: bash, zsh or fish', load: async () => (await import('./commands/completion.js')).completionCommand },
  { name: 'version', summary: 'print the cachectl version', load: async () => (await import('./commands/version.js')).versionCommand },
  { name: 'browse', summary: 'explore the keyspace interactively, with safe purges', load: async () => (await import('./commands/browse.js')).browseCommand },
];

/** Global options that take a value (the value is not a command name). */
const VALUE_FLAGS = new Set(
  Object.values(SETTINGS).flatMap((spec) => (/[<[]/.test(spec.flags) ? spec.flags.split(/[ ,]+/).filter((part) => part.startsWith('-')) : [])),
);

/** The command the arguments run ('help keys' counts as keys), or undefined for none or an unknown name. */
export function commandNamed(args: readonly string[]): CommandEntry | undefined {
  let helpSeen = false;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--') return undefined;
    if (arg.startsWith('-')) {
      if (VALUE_FLAGS.has(arg) && i + 1 < args.length && (!args[i + 1]!.startsWith('-') || /[<]/.test(flagSyntax(arg)))) i += 1;
      continue;
    }
    if (arg === 'help' && !helpSeen) {
      helpSeen = true;
      continue;
    }
    return COMMANDS.find((entry) => entry.name === arg || entry.aliases?.includes(arg) === true);
  }
  return undefined;
}

function flagSyntax(flag: string): string {
  return Object.values(SETTINGS).find((spec) => spec.flags.split(/[ ,]+/).includes(flag))?.flags ?? '';
}

/**
 * The commander program. `chosen` is loaded in full; the other commands are placeholders with
 * their name and summary, enough for the root help and for "unknown command" suggestions.
 * `all` loads every command (shell completion needs every flag).
 */
export async function buildProgram(runtime: Runtime, io: CliIO, chosen?: CommandEntry | 'all'): Promise<Command> {
  const program = new Command('cachectl')
    .description('Operations CLI for Redis caches: namespaces, TTL audits, safe purges, memory reports, live dashboard')
    .version(cliVersion(), '-V, --version')
    .helpOption('--help', 'show help (-h alone too; -h HOST is the host, as in redis-cli)')
    .configureOutput(outputConfiguration(io))
    .exitOverride()
    .enablePositionalOptions(false);
  program.createHelp = () => Object.assign(new GroupedHelp(), program.configureHelp());
  addGlobalOptions(program);
  program.addHelpText(
    'after',
    `
Connecting:
  cachectl nodes                                   127.0.0.1:6379 (or $REDIS_URL)
  cachectl nodes --url rediss://user@cache:6380/2  TLS, ACL user, db 2 (password: $REDISCLI_AUTH)
  cachectl nodes --cluster 10.0.0.1:7000           Cluster (also detected from a plain address)
  cachectl nodes --sentinel 10.0.0.9:26379 --master cache
  cachectl nodes --context staging                 a profile from $CACHECTL_CONFIG

Exit codes: 0 ok, 1 findings (audit failed, guard refused, declined), 2 usage/connection/server error, 130 interrupted.`,
  );
  const commands = await Promise.all(
    COMMANDS.map(async (entry) => {
      if (chosen !== 'all' && chosen !== entry) return new Command(entry.name).aliases(entry.aliases ?? []).summary(entry.summary);
      return (await entry.load())(runtime).summary(entry.summary);
    }),
  );
  // Subcommands too (context list, …): every level exits through run() and shows the same help.
  const configure = (command: Command): void => {
    command.exitOverride().configureOutput(outputConfiguration(io)).helpOption('--help', 'show help');
    command.createHelp = () => Object.assign(new GroupedHelp(), command.configureHelp());
    command.commands.forEach(configure);
  };
  for (const command of commands) {
    configure(command);
    program.addCommand(command);
  }
  return program;
}

function outputConfiguration(io: CliIO) {
  return {
    writeOut: (text: string) => void io.stdout.write(text),
    writeErr: (text: string) => void io.stderr.write(text),
    // Commander's own error line is dropped: run() reports the error in the one format every error has.
    outputError: () => {},
  };
}

/** A commander parse error as a usage error whose hint points at the help of the command being parsed. */
function commanderUsageError(error: CommanderError, program: Command, argv: string[]): CachectlError {
  const args = argv.slice(2);
  const command = program.commands.find((c) => args.includes(c.name()) || c.aliases().some((alias) => args.includes(alias)));
  const help = command === undefined ? 'cachectl --help' : `cachectl ${command.name()} --help`;
  // Commander may add a second line ("(Did you mean nodes?)"); an error stays on one line.
  const message = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
  return new CachectlError('USAGE', message, { hint: `run ${help} for usage` });
}
