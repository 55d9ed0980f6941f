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
import { browseCommand } from './commands/browse.js';
import { diffCommand } from './commands/diff.js';
import { auditTtlCommand } from './commands/audit-ttl.js';
import { bigkeysCommand } from './commands/bigkeys.js';
import { keysCommand } from './commands/keys.js';
import { memoryCommand } from './commands/memory.js';
import { nodesCommand } from './commands/nodes.js';
import { purgeCommand } from './commands/purge.js';
import { restoreCommand } from './commands/restore.js';
import { snapshotCommand } from './commands/snapshot.js';
import { topCommand } from './commands/top.js';
import { trafficCommand } from './commands/traffic.js';
import { cliVersion } from './version.js';

export interface RunOptions {
  /** Install SIGINT handling (the real process does; in-process tests pass their own signal). */
  handleSignals?: boolean;
  signal?: AbortSignal;
}

export async function run(argv: string[], io: CliIO = processIO(), options: RunOptions = { handleSignals: true }): Promise<ExitCodeValue> {
  const controller = new AbortController();
  options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(ExitCode.Interrupted);
    io.stderr.write('\ninterrupting… (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  if (options.handleSignals === true) process.on('SIGINT', onSigint);

  const runtime = new Runtime(io, controller.signal);
  const program = buildProgram(runtime, io);
  try {
    await program.parseAsync([...argv.slice(0, 2), ...helpForBareH(argv.slice(2))]);
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
    if (options.handleSignals === true) process.removeListener('SIGINT', onSigint);
  }
  return controller.signal.aborted && runtime.exitCode === ExitCode.Ok ? ExitCode.Interrupted : runtime.exitCode;
}

export function buildProgram(runtime: Runtime, io: CliIO): Command {
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
  const commands = [
    nodesCommand(runtime),
    keysCommand(runtime),
    bigkeysCommand(runtime),
    auditTtlCommand(runtime),
    purgeCommand(runtime),
    restoreCommand(runtime),
    memoryCommand(runtime),
    topCommand(runtime),
    trafficCommand(runtime),
    browseCommand(runtime),
    snapshotCommand(runtime),
    diffCommand(runtime),
  ];
  for (const command of commands) {
    command.exitOverride().configureOutput(outputConfiguration(io)).helpOption('--help', 'show help');
    command.createHelp = () => Object.assign(new GroupedHelp(), command.configureHelp());
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
