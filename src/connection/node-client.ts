// One ioredis client per server process, configured the same way for every topology,
// and the translation of socket, TLS and Redis errors into CachectlErrors that name the node.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ConnectionOptions as TlsConnectOptions } from 'node:tls';
import type { Redis, RedisOptions } from 'ioredis';
import { CachectlError } from '../base/errors.js';
import { loadBundledDriver } from './bundled-driver.js';
import type { ConnectionOptions, Endpoint, TlsOptions } from './options.js';
import { formatEndpoint } from './options.js';
import { serverErrorLine } from './script-runner.js';

export interface NodeCredentials {
  username?: string;
  password?: string;
}

/** How often a connected client may try to reconnect before its commands fail. */
const RECONNECT_ATTEMPTS = 3;

/**
 * How long disconnect() waits for a peer to close before destroying the socket (ioredis
 * default: 2 s). Only a server that stopped answering takes that long, and the process cannot
 * exit while the wait is pending: a hung server must not add 2 s to every failed run.
 */
const DISCONNECT_GRACE_MS = 100;

let driver: typeof import('ioredis') | undefined;

/**
 * ioredis is loaded on the first client, not at start-up: it is the heaviest module cachectl has,
 * and `cachectl --help`, a usage error or `context list` never talk to Redis. (It is CommonJS, so
 * a synchronous require keeps createNodeClient synchronous.) The build's bundle of it loads faster
 * (bundled-driver.ts); without one, the installed package.
 */
function ioredis(): typeof import('ioredis') {
  if (driver === undefined) {
    driver = (loadBundledDriver() ?? createRequire(import.meta.url)('ioredis')) as typeof import('ioredis');
    interceptDriverWarnings();
  }
  return driver;
}

/** Something ioredis would have printed itself, said in cachectl's words, for the front end to show. */
export interface DriverNotice {
  kind: 'password-not-needed' | 'auth-needs-acl';
  message: string;
}

const noticeListeners = new Set<(notice: DriverNotice) => void>();

/** Subscribes to driver notices (see interceptDriverWarnings); returns the unsubscribe function. */
export function onDriverNotice(listener: (notice: DriverNotice) => void): () => void {
  noticeListeners.add(listener);
  return () => noticeListeners.delete(listener);
}

/**
 * ioredis prints a few findings of its AUTH handshake with console.warn ("[WARN] This Redis server's
 * `default` user does not require a password…"), once per connection, in its own words, with no
 * hook to turn it off. Those exact texts (and only those) are taken off console.warn and handed to
 * onDriverNotice listeners instead; everything else still reaches the original console.warn.
 */
function interceptDriverWarnings(): void {
  // The one place the connection layer touches the console: to keep the driver off it.
  // eslint-disable-next-line no-console
  const original = console.warn.bind(console);
  // eslint-disable-next-line no-console
  console.warn = (...args: unknown[]) => {
    const notice = typeof args[0] === 'string' && args.length === 1 ? driverNotice(args[0]) : undefined;
    if (notice === undefined) {
      original(...args);
      return;
    }
    for (const listener of noticeListeners) listener(notice);
  };
}

