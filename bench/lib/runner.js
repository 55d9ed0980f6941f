// Executes scenarios: per run, the unmeasured hooks around it, then one measured window holding
// the process, the latency probe and the INFO commandstats delta. Runs that could not execute
// (a cachectl command not written yet) become "n/a" rows; only a broken harness throws.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { diffCommandStats, readServerSnapshot } from './commandstats.js';
import { measure } from './measure.js';
import { REPO_ROOT, cachectlArgv, cachectlBuilt, cachectlUnavailable } from './tools.js';

/**
 * What a scenario gets to work with.
 * @typedef {object} BenchContext
 * @property {number} port the bench server (never 6379)
 * @property {string} url redis://127.0.0.1:PORT
 * @property {import('ioredis').Redis} admin a client for setup and verification (not measured)
 * @property {string} workDir a temp dir for outputs and backups, removed at the end
 * @property {import('./seed.js').SeedResult} seed the main keyspace
 * @property {import('./tools.js').RedisCliCapabilities} redisCli
 * @property {(message: string) => void} log progress on stderr
 * @property {Record<string, unknown>} state scratch space of the current scenario
 */

/**
 * One command to measure.
 * @typedef {object} BenchRun
 * @property {string} id unique within its scenario
 * @property {'cachectl' | 'redis-cli'} tool
 * @property {string} label short text for the table
 * @property {string[]} [argv] the tool's arguments: after `node bin/cachectl.js`, or after `redis-cli`
 * @property {string} [shell] a whole command line for /bin/sh -c (pipelines); `tool` still names the side
 * @property {number[]} [okExitCodes] exit codes that mean success (default [0]; audits exit 1 on findings)
 * @property {string} [compareTo] id of the redis-cli run this one is compared with (default: the scenario's first)
 * @property {'keys' | 'deletes'} [unit] what the rate column counts (default keys)
 */

/**
 * A benchmark scenario (bench/scenarios/*.js). Only `name`, `description` and `runs` are required.
 * @typedef {object} Scenario
 * @property {string} name
 * @property {string} description
 * @property {(ctx: BenchContext) => Promise<void>} [prepare] once, before the runs
 * @property {BenchRun[] | ((ctx: BenchContext) => BenchRun[])} runs
 * @property {(ctx: BenchContext, run: BenchRun) => Promise<void>} [beforeRun] before every run, not measured
 * @property {(ctx: BenchContext, run: BenchRun) => Promise<number>} [work] keys a run handles (default DBSIZE)
 * @property {(ctx: BenchContext, run: BenchRun, result: RunResult) => Promise<void>} [afterRun] after every
 *   run, not measured: checks the outcome, may push to result.notes and set result.verified
 * @property {(ctx: BenchContext, results: RunResult[]) => Promise<string[] | void>} [verify] after all runs
 * @property {(ctx: BenchContext) => Promise<void>} [cleanup] leave the keyspace as the next scenario expects it
 */

/**
 * @typedef {object} RunResult
 * @property {string} scenario
 * @property {string} id
 * @property {'cachectl' | 'redis-cli'} tool
 * @property {string} label
 * @property {string} command as a shell would show it
 * @property {'ok' | 'n/a' | 'failed' | 'timeout'} status
 * @property {string} [reason] why it is not ok
 * @property {number | null} [exitCode]
 * @property {number} [wallS]
 * @property {number} [work]
 * @property {'keys' | 'deletes'} unit
 * @property {number} [perSecond]
 * @property {number} [serverS]
 * @property {number} [serverCalls]
 * @property {boolean} [serverScripts] EVAL/EVALSHA/FCALL ran: serverS counts their inner commands twice
 * @property {number} [serverCpuS] the server main thread's CPU time (INFO cpu delta)
 * @property {{ command: string, calls: number, usec: number }[]} [serverByCommand]
 * @property {number} [peakRssMb]
 * @property {'process' | 'group-sum'} [rssMode]
 * @property {number} [largestMemberMb]
 * @property {string} [largestMember]
 * @property {number} [processes]
 * @property {import('./probe.js').ProbeResult} [probe]
 * @property {number} [stdoutBytes]
 * @property {string} [stdoutFile] only during afterRun
 * @property {boolean} [verified]
 * @property {string[]} notes
 * @property {number[]} [wallSamplesS] with --repeat
 * @property {string} [compareTo]
 */

