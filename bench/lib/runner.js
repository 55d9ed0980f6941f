// Executes scenarios: per run, the unmeasured hooks around it, then one measured window holding
// the process, the latency probe and the INFO commandstats delta. A run either names a command
// (spawned and measured by measure.js) or brings its own `execute` (a dashboard in a terminal, a
// CPU window); the window around it is the same. Runs that could not execute (a cachectl command
// not written yet) become "n/a" rows; only a broken harness throws.
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { diffCommandStats, readServersSnapshot } from './commandstats.js';
import { markSlowlog, readSlowCalls } from './slowlog.js';
import { measure } from './measure.js';
import { createProbes, idleProbe } from './probe.js';
import { PROBE_PRIORITY, preemptions, serverPid, setServerPolicy } from './scheduling.js';
import { REPO_ROOT, cachectlArgv, cachectlBuilt, cachectlUnavailable, toolEnv } from './tools.js';

/**
 * What a scenario gets to work with.
 * @typedef {object} BenchContext
 * @property {number} port the bench server (never 6379)
 * @property {string} url redis://127.0.0.1:PORT
 * @property {number} keys the keyspace size asked for (--keys): what scenarios with servers of their own seed
 * @property {import('ioredis').Redis} admin a client for setup and verification (not measured)
 * @property {string} workDir a temp dir for outputs and backups, removed at the end
 * @property {import('./seed.js').SeedResult} [seed] the main keyspace; absent when no selected scenario needs it
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
 * @property {string} [compareTo] id of the run this one is compared with (default: the scenario's first redis-cli run)
 * @property {'wall' | 'peakRss'} [compareBy] what the comparison divides (default wall time)
 * @property {'keys' | 'deletes'} [unit] what the rate column counts (default keys)
 * @property {(ctx: BenchContext, io: ExecuteIo) => Promise<Execution>} [execute] measures the run itself
 *   instead of spawning argv/shell to its exit
 * @property {string} [command] how an `execute` run would be typed, for the details
 * @property {boolean} [onBenchServer] false when the run talks to servers of its own: the bench
 *   server's commandstats delta and the probe then say nothing about it (default true)
 * @property {(ctx: BenchContext) => import('ioredis').Redis[]} [servers] with onBenchServer false: the
 *   servers whose commandstats and main-thread CPU deltas (summed) are the run's server figures
 * @property {boolean} [probeServers] with onBenchServer false: the probe PINGs these servers (each one,
 *   merged) instead of not applying
 * @property {boolean} [fifo] false: the servers keep the normal scheduling policy during this run even
 *   when the bench uses SCHED_FIFO (a latency measured as clients see it); default true
 * @property {'wall' | 'cpu'} [medianBy] which figure picks the median attempt under --repeat (default wall)
 * @property {string} [cachectlBin] bin/cachectl.js of another checkout (--baseline) instead of this one's
 */

/**
 * What an `execute` run is given.
 * @typedef {object} ExecuteIo
 * @property {number} timeoutMs
 * @property {string} stdoutFile
 * @property {string} stderrFile
 * @property {() => void} onSpawn call right after the measured process started (starts the probe)
 */

/**
 * What an `execute` run reports: measure.js's figures, plus its own.
 * @typedef {import('./measure.js').Measurement & {
 *   cpuPercent?: number,
 *   cpuSeconds?: number,
 *   server?: { usec: number, calls: number, scripts: boolean, byCommand: { command: string, calls: number, usec: number }[], cpuS: number },
 *   notes?: string[],
 *   verified?: boolean,
 * }} Execution
 */

