// Key bindings as data, for any ink screen: one table says which keys do what, where, and whether
// the action is dangerous; the same table resolves key presses and draws the help line and the help
// panel, so they cannot disagree. Dangerous bindings are removed from the table under --readonly,
// which removes them from input handling and help at once. Generic over the actions and the views
// (contexts), so the explorer's table and the dashboard's (keymap.ts) can share it.

import type { Key } from 'ink';

/** One way to trigger a binding: a typed character, or a named key (optionally with ctrl). */
export type KeyStroke = { input: string; ctrl?: boolean } | { key: KeyName };

export type KeyName = 'upArrow' | 'downArrow' | 'leftArrow' | 'rightArrow' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape' | 'backspace' | 'delete' | 'tab';

export interface KeyBinding<Action extends string, Context extends string> {
  action: Action;
  strokes: readonly KeyStroke[];
  /** How help writes the keys, e.g. `↑/↓`; bindings sharing label and hint are shown once. */
  label: string;
  /** A word or two for the help line. */
  hint: string;
  /** A sentence for the help panel. */
  description: string;
  /** Deletes or changes data: removed entirely under --readonly. */
  dangerous?: boolean;
  /** Where the binding applies; everywhere when absent. */
  contexts?: readonly Context[];
  /** Left out of the one-line help (still in the help panel). */
  panelOnly?: boolean;
}

export type KeyTable<Action extends string, Context extends string> = readonly KeyBinding<Action, Context>[];

/** The table without dangerous bindings when they are not allowed. */
export function allowedBindings<A extends string, C extends string>(table: KeyTable<A, C>, allowDangerous: boolean): KeyTable<A, C> {
  return allowDangerous ? table : table.filter((binding) => binding.dangerous !== true);
}

/** The bindings that apply in `context`. */
export function bindingsIn<A extends string, C extends string>(table: KeyTable<A, C>, context: C): KeyTable<A, C> {
  return table.filter((binding) => binding.contexts === undefined || binding.contexts.includes(context));
}

/** The action a key press triggers in `context`, if any. */
export function resolveKey<A extends string, C extends string>(table: KeyTable<A, C>, context: C, input: string, key: Key): A | undefined {
  for (const binding of bindingsIn(table, context)) {
    for (const stroke of binding.strokes) {
      if ('key' in stroke ? key[stroke.key] === true && !key.ctrl : matchesInput(stroke, input, key)) return binding.action;
    }
  }
  return undefined;
}

function matchesInput(stroke: { input: string; ctrl?: boolean }, input: string, key: Key): boolean {
  return input === stroke.input && (stroke.ctrl === true) === key.ctrl && !key.meta;
}

/** `↑/↓ move · enter open · q quit` for the bindings of `context`. */
export function helpLine<A extends string, C extends string>(table: KeyTable<A, C>, context: C): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const binding of bindingsIn(table, context)) {
    if (binding.panelOnly === true) continue;
    const text = `${binding.label} ${binding.hint}`;
    if (seen.has(text)) continue;
    seen.add(text);
    parts.push(text);
  }
  return parts.join(' · ');
}

/** Breaks a help line (`a · b · c`) into lines of at most `width` columns, between entries. */
export function wrapHelp(line: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const part of line.split(' · ')) {
    const next = current === '' ? part : `${current} · ${part}`;
    if (next.length > width && current !== '') {
      lines.push(current);
      current = part;
    } else current = next;
  }
  if (current !== '' || lines.length === 0) lines.push(current);
  return lines;
}

/** Rows for the help panel: keys and what they do, each once. */
export function helpEntries<A extends string, C extends string>(table: KeyTable<A, C>, context: C): { label: string; description: string; dangerous: boolean }[] {
  const seen = new Set<string>();
  const entries: { label: string; description: string; dangerous: boolean }[] = [];
  for (const binding of bindingsIn(table, context)) {
    const text = `${binding.label} ${binding.description}`;
    if (seen.has(text)) continue;
    seen.add(text);
    entries.push({ label: binding.label, description: binding.description, dangerous: binding.dangerous === true });
  }
  return entries;
}
