// The two tools under comparison: how to launch each, what this redis-cli build supports
// (detected from its --help, never assumed from a version number), and how a cachectl run that
// hit a not-yet-written command or flag is told apart from a real failure.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESERVED_PORT } from './server.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CACHECTL_BIN = path.join(REPO_ROOT, 'bin/cachectl.js');
const CACHECTL_BUILD = path.join(REPO_ROOT, 'dist/cli/main.js');

/** cachectl's argv for spawning: the plain `node bin/cachectl.js …`, as a user would run it. @param {string[]} args */
export function cachectlArgv(args) {
  return [process.execPath, CACHECTL_BIN, ...args];
}

/** Whether `npm run build` has produced the CLI that bin/cachectl.js imports. */
export function cachectlBuilt() {
  return existsSync(CACHECTL_BUILD);
}

/**
 * Environment of a measured process: no credentials meant for other servers, and no colours
 * unless asked for (a dashboard in a terminal is measured as a user sees it, in colour).
 * @param {{ color?: boolean, redisCli?: string }} [options] redisCli: the compared redis-cli's path
 */
export function toolEnv({ color = false, redisCli } = {}) {
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env };
  // Pipelines say plain `redis-cli`: the one under comparison comes first on PATH.
  if (redisCli !== undefined && redisCli.includes('/')) env.PATH = `${path.dirname(path.resolve(redisCli))}${path.delimiter}${env.PATH ?? ''}`;
  for (const name of ['REDIS_URL', 'REDISCLI_AUTH', 'CACHECTL_PASSWORD', 'CACHECTL_SENTINEL_PASSWORD', 'FORCE_COLOR', 'NO_COLOR']) delete env[name];
  if (!color) env.NO_COLOR = '1';
  return env;
}

/**
 * Recognises "this cachectl has no such command/flag yet" (commander's usage errors, exit 2),
 * which the report shows as n/a instead of as a failure.
 * @param {number | null} exitCode
 * @param {string} stderr
 * @returns {string | undefined} the n/a reason
 */
export function cachectlUnavailable(exitCode, stderr) {
  if (exitCode !== 2) return undefined;
  if (/unknown command/i.test(stderr)) return 'n/a (command not available)';
  const option = /unknown option '([^']+)'/i.exec(stderr);
  if (option !== null) return `n/a (option ${option[1]} not available)`;
  return undefined;
}

/**
 * The redis-cli the bench compares with, and what it can do.
 * @typedef {{ path: string, version: string, found: string, countFor: { scan: boolean, bigkeys: boolean, memkeys: boolean }, help: { scan: boolean, bigkeys: boolean, memkeys: boolean } }} RedisCliCapabilities
 */

/** `redis-cli 7.4.1` → [7, 4, 1]; unparsable versions sort first. @param {string} text */
export function versionOf(text) {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(text);
  return match === null ? [0, 0, 0] : [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** @param {number[]} a @param {number[]} b */
function compareVersions(a, b) {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** @param {string} file */
function cliVersion(file) {
  try {
    return execFileSync(file, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Every redis-cli the bench can find: the one on PATH, and one per server build in the folders the
 * test fixtures use (CACHECTL_TEST_SERVERS, else ../shared/servers beside the repo, as .ci/run does).
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ path: string, version: string, found: string }[]}
 */
export function findRedisClis(env = process.env) {
  /** @type {{ path: string, found: string }[]} */
  const candidates = [{ path: 'redis-cli', found: 'PATH' }];
  const roots = env.CACHECTL_TEST_SERVERS ? env.CACHECTL_TEST_SERVERS.split(path.delimiter) : [path.resolve(REPO_ROOT, '../shared/servers')];
  for (const root of roots) {
    let entries = [];
    try {
      entries = readdirSync(root, { withFileTypes: true });
    } catch {
      continue;
    }
    if (existsSync(path.join(root, 'redis-cli'))) candidates.push({ path: path.join(root, 'redis-cli'), found: root });
    for (const entry of entries) {
      const file = path.join(root, entry.name, 'redis-cli');
      if (entry.isDirectory() && existsSync(file)) candidates.push({ path: file, found: root });
    }
  }
  return candidates.flatMap((candidate) => {
    const version = cliVersion(candidate.path);
    return version === undefined ? [] : [{ ...candidate, version }];
  });
}

/**
 * The redis-cli to compare with: `requested` (--redis-cli PATH), else the newest one found. Its
 * `--count` support is tried for real against the (still empty) bench server, since a build's
 * --help does not list every mode `--count` works with.
 * @param {{ requested?: string, port: number }} options
 * @returns {RedisCliCapabilities}
 */
export function detectRedisCli({ requested, port }) {
  let chosen;
  if (requested !== undefined) {
    const version = cliVersion(requested);
    if (version === undefined) throw new Error(`--redis-cli ${requested}: not a runnable redis-cli (${requested} --version failed)`);
    chosen = { path: requested, version, found: '--redis-cli' };
  } else {
    const found = findRedisClis().sort((a, b) => compareVersions(versionOf(b.version), versionOf(a.version)));
    chosen = found[0];
    if (chosen === undefined) throw new Error('no redis-cli found (on PATH or in CACHECTL_TEST_SERVERS); apt-get install redis-tools, or pass --redis-cli PATH');
  }
  // redis-cli prints its help on stdout; some builds exit non-zero after --help.
  let help;
  try {
    help = execFileSync(chosen.path, ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = /** @type {{ stdout?: string, stderr?: string }} */ (error);
    help = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
  }
  const tries = (/** @type {string} */ mode) => countWorks(chosen.path, port, mode);
  return { ...chosen, countFor: { scan: tries('--scan'), bigkeys: tries('--bigkeys'), memkeys: tries('--memkeys') }, help: countSupport(help) };
}

/**
 * Whether `redis-cli MODE --count 1000` runs (exit 0, no "Unrecognized option") against a server.
 * @param {string} cli @param {number} port @param {string} mode
 */
export function countWorks(cli, port, mode) {
  if (port === RESERVED_PORT) throw new Error('refusing to try redis-cli against port 6379');
  try {
    const output = execFileSync(cli, ['-h', '127.0.0.1', '-p', String(port), mode, '--count', '1000'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    return !/unrecognized option|bad number of args/i.test(output);
  } catch {
    return false;
  }
}

/**
 * Which modes the help's `--count` entry names (it appeared in later redis-cli releases; 7.0 has none).
 * Not what decides the runs (countWorks does): 7.4's help omits --memkeys, which takes it.
 * @param {string} help
 */
export function countSupport(help) {
  const lines = help.split('\n');
  const start = lines.findIndex((line) => /^\s*--count\b/.test(line));
  if (start === -1) return { scan: false, bigkeys: false, memkeys: false };
  // The entry plus its continuation lines, which are indented to the description column
  // (option lines start with two spaces).
  let entry = /** @type {string} */ (lines[start]);
  for (let i = start + 1; i < lines.length && /^\s{8,}\S/.test(/** @type {string} */ (lines[i])); i++) entry += ` ${lines[i]}`;
  return { scan: /--scan/.test(entry), bigkeys: /--bigkeys/.test(entry), memkeys: /--memkeys/.test(entry) };
}
