// `cachectl context list|current|use|show` and `cachectl version`, through the built binary.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-context-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = path.join(dir, 'config.json');
writeFileSync(
  config,
  JSON.stringify({
    currentContext: 'staging',
    contexts: {
      staging: { url: 'rediss://ops:Url-s3cret@staging:6380/1', password: '${STAGING_PW}' },
      prod: { cluster: '10.0.0.1:7000', password: 'Plain-s3cret', timeout: '2s' },
    },
  }),
);
const env = { CACHECTL_CONFIG: config, STAGING_PW: 'Env-s3cret' };

describe('cachectl context', () => {
  it('list marks the current context and names each address, passwords masked', async () => {
    const result = await runCli(['context', 'list', '-o', 'table'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')).toEqual(['  NAME     ADDRESS', '* staging  rediss://ops:***@staging:6380/1', '  prod     cluster 10.0.0.1:7000', '']);
  });

  it('show never resolves a secret: ${VAR} as written, literal secrets as ***', async () => {
    const staging = await runCli(['context', 'show', 'staging', '-o', 'json'], { env });
    expect(JSON.parse(staging.stdout)).toEqual({ name: 'staging', url: 'rediss://ops:***@staging:6380/1', password: '${STAGING_PW}' });
    const prod = await runCli(['context', 'show', 'prod', '-o', 'table'], { env });
    expect(prod.stdout).toContain('password  ***');
    for (const result of [staging, prod]) for (const secret of ['Url-s3cret', 'Plain-s3cret', 'Env-s3cret']) expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('use switches the current context in the file, keeping everything else; current prints it', async () => {
    const before = JSON.parse(readFileSync(config, 'utf8')) as { contexts: unknown };
    expect((await runCli(['context', 'use', 'prod', '-o', 'table'], { env })).code).toBe(0);
    const after = JSON.parse(readFileSync(config, 'utf8')) as { currentContext: string; contexts: unknown };
    expect(after.currentContext).toBe('prod');
    expect(after.contexts).toEqual(before.contexts);
    expect((await runCli(['context', 'current', '-o', 'table'], { env })).stdout).toBe('prod\n');
  });

  it('an unknown name is exit 2 naming the known ones', async () => {
    const result = await runCli(['context', 'use', 'nope', '-o', 'table'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: no context named "nope" in ${config} — known contexts: staging, prod\n`);
  });
});

describe('cachectl version', () => {
  it('prints the same version as --version', async () => {
    const [command, flag] = await Promise.all([runCli(['version']), runCli(['--version'])]);
    expect(command.code).toBe(0);
    expect(command.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(command.stdout).toBe(flag.stdout);
  });
});
