// Resolving the global connection flags: defaults < REDIS_URL < --context < flags, the flag
// combinations that make no sense, passwords from the environment, and the --insecure warning.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GlobalFlags, ResolvedConnection } from '../../src/cli/globals.js';
import { resolveColor, resolveConnection } from '../../src/cli/globals.js';
import { CachectlError } from '../../src/base/errors.js';
import { memoryIO } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-globals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const configFile = path.join(dir, 'config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    contexts: {
      staging: { url: 'redis://staging-cache:7001/4', timeout: '2s' },
      full: { url: 'redis://ctxuser:ctxpw@ctx-cache:7001/2', db: 6, user: 'ctxuser2', password: 'ctxpw2' },
      hosted: { host: 'ctx-host', port: 7100, tls: true, cacert: '/ca.pem' },
      secret: { url: 'redis://vault-cache:7002', password: '${VAULT_PW}' },
      clustered: { cluster: '10.0.0.1:7000,10.0.0.2:7000' },
      sentinels: { sentinel: '10.0.0.9', master: 'cache' },
    },
  }),
);

const noPrompt = async (): Promise<string> => {
  throw new Error('askPassword must not be called');
};

function resolve(flags: GlobalFlags, env: Record<string, string> = {}, ask = noPrompt): Promise<ResolvedConnection> {
  return resolveConnection(flags, memoryIO({ CACHECTL_CONFIG: configFile, ...env }), ask);
}

async function failure(flags: GlobalFlags, env: Record<string, string> = {}): Promise<CachectlError> {
  try {
    await resolve(flags, env);
  } catch (error) {
    expect(error).toBeInstanceOf(CachectlError);
    return error as CachectlError;
  }
  throw new Error('expected resolveConnection to fail');
}

