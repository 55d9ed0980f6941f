// Named connection profiles ("contexts") read from a JSON file, so on-call engineers type
// `--context prod-cache` instead of a dozen flags. Secrets may be ${ENV_VAR} references.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CachectlError } from '../base/errors.js';
import type { ContextSettings } from './settings.js';
import { CONTEXT_FIELDS, fieldType } from './settings.js';

export type { ContextSettings } from './settings.js';

export interface ConfigFile {
  path: string;
  currentContext?: string;
  contexts: Record<string, ContextSettings>;
}

export function defaultConfigPath(env: Record<string, string | undefined>): string {
  if (env.CACHECTL_CONFIG !== undefined && env.CACHECTL_CONFIG !== '') return env.CACHECTL_CONFIG;
  const base = env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(base, 'cachectl', 'config.json');
}

/** Reads the config file; a missing file is `undefined` (contexts are optional), anything malformed is an error naming the spot. */
export function readConfigFile(path: string): ConfigFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CachectlError('CONFIG', `config file ${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  return parseConfigText(text, path);
}

export function parseConfigText(text: string, path: string): ConfigFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CachectlError('CONFIG', `config file ${path} is not valid JSON: ${jsonErrorWhere(error as Error, text)}`, {
      hint: 'fix the JSON syntax (see README "Contexts")',
    });
  }
  if (!isRecord(data)) throw new CachectlError('CONFIG', `config file ${path} must hold a JSON object`);
  for (const field of Object.keys(data)) {
    if (field !== 'contexts' && field !== 'currentContext') {
      throw new CachectlError('CONFIG', `config file ${path}: unknown field "${field}"`, { hint: 'allowed top-level fields: contexts, currentContext' });
    }
  }
  const contexts: Record<string, ContextSettings> = {};
  const rawContexts = data.contexts ?? {};
  if (!isRecord(rawContexts)) throw new CachectlError('CONFIG', `config file ${path}: "contexts" must be an object of named contexts`);
  for (const [name, raw] of Object.entries(rawContexts)) {
    if (!isRecord(raw)) throw new CachectlError('CONFIG', `config file ${path}: context "${name}" must be an object`);
    const settings: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(raw)) {
      const type = fieldType(field);
      if (type === undefined) {
        throw new CachectlError('CONFIG', `config file ${path}: context "${name}" has unknown field "${field}"`, {
          hint: `allowed fields: ${CONTEXT_FIELDS.join(', ')}`,
        });
      }
      if (!type.split('|').includes(typeof value)) {
        throw new CachectlError('CONFIG', `config file ${path}: contexts.${name}.${field} must be a ${type.replace('|', ' or ')}`);
      }
      settings[field] = value;
    }
    contexts[name] = settings as ContextSettings;
  }
  const file: ConfigFile = { path, contexts };
  if (typeof data.currentContext === 'string') file.currentContext = data.currentContext;
  return file;
}

/** The context called `name`, or an error naming the file and the contexts it does have. */
export function contextIn(file: ConfigFile | undefined, name: string, path: string): ContextSettings {
  const context = file?.contexts[name];
  if (file === undefined || context === undefined) {
    const known = file === undefined ? [] : Object.keys(file.contexts);
    throw new CachectlError('CONFIG', `no context named "${name}" in ${path}`, {
      hint: known.length > 0 ? `known contexts: ${known.join(', ')}` : 'define it under "contexts" in that file (see README "Contexts")',
    });
  }
  return context;
}

/** Replaces `${NAME}` references in every string of a context with environment values. */
export function expandEnvReferences(settings: ContextSettings, context: string, env: Record<string, string | undefined>): ContextSettings {
  const result: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(settings)) {
    result[field] =
      typeof value === 'string'
        ? value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
            const resolved = env[name];
            if (resolved === undefined) {
              throw new CachectlError('CONFIG', `context "${context}" field "${field}" refers to \${${name}}, which is not set`, {
                hint: `export ${name}=… before running cachectl`,
              });
            }
            return resolved;
          })
        : value;
  }
  return result as ContextSettings;
}

function jsonErrorWhere(error: Error, text: string): string {
  const position = /position (\d+)/.exec(error.message);
  // Without a position V8 quotes the text around the error instead ("Unexpected token 'h',
  // ..."assword": hunter2}" is not valid JSON"), which may be a secret: keep only the verdict.
  if (position === null) return error.message.replace(/, (?:\.\.\.)?".*$/s, '');
  const offset = Number(position[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
