import { defineConfig } from 'vitest/config';

// What the server matrix runs on each non-default server (.ci/run, CACHECTL_TEST_SERVER=name):
// every topology for keys, audit-ttl, purge/restore, memory, top, nodes and the preview, plus the
// server-specific tests. The whole suite runs on the default server.
const MATRIX_FILES = [
  'test/integration/fixtures.test.ts',
  'test/integration/servers-*.test.ts',
  'test/e2e/keys.test.ts',
  'test/integration/audit-ttl.test.ts',
  'test/e2e/audit-ttl.test.ts',
  'test/integration/purge.test.ts',
  'test/integration/restore.test.ts',
  'test/e2e/purge.test.ts',
  'test/integration/memory-report.test.ts',
  'test/e2e/memory.test.ts',
  'test/integration/dashboard-model.test.ts',
  'test/e2e/top.test.ts',
  'test/e2e/nodes.test.ts',
  'test/integration/preview.test.ts',
];

const REDIS_PROJECT = {
  environment: 'node' as const,
  globalSetup: ['test/fixtures/global-setup.ts'],
  fileParallelism: false,
  testTimeout: 60_000,
  hookTimeout: 120_000,
};

// Two projects: fast pure-function tests, and tests against real redis-server
// processes started once per run by test/fixtures/global-setup.ts. Files of the
// second project run one at a time because they share those servers and flush them.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/tui/**/*.test.tsx'],
          environment: 'node',
          // ink draws only the last frame when it believes it runs under CI (read when it is imported);
          // the TUI tests watch live frames, as a person at a terminal does (the CLI sets the same, see
          // src/cli/interactive-env.ts), so a CI=true run must not change what they see.
          env: { CI: '0' },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/integration/**/*.test.tsx', 'test/e2e/**/*.test.ts'],
          ...REDIS_PROJECT,
        },
      },
      // Not part of a plain `vitest run`: .ci/run selects it with --project matrix once per server.
      {
        test: {
          name: 'matrix',
          include: process.env.CACHECTL_TEST_SERVER === undefined ? [] : MATRIX_FILES,
          ...REDIS_PROJECT,
        },
      },
    ],
  },
});
