// Big keys and size distributions in one pass: `cachectl bigkeys` against redis-cli --keystats
// (SCAN + MEMORY USAGE + a length command per key, with size percentiles), and beside `cachectl keys`
// on the same keyspace, which bigkeys should cost about as much as (target ≤ 1.1×).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Issue 17: the probe's p99 while bigkeys runs at full speed. */
const PROBE_P99_TARGET_MS = 5;

/**
 * Whether the compared redis-cli (the newest found, or --redis-cli PATH) has --keystats (7.4+;
 * Debian's 7.0 has not), from its help text.
 * @param {import('../lib/tools.js').RedisCliCapabilities} redisCli
 */
export function hasKeystats(redisCli) {
  let help;
  try {
    help = execFileSync(redisCli.path, ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    // Some builds exit non-zero after --help.
    const failed = /** @type {{ stdout?: string, stderr?: string }} */ (error);
    help = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
  }
  return /--keystats\b/.test(help);
}

/** @type {import('../lib/runner.js').Scenario} */
export const bigkeysScenario = {
  name: 'bigkeys',
  description: 'cachectl bigkeys vs redis-cli --keystats --count 1000, beside cachectl keys (bigkeys ≤ 1.1× keys)',
  runs(ctx) {
    const cli = hasKeystats(ctx.redisCli) ? ctx.redisCli : undefined;
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
      runs.push({ id: 'keystats', tool: 'redis-cli', label: `--keystats --count 1000 (${cli.version})`, argv: ['-p', String(ctx.port), '--keystats', '--count', '1000'] });
    } else {
      ctx.log(`bigkeys: ${ctx.redisCli.path} (${ctx.redisCli.version}) has no --keystats (7.4+; pass --redis-cli PATH): comparing with keys only`);
    }
    return runs;
  },
  async afterRun(ctx, run, result) {
    if (result.status !== 'ok' || result.stdoutFile === undefined) return;
    const out = readFileSync(result.stdoutFile, 'utf8');
    if (run.id === 'keystats') {
      result.notes.push(`redis-cli: ${ctx.redisCli.path}`);
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
    const ok = (/** @type {string} */ id) => results.find((result) => result.id === id && result.status === 'ok');
    const keys = ok('keys')?.wallS;
    const bigkeys = ok('bigkeys');
    if (bigkeys === undefined) return [];
    /** @type {string[]} */
    const lines = [];
    if (keys !== undefined && bigkeys.wallS !== undefined) lines.push(`bigkeys / keys wall time: ${(bigkeys.wallS / keys).toFixed(2)}× (target ≤ 1.1×)`);
    // Issue 17's impact goal, read against the probe's idle p99 and the runs beside it.
    const p99 = bigkeys.probe?.p99Ms;
    if (p99 !== undefined) {
      const beside = results.filter((result) => result !== bigkeys && result.probe !== undefined).map((result) => `${result.id} ${result.probe?.p99Ms.toFixed(2)} ms`);
      const idle = bigkeys.probeIdle === undefined ? '' : `; idle ${bigkeys.probeIdle.p99Ms.toFixed(2)} ms`;
      lines.push(`probe p99 during bigkeys: ${p99.toFixed(2)} ms (target ≤ ${PROBE_P99_TARGET_MS} ms${p99 <= PROBE_P99_TARGET_MS ? '' : ': OVER'}; ${beside.join(', ') || 'no other run'}${idle}; server ${bigkeys.scheduling ?? 'normal'})`);
    }
    return lines;
  },
};
