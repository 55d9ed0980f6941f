// The global flags every command shares (connection, output, colour) and their resolution
// into ConnectionOptions: defaults < REDIS_URL < --context < flags; passwords from env or a prompt.

import type { Command } from 'commander';
import { usageError } from '../base/errors.js';
import { parseRedisUrl } from '../connection/address.js';
import type { ConnectionOptions } from '../connection/options.js';
import { defaultConnectionOptions } from '../connection/options.js';
import { contextIn, defaultConfigPath, expandEnvReferences, readConfigFile } from './config-file.js';
import type { ContextSettings, GlobalFlags, OptionsDraft } from './settings.js';
import { addSettingOptions, applySettings, flagsToSettings, longFlag } from './settings.js';
import type { CliIO, OutputFormat } from './io.js';

export type { GlobalFlags } from './settings.js';

/** The global flags, declared once in the settings schema. */
export function addGlobalOptions(program: Command): Command {
  return addSettingOptions(program);
}

export function resolveOutputFormat(flags: GlobalFlags, io: CliIO): OutputFormat {
  if (flags.output !== undefined) return flags.output as OutputFormat;
  return io.stdout.isTTY === true ? 'table' : 'json';
}

/**
 * Colour: --no-color and NO_COLOR (any non-empty value) turn it off; FORCE_COLOR=0 (or false) turns
 * it off and FORCE_COLOR=1..3 (or an empty value, or true) on even without a terminal; otherwise
 * colour only on a terminal.
 */
export function resolveColor(flags: GlobalFlags, io: CliIO): boolean {
  if (flags.color === false) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force.toLowerCase() === 'false') return false;
    if (force === '' || /^[123]$/.test(force) || force.toLowerCase() === 'true') return true;
  }
  return io.stdout.isTTY === true;
}

export interface ResolvedConnection {
  options: ConnectionOptions;
  /** Secrets to scrub from anything printed. */
  secrets: string[];
  /** Warnings the CLI shows on stderr (e.g. --insecure). */
  warnings: string[];
  /** The config-file context the settings came from, if any (outputs name it). */
  context: string | undefined;
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
    const context = contextIn(readConfigFile(configPath), contextName, configPath);
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

  const draft: OptionsDraft = { options: defaultConnectionOptions(), tls: {}, tlsOn: false, plainUrl: false };
  const fromContext = contextName === undefined ? '' : `context "${contextName}" `;
  applySettings(draft, settings, (name) => {
    if (name in fromFlags) return longFlag(name);
    if (name === 'url') return contextName !== undefined ? `${fromContext}url` : 'REDIS_URL';
    return `${fromContext}${name}`;
  });
  const { options, tls: tlsOptions } = draft;
  if (options.password === undefined) {
    const fromEnv = env.CACHECTL_PASSWORD ?? env.REDISCLI_AUTH;
    if (fromEnv !== undefined && fromEnv !== '') options.password = fromEnv;
  }
  if (flags.askpass === true) options.password = await askPassword();

  if (options.mode === 'sentinel') {
    if (options.masterName === undefined || options.masterName === '') {
      throw usageError('--sentinel', 'needs --master NAME', 'name the master group the sentinels monitor, e.g. --master mymaster');
    }
    const sentinelPassword = options.sentinelPassword ?? env.CACHECTL_SENTINEL_PASSWORD;
    if (sentinelPassword !== undefined && sentinelPassword !== '') options.sentinelPassword = sentinelPassword;
  } else if (settings.master !== undefined) {
    throw usageError('--master', 'only applies with --sentinel', 'add --sentinel host:port, or drop --master');
  } else {
    delete options.sentinelUsername;
    delete options.sentinelPassword;
  }

  if (tlsOptions.insecure === true && !draft.tlsOn) {
    throw usageError('--insecure', draft.plainUrl ? 'does not apply to a plain redis:// URL' : 'only applies to TLS connections', 'use rediss:// (or add --tls) for TLS, or drop --insecure');
  }
  if (draft.tlsOn || Object.keys(tlsOptions).length > 0) {
    options.tls = tlsOptions;
    if (tlsOptions.insecure === true) warnings.push('--insecure: the server certificate is not verified; anyone in the path can read this session');
  }
  if ((tlsOptions.certFile === undefined) !== (tlsOptions.keyFile === undefined)) {
    throw usageError(tlsOptions.certFile === undefined ? '--key' : '--cert', 'needs its pair', 'a client certificate needs both --cert and --key');
  }
  const urlPassword = fromFlags.url !== undefined && parseRedisUrl(fromFlags.url, '--url').password !== undefined;
  if ((fromFlags.password !== undefined || urlPassword || fromFlags.sentinelPassword !== undefined) && flags.askpass !== true) {
    // As redis-cli warns about -a: argv is readable by every user of the machine for the whole run.
    warnings.push(`a password on the command line (${urlPassword ? 'in --url' : fromFlags.password !== undefined ? '-a/--password' : '--sentinel-password'}) is visible to other users in ps for the whole run: set REDISCLI_AUTH (or CACHECTL_PASSWORD) in the environment, or use --askpass`);
  }
  const secrets = [options.password, options.sentinelPassword].filter((s): s is string => s !== undefined && s !== '');
  return { options, secrets, warnings, context: contextName };
}
