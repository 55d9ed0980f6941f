// The dashboard's key bindings: one table that both decides what a key press does and draws the
// help line and the help screen, so the two can never disagree.

import type { Key } from 'ink';

export type TopView = 'table' | 'detail' | 'help';

export type TopAction =
  | 'quit'
  | 'pause'
  | 'sort'
  | 'up'
  | 'down'
  | 'detail'
  | 'back'
  | 'help'
  | 'chart-next'
  | 'chart-hit-rate'
  | 'chart-latency'
  | 'chart-scope';

type NamedKey = 'upArrow' | 'downArrow' | 'return' | 'escape';

/** One way to press a binding: a character (with Ctrl or not) or a named key. */
export type KeyPress = { input: string; ctrl?: boolean } | { key: NamedKey };

export interface KeyBinding {
  action: TopAction;
  presses: readonly KeyPress[];
  /** How the help line and the help screen write the keys. */
  label: string;
  /** One word for the help line. */
  short: string;
  description: string;
  /** Views where the binding works. */
  views: readonly TopView[];
  /** Shown on the one-line help at the bottom (the help screen lists every binding). */
  inHelpLine: boolean;
}

const ALL: readonly TopView[] = ['table', 'detail', 'help'];
const MAIN: readonly TopView[] = ['table', 'detail'];

export const TOP_KEYMAP: readonly KeyBinding[] = [
  { action: 'quit', short: 'quit', presses: [{ input: 'q' }, { input: 'c', ctrl: true }], label: 'q', description: 'quit (also Ctrl-C)', views: ALL, inHelpLine: true },
  { action: 'pause', short: 'pause', presses: [{ input: 'p' }, { input: ' ' }], label: 'p', description: 'pause / resume refreshing', views: MAIN, inHelpLine: true },
  { action: 'sort', short: 'sort', presses: [{ input: 's' }], label: 's', description: 'next sort order (topology, ops, hit rate, p99, memory, evictions)', views: ['table'], inHelpLine: true },
  { action: 'up', short: 'select', presses: [{ key: 'upArrow' }, { input: 'k' }], label: '↑↓', description: 'select a node (also k / j)', views: MAIN, inHelpLine: true },
  { action: 'down', short: '', presses: [{ key: 'downArrow' }, { input: 'j' }], label: '', description: '', views: MAIN, inHelpLine: false },
  { action: 'detail', short: 'detail', presses: [{ key: 'return' }], label: 'enter', description: 'detail of the selected node: latency histogram, top commands, findings, slowlog', views: ['table'], inHelpLine: true },
  { action: 'back', short: 'back', presses: [{ key: 'escape' }], label: 'esc', description: 'back to the node table', views: ['detail', 'help'], inHelpLine: true },
  { action: 'chart-next', short: 'chart', presses: [{ input: 'c' }], label: 'c', description: 'next chart (ops/s, hit rate, p99 latency)', views: ['table'], inHelpLine: true },
  { action: 'chart-hit-rate', short: 'hit chart', presses: [{ input: 'h' }], label: 'h', description: 'hit-rate chart', views: ['table'], inHelpLine: false },
  { action: 'chart-latency', short: 'p99 chart', presses: [{ input: 'l' }], label: 'l', description: 'p99 latency chart', views: ['table'], inHelpLine: false },
  { action: 'chart-scope', short: 'scope', presses: [{ input: 't' }], label: 't', description: 'charts for the selected node or the whole topology', views: ['table'], inHelpLine: false },
  { action: 'help', short: 'help', presses: [{ input: '?' }], label: '?', description: 'help: every key and what the colours mean', views: ALL, inHelpLine: true },
];

function matches(press: KeyPress, input: string, key: Key): boolean {
  if ('key' in press) return key[press.key];
  if (press.ctrl === true) return key.ctrl && input === press.input;
  return !key.ctrl && !key.meta && input === press.input;
}

/** What a key press means in a view, or undefined when nothing is bound to it there. */
export function actionFor(input: string, key: Key, view: TopView): TopAction | undefined {
  return TOP_KEYMAP.find((binding) => binding.views.includes(view) && binding.presses.some((press) => matches(press, input, key)))?.action;
}

/** `q quit · p pause · …` for the bindings of a view, as many as fit `width`. */
export function helpLine(view: TopView, width: number): string {
  const parts = TOP_KEYMAP.filter((binding) => binding.inHelpLine && binding.views.includes(view)).map(
    (binding) => `${binding.label} ${binding.short}`,
  );
  let line = '';
  for (const part of parts) {
    const next = line === '' ? part : `${line} · ${part}`;
    if (next.length > width) break;
    line = next;
  }
  return line;
}
