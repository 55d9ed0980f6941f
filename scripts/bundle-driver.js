// Build step (npm run build, after tsc): bundles the installed ioredis and its dependencies into one
// CommonJS file, dist/vendor/ioredis.cjs, and writes the V8 code cache for it beside it
// (src/connection/bundled-driver.ts loads both). One file compiled from a cache instead of about 45
// resolved, read and compiled one by one is most of what a command spends before its first byte.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'rolldown';

// npm runs the build at the package root (this file's own path may be a link into another checkout).
const root = process.cwd();
const require = createRequire(path.join(root, 'package.json'));
const entry = require.resolve('ioredis');
const output = path.join(root, 'dist', 'vendor', 'ioredis.cjs');
const manifest = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8'));

/** Every package the bundle holds, for its header (they keep their licences: MIT). */
const bundled = new Set();
await build({
  input: entry,
  platform: 'node',
  logLevel: 'warn',
  plugins: [
    {
      name: 'record-packages',
      load(id) {
        const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(id);
        if (match !== null) bundled.add(match[1]);
        return null;
      },
    },
  ],
  output: {
    file: output,
    format: 'cjs',
    exports: 'auto',
    banner: () =>
      `/* ${manifest.name} ${manifest.version} and its dependencies (${[...bundled].filter((name) => name !== manifest.name).sort().join(', ')}), bundled by scripts/bundle-driver.js. Each is MIT licensed: see its package. */`,
  },
});

const { writeCodeCache } = await import(pathToFileURL(path.join(root, 'dist', 'connection', 'bundled-driver.js')).href);
// A client built (not connected) compiles the constructor and option handling a connection runs first.
const bytes = writeCodeCache(output, (exports) => {
  const { Redis } = /** @type {typeof import('ioredis')} */ (exports);
  new Redis({ lazyConnect: true, enableOfflineQueue: false }).disconnect();
});
process.stderr.write(`bundle-driver: ${path.relative(root, output)} (${bundled.size} packages) and its code cache (${Math.round(bytes / 1024)} KiB)\n`);
