// Everything the bench starts (its redis-server, the measured process groups, temp dirs) is
// registered here and torn down on a normal end, an exception or Ctrl-C, so no server outlives a run.
import { rmSync } from 'node:fs';

/** @type {Map<number, { kill: () => void, stop: () => Promise<void> }>} */
const resources = new Map();
let nextId = 1;
let installed = false;
let shuttingDown = false;

/**
 * Registers something to tear down. `kill` must be synchronous (it also runs from the 'exit'
 * event); `stop` is the graceful path. Returns a function that unregisters it.
 * @param {{ kill: () => void, stop?: () => Promise<void> }} resource
 */
export function registerCleanup(resource) {
  install();
  const id = nextId++;
  resources.set(id, { kill: resource.kill, stop: resource.stop ?? (async () => resource.kill()) });
  return () => void resources.delete(id);
}

/** A directory removed at the end of the run, whatever happens. @param {string} dir */
export function registerTempDir(dir) {
  return registerCleanup({ kill: () => rmSync(dir, { recursive: true, force: true }) });
}

/** True once Ctrl-C (or SIGTERM) started tearing things down: failures after that are expected. */
export function interrupted() {
  return shuttingDown;
}

/** Stops everything registered, newest first (measured processes before the server they talk to). */
export async function cleanupAll() {
  const entries = [...resources.entries()].reverse();
  resources.clear();
  for (const [, resource] of entries) {
    try {
      await resource.stop();
    } catch {
      resource.kill();
    }
  }
}

function install() {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const resource of [...resources.values()].reverse()) {
      try {
        resource.kill();
      } catch {
        // Best effort while exiting.
      }
    }
  });
  const onSignal = (/** @type {NodeJS.Signals} */ signal) => {
    if (shuttingDown) process.exit(130);
    shuttingDown = true;
    process.stderr.write(`\nbench: ${signal}, stopping the benchmark server…\n`);
    void cleanupAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
