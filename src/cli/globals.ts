// The global flags every command shares (connection, output, colour) and their resolution
// into ConnectionOptions: defaults < REDIS_URL < --context < flags; passwords from env or a prompt.

import type { Command } from 'commander';
import { Option } from 'commander';
import { CachectlError, usageError } from '../base/errors.js';
import { parseDuration } from '../base/duration.js';
import { assertDb, parseEndpointList, parsePort, parseRedisUrl } from '../connection/address.js';
import type { ConnectionOptions, TlsOptions } from '../connection/options.js';
import { DEFAULT_PORT, DEFAULT_SENTINEL_PORT, defaultConnectionOptions } from '../connection/options.js';
import type { ContextSettings } from './config-file.js';
import { defaultConfigPath, expandEnvReferences, readConfigFile } from './config-file.js';
import type { CliIO, OutputFormat } from './io.js';

/** Raw global flags as commander parses them. */
export interface GlobalFlags {
  url?: string;
  host?: string;
  port?: string;
  db?: string;
  user?: string;
  password?: string;
  askpass?: boolean;
  cluster?: boolean | string;
  sentinel?: string;
  master?: string;
  sentinelUser?: string;
  sentinelPassword?: string;
  tls?: boolean;
  cacert?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  sni?: string;
  context?: string;
  timeout?: string;
  output?: string;
  color?: boolean;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option('--url <url>', 'Redis URL: redis://[user:password@]host:port[/db], rediss:// for TLS (env REDIS_URL)')
    .option('--host <host>', 'server host (default 127.0.0.1)')
    .option('-p, --port <port>', 'server port (default 6379)')
    .option('-n, --db <number>', 'database number (single node and Sentinel; Cluster has only 0)')
    .option('--user <name>', 'ACL user name')
    .addOption(new Option('--password <password>', 'password (prefer env REDISCLI_AUTH or CACHECTL_PASSWORD, or --askpass)').hideHelp())
    .option('--askpass', 'prompt for the password on the terminal')
    .option('--cluster [seeds]', 'Redis Cluster; optional seed list host:port[,host:port…] (auto-detected from a plain address too)')
    .option('--sentinel <addresses>', 'Sentinel addresses host:port[,host:port…] (default port 26379); needs --master')
    .option('--master <name>', 'name of the master group Sentinel monitors')
    .option('--sentinel-user <name>', 'ACL user for the sentinels')
    .addOption(new Option('--sentinel-password <password>', 'password for the sentinels (env CACHECTL_SENTINEL_PASSWORD)').hideHelp())
    .option('--tls', 'use TLS (same as a rediss:// URL)')
    .option('--cacert <file>', 'CA certificate (PEM) to verify the server with')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client private key (PEM)')
    .option('--insecure', 'TLS without certificate verification (warned about)')
    .option('--sni <name>', 'TLS server name to send and verify')
    .option('--context <name>', 'named connection profile from the config file ($CACHECTL_CONFIG)')
    .option('--timeout <duration>', 'bound for connecting and for each command (default 5s)')
    .addOption(new Option('-o, --output <format>', 'output format (default: table on a terminal, json otherwise)').choices(['table', 'json', 'ndjson']))
    .option('--no-color', 'no colours (also NO_COLOR=1)');
}

export function resolveOutputFormat(flags: GlobalFlags, io: CliIO): OutputFormat {
  if (flags.output !== undefined) return flags.output as OutputFormat;
  return io.stdout.isTTY === true ? 'table' : 'json';
}

export function resolveColor(flags: GlobalFlags, io: CliIO): boolean {
  if (flags.color === false) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io.stdout.isTTY === true;
}

export interface ResolvedConnection {
  options: ConnectionOptions;
  /** Secrets to scrub from anything printed. */
  secrets: string[];
  /** Warnings the CLI shows on stderr (e.g. --insecure). */
  warnings: string[];
}