/**
 * A benchmark scenario (bench/scenarios/*.js). Only `name`, `description` and `runs` are required.
 * @typedef {object} Scenario
 * @property {string} name
 * @property {string} description
 * @property {(ctx: BenchContext) => Promise<void>} [prepare] once, before the runs
 * @property {BenchRun[] | ((ctx: BenchContext) => BenchRun[])} runs
 * @property {(ctx: BenchContext, run: BenchRun) => Promise<void>} [beforeRun] before every run, not measured
 * @property {boolean} [keyspace] whether it needs the seeded keyspace (default true)
 * @property {(ctx: BenchContext, run: BenchRun) => Promise<number | undefined>} [work] keys a run handles
 *   (default DBSIZE; undefined: no rate)
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
 * @property {import('./slowlog.js').SlowCalls} [slowCalls] calls past SLOW_CALL_US on the run's servers (SLOWLOG)
 * @property {number} [peakRssMb]
 * @property {'process' | 'group-sum'} [rssMode]
 * @property {number} [largestMemberMb]
 * @property {string} [largestMember]
 * @property {number} [processes]
 * @property {import('./probe.js').ProbeResult} [probe]
 * @property {import('./probe.js').ProbeResult} [probeIdle] the same probe with nothing running, 3 s
 *   before the scenario's first run: the noise floor its figures are read against
 * @property {string} [scheduling] the policy the run's servers ran under: 'SCHED_FIFO', 'normal', or
 *   'normal (chrt failed: …)'
 * @property {number} [preemptions] times the servers' main threads were preempted during the run
 *   (nonvoluntary context switches, summed): what SLOWLOG's times may include besides the commands
 * @property {number} [stdoutBytes]
 * @property {string} [stdoutFile] only during afterRun
 * @property {boolean} [verified]
 * @property {string[]} notes
 * @property {number} [cpuPercent] the measured process's CPU time over its window, in % of one core
 * @property {number} [cpuSeconds]
 * @property {string} [summary] the scenario's one-line reading, shown in the comparison column
 * @property {number[]} [loadAtStart] the machine's 1/5/15-minute load average when the run started
 * @property {number[]} [wallSamplesS] with --repeat
 * @property {number[]} [cpuSamplesPercent] with --repeat, for runs with a CPU figure
 * @property {number[]} [probeP99SamplesMs] with --repeat: every attempt's probe p99 (the row shows the median attempt's)
 * @property {string} [compareTo]
 * @property {'wall' | 'peakRss'} [compareBy]
 */