describe('precedence: defaults < REDIS_URL < --context < flags', () => {
  it('defaults: 127.0.0.1:6379, db 0, auto-detected topology, 5 s timeout, plain TCP', async () => {
    const { options, secrets, warnings } = await resolve({});
    expect(options).toEqual({
      endpoints: [{ host: '127.0.0.1', port: 6379 }],
      mode: 'auto',
      db: 0,
      timeoutMs: 5_000,
      clientName: 'cachectl',
    });
    expect(secrets).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('REDIS_URL over the defaults', async () => {
    const { options, secrets } = await resolve({}, { REDIS_URL: 'rediss://envuser:envpw@env-cache:7000/3' });
    expect(options).toMatchObject({ endpoints: [{ host: 'env-cache', port: 7000 }], db: 3, username: 'envuser', password: 'envpw', tls: {} });
    expect(secrets).toEqual(['envpw']);
  });

  it('--context over REDIS_URL: the context replaces the environment address entirely', async () => {
    const { options } = await resolve({ context: 'staging' }, { REDIS_URL: 'redis://:envpw@env-cache:7000/3' });
    expect(options).toMatchObject({ endpoints: [{ host: 'staging-cache', port: 7001 }], db: 4, timeoutMs: 2_000 });
    expect(options.password).toBeUndefined();
  });

  it('CACHECTL_CONTEXT picks a context like --context does', async () => {
    const { options } = await resolve({}, { CACHECTL_CONTEXT: 'staging' });
    expect(options.endpoints).toEqual([{ host: 'staging-cache', port: 7001 }]);
  });

  it('flags over the context, field by field', async () => {
    const { options } = await resolve({ context: 'staging', db: '9', timeout: '750ms' });
    expect(options).toMatchObject({ endpoints: [{ host: 'staging-cache', port: 7001 }], db: 9, timeoutMs: 750 });
  });

  it('--url over the context: the URL brings its own db, user and password', async () => {
    const { options, secrets } = await resolve({ context: 'full', url: 'redis://flaguser:flagpw@flag-cache:7002/5' });
    expect(options).toMatchObject({ endpoints: [{ host: 'flag-cache', port: 7002 }], db: 5, username: 'flaguser', password: 'flagpw' });
    expect(secrets).toEqual(['flagpw']);
  });

  it('--url over the context keeps context fields the URL does not set', async () => {
    const { options } = await resolve({ context: 'full', url: 'redis://flag-cache:7002' });
    expect(options).toMatchObject({ endpoints: [{ host: 'flag-cache', port: 7002 }], db: 6, username: 'ctxuser2', password: 'ctxpw2' });
  });

  it('--host/--port over a context address', async () => {
    const { options } = await resolve({ context: 'hosted', host: 'flag-host', port: '7200' });
    expect(options.endpoints).toEqual([{ host: 'flag-host', port: 7200 }]);
    expect(options.tls).toEqual({ caFile: '/ca.pem' });
  });

  it('--db, --user and --password over the URL', async () => {
    const { options, secrets } = await resolve({ url: 'redis://u:urlpw@h:1/2', db: '3', user: 'flaguser', password: 'flagpw' });
    expect(options).toMatchObject({ db: 3, username: 'flaguser', password: 'flagpw' });
    expect(secrets).toEqual(['flagpw']);
  });

  it('a context may refer to environment variables for secrets', async () => {
    const { options, secrets } = await resolve({ context: 'secret' }, { VAULT_PW: 'from-vault' });
    expect(options.password).toBe('from-vault');
    expect(secrets).toEqual(['from-vault']);
    const missing = await failure({ context: 'secret' });
    expect(missing.code).toBe('CONFIG');
    expect(missing.message).toMatch(/\$\{VAULT_PW\}, which is not set/);
  });

  it('--sentinel or --cluster on the command line replaces the context topology', async () => {
    const { options } = await resolve({ context: 'clustered', sentinel: '10.0.0.5:26380', master: 'm' });
    expect(options).toMatchObject({ mode: 'sentinel', sentinels: [{ host: '10.0.0.5', port: 26380 }], masterName: 'm' });
    const cluster = await resolve({ context: 'sentinels', cluster: '10.0.0.7:7000' });
    expect(cluster.options).toMatchObject({ mode: 'cluster', endpoints: [{ host: '10.0.0.7', port: 7000 }] });
    expect(cluster.options.sentinels).toBeUndefined();
  });

  it('--url or --host on the command line replaces a context\'s Cluster seeds or Sentinel group', async () => {
    const fromCluster = await resolve({ context: 'clustered', url: 'redis://flag-cache:7002' });
    expect(fromCluster.options).toMatchObject({ mode: 'auto', endpoints: [{ host: 'flag-cache', port: 7002 }] });
    const fromSentinel = await resolve({ context: 'sentinels', host: 'flag-host', port: '7003' });
    expect(fromSentinel.options).toMatchObject({ mode: 'auto', endpoints: [{ host: 'flag-host', port: 7003 }] });
    expect(fromSentinel.options.sentinels).toBeUndefined();
    expect(fromSentinel.options.masterName).toBeUndefined();
  });

  it('--sentinel on the command line keeps the context\'s --master', async () => {
    const { options } = await resolve({ context: 'sentinels', sentinel: '10.0.0.5' });
    expect(options).toMatchObject({ mode: 'sentinel', sentinels: [{ host: '10.0.0.5', port: 26379 }], masterName: 'cache' });
  });

  it('an unknown context lists the known ones', async () => {
    const error = await failure({ context: 'prod' });
    expect(error.code).toBe('CONFIG');
    expect(error.message).toBe(`no context named "prod" in ${configFile}`);
    expect(error.hint).toBe('known contexts: staging, full, hosted, secret, clustered, sentinels');
  });

  it('--context without a config file says where it looked', async () => {
    const absent = path.join(dir, 'absent.json');
    const error = await failure({ context: 'prod' }, { CACHECTL_CONFIG: absent });
    expect(error.message).toBe(`no context named "prod" in ${absent}`);
    expect(error.hint).toMatch(/define it under "contexts"/);
  });
});

describe('passwords', () => {
  it('REDISCLI_AUTH or CACHECTL_PASSWORD when nothing else gives one; CACHECTL_PASSWORD first', async () => {
    expect((await resolve({}, { REDISCLI_AUTH: 'a' })).options.password).toBe('a');
    expect((await resolve({}, { CACHECTL_PASSWORD: 'b' })).options.password).toBe('b');
    expect((await resolve({}, { REDISCLI_AUTH: 'a', CACHECTL_PASSWORD: 'b' })).options.password).toBe('b');
  });

  it('--password and URL passwords beat the environment', async () => {
    expect((await resolve({ password: 'flag' }, { REDISCLI_AUTH: 'env' })).options.password).toBe('flag');
    expect((await resolve({ url: 'redis://:url@h:1' }, { REDISCLI_AUTH: 'env' })).options.password).toBe('url');
  });

  it('a password on the command line is warned about once, pointing at REDISCLI_AUTH and --askpass', async () => {
    for (const flags of [{ password: 'pw' }, { url: 'redis://:pw@h:1' }, { url: 'redis://u:pw@h:1', password: 'pw2' }]) {
      const { warnings } = await resolve(flags);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/visible to other users in ps .*REDISCLI_AUTH.*--askpass/);
    }
    expect((await resolve({ url: 'redis://u@h:1' }, { REDISCLI_AUTH: 'env' })).warnings).toEqual([]);
    expect((await resolve({}, { REDIS_URL: 'redis://:envpw@h:1' })).warnings).toEqual([]);
  });

  it('--askpass prompts and wins', async () => {
    const { options, secrets } = await resolve({ askpass: true, password: 'flag' }, { REDISCLI_AUTH: 'env' }, async () => 'typed');
    expect(options.password).toBe('typed');
    expect(secrets).toEqual(['typed']);
  });

  it('sentinel passwords come from --sentinel-password or CACHECTL_SENTINEL_PASSWORD and are secrets too', async () => {
    const fromEnv = await resolve({ sentinel: '10.0.0.9', master: 'cache', password: 'data' }, { CACHECTL_SENTINEL_PASSWORD: 'sent' });
    expect(fromEnv.options).toMatchObject({ sentinels: [{ host: '10.0.0.9', port: 26379 }], sentinelPassword: 'sent' });
    expect(fromEnv.secrets).toEqual(['data', 'sent']);
    const fromFlag = await resolve({ sentinel: '10.0.0.9', master: 'cache', sentinelUser: 'su', sentinelPassword: 'flag' }, { CACHECTL_SENTINEL_PASSWORD: 'sent' });
    expect(fromFlag.options).toMatchObject({ sentinelUsername: 'su', sentinelPassword: 'flag' });
  });
});

describe('topology flags', () => {
  it('--cluster with seeds sets the seeds; bare --cluster uses the address', async () => {
    expect((await resolve({ cluster: '10.0.0.1:7000,10.0.0.2' })).options).toMatchObject({
      mode: 'cluster',
      endpoints: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 6379 }],
    });
    expect((await resolve({ cluster: true, url: 'redis://seed:7000' })).options).toMatchObject({ mode: 'cluster', endpoints: [{ host: 'seed', port: 7000 }] });
  });

  it('--sentinel with --master', async () => {
    expect((await resolve({ sentinel: '10.0.0.9:26380,10.0.0.10', master: 'cache' })).options).toMatchObject({
      mode: 'sentinel',
      sentinels: [{ host: '10.0.0.9', port: 26380 }, { host: '10.0.0.10', port: 26379 }],
      masterName: 'cache',
    });
  });
});

