// Plain data in, aligned text out: the one table style every command uses (cli-table3 + chalk).

import { createRequire } from 'node:module';
import type { ChalkInstance } from 'chalk';
import type CliTable3 from 'cli-table3';

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

export type Tone = 'ok' | 'warning' | 'critical' | 'dim' | 'accent' | 'plain';

/** A cell is text, or text with a tone that colours it when colour is on. */
export type Cell = string | { text: string; tone: Tone };

// chalk and cli-table3 load on first use, not at start-up: `--help`, errors and JSON output need
// neither (issue: start-up time). The CLI preloads chalk with loadPalette() when colour is on;
// without that, Node's require() of an ES module (Node 20.19+) loads it on the spot.
const requireModule = createRequire(import.meta.url);
let chalkModule: typeof import('chalk') | undefined;

/** Loads chalk ahead of a coloured render (palette() is synchronous). */
export async function loadPalette(): Promise<void> {
  chalkModule ??= await import('chalk');
}

/** Without colour every style is the identity, and chalk is not needed at all. */
const plain: ChalkInstance = new Proxy((...text: unknown[]) => text.join(' '), {
  get: (_target, property) => (property === 'level' ? 0 : plain),
}) as unknown as ChalkInstance;

export function palette(color: boolean): ChalkInstance {
  if (!color) return plain;
  chalkModule ??= requireModule('chalk') as typeof import('chalk');
  return new chalkModule.Chalk({ level: 1 });
}

export function paint(cell: Cell, chalk: ChalkInstance): string {
  if (typeof cell === 'string') return cell;
  switch (cell.tone) {
    case 'ok':
      return chalk.green(cell.text);
    case 'warning':
      return chalk.yellow(cell.text);
    case 'critical':
      return chalk.red.bold(cell.text);
    case 'dim':
      return chalk.dim(cell.text);
    case 'accent':
      return chalk.cyan(cell.text);
    default:
      return cell.text;
  }
}

export function renderTable(columns: readonly Column[], rows: readonly (readonly Cell[])[], color: boolean): string {
  const chalk = palette(color);
  const Table = requireModule('cli-table3') as typeof CliTable3;
  const table = new Table({
    head: columns.map((column) => chalk.bold(column.header)),
    colAligns: columns.map((column) => column.align ?? 'left'),
    style: { head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 2 },
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '',
      right: '', 'right-mid': '', middle: '',
    },
  });
  for (const row of rows) table.push(row.map((cell) => paint(cell, chalk)));
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

export { truncate } from './text.js';
