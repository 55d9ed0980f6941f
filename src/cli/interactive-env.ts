// Set up the process for an ink dashboard, just before its modules are first imported.

/**
 * React's development build keeps diffs of every render for its profiling tracks and checks
 * every render: several times the CPU and a heap that grows with every snapshot. A user running
 * the CLI wants the production build unless they asked otherwise.
 *
 * ink draws only the last frame when it believes it runs under CI (CI, CI_* or
 * CONTINUOUS_INTEGRATION in the environment, read when ink is imported). The commands call this
 * only after checking that stdin and stdout are terminals, so a person is watching: CI=0 tells
 * ink to draw live.
 */
export function prepareInteractiveEnv(env: NodeJS.ProcessEnv = process.env): void {
  env.NODE_ENV ??= 'production';
  env.CI = '0';
}
