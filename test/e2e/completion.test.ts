// `cachectl completion bash|zsh|fish`: the scripts the built binary prints, run in the real shells.
// bash: its completion function called with COMP_WORDS/COMP_CWORD as readline sets them; fish: its own
// `complete -C`; zsh: the driver with zsh's completion builtins replaced by printers (they only exist
// inside a completion widget). Context names come from a config file at the moment of completion.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveCompletionSpec } from '../../src/cli/completion-spec.js';
import { baseEnv, CLI_BIN, REPO_ROOT, runCli } from '../helpers/cli.js';
import { importGuard } from '../helpers/import-guard.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-completion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// `cachectl` on PATH is the built binary, as after `npm install -g`: the scripts call it for context names.
const binDir = path.join(dir, 'bin');
mkdirSync(binDir);
symlinkSync(CLI_BIN, path.join(binDir, 'cachectl'));
const config = path.join(dir, 'config.json');
writeFileSync(config, JSON.stringify({ currentContext: 'staging', contexts: { staging: { url: 'redis://staging:6380' }, prod: { cluster: '10.0.0.1:7000' }, 'prod-eu': { host: '10.1.0.1' } } }));
const files = path.join(dir, 'files');
mkdirSync(files);
writeFileSync(path.join(files, 'backup-1.ndjson'), '');
writeFileSync(path.join(files, 'notes.txt'), '');

const shellEnv = (extra: Record<string, string> = {}) => ({ ...baseEnv(), PATH: `${binDir}:${process.env.PATH ?? ''}`, CACHECTL_CONFIG: config, ...extra });
const scripts: Record<string, string> = {};

beforeAll(async () => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const result = await runCli(['completion', shell]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    scripts[shell] = path.join(dir, `cachectl.${shell}`);
    writeFileSync(scripts[shell]!, result.stdout);
  }
});

