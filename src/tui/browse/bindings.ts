// The explorer's key bindings, as data for the shared key table (tui/shared/key-table.ts): the one
// table that handles input and draws the help line and the help panel. `d` (purge) is registered
// apart as dangerous, so --readonly removes it everywhere at once.

import type { KeyBinding } from '../shared/key-table.js';
import { activeBindings, keyTable } from '../shared/key-table.js';

/** Where the cursor is: the namespace tree, a namespace's key list, or one key's preview. */
export type BrowseContext = 'tree' | 'keys' | 'preview';

export type BrowseAction =
  | 'up'
  | 'down'
  | 'page-up'
  | 'page-down'
  | 'top'
  | 'bottom'
  | 'open'
  | 'back'
  | 'escape'
  | 'sort'
  | 'filter'
  | 'export'
  | 'biggest'
  | 'delete'
  | 'help'
  | 'quit'
  | 'interrupt';

const LISTS = ['tree', 'keys'] as const;

const BINDINGS: readonly KeyBinding<BrowseAction, BrowseContext>[] = [
  { action: 'up', strokes: [{ key: 'upArrow' }, { input: 'k' }], label: '↑/↓', hint: 'move', description: 'move the cursor (also k/j)' },
  { action: 'down', strokes: [{ key: 'downArrow' }, { input: 'j' }], label: '↑/↓', hint: 'move', description: 'move the cursor (also k/j)' },
  { action: 'page-up', strokes: [{ key: 'pageUp' }], label: 'PgUp/PgDn', hint: 'page', description: 'a screen up or down', panelOnly: true },
  { action: 'page-down', strokes: [{ key: 'pageDown' }], label: 'PgUp/PgDn', hint: 'page', description: 'a screen up or down', panelOnly: true },
  { action: 'top', strokes: [{ key: 'home' }, { input: 'g' }], label: 'Home/End', hint: 'first/last', description: 'first or last row (also g/G)', panelOnly: true, contexts: LISTS },
  { action: 'bottom', strokes: [{ key: 'end' }, { input: 'G' }], label: 'Home/End', hint: 'first/last', description: 'first or last row (also g/G)', panelOnly: true, contexts: LISTS },
  {
    action: 'open',
    strokes: [{ key: 'return' }, { key: 'rightArrow' }, { input: 'l' }],
    label: 'enter/→',
    hint: 'open',
    description: 'open the namespace (its children, or its keys at a leaf), or preview the key',
    contexts: LISTS,
  },
  {
    action: 'back',
    strokes: [{ key: 'leftArrow' }, { key: 'backspace' }, { key: 'delete' }, { input: 'h' }],
    label: '←/⌫',
    hint: 'up',
    description: 'back to the parent namespace (or from a preview to the key list)',
  },
  { action: 'escape', strokes: [{ key: 'escape' }], label: 'esc', hint: 'clear', description: 'clear the filter, or leave the preview', panelOnly: true },
  { action: 'sort', strokes: [{ input: 's' }], label: 's', hint: 'sort', description: 'cycle the order: memory, keys, keys without TTL, name', contexts: LISTS },
  { action: 'filter', strokes: [{ input: '/' }], label: '/', hint: 'filter', description: 'show only rows containing a text (esc clears it)', contexts: LISTS },
  { action: 'export', strokes: [{ input: 'e' }], label: 'e', hint: 'export', description: 'write the tree under the cursor as JSON to a file', contexts: LISTS },
  {
    action: 'biggest',
    strokes: [{ input: 'b' }],
    label: 'b',
    hint: 'biggest',
    description: 'the biggest keys (by memory) of the namespace under the cursor and all under it, from a scan of all of it',
    contexts: LISTS,
    // In the help panel only: the footer line stays short enough for 80 columns to keep `d delete` in view.
    panelOnly: true,
  },
  { action: 'help', strokes: [{ input: '?' }], label: '?', hint: 'help', description: 'show or hide this help' },
  { action: 'quit', strokes: [{ input: 'q' }], label: 'q', hint: 'quit', description: 'quit (the scan stops; nothing is changed)' },
  { action: 'interrupt', strokes: [{ input: 'c', ctrl: true }], label: 'ctrl-c', hint: 'quit', description: 'quit at once', panelOnly: true },
];

const DANGEROUS: readonly KeyBinding<BrowseAction, BrowseContext>[] = [
  {
    action: 'delete',
    strokes: [{ input: 'd' }],
    label: 'd',
    hint: 'delete',
    description: 'purge the namespace or key under the cursor: plan, confirm, optional backup, delete',
  },
];

export const BROWSE_KEYS = keyTable(BINDINGS, DANGEROUS);

export type PromptAction = 'submit' | 'cancel' | 'erase' | 'interrupt';

/** While a text prompt (filter, confirmation, backup path) has the keyboard. */
const PROMPT_BINDINGS: readonly KeyBinding<PromptAction, 'prompt'>[] = [
  { action: 'submit', strokes: [{ key: 'return' }], label: 'enter', hint: 'ok', description: 'accept' },
  { action: 'cancel', strokes: [{ key: 'escape' }], label: 'esc', hint: 'cancel', description: 'cancel' },
  { action: 'erase', strokes: [{ key: 'backspace' }, { key: 'delete' }], label: '⌫', hint: 'erase', description: 'erase a character', panelOnly: true },
  { action: 'interrupt', strokes: [{ input: 'c', ctrl: true }], label: 'ctrl-c', hint: 'quit', description: 'quit at once', panelOnly: true },
];

export const PROMPT_KEYS = activeBindings(keyTable(PROMPT_BINDINGS), false);
