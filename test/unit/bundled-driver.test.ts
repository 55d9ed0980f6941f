// The build's bundle of the Redis driver and its code cache: the cache is used only with the bundle
// it was written for, and a missing or foreign cache still loads the bundle.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBundle, writeCodeCache } from '../../src/connection/bundled-driver.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CommonJS file shaped like the bundle: requires a builtin, exports through module.exports. */
function writeBundle(name: string, body = ''): string {
  const file = path.join(dir, name);
  writeFileSync(file, `"use strict";\nconst { EventEmitter } = require('node:events');\nclass Client extends EventEmitter { ping() { return 'PONG' + ${JSON.stringify(body)}; } }\nmodule.exports = { Client, file: __filename, dir: __dirname };\n`);
  return file;
}

describe('loadBundle', () => {
  it('is undefined without a bundle (the sources run the installed driver)', () => {
    expect(loadBundle(path.join(dir, 'missing.cjs'))).toBeUndefined();
  });

  it('loads a bundle like a CommonJS module, without a cache', () => {
    const file = writeBundle('plain.cjs');
    const loaded = loadBundle(file) as { exports: { Client: new () => { ping(): string }; file: string; dir: string }; cache: string };
    expect(loaded.cache).toBe('absent');
    expect(new loaded.exports.Client().ping()).toBe('PONG');
    expect(loaded.exports.file).toBe(file);
    expect(loaded.exports.dir).toBe(dir);
  });

  it('uses the cache the build wrote for it, after the exercise ran', () => {
    const file = writeBundle('cached.cjs');
    let exercised = false;
    const bytes = writeCodeCache(file, (exports) => {
      exercised = new (exports as { Client: new () => { ping(): string } }).Client().ping() === 'PONG';
    });
    expect(exercised).toBe(true);
    expect(bytes).toBeGreaterThan(0);
    const loaded = loadBundle(file)!;
    expect(loaded.cache).toBe('used');
    expect(new (loaded.exports as { Client: new () => { ping(): string } }).Client().ping()).toBe('PONG');
  });

  it('never offers a cache to another build of the bundle, even one of the same length', () => {
    const first = writeBundle('first.cjs', 'a');
    writeCodeCache(first, () => {});
    // Another build: same length, other code, its own build id; then the first build's cache beside it.
    const second = writeBundle('second.cjs', 'b');
    writeCodeCache(second, () => {});
    copyFileSync(`${first}.v8cache`, `${second}.v8cache`);
    const loaded = loadBundle(second)!;
    expect(loaded.cache).toBe('other-build');
    expect(new (loaded.exports as { Client: new () => { ping(): string } }).Client().ping()).toBe('PONGb');
  });
});
