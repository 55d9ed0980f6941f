// The contexts file: strict parsing that names the bad spot, ${ENV} references for secrets,
// and where the file is looked for.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfigPath, expandEnvReferences, parseConfigText, readConfigFile } from '../../src/cli/config-file.js';
import { thrownCachectlError } from '../helpers/errors.js';

const FILE = '/etc/cachectl/config.json';

const configFailure = (fn: () => unknown) => thrownCachectlError(fn, 'CONFIG');

describe('parseConfigText', () => {
  it('reads every documented field of a context', () => {
    const settings = {
      url: 'rediss://cache:6380/1', host: 'h', port: 6380, db: 2, user: 'ops', password: 'p', tls: true,
      cacert: '/ca.pem', cert: '/c.pem', key: '/k.pem', insecure: false, sni: 'cache.internal',
      cluster: '10.0.0.1:7000', sentinel: '10.0.0.9', master: 'cache', sentinelUser: 'su',
      sentinelPassword: 'sp', timeout: '2s',
    };
    const file = parseConfigText(JSON.stringify({ currentContext: 'a', contexts: { a: settings, b: { cluster: true } } }), FILE);
    expect(file).toEqual({ path: FILE, currentContext: 'a', contexts: { a: settings, b: { cluster: true } } });
  });

  it('an empty object has no contexts', () => {
    expect(parseConfigText('{}', FILE)).toEqual({ path: FILE, contexts: {} });
  });

  it('an unknown field in a context is named, with the allowed ones as the hint', () => {
    const failure = configFailure(() => parseConfigText('{"contexts": {"prod": {"url": "redis://h", "pasword": "x"}}}', FILE));
    expect(failure.message).toBe(`config file ${FILE}: context "prod" has unknown field "pasword"`);
    expect(failure.hint).toMatch(/allowed fields: url, host, port, .*password/);
  });

  it('an unknown top-level field is named', () => {
    const failure = configFailure(() => parseConfigText('{"context": {}}', FILE));
    expect(failure.message).toBe(`config file ${FILE}: unknown field "context"`);
    expect(failure.hint).toBe('allowed top-level fields: contexts, currentContext');
  });

  it.each([
    ['port', '"6380"', 'number'],
    ['db', 'true', 'number'],
    ['tls', '"yes"', 'boolean'],
    ['url', '6379', 'string'],
    ['cluster', '1', 'string or boolean'],
    ['password', 'null', 'string'],
  ])('a type mismatch names contexts.NAME.%s and the type', (field, value, type) => {
    const failure = configFailure(() => parseConfigText(`{"contexts": {"prod": {"${field}": ${value}}}}`, FILE));
    expect(failure.message).toBe(`config file ${FILE}: contexts.prod.${field} must be a ${type}`);
  });

  it.each(['[]', '"text"', '3', 'null'])('the file must hold an object, not %s', (text) => {
    expect(configFailure(() => parseConfigText(text, FILE)).message).toBe(`config file ${FILE} must hold a JSON object`);
  });

  it('contexts must be an object of objects', () => {
    expect(configFailure(() => parseConfigText('{"contexts": []}', FILE)).message).toMatch(/"contexts" must be an object/);
    expect(configFailure(() => parseConfigText('{"contexts": {"a": "redis://h"}}', FILE)).message).toMatch(/context "a" must be an object/);
  });

  it('invalid JSON is reported at its line and column', () => {
    const text = '{\n  "contexts": {\n    "prod": { "url": "redis://h:1" },\n  }\n}\n';
    const failure = configFailure(() => parseConfigText(text, FILE));
    // The trailing comma's object ends on line 4, column 3: that is where a name was expected.
    expect(failure.message).toBe(`config file ${FILE} is not valid JSON: line 4, column 3`);
    expect(failure.hint).toMatch(/fix the JSON syntax/);
  });

  it('invalid JSON on the first line', () => {
    expect(configFailure(() => parseConfigText('{"contexts" {}}', FILE)).message).toBe(`config file ${FILE} is not valid JSON: line 1, column 13`);
  });

  it('a truncated file says so', () => {
    expect(configFailure(() => parseConfigText('{"contexts": {', FILE)).message).toMatch(/is not valid JSON: .*(end of JSON input|line 1, column 15)/);
  });

  it('a JSON error never quotes the file, which may hold a password', () => {
    // V8 reports some errors with an excerpt of the text instead of a position; here the
    // excerpt would be the password someone forgot to quote.
    const failure = configFailure(() => parseConfigText('{"contexts": {"prod": {"password": hunter2}}}', FILE));
    expect(failure.message).toBe(`config file ${FILE} is not valid JSON: Unexpected token 'h'`);
    expect(failure.message).not.toContain('hunter2');
  });
});

describe('expandEnvReferences', () => {
  it('replaces ${NAME} in every string field, leaves other values alone', () => {
    const expanded = expandEnvReferences(
      { url: 'redis://${HOST}:${PORT}/0', password: '${PW}', port: 6380, tls: true, user: 'ops-$HOME-${}' },
      'prod',
      { HOST: 'cache', PORT: '7000', PW: 'from-env' },
    );
    expect(expanded).toEqual({ url: 'redis://cache:7000/0', password: 'from-env', port: 6380, tls: true, user: 'ops-$HOME-${}' });
  });

  it('an empty variable is a value, not a missing one', () => {
    expect(expandEnvReferences({ password: 'x${EMPTY}y' }, 'prod', { EMPTY: '' })).toEqual({ password: 'xy' });
  });

  it('a missing variable names the context, the field and the variable', () => {
    const failure = configFailure(() => expandEnvReferences({ password: '${STAGING_REDIS_PASSWORD}' }, 'staging', {}));
    expect(failure.message).toBe('context "staging" field "password" refers to ${STAGING_REDIS_PASSWORD}, which is not set');
    expect(failure.hint).toBe('export STAGING_REDIS_PASSWORD=… before running cachectl');
  });
});

describe('config file location and reading', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('CACHECTL_CONFIG wins, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(defaultConfigPath({ CACHECTL_CONFIG: '/x.json', XDG_CONFIG_HOME: '/xdg', HOME: '/home/u' })).toBe('/x.json');
    expect(defaultConfigPath({ CACHECTL_CONFIG: '', XDG_CONFIG_HOME: '/xdg', HOME: '/home/u' })).toBe('/xdg/cachectl/config.json');
    expect(defaultConfigPath({ HOME: '/home/u' })).toBe('/home/u/.config/cachectl/config.json');
  });

  it('a missing file is no file; a directory is an error naming the path', () => {
    expect(readConfigFile(path.join(dir, 'absent.json'))).toBeUndefined();
    expect(configFailure(() => readConfigFile(dir)).message).toMatch(new RegExp(`^config file ${dir} cannot be read`));
  });

  it('reads and validates a file from disk', () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, '{"contexts": {"a": {"port": "x"}}}');
    expect(configFailure(() => readConfigFile(file)).message).toBe(`config file ${file}: contexts.a.port must be a number`);
  });
});
