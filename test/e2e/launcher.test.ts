// bin/cachectl.js itself: `--version` alone answered without loading the CLI, and a clone that was
// never built told how to build it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, REPO_ROOT, runCli } from '../helpers/cli.js';
import { importGuard } from '../helpers/import-guard.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('cachectl --version', () => {
  let hook: string;
  beforeAll(() => {
    // Refuses every module of the built CLI and commander: a run that loads one fails.
    hook = importGuard(dir, `url.includes('/dist/') || url.includes('/commander/')`, 'CLI module loaded');
  });

  it.each([['--version'], ['-V']])('%s alone prints the version without loading the CLI', async (flag) => {
    const result = await runCli([flag], { env: { NODE_OPTIONS: `--import=${hook}` } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });

  it('the version command loads the CLI (control: the hook catches it)', async () => {
    const result = await runCli(['version'], { env: { NODE_OPTIONS: `--import=${hook}` } });
    expect(result.stderr).toContain('CLI module loaded');
  });

  it('--version with other arguments still goes through the CLI, same answer', async () => {
    const result = await runCli(['--version', '--no-color']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });
});

describe('a clone that was never built', () => {
  it('says so and how to build, exit 2', () => {
    const clone = path.join(dir, 'clone');
    mkdirSync(path.join(clone, 'bin'), { recursive: true });
    copyFileSync(CLI_BIN, path.join(clone, 'bin', 'cachectl.js'));
    copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(clone, 'package.json'));
    const result = spawnSync(process.execPath, [path.join(clone, 'bin', 'cachectl.js'), 'keys'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`error: cachectl is not built (no ${clone}/dist/cli/main.js) — run npm run build in ${clone}/\n`);
  });
});