/** Turns flags, env and the chosen context into ConnectionOptions. `askPassword` prompts when --askpass is set. */
export async function resolveConnection(
  flags: GlobalFlags,
  io: CliIO,
  askPassword: () => Promise<string>,
): Promise<ResolvedConnection> {
  const env = io.env;
  const warnings: string[] = [];
  const settings: ContextSettings = {};
  const envUrl = env.REDIS_URL;
  if (envUrl !== undefined && envUrl !== '') settings.url = envUrl;

  const configPath = defaultConfigPath(env);
  // The file's currentContext is the default only when nothing else names a server.
  const addressGiven = flags.url !== undefined || flags.host !== undefined || flags.port !== undefined || flags.cluster !== undefined || flags.sentinel !== undefined;
  const implicit = flags.context === undefined && env.CACHECTL_CONTEXT === undefined && settings.url === undefined && !addressGiven;
  const contextName = flags.context ?? env.CACHECTL_CONTEXT ?? (implicit ? readConfigFile(configPath)?.currentContext : undefined);
  if (contextName !== undefined) {
    const file = readConfigFile(configPath);
    const context = file?.contexts[contextName];
    if (file === undefined || context === undefined) {
      const known = file === undefined ? [] : Object.keys(file.contexts);
      throw new CachectlError('CONFIG', `no context named "${contextName}" in ${configPath}`, {
        hint: known.length > 0 ? `known contexts: ${known.join(', ')}` : 'define it under "contexts" in that file (see README "Contexts")',
      });
    }
    // A context replaces the environment's URL as the base, then flags override it.
    delete settings.url;
    Object.assign(settings, expandEnvReferences(context, contextName, env));
  }
  const fromFlags = flagsToSettings(flags);
  const dropTopology = (keepSentinelGroup: boolean) => {
    delete settings.sentinel;
    delete settings.cluster;
    if (!keepSentinelGroup) {
      delete settings.master;
      delete settings.sentinelUser;
      delete settings.sentinelPassword;
    }
  };
  // An address given by flags replaces the base address entirely, not field by field: that
  // includes the context's Cluster seeds or Sentinel group, which would otherwise win over it.
  if (fromFlags.url !== undefined || fromFlags.host !== undefined || fromFlags.port !== undefined) {
    delete settings.url;
    if (fromFlags.url !== undefined) {
      delete settings.host;
      delete settings.port;
      // The URL's own db, user and password outrank the context's (flags beat the context).
      const fromUrl = parseRedisUrl(fromFlags.url, '--url');
      if (fromUrl.db !== undefined) delete settings.db;
      if (fromUrl.username !== undefined) delete settings.user;
      if (fromUrl.password !== undefined) delete settings.password;
    }
    dropTopology(false);
  }
  if (fromFlags.sentinel !== undefined || fromFlags.cluster !== undefined) {
    // --sentinel may point at other sentinels of the same group; --cluster leaves the group behind.
    dropTopology(fromFlags.sentinel !== undefined);
  }
  Object.assign(settings, fromFlags);

  if (flags.url !== undefined && (flags.host !== undefined || flags.port !== undefined)) {
    throw usageError('--url', 'cannot be combined with --host/--port', 'give the address one way: --url redis://host:port, or --host and --port');
  }
  if (settings.sentinel !== undefined && settings.cluster !== undefined && settings.cluster !== false) {
    throw usageError('--cluster', 'cannot be combined with --sentinel', 'a deployment is either a Cluster or a Sentinel group: drop one of the two');
  }

  const options = defaultConnectionOptions();
  let tls = settings.tls === true;
  if (settings.url !== undefined) {
    const source = flags.url !== undefined ? '--url' : contextName !== undefined ? `context "${contextName}" url` : 'REDIS_URL';
    const parsed = parseRedisUrl(settings.url, source);
    options.endpoints = [parsed.endpoint];
    if (parsed.db !== undefined) options.db = parsed.db;
    if (parsed.username !== undefined) options.username = parsed.username;
    if (parsed.password !== undefined) options.password = parsed.password;
    tls ||= parsed.tls;
  }
  if (settings.host !== undefined || settings.port !== undefined) {
    const current = options.endpoints[0]!;
    options.endpoints = [{ host: settings.host ?? current.host, port: settings.port ?? current.port }];
  }
  if (settings.db !== undefined) options.db = assertDb(settings.db, '--db');
  if (settings.user !== undefined) options.username = settings.user;
  if (settings.password !== undefined) options.password = settings.password;
  if (options.password === undefined) {
    const fromEnv = env.CACHECTL_PASSWORD ?? env.REDISCLI_AUTH;
    if (fromEnv !== undefined && fromEnv !== '') options.password = fromEnv;
  }
  if (flags.askpass === true) options.password = await askPassword();

  if (typeof settings.cluster === 'string') {
    options.mode = 'cluster';
    options.endpoints = parseEndpointList(settings.cluster, DEFAULT_PORT, '--cluster');
  } else if (settings.cluster === true) {
    options.mode = 'cluster';
  }
  if (settings.sentinel !== undefined) {
    options.mode = 'sentinel';
    options.sentinels = parseEndpointList(settings.sentinel, DEFAULT_SENTINEL_PORT, '--sentinel');
    if (settings.master === undefined || settings.master === '') {
      throw usageError('--sentinel', 'needs --master NAME', 'name the master group the sentinels monitor, e.g. --master mymaster');
    }
    options.masterName = settings.master;
    if (settings.sentinelUser !== undefined) options.sentinelUsername = settings.sentinelUser;
    const sentinelPassword = settings.sentinelPassword ?? env.CACHECTL_SENTINEL_PASSWORD;
    if (sentinelPassword !== undefined && sentinelPassword !== '') options.sentinelPassword = sentinelPassword;
  } else if (settings.master !== undefined) {
    throw usageError('--master', 'only applies with --sentinel', 'add --sentinel host:port, or drop --master');
  }

  const tlsOptions: TlsOptions = {};
  if (settings.cacert !== undefined) tlsOptions.caFile = settings.cacert;
  if (settings.cert !== undefined) tlsOptions.certFile = settings.cert;
  if (settings.key !== undefined) tlsOptions.keyFile = settings.key;
  if (settings.sni !== undefined) tlsOptions.serverName = settings.sni;
  if (settings.insecure === true) tlsOptions.insecure = true;
  if (tls || Object.keys(tlsOptions).length > 0) {
    options.tls = tlsOptions;
    if (tlsOptions.insecure === true) warnings.push('--insecure: the server certificate is not verified; anyone in the path can read this session');
  }
  if ((tlsOptions.certFile === undefined) !== (tlsOptions.keyFile === undefined)) {
    throw usageError(tlsOptions.certFile === undefined ? '--key' : '--cert', 'needs its pair', 'a client certificate needs both --cert and --key');
  }
  options.timeoutMs = parseDuration(settings.timeout ?? '5s', '--timeout');
  if (options.timeoutMs < 1) throw usageError('--timeout', 'must be at least 1ms');
  const secrets = [options.password, options.sentinelPassword].filter((s): s is string => s !== undefined && s !== '');
  return { options, secrets, warnings };
}