/** @param {string[]} args */
function shellQuote(args) {
  return args.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`)).join(' ');
}

/** @param {BenchRun} run */
function displayCommand(run) {
  if (run.command !== undefined) return run.command;
  if (run.shell !== undefined) return run.shell;
  const argv = run.argv ?? [];
  return run.tool === 'cachectl' ? `node bin/cachectl.js ${shellQuote(argv)}` : `redis-cli ${shellQuote(argv)}`;
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
 * @param {{ scenario: string, attempt: number, timeoutMs: number, probe: import('./probe.js').Probe | undefined, scheduling: import('./scheduling.js').Scheduling }} options
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
  if (run.compareBy !== undefined) result.compareBy = run.compareBy;
  // Other work on the machine is the main source of noise: keep the load next to every figure.
  result.loadAtStart = os.loadavg().map((load) => Math.round(load * 100) / 100);
  if (run.tool === 'cachectl' && run.cachectlBin === undefined && !cachectlBuilt()) {
    return { ...result, status: 'n/a', reason: 'n/a (not built: npm run build)' };
  }

  const onBenchServer = run.onBenchServer ?? true;
  const servers = onBenchServer ? [ctx.admin] : (run.servers?.(ctx) ?? []);
  const policy = await applyPolicy(servers, options.scheduling, run.fifo !== false, options.probe?.pid);
  try {
    Object.assign(result, await measureWindow(ctx, run, { ...options, servers, result, stdoutFile, stderrFile }));
  } finally {
    result.scheduling = policy.restore();
  }
  if (policy.preempted() !== undefined) result.preemptions = policy.preempted();
  return result;
}

/**
 * Puts the run's servers under SCHED_FIFO for its measured window (when the bench uses it and the
 * run does not opt out); `restore()` puts them back and says what they ran under.
 * @param {import('ioredis').Redis[]} servers
 * @param {import('./scheduling.js').Scheduling} scheduling
 * @param {boolean} wanted
 * @param {number | undefined} probePid the process of the probe that watches the run
 */
async function applyPolicy(servers, scheduling, wanted, probePid) {
  const found = servers.length === 0 ? [] : await Promise.all(servers.map(serverPid));
  const pids = found.filter((pid) => pid !== undefined);
  const fifo = scheduling.fifo && wanted;
  const missing = found.length > pids.length ? `${found.length - pids.length} server(s) not a local process` : undefined;
  const failed = fifo ? (missing ?? pids.map((pid) => setServerPolicy(scheduling, pid, true)).find((failure) => failure !== undefined)) : undefined;
  // At the servers' priority the probe no longer queues behind normal processes for a core, yet
  // never preempts a server mid-command.
  const probe = fifo && probePid !== undefined && failed === undefined && pids.length > 0 && setServerPolicy(scheduling, probePid, true, PROBE_PRIORITY) === undefined;
  const before = pids.map(preemptions);
  /** @type {number | undefined} */
  let preempted;
  return {
    restore() {
      const after = pids.map(preemptions);
      preempted = 0;
      for (const [i, n] of after.entries()) {
        const was = before[i];
        if (n === undefined || was === undefined) preempted = undefined;
        else if (preempted !== undefined) preempted += n - was;
      }
      if (missing !== undefined) preempted = undefined;
      if (fifo) for (const pid of pids) setServerPolicy(scheduling, pid, false);
      if (probe && probePid !== undefined) setServerPolicy(scheduling, probePid, false);
      return failed !== undefined ? `normal (chrt failed: ${failed})` : fifo ? 'SCHED_FIFO' : 'normal';
    },
    preempted: () => preempted,
  };
}

/**
 * The measured window: SLOWLOG mark, commandstats before, the process (and the probe), then the deltas.
 * @param {BenchContext} ctx
 * @param {BenchRun} run
 * @param {{ timeoutMs: number, probe: import('./probe.js').Probe | undefined, servers: import('ioredis').Redis[], result: RunResult, stdoutFile: string, stderrFile: string }} options
 * @returns {Promise<RunResult>}
 */
async function measureWindow(ctx, run, { timeoutMs, probe: runProbe, servers, result, stdoutFile, stderrFile }) {
  const slowMarks = servers.length > 0 ? await markSlowlog(servers) : undefined;
  const before = servers.length > 0 ? await readServersSnapshot(servers) : undefined;
  /** @type {{ stop(): Promise<import('./probe.js').ProbeResult> } | undefined} */
  let probe;
  const onSpawn = () => {
    probe = runProbe?.start();
  };
  /** @type {Execution} */
  let measured;
  if (run.execute !== undefined) {
    measured = await run.execute(ctx, { timeoutMs, stdoutFile, stderrFile, onSpawn });
  } else {
    const cachectl = (/** @type {string[]} */ args) => (run.cachectlBin === undefined ? cachectlArgv(args) : [process.execPath, run.cachectlBin, ...args]);
    const argv = run.shell !== undefined ? undefined : run.tool === 'cachectl' ? cachectl(run.argv ?? []) : [ctx.redisCli.path, ...(run.argv ?? [])];
    measured = await measure({
      ...(argv !== undefined ? { argv } : { shell: /** @type {string} */ (run.shell) }),
      stdoutFile,
      stderrFile,
      cwd: REPO_ROOT,
      env: toolEnv({ redisCli: ctx.redisCli.path }),
      timeoutMs,
      onSpawn,
    });
  }
  const probeResult = probe === undefined ? undefined : await probe.stop();
  let server = measured.server;
  if (before !== undefined) {
    const after = await readServersSnapshot(servers);
    server = { ...diffCommandStats(before.commands, after.commands), cpuS: after.cpuS - before.cpuS };
  }
  const slowCalls = slowMarks === undefined ? undefined : await readSlowCalls(servers, slowMarks);
  const stderr = tail(stderrFile, 20);

  Object.assign(result, {
    exitCode: measured.exitCode,
    wallS: measured.wallMs / 1_000,
    ...(server === undefined
      ? {}
      : { serverS: server.usec / 1e6, serverCalls: server.calls, serverScripts: server.scripts, serverCpuS: server.cpuS, serverByCommand: server.byCommand }),
    ...(measured.cpuPercent === undefined ? {} : { cpuPercent: measured.cpuPercent, cpuSeconds: measured.cpuSeconds }),
    ...(slowCalls === undefined ? {} : { slowCalls }),
    peakRssMb: measured.peakRssKb / 1_024,
    rssMode: measured.rssMode,
    largestMemberMb: measured.largestMemberKb / 1_024,
    largestMember: measured.largestMember,
    processes: measured.processes,
    probe: probeResult,
    stdoutBytes: measured.stdoutBytes,
  });
  if (measured.verified !== undefined) result.verified = measured.verified;
  result.notes.push(...(measured.notes ?? []));
  const unavailable = run.tool === 'cachectl' ? cachectlUnavailable(measured.exitCode, stderr) : undefined;
  if (measured.timedOut) {
    result.status = 'timeout';
    result.reason = `timeout (killed after ${timeoutMs / 1_000} s)`;
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
 * With --baseline: every plain cachectl command (argv, no shell or execute) once more from the
 * other checkout, right after this one's, so before/after come from one run on one machine state.
 * @param {BenchRun[]} runs
 * @param {string | undefined} baseline the other checkout's root
 * @returns {BenchRun[]}
 */
export function withBaseline(runs, baseline) {
  if (baseline === undefined) return runs;
  const bin = path.join(path.resolve(baseline), 'bin/cachectl.js');
  return runs.flatMap((run) => {
    if (run.tool !== 'cachectl' || run.argv === undefined || run.shell !== undefined || run.execute !== undefined) return [run];
    return [run, { ...run, id: `${run.id}@baseline`, label: `${run.label} [baseline]`, cachectlBin: bin, command: `node ${bin} ${shellQuote(run.argv)}` }];
  });
}

/**
 * Runs every selected scenario in order.
 * @param {Scenario[]} scenarios
 * @param {BenchContext} ctx
 * @param {{ repeat: number, timeoutMs: number, baseline?: string, probe: import('./probe.js').Probe, scheduling: import('./scheduling.js').Scheduling }} options
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
    const runs = withBaseline(typeof scenario.runs === 'function' ? scenario.runs(ctx) : scenario.runs, options.baseline);
    const probes = await scenarioProbes(ctx, runs, options.probe, options.scheduling);
    /** @type {RunResult[]} */
    const scenarioResults = [];
    for (const run of runs) {
      const probe = probes.of(run);
      /** @type {RunResult[]} */
      const attempts = [];
      for (let attempt = 1; attempt <= options.repeat; attempt++) {
        await scenario.beforeRun?.(ctx, run);
        const work = scenario.work !== undefined ? await scenario.work(ctx, run) : await ctx.admin.dbsize();
        ctx.log(`[${scenario.name}] ${run.tool}: ${run.label}${options.repeat > 1 ? ` (${attempt}/${options.repeat})` : ''}`);
        const result = await executeOnce(ctx, run, { scenario: scenario.name, attempt, timeoutMs: options.timeoutMs, probe: probe?.probe, scheduling: options.scheduling });
        if (probe?.idle !== undefined) result.probeIdle = probe.idle;
        if (work !== undefined) result.work = work;
        if (result.status === 'ok' && result.wallS !== undefined && work !== undefined) result.perSecond = work / result.wallS;
        await scenario.afterRun?.(ctx, run, result);
        if (result.stdoutFile !== undefined) rmSync(result.stdoutFile, { force: true });
        delete result.stdoutFile;
        const figure = result.cpuPercent !== undefined ? `${result.cpuPercent.toFixed(2)}% of one core` : `${result.wallS?.toFixed(2)} s`;
        ctx.log(`[${scenario.name}]   ${result.status === 'ok' ? figure : result.reason}`);
        attempts.push(result);
        // A missing command stays missing: don't repeat it.
        if (result.status === 'n/a') break;
      }
      scenarioResults.push(median(attempts, run.medianBy ?? 'wall'));
    }
    probes.close();
    const notes = await scenario.verify?.(ctx, scenarioResults);
    if (notes) verification[scenario.name] = notes;
    await scenario.cleanup?.(ctx);
    results.push(...scenarioResults);
  }
  return { results, verification };
}

/**
 * Which probe watches each run of a scenario (the bench server's, one over the run's own servers, or
 * none), each with its idle figures measured once before the scenario's first run, under the policy
 * the runs use: a run's p99 is read against the noise of the machine at that time, not only at the
 * start of the whole bench.
 * @param {BenchContext} ctx
 * @param {BenchRun[]} runs
 * @param {import('./probe.js').Probe} benchProbe
 * @param {import('./scheduling.js').Scheduling} scheduling
 */
async function scenarioProbes(ctx, runs, benchProbe, scheduling) {
  /** @param {import('./probe.js').Probe} probe @param {import('ioredis').Redis[]} servers */
  const idle = async (probe, servers) => {
    const policy = await applyPolicy(servers, scheduling, true, probe.pid);
    try {
      return await idleProbe(probe);
    } finally {
      policy.restore();
    }
  };
  /** @type {{ probe: import('./probe.js').Probe, idle: import('./probe.js').ProbeResult } | undefined} */
  let onBench;
  /** @type {Map<string, { probe: import('./probe.js').Probe, idle: import('./probe.js').ProbeResult }>} */
  const own = new Map();
  for (const run of runs) {
    if (run.onBenchServer ?? true) {
      onBench ??= { probe: benchProbe, idle: await idle(benchProbe, [ctx.admin]) };
    } else if (run.probeServers === true) {
      const servers = run.servers?.(ctx) ?? [];
      const ports = servers.map((server) => Number(server.options.port));
      const key = ports.join(',');
      if (ports.length > 0 && !own.has(key)) {
        const probe = await createProbes(ports);
        own.set(key, { probe, idle: await idle(probe, servers) });
      }
    }
  }
  return {
    /** @param {BenchRun} run */
    of(run) {
      if (run.onBenchServer ?? true) return onBench;
      if (run.probeServers !== true) return undefined;
      return own.get((run.servers?.(ctx) ?? []).map((server) => Number(server.options.port)).join(','));
    },
    close() {
      for (const { probe } of own.values()) probe.close();
    },
  };
}

/**
 * The attempt with the median wall time (or CPU share), carrying every attempt's figures.
 * @param {RunResult[]} attempts
 * @param {'wall' | 'cpu'} by
 */
function median(attempts, by) {
  if (attempts.length === 1) return /** @type {RunResult} */ (attempts[0]);
  const ok = attempts.filter((a) => a.status === 'ok');
  if (ok.length === 0) return /** @type {RunResult} */ (attempts[attempts.length - 1]);
  const figure = (/** @type {RunResult} */ a) => (by === 'cpu' ? a.cpuPercent : a.wallS) ?? 0;
  const sorted = [...ok].sort((a, b) => figure(a) - figure(b));
  const chosen = /** @type {RunResult} */ (sorted[Math.floor((sorted.length - 1) / 2)]);
  const samples = { ...chosen, wallSamplesS: attempts.map((a) => a.wallS ?? NaN) };
  if (by === 'cpu') samples.cpuSamplesPercent = attempts.map((a) => a.cpuPercent ?? NaN);
  if (attempts.some((a) => a.probe !== undefined)) samples.probeP99SamplesMs = attempts.map((a) => a.probe?.p99Ms ?? NaN);
  return samples;
}