/** Runs `shell -c program`, failing the test on a non-zero exit or any stderr output. */
function runShell(shell: string, args: string[], env = shellEnv()): string {
  const result = spawnSync(shell, args, { env, cwd: dir, encoding: 'utf8', timeout: 30_000 });
  if (result.error !== undefined) throw new Error(`${shell} could not run (${result.error.message}): apt-get install ${shell} (.ci/run does)`);
  expect(result.stderr, `${shell} stderr`).toBe('');
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

/** COMPREPLY after bash's completion function ran on these words (the last is the one being completed). */
function bashComplete(words: string[], env = shellEnv()): string[] {
  const quoted = words.map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
  const program = `source '${scripts.bash}'
COMP_WORDS=(${quoted}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMP_LINE="\${COMP_WORDS[*]}"; COMP_POINT=\${#COMP_LINE}
_cachectl
printf '%s\\n' "\${COMPREPLY[@]}"`;
  return runShell('bash', ['--norc', '--noprofile', '-c', program], env).split('\n').filter((line) => line !== '');
}

describe('bash completion', () => {
  it('completes a command name', () => {
    expect(bashComplete(['cachectl', 'ke'])).toEqual(['keys']);
    expect(bashComplete(['cachectl', 'co'])).toEqual(['context', 'completion']);
  });

  it('completes a flag of the command and the global ones', () => {
    expect(bashComplete(['cachectl', 'keys', '--o'])).toEqual(['--output']);
    expect(bashComplete(['cachectl', 'keys', '--so'])).toEqual(['--sort']);
    const purge = bashComplete(['cachectl', 'purge', 'app:*', '--']);
    expect(purge).toEqual(expect.arrayContaining(['--dry-run', '--backup', '--max-share', '--url', '--output', '--help']));
    // Another command's flag is not offered.
    expect(purge).not.toContain('--sort');
  });

  it('completes the choices of a flag, global or the command’s own', () => {
    expect(bashComplete(['cachectl', '-o', ''])).toEqual(['table', 'json', 'ndjson']);
    expect(bashComplete(['cachectl', 'nodes', '--output', 'nd'])).toEqual(['ndjson']);
    expect(bashComplete(['cachectl', 'keys', '--sort', 'n'])).toEqual(['no-ttl', 'name']);
    expect(bashComplete(['cachectl', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
  });

  it('completes --flag=value as bash splits it at =', () => {
    expect(bashComplete(['cachectl', '--output', '=', 'j'])).toEqual(['json']);
    expect(bashComplete(['cachectl', '--output', '='])).toEqual(['table', 'json', 'ndjson']);
  });

  it('skips flag values, including a URL bash split at its colons, to find the command', () => {
    expect(bashComplete(['cachectl', '--url', 'redis', ':', '//10.0.0.5', ':', '6380', 'no'])).toEqual(['nodes']);
    expect(bashComplete(['cachectl', '-h', '10.0.0.5', '-p', '6380', 'ke'])).toEqual(['keys']);
    // ping is nodes' alias: nodes' flags follow it.
    expect(bashComplete(['cachectl', 'ping', '--ti'])).toEqual(['--timeout']);
  });

  it('completes context names from the config file at completion time', () => {
    expect(bashComplete(['cachectl', 'context', 'use', ''])).toEqual(['staging', 'prod', 'prod-eu']);
    expect(bashComplete(['cachectl', 'context', 'show', 'pr'])).toEqual(['prod', 'prod-eu']);
    expect(bashComplete(['cachectl', 'keys', '--context', 'st'])).toEqual(['staging']);
    expect(bashComplete(['cachectl', 'context', ''])).toEqual(['list', 'current', 'use', 'show']);
    // No config file: nothing offered, nothing printed.
    expect(bashComplete(['cachectl', 'context', 'use', ''], shellEnv({ CACHECTL_CONFIG: path.join(dir, 'missing.json') }))).toEqual([]);
  });

  it('completes file names where a file is expected, and nothing where a pattern is', () => {
    expect(bashComplete(['cachectl', 'restore', `${files}/ba`])).toEqual([`${files}/backup-1.ndjson`]);
    expect(bashComplete(['cachectl', 'purge', 'app:*', '--backup', `${files}/no`])).toEqual([`${files}/notes.txt`]);
    expect(bashComplete(['cachectl', 'purge', ''])).toEqual([]);
  });

  it('completes the command after help', () => {
    expect(bashComplete(['cachectl', 'help', 'to'])).toEqual(['top']);
  });
});

describe('fish completion', () => {
  const fishComplete = (line: string, env = shellEnv()) =>
    runShell('fish', ['--no-config', '-c', `source '${scripts.fish}'; complete -C '${line.replace(/'/g, "\\'")}'`], env)
      .split('\n')
      .filter((row) => row !== '')
      .map((row) => row.split('\t')[0]);

  it('is accepted by fish -n', () => {
    runShell('fish', ['--no-execute', scripts.fish!]);
  });

  it('completes commands, flags, choices and context names', () => {
    expect(fishComplete('cachectl ke')).toEqual(['keys']);
    expect(fishComplete('cachectl keys --o')).toEqual(['--output']);
    expect(fishComplete('cachectl keys --sort n').sort()).toEqual(['name', 'no-ttl']);
    expect(fishComplete('cachectl -o ').sort()).toEqual(['json', 'ndjson', 'table']);
    expect(fishComplete('cachectl --url redis://10.0.0.5:6380 no')).toEqual(['nodes']);
    expect(fishComplete('cachectl context use ').sort()).toEqual(['prod', 'prod-eu', 'staging']);
    expect(fishComplete('cachectl context ').sort()).toEqual(['current', 'list', 'show', 'use']);
  });
});

describe('zsh completion', () => {
  it('is accepted by zsh -n', () => {
    runShell('zsh', ['-n', scripts.zsh!]);
  });

  it('offers commands, flags, choices and context names (zsh builtins replaced by printers)', () => {
    // compadd and _describe exist only inside a completion widget; these print what they were given.
    const program = `compdef() { :; }
source '${scripts.zsh}'
_describe() { local -a entries; entries=("\${(@P)4}"); print -rl -- "\${entries[@]%%:*}" }
compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@" }
_files() { print -r -- '<files>' }
compset() { :; }
t() { words=("$@"); CURRENT=\${#words}; _cachectl; print -r -- '--' }
t cachectl ''
t cachectl keys --sort ''
t cachectl -o ''
t cachectl --url redis://10.0.0.5:6380 context use ''
t cachectl restore ''
t cachectl purge 'app:*' -`;
    const [commands, sorts, outputs, contexts, restore, purgeFlags] = runShell('zsh', ['-f', '-c', program])
      .split('--\n')
      .map((block) => block.split('\n').filter((line) => line !== ''));
    expect(commands).toEqual(expect.arrayContaining(['nodes', 'keys', 'context', 'completion', 'help']));
    expect(sorts).toEqual(['memory', 'keys', 'no-ttl', 'name']);
    expect(outputs).toEqual(['table', 'json', 'ndjson']);
    expect(contexts).toEqual(['staging', 'prod', 'prod-eu']);
    expect(restore).toEqual(['<files>']);
    expect(purgeFlags).toEqual(expect.arrayContaining(['--dry-run', '--backup', '--url']));
    expect(purgeFlags).not.toContain('--sort');
  });
});

describe('cachectl completion', () => {
  it('the spec npm run build writes is the one the command definitions give now', async () => {
    const built = JSON.parse(readFileSync(path.join(REPO_ROOT, 'dist/cli/completion-spec.json'), 'utf8')) as unknown;
    expect(built).toEqual(await liveCompletionSpec());
  });

  it('without a shell: a usage error naming the shells, exit 2', async () => {
    const result = await runCli(['completion', '-o', 'table']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/bash, zsh or fish/);
  });

  it('an unknown shell is refused with the choices', async () => {
    const result = await runCli(['completion', 'tcsh']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/tcsh.*bash, zsh, fish/);
  });

  it('--help says how to install it in each shell', async () => {
    const result = await runCli(['completion', '--help']);
    expect(result.code).toBe(0);
    for (const line of ['source <(cachectl completion bash)', 'source <(cachectl completion zsh)', 'cachectl completion fish > ~/.config/fish/completions/cachectl.fish']) expect(result.stdout).toContain(line);
    expect(result.stdout).not.toContain('--context-names');
  });

  it('--help of the program lists it', async () => {
    expect((await runCli(['--help'])).stdout).toMatch(/^\s+completion\s+print the shell completion script/m);
  });
});

// A shell runs `completion bash` at every start and `--context-names` at every TAB: they are answered
// from the built spec by bin/cachectl.js, without commander or any command module (issue: start-up time).
describe('completion loads no Redis client, no renderer and no commander', () => {
  let hook: string;
  beforeAll(() => {
    hook = importGuard(dir, String.raw`/^(ioredis|chalk|cli-table3|ink|react|commander)(\/|$)/.test(specifier) || url.includes('/dist/cli/commands/')`, 'heavy module imported');
  });

  it.each(['ioredis', 'chalk', 'cli-table3', 'ink', 'react', 'commander'])('the hook catches an import of %s (control)', (name) => {
    const result = spawnSync(process.execPath, ['--import', hook, '--input-type=module', '-e', `await import(${JSON.stringify(name)})`], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`heavy module imported: ${name}`);
  });

  it.each(['ioredis', 'cli-table3', 'commander'])('the hook catches a require() of %s, as cachectl loads them (control)', (name) => {
    const program = `import { createRequire } from 'node:module'; createRequire(${JSON.stringify(`${REPO_ROOT}/`)})(${JSON.stringify(name)});`;
    const result = spawnSync(process.execPath, ['--import', hook, '--input-type=module', '-e', program], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`heavy module imported: ${name}`);
  });

  it('the full CLI is caught (control: completion with a global flag goes through commander)', async () => {
    const result = await runCli(['completion', 'bash', '--no-color'], { env: { NODE_OPTIONS: `--import=${hook}` } });
    expect(result.stderr).toContain('heavy module imported: commander');
  });

  it.each([[['completion', 'bash']], [['completion', 'fish']], [['completion', '--context-names']]])('cachectl %j', async (args) => {
    const result = await runCli(args, { env: { NODE_OPTIONS: `--import=${hook}`, CACHECTL_CONFIG: config } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('--context-names prints one name a line', () => {
    expect(execFileSync(process.execPath, [CLI_BIN, 'completion', '--context-names'], { env: shellEnv(), encoding: 'utf8' })).toBe('staging\nprod\nprod-eu\n');
  });
});
