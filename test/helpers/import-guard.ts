// A Node loader hook for spawned CLIs that refuses some modules: a run that imports one fails with
// "<label>: <specifier or URL>" on stderr. Pass the result to NODE_OPTIONS as --import=<path>.
// It sees ES imports (a resolve hook) and require() too (Node 20's hooks do not: cachectl loads its
// CommonJS dependencies, ioredis, cli-table3 and chalk on demand, through createRequire).
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes the hook into `dir` and returns the file to --import. `refuse` is a JavaScript expression
 * over `specifier` and `url` (the resolved URL; a builtin's is its name) that is true for a module to refuse.
 */
export function importGuard(dir: string, refuse: string, label: string): string {
  writeFileSync(
    path.join(dir, 'hooks.mjs'),
    `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const url = resolved.url;
  if (${refuse}) throw new Error(${JSON.stringify(`${label}: `)} + specifier);
  return resolved;
}\n`,
  );
  const register = path.join(dir, 'register.mjs');
  writeFileSync(
    register,
    `import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
register('./hooks.mjs', import.meta.url);
const Module = createRequire(import.meta.url)('node:module');
const load = Module._load;
Module._load = function (specifier, parent, isMain) {
  const url = Module.isBuiltin(specifier) ? specifier : pathToFileURL(Module._resolveFilename(specifier, parent, isMain)).href;
  if (${refuse}) throw new Error(${JSON.stringify(`${label}: `)} + specifier);
  return load.apply(this, arguments);
};\n`,
  );
  return register;
}
