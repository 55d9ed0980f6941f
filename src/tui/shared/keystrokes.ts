// ink delivers a run of plain characters typed in one burst (`jjj`, `/cart⏎`, `30⏎`, a paste) as a
// single input with no key flags; escape sequences (arrows, …) it already splits. This turns such a
// run back into one keystroke per character, so every key is handled as if typed alone.

import type { Key } from 'ink';

export interface Keystroke {
  input: string;
  key: Key;
}

const NONE: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

export function keystrokes(input: string, key: Key): Keystroke[] {
  const chars = [...input];
  if (chars.length <= 1 || key.ctrl || key.meta) return [{ input, key }];
  return chars.map((char) => {
    const code = char.codePointAt(0)!;
    if (char === '\r' || char === '\n') return { input: '', key: { ...NONE, return: true } };
    if (char === '\t') return { input: '', key: { ...NONE, tab: true } };
    if (code === 0x7f) return { input: '', key: { ...NONE, delete: true } };
    if (code === 0x08) return { input: '', key: { ...NONE, backspace: true } };
    // Ctrl+letter arrives as its control code (Ctrl-C is 0x03).
    if (code >= 1 && code <= 26) return { input: String.fromCharCode(code + 0x60), key: { ...NONE, ctrl: true } };
    return { input: char, key: { ...NONE, shift: /[A-Z]/.test(char) } };
  });
}