describe('flag combinations that make no sense', () => {
  it.each<[string, GlobalFlags, string, RegExp]>([
    ['--url with --host', { url: 'redis://h:1', host: 'x' }, '--url cannot be combined with --host/--port', /give the address one way/],
    ['--url with --port', { url: 'redis://h:1', port: '2' }, '--url cannot be combined with --host/--port', /give the address one way/],
    ['--cluster with --sentinel', { cluster: true, sentinel: 'h:26379', master: 'm' }, '--cluster cannot be combined with --sentinel', /drop one of the two/],
    ['--cluster seeds with --sentinel', { cluster: 'h:7000', sentinel: 'h:26379', master: 'm' }, '--cluster cannot be combined with --sentinel', /drop one of the two/],
    ['--sentinel without --master', { sentinel: 'h:26379' }, '--sentinel needs --master NAME', /--master mymaster/],
    ['--master without --sentinel', { master: 'm' }, '--master only applies with --sentinel', /add --sentinel host:port/],
    ['--cert without --key', { tls: true, cert: '/c.pem' }, '--cert needs its pair', /both --cert and --key/],
    ['--key without --cert', { tls: true, key: '/k.pem' }, '--key needs its pair', /both --cert and --key/],
    ['--insecure with a plain redis:// URL', { url: 'redis://h:1', insecure: true }, '--insecure does not apply to a plain redis:// URL', /use rediss:\/\//],
    ['--insecure without TLS', { host: 'h', insecure: true }, '--insecure only applies to TLS connections', /add --tls/],
    ['a bad --port', { port: '70000' }, '--port has an invalid port "70000"', /1 to 65535/],
    ['a bad --db', { db: 'two' }, '--db must be a database number ≥ 0, got "two"', /.*/],
    ['a bad --timeout', { timeout: 'soon' }, '--timeout', /.+/],
    ['a zero --timeout', { timeout: '0ms' }, '--timeout', /.*/],
  ])('%s is a usage error', async (_name, flags, message, hint) => {
    const error = await failure(flags);
    expect(error.code).toBe('USAGE');
    expect(error.exitCode).toBe(2);
    expect(error.message.startsWith(message)).toBe(true);
    expect(error.hint ?? '').toMatch(hint);
  });

  it('a bad REDIS_URL names REDIS_URL, a bad context url names the context', async () => {
    expect((await failure({}, { REDIS_URL: 'http://h' })).message).toMatch(/^REDIS_URL has scheme "http:"/);
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ contexts: { bad: { url: 'redis://h/x' } } }));
    expect((await failure({ context: 'bad' }, { CACHECTL_CONFIG: path.join(dir, 'bad.json') })).message).toMatch(/^context "bad" url has "\/x"/);
  });
});

