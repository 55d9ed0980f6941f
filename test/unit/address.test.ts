// How users name servers: redis:// and rediss:// URLs, host:port lists and ports, and the
// redaction that keeps URL passwords out of error messages.
import { describe, expect, it } from 'vitest';
import { parseEndpointList, parsePort, parseRedisUrl, redactUrl } from '../../src/connection/address.js';
import { thrownCachectlError } from '../helpers/errors.js';

const usageFailure = (fn: () => unknown) => thrownCachectlError(fn, 'USAGE');

describe('parseRedisUrl', () => {
  it('reads host, port, db, user and password', () => {
    expect(parseRedisUrl('redis://ops:s3cret@cache.internal:6380/2')).toEqual({
      endpoint: { host: 'cache.internal', port: 6380 },
      tls: false,
      db: 2,
      username: 'ops',
      password: 's3cret',
    });
  });

  it('defaults the port to 6379 and leaves db and credentials unset', () => {
    expect(parseRedisUrl('redis://10.0.0.5')).toEqual({ endpoint: { host: '10.0.0.5', port: 6379 }, tls: false });
    expect(parseRedisUrl('redis://10.0.0.5:7000/')).toEqual({ endpoint: { host: '10.0.0.5', port: 7000 }, tls: false });
  });

  it('rediss:// means TLS, and the scheme is case-insensitive', () => {
    expect(parseRedisUrl('rediss://cache:6380').tls).toBe(true);
    expect(parseRedisUrl('REDISS://cache:6380').tls).toBe(true);
  });

  it('a password without a user name', () => {
    const parsed = parseRedisUrl('redis://:pw@host:1');
    expect(parsed.password).toBe('pw');
    expect(parsed.username).toBeUndefined();
  });

  it('percent-decodes user and password', () => {
    const parsed = parseRedisUrl('redis://o%40ps:p%40ss%3Aw%2Fd@host:1');
    expect(parsed.username).toBe('o@ps');
    expect(parsed.password).toBe('p@ss:w/d');
  });

  it('IPv6 hosts lose their brackets', () => {
    expect(parseRedisUrl('redis://[::1]:6380/1').endpoint).toEqual({ host: '::1', port: 6380 });
    expect(parseRedisUrl('redis://[fe80::1]').endpoint).toEqual({ host: 'fe80::1', port: 6379 });
  });

  it.each(['not a url', 'redis://host:99999', 'redis://host:port', '://host', ''])('rejects malformed %j', (text) => {
    const failure = usageFailure(() => parseRedisUrl(text));
    expect(failure.message).toMatch(/^--url is not a valid Redis URL/);
    expect(failure.hint).toMatch(/redis:\/\/\[user:password@\]host:port/);
  });

  it.each(['http://host:6379', 'unix:///tmp/redis.sock', 'tcp://host:1'])('rejects the scheme of %j', (text) => {
    const failure = usageFailure(() => parseRedisUrl(text));
    expect(failure.message).toMatch(/^--url has scheme "[a-z]+:", expected redis: or rediss:/);
  });

  it('rejects a URL without a host', () => {
    expect(usageFailure(() => parseRedisUrl('redis:host:6379')).message).toMatch(/has no host/);
  });

  it.each(['redis://host/abc', 'redis://host/1/2', 'redis://host/-1', 'redis://host/1.5'])('rejects the db path of %j', (text) => {
    const failure = usageFailure(() => parseRedisUrl(text));
    expect(failure.message).toMatch(/where a database number belongs/);
    expect(failure.hint).toMatch(/redis:\/\/host:port\/3/);
  });

  it('port 0 is not a port', () => {
    expect(usageFailure(() => parseRedisUrl('redis://host:0')).message).toMatch(/invalid port "0"/);
  });

  it('names the flag or source it was given', () => {
    expect(usageFailure(() => parseRedisUrl('http://x', 'REDIS_URL')).message).toMatch(/^REDIS_URL /);
  });

  it('a malformed percent-escape is a usage error, not a crash', () => {
    const failure = usageFailure(() => parseRedisUrl('redis://:%E0%A4%A@host:1'));
    expect(failure.message).toMatch(/^--url /);
    expect(failure.message).not.toContain('%E0%A4%A');
  });
});

describe('password redaction in URL errors', () => {
  it.each([
    ['redis://:hunter2@host:99999', 'hunter2'],
    ['redis://ops:hunter2@host:99999', 'hunter2'],
    ['rediss://ops:hunter2@host:port', 'hunter2'],
    ['redis://:hunt@er2@host:99999', 'er2'],
    ['redis://ops:hunt:er2@host:99999', 'er2'],
    ['redis://:hunter/2@host:99999', 'hunter'],
    ['redis://:hunter2@:6379', 'hunter2'],
  ])('%s never shows its password', (text, secretPart) => {
    const failure = usageFailure(() => parseRedisUrl(text));
    expect(failure.message).not.toContain(secretPart);
    expect(failure.hint ?? '').not.toContain(secretPart);
  });

  it('keeps everything but the password readable', () => {
    expect(redactUrl('redis://ops:hunter2@host:99999/2')).toBe('redis://ops:***@host:99999/2');
    expect(redactUrl('redis://:hunt@er2@host:1')).toBe('redis://:***@host:1');
    expect(redactUrl('redis://host:1')).toBe('redis://host:1');
    expect(redactUrl('redis://ops@host:1')).toBe('redis://ops@host:1');
  });
});

describe('parsePort', () => {
  it.each([['1', 1], ['6379', 6379], ['65535', 65535]])('accepts %s', (text, port) => {
    expect(parsePort(text, '--port')).toBe(port);
  });

  it.each(['0', '65536', '-1', '63.5', '', ' 6379', '6379x', '0x10', '1e3'])('rejects %j naming the flag', (text) => {
    const failure = usageFailure(() => parsePort(text, '--port'));
    expect(failure.message).toBe(`--port has an invalid port "${text}"`);
    expect(failure.hint).toMatch(/1 to 65535/);
  });
});

describe('parseEndpointList', () => {
  it('reads host:port lists, with the default port where none is given', () => {
    expect(parseEndpointList('10.0.0.1:7000, 10.0.0.2 ,cache', 26379, '--sentinel')).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 26379 },
      { host: 'cache', port: 26379 },
    ]);
  });

  it('reads bracketed IPv6 addresses, with or without a port', () => {
    expect(parseEndpointList('[::1]:7000,[fe80::2]', 6379, '--cluster')).toEqual([
      { host: '::1', port: 7000 },
      { host: 'fe80::2', port: 6379 },
    ]);
  });

  it('rejects an unbracketed IPv6 address as ambiguous', () => {
    const failure = usageFailure(() => parseEndpointList('::1:7000', 6379, '--cluster'));
    expect(failure.message).toBe('--cluster has an ambiguous address "::1:7000"');
    expect(failure.hint).toMatch(/\[::1\]:6379/);
  });

  it.each([',', '', ' , '])('rejects an empty list %j', (text) => {
    expect(usageFailure(() => parseEndpointList(text, 26379, '--sentinel')).message).toBe('--sentinel needs at least one host:port');
  });

  it('rejects a missing host or a bad port, naming the flag', () => {
    expect(usageFailure(() => parseEndpointList(':7000', 6379, '--cluster')).message).toBe('--cluster has no host in ":7000"');
    expect(usageFailure(() => parseEndpointList('a:1,b:x', 6379, '--cluster')).message).toBe('--cluster has an invalid port "x"');
    expect(usageFailure(() => parseEndpointList('[::1]:0', 6379, '--cluster')).message).toBe('--cluster has an invalid port "0"');
  });
});
