// Runs one measured command: a process (or a shell pipeline) in its own process group, stdout and
// stderr to files, wall time from spawn to exit, and peak RSS from /proc/<pid>/status VmHWM polled
// every 20 ms. VmHWM only grows, so the last reading before exit is the peak (up to one poll
// interval late). For a pipeline every member of the tree is tracked.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { registerCleanup } from './cleanup.js';

const POLL_MS = 20;

/**
 * @typedef {object} MeasureOptions
 * @property {string[]} [argv] program and arguments (no shell)
 * @property {string} [shell] a command line for /bin/sh -c (pipelines)
 * @property {string} stdoutFile
 * @property {string} stderrFile
 * @property {string} [cwd]
 * @property {NodeJS.ProcessEnv} [env]
 * @property {number} [timeoutMs]
 * @property {(pid: number) => void} [onSpawn] called right after the process started
 */

/**
 * @typedef {object} Measurement
 * @property {number | null} exitCode
 * @property {string | null} signal
 * @property {boolean} timedOut
 * @property {number} wallMs
 * @property {number} peakRssKb for one process: its VmHWM; for a pipeline: the largest sum of the
 *   members' VmHWM seen at one moment (what the pipeline held together)
 * @property {'process' | 'group-sum'} rssMode
 * @property {number} largestMemberKb the largest single member's VmHWM
 * @property {string} largestMember its name
 * @property {number} processes distinct processes seen
 * @property {number} samples RSS polls taken
 * @property {number} stdoutBytes
 */

/** Peak RSS (VmHWM) and name of a live process. @param {number} pid @returns {{ hwmKb: number, name: string } | undefined} */
export function readStatus(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return undefined;
  }
  const hwm = /^VmHWM:\s+(\d+) kB/m.exec(text);
  const name = /^Name:\s+(.*)$/m.exec(text);
  // Zombies and kernel threads have no VmHWM line.
  if (hwm === null) return undefined;
  return { hwmKb: Number(hwm[1]), name: name?.[1] ?? '?' };
}

/** @type {number | undefined} */
let ticksPerSecond;

/**
 * CPU time (user + system, all threads) a live process has used so far, in seconds: fields 14
 * and 15 of /proc/<pid>/stat in clock ticks (sysconf CLK_TCK, 100 on usual kernels).
 * @param {number} pid
 */
export function cpuSeconds(pid) {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** The pid and all its descendants (children of each process's threads). @param {number} root */
function processTree(root) {
  const pids = [root];
  for (let i = 0; i < pids.length; i++) {
    const pid = /** @type {number} */ (pids[i]);
    let tasks;
    try {
      tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1');
    } catch {
      continue;
    }
    for (const child of tasks.split(' ')) if (child !== '' && child !== '\n') pids.push(Number(child));
  }
  return pids;
}

/**
 * @param {MeasureOptions} options
 * @returns {Promise<Measurement>}
 */
export async function measure(options) {
  if ((options.argv === undefined) === (options.shell === undefined)) throw new Error('measure: pass argv or shell');
  const group = options.shell !== undefined;
  const [file, ...args] = group ? ['/bin/sh', '-c', /** @type {string} */ (options.shell)] : /** @type {string[]} */ (options.argv);
  const stdoutFd = openSync(options.stdoutFile, 'w');
  const stderrFd = openSync(options.stderrFile, 'w');

  /** @type {Map<number, { hwmKb: number, name: string }>} */
  const seen = new Map();
  let peakRssKb = 0;
  let samples = 0;
  let timedOut = false;

  const started = process.hrtime.bigint();
  const child = spawn(/** @type {string} */ (file), args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', stdoutFd, stderrFd],
    // Its own process group: a pipeline can be killed as a whole, and Ctrl-C reaches the bench only.
    detached: true,
  });
  const pid = child.pid;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: process.hrtime.bigint() })));
  const spawnError = new Promise((resolve) => child.once('error', resolve));
  closeSync(stdoutFd);
  closeSync(stderrFd);
  if (pid === undefined) {
    throw /** @type {Error} */ (await spawnError);
  }
  const killGroup = () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const unregister = registerCleanup({ kill: killGroup });
  options.onSpawn?.(pid);

  const poll = () => {
    samples++;
    let sum = 0;
    for (const member of group ? processTree(pid) : [pid]) {
      const status = readStatus(member);
      if (status === undefined) continue;
      sum += status.hwmKb;
      const previous = seen.get(member);
      if (previous === undefined || status.hwmKb > previous.hwmKb) seen.set(member, status);
    }
    if (sum > peakRssKb) peakRssKb = sum;
  };
  poll();
  const poller = setInterval(poll, POLL_MS);
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs);

  const outcome = /** @type {{ code: number | null, signal: string | null, at: bigint }} */ (await exited);
  clearInterval(poller);
  if (timer !== undefined) clearTimeout(timer);
  // A pipeline's stragglers (e.g. an xargs child) must not outlive the measurement.
  if (group) killGroup();
  unregister();

  let largestMemberKb = 0;
  let largestMember = '';
  for (const { hwmKb, name } of seen.values()) {
    if (hwmKb > largestMemberKb) {
      largestMemberKb = hwmKb;
      largestMember = name;
    }
  }
  return {
    exitCode: outcome.code,
    signal: outcome.signal,
    timedOut,
    wallMs: Number(outcome.at - started) / 1e6,
    peakRssKb: group ? peakRssKb : largestMemberKb,
    rssMode: group ? 'group-sum' : 'process',
    largestMemberKb,
    largestMember,
    processes: seen.size,
    samples,
    stdoutBytes: statSync(options.stdoutFile).size,
  };
}
