// Key bindings as data, for both full-screen apps (top and browse): one table says which keys do
// what and where; the same table resolves key presses (fed one keystroke at a time by
// useKeystrokes) and draws the help line and the help screen, so they cannot disagree.
// Dangerous bindings (they delete or change data) are registered apart and left out entirely under
// --readonly, which removes them from input handling and help at once.

import type { Key } from 'ink';

/** One way to trigger a binding: a typed character (with Ctrl or not), or a named key. */
export type KeyStroke = { input: string; ctrl?: boolean } | { key: KeyName };

export type KeyName = 'upArrow' | 'downArrow' | 'leftArrow' | 'rightArrow' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape' | 'backspace' | 'delete' | 'tab';

export interface KeyBinding<Action extends string, Context extends string> {
  action: Action;
  strokes: readonly KeyStroke[];
  /** How help writes the keys, e.g. `↑/↓`; bindings sharing label and hint (or description) are shown once. */
  label: string;
  /** A word or two for the help line. */
  hint: string;
  /** A sentence for the help screen. */
  description: string;
  /** Where the binding applies; everywhere when absent. */
  contexts?: readonly Context[];
  /** Left out of the one-line help (still on the help screen). */
  panelOnly?: boolean;
}

/** A binding as the app uses it: whether it came from the dangerous list is kept for the help screen. */
export interface ActiveBinding<Action extends string, Context extends string> extends KeyBinding<Action, Context> {
  dangerous: boolean;
}

/** An app's bindings: the harmless ones, and the dangerous ones apart. */
export interface KeyTable<Action extends string, Context extends string> {
  readonly safe: readonly KeyBinding<Action, Context>[];
  readonly dangerous: readonly KeyBinding<Action, Context>[];
}

/** The bindings in force: dangerous ones only when they are allowed (not --readonly). */
export type Bindings<Action extends string, Context extends string> = readonly ActiveBinding<Action, Context>[];

export function keyTable<A extends string, C extends string>(safe: readonly KeyBinding<A, C>[], dangerous: readonly KeyBinding<A, C>[] = []): KeyTable<A, C> {
  return { safe, dangerous };
}

/** The table's bindings in force; dangerous ones are left out (keys, help line, help screen) unless allowed. */
export function activeBindings<A extends string, C extends string>(table: KeyTable<A, C>, allowDangerous: boolean): Bindings<A, C> {
  const mark = (dangerous: boolean) => (binding: KeyBinding<A, C>): ActiveBinding<A, C> => ({ ...binding, dangerous });
  return [...table.safe.map(mark(false)), ...(allowDangerous ? table.dangerous.map(mark(true)) : [])];
}

/** The bindings that apply in `context`, or all of them without one. */
export function bindingsIn<A extends string, C extends string>(bindings: Bindings<A, C>, context?: C): Bindings<A, C> {
  return context === undefined ? bindings : bindings.filter((binding) => binding.contexts === undefined || binding.contexts.includes(context));
}

/**
 * The action one keystroke triggers in `context`, if any. Named keys never match with Ctrl held
 * (ink reports Meta with every escape, so Meta is not checked there); characters match only with
 * exactly the Ctrl state they declare and never with Meta.
 */
export function resolveKey<A extends string, C extends string>(bindings: Bindings<A, C>, context: C, input: string, key: Key): A | undefined {
  for (const binding of bindingsIn(bindings, context)) {
    for (const stroke of binding.strokes) {
      if ('key' in stroke ? key[stroke.key] && !key.ctrl : matchesInput(stroke, input, key)) return binding.action;
    }
  }
  return undefined;
}

function matchesInput(stroke: { input: string; ctrl?: boolean }, input: string, key: Key): boolean {
  return input === stroke.input && (stroke.ctrl === true) === key.ctrl && !key.meta;
}

/** `↑/↓ move · enter open · q quit` for the bindings of `context`. */
export function helpLine<A extends string, C extends string>(bindings: Bindings<A, C>, context: C): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const binding of bindingsIn(bindings, context)) {
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

/** The entries of a help line that fit on one line of `width` columns (whole entries only). */
export function fitHelp(line: string, width: number): string {
  const first = wrapHelp(line, width)[0]!;
  return first.length > width ? '' : first;
}

export interface HelpEntry {
  label: string;
  description: string;
  dangerous: boolean;
}

/** Rows for the help screen: keys and what they do, each once; every context's when none is given. */
export function helpEntries<A extends string, C extends string>(bindings: Bindings<A, C>, context?: C): HelpEntry[] {
  const seen = new Set<string>();
  const entries: HelpEntry[] = [];
  for (const binding of bindingsIn(bindings, context)) {
    const text = `${binding.label} ${binding.description}`;
    if (seen.has(text)) continue;
    seen.add(text);
    entries.push({ label: binding.label, description: binding.description, dangerous: binding.dangerous });
  }
  return entries;
}
