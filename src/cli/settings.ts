// The settings schema: every connection and output setting declared once — its flag, its field in
// a config-file context, its type, parser, help text and whether it is a secret. Commander's options,
// the config-file validation and the mapping to ConnectionOptions are all derived from this table.

import type { Command } from 'commander';
import { parseDuration } from '../base/duration.js';
import { usageError } from '../base/errors.js';
import { parseEndpointList, parsePort, parseRedisUrl } from '../connection/address.js';
import type { ConnectionOptions, TlsOptions } from '../connection/options.js';
import { DEFAULT_PORT, DEFAULT_SENTINEL_PORT } from '../connection/options.js';

/** JSON type of a setting in a config-file context. */
export type FieldType = 'string' | 'number' | 'boolean' | 'string|boolean';

/** What applying the settings builds: the options, plus TLS pieces gathered before deciding on TLS. */
export interface OptionsDraft {
  options: ConnectionOptions;
  tls: TlsOptions;
  tlsOn: boolean;
  /** Explicitly plain: a redis:// URL was the address. */
  plainUrl: boolean;
}

export interface SettingSpec {
  /** Commander syntax: '-p, --port <port>'. `<x>` takes a value, `[x]` an optional one, none is a switch. */
  readonly flags: string;
  readonly help: string;
  /** Heading the flag is listed under in every command's --help. */
  readonly group: 'Connection' | 'Output';
  /** Its type in a config-file context; flag-only settings have none. */
  readonly field?: FieldType;
  /** Never shown resolved (context show, messages). */
  readonly secret?: boolean;
  /** The only values the flag accepts. */
  readonly choices?: readonly string[];
  /** Flag text to the value a context would hold (contexts hold JSON values already). */
  readonly parse?: (text: string, flag: string) => number;
  /** Puts the (parsed) value into the options being built. `source` names where it came from, for errors. */
  readonly apply?: (draft: OptionsDraft, value: never, source: string) => void;
}

