// Parsing of the ways a user names a server: redis:// and rediss:// URLs, host:port lists.

import { CachectlError, usageError } from '../base/errors.js';
import type { ConnectionOptions, Endpoint } from './options.js';
import { DEFAULT_PORT } from './options.js';

export interface ParsedUrl {
  endpoint: Endpoint;
  tls: boolean;
  db?: number;
  username?: string;
  password?: string;
}

/** Parses `redis://[user[:pass]@]host[:port][/db]` or `rediss://…` (TLS). */
export function parseRedisUrl(text: string, flag = '--url'): ParsedUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(flag, `is not a valid Redis URL: "${redactUrl(text)}"`, 'use redis://[user:password@]host:port[/db] or rediss:// for TLS');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw usageError(flag, `has scheme "${url.protocol}", expected redis: or rediss:`, 'use redis://host:port, or rediss://host:port for TLS');
  }
  if (url.hostname === '') {
    throw usageError(flag, `has no host: "${redactUrl(text)}"`, 'use redis://host:port');
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? DEFAULT_PORT : parsePort(url.port, flag);
  const parsed: ParsedUrl = { endpoint: { host, port }, tls: url.protocol === 'rediss:' };
  const path = url.pathname.replace(/^\//, '');
  if (path !== '') {
    if (!/^\d+$/.test(path)) {
      throw usageError(flag, `has "/${path}" where a database number belongs`, 'use redis://host:port/3 for database 3');
    }
    parsed.db = Number(path);
  }
  // redis://:password@host carries a password and no user name.
  if (url.username !== '') parsed.username = decodeUserInfo(url.username, text, flag);
  if (url.password !== '') parsed.password = decodeUserInfo(url.password, text, flag);
  return parsed;
}

/** decodeURIComponent throws a bare URIError on a broken escape such as "%E0%A4%A". */
function decodeUserInfo(part: string, text: string, flag: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw usageError(flag, `has a broken %-escape in its user name or password: "${redactUrl(text)}"`, 'percent-encode special characters: @ as %40, : as %3A, % as %25');
  }
}

export function parsePort(text: string, flag: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw usageError(flag, `has an invalid port "${text}"`, 'a port is a whole number from 1 to 65535');
  }
  return port;
}

/** Parses `host:port[,host:port…]`; a missing port takes `defaultPort`. IPv6 hosts go in brackets. */
export function parseEndpointList(text: string, defaultPort: number, flag: string): Endpoint[] {
  const parts = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (parts.length === 0) {
    throw usageError(flag, 'needs at least one host:port', `e.g. ${flag} 10.0.0.1:${defaultPort},10.0.0.2:${defaultPort}`);
  }
  return parts.map((part) => parseEndpoint(part, defaultPort, flag));
}

export function parseEndpoint(text: string, defaultPort: number, flag: string): Endpoint {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    return { host: bracketed[1]!, port: bracketed[2] === undefined ? defaultPort : parsePort(bracketed[2], flag) };
  }
  const colons = text.split(':').length - 1;
  if (colons === 0) return { host: text, port: defaultPort };
  if (colons === 1) {
    const [host, port] = text.split(':') as [string, string];
    if (host === '') throw usageError(flag, `has no host in "${text}"`, 'use host:port');
    return { host, port: parsePort(port, flag) };
  }
  throw usageError(flag, `has an ambiguous address "${text}"`, 'write IPv6 addresses in brackets: [::1]:6379');
}

/**
 * A URL with its password replaced, safe to print. Runs on URLs that failed to parse, so it
 * cannot trust them to be well formed: everything up to the last "@" counts as the password,
 * since an unescaped "@" may well be part of it.
 */
export function redactUrl(text: string): string {
  return text.replace(/^(rediss?:\/\/[^:/@]*:).*@/i, '$1***@');
}

/** Every secret the options carry, so output can be scrubbed of them. */
export function secretsOf(options: Pick<ConnectionOptions, 'password' | 'sentinelPassword'>): string[] {
  return [options.password, options.sentinelPassword].filter((s): s is string => s !== undefined && s !== '');
}

export function assertDb(db: number, flag: string): number {
  if (!Number.isInteger(db) || db < 0) {
    throw usageError(flag, `must be a database number ≥ 0, got "${db}"`);
  }
  return db;
}

export function clusterDbError(db: number): CachectlError {
  return new CachectlError('USAGE', `--db ${db}: Redis Cluster has only database 0`, {
    hint: 'drop --db (or the /db part of the URL) when connecting to a cluster',
  });
}
