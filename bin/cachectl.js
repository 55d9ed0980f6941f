#!/usr/bin/env node
// Launcher: all logic lives in dist/cli/main.js. The published package ships dist (`npm pack` builds
// it in prepack); a clone builds it with `npm run build` (npm test does too), or on its first run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
// `cachectl --version` alone needs no module of ours: answered here, at Node's own start-up cost.
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const main = new URL('../dist/cli/main.js', import.meta.url);
  const root = new URL('..', import.meta.url).pathname;
  const load = async () => (await import(main.href)).run;
  let run;
  try {
    run = await load();
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes(main.pathname)) throw error;
    // A clone after `npm ci` (sources and the build tools present): build once, then run. A package
    // without them (an installed one is always built) gets the fix instead.
    if (!existsSync(new URL('../src/cli/main.ts', import.meta.url)) || !existsSync(new URL('../node_modules/typescript/package.json', import.meta.url))) {
      process.stderr.write(`error: cachectl is not built (no ${main.pathname}) — run npm run build in ${root}\n`);
      process.exit(2);
    }
    process.stderr.write(`cachectl: building ${root}dist first (npm run build; once per clone)…\n`);
    // npm's own output goes to stderr: stdout stays the command's (JSON in CI).
    const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 2, 2] });
    if (built.status !== 0) {
      process.stderr.write(`error: the build failed (npm run build in ${root} exited ${built.status ?? built.signal}) — run it there to see why\n`);
      process.exit(2);
    }
    run = await load();
  }
  process.exitCode = await run(process.argv);
}
