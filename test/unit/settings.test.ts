// The settings schema: one declaration per setting, from which commander's options, the
// config-file fields and the mapping to ConnectionOptions are derived.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { CachectlError } from '../../src/base/errors.js';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import { parseConfigText } from '../../src/cli/config-file.js';
import type { OptionsDraft } from '../../src/cli/settings.js';
import { addSettingOptions, applySettings, CONTEXT_FIELDS, flagsToSettings, isSecretField, SETTINGS } from '../../src/cli/settings.js';

function parsed(argv: string[]) {
  const program = addSettingOptions(new Command('t').helpOption('--help').exitOverride());
  program.parse(argv, { from: 'user' });
  return program.opts();
}

describe('settings schema', () => {
  it('declares the 18 connection fields a context may hold, each with a flag of its own', () => {
    expect(CONTEXT_FIELDS).toEqual([
      'url', 'host', 'port', 'db', 'user', 'password', 'cluster', 'sentinel', 'master', 'sentinelUser', 'sentinelPassword',
      'tls', 'cacert', 'cert', 'key', 'insecure', 'sni', 'timeout',
    ]);
    const program = addSettingOptions(new Command('t'));
    for (const field of CONTEXT_FIELDS) expect(program.options.some((option) => option.attributeName() === field)).toBe(true);
  });

  it('marks the passwords, and only them, as secrets', () => {
    expect(CONTEXT_FIELDS.filter(isSecretField)).toEqual(['password', 'sentinelPassword']);
  });

  it('gives commander the redis-cli short flags: -h host, -p port, -a password, -u url, -n db', () => {
    expect(parsed(['-h', '10.0.0.5', '-p', '6380', '-a', 'pw', '-n', '3'])).toMatchObject({ host: '10.0.0.5', port: '6380', password: 'pw', db: '3' });
    expect(parsed(['-u', 'redis://x:1'])).toMatchObject({ url: 'redis://x:1' });
  });

  it('groups the options under Connection and Output headings, none hidden', () => {
    const program = addSettingOptions(new Command('t'));
    const groups = new Set(program.options.map((option) => option.helpGroupHeading));
    expect([...groups]).toEqual(['Connection:', 'Output:']);
    expect(program.options.filter((option) => option.hidden)).toEqual([]);
  });

  it('parses flag text into the value a context holds, naming the flag on a mistake', () => {
    expect(flagsToSettings({ port: '7000', db: '2', tls: true, cluster: true })).toEqual({ port: 7000, db: 2, tls: true, cluster: true });
    expect(() => flagsToSettings({ port: 'x' })).toThrow(/^--port has an invalid port "x"/);
  });

  it('validates a config file against the same table', () => {
    const file = parseConfigText(JSON.stringify({ contexts: { a: { port: 7000, tls: true, cluster: 'h:1' } } }), 'c.json');
    expect(file.contexts.a).toEqual({ port: 7000, tls: true, cluster: 'h:1' });
    expect(() => parseConfigText(JSON.stringify({ contexts: { a: { askpass: true } } }), 'c.json')).toThrow(/unknown field "askpass"/);
    expect(() => parseConfigText(JSON.stringify({ contexts: { a: { port: '7000' } } }), 'c.json')).toThrow(/contexts\.a\.port must be a number/);
  });

  it('applies settings in schema order into ConnectionOptions, naming the source of a bad value', () => {
    const draft: OptionsDraft = { options: defaultConnectionOptions(), tls: {}, tlsOn: false, plainUrl: false };
    applySettings(draft, { url: 'rediss://u:p@h:7000/2', port: 7100, sni: 'cache', timeout: '2s' }, (name) => `--${name}`);
    expect(draft.options).toMatchObject({ endpoints: [{ host: 'h', port: 7100 }], db: 2, username: 'u', password: 'p', timeoutMs: 2000 });
    expect(draft).toMatchObject({ tlsOn: true, tls: { serverName: 'cache' } });
    const bad = { options: defaultConnectionOptions(), tls: {}, tlsOn: false, plainUrl: false };
    let error: unknown;
    try {
      applySettings(bad, { db: -1 }, () => 'context "x" db');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CachectlError);
    expect((error as CachectlError).message).toBe('context "x" db must be a database number ≥ 0, got "-1"');
  });

  it('every entry has help text', () => {
    for (const spec of Object.values(SETTINGS)) expect(spec.help.length).toBeGreaterThan(10);
  });
});