export const SETTINGS = {
  url: {
    flags: '-u, --url <url>', group: 'Connection', field: 'string',
    help: 'Redis URL redis://[user[:password]@]host[:port][/db], rediss:// for TLS (env REDIS_URL)',
    apply: (draft, url: string, source) => {
      const parsed = parseRedisUrl(url, source);
      draft.options.endpoints = [parsed.endpoint];
      if (parsed.db !== undefined) draft.options.db = parsed.db;
      if (parsed.username !== undefined) draft.options.username = parsed.username;
      if (parsed.password !== undefined) draft.options.password = parsed.password;
      if (parsed.tls) draft.tlsOn = true;
      else draft.plainUrl = true;
    },
  },
  host: {
    flags: '-h, --host <host>', group: 'Connection', field: 'string', help: 'server host (default 127.0.0.1)',
    apply: (draft, host: string) => {
      draft.options.endpoints = [{ host, port: draft.options.endpoints[0]!.port }];
    },
  },
  port: {
    flags: '-p, --port <port>', group: 'Connection', field: 'number', help: `server port (default ${DEFAULT_PORT})`, parse: parsePort,
    apply: (draft, port: number) => {
      draft.options.endpoints = [{ host: draft.options.endpoints[0]!.host, port }];
    },
  },
  db: {
    flags: '-n, --db <number>', group: 'Connection', field: 'number', help: 'database number (single node and Sentinel; Cluster has only 0)', parse: parseDb,
    apply: (draft, db: number, source) => {
      draft.options.db = parseDb(String(db), source);
    },
  },
  user: {
    flags: '--user <name>', group: 'Connection', field: 'string', help: 'ACL user name',
    apply: (draft, user: string) => {
      draft.options.username = user;
    },
  },
  password: {
    flags: '-a, --password <password>', group: 'Connection', field: 'string', secret: true,
    help: 'password; visible to other users in ps: prefer env REDISCLI_AUTH (or CACHECTL_PASSWORD) or --askpass',
    apply: (draft, password: string) => {
      draft.options.password = password;
    },
  },
  askpass: { flags: '--askpass', group: 'Connection', help: 'prompt for the password on the terminal (not echoed)' },
  cluster: {
    flags: '--cluster [seeds]', group: 'Connection', field: 'string|boolean',
    help: 'Redis Cluster; optional seed list host:port[,host:port…] (auto-detected from a plain address too)',
    apply: (draft, cluster: string | boolean, source) => {
      if (cluster === false) return;
      draft.options.mode = 'cluster';
      if (typeof cluster === 'string') draft.options.endpoints = parseEndpointList(cluster, DEFAULT_PORT, source);
    },
  },
  sentinel: {
    flags: '--sentinel <addresses>', group: 'Connection', field: 'string', help: `Sentinel addresses host:port[,host:port…] (default port ${DEFAULT_SENTINEL_PORT}); needs --master`,
    apply: (draft, sentinel: string, source) => {
      draft.options.mode = 'sentinel';
      draft.options.sentinels = parseEndpointList(sentinel, DEFAULT_SENTINEL_PORT, source);
    },
  },
  master: {
    flags: '--master <name>', group: 'Connection', field: 'string', help: 'name of the master group Sentinel monitors',
    apply: (draft, master: string) => {
      draft.options.masterName = master;
    },
  },
  sentinelUser: {
    flags: '--sentinel-user <name>', group: 'Connection', field: 'string', help: 'ACL user for the sentinels',
    apply: (draft, user: string) => {
      draft.options.sentinelUsername = user;
    },
  },
  sentinelPassword: {
    flags: '--sentinel-password <password>', group: 'Connection', field: 'string', secret: true,
    help: 'password for the sentinels (prefer env CACHECTL_SENTINEL_PASSWORD)',
    apply: (draft, password: string) => {
      if (password !== '') draft.options.sentinelPassword = password;
    },
  },
  tls: {
    flags: '--tls', group: 'Connection', field: 'boolean', help: 'use TLS (same as a rediss:// URL)',
    apply: (draft, tls: boolean) => {
      if (tls) draft.tlsOn = true;
    },
  },
  cacert: {
    flags: '--cacert <file>', group: 'Connection', field: 'string', help: 'CA certificate (PEM) to verify the server with',
    apply: (draft, file: string) => {
      draft.tls.caFile = file;
    },
  },
  cert: {
    flags: '--cert <file>', group: 'Connection', field: 'string', help: 'client certificate (PEM)',
    apply: (draft, file: string) => {
      draft.tls.certFile = file;
    },
  },
  key: {
    flags: '--key <file>', group: 'Connection', field: 'string', help: 'client private key (PEM)',
    apply: (draft, file: string) => {
      draft.tls.keyFile = file;
    },
  },
  insecure: {
    flags: '--insecure', group: 'Connection', field: 'boolean', help: 'TLS without certificate verification (warned about; needs rediss:// or --tls)',
    apply: (draft, insecure: boolean) => {
      if (insecure) draft.tls.insecure = true;
    },
  },
  sni: {
    flags: '--sni <name>', group: 'Connection', field: 'string', help: 'TLS server name to send and verify',
    apply: (draft, name: string) => {
      draft.tls.serverName = name;
    },
  },
  timeout: {
    flags: '--timeout <duration>', group: 'Connection', field: 'string', help: 'bound for connecting and for each command (default 5s)',
    apply: (draft, timeout: string, source) => {
      draft.options.timeoutMs = parseDuration(timeout, source);
      if (draft.options.timeoutMs < 1) throw usageError(source, 'must be at least 1ms');
    },
  },
  context: { flags: '--context <name>', group: 'Connection', help: 'named connection profile from the config file (see cachectl context list)' },
  output: {
    flags: '-o, --output <format>', group: 'Output', choices: ['table', 'json', 'ndjson'],
    help: 'output format (default: table on a terminal, json otherwise)',
  },
  color: { flags: '--no-color', group: 'Output', help: 'no colours (also NO_COLOR=1, FORCE_COLOR=0)' },
} as const satisfies Record<string, SettingSpec>;

