// translateError: what ioredis, the socket or TLS threw becomes one CachectlError with a stable
// code, the node's address and the fix. The shapes below are the ones those layers produce
// (checked against real servers in test/integration/connection.test.ts).
import { describe, expect, it } from 'vitest';
import type { ErrorContext } from '../../src/connection/node-client.js';
import { driverNotice, translateError } from '../../src/connection/node-client.js';
import { CachectlError } from '../../src/base/errors.js';

const endpoint = { host: '10.0.0.5', port: 6380 };
const plain: ErrorContext = { tls: false, timeoutMs: 5_000, what: 'node' };
const tls: ErrorContext = { ...plain, tls: true };

/** An error as Node's net/tls layer reports it. */
function systemError(message: string, code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

/** A Redis error reply as ioredis rejects with it. */
function replyError(message: string, command?: string): Error {
  return Object.assign(new Error(message), { name: 'ReplyError', ...(command === undefined ? {} : { command: { name: command, args: [] } }) });
}

describe('translateError: the driver\'s own texts', () => {
  it('"Reached the max retries per request limit": the connection was lost and not re-established', () => {
    const error = translateError(Object.assign(new Error('Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.'), { name: 'MaxRetriesPerRequestError' }), endpoint, plain);
    expect(error.code).toBe('CONNECT');
    expect(error.message).toBe('lost the connection to node 10.0.0.5:6380 and could not re-establish it');
    expect(error.hint).toMatch(/server is up/);
  });

  it('"Connection is closed." on a TLS connection: the node closed it, in our words', () => {
    const error = translateError(new Error('Connection is closed.'), endpoint, tls);
    expect(error.code).toBe('CONNECT');
    expect(error.message).toBe('node 10.0.0.5:6380 closed the connection');
  });
});

describe('driverNotice: what ioredis prints with console.warn', () => {
  it.each([
    "[WARN] This Redis server's `default` user does not require a password, but a password was supplied",
    '[WARN] Redis server does not require a password, but a password was supplied.',
  ])('%s → password-not-needed', (text) => {
    expect(driverNotice(text)?.kind).toBe('password-not-needed');
    expect(driverNotice(text)?.message).not.toMatch(/\[WARN\]/);
  });

  it('leaves every other warning alone', () => {
    expect(driverNotice('(node:1) ExperimentalWarning: something')).toBeUndefined();
  });
});

describe('translateError', () => {
  it('WRONGPASS: AUTH, naming the user and the node, never the password', () => {
    const error = translateError(replyError('WRONGPASS invalid username-password pair or user is disabled.'), endpoint, { ...plain, username: 'ops' });
    expect(error).toBeInstanceOf(CachectlError);
    expect(error.code).toBe('AUTH');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('authentication failed at node 10.0.0.5:6380 for user "ops" (WRONGPASS)');
    expect(error.hint).toMatch(/REDISCLI_AUTH/);
  });

  it('WRONGPASS without a user name is the default user', () => {
    expect(translateError(replyError('WRONGPASS invalid username-password pair'), endpoint, plain).message).toMatch(/for user "default"/);
  });

  it('NOAUTH: AUTH, asking for a password', () => {
    const error = translateError(replyError('NOAUTH Authentication required.'), endpoint, plain);
    expect(error.code).toBe('AUTH');
    expect(error.message).toBe('node 10.0.0.5:6380 requires a password (NOAUTH)');
  });

  it('NOPERM: names the user and what the server refused', () => {
    const error = translateError(replyError("NOPERM User noperm has no permissions to run the 'get' command"), endpoint, { ...plain, username: 'noperm' });
    expect(error.code).toBe('NOPERM');
    expect(error.message).toBe(`user "noperm" lacks a permission at node 10.0.0.5:6380: NOPERM User noperm has no permissions to run the 'get' command`);
    expect(error.hint).toMatch(/ACL SETUSER/);
  });

  it('connection refused names the address', () => {
    const error = translateError(systemError('connect ECONNREFUSED 10.0.0.5:6380', 'ECONNREFUSED'), endpoint, plain);
    expect(error.code).toBe('CONNECT');
    expect(error.message).toBe('cannot connect to node 10.0.0.5:6380: connection refused');
  });

  it('an unknown host names the host', () => {
    const error = translateError(systemError('getaddrinfo ENOTFOUND cache.invalid', 'ENOTFOUND'), { host: 'cache.invalid', port: 6379 }, plain);
    expect(error.code).toBe('CONNECT');
    expect(error.message).toBe('cannot resolve host "cache.invalid"');
  });

  it.each([
    ['a connect timeout', systemError('connect ETIMEDOUT', 'ETIMEDOUT', { syscall: 'connect' })],
    ['a command timeout', new Error('Command timed out')],
  ])('%s: TIMEOUT, naming the address and the bound', (_name, cause) => {
    const error = translateError(cause, endpoint, { ...plain, timeoutMs: 1_500 });
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toBe('no answer from node 10.0.0.5:6380 within 1500 ms');
    expect(error.hint).toMatch(/--timeout/);
  });

  it('a TLS connect timeout says the handshake never finished (the port may not speak TLS)', () => {
    const error = translateError(systemError('connect ETIMEDOUT', 'ETIMEDOUT', { syscall: 'connect' }), endpoint, { ...tls, timeoutMs: 800 });
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toBe('no TLS handshake with node 10.0.0.5:6380 within 800 ms');
    expect(error.hint).toMatch(/may not speak TLS: use redis:\/\/ or drop --tls/);
  });

  it('a command timeout on an established TLS connection is a plain timeout', () => {
    expect(translateError(new Error('Command timed out'), endpoint, tls).code).toBe('TIMEOUT');
  });

  it.each([
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames: IP: 10.0.0.5 is not in the cert's list: "],
    ['CERT_HAS_EXPIRED', 'certificate has expired'],
  ])('certificate verification failure %s: TLS, suggesting --cacert or --insecure', (code, message) => {
    const error = translateError(systemError(message, code), endpoint, tls);
    expect(error.code).toBe('TLS');
    expect(error.message).toBe(`TLS certificate of node 10.0.0.5:6380 could not be verified: ${message.trim()}`);
    expect(error.hint).toMatch(/--cacert FILE.*--insecure/);
  });

  it('TLS spoken to a plain port: the handshake fails and the hint says so', () => {
    const error = translateError(systemError('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET'), endpoint, tls);
    expect(error.code).toBe('TLS');
    expect(error.message).toMatch(/^TLS handshake with node 10.0.0.5:6380 failed/);
    expect(error.hint).toMatch(/may not speak TLS/);
  });

  it('plain TCP to a TLS port: the server hangs up, and the hint suggests rediss://', () => {
    const error = translateError(new Error('Connection is closed.'), endpoint, plain);
    expect(error.code).toBe('CONNECT');
    expect(error.message).toBe('node 10.0.0.5:6380 closed the connection before answering');
    expect(error.hint).toMatch(/rediss:\/\/ or --tls/);
  });

  it('a port that does not speak Redis (say, HTTP) is named as such, not as a cachectl bug', () => {
    const error = translateError(new Error('Unknown RESP type 72 "H". Please report this.'), endpoint, plain);
    expect(error.code).toBe('CONNECT');
    expect(error.message).toBe('node 10.0.0.5:6380 does not speak the Redis protocol');
    expect(error.hint).toMatch(/check the port/);
    expect(`${error.message} ${error.hint}`).not.toMatch(/report this/i);
  });

  it('other error replies: SERVER, with the reply but not the arguments Redis echoes (script source, key names)', () => {
    const error = translateError(replyError("ERR unknown command 'EVAL', with args beginning with: '\nlocal t0 = redis.call('TIME')' '0' "), endpoint, plain);
    expect(error.code).toBe('SERVER');
    expect(error.message).toBe("node 10.0.0.5:6380 replied with an error: ERR unknown command 'EVAL'");
  });

  it('anything else: CONNECT with the first line of the cause', () => {
    const error = translateError(new Error('something odd\nstack-ish detail'), endpoint, plain);
    expect(error.code).toBe('CONNECT');
    expect(error.message).toBe('connection to node 10.0.0.5:6380 failed: something odd');
  });

  it('keeps the cause, and passes CachectlErrors through untouched', () => {
    const cause = systemError('connect ECONNREFUSED', 'ECONNREFUSED');
    expect(translateError(cause, endpoint, plain).cause).toBe(cause);
    const own = new CachectlError('CLUSTER', 'no master serves slot 1');
    expect(translateError(own, endpoint, plain)).toBe(own);
  });

  it('IPv6 addresses are bracketed; without `what` only the address is named', () => {
    const error = translateError(systemError('connect ECONNREFUSED', 'ECONNREFUSED'), { host: '::1', port: 7000 }, { tls: false, timeoutMs: 1 });
    expect(error.message).toBe('cannot connect to [::1]:7000: connection refused');
  });
});