describe('TLS flags', () => {
  it('rediss:// and --tls turn TLS on; --cacert, --cert/--key and --sni fill it in', async () => {
    expect((await resolve({ url: 'rediss://h:1' })).options.tls).toEqual({});
    expect((await resolve({ tls: true })).options.tls).toEqual({});
    expect((await resolve({ tls: true, cacert: '/ca.pem', cert: '/c.pem', key: '/k.pem', sni: 'cache.internal' })).options.tls).toEqual({
      caFile: '/ca.pem',
      certFile: '/c.pem',
      keyFile: '/k.pem',
      serverName: 'cache.internal',
    });
    expect((await resolve({ url: 'redis://h:1' })).options.tls).toBeUndefined();
  });

  it('--insecure skips verification and says so on stderr (as a warning)', async () => {
    const { options, warnings } = await resolve({ url: 'rediss://h:1', insecure: true });
    expect(options.tls).toEqual({ insecure: true });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^--insecure: the server certificate is not verified/);
  });
});

describe('currentContext in the config file', () => {
  const withCurrent = path.join(dir, 'current.json');
  writeFileSync(withCurrent, JSON.stringify({ currentContext: 'home', contexts: { home: { url: 'redis://home-cache:7300/1' } } }));
  const resolveWith = (flags: GlobalFlags, env: Record<string, string> = {}) =>
    resolveConnection(flags, memoryIO({ CACHECTL_CONFIG: withCurrent, ...env }), noPrompt);

  it('is used when nothing else names a server', async () => {
    const { options } = await resolveWith({});
    expect(options.endpoints).toEqual([{ host: 'home-cache', port: 7300 }]);
    expect(options.db).toBe(1);
  });

  it('gives way to REDIS_URL and to address flags', async () => {
    expect((await resolveWith({}, { REDIS_URL: 'redis://env-cache:7400' })).options.endpoints).toEqual([{ host: 'env-cache', port: 7400 }]);
    expect((await resolveWith({ host: 'flag-host' })).options.endpoints).toEqual([{ host: 'flag-host', port: 6379 }]);
  });
});

describe('colour', () => {
  const io = (env: Record<string, string | undefined>, tty: boolean) => {
    const base = memoryIO();
    const environment: Record<string, string | undefined> = { ...base.env, NO_COLOR: undefined, ...env };
    return { ...base, env: environment, stdout: { ...base.stdout, isTTY: tty } };
  };

  it('on a terminal by default, plain when not a terminal', () => {
    expect(resolveColor({}, io({}, true))).toBe(true);
    expect(resolveColor({}, io({}, false))).toBe(false);
  });

  it('--no-color and NO_COLOR turn it off, even with FORCE_COLOR', () => {
    expect(resolveColor({ color: false }, io({ FORCE_COLOR: '1' }, true))).toBe(false);
    expect(resolveColor({}, io({ NO_COLOR: '1', FORCE_COLOR: '3' }, true))).toBe(false);
  });

  it('FORCE_COLOR=0 turns it off on a terminal; 1-3 turn it on in a pipe', () => {
    expect(resolveColor({}, io({ FORCE_COLOR: '0' }, true))).toBe(false);
    expect(resolveColor({}, io({ FORCE_COLOR: 'false' }, true))).toBe(false);
    for (const level of ['1', '2', '3', '']) expect(resolveColor({}, io({ FORCE_COLOR: level }, false)), level).toBe(true);
  });
});