/** ioredis' handshake warnings (redis/event_handler.js, handleAuthError) in cachectl's words. */
export function driverNotice(text: string): DriverNotice | undefined {
  if (/^\[WARN\] (Redis server|This Redis server's `default` user) does not require a password, but a password was supplied/.test(text)) {
    return {
      kind: 'password-not-needed',
      message: 'the server needs no password (its default user has none), so the password given was not used: drop it (-a/--password, the URL, REDISCLI_AUTH or CACHECTL_PASSWORD)',
    };
  }
  if (/^\[ERROR\] The server returned "wrong number of arguments for 'auth' command"/.test(text)) {
    return {
      kind: 'auth-needs-acl',
      message: 'the server refused AUTH with a user name: Redis 5 and older have no ACL users, so drop --user (or the user in the URL) and give only the password',
    };
  }
  return undefined;
}

export function createNodeClient(
  endpoint: Endpoint,
  options: Pick<ConnectionOptions, 'timeoutMs' | 'clientName' | 'tls'>,
  credentials: NodeCredentials,
  db = 0,
): Redis {
  let connectedOnce = false;
  const redisOptions: RedisOptions = {
    host: endpoint.host,
    port: endpoint.port,
    db,
    // RESP2: flat replies parse faster than RESP3 maps for bulk work, and behave the same on every version.
    protocol: 2,
    lazyConnect: true,
    connectTimeout: options.timeoutMs,
    commandTimeout: options.timeoutMs,
    connectionName: options.clientName,
    // An ops tool fails fast: no retries for the first connection, a few quick ones after that
    // (failover handling above this layer re-resolves the topology instead of waiting here).
    maxRetriesPerRequest: 1,
    retryStrategy: (times: number) => (!connectedOnce || times > RECONNECT_ATTEMPTS ? null : Math.min(times * 100, 500)),
    enableReadyCheck: true,
    disconnectTimeout: DISCONNECT_GRACE_MS,
  };
  if (credentials.username !== undefined) redisOptions.username = credentials.username;
  if (credentials.password !== undefined) redisOptions.password = credentials.password;
  if (options.tls !== undefined) redisOptions.tls = tlsConnectOptions(options.tls, endpoint);
  const client = new (ioredis().Redis)(redisOptions);
  client.on('ready', () => {
    connectedOnce = true;
  });
  // Without a listener ioredis would print connection errors itself. The socket's own error
  // (ECONNREFUSED, a TLS failure) is kept: the rejection callers see only says "Connection is closed".
  client.on('error', (error: Error) => {
    lastErrors.set(client, error);
    // ioredis sends SELECT during its handshake and only reports a refusal (no such database,
    // NOPERM, cluster mode) as an 'error' event, then carries on in database 0. Remember it, so
    // connectNode fails instead of every later command reading the wrong database.
    if ((error as { command?: { name?: string } }).command?.name === 'select') selectErrors.set(client, error);
  });
  return client;
}

const lastErrors = new WeakMap<Redis, Error>();
const selectErrors = new WeakMap<Redis, Error>();

/** The error a client's socket last reported, which explains a later "Connection is closed". */
export function lastSocketError(client: Redis): Error | undefined {
  return lastErrors.get(client);
}

export function tlsConnectOptions(tls: TlsOptions, endpoint: Endpoint): TlsConnectOptions {
  const result: TlsConnectOptions = {
    servername: tls.serverName ?? (isIpAddress(endpoint.host) ? undefined : endpoint.host),
    rejectUnauthorized: tls.insecure !== true,
  };
  if (tls.caFile !== undefined) result.ca = readPem(tls.caFile, '--cacert');
  if (tls.certFile !== undefined) result.cert = readPem(tls.certFile, '--cert');
  if (tls.keyFile !== undefined) result.key = readPem(tls.keyFile, '--key');
  if (tls.serverName === undefined && isIpAddress(endpoint.host)) {
    // Node would otherwise refuse IP hosts whose certificate lists only DNS names; check the IP SAN instead.
    delete result.servername;
  }
  return result;
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new CachectlError('TLS', `${flag} ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read'}`, {
      hint: `give ${flag} the path of a PEM file`,
      cause: error,
    });
  }
}

function isIpAddress(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':');
}

/** Connects (or confirms the connection) within context.timeoutMs and translates failures. */
export async function connectNode(client: Redis, endpoint: Endpoint, context: ErrorContext): Promise<void> {
  if (client.status !== 'ready') await connectWithin(client, endpoint, context);
  const refusedSelect = selectErrors.get(client);
  if (refusedSelect !== undefined) throw selectError(refusedSelect, endpoint, context);
}

/**
 * ioredis bounds the TCP/TLS connect, each handshake command and the ready check separately, so
 * a server that accepts connections but never answers took several timeouts before failing.
 * One deadline over the whole attempt keeps --timeout the bound it is documented to be.
 */
