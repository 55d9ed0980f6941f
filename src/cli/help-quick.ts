// `cachectl --help`, `cachectl <command …> --help|-h`, `cachectl help [command]` without commander or
// any command module: bin/cachectl.js asks here first. The text was recorded at build time from the
// real CLI (help-spec.ts) with its width-dependent pieces left open; they are laid out here for this
// terminal exactly as commander's Help lays them out, so the bytes are the full CLI's.

import { readFileSync } from 'node:fs';

/**
 * A piece of a help text: literal text, a paragraph commander wraps to the help width (the command's
 * description), or an item (an option, argument or command) with its term padded to `width`.
 */
export type HelpPart = string | { wrap: string } | { term: string; width: number; description: string };

export interface HelpEntry {
  /** The command's name and aliases ([] for the program). */
  names: string[];
  parts: HelpPart[];
  commands: HelpEntry[];
}

export interface HelpSpec {
  root: HelpEntry;
}

const SPEC_FILE = new URL('./help-spec.json', import.meta.url);

/** The spec written at build time, or undefined when there is none (sources run directly, as in tests). */
export function readBuiltHelpSpec(file: URL = SPEC_FILE): HelpSpec | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as HelpSpec;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The entry whose help `args` ask for, or undefined for anything else (the full CLI handles it). Only
 * the plain shapes: `--help`/`-h` after nothing but command names, and `help` with at most a
 * command name. `-h` last is help for the full CLI too (helpForBareH); a flag or an unknown word
 * anywhere before it sends the run through the full CLI, which knows what it means.
 */
export function helpEntryFor(spec: HelpSpec, args: readonly string[]): HelpEntry | undefined {
  const child = (entry: HelpEntry, word: string) => entry.commands.find((command) => command.names.includes(word));
  if (args[0] === 'help') {
    if (args.length === 1) return spec.root;
    return args.length === 2 ? child(spec.root, args[1]!) : undefined;
  }
  const last = args.at(-1);
  if (last !== '--help' && last !== '-h') return undefined;
  let entry: HelpEntry | undefined = spec.root;
  for (const word of args.slice(0, -1)) {
    entry = child(entry, word);
    if (entry === undefined) return undefined;
  }
  return entry;
}

/** Commander's help width: the terminal's columns when stdout is one, else 80. */
export function helpWidthOf(stdout: { isTTY?: boolean; columns?: number }): number {
  return (stdout.isTTY === true ? stdout.columns : undefined) ?? 80;
}

/** The help text for a terminal `helpWidth` columns wide. */
export function formatHelpParts(parts: readonly HelpPart[], helpWidth: number): string {
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      if ('wrap' in part) return boxWrap(part.wrap, helpWidth);
      return formatItem(part.term, part.width, part.description, helpWidth);
    })
    .join('');
}

// The rest mirrors commander 14's Help (lib/help.js: formatItem, boxWrap, preformatted, displayWidth)
// with its defaults; test/unit/help-quick.test.ts compares the two for every command at several widths.
const MIN_WIDTH_TO_WRAP = 40;
const ITEM_INDENT = '  ';
const SPACER_WIDTH = 2;

function displayWidth(text: string): number {
  // eslint-disable-next-line no-control-regex -- colour codes take no columns
  return text.replace(/\x1b\[\d*(;\d*)*m/g, '').length;
}

function formatItem(term: string, termWidth: number, description: string, helpWidth: number): string {
  if (!description) return ITEM_INDENT + term;
  const paddedTerm = term.padEnd(termWidth + term.length - displayWidth(term));
  const remainingWidth = helpWidth - termWidth - SPACER_WIDTH - ITEM_INDENT.length;
  // A description with an indented line is laid out by its author and left alone.
  const formatted =
    remainingWidth < MIN_WIDTH_TO_WRAP || /\n[^\S\r\n]/.test(description)
      ? description
      : boxWrap(description, remainingWidth).replace(/\n/g, `\n${' '.repeat(termWidth + SPACER_WIDTH)}`);
  return `${ITEM_INDENT}${paddedTerm}${' '.repeat(SPACER_WIDTH)}${formatted.replace(/\n/g, `\n${ITEM_INDENT}`)}`;
}

function boxWrap(text: string, width: number): string {
  if (width < MIN_WIDTH_TO_WRAP) return text;
  const wrapped: string[] = [];
  for (const line of text.split(/\r\n|\n/)) {
    const chunks = line.match(/[\s]*[^\s]+/g);
    if (chunks === null) {
      wrapped.push('');
      continue;
    }
    let current = chunks[0]!;
    let currentWidth = displayWidth(current);
    for (const chunk of chunks.slice(1)) {
      const chunkWidth = displayWidth(chunk);
      if (currentWidth + chunkWidth <= width) {
        current += chunk;
        currentWidth += chunkWidth;
        continue;
      }
      wrapped.push(current);
      current = chunk.trimStart();
      currentWidth = displayWidth(current);
    }
    wrapped.push(current);
  }
  return wrapped.join('\n');
}

/**
 * Prints the help `args` ask for and says whether it did (the launcher runs the full CLI otherwise:
 * another shape of arguments, or no built spec).
 */
export function answerHelp(args: readonly string[], file: URL = SPEC_FILE): boolean {
  const spec = readBuiltHelpSpec(file);
  const entry = spec === undefined ? undefined : helpEntryFor(spec, args);
  if (entry === undefined) return false;
  // `cachectl --help | head` closes stdout early: that is the reader's choice, not an error (as in processIO).
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  process.stdout.write(formatHelpParts(entry.parts, helpWidthOf(process.stdout)));
  return true;
}
