// Convention 10: commands that draw no TUI never load ink or React. Walks the static imports from
// the CLI's entry point (dynamic `await import()` is where the TUI may come in) and checks that no
// module reachable that way imports a UI package.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

function staticGraph(entry: string): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(STATIC_IMPORT)) {
      const specifier = match[1]!;
      if (specifier.startsWith('.')) {
        const base = path.resolve(path.dirname(file), specifier).replace(/\.js$/, '');
        const candidates = [`${base}.ts`, `${base}.tsx`];
        const found = candidates.find((candidate) => {
          try {
            readFileSync(candidate);
            return true;
          } catch {
            return false;
          }
        });
        if (found !== undefined) visit(found);
      } else if (!packages.has(specifier)) {
        packages.set(specifier, path.relative(process.cwd(), file));
      }
    }
  };
  visit(path.resolve(entry));
  return { files, packages };
}

describe('lazy TUI loading', () => {
  it('no module statically reachable from the CLI entry imports ink or React', () => {
    const { files, packages } = staticGraph('src/cli/main.ts');
    // The walk really follows the commands (a broken walk would pass vacuously).
    expect([...files].some((file) => file.endsWith(path.join('commands', 'browse.ts')))).toBe(true);
    expect(packages.has('commander')).toBe(true);
    const ui = [...packages].filter(([name]) => /^(ink|ink-.*|react|react\/.*)$/.test(name));
    expect(ui).toEqual([]);
  });

  it('the explorer itself does use ink (so the check above is about laziness, not absence)', () => {
    const { packages } = staticGraph('src/tui/browse/run.tsx');
    expect(packages.has('ink')).toBe(true);
  });
});