async function connectWithin(client: Redis, endpoint: Endpoint, context: ErrorContext): Promise<void> {
  const attempt = client.status === 'wait' || client.status === 'end' ? client.connect() : client.ping();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      // Still 'connecting' means the TCP connection (or, with TLS, the handshake) never completed.
      const phase = client.status === 'connecting' ? { syscall: 'connect' } : {};
      reject(Object.assign(new Error(`no answer within ${context.timeoutMs} ms`), { code: 'ETIMEDOUT', ...phase }));
    }, context.timeoutMs);
  });
  try {
    await Promise.race([attempt, deadline]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
      attempt.catch(() => {}); // settles once the socket is gone; the deadline already spoke
      client.disconnect();
      throw translateError(error, endpoint, context);
    }
    const socketError = lastSocketError(client);
    const explained = socketError !== undefined && /Connection is closed/i.test(String((error as Error).message)) ? socketError : error;
    throw translateError(explained, endpoint, context);
  } finally {
    clearTimeout(timer);
  }
}

/** A refused SELECT: NOPERM stays NOPERM; anything else means the database does not exist there. */
function selectError(error: Error, endpoint: Endpoint, context: ErrorContext): CachectlError {
  const translated = translateError(error, endpoint, context);
  if (translated.code !== 'SERVER') return translated;
  const db = String((error as { command?: { args?: unknown[] } }).command?.args?.[0] ?? '?');
  const who = context.what === undefined ? formatEndpoint(endpoint) : `${context.what} ${formatEndpoint(endpoint)}`;
  return new CachectlError('USAGE', `--db ${db}: ${who} refused SELECT ${db}: ${firstLine(error.message)}`, {
    hint: 'pick a database the server has (CONFIG GET databases; Redis Cluster has only 0)',
    cause: error,
  });
}

export interface ErrorContext {
  username?: string | undefined;
  tls: boolean;
  timeoutMs: number;
  what?: string;
}

/** Turns what ioredis, the socket or TLS threw into a CachectlError that names the node and the fix. */
export function translateError(error: unknown, endpoint: Endpoint, context: ErrorContext): CachectlError {
  if (error instanceof CachectlError) return error;
  const address = formatEndpoint(endpoint);
  const err = error as NodeJS.ErrnoException & { message?: string };
  const message = String(err?.message ?? error);
  const code = err?.code ?? '';
  const who = context.what === undefined ? address : `${context.what} ${address}`;
  const user = context.username ?? 'default';

  if (message.startsWith('WRONGPASS') || message.includes('invalid username-password pair')) {
    return new CachectlError('AUTH', `authentication failed at ${who} for user "${user}" (WRONGPASS)`, {
      hint: 'check --user and the password (REDISCLI_AUTH, CACHECTL_PASSWORD or --askpass)',
      cause: error,
    });
  }
  if (message.startsWith('NOAUTH') || message.includes('Authentication required')) {
    return new CachectlError('AUTH', `${who} requires a password (NOAUTH)`, {
      hint: 'set REDISCLI_AUTH or CACHECTL_PASSWORD, or use --askpass',
      cause: error,
    });
  }
  if (message.startsWith('NOPERM')) {
    return new CachectlError('NOPERM', `user "${user}" lacks a permission at ${who}: ${firstLine(message)}`, {
      hint: 'grant it with ACL SETUSER, or connect as a user that has it (--user)',
      cause: error,
    });
  }
  if (code === 'ECONNREFUSED') {
    return new CachectlError('CONNECT', `cannot connect to ${who}: connection refused`, {
      hint: 'check the host and port (--url, --host/--port) and that redis-server is running there',
      cause: error,
    });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new CachectlError('CONNECT', `cannot resolve host "${endpoint.host}"`, { hint: 'check the host name', cause: error });
  }
  if (code === 'ETIMEDOUT' && context.tls && err?.syscall === 'connect') {
    // A plain Redis port reads a TLS ClientHello as the start of a command and waits for the rest.
    return new CachectlError('TIMEOUT', `no TLS handshake with ${who} within ${context.timeoutMs} ms`, {
      hint: 'the port may not speak TLS: use redis:// or drop --tls; otherwise check the address and the network, or raise --timeout',
      cause: error,
    });
  }
  if (code === 'ETIMEDOUT' || /timed? ?out/i.test(message)) {
    return new CachectlError('TIMEOUT', `no answer from ${who} within ${context.timeoutMs} ms`, {
      hint: 'check the address and the network, or raise --timeout',
      cause: error,
    });
  }
  if (isTlsVerificationError(code, message)) {
    return new CachectlError('TLS', `TLS certificate of ${who} could not be verified: ${firstLine(message)}`, {
      hint: 'pass --cacert FILE with the CA that signed it (or --sni NAME), or --insecure to skip verification',
      cause: error,
    });
  }
  if (context.tls && (code === 'ECONNRESET' || /before secure TLS connection|wrong version number|packet length too long|ssl/i.test(message))) {
    return new CachectlError('TLS', `TLS handshake with ${who} failed: ${firstLine(message)}`, {
      hint: 'the port may not speak TLS: drop --tls / use redis:// instead of rediss://',
      cause: error,
    });
  }
  if (!context.tls && (code === 'ECONNRESET' || /Connection is closed|socket hang up/i.test(message))) {
    return new CachectlError('CONNECT', `${who} closed the connection before answering`, {
      hint: 'if this is a TLS port, use rediss:// or --tls; otherwise check the server log (maxclients, protected-mode)',
      cause: error,
    });
  }
  if (err?.name === 'MaxRetriesPerRequestError' || message.startsWith('Reached the max retries per request limit')) {
    // ioredis gave up on a command after the connection dropped and its reconnect attempts failed.
    return new CachectlError('CONNECT', `lost the connection to ${who} and could not re-establish it`, {
      hint: 'check that the server is up (it may have restarted, failed over or hit maxclients), then run again',
      cause: error,
    });
  }
  if (/Connection is closed|Stream isn't writeable/i.test(message)) {
    return new CachectlError('CONNECT', `${who} closed the connection`, {
      hint: 'check that the server is up and the server log (restart, maxclients, timeout, a CLIENT KILL)',
      cause: error,
    });
  }
  if (/^Unknown RESP type|^Protocol error/.test(message)) {
    // ioredis appends "Please report this." to protocol errors, which would point at the wrong culprit.
    return new CachectlError('CONNECT', `${who} does not speak the Redis protocol`, {
      hint: 'check the port: something else (HTTP, another service) answers there',
      cause: error,
    });
  }
  if (/^[A-Z]+ /.test(message) && (err as { name?: string }).name === 'ReplyError') {
    return new CachectlError('SERVER', `${who} replied with an error: ${firstLine(message)}`, { cause: error });
  }
  return new CachectlError('CONNECT', `connection to ${who} failed: ${firstLine(message)}`, { cause: error });
}

