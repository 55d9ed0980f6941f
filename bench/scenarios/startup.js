// Start-up: how long cachectl takes before it does anything, beside `redis-cli --version` (a C
// binary's start-up, the floor a user compares with). Targets: --help, <cmd> --help|-h, --version and
// completion bash (a shell may run it at every start) ≤ 150 ms; a command's start to the first byte
// it sends to Redis ≤ 250 ms.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { measure } from '../lib/measure.js';
import { REPO_ROOT, cachectlArgv, toolEnv } from '../lib/tools.js';

const HELP_TARGET_MS = 150;
const FIRST_BYTE_TARGET_MS = 250;

/**
 * A command against a listener that records when the first byte arrives and then hangs up:
 * spawn to first byte is the command's own start-up (module loading, flag parsing, connecting),
 * without any Redis work. The command then fails (exit 2), which is expected here.
 * @param {string[]} args the command and its own flags (the URL, --timeout and -o json are added)
 * @returns {NonNullable<import('../lib/runner.js').BenchRun['execute']>}
 */
const measureFirstByte = (args) => async (_ctx, io) => {
  /** @type {number | undefined} */
  let firstByteAt;
  const listener = createServer((socket) => {
    socket.once('data', () => {
      firstByteAt ??= performance.now();
      socket.destroy();
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve) => listener.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = listener.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let spawnedAt = 0;
  try {
    const measured = await measure({
      argv: cachectlArgv([...args, '--url', `redis://127.0.0.1:${port}`, '--timeout', '2s', '-o', 'json']),
      stdoutFile: io.stdoutFile,
      stderrFile: io.stderrFile,
      cwd: REPO_ROOT,
      env: toolEnv(),
      timeoutMs: io.timeoutMs,
      onSpawn: () => {
        spawnedAt = performance.now();
        io.onSpawn();
      },
    });
    if (firstByteAt === undefined) return { ...measured, verified: false, notes: ['no byte ever reached the listener'] };
    const firstByteMs = firstByteAt - spawnedAt;
    return {
      ...measured,
      wallMs: firstByteMs,
      verified: firstByteMs <= FIRST_BYTE_TARGET_MS,
      notes: [`spawn to first byte at the listener ${firstByteMs.toFixed(0)} ms (target ≤ ${FIRST_BYTE_TARGET_MS} ms); the process ran ${measured.wallMs.toFixed(0)} ms in all`],
    };
  } finally {
    listener.close();
  }
};

/**
 * One first-byte run per command: each loads its own module and what it needs before connecting.
 * @param {string} id
 * @param {string[]} args
 * @returns {import('../lib/runner.js').BenchRun}
 */
const firstByteRun = (id, args) => ({
  id,
  tool: 'cachectl',
  label: `${args[0]}: spawn to first byte sent`,
  command: `cachectl ${args.join(' ')} --url redis://127.0.0.1:PORT (a listener that hangs up at the first byte)`,
  execute: measureFirstByte(args),
  okExitCodes: [2],
  onBenchServer: false,
});

/**
 * CPU time (user + system) of one more run of the command, from bash's `times`. On a machine other
 * work keeps busy, wall time mostly measures waiting for a core; CPU time is what start-up costs.
 * @param {string[]} command program and arguments
 */
export function cpuMs(command) {
  const result = spawnSync('bash', ['-c', '"$@" >/dev/null 2>&1; times', 'bash', ...command], { cwd: REPO_ROOT, env: toolEnv(), encoding: 'utf8' });
  // `times` prints the shell's own user/system line, then its children's: "0m0.086s 0m0.021s".
  const children = result.stdout.trim().split('\n')[1] ?? '';
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((match) => Number(match[1]) * 60 + Number(match[2]));
  return seconds.length === 2 ? (seconds[0] + seconds[1]) * 1_000 : undefined;
}

/** @type {import('../lib/runner.js').Scenario} */
export const startupScenario = {
  name: 'startup',
  description: `cachectl start-up (--help, keys --help, purge -h, --version, completion bash ≤ ${HELP_TARGET_MS} ms; first byte to Redis ≤ ${FIRST_BYTE_TARGET_MS} ms) vs redis-cli --version`,
  keyspace: false,
  work: async () => undefined,
  runs: () => [
    { id: 'redis-cli-version', tool: 'redis-cli', label: 'redis-cli --version', argv: ['--version'], onBenchServer: false },
    // Node's own start-up, the floor under every cachectl figure (shown so a loaded machine is visible).
    { id: 'node-floor', tool: 'redis-cli', label: 'node -e 0 (Node start-up)', shell: `'${process.execPath}' -e 0`, compareTo: 'redis-cli-version', onBenchServer: false },
    // NODE_EXTRA_CA_CERTS makes Node 20 read and parse that certificate file at every start, before
    // any JavaScript runs (about 45 ms of CPU for Debian's bundle on the 2-core machine): a floor of
    // the environment, not of cachectl. Shown beside the floor when it is set.
    ...(process.env.NODE_EXTRA_CA_CERTS === undefined
      ? []
      : [{ id: 'node-floor-bare', tool: /** @type {const} */ ('redis-cli'), label: 'node -e 0, NODE_EXTRA_CA_CERTS unset', shell: `env -u NODE_EXTRA_CA_CERTS '${process.execPath}' -e 0`, compareTo: 'redis-cli-version', onBenchServer: false }]),
    { id: 'version', tool: 'cachectl', label: '--version', argv: ['--version'], onBenchServer: false },
    { id: 'help', tool: 'cachectl', label: '--help', argv: ['--help'], onBenchServer: false },
    { id: 'keys-help', tool: 'cachectl', label: 'keys --help', argv: ['keys', '--help'], onBenchServer: false },
    // The command whose module is the heaviest (the slowest help when help loaded the command).
    { id: 'purge-help', tool: 'cachectl', label: 'purge -h', argv: ['purge', '-h'], onBenchServer: false },
    { id: 'completion', tool: 'cachectl', label: 'completion bash', argv: ['completion', 'bash'], onBenchServer: false },
    firstByteRun('first-byte', ['keys']),
    firstByteRun('first-byte-nodes', ['nodes']),
    firstByteRun('first-byte-audit-ttl', ['audit-ttl']),
    firstByteRun('first-byte-memory', ['memory']),
  ],
  async afterRun(ctx, run, result) {
    if (run.id.startsWith('first-byte') || result.wallS === undefined) return;
    const command =
      run.shell !== undefined ? ['sh', '-c', run.shell] : run.tool === 'redis-cli' ? [ctx.redisCli.path, ...(run.argv ?? [])] : run.cachectlBin !== undefined ? [process.execPath, run.cachectlBin, ...(run.argv ?? [])] : cachectlArgv(run.argv ?? []);
    const cpu = cpuMs(command);
    if (cpu !== undefined) result.notes.push(`CPU (user + system) of one more run: ${cpu.toFixed(0)} ms`);
    if (run.tool !== 'cachectl') return;
    result.verified = result.wallS * 1_000 <= HELP_TARGET_MS;
    result.notes.push(`${(result.wallS * 1_000).toFixed(0)} ms spawn to exit (target ≤ ${HELP_TARGET_MS} ms)`);
  },
};
