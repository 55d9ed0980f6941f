// How long any one call of cachectl holds the server, with default flags, on a keyspace with big
// keys: a 1M-field hash, 1M-element list, set and zset, a 100k-entry stream, a 50 MB string and a
// hash of 64 values of 1 MiB under `bad:big*`, beside the seeded small keys. Each run is watched by SLOWLOG at 1 ms (reset before,
// settings put back after); its longest entry is the run's figure, against the 5 ms goal. redis-cli
// rows (--bigkeys, --memkeys, a scan | xargs unlink) show what the usual tools cost the server.
// Two more rows compare `top`'s latency p99 with `redis-cli --latency` over the same 20 s, on the
// idle server and under redis-benchmark.
//
// SLOWLOG times are wall time: on a busy 2-core machine, a server preempted mid-command logs the
// wait too (seen: 38 ms for a 100-member SADD at load 5). So, like every scenario's, the server's
// main thread runs under SCHED_FIFO during each SLOWLOG row when the bench can set it (lib/scheduling.js,
// --no-fifo keeps the normal policy), which leaves the command's own cost. The latency rows always
// run under the normal policy: they measure what clients see. STALL_BENCH_SCALE (default 1) shrinks
// the big keys for a quick look, STALL_BENCH_LATENCY_S (default 20) the latency window.
import { execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { BIG_PATTERN, bigKeyCounts, bigKeyNames, bigKeySizes, seedBigKeys } from '../lib/big-keys.js';
import { measure } from '../lib/measure.js';
import { describeLongest, watchSlowlog } from '../lib/slowlog.js';
import { REPO_ROOT, cachectlArgv, toolEnv } from '../lib/tools.js';

const SCALE = Number(process.env.STALL_BENCH_SCALE ?? 1);
/** The issue's goal: no call holds the server longer than this. */
export const STALL_TARGET_MS = 5;
const SLOWLOG_THRESHOLD_US = 1000;
const LATENCY_WINDOW_S = Number(process.env.STALL_BENCH_LATENCY_S ?? 20);
/** top's probe reports over 10 s windows: two disjoint ones cover the 20 s. */
const TOP_WINDOW_S = 10;
const run = promisify(execFile);

/**
 * @typedef {{
 *   sizes: import('../lib/big-keys.js').BigKeySizes,
 *   backupFile: string,
 *   baseKeys: number,
 *   readSlowlog?: () => Promise<import('../lib/slowlog.js').SlowSummary>,
 *   latency?: LatencyFigures,
 *   lines: string[],
 * }} StallState
 * @typedef {{ top: { p50Ms: number | null, p99Ms: number | null, maxMs: number | null, samples: number }, cli: { minMs: number, maxMs: number, avgMs: number, samples: number } | undefined, load: string }} LatencyFigures
 */

/** @param {import('../lib/runner.js').BenchContext} ctx */
const state = (ctx) => /** @type {StallState} */ (/** @type {unknown} */ (ctx.state));

/** What runs each way, by run id (a --baseline copy ends in @baseline). @param {string} id */
const kind = (id) => id.replace(/@baseline$/, '');

/** Whether every big key holds what was seeded. @param {import('ioredis').Redis} admin @param {StallState} s */
async function bigKeysIntact(admin, s) {
  const counts = await bigKeyCounts(admin, s.sizes);
  return Object.entries(bigKeyNames(s.sizes).expected).every(([key, want]) => counts[key] === want);
}

/** UNLINK the big keys and wait until the server's background thread has freed them. @param {import('ioredis').Redis} admin @param {StallState} s */
async function dropBigKeys(admin, s) {
  const names = bigKeyNames(s.sizes);
  await admin.unlink(...Object.keys(names.expected));
  for (let i = 0; i < 600; i++) {
    const pending = /^lazyfree_pending_objects:(\d+)/m.exec(await admin.info('memory'))?.[1];
    if (pending === undefined || pending === '0') return;
    await sleep(100);
  }
}

/**
 * p50/p99/max of several of top's histograms merged (buckets in µs).
 * @param {{ fromUs: number, toUs: number, count: number }[][]} histograms
 */
function mergedPercentiles(histograms) {
  const buckets = histograms.flat().sort((a, b) => a.fromUs - b.fromUs);
  const total = buckets.reduce((sum, bucket) => sum + bucket.count, 0);
  /** @param {number} q */
  const at = (q) => {
    if (total === 0) return null;
    let seen = 0;
    for (const bucket of buckets) {
      seen += bucket.count;
      if (seen >= Math.ceil(q * total)) return bucket.toUs / 1000;
    }
    return null;
  };
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: total === 0 ? null : (buckets.at(-1)?.toUs ?? 0) / 1000, samples: total };
}

