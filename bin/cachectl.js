#!/usr/bin/env node
// Launcher: all logic lives in dist/cli/main.js. The published package ships dist (`npm pack` builds
// it in prepack); a clone builds it with `npm run build` (npm test does too).
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
// `cachectl --version` alone needs no module of ours: answered here, at Node's own start-up cost.
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const main = new URL('../dist/cli/main.js', import.meta.url);
  let run;
  try {
    ({ run } = await import(main.href));
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes(main.pathname)) throw error;
    process.stderr.write(`error: cachectl is not built (no ${main.pathname}) — run npm run build in ${new URL('..', import.meta.url).pathname}\n`);
    process.exit(2);
  }
  process.exitCode = await run(process.argv);
}
