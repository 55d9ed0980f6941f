#!/usr/bin/env node
// Launcher: all logic lives in dist/cli/main.js. The published package ships dist (`npm pack` builds
// it in prepack); a clone builds it with `npm run build` (npm test does too).
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