type Schema = typeof SETTINGS;
export type SettingName = keyof Schema;

type FieldValue<T> = T extends 'string' ? string : T extends 'number' ? number : T extends 'boolean' ? boolean : T extends 'string|boolean' ? string | boolean : never;
type FieldName = { [K in SettingName]: Schema[K] extends { field: FieldType } ? K : never }[SettingName];

/** Every field a context of the config file may set, typed from the schema. */
export type ContextSettings = { [K in FieldName]?: FieldValue<Schema[K] extends { field: infer F } ? F : never> };

type FlagValue<F extends string> = F extends `--no-${string}` ? boolean : F extends `${string}<${string}>` ? string : F extends `${string}[${string}]` ? string | true : boolean;

/** The raw flags as commander parses them: text for values, booleans for switches. */
export type GlobalFlags = { [K in SettingName]?: FlagValue<Schema[K]['flags']> };

const settingNames = Object.keys(SETTINGS) as SettingName[];

/** The config-file fields, in schema order. */
export const CONTEXT_FIELDS: readonly FieldName[] = settingNames.filter((name): name is FieldName => (SETTINGS[name] as SettingSpec).field !== undefined);

/** Config fields that hold secrets. */
export function isSecretField(name: string): boolean {
  return (SETTINGS[name as SettingName] as SettingSpec | undefined)?.secret === true;
}

export function fieldType(name: string): FieldType | undefined {
  return (SETTINGS[name as SettingName] as SettingSpec | undefined)?.field;
}

/** The long flag of a setting, e.g. '--port', for messages. */
export function longFlag(name: SettingName): string {
  return /--[a-z-]+/.exec(SETTINGS[name].flags)![0];
}

/**
 * Adds every setting to a command as an option, under its help group. Through the command's own
 * createOption: this module imports no commander at run time, so the config file (which checks
 * its fields against this table) can be read without loading commander (shell completion does).
 */
export function addSettingOptions(program: Command): Command {
  for (const name of settingNames) {
    const spec: SettingSpec = SETTINGS[name];
    const option = program.createOption(spec.flags, spec.help).helpGroup(`${spec.group}:`);
    if (spec.choices !== undefined) option.choices(spec.choices);
    program.addOption(option);
  }
  return program;
}

/** The connection fields the command line sets, parsed (text to numbers) and named by their flag. */
export function flagsToSettings(flags: GlobalFlags): ContextSettings {
  const settings: Record<string, unknown> = {};
  for (const name of CONTEXT_FIELDS) {
    const raw = flags[name];
    if (raw === undefined) continue;
    const spec: SettingSpec = SETTINGS[name];
    // A switch is only ever turned on from the command line (there is no --no-tls to turn a context's off).
    if (spec.field === 'boolean' && raw !== true) continue;
    settings[name] = spec.parse !== undefined && typeof raw === 'string' ? spec.parse(raw, longFlag(name)) : raw;
  }
  return settings as ContextSettings;
}

/** Applies settings to a draft in schema order (url before host/port, sentinel before master…). */
export function applySettings(draft: OptionsDraft, settings: ContextSettings, sourceOf: (name: FieldName) => string): void {
  for (const name of CONTEXT_FIELDS) {
    const value = settings[name];
    if (value === undefined) continue;
    const apply = (SETTINGS[name] as SettingSpec).apply as ((draft: OptionsDraft, value: unknown, source: string) => void) | undefined;
    apply?.(draft, value, sourceOf(name));
  }
}

function parseDb(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw usageError(flag, `must be a database number ≥ 0, got "${text}"`);
  return Number(text);
}