function flagsToSettings(flags: GlobalFlags): ContextSettings {
  const settings: ContextSettings = {};
  if (flags.url !== undefined) settings.url = flags.url;
  if (flags.host !== undefined) settings.host = flags.host;
  if (flags.port !== undefined) settings.port = parsePort(flags.port, '--port');
  if (flags.db !== undefined) {
    if (!/^\d+$/.test(flags.db)) throw usageError('--db', `must be a database number ≥ 0, got "${flags.db}"`);
    settings.db = Number(flags.db);
  }
  if (flags.user !== undefined) settings.user = flags.user;
  if (flags.password !== undefined) settings.password = flags.password;
  if (flags.cluster !== undefined) settings.cluster = flags.cluster;
  if (flags.sentinel !== undefined) settings.sentinel = flags.sentinel;
  if (flags.master !== undefined) settings.master = flags.master;
  if (flags.sentinelUser !== undefined) settings.sentinelUser = flags.sentinelUser;
  if (flags.sentinelPassword !== undefined) settings.sentinelPassword = flags.sentinelPassword;
  if (flags.tls === true) settings.tls = true;
  if (flags.cacert !== undefined) settings.cacert = flags.cacert;
  if (flags.cert !== undefined) settings.cert = flags.cert;
  if (flags.key !== undefined) settings.key = flags.key;
  if (flags.insecure === true) settings.insecure = true;
  if (flags.sni !== undefined) settings.sni = flags.sni;
  if (flags.timeout !== undefined) settings.timeout = flags.timeout;
  return settings;
}
