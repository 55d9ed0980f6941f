// bin/cachectl.js itself: `--version` alone answered without loading the CLI; a clone that was never
// built builds itself on its first run (so `npm ci` and one command run cachectl), and a package
// without the sources or build tools is told how to build.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, REPO_ROOT, runCli } from '../helpers/cli.js';
import { loadBundle } from '../../src/connection/bundled-driver.js';
import { startRedis, type RedisProcess } from '../fixtures/index.js';
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

// Start-up (issue: start-up time): help is commander and the command's flags, nothing else. The Redis
// client, the renderers' packages, the terminal UI and the scan/report core load only when a command runs.
describe('--help and keys --help load only what help needs', () => {
  let hook: string;
  beforeAll(() => {
    const guardDir = path.join(dir, 'help-guard');
    mkdirSync(guardDir);
    // The driver is either the installed ioredis or the build's bundle, which bundled-driver.js reads.
    hook = importGuard(guardDir, String.raw`/^(ioredis|chalk|cli-table3|ink|react)(\/|$)/.test(specifier) || url.includes('/dist/connection/bundled-driver.js') || url.includes('/dist/core/') || url.includes('/dist/tui/')`, 'not needed for help');
  });

  it.each([[['--help']], [['keys', '--help']], [['help', 'keys']], [['-h']]])('cachectl %j', async (args) => {
    const result = await runCli(args, { env: { NODE_OPTIONS: `--import=${hook}` } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: cachectl /);
  });

  it('a command that runs is caught (control: keys loads the connection layer to connect)', async () => {
    const hookDir = path.join(dir, 'help-guard-connection');
    mkdirSync(hookDir);
    const connection = importGuard(hookDir, `url.includes('/dist/connection/')`, 'not needed for help');
    const result = await runCli(['keys', '--url', 'redis://127.0.0.1:1', '--timeout', '1s'], { env: { NODE_OPTIONS: `--import=${connection}` } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/not needed for help: \.\.\/connection\//);
  });
  // (The Redis client itself is the build's bundle, compiled from dist/vendor without require(); the
  // next block shows a command never requires the installed ioredis.)
});

// Start-up of a command to its first byte to Redis: the driver is the build's one-file bundle with its
// code cache (dist/vendor), not the installed ioredis's 45 files resolved and compiled one by one.
describe('a command connects through the bundled driver', () => {
  let server: RedisProcess;
  let hook: string;
  beforeAll(async () => {
    server = await startRedis({ name: 'launcher-bundle' });
    const guardDir = path.join(dir, 'driver-guard');
    mkdirSync(guardDir);
    hook = importGuard(guardDir, String.raw`/^ioredis(\/|$)/.test(specifier) || url.includes('/node_modules/ioredis/')`, 'installed driver loaded');
  });
  afterAll(() => server.stop());

  it('the build wrote the bundle and its code cache for this Node', () => {
    const loaded = loadBundle(path.join(REPO_ROOT, 'dist', 'vendor', 'ioredis.cjs'));
    expect(loaded?.cache).toBe('used');
    expect(typeof (loaded?.exports as { Redis?: unknown } | undefined)?.Redis).toBe('function');
  });

  it.each([[['nodes']], [['keys']], [['memory', '--interval', '0']]])('cachectl %j works without the installed ioredis', async (args) => {
    const result = await runCli([...args, '--url', `redis://127.0.0.1:${server.port}`, '-o', 'json'], { env: { NODE_OPTIONS: `--import=${hook}` } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ target: { topology: 'single', seed: [`127.0.0.1:${server.port}`] } });
  });

  it('the hook catches the installed ioredis (control)', async () => {
    const script = `import { createRequire } from 'node:module'; createRequire(${JSON.stringify(path.join(REPO_ROOT, 'package.json'))})('ioredis');`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: `--import=${hook}` } });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('installed driver loaded: ioredis');
  });
});

describe('a clone that was never built', () => {
  it('builds itself once on the first run (sources and build tools present), then runs the command', () => {
    const clone = path.join(dir, 'fresh-clone');
    mkdirSync(path.join(clone, 'bin'), { recursive: true });
    copyFileSync(CLI_BIN, path.join(clone, 'bin', 'cachectl.js'));
    for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) copyFileSync(path.join(REPO_ROOT, file), path.join(clone, file));
    // The sources and the installed dependencies of this checkout, as `npm ci` leaves them in a clone.
    symlinkSync(path.join(REPO_ROOT, 'src'), path.join(clone, 'src'));
    symlinkSync(path.join(REPO_ROOT, 'scripts'), path.join(clone, 'scripts'));
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(clone, 'node_modules'));
    const first = spawnSync(process.execPath, [path.join(clone, 'bin', 'cachectl.js'), 'version', '-o', 'json'], { encoding: 'utf8', timeout: 180_000 });
    expect(first.stderr).toContain(`cachectl: building ${clone}/dist first (npm run build; once per clone)…`);
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ version });
    expect(existsSync(path.join(clone, 'dist', 'cli', 'main.js'))).toBe(true);
    const second = spawnSync(process.execPath, [path.join(clone, 'bin', 'cachectl.js'), 'version', '-o', 'json'], { encoding: 'utf8' });
    expect(second.stderr).toBe('');
    expect(second.status).toBe(0);
  }, 200_000);

  it('without the sources or build tools (a broken package): says so and how to build, exit 2', () => {
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
