// The CPU scheduling policy the bench's redis-servers run under while a run is measured. SLOWLOG
// times a call's wall time on the server, so on a busy 2-core machine a server preempted mid-command
// logs the wait too (a Cluster purge logged 32 ms calls that take under 1 ms alone). Under
// SCHED_FIFO the server's main thread is never preempted by normal processes, and SLOWLOG shows the
// commands' own time. Only the main thread (it runs the commands), and only during a measured run:
// seeding and setup stay under the normal policy. The kernel's RT throttling
// (kernel.sched_rt_runtime_us, 95% of each second by default) still leaves the other processes a
// share of each core; see bench/README.md, "Scheduling".
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const FIFO_PRIORITY = 10;
/**
 * The probe's process during a run. Under the normal policy, a FIFO server busy on one core and the
 * measured client on the other leave the probe waiting for a core, and its p99 measures that wait
 * instead of the server's answer (seen: 85–123 ms during a Cluster `--pipe` purge that is 16 ms with
 * every process under the normal policy). Equal to the servers': it never preempts one mid-command.
 */
export const PROBE_PRIORITY = FIFO_PRIORITY;

/**
 * @typedef {{ fifo: boolean, chrt: string[], line: string }} Scheduling
 *   fifo: the servers run under SCHED_FIFO during runs; chrt: how to call chrt (maybe through sudo -n);
 *   line: what the report says about it
 */

/** @param {string[]} chrt @param {string[]} args */
function run(chrt, args) {
  execFileSync(/** @type {string} */ (chrt[0]), [...chrt.slice(1), ...args], { stdio: 'pipe', timeout: 5_000 });
}

/** @param {unknown} error */
const firstLine = (error) => String(/** @type {Error} */ (error).message ?? error).split('\n')[0];

/**
 * Decides the policy: `want` 'off' keeps the normal one; 'auto' uses SCHED_FIFO when chrt can set it
 * on `pid` (a bench server) directly or through `sudo -n` (no password), else says why not; 'on'
 * insists, and throws when it cannot.
 * @param {'auto' | 'on' | 'off'} want
 * @param {number} pid
 * @returns {Scheduling}
 */
export function chooseScheduling(want, pid) {
  const normal = 'normal policy: SLOWLOG times include waits for a core (preemption by other processes)';
  if (want === 'off') return { fifo: false, chrt: [], line: `servers: ${normal} (--no-fifo)` };
  /** @type {string[]} */
  const failures = [];
  for (const chrt of [['chrt'], ['sudo', '-n', 'chrt']]) {
    try {
      run(chrt, ['-f', '-p', String(FIFO_PRIORITY), String(pid)]);
      run(chrt, ['-o', '-p', '0', String(pid)]);
      return { fifo: true, chrt, line: `servers: main thread under SCHED_FIFO ${FIFO_PRIORITY} (${chrt.join(' ')} -f -R) during each measured run, the probe's process too; normal policy for seeding and setup: SLOWLOG shows the commands' own time` };
    } catch (error) {
      failures.push(`${chrt.join(' ')}: ${firstLine(error)}`);
    }
  }
  if (want === 'on') throw new Error(`--fifo: cannot set SCHED_FIFO (${failures.join('; ')}); run as root or with CAP_SYS_NICE, or drop --fifo`);
  return { fifo: false, chrt: [], line: `servers: ${normal} — SCHED_FIFO unavailable (${failures.join('; ')}); run as root or with CAP_SYS_NICE for the commands' own time` };
}

/**
 * Puts a server's main thread under SCHED_FIFO (on) or back to the normal policy; returns why it
 * failed, or undefined.
 * @param {Scheduling} scheduling
 * @param {number} pid
 * @param {boolean} on
 * @param {number} [priority]
 * @returns {string | undefined}
 */
export function setServerPolicy(scheduling, pid, on, priority = FIFO_PRIORITY) {
  try {
    // Reset on fork: whatever a raised process starts runs under the normal policy again.
    run(scheduling.chrt, on ? ['-f', '-R', '-p', String(priority), String(pid)] : ['-o', '-p', '0', String(pid)]);
    return undefined;
  } catch (error) {
    return firstLine(error);
  }
}

/** @type {WeakMap<import('ioredis').Redis, Promise<number | undefined>>} */
const pids = new WeakMap();

/**
 * A server's process id on this machine, from INFO server, asked once per client; undefined unless
 * that process is a redis-server serving this port (a server in a container reports its own
 * namespace's pid, which here may be any other process: it must never be re-prioritised).
 * @param {import('ioredis').Redis} server
 */
export function serverPid(server) {
  let pid = pids.get(server);
  if (pid === undefined) {
    pid = server.info('server').then((text) => {
      const id = Number(/^process_id:(\d+)/m.exec(text)?.[1]);
      return isServerProcess(id, Number(server.options.port)) ? id : undefined;
    });
    pids.set(server, pid);
  }
  return pid;
}

/** Whether `pid` is a local redis-server on `port` (its process title names the address). @param {number} pid @param {number} port */
export function isServerProcess(pid, port) {
  if (!(pid > 0)) return false;
  try {
    const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return /redis-server/.test(title) && title.includes(`:${port}`);
  } catch {
    return false;
  }
}

/**
 * How often the kernel has taken the CPU from a process's main thread against its will
 * (nonvoluntary_ctxt_switches): under SCHED_FIFO only higher-priority real-time work or RT throttling
 * does, so a delta near 0 says SLOWLOG saw no preemption. Undefined where /proc cannot tell.
 * @param {number} pid
 */
export function preemptions(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
    const match = /^nonvoluntary_ctxt_switches:\s*(\d+)/m.exec(status);
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}
