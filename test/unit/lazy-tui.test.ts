// Convention 10: commands that draw no TUI never load ink or React. Walks the static imports from
// the CLI's entry point (dynamic `await import()` is where the TUI may come in) and checks that no
// module reachable that way imports a UI package.

import { readdirSync, readFileSync } from 'node:fs';
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
  it('no module statically reachable from the CLI entry or from a command imports ink or React', () => {
    const commands = readdirSync('src/cli/commands').filter((name) => name.endsWith('.ts'));
    expect(commands).toContain('browse.ts');
    for (const entry of ['src/cli/main.ts', ...commands.map((name) => path.join('src/cli/commands', name))]) {
      const { files, packages } = staticGraph(entry);
      // The walk really follows imports (a broken walk would pass vacuously).
      if (path.basename(entry) === 'bigkeys.ts') expect([...files].some((file) => file.endsWith(path.join('scan', 'scan.ts')))).toBe(true);
      const ui = [...packages].filter(([name]) => /^(ink|ink-.*|react|react\/.*)$/.test(name));
      expect(ui, entry).toEqual([]);
    }
  });

  it('the CLI entry loads no command and none of ioredis, chalk or cli-table3 up front (fast --help)', () => {
    const { files, packages } = staticGraph('src/cli/main.ts');
    expect(packages.has('commander')).toBe(true);
    expect([...files].filter((file) => file.includes(`${path.sep}commands${path.sep}`))).toEqual([]);
    expect([...packages.keys()].filter((name) => ['ioredis', 'chalk', 'cli-table3', 'ink', 'react'].includes(name))).toEqual([]);
  });

  it('keys defines its flags without the scan, report and table code (fast keys --help; loaded once connected)', () => {
    const { files, packages } = staticGraph('src/cli/commands/keys.ts');
    expect([...files].filter((file) => file.includes(`${path.sep}core${path.sep}`))).toEqual([]);
    expect([...packages.keys()].filter((name) => ['ioredis', 'chalk', 'cli-table3'].includes(name))).toEqual([]);
  });

  it('the explorer itself does use ink (so the check above is about laziness, not absence)', () => {
    const { packages } = staticGraph('src/tui/browse/run.tsx');
    expect(packages.has('ink')).toBe(true);
  });
});