/** @param {string[]} args */
function shellQuote(args) {
  return args.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`)).join(' ');
}

/** @param {BenchRun} run */
function displayCommand(run) {
  if (run.shell !== undefined) return run.shell;
  const argv = run.argv ?? [];
  return run.tool === 'cachectl' ? `node bin/cachectl.js ${shellQuote(argv)}` : `redis-cli ${shellQuote(argv)}`;
}

/** Environment of a measured process: no colours, and no credentials meant for other servers. */
function runEnv() {
  const env = { ...process.env, NO_COLOR: '1' };
  for (const name of ['REDIS_URL', 'REDISCLI_AUTH', 'CACHECTL_PASSWORD', 'CACHECTL_SENTINEL_PASSWORD', 'FORCE_COLOR']) delete env[name];
  return env;
}

/** @param {string} file */
function tail(file, lines = 6) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * One measured execution of `run`.
 * @param {BenchContext} ctx
 * @param {BenchRun} run
 * @param {{ scenario: string, attempt: number, timeoutMs: number, probe: { start(): { stop(): Promise<import('./probe.js').ProbeResult> } } }} options
 * @returns {Promise<RunResult>}
 */
async function executeOnce(ctx, run, options) {
  const base = `${options.scenario}-${run.id}-${options.attempt}`;
  const stdoutFile = path.join(ctx.workDir, `${base}.out`);
  const stderrFile = path.join(ctx.workDir, `${base}.err`);
  /** @type {RunResult} */
  const result = {
    scenario: options.scenario,
    id: run.id,
    tool: run.tool,
    label: run.label,
    command: displayCommand(run),
    status: 'ok',
    unit: run.unit ?? 'keys',
    notes: [],
  };
  if (run.compareTo !== undefined) result.compareTo = run.compareTo;
  if (run.tool === 'cachectl' && !cachectlBuilt()) {
    return { ...result, status: 'n/a', reason: 'n/a (not built: npm run build)' };
  }

  const argv = run.shell !== undefined ? undefined : run.tool === 'cachectl' ? cachectlArgv(run.argv ?? []) : ['redis-cli', ...(run.argv ?? [])];
  const before = await readServerSnapshot(ctx.admin);
  /** @type {{ stop(): Promise<import('./probe.js').ProbeResult> } | undefined} */
  let probe;
  const measured = await measure({
    ...(argv !== undefined ? { argv } : { shell: /** @type {string} */ (run.shell) }),
    stdoutFile,
    stderrFile,
    cwd: REPO_ROOT,
    env: runEnv(),
    timeoutMs: options.timeoutMs,
    onSpawn: () => (probe = options.probe.start()),
  });
  const probeResult = probe === undefined ? undefined : await probe.stop();
  const after = await readServerSnapshot(ctx.admin);
  const server = diffCommandStats(before.commands, after.commands);
  const stderr = tail(stderrFile, 20);

  Object.assign(result, {
    exitCode: measured.exitCode,
    wallS: measured.wallMs / 1_000,
    serverS: server.usec / 1e6,
    serverCalls: server.calls,
    serverScripts: server.scripts,
    serverCpuS: after.cpuS - before.cpuS,
    serverByCommand: server.byCommand,
    peakRssMb: measured.peakRssKb / 1_024,
    rssMode: measured.rssMode,
    largestMemberMb: measured.largestMemberKb / 1_024,
    largestMember: measured.largestMember,
    processes: measured.processes,
    probe: probeResult,
    stdoutBytes: measured.stdoutBytes,
  });
  const unavailable = run.tool === 'cachectl' ? cachectlUnavailable(measured.exitCode, stderr) : undefined;
  if (measured.timedOut) {
    result.status = 'timeout';
    result.reason = `timeout (killed after ${options.timeoutMs / 1_000} s)`;
  } else if (unavailable !== undefined) {
    result.status = 'n/a';
    result.reason = unavailable;
  } else if (measured.exitCode === null || !(run.okExitCodes ?? [0]).includes(measured.exitCode)) {
    result.status = 'failed';
    result.reason = measured.exitCode === null ? `failed (signal ${measured.signal})` : `failed (exit ${measured.exitCode})`;
    if (stderr !== '') result.notes.push(`stderr: ${stderr.split('\n').slice(-3).join(' | ')}`);
    else if (measured.stdoutBytes > 0) result.notes.push(`stdout: ${tail(stdoutFile, 3).slice(0, 300)}`);
  } else if (stderr !== '' && run.tool === 'cachectl') {
    result.notes.push(`stderr: ${stderr.split('\n').slice(-2).join(' | ').slice(0, 300)}`);
  }
  rmSync(stderrFile, { force: true });
  result.stdoutFile = stdoutFile;
  return result;
}

/**
 * Runs every selected scenario in order.
 * @param {Scenario[]} scenarios
 * @param {BenchContext} ctx
 * @param {{ repeat: number, timeoutMs: number, probe: { start(): { stop(): Promise<import('./probe.js').ProbeResult> } } }} options
 * @returns {Promise<{ results: RunResult[], verification: Record<string, string[]> }>}
 */
export async function runScenarios(scenarios, ctx, options) {
  /** @type {RunResult[]} */
  const results = [];
  /** @type {Record<string, string[]>} */
  const verification = {};
  for (const scenario of scenarios) {
    ctx.state = {};
    ctx.log(`[${scenario.name}] preparing`);
    await scenario.prepare?.(ctx);
    const runs = typeof scenario.runs === 'function' ? scenario.runs(ctx) : scenario.runs;
    /** @type {RunResult[]} */
    const scenarioResults = [];
    for (const run of runs) {
      /** @type {RunResult[]} */
      const attempts = [];
      for (let attempt = 1; attempt <= options.repeat; attempt++) {
        await scenario.beforeRun?.(ctx, run);
        const work = scenario.work !== undefined ? await scenario.work(ctx, run) : await ctx.admin.dbsize();
        ctx.log(`[${scenario.name}] ${run.tool}: ${run.label}${options.repeat > 1 ? ` (${attempt}/${options.repeat})` : ''}`);
        const result = await executeOnce(ctx, run, { scenario: scenario.name, attempt, timeoutMs: options.timeoutMs, probe: options.probe });
        result.work = work;
        if (result.status === 'ok' && result.wallS !== undefined) result.perSecond = work / result.wallS;
        await scenario.afterRun?.(ctx, run, result);
        if (result.stdoutFile !== undefined) rmSync(result.stdoutFile, { force: true });
        delete result.stdoutFile;
        ctx.log(`[${scenario.name}]   ${result.status === 'ok' ? `${result.wallS?.toFixed(2)} s` : result.reason}`);
        attempts.push(result);
        // A missing command stays missing: don't repeat it.
        if (result.status === 'n/a') break;
      }
      scenarioResults.push(median(attempts));
    }
    const notes = await scenario.verify?.(ctx, scenarioResults);
    if (notes) verification[scenario.name] = notes;
    await scenario.cleanup?.(ctx);
    results.push(...scenarioResults);
  }
  return { results, verification };
}

/** The attempt with the median wall time, carrying every attempt's wall time. @param {RunResult[]} attempts */
function median(attempts) {
  if (attempts.length === 1) return /** @type {RunResult} */ (attempts[0]);
  const ok = attempts.filter((a) => a.status === 'ok');
  if (ok.length === 0) return /** @type {RunResult} */ (attempts[attempts.length - 1]);
  const sorted = [...ok].sort((a, b) => (a.wallS ?? 0) - (b.wallS ?? 0));
  const chosen = /** @type {RunResult} */ (sorted[Math.floor((sorted.length - 1) / 2)]);
  return { ...chosen, wallSamplesS: attempts.map((a) => a.wallS ?? NaN) };
}
