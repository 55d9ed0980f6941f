// A throwaway redis-server for the bench: a free loopback port (never 6379), no persistence,
// its own temp dir; stopped at the end of the run, on Ctrl-C and on a crash.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { registerCleanup } from './cleanup.js';

export const LOOPBACK = '127.0.0.1';
/** Someone else's Redis lives here: never bind, connect to or benchmark it. */
export const RESERVED_PORT = 6379;

/** @returns {Promise<number>} a loopback port that was free a moment ago, never 6379 */
export async function freePort() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(0));
      server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => {
        const address = server.address();
        const bound = typeof address === 'object' && address !== null ? address.port : 0;
        server.close(() => resolve(bound));
      });
    });
    if (port !== 0 && port !== RESERVED_PORT) return port;
  }
  throw new Error('no free loopback port found');
}

/**
 * An ioredis client that fails fast instead of reconnecting. The caller disconnects it.
 * @param {number} port
 * @param {Partial<import('ioredis').RedisOptions>} [extra]
 */
export function client(port, extra = {}) {
  if (port === RESERVED_PORT) throw new Error('refusing to connect to port 6379');
  const redis = new Redis({ host: LOOPBACK, port, protocol: 2, maxRetriesPerRequest: 0, retryStrategy: () => null, ...extra });
  redis.on('error', () => {});
  return redis;
}

/**
 * @typedef {object} BenchServer
 * @property {number} port
 * @property {number} pid
 * @property {string} dir
 * @property {string} url redis://127.0.0.1:PORT
 * @property {() => Promise<void>} stop
 */

/** @returns {Promise<BenchServer>} */
export async function startServer() {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await startOnPort(port);
    } catch (error) {
      if (!(error instanceof AddressInUse) || attempt >= 5) throw error;
    }
  }
}

class AddressInUse extends Error {}

/** @param {number} port @returns {Promise<BenchServer>} */
async function startOnPort(port) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-bench-redis-'));
  const args = [
    '--bind', LOOPBACK,
    '--port', String(port),
    '--daemonize', 'no',
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--shutdown-on-sigterm', 'nosave now',
    // DEBUG DIGEST lets the purge scenario prove the rest of the keyspace is untouched.
    '--enable-debug-command', 'local',
    '--loglevel', 'warning',
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keepLog = (/** @type {Buffer} */ chunk) => {
    log = (log + chunk.toString('utf8')).slice(-16_384);
  };
  child.stdout.on('data', keepLog);
  child.stderr.on('data', keepLog);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => {
      const code = /** @type {NodeJS.ErrnoException} */ (error).code;
      reject(code === 'ENOENT' ? new Error('redis-server is not on PATH (apt-get install redis-server)') : error);
    });
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  let stopping = /** @type {Promise<void> | undefined} */ (undefined);
  const kill = () => {
    if (alive()) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const stop = () => {
    stopping ??= (async () => {
      if (alive()) {
        child.kill('SIGTERM');
        const done = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
        if (!done && alive()) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      unregister();
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  const unregister = registerCleanup({ kill, stop });

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (!alive()) {
      unregister();
      rmSync(dir, { recursive: true, force: true });
      if (/Address already in use/i.test(log)) throw new AddressInUse(log);
      throw new Error(`redis-server exited before answering PING:\n${log}`);
    }
    const probe = client(port, { lazyConnect: true, connectTimeout: 500 });
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') break;
    } catch {
      // Not listening yet.
    } finally {
      probe.disconnect();
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server on port ${port} did not answer PING within 15 s:\n${log}`);
    }
    await sleep(20);
  }
  return { port, pid: /** @type {number} */ (child.pid), dir, url: `redis://${LOOPBACK}:${port}`, stop };
}
