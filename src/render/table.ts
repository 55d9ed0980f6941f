// Plain data in, aligned text out: the one table style every command uses (cli-table3 + chalk).

import Table from 'cli-table3';
import { Chalk } from 'chalk';
import type { ChalkInstance } from 'chalk';

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

export type Tone = 'ok' | 'warning' | 'critical' | 'dim' | 'accent' | 'plain';

/** A cell is text, or text with a tone that colours it when colour is on. */
export type Cell = string | { text: string; tone: Tone };

export function palette(color: boolean): ChalkInstance {
  return new Chalk({ level: color ? 1 : 0 });
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
