// What the destructive commands (purge, restore) share: confirmation by typing the number of keys
// (or the pattern), which forces reading the plan instead of pressing "y" out of habit, and one JSON
// document per run that carries the error too, so scripts get the plan and the summary either way.

import type { CachectlError, ExitCodeValue } from '../base/errors.js';
import { usageError } from '../base/errors.js';
import { renderJson, renderNdjsonLine } from '../render/json.js';
import type { CommandContext, Runtime } from './runtime.js';
import { answerConfirms } from '../core/purge/confirm.js';
import type { RunTarget } from '../connection/target.js';
import { formatTarget } from '../connection/target.js';

export interface DocumentError {
  code: string;
  message: string;
  hint: string | null;
  exitCode: number;
}

/**
 * Returns `finish(code, error?)`: puts the error (scrubbed of secrets) into `doc`, prints `doc` in
 * the JSON modes, prints the error on stderr, and returns the exit code to end the command with.
 */
export function documentFinisher<D extends { error: DocumentError | null }>(runtime: Runtime, ctx: CommandContext, doc: D) {
  return (code: ExitCodeValue, error?: CachectlError): ExitCodeValue => {
    if (error !== undefined) {
      doc.error = { code: error.code, message: runtime.scrub(error.message), hint: error.hint === undefined ? null : runtime.scrub(error.hint), exitCode: error.exitCode };
    }
    if (ctx.output !== 'table') ctx.write(ctx.output === 'ndjson' ? renderNdjsonLine(ctx.withTarget(doc)) : renderJson(ctx.withTarget(doc)));
    return error === undefined ? code : runtime.report(error, { json: false });
  };
}

/**
 * Asks on the terminal; true only when the answer is the count (separators allowed) or `phrase`.
 * Right above the question it names the target and the servers written to (`servers`, what the
 * command does there, e.g. `deletes on`), so nobody confirms against the wrong deployment.
 */
export async function confirmByTyping(ctx: CommandContext, count: number, phrase: string | undefined, what: string, servers: { verb: string; addresses: readonly string[] }): Promise<boolean> {
  const alternative = phrase === undefined || phrase === '' ? '' : ' (or the pattern)';
  const target = ctx.target();
  if (target !== undefined) ctx.io.stderr.write(`${confirmationTargetLine(target, servers.verb, servers.addresses)}\n`);
  const answer = await ctx.prompt(`Type ${count} ${what}${alternative}, anything else cancels: `);
  return answerConfirms(answer, count, phrase);
}

/** `target: cluster via 10.0.0.1:7000 · db 0 · context prod — deletes on 10.0.0.1:7000, 10.0.0.2:7000` (the first 6 servers). */
export function confirmationTargetLine(target: RunTarget, verb: string, addresses: readonly string[]): string {
  const shown = addresses.slice(0, MAX_SERVERS_NAMED).join(', ');
  const more = addresses.length > MAX_SERVERS_NAMED ? ` and ${addresses.length - MAX_SERVERS_NAMED} more` : '';
  return `target: ${formatTarget(target)} — ${verb} ${shown}${more}`;
}

const MAX_SERVERS_NAMED = 6;

/** A percentage from 0 to 100, written `50%` or `50`. */
export function parsePercent(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*%?\s*$/.exec(text);
  const value = match === null ? Number.NaN : Number(match[1]);
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw usageError(flag, `expects a percentage from 0% to 100%, got ${JSON.stringify(text)}`, `e.g. ${flag} 80%`);
  }
  return value / 100;
}
