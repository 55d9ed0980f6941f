// The help of every command, recorded from the real CLI for help-quick.ts. `npm run build` writes it to
// dist/cli/help-spec.json (`node dist/cli/help-spec.js`), so `cachectl <command> --help` reads one
// small file instead of loading commander and the command's module (issue: start-up time).

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { GroupedHelp } from './help.js';
import type { HelpEntry, HelpPart, HelpSpec } from './help-quick.js';
import type { CliIO } from './io.js';

/** The two Help methods whose output depends on the terminal width (see commander's lib/help.js). */
interface WidthDependent {
  formatItem(term: string, termWidth: number, description: string, helper: unknown): string;
  boxWrap(text: string, width: number): string;
}

const MARK = '\u0000';

/**
 * What `cachectl ...words --help` prints, as parts: the full CLI runs in this process (the very path a
 * user's run takes: the same program, the same chosen command, the same texts before and after) while
 * the width-dependent Help methods leave a numbered mark and record their arguments instead.
 */
export async function recordHelp(words: readonly string[]): Promise<HelpPart[]> {
  const { run } = await import('./main.js');
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (chunk: string) => ((stdout += chunk), true), isTTY: false },
    stderr: { write: (chunk: string) => ((stderr += chunk), true), isTTY: false },
    stdin: process.stdin,
    env: {},
  };
  const open: HelpPart[] = [];
  const prototype = GroupedHelp.prototype as unknown as WidthDependent;
  const own = Object.getOwnPropertyDescriptors(prototype);
  prototype.formatItem = (term, width, description) => `${MARK}${open.push({ term, width, description }) - 1}${MARK}`;
  prototype.boxWrap = (text) => `${MARK}${open.push({ wrap: text }) - 1}${MARK}`;
  let code: number;
  try {
    code = await run(['node', 'cachectl', ...words, '--help'], io, { handleSignals: false });
  } finally {
    // Back to the inherited methods (GroupedHelp defines neither of its own).
    if (!('formatItem' in own)) delete (prototype as Partial<WidthDependent>).formatItem;
    if (!('boxWrap' in own)) delete (prototype as Partial<WidthDependent>).boxWrap;
  }
  const command = ['cachectl', ...words, '--help'].join(' ');
  if (code !== 0 || stderr !== '') throw new Error(`${command} exited ${code}: ${stderr.trim()}`);
  // Commander strips colour codes when stdout has no colour; the recorded text must need no stripping.
  if (stdout.includes('\x1b')) throw new Error(`${command} prints colour codes: help-quick.ts cannot reproduce its text`);
  return stdout.split(new RegExp(`${MARK}(\\d+)${MARK}`)).flatMap((piece, index) => (index % 2 === 1 ? [open[Number(piece)]!] : piece === '' ? [] : [piece]));
}

async function entryFor(command: Command, words: string[]): Promise<HelpEntry> {
  const commands: HelpEntry[] = [];
  for (const child of command.commands) commands.push(await entryFor(child, [...words, child.name()]));
  return { names: words.length === 0 ? [] : [command.name(), ...command.aliases()], parts: await recordHelp(words), commands };
}

/** The help of the program and of every command under it, subcommands included. */
export async function liveHelpSpec(): Promise<HelpSpec> {
  const [{ buildProgram }, { Runtime }, { processIO }] = await Promise.all([import('./main.js'), import('./runtime.js'), import('./io.js')]);
  const io = processIO();
  const program = await buildProgram(new Runtime(io, new AbortController().signal), io, 'all');
  return { root: await entryFor(program, []) };
}

// `node dist/cli/help-spec.js` (npm run build): write the spec beside this module.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  liveHelpSpec().then(
    (spec) => writeFileSync(new URL('./help-spec.json', import.meta.url), `${JSON.stringify(spec)}\n`),
    (error: unknown) => {
      process.stderr.write(`cannot write the help spec: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
