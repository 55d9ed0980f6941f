// Build step (npm run build, after tsc): bundles the installed ioredis and its dependencies into one
// CommonJS file, dist/vendor/ioredis.cjs, and writes the V8 code cache for it beside it
// (src/connection/bundled-driver.ts loads both). One file compiled from a cache instead of about 45
// resolved, read and compiled one by one is most of what a command spends before its first byte.
import { readdirSync, readFileSync } from 'node:fs';
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

/** Every package the bundle holds (name → its folder), for the licences in its header. */
const bundled = new Map();
await build({
  input: entry,
  platform: 'node',
  logLevel: 'warn',
  plugins: [
    {
      name: 'record-packages',
      load(id) {
        const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(id);
        if (match !== null) bundled.set(match[2], match[1]);
        return null;
      },
    },
  ],
  output: {
    file: output,
    format: 'cjs',
    exports: 'auto',
    // Redistributed code keeps its licences (MIT and Apache-2.0): each package's own text, in full.
    banner: () => `/*\n${manifest.name} ${manifest.version} and the packages it requires, bundled by cachectl's scripts/bundle-driver.js.\n\n${[...bundled].sort(([a], [b]) => a.localeCompare(b)).map(([name, dir]) => licenceOf(name, dir)).join('\n\n')}\n*/`,
  },
});

/**
 * A package's name, version, licence and its licence text.
 * @param {string} name
 * @param {string} dir
 */
function licenceOf(name, dir) {
  const { version, license } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir).find((entry) => /^(licen[cs]e|copying)(\.md|\.txt)?$/i.test(entry));
  if (file === undefined) throw new Error(`bundle-driver: ${name} has no licence file to keep beside its code`);
  return `${name} ${version} (${license}):\n\n${readFileSync(path.join(dir, file), 'utf8').replaceAll('*/', '* /').trim()}`;
}

const { writeCodeCache } = await import(pathToFileURL(path.join(root, 'dist', 'connection', 'bundled-driver.js')).href);
// A client built (not connected) compiles the constructor and option handling a connection runs first.
const bytes = writeCodeCache(output, (exports) => {
  const { Redis } = /** @type {typeof import('ioredis')} */ (exports);
  new Redis({ lazyConnect: true, enableOfflineQueue: false }).disconnect();
});
process.stderr.write(`bundle-driver: ${path.relative(root, output)} (${bundled.size} packages) and its code cache (${Math.round(bytes / 1024)} KiB)\n`);