/**
 * `cachectl top -o ndjson` and `redis-cli --latency` side by side for LATENCY_WINDOW_S, optionally
 * with redis-benchmark loading the server meanwhile.
 * @param {boolean} loaded
 * @returns {NonNullable<import('../lib/runner.js').BenchRun['execute']>}
 */
function measureLatency(loaded) {
  return async (ctx, io) => {
    const s = state(ctx);
    /** @type {import('node:child_process').ChildProcess | undefined} */
    let benchmark;
    if (loaded) {
      // PING and GET of missing keys: load without writing anything to the keyspace.
      benchmark = spawn('redis-benchmark', ['-h', '127.0.0.1', '-p', String(ctx.port), '-c', '20', '-t', 'ping,get', '-l', '-q'], { stdio: 'ignore' });
      benchmark.on('error', () => {});
      await sleep(2_000);
    }
    /** @type {Promise<{ stdout: string }> | undefined} */
    let cli;
    let windowStart = 0;
    try {
      const measured = await measure({
        argv: cachectlArgv(['top', '--url', ctx.url, '-o', 'ndjson', '--refresh', '1s']),
        stdoutFile: io.stdoutFile,
        stderrFile: io.stderrFile,
        cwd: REPO_ROOT,
        env: toolEnv(),
        timeoutMs: io.timeoutMs,
        onSpawn: (pid) => {
          io.onSpawn();
          // top's probe connects and warms up first; then both measure the same window.
          void sleep(3_000).then(async () => {
            windowStart = Date.now();
            cli = run(ctx.redisCli.path, ['-p', String(ctx.port), '--latency', '--raw', '-i', String(LATENCY_WINDOW_S)], { timeout: (LATENCY_WINDOW_S + 10) * 1000 });
            await cli.catch(() => undefined);
            await sleep(1_500);
            try {
              process.kill(pid, 'SIGINT');
            } catch {
              // Already gone.
            }
          });
        },
      });
      const cliOut = await cli?.catch((error) => ({ stdout: String(error.stdout ?? '') }));
      const numbers = (cliOut?.stdout ?? '').trim().split(/\s+/).map(Number);
      const cliFigures = numbers.length === 4 && numbers.every(Number.isFinite) ? { minMs: numbers[0] ?? 0, maxMs: numbers[1] ?? 0, avgMs: numbers[2] ?? 0, samples: numbers[3] ?? 0 } : undefined;
      const records = readFileSync(io.stdoutFile, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
      // Two records TOP_WINDOW_S apart whose windows together span the redis-cli window.
      const taken = (/** @type {{ takenAt: string }} */ record) => Date.parse(record.takenAt);
      // (A window shorter than two of top's uses its last record alone.)
      const first = LATENCY_WINDOW_S < 2 * TOP_WINDOW_S ? undefined : records.find((record) => taken(record) >= windowStart + TOP_WINDOW_S * 1000);
      const last = records.filter((record) => taken(record) <= windowStart + (LATENCY_WINDOW_S + 1) * 1000).at(-1);
      const chosen = last === undefined ? [] : first === undefined || first === last ? [last] : [first, last];
      const top = mergedPercentiles(chosen.map((record) => record.nodes?.[0]?.latency?.histogram ?? []));
      s.latency = { top, cli: cliFigures, load: loaded ? 'redis-benchmark -c 20 -t ping,get' : 'idle' };
      return { ...measured, verified: cliFigures !== undefined && top.samples > 0, notes: [`top records used: ${chosen.length} (windows ending ${chosen.map((record) => record.takenAt).join(', ')})`] };
    } finally {
      if (benchmark !== undefined && benchmark.exitCode === null) benchmark.kill('SIGINT');
    }
  };
}

/** @param {number | null | undefined} ms */
const ms = (ms) => (ms === null || ms === undefined ? '?' : ms.toFixed(2));

/** @type {import('../lib/runner.js').Scenario} */
export const stallScenario = {
  name: 'stall',
  description: `longest server call (SLOWLOG ≥ 1 ms, goal ≤ ${STALL_TARGET_MS} ms) of purge --backup/restore/keys/bigkeys/memory/audit-ttl with big keys; top p99 vs redis-cli --latency`,
  async prepare(ctx) {
    const sizes = bigKeySizes(SCALE);
    ctx.state = /** @type {StallState} */ ({
      sizes,
      backupFile: path.join(ctx.workDir, 'stall-backup'),
      baseKeys: await ctx.admin.dbsize(),
      lines: [],
    });
    const seeded = await seedBigKeys(ctx.port, sizes);
    ctx.log(`[stall] big keys seeded in ${seeded.seconds.toFixed(1)} s (${sizes.elements.toLocaleString('en-US')} elements, ${sizes.streamEntries.toLocaleString('en-US')} stream entries, ${(sizes.stringBytes / 2 ** 20).toFixed(0)} MiB string, ${sizes.wideFields} values of 1 MiB)`);
  },
  runs(ctx) {
    const url = ctx.url;
    const port = String(ctx.port);
    const file = state(ctx).backupFile;
    const json = ['--url', url, '-o', 'json'];
    return [
      { id: 'purge', tool: 'cachectl', label: `purge '${BIG_PATTERN}' --yes --backup F`, argv: ['purge', BIG_PATTERN, '--yes', '--backup', file, ...json], unit: 'deletes', compareTo: 'cli-unlink' },
      { id: 'restore', tool: 'cachectl', label: 'restore F --yes', argv: ['restore', file, '--yes', ...json], compareTo: 'none' },
      { id: 'keys', tool: 'cachectl', label: 'keys', argv: ['keys', ...json], compareTo: 'memkeys' },
      { id: 'keys-exact', tool: 'cachectl', label: 'keys --samples 0', argv: ['keys', '--samples', '0', ...json], compareTo: 'memkeys-0' },
      { id: 'bigkeys', tool: 'cachectl', label: 'bigkeys', argv: ['bigkeys', ...json], compareTo: 'cli-bigkeys' },
      { id: 'memory', tool: 'cachectl', label: 'memory', argv: ['memory', ...json], compareTo: 'none' },
      { id: 'audit-ttl', tool: 'cachectl', label: 'audit-ttl', argv: ['audit-ttl', ...json], okExitCodes: [0, 1], compareTo: 'none' },
      { id: 'cli-bigkeys', tool: 'redis-cli', label: '--bigkeys', argv: ['-p', port, '--bigkeys'] },
      { id: 'memkeys', tool: 'redis-cli', label: '--memkeys', argv: ['-p', port, '--memkeys'] },
      { id: 'memkeys-0', tool: 'redis-cli', label: '--memkeys-samples 0', argv: ['-p', port, '--memkeys', '--memkeys-samples', '0'] },
      { id: 'cli-unlink', tool: 'redis-cli', label: `--scan --pattern '${BIG_PATTERN}' | xargs unlink`, shell: `redis-cli -p ${port} --scan --pattern '${BIG_PATTERN}' | xargs redis-cli -p ${port} unlink`, unit: 'deletes' },
      // top and redis-cli measure the server as every client sees it: under its normal policy.
      { id: 'latency-idle', tool: 'cachectl', label: `top p99 vs redis-cli --latency, ${LATENCY_WINDOW_S} s idle`, command: `cachectl top --url ${url} -o ndjson --refresh 1s & redis-cli -p ${port} --latency --raw -i ${LATENCY_WINDOW_S}`, execute: measureLatency(false), okExitCodes: [130], compareTo: 'none', fifo: false },
      { id: 'latency-loaded', tool: 'cachectl', label: `top p99 vs redis-cli --latency, ${LATENCY_WINDOW_S} s under redis-benchmark`, command: `(same, with redis-benchmark -c 20 -t ping,get -l)`, execute: measureLatency(true), okExitCodes: [130], compareTo: 'none', fifo: false },
    ];
  },
  async beforeRun(ctx, run) {
    const s = state(ctx);
    const id = kind(run.id);
    if (id === 'restore') {
      // A restore needs the keys gone (a --baseline pair restores twice from one file).
      await dropBigKeys(ctx.admin, s);
    } else if (!id.startsWith('latency') && !(await bigKeysIntact(ctx.admin, s))) {
      if (id === 'purge') rmSync(s.backupFile, { force: true });
      ctx.log('[stall]   seeding the big keys again');
      await seedBigKeys(ctx.port, s.sizes);
    } else if (id === 'purge') {
      rmSync(s.backupFile, { force: true });
    }
    s.readSlowlog = id.startsWith('latency') ? undefined : await watchSlowlog(ctx.admin, { thresholdUs: SLOWLOG_THRESHOLD_US, boundUs: STALL_TARGET_MS * 1000 });
  },
  async work(ctx, run) {
    const id = kind(run.id);
    // Six keys per purge or restore: a rate would say nothing.
    if (id === 'purge' || id === 'cli-unlink' || id === 'restore' || id.startsWith('latency')) return undefined;
    return ctx.admin.dbsize();
  },
  async afterRun(ctx, run, result) {
    const s = state(ctx);
    const id = kind(run.id);
    if (id.startsWith('latency')) {
      const l = s.latency;
      if (l === undefined || result.status !== 'ok') return;
      const cli = l.cli === undefined ? 'redis-cli: no figures' : `redis-cli avg ${ms(l.cli.avgMs)} / max ${ms(l.cli.maxMs)} ms (${l.cli.samples} PINGs, whole ms)`;
      result.summary = `top p99 ${ms(l.top.p99Ms)} ms (p50 ${ms(l.top.p50Ms)}, max ${ms(l.top.maxMs)}, ${l.top.samples} PINGs); ${cli}`;
      const line = `latency (${l.load}): top p50/p99/max ${ms(l.top.p50Ms)} / ${ms(l.top.p99Ms)} / ${ms(l.top.maxMs)} ms; ${cli}; bench probe (10 ms PINGs) p50/p99/max ${ms(result.probe?.p50Ms)} / ${ms(result.probe?.p99Ms)} / ${ms(result.probe?.maxMs)} ms`;
      result.notes.push(line);
      s.lines.push(line);
      return;
    }
    const slow = await s.readSlowlog?.();
    s.readSlowlog = undefined;
    if (slow === undefined) return;
    const within = slow.longest === undefined || slow.longest.us <= STALL_TARGET_MS * 1000;
    result.summary = `longest call ${describeLongest(slow, SLOWLOG_THRESHOLD_US)}${within ? '' : ` — OVER ${STALL_TARGET_MS} ms (${slow.over} calls)`}`;
    result.notes.push(`SLOWLOG: ${slow.entries} calls ≥ ${SLOWLOG_THRESHOLD_US / 1000} ms, ${slow.over} over ${STALL_TARGET_MS} ms; per command: ${slow.byCommand.map((c) => `${c.command} ${(c.us / 1000).toFixed(2)} ms (${c.count}×)`).join(', ') || 'none'}`);
    s.lines.push(`${run.tool} ${run.label}: ${result.summary} (server ${result.scheduling ?? 'normal'})`);
    if (result.status !== 'ok') return;
    if (id === 'restore') {
      result.verified = await bigKeysIntact(ctx.admin, s);
      if (!result.verified) result.notes.push(`big keys after restore: ${JSON.stringify(await bigKeyCounts(ctx.admin, s.sizes))}`);
    } else if (id === 'purge' || id === 'cli-unlink') {
      const left = Object.values(await bigKeyCounts(ctx.admin, s.sizes)).filter((count) => count !== null).length;
      result.verified = left === 0 && (await ctx.admin.dbsize()) === s.baseKeys;
      if (!result.verified) result.notes.push(`${left} big keys left; DBSIZE ${await ctx.admin.dbsize()} (want ${s.baseKeys})`);
    }
  },
  async verify(ctx) {
    return state(ctx).lines;
  },
  async cleanup(ctx) {
    const s = state(ctx);
    await dropBigKeys(ctx.admin, s);
    rmSync(s.backupFile, { force: true });
  },
};

