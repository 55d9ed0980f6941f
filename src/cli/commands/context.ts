// `cachectl context list|current|use NAME|show NAME`: manage the named connection profiles of the
// config file from the CLI. Secrets are never resolved: `${VAR}` references are shown as written,
// literal secrets (and a URL's password) as ***.

import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { CachectlError } from '../../base/errors.js';
import { redactUrl } from '../../connection/address.js';
import { renderJson } from '../../render/json.js';
import type { ConfigFile, ContextSettings } from '../config-file.js';
import { contextIn, defaultConfigPath, readConfigFile } from '../config-file.js';
import type { CommandContext, Runtime } from '../runtime.js';
import { isSecretField } from '../settings.js';

export function contextCommand(runtime: Runtime): Command {
  const command = new Command('context').description(`named connection profiles in the config file ($CACHECTL_CONFIG, default ~/.config/cachectl/config.json)`);
  command
    .command('list')
    .description('every context, the current one marked *')
    .action(runtime.action(async (ctx) => list(ctx)));
  command
    .command('current')
    .description('the name of the current context')
    .action(runtime.action(async (ctx) => current(ctx)));
  command
    .command('use')
    .description('make NAME the current context (writes currentContext in the config file)')
    .argument('<name>')
    .action(runtime.action(async (ctx, _flags, args) => use(ctx, args[0]!)));
  command
    .command('show')
    .description('the settings of context NAME (secrets shown as ${VAR} or ***, never resolved)')
    .argument('<name>')
    .action(runtime.action(async (ctx, _flags, args) => show(ctx, args[0]!)));
  return command;
}

function configOf(ctx: CommandContext): ConfigFile {
  const path = defaultConfigPath(ctx.io.env);
  const file = readConfigFile(path);
  if (file === undefined) {
    throw new CachectlError('CONFIG', `no config file at ${path}`, { hint: 'create it with a "contexts" object (see README "Contexts"), or point CACHECTL_CONFIG at one' });
  }
  return file;
}

function currentName(ctx: CommandContext, file: ConfigFile): string | undefined {
  const fromEnv = ctx.io.env.CACHECTL_CONTEXT;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : file.currentContext;
}

/** A context with its secrets masked: `${VAR}` references stay as written, anything else is ***. */
export function maskedContext(settings: ContextSettings): Record<string, string | number | boolean> {
  const masked: Record<string, string | number | boolean> = {};
  for (const [field, value] of Object.entries(settings) as [string, string | number | boolean][]) {
    if (typeof value !== 'string') masked[field] = value;
    else if (isSecretField(field)) masked[field] = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(value) ? value : '***';
    else masked[field] = field === 'url' && !/:\$\{[A-Za-z_][A-Za-z0-9_]*\}@/.test(value) ? redactUrl(value) : value;
  }
  return masked;
}

/** Where a context points, in one line. */
function addressOf(settings: ContextSettings): string {
  if (settings.sentinel !== undefined) return `sentinel ${settings.sentinel} master ${settings.master ?? '?'}`;
  if (typeof settings.cluster === 'string') return `cluster ${settings.cluster}`;
  const base = settings.url !== undefined ? String(maskedContext({ url: settings.url }).url) : `${settings.host ?? '127.0.0.1'}:${settings.port ?? 6379}`;
  return settings.cluster === true ? `cluster ${base}` : base;
}

function list(ctx: CommandContext): void {
  const file = configOf(ctx);
  const active = currentName(ctx, file);
  const rows = Object.entries(file.contexts).map(([name, settings]) => ({ name, current: name === active, address: addressOf(settings) }));
  if (ctx.output !== 'table') {
    ctx.write(ctx.output === 'ndjson' ? rows.map((row) => `${JSON.stringify(row)}\n`).join('') : renderJson({ configFile: file.path, contexts: rows }));
    return;
  }
  const width = Math.max(4, ...rows.map((row) => row.name.length));
  ctx.write(`  ${'NAME'.padEnd(width)}  ADDRESS\n${rows.map((row) => `${row.current ? '*' : ' '} ${row.name.padEnd(width)}  ${row.address}\n`).join('')}`);
}

function current(ctx: CommandContext): void {
  const file = configOf(ctx);
  const name = currentName(ctx, file);
  if (name === undefined) throw new CachectlError('CONFIG', `no current context in ${file.path}`, { hint: 'pick one with: cachectl context use NAME' });
  ctx.write(ctx.output === 'table' ? `${name}\n` : renderJson({ currentContext: name }));
}

function use(ctx: CommandContext, name: string): void {
  const file = configOf(ctx);
  contextIn(file, name, file.path);
  // Rewrite only currentContext; every other field stays as the user wrote it.
  const data = JSON.parse(readFileSync(file.path, 'utf8')) as Record<string, unknown>;
  data.currentContext = name;
  try {
    writeFileSync(file.path, `${JSON.stringify(data, null, 2)}\n`);
  } catch (error) {
    throw new CachectlError('CONFIG', `cannot write ${file.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { hint: 'check the file permissions' });
  }
  if (ctx.io.env.CACHECTL_CONTEXT !== undefined && ctx.io.env.CACHECTL_CONTEXT !== '' && ctx.io.env.CACHECTL_CONTEXT !== name) {
    ctx.warn(`CACHECTL_CONTEXT=${ctx.io.env.CACHECTL_CONTEXT} is set and still wins over the file`);
  }
  ctx.write(ctx.output === 'table' ? `current context: ${name}\n` : renderJson({ currentContext: name }));
}

function show(ctx: CommandContext, name: string): void {
  const file = configOf(ctx);
  const masked = maskedContext(contextIn(file, name, file.path));
  if (ctx.output !== 'table') {
    ctx.write(renderJson({ name, ...masked }));
    return;
  }
  const width = Math.max(...Object.keys(masked).map((field) => field.length));
  ctx.write(`context ${name}${name === currentName(ctx, file) ? ' (current)' : ''}\n${Object.entries(masked).map(([field, value]) => `  ${field.padEnd(width)}  ${String(value)}\n`).join('')}`);
}
