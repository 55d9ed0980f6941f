// `cachectl completion bash|zsh|fish` and `cachectl completion --context-names` without commander or
// any command module: bin/cachectl.js asks here first. A shell runs the first at every start and the
// second at every TAB after --context, so both should cost Node's own start-up and little more.

import { readBuiltCompletionSpec } from './completion-spec.js';
import { completionScript, SHELLS } from './completion-scripts.js';
import type { Shell } from './completion-scripts.js';
import type { CliIO } from './io.js';
import { processIO } from './io.js';

/**
 * What `cachectl completion <arg>` prints, when it can be answered from the built completion spec
 * and the config file alone; undefined sends the run through the whole CLI (a wrong word, or no
 * dist/cli/completion-spec.json, as when the sources run directly).
 */
export async function quickCompletion(arg: string, env: Record<string, string | undefined>): Promise<string | undefined> {
  if (arg === '--context-names') return contextNames(env);
  if (!(SHELLS as readonly string[]).includes(arg)) return undefined;
  const spec = readBuiltCompletionSpec();
  return spec === undefined ? undefined : completionScript(arg as Shell, spec);
}

/** Prints the quick answer and says whether there was one (the launcher runs the CLI otherwise). */
export async function answerCompletion(arg: string, io: CliIO = processIO()): Promise<boolean> {
  const text = await quickCompletion(arg, io.env);
  if (text === undefined) return false;
  io.stdout.write(text);
  return true;
}

/** The context names, one a line; nothing at all when there is no config file or it is broken (TAB must stay quiet). */
export async function contextNames(env: Record<string, string | undefined>): Promise<string> {
  // The config file's reader (and the settings table it checks fields against) only for this.
  const { defaultConfigPath, readConfigFile } = await import('./config-file.js');
  try {
    const names = Object.keys(readConfigFile(defaultConfigPath(env))?.contexts ?? {});
    return names.map((name) => `${name}\n`).join('');
  } catch {
    return '';
  }
}
