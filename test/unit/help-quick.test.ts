// The help the launcher prints from the recorded spec (help-quick.ts) against the help the full CLI
// prints, for every command path and alias, on terminals of several widths and off a terminal.
import { Help } from 'commander';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { answerHelp, formatHelpParts, helpEntryFor, helpWidthOf, readBuiltHelpSpec } from '../../src/cli/help-quick.js';
import type { HelpEntry, HelpSpec } from '../../src/cli/help-quick.js';
import { liveHelpSpec } from '../../src/cli/help-spec.js';
import { runInProcess } from '../helpers/cli.js';

/** undefined: stdout is no terminal (commander then uses 80 columns). */
const WIDTHS = [undefined, 20, 40, 57, 80, 120, 200] as const;

const saved = { isTTY: Object.getOwnPropertyDescriptor(process.stdout, 'isTTY'), columns: Object.getOwnPropertyDescriptor(process.stdout, 'columns') };
function restoreStdout(): void {
  for (const [name, descriptor] of Object.entries(saved)) {
    if (descriptor === undefined) delete (process.stdout as unknown as Record<string, unknown>)[name];
    else Object.defineProperty(process.stdout, name, descriptor);
  }
}
/** Commander reads the width from process.stdout itself (not from the CliIO), so that is what a test sets. */
function setTerminal(columns: number | undefined): void {
  Object.defineProperty(process.stdout, 'isTTY', { value: columns !== undefined, configurable: true, writable: true });
  Object.defineProperty(process.stdout, 'columns', { value: columns, configurable: true, writable: true });
}
afterEach(restoreStdout);

/** Every command path, from the spec's tree: [] for the program, ['context', 'use'], … */
function paths(entry: HelpEntry, words: string[] = []): string[][] {
  return [words, ...entry.commands.flatMap((child) => paths(child, [...words, child.names[0]!]))];
}

let spec: HelpSpec;
beforeAll(async () => {
  spec = await liveHelpSpec();
}, 120_000);

async function fullCliHelp(args: string[], columns: number | undefined): Promise<string> {
  setTerminal(columns);
  try {
    const result = await runInProcess(args);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    return result.stdout;
  } finally {
    restoreStdout();
  }
}

function quickHelp(args: string[], columns: number | undefined): string | undefined {
  const entry = helpEntryFor(spec, args);
  return entry === undefined ? undefined : formatHelpParts(entry.parts, helpWidthOf({ isTTY: columns !== undefined, columns }));
}

describe('the recorded help is the full CLI help, byte for byte', () => {
  it('covers every command and subcommand', () => {
    const all = paths(spec.root).map((words) => words.join(' '));
    expect(all).toEqual(expect.arrayContaining(['', 'keys', 'purge', 'nodes', 'context', 'context use', 'context show', 'completion', 'browse']));
    expect(all.length).toBeGreaterThanOrEqual(20);
  });

  it('for every command path at every width (--help)', async () => {
    for (const words of paths(spec.root)) {
      for (const columns of WIDTHS) {
        const args = [...words, '--help'];
        expect(quickHelp(args, columns), `${args.join(' ')} at ${columns ?? 'no terminal'}`).toBe(await fullCliHelp(args, columns));
      }
    }
  }, 120_000);

  it.each([[['-h']], [['purge', '-h']], [['ping', '--help']], [['help']], [['help', 'keys']], [['help', 'ping']], [['help', 'context']], [['context', 'use', '-h']]])(
    'for %j (-h alone, aliases, the help command)',
    async (args) => {
      for (const columns of [undefined, 45, 132]) expect(quickHelp(args, columns)).toBe(await fullCliHelp(args, columns));
    },
  );

  it('wraps descriptions to the width (the widths above do differ)', () => {
    const keys = helpEntryFor(spec, ['keys', '--help'])!;
    expect(formatHelpParts(keys.parts, 80)).not.toBe(formatHelpParts(keys.parts, 200));
    expect(formatHelpParts(keys.parts, 200).split('\n').length).toBeLessThan(formatHelpParts(keys.parts, 80).split('\n').length);
  });
});

// Cases today's help texts do not contain (an indented line, colour codes, an empty description,
// a word longer than the line, Windows line ends), against commander's own Help.
describe('the layout matches commander for any text', () => {
  const descriptions = [
    'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen',
    'laid out by hand:\n  first  the first thing\n  second the second thing, which is rather long and would wrap',
    '\x1b[1mbold\x1b[22m words that are coloured \x1b[31mred\x1b[39m and then some more words to make it wrap around the end',
    '',
    'averyveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryverylongwordthatcannotbreak and after',
    'windows\r\nline ends\r\n\r\nand a blank line',
  ];
  it.each([20, 40, 61, 80, 100, 200])('at %i columns', (columns) => {
    const help = new Help();
    help.prepareContext({ helpWidth: columns });
    for (const description of descriptions) {
      for (const width of [4, 18, 30]) {
        expect(formatHelpParts([{ term: '--flag <value>', width, description }], columns)).toBe(help.formatItem('--flag <value>', width, description, help));
      }
      expect(formatHelpParts([{ wrap: description }], columns)).toBe(help.boxWrap(description, columns));
    }
  });
});

describe('helpEntryFor leaves everything but plain help requests to the full CLI', () => {
  it.each([
    [[]],
    [['keys']],
    [['--help', 'keys']],
    [['keys', '-h', '10.0.0.5']],
    [['--url', 'redis://x', 'keys', '--help']],
    [['keys', '--no-color', '--help']],
    [['nope', '--help']],
    [['keys', 'nope', '--help']],
    [['help', 'nope']],
    [['help', 'keys', 'extra']],
    [['help', '--help']],
    [['keys', '--help', '--help']],
    [['--', '--help']],
  ])('%j', (args) => {
    expect(helpEntryFor(spec, args)).toBeUndefined();
  });
});

describe('without a built spec (sources run directly)', () => {
  const missing = new URL('./no-such-help-spec.json', import.meta.url);
  it('reads none and answers nothing, so the launcher runs the full CLI', () => {
    expect(readBuiltHelpSpec(missing)).toBeUndefined();
    expect(answerHelp(['--help'], missing)).toBe(false);
  });
});
