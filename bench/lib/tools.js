// The two tools under comparison: how to launch each, what this redis-cli build supports
// (detected from its --help, never assumed from a version number), and how a cachectl run that
// hit a not-yet-written command or flag is told apart from a real failure.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
 * @param {{ color?: boolean }} [options]
 */
export function toolEnv({ color = false } = {}) {
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env };
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
 * What this redis-cli can do, from its --help text.
 * @typedef {{ version: string, countFor: { scan: boolean, bigkeys: boolean, memkeys: boolean } }} RedisCliCapabilities
 */

/** @returns {RedisCliCapabilities} */
export function detectRedisCli() {
  const version = execFileSync('redis-cli', ['--version'], { encoding: 'utf8' }).trim();
  // redis-cli prints its help on stdout; some builds exit non-zero after --help.
  let help;
  try {
    help = execFileSync('redis-cli', ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = /** @type {{ stdout?: string, stderr?: string }} */ (error);
    help = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
  }
  return { version, countFor: countSupport(help) };
}

/**
 * Which modes the help's `--count` entry names (it appeared in later redis-cli releases; 7.0 has none).
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
