// The test fixtures' private topologies (test/fixtures, TypeScript) for scenarios that need more
// than the bench's single server: loaded through Vite's module runner (Vite comes with vitest), so
// the bench starts a Cluster exactly as the tests do instead of keeping a second way to build one.
import path from 'node:path';
import { registerCleanup } from './cleanup.js';
import { client } from './server.js';
import { REPO_ROOT } from './tools.js';

/** @returns {Promise<typeof import('../../test/fixtures/cluster.js')>} */
export async function loadClusterFixture() {
  const { runnerImport } = await import('vite');
  const { module } = await runnerImport(path.join(REPO_ROOT, 'test/fixtures/cluster.ts'), { configFile: false, logLevel: 'silent' });
  return /** @type {typeof import('../../test/fixtures/cluster.js')} */ (module);
}

/**
 * A Cluster for a scenario: started by the test fixtures, killed on Ctrl-C or a crash, with one
 * client per node (masters first). `stop()` disconnects the clients and stops the nodes.
 * @param {{ masters: number, replicasPerMaster: number }} shape
 */
export async function startBenchCluster(shape) {
  const { startCluster } = await loadClusterFixture();
  const cluster = await startCluster(shape);
  const unregister = registerCleanup({
    kill: () => {
      for (const node of cluster.nodes) {
        try {
          process.kill(node.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    },
    stop: () => cluster.stop(),
  });
  const nodes = cluster.nodes.map((node) => client(node.port));
  const seed = /** @type {{ host: string, port: number }} */ (cluster.seeds[0]);
  return {
    cluster,
    nodes,
    seed: `${seed.host}:${seed.port}`,
    async stop() {
      for (const node of nodes) node.disconnect();
      await cluster.stop();
      unregister();
    },
  };
}
