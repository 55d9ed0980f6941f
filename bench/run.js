// `npm run bench`: starts a throwaway redis-server, seeds a realistic keyspace, runs each scenario's
// cachectl and redis-cli commands against the same data, and prints one comparison table.
// Exits 0 whatever the figures are; non-zero only when the harness itself breaks.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { USAGE, UsageError, parseArgs } from './lib/args.js';
import { cleanupAll, interrupted, registerCleanup, registerTempDir } from './lib/cleanup.js';
import { describeMachine } from './lib/machine.js';
import { createProbe, idleProbe } from './lib/probe.js';
import { renderReport, serverCpuUsPerKey } from './lib/report.js';
import { chooseScheduling } from './lib/scheduling.js';
import { runScenarios } from './lib/runner.js';
import { seedKeyspace } from './lib/seed.js';
import { client, startServer } from './lib/server.js';
import { detectRedisCli } from './lib/tools.js';
import { scenarios as allScenarios } from './scenarios/index.js';

const log = (/** @type {string} */ message) => void process.stderr.write(`bench: ${message}\n`);

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options.list) {
    for (const s of allScenarios) process.stdout.write(`${s.name.padEnd(12)} ${s.description}\n`);
    return 0;
  }
  const unknown = (options.only ?? []).filter((name) => !allScenarios.some((s) => s.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown scenario ${unknown.join(', ')}; known: ${allScenarios.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  if (options.baseline !== undefined && !existsSync(path.join(options.baseline, 'dist/cli/main.js'))) {
    process.stderr.write(`bench: --baseline ${options.baseline}: no built cachectl there (run npm run build in it)\n`);
    return 2;
  }
  const selected = options.only === undefined ? allScenarios : allScenarios.filter((s) => options.only?.includes(s.name));

  const workDir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-bench-'));
  registerTempDir(workDir);
  const server = await startServer();
  log(`redis-server pid ${server.pid} on ${server.url}`);
  let scheduling;
  try {
    scheduling = chooseScheduling(options.fifo, server.pid);
  } catch (error) {
    process.stderr.write(`bench: ${/** @type {Error} */ (error).message}\n`);
    return 2;
  }
  log(scheduling.line);
  // Tried against the empty server: what this redis-cli's --count really works with.
  const redisCli = detectRedisCli({ port: server.port, ...(options.redisCli === undefined ? {} : { requested: options.redisCli }) });
  log(`redis-cli: ${redisCli.path} (${redisCli.version}, found via ${redisCli.found}); --count works with ${Object.entries(redisCli.countFor).filter(([, works]) => works).map(([mode]) => `--${mode}`).join(', ') || 'nothing'}`);
  const admin = client(server.port);
  registerCleanup({ kill: () => admin.disconnect() });
  const probe = await createProbe(server.port);
  registerCleanup({ kill: () => probe.close() });
  const machine = await describeMachine(admin, redisCli.version);

  // `--only top` needs no keyspace: a million keys are not seeded for nothing.
  let seed;
  let usedMemory = '?';
  if (selected.some((s) => s.keyspace !== false)) {
    log(`seeding ${options.keys.toLocaleString('en-US')} keys`);
    seed = await seedKeyspace({ port: server.port, keys: options.keys });
    const dbsize = await admin.dbsize();
    if (dbsize !== options.keys) throw new Error(`seeding wrote ${dbsize} keys, expected ${options.keys}`);
    usedMemory = /^used_memory_human:(.*)$/m.exec(await admin.info('memory'))?.[1]?.trim() ?? '?';
    log(`seeded in ${seed.seconds.toFixed(2)} s, used_memory ${usedMemory}`);
  }

  // The probe's round trips with nothing else running: what its figures mean on this machine now.
  const probeBaseline = await idleProbe(probe);
  log(`probe idle baseline p50/p99/max ${probeBaseline.p50Ms.toFixed(2)} / ${probeBaseline.p99Ms.toFixed(2)} / ${probeBaseline.maxMs.toFixed(2)} ms`);

  /** @type {import('./lib/runner.js').BenchContext} */
  const ctx = { port: server.port, url: server.url, keys: options.keys, admin, workDir, ...(seed === undefined ? {} : { seed }), redisCli, log, state: {} };
  const outcome = await runScenarios(selected, ctx, { repeat: options.repeat, timeoutMs: options.timeoutMs, probe, scheduling, ...(options.baseline === undefined ? {} : { baseline: options.baseline }) });

  // The load is read again at the end: scenarios run for minutes, and others may share the machine.
  const loadAfter = os.loadavg().map((load) => Math.round(load * 100) / 100);
  const probeBaselineAfter = await idleProbe(probe);
  process.stdout.write(renderReport({ machine, loadAfter, seed, usedMemory, redisCli, scheduling: scheduling.line, probeBaseline: [probeBaseline, probeBaselineAfter], ...outcome }));
  if (options.json !== undefined) {
    const file = path.resolve(options.json);
    const raw = { machine, loadAfter, options, seed: seed === undefined ? null : { ...seed, usedMemory }, redisCli, scheduling: { fifo: scheduling.fifo, chrt: scheduling.chrt, line: scheduling.line }, probeBaseline: [probeBaseline, probeBaselineAfter], ...outcome, results: outcome.results.map((row) => ({ ...row, serverCpuUsPerKey: serverCpuUsPerKey(row) ?? null })), finishedAt: new Date().toISOString() };
    writeFileSync(file, `${JSON.stringify(raw, null, 2)}\n`);
    log(`raw results written to ${file}`);
  }
  return 0;
}

let exitCode;
try {
  exitCode = await main();
} catch (error) {
  // After Ctrl-C the server is going away under the running scenario: that is not a failure to report.
  if (interrupted()) {
    exitCode = 130;
  } else {
    process.stderr.write(`bench: harness failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    exitCode = 2;
  }
} finally {
  await cleanupAll();
}
process.exitCode = exitCode;
