// The test fixtures' private topologies (test/fixtures, TypeScript) for scenarios that need more
// than the bench's single server: loaded through Vite's module runner (Vite comes with vitest), so
// the bench starts a Cluster exactly as the tests do instead of keeping a second way to build one.
import path from 'node:path';
import { REPO_ROOT } from './tools.js';

/** @returns {Promise<typeof import('../../test/fixtures/cluster.js')>} */
export async function loadClusterFixture() {
  const { runnerImport } = await import('vite');
  const { module } = await runnerImport(path.join(REPO_ROOT, 'test/fixtures/cluster.ts'), { configFile: false, logLevel: 'silent' });
  return /** @type {typeof import('../../test/fixtures/cluster.js')} */ (module);
}