/** Whether a translated error is a refused TCP connection: nothing listens there (yet, or any more). */
export function isConnectionRefused(error: CachectlError): boolean {
  return error.code === 'CONNECT' && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED';
}

function isTlsVerificationError(code: string, message: string): boolean {
  return (
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME_INVALID/.test(code) ||
    /self[- ]signed certificate|unable to verify|certificate/i.test(message)
  );
}

function firstLine(message: string): string {
  return serverErrorLine(message);
}

/**
 * Whether this connection's reads leave keys' LRU/LFU state alone: `no-touch` once CLIENT NO-TOUCH
 * is on (Redis 7.2+, Valkey); `unsupported` where the server has no such command; `refused` where
 * the user may not ask (ACL). An inspection should not change what the server evicts next.
 */
export type TouchMode = 'no-touch' | 'unsupported' | 'refused';

const touchModes = new WeakMap<Redis, Promise<TouchMode>>();

/**
 * Turns CLIENT NO-TOUCH on for this connection where the server has it, asked once per connection
 * (COMMAND INFO names the subcommand only where it exists; no version is assumed). A reconnect
 * starts a new server-side connection, so the answer is forgotten then and asked again.
 */
export function avoidTouching(client: Redis): Promise<TouchMode> {
  let mode = touchModes.get(client);
  if (mode === undefined) {
    mode = askNoTouch(client);
    touchModes.set(client, mode);
    client.once('close', () => touchModes.delete(client));
  }
  return mode;
}

async function askNoTouch(client: Redis): Promise<TouchMode> {
  try {
    const info = (await client.call('COMMAND', 'INFO', 'client|no-touch')) as unknown[];
    if (!Array.isArray(info) || info[0] === null || info[0] === undefined) return 'unsupported';
    await client.call('CLIENT', 'NO-TOUCH', 'ON');
    return 'no-touch';
  } catch (error) {
    return /NOPERM/.test(String((error as Error).message)) ? 'refused' : 'unsupported';
  }
}
