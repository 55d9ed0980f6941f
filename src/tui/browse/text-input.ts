// Editing of the one-line prompts (filter, backup path, confirmation): what a key press does to
// the text. Printable input is appended (a paste arrives as one string), erase removes a character.

import type { Key } from 'ink';

/** The text after a key press that is not a prompt action (those come from PROMPT_KEYS first). */
export function editText(text: string, input: string, key: Key): string {
  if (key.backspace || key.delete) return [...text].slice(0, -1).join('');
  if (key.ctrl || key.meta || key.escape || key.return || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return text;
  // eslint-disable-next-line no-control-regex -- control bytes (a pasted newline, say) are dropped, not typed
  return text + input.replace(/[\u0000-\u001f\u007f]/g, '');
}

