// bin/cachectl.js answers help from dist/cli/help-spec.json without commander or any command module
// (issue: start-up time), and prints exactly what the full CLI prints, off a terminal and on terminals
// of several widths; without the spec it runs the full CLI.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveHelpSpec } from '../../src/cli/help-spec.js';
import { CLI_BIN, REPO_ROOT, baseEnv, runCli } from '../helpers/cli.js';
import { importGuard } from '../helpers/import-guard.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-quick-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The full CLI with the launcher's quick paths bypassed: run() of the built dist/cli/main.js. */
const FULL_CLI = path.join(dir, 'full-cli.mjs');
writeFileSync(FULL_CLI, `import { run } from ${JSON.stringify(path.join(REPO_ROOT, 'dist', 'cli', 'main.js'))};\nprocess.exitCode = await run(process.argv);\n`);

let hook: string;
beforeAll(() => {
  // Refuses commander and every module of the built CLI but the quick help: a run that loads one fails.
  hook = importGuard(dir, `url.includes('/commander/') || (url.includes('/dist/') && !url.endsWith('/dist/cli/help-quick.js'))`, 'not needed for help');
});

const HELP_ARGS = [[['--help']], [['-h']], [['keys', '--help']], [['purge', '-h']], [['ping', '--help']], [['context', 'use', '--help']], [['help']], [['help', 'context']], [['completion', '--help']]];

describe('help without the CLI', () => {
  it('the spec npm run build writes is the help the sources give now', async () => {
    const built = JSON.parse(readFileSync(path.join(REPO_ROOT, 'dist/cli/help-spec.json'), 'utf8')) as unknown;
    expect(built).toEqual(await liveHelpSpec());
  });

  it.each(HELP_ARGS)('cachectl %j prints the full CLI help, loading none of it', async (args) => {
    const quick = await runCli(args, { env: { NODE_OPTIONS: `--import=${hook}` } });
    const full = spawnSync(process.execPath, [FULL_CLI, ...args], { encoding: 'utf8', env: baseEnv() });
    expect(quick.stderr).toBe('');
    expect(quick.code).toBe(0);
    expect(full.status).toBe(0);
    expect(quick.stdout).toMatch(/^Usage: cachectl /);
    expect(quick.stdout).toBe(full.stdout);
  });

  it('a run that is not only help goes through the full CLI (control: the hook catches it)', async () => {
    const result = await runCli(['keys', '--no-color', '--help'], { env: { NODE_OPTIONS: `--import=${hook}` } });
    expect(result.stderr).toContain('not needed for help');
  });

  it('an unknown command still fails through the full CLI, exit 2', async () => {
    const result = await runCli(['help', 'nope']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
  });

  it('-h HOST stays the host', async () => {
    const result = await runCli(['nodes', '-h', '127.0.0.1', '-p', '1', '--timeout', '1s']);
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('Usage:');
    expect(result.stderr).toContain('cannot connect to node 127.0.0.1:1');
  });
});

/** Runs `node <script> ...args` on a pseudo-terminal `columns` wide (util-linux `script`). */
function onTerminal(script: string, args: readonly string[], columns: number, env: Record<string, string> = {}): string {
  const command = [process.execPath, script, ...args].map((arg) => `'${arg}'`).join(' ');
  const result = spawnSync('script', ['-qec', `stty cols ${columns} rows 50; ${command}`, '/dev/null'], { encoding: 'utf8', env: { ...baseEnv(), ...env } });
  expect(result.status).toBe(0);
  return result.stdout;
}

describe('on a terminal, help is laid out for its width like the full CLI', () => {
  it.each([40, 57, 120, 200])('%i columns', (columns) => {
    for (const args of [['--help'], ['keys', '--help'], ['purge', '-h']]) {
      const quick = onTerminal(CLI_BIN, args, columns);
      expect(quick).toContain('Usage: cachectl ');
      expect(quick).toBe(onTerminal(FULL_CLI, args, columns));
    }
  });

  it('with colour forced on (commander then keeps colour codes; help has none)', () => {
    const env = { NO_COLOR: '', FORCE_COLOR: '1' };
    expect(onTerminal(CLI_BIN, ['keys', '--help'], 90, env)).toBe(onTerminal(FULL_CLI, ['keys', '--help'], 90, env));
  });

  it('the widths differ (control: the terminal width reaches both)', () => {
    expect(onTerminal(CLI_BIN, ['keys', '--help'], 200)).not.toBe(onTerminal(CLI_BIN, ['keys', '--help'], 57));
  });
});

describe('without dist/cli/help-spec.json', () => {
  it('the launcher runs the full CLI, same text', async () => {
    const copy = path.join(dir, 'no-spec');
    mkdirSync(path.join(copy, 'bin'), { recursive: true });
    cpSync(CLI_BIN, path.join(copy, 'bin', 'cachectl.js'));
    cpSync(path.join(REPO_ROOT, 'package.json'), path.join(copy, 'package.json'));
    cpSync(path.join(REPO_ROOT, 'dist'), path.join(copy, 'dist'), { recursive: true, filter: (source) => !source.endsWith('help-spec.json') });
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    const bin = path.join(copy, 'bin', 'cachectl.js');
    const guarded = spawnSync(process.execPath, [bin, 'keys', '--help'], { encoding: 'utf8', env: { ...baseEnv(), NODE_OPTIONS: `--import=${hook}` } });
    expect(guarded.stderr).toContain('not needed for help');
    const result = spawnSync(process.execPath, [bin, 'keys', '--help'], { encoding: 'utf8', env: baseEnv() });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: cachectl keys /);
    expect(result.stdout).toBe(spawnSync(process.execPath, [FULL_CLI, 'keys', '--help'], { encoding: 'utf8', env: baseEnv() }).stdout);
  });
});
