// Confirmation for destructive commands (purge, restore): the user types the number of keys (or
// the pattern), which forces reading the plan instead of pressing "y" out of habit.

import { usageError } from '../core/errors.js';
import type { CommandContext } from './runtime.js';

/** Asks on the terminal; true only when the answer is the count (separators allowed) or `phrase`. */
export async function confirmByTyping(ctx: CommandContext, count: number, phrase: string | undefined, what: string): Promise<boolean> {
  const alternative = phrase === undefined || phrase === '' ? '' : ' (or the pattern)';
  const answer = await ctx.prompt(`Type ${count} ${what}${alternative}, anything else cancels: `);
  return answerConfirms(answer, count, phrase);
}

export function answerConfirms(answer: string, count: number, phrase: string | undefined): boolean {
  const trimmed = answer.trim();
  if (phrase !== undefined && phrase !== '' && trimmed === phrase) return true;
  const digits = trimmed.replace(/[,_ ']/g, '');
  return /^\d+$/.test(digits) && Number(digits) === count;
}

/** A percentage from 0 to 100, written `50%` or `50`. */
export function parsePercent(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*%?\s*$/.exec(text);
  const value = match === null ? Number.NaN : Number(match[1]);
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw usageError(flag, `expects a percentage from 0% to 100%, got ${JSON.stringify(text)}`, `e.g. ${flag} 80%`);
  }
  return value / 100;
}
