// Peak memory of `cachectl browse` against `cachectl keys` on the same large keyspace: a throwaway
// redis-server is filled with DEBUG POPULATE, `keys` runs to the end, `browse` runs in a tmux
// terminal until its footer says the scan is complete. Peak RSS is read from /proc (VmHWM), so
// this runs on Linux with redis-server and tmux on PATH. Run `npm run build` first.
//
//   node bench/browse-memory.mjs [keys=1000000]

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const total = Number(process.argv[2] ?? 1_000_000);
const cli = path.resolve('bin/cachectl.js');
const socket = `cachectl-bench-${process.pid}`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Peak resident memory of a process so far, in MiB. */
function peakRss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

async function redis(port, ...args) {
  return execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** Runs `cachectl keys` to the end, sampling its peak RSS until it exits. */
async function measureKeys(port) {
  const child = spawn(process.execPath, [cli, 'keys', '-p', String(port), '-o', 'json'], { stdio: ['ignore', 'ignore', 'inherit'] });
  let peak = 0;
  let done = false;
  child.on('exit', () => (done = true));
  const started = Date.now();
  while (!done) {
    try {
      peak = Math.max(peak, peakRss(child.pid));
    } catch {
      // exited between the check and the read
    }
    await sleep(20);
  }
  return { peak, seconds: (Date.now() - started) / 1000 };
}

/** Runs `cachectl browse` in tmux until the scan is complete; its peak RSS then. */
async function measureBrowse(port) {
  const tmux = (...args) => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  tmux('new-session', '-d', '-s', 'bench', '-x', '120', '-y', '30', process.execPath, cli, 'browse', '-p', String(port), '--readonly');
  const pid = Number(tmux('display-message', '-p', '-t', 'bench', '#{pane_pid}').trim());
  const started = Date.now();
  let footer = '';
  try {
    for (;;) {
      const screen = tmux('capture-pane', '-p', '-t', 'bench');
      footer = screen.split('\n').find((line) => line.startsWith('scan complete')) ?? '';
      if (footer !== '') break;
      if (Date.now() - started > 600_000) throw new Error(`browse did not finish:\n${screen}`);
      await sleep(200);
    }
    return { peak: peakRss(pid), seconds: (Date.now() - started) / 1000, footer };
  } finally {
    tmux('kill-server');
  }
}

const port = await freePort();
const dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-bench-'));
const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--enable-debug-command', 'local'], { stdio: 'ignore' });
try {
  for (let i = 0; i < 50; i += 1) {
    try {
      if ((await redis(port, 'PING')) === 'PONG') break;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  // Most keys in a few big namespaces, the rest spread over 200 small ones.
  const big = Math.floor((total * 0.8) / 4);
  for (let i = 1; i <= 4; i += 1) await redis(port, 'DEBUG', 'POPULATE', String(big), `app:v2:user${i}`, '40');
  const small = Math.floor((total - big * 4) / 200);
  for (let i = 1; i <= 200; i += 1) await redis(port, 'DEBUG', 'POPULATE', String(small), `svc${i}:cache`, '20');
  const dbsize = Number(await redis(port, 'DBSIZE'));

  const keys = await measureKeys(port);
  const browse = await measureBrowse(port);
  console.log(`keyspace: ${dbsize.toLocaleString('en-US')} keys`);
  console.log(`cachectl keys   peak RSS ${keys.peak.toFixed(0)} MiB (${keys.seconds.toFixed(1)}s)`);
  console.log(`cachectl browse peak RSS ${browse.peak.toFixed(0)} MiB (scan done after ${browse.seconds.toFixed(1)}s: ${browse.footer.trim()})`);
} finally {
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
