// Big keys and size distributions in one pass: `cachectl bigkeys` against redis-cli --keystats
// (SCAN + MEMORY USAGE + a length command per key, with size percentiles), and beside `cachectl keys`
// on the same keyspace, which bigkeys should cost about as much as (target ≤ 1.1×).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../lib/tools.js';

/**
 * The redis-cli that has --keystats (7.4+; Debian's 7.0 has not): $BENCH_REDIS_CLI, then the builds
 * beside the repo (../shared/servers/<name>/redis-cli, the highest version first), then the one on PATH.
 * @returns {{ path: string, version: string } | undefined}
 */
export function keystatsCli() {
  // ../shared from a checkout, ../../shared from a worktree under it.
  const beside = [path.resolve(REPO_ROOT, '..', 'shared', 'servers'), path.resolve(REPO_ROOT, '..', '..', 'shared', 'servers')]
    .filter((dir) => existsSync(dir))
    .flatMap((dir) =>
      readdirSync(dir)
        .filter((name) => name.startsWith('redis-'))
        .sort()
        .reverse()
        .map((name) => path.join(dir, name, 'redis-cli')),
    );
  const candidates = [process.env.BENCH_REDIS_CLI, ...beside, 'redis-cli'].filter((candidate) => candidate !== undefined && candidate !== '');
  for (const candidate of /** @type {string[]} */ (candidates)) {
    try {
      // redis-cli prints its help on stdout; some builds exit non-zero after --help.
      let help;
      try {
        help = execFileSync(candidate, ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (error) {
        const failed = /** @type {{ stdout?: string, stderr?: string }} */ (error);
        help = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
      }
      if (!/--keystats\b/.test(help)) continue;
      return { path: candidate, version: execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim() };
    } catch {
      // Not there or not runnable: the next candidate.
    }
  }
  return undefined;
}

/** @param {string} text */
const quote = (text) => `'${text.replaceAll("'", "'\\''")}'`;

/** @type {import('../lib/runner.js').Scenario} */
export const bigkeysScenario = {
  name: 'bigkeys',
  description: 'cachectl bigkeys vs redis-cli --keystats --count 1000, beside cachectl keys (bigkeys ≤ 1.1× keys)',
  runs(ctx) {
    const cli = keystatsCli();
    ctx.state.keystatsCli = cli;
    /** @type {import('../lib/runner.js').BenchRun[]} */
    const runs = [
      { id: 'keys', tool: 'cachectl', label: 'keys -o json (type+TTL+memory)', argv: ['keys', '--url', ctx.url, '-o', 'json'] },
      {
        id: 'bigkeys',
        tool: 'cachectl',
        label: 'bigkeys -o json (+ length, top N, distributions)',
        argv: ['bigkeys', '--url', ctx.url, '-o', 'json'],
        ...(cli === undefined ? { compareTo: 'keys' } : { compareTo: 'keystats' }),
      },
    ];
    if (cli !== undefined) {
      // exec: the measured process is redis-cli itself.
      runs.push({ id: 'keystats', tool: 'redis-cli', label: `--keystats --count 1000 (${cli.version})`, shell: `exec ${quote(cli.path)} -p ${ctx.port} --keystats --count 1000` });
    } else {
      ctx.log('bigkeys: no redis-cli with --keystats found (set BENCH_REDIS_CLI): comparing with keys only');
    }
    return runs;
  },
  async afterRun(ctx, run, result) {
    if (result.status !== 'ok' || result.stdoutFile === undefined) return;
    const out = readFileSync(result.stdoutFile, 'utf8');
    if (run.id === 'keystats') {
      const cli = /** @type {{ path: string }} */ (ctx.state.keystatsCli);
      result.notes.push(`redis-cli: ${cli.path}`);
      const sampled = /Sampled (\d+) keys in the keyspace/.exec(out);
      if (sampled !== null) {
        result.verified = Number(sampled[1]) === result.work;
        result.notes.push(`redis-cli sampled ${Number(sampled[1]).toLocaleString('en-US')} of ${result.work?.toLocaleString('en-US')} keys`);
      }
      return;
    }
    const report = JSON.parse(out);
    result.verified = report.status === 'complete' && report.scanned === result.work;
    if (run.id === 'bigkeys') result.notes.push(`biggest key ${report.topByMemory[0]?.memoryBytes ?? 'n/a'} B; ${report.types.length} types; ${report.findings.length} findings`);
  },
  async verify(_ctx, results) {
    const wall = (/** @type {string} */ id) => results.find((result) => result.id === id && result.status === 'ok')?.wallS;
    const keys = wall('keys');
    const bigkeys = wall('bigkeys');
    if (keys === undefined || bigkeys === undefined) return [];
    const ratio = bigkeys / keys;
    return [`bigkeys / keys wall time: ${ratio.toFixed(2)}× (target ≤ 1.1×)`];
  },
};
