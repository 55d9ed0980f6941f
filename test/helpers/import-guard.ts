// A Node loader hook for spawned CLIs that refuses some modules: a run that imports one fails with
// "<label>: <specifier or URL>" on stderr. Pass the result to NODE_OPTIONS as --import=<path>.
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes the hook into `dir` and returns the file to --import. `refuse` is a JavaScript expression
 * over `specifier` and `url` (the resolved URL) that is true for a module to refuse.
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
  writeFileSync(register, `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
  return register;
}
