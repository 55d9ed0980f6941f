// What shell completion knows about the command line: every command, its flags (whether they take a
// value, their choices, what their value names) and its arguments, read from the commander
// definitions. `npm run build` writes it to dist/cli/completion-spec.json (`node
// dist/cli/completion-spec.js`), so `cachectl completion` reads one small file instead of loading
// every command module.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Argument, Command, Option } from 'commander';

/** How a value completes: from fixed choices, as a file name, a context name, a command name, or not at all. */
export type ValueKind = { choices: string[] } | 'file' | 'context' | 'command' | 'plain';

export interface OptionSpec {
  /** Short and long forms, e.g. ['-o', '--output']. */
  names: string[];
  help: string;
  /** Whether the flag takes the next word as its value. */
  arity: 'switch' | 'required' | 'optional';
  value: ValueKind;
}

export interface ArgumentSpec {
  name: string;
  value: ValueKind;
  variadic: boolean;
}

export interface CommandSpec {
  name: string;
  aliases: string[];
  summary: string;
  options: OptionSpec[];
  arguments: ArgumentSpec[];
  commands: CommandSpec[];
}

export interface CompletionSpec {
  version: string;
  /** The program: its options are the global ones, accepted after any command too. */
  root: CommandSpec;
}

/** Arguments whose value commander cannot tell: a context name, a file. Keyed by command path. */
const ARGUMENT_VALUES: Record<string, ValueKind[]> = {
  'context use': ['context'],
  'context show': ['context'],
  restore: ['file'],
  diff: ['file', 'file'],
};

const HELP_OPTION: OptionSpec = { names: ['--help'], help: 'show help', arity: 'switch', value: 'plain' };

function valueOf(option: Option): ValueKind {
  if (option.argChoices !== undefined) return { choices: [...option.argChoices] };
  if (option.long === '--context') return 'context';
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1];
  return placeholder !== undefined && /^(file|path|dir)$/.test(placeholder) ? 'file' : 'plain';
}

function optionSpec(option: Option): OptionSpec {
  return {
    names: [option.short, option.long].filter((name): name is string => name !== undefined),
    help: option.description,
    arity: option.required ? 'required' : option.optional ? 'optional' : 'switch',
    value: option.required || option.optional ? valueOf(option) : 'plain',
  };
}

function argumentSpec(argument: Argument, index: number, path: string): ArgumentSpec {
  const value: ValueKind = argument.argChoices !== undefined ? { choices: [...argument.argChoices] } : (ARGUMENT_VALUES[path]?.[index] ?? (argument.name() === 'file' ? 'file' : 'plain'));
  return { name: argument.name(), value, variadic: argument.variadic };
}

/** Hidden commands and options (internal helpers) are left out. */
function isHidden(item: Command | Option): boolean {
  // Commander keeps a command's hidden flag private; options have a public one.
  return 'hidden' in item ? item.hidden : (item as unknown as { _hidden?: boolean })._hidden === true;
}

/** `path` is the words that lead to the command: '' for the program, 'context use' for a subcommand. */
export function commandSpec(command: Command, path = ''): CommandSpec {
  const childPath = (child: Command) => (path === '' ? child.name() : `${path} ${child.name()}`);
  return {
    name: command.name(),
    aliases: command.aliases(),
    summary: command.summary() || command.description(),
    options: [...command.options.filter((option) => !isHidden(option)).map(optionSpec), HELP_OPTION],
    arguments: command.registeredArguments.map((argument, index) => argumentSpec(argument, index, path)),
    commands: command.commands.filter((child) => !isHidden(child)).map((child) => commandSpec(child, childPath(child))),
  };
}

/** The spec of a fully loaded program (every command built, see buildProgram's 'all'). */
export function completionSpecOf(program: Command, version: string): CompletionSpec {
  const root = commandSpec(program);
  root.commands.push({
    name: 'help',
    aliases: [],
    summary: 'show the help of a command',
    options: [HELP_OPTION],
    arguments: [{ name: 'command', value: 'command', variadic: false }],
    commands: [],
  });
  return { version, root };
}

const SPEC_FILE = new URL('./completion-spec.json', import.meta.url);

/** The spec written at build time, or undefined when there is none (sources run directly, as in tests). */
export function readBuiltCompletionSpec(file: URL = SPEC_FILE): CompletionSpec | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CompletionSpec;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Builds the whole program and derives the spec from it (every command module loads: slower). */
export async function liveCompletionSpec(): Promise<CompletionSpec> {
  const [{ buildProgram }, { Runtime }, { processIO }, { cliVersion }] = await Promise.all([import('./main.js'), import('./runtime.js'), import('./io.js'), import('./version.js')]);
  const io = processIO();
  const program = await buildProgram(new Runtime(io, new AbortController().signal), io, 'all');
  return completionSpecOf(program, cliVersion());
}

export async function loadCompletionSpec(): Promise<CompletionSpec> {
  return readBuiltCompletionSpec() ?? (await liveCompletionSpec());
}

// `node dist/cli/completion-spec.js` (npm run build): write the spec beside this module. Not a
// top-level await: the commands loaded on the way import this module again.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  liveCompletionSpec().then(
    (spec) => writeFileSync(SPEC_FILE, `${JSON.stringify(spec)}\n`),
    (error: unknown) => {
      process.stderr.write(`cannot write the completion spec: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
