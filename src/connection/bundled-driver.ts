// ioredis as the build bundles it: one CommonJS file (dist/vendor/ioredis.cjs) compiled with the V8
// code cache the build wrote beside it. Requiring the installed ioredis resolves, reads and compiles
// about 45 files, and that was most of a command's start-up before its first byte to Redis.
// Without the bundle (the sources run under vitest, or a build that skipped it) the installed
// ioredis is used as before.

import { randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/** The bundle, relative to this module (dist/connection/ → dist/vendor/). */
export const BUNDLE_FILE = fileURLToPath(new URL('../vendor/ioredis.cjs', import.meta.url));

/** The bundle's last line names its build; its code cache starts with the same line. */
const BUILD_MARK = '//# cachectl-build ';

/**
 * The code cache belongs to one build of the bundle: its first line names it, so a cache is never
 * offered with another bundle of the same length (V8 checks the source only by its length; it
 * checks its own version and flags itself and rejects a cache from another Node). A build id, not
 * a hash of the bundle: hashing 370 KB at every start would cost a good part of what the cache saves.
 */
function cacheHeader(bundle: Buffer): Buffer | undefined {
  const mark = bundle.lastIndexOf(BUILD_MARK);
  if (mark < 0) return undefined;
  return Buffer.from(`${bundle.subarray(mark + BUILD_MARK.length).toString('latin1').trim()}\n`);
}

interface Compiled {
  script: vm.Script;
  exports: unknown;
}

function compile(file: string, source: string, cachedData: Buffer | undefined): Compiled {
  // The same wrapper and arguments Node gives a CommonJS module.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, ...(cachedData === undefined ? {} : { cachedData }) });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return { script, exports: module.exports };
}

/** The bundled ioredis, or undefined when there is no bundle. */
export function loadBundledDriver(): unknown {
  return loadBundle(BUNDLE_FILE)?.exports;
}

/** How a bundle was compiled: from its cache, or without one (none, another build's, or one V8 refused). */
export type CacheUse = 'used' | 'absent' | 'other-build' | 'rejected';

/** Loads a bundle written by the build (its exports), or undefined when there is none. */
export function loadBundle(file: string): { exports: unknown; cache: CacheUse } | undefined {
  let bundle: Buffer;
  try {
    bundle = readFileSync(file);
  } catch {
    return undefined;
  }
  let cache: Buffer | undefined;
  try {
    cache = readFileSync(`${file}.v8cache`);
  } catch {
    // No cache: V8 compiles the bundle as it would any module.
  }
  const header = cacheHeader(bundle);
  const matches = cache !== undefined && header !== undefined && cache.subarray(0, header.length).equals(header);
  const { script, exports } = compile(file, bundle.toString('utf8'), matches ? cache!.subarray(header!.length) : undefined);
  return { exports, cache: cache === undefined ? 'absent' : !matches ? 'other-build' : script.cachedDataRejected === true ? 'rejected' : 'used' };
}

/**
 * Build step, once the bundle is written: marks it with a new build id, compiles it, runs
 * `exercise` on its exports (so the functions a connection needs first are compiled too, not only
 * the top level) and writes the code cache beside it. Returns the cache's size in bytes.
 */
export function writeCodeCache(file: string, exercise: (exports: unknown) => void): number {
  appendFileSync(file, `\n${BUILD_MARK}${randomUUID()}\n`);
  const bundle = readFileSync(file);
  const { script, exports } = compile(file, bundle.toString('utf8'), undefined);
  exercise(exports);
  const data = script.createCachedData();
  writeFileSync(`${file}.v8cache`, Buffer.concat([cacheHeader(bundle)!, data]));
  return data.length;
}
