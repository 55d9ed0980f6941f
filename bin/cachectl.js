#!/usr/bin/env node
// Launcher: all logic lives in dist/cli/main.js. The published package ships dist (`npm pack` builds
// it in prepack); a clone builds it with `npm run build` (npm test does too), or on its first run.
import { existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
// `cachectl --version` alone needs no module of ours: answered here, at Node's own start-up cost.
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const root = new URL('..', import.meta.url).pathname;
  let built = false;
  /** Imports a module of dist/cli; a clone that was never built is built first (once). */
  const load = async (name) => {
    const file = new URL(`../dist/cli/${name}`, import.meta.url);
    try {
      return await import(file.href);
    } catch (error) {
      if (built || error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes(file.pathname)) throw error;
    }
    const main = new URL('../dist/cli/main.js', import.meta.url);
    // A clone after `npm ci` (sources and the build tools present): build once, then run. A package
    // without them (an installed one is always built) gets the fix instead.
    if (!existsSync(new URL('../src/cli/main.ts', import.meta.url)) || !existsSync(new URL('../node_modules/typescript/package.json', import.meta.url))) {
      process.stderr.write(`error: cachectl is not built (no ${main.pathname}) — run npm run build in ${root}\n`);
      process.exit(2);
    }
    process.stderr.write(`cachectl: building ${root}dist first (npm run build; once per clone)…\n`);
    // Loaded only here: child_process costs every other run start-up time.
    const { spawnSync } = await import('node:child_process');
    // npm's own output goes to stderr: stdout stays the command's (JSON in CI).
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 2, 2] });
    if (build.status !== 0) {
      process.stderr.write(`error: the build failed (npm run build in ${root} exited ${build.status ?? build.signal}) — run it there to see why\n`);
      process.exit(2);
    }
    built = true;
    return import(file.href);
  };
  // `cachectl completion bash|zsh|fish|--context-names` (a shell runs them at every start and TAB)
  // and the help (`--help`, `<command …> --help|-h`, `help [command]`) are answered from specs
  // written at build time, without commander or any command module; anything else, and any
  // argument these cannot place, goes through the full CLI.
  let answered = false;
  if (args[0] === 'help' || args.at(-1) === '--help' || args.at(-1) === '-h') answered = (await load('help-quick.js')).answerHelp(args);
  else if (args.length === 2 && args[0] === 'completion') answered = await (await load('completion-quick.js')).answerCompletion(args[1]);
  if (!answered) process.exitCode = await (await load('main.js')).run(process.argv);
}
