// A detached terminal for measuring a dashboard the way a user runs it: a private tmux server
// (its socket in the run's temp dir, no config file) with one pane whose process is the measured program itself (`exec`),
// kept after the program exits so its exit status can be read; torn down at the end of the run,
// on an exception and on Ctrl-C.
import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { registerCleanup } from './cleanup.js';

const run = promisify(execFile);
let terminals = 0;

/** @param {string} arg */
const shellWord = (arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`);

/**
 * @typedef {object} Terminal
 * @property {number} pid the program's pid (the pane's process)
 * @property {() => Promise<string>} screen the visible text, one line per row
 * @property {(...keys: string[]) => Promise<void>} sendKeys
 * @property {() => Promise<{ dead: boolean, status: number | null }>} state dead once the exit status is known
 * @property {(ms: number) => Promise<number | null>} waitForExit the exit status, or null if still running after ms
 * @property {() => Promise<void>} close kills the tmux server (and the program if it is still running)
 */

/**
 * @param {{ argv: string[], columns: number, rows: number, env: NodeJS.ProcessEnv, cwd: string, dir: string }} options
 *   dir: where the server's socket goes (tmux leaves it behind after kill-server)
 * @returns {Terminal}
 */
export function startTerminal({ argv, columns, rows, env, cwd, dir }) {
  const socket = path.join(dir, `tmux-${++terminals}.sock`);
  const argsFor = (/** @type {string[]} */ args) => ['-S', socket, '-f', '/dev/null', ...args];
  const tmux = (/** @type {string[]} */ ...args) => execFileSync('tmux', argsFor(args), { encoding: 'utf8', env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  // While a run is measured the bench's event loop also times the probe's PINGs: no blocking calls then.
  const tmuxAsync = async (/** @type {string[]} */ ...args) => (await run('tmux', argsFor(args), { encoding: 'utf8', env, cwd })).stdout;
  const close = () => {
    try {
      tmux('kill-server');
    } catch {
      // Already gone.
    }
    rmSync(socket, { force: true });
  };
  const unregister = registerCleanup({ kill: close });
  // remain-on-exit is set before the pane starts, so even an instant crash leaves its status.
  tmux('start-server', ';', 'set-option', '-g', 'remain-on-exit', 'on', ';',
    'new-session', '-d', '-s', 'bench', '-x', String(columns), '-y', String(rows), `exec ${argv.map(shellWord).join(' ')}`);
  const serverPid = Number(tmux('display-message', '-p', '#{pid}').trim());
  // tmux marks the pane dead when its terminal closes, which may come before it has reaped the
  // process: until the exit status (or the signal) is known, the program counts as running. tmux
  // can also miss the SIGCHLD altogether (libutempter swaps its handler around pane creation) and
  // leave the program a zombie: a SIGCHLD of our own makes it reap.
  const state = async () => {
    const [dead, status = '', signal = ''] = (await tmuxAsync('display-message', '-p', '-t', 'bench', '#{pane_dead};#{pane_dead_status};#{pane_dead_signal}')).trim().split(';');
    if (dead === '1' && status === '' && signal === '') process.kill(serverPid, 'SIGCHLD');
    if (dead !== '1' || (status === '' && signal === '')) return { dead: false, status: null };
    // A signal is reported the way a shell does: 128 + its number.
    return { dead: true, status: status !== '' ? Number(status) : 128 + Number(signal) };
  };
  return {
    pid: Number(tmux('display-message', '-p', '-t', 'bench', '#{pane_pid}').trim()),
    screen: () => tmuxAsync('capture-pane', '-p', '-t', 'bench'),
    sendKeys: async (...keys) => void (await tmuxAsync('send-keys', '-t', 'bench', ...keys)),
    state,
    async waitForExit(ms) {
      const deadline = Date.now() + ms;
      for (;;) {
        const now = await state();
        if (now.dead) return now.status;
        if (Date.now() > deadline) return null;
        await sleep(50);
      }
    },
    async close() {
      try {
        await tmuxAsync('kill-server');
      } catch {
        // Already gone.
      }
      rmSync(socket, { force: true });
      unregister();
    },
  };
}

/**
 * measure.js's figures for a program that ran in a terminal: one process, no stdout of its own.
 * @param {{ exitCode: number | null, wallMs: number, peakRssKb: number, samples?: number, timedOut?: boolean }} figures
 * @returns {import('./measure.js').Measurement}
 */
export function terminalMeasurement({ exitCode, wallMs, peakRssKb, samples = 1, timedOut = false }) {
  return {
    exitCode,
    signal: null,
    timedOut,
    wallMs,
    peakRssKb,
    rssMode: 'process',
    largestMemberKb: peakRssKb,
    largestMember: 'node',
    processes: 1,
    samples,
    stdoutBytes: 0,
  };
}
