// The dashboard's key bindings, as data for the shared key table (tui/shared/key-table.ts): the
// same table decides what a key press does and draws the help line and the help screen.

import type { KeyBinding } from '../shared/key-table.js';
import { keyTable } from '../shared/key-table.js';

export type TopView = 'table' | 'detail' | 'traffic' | 'help';

export type TopAction =
  | 'quit'
  | 'pause'
  | 'sort'
  | 'up'
  | 'down'
  | 'detail'
  | 'traffic'
  | 'back'
  | 'help'
  | 'chart-next'
  | 'chart-hit-rate'
  | 'chart-latency'
  | 'chart-scope';

const MAIN: readonly TopView[] = ['table', 'detail', 'traffic'];

const BINDINGS: readonly KeyBinding<TopAction, TopView>[] = [
  { action: 'quit', strokes: [{ input: 'q' }, { input: 'c', ctrl: true }], label: 'q', hint: 'quit', description: 'quit (also Ctrl-C)' },
  { action: 'pause', strokes: [{ input: 'p' }, { input: ' ' }], label: 'p', hint: 'pause', description: 'pause / resume refreshing', contexts: MAIN },
  { action: 'sort', strokes: [{ input: 's' }], label: 's', hint: 'sort', description: 'next sort order (topology, ops, hit rate, p99, memory, evictions)', contexts: ['table'] },
  { action: 'up', strokes: [{ key: 'upArrow' }, { input: 'k' }], label: '↑↓', hint: 'select', description: 'select a node (also k / j)', contexts: MAIN },
  { action: 'down', strokes: [{ key: 'downArrow' }, { input: 'j' }], label: '↑↓', hint: 'select', description: 'select a node (also k / j)', contexts: MAIN },
  { action: 'detail', strokes: [{ key: 'return' }], label: 'enter', hint: 'detail', description: 'detail of the selected node: latency histogram, top commands, findings, slowlog', contexts: ['table'] },
  { action: 'traffic', strokes: [{ input: 'n' }], label: 'n', hint: 'namespaces', description: 'traffic per namespace on the selected node: hit rate, reads, writes (samples MONITOR while shown)', contexts: MAIN },
  { action: 'back', strokes: [{ key: 'escape' }], label: 'esc', hint: 'back', description: 'back to the node table', contexts: ['detail', 'traffic', 'help'] },
  { action: 'chart-next', strokes: [{ input: 'c' }], label: 'c', hint: 'chart', description: 'next chart (ops/s, hit rate, p99 latency)', contexts: ['table'] },
  { action: 'chart-hit-rate', strokes: [{ input: 'h' }], label: 'h', hint: 'hit chart', description: 'hit-rate chart', contexts: ['table'], panelOnly: true },
  { action: 'chart-latency', strokes: [{ input: 'l' }], label: 'l', hint: 'p99 chart', description: 'p99 latency chart', contexts: ['table'], panelOnly: true },
  { action: 'chart-scope', strokes: [{ input: 't' }], label: 't', hint: 'scope', description: 'charts for the selected node or the whole topology', contexts: ['table'], panelOnly: true },
  { action: 'help', strokes: [{ input: '?' }], label: '?', hint: 'help', description: 'help: every key and what the colours mean' },
];

/** The dashboard only reads: it has no dangerous bindings (nothing for --readonly to remove). */
export const TOP_KEYS = keyTable<TopAction, TopView>(BINDINGS);
