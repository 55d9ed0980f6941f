// Runs bench/top-cpu.bench.ts through vitest only for its TypeScript transform (it starts the
// test fixtures' cluster); not part of `npm test`. `npm run bench:top`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['bench/top-cpu.bench.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
