// Deleting a namespace: `cachectl purge` (plain, with --backup, with --rate) against the classic
// `redis-cli --scan --pattern P | xargs redis-cli unlink`. Every run starts from a freshly seeded
// purge target (10% of the keyspace) and is checked afterwards: the target is gone and the rest
// of the keyspace is byte-for-byte what it was (DEBUG DIGEST).
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { PURGE_PATTERN, PURGE_SHARE, seedPurgeTarget } from '../lib/seed.js';

/**
 * @typedef {{ target: number, baseKeys: number, baseDigest: string, backupFile: string, outcomes: string[] }} PurgeState
 */

/** @param {import('../lib/runner.js').BenchContext} ctx */
const state = (ctx) => /** @type {PurgeState} */ (/** @type {unknown} */ (ctx.state));

/** @param {import('ioredis').Redis} redis */
async function digest(redis) {
  return String(await redis.call('DEBUG', 'DIGEST'));
}

/** Keys matching the purge pattern, counted with the harness's own SCAN. @param {import('ioredis').Redis} redis */
async function countTarget(redis) {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', PURGE_PATTERN, 'COUNT', 1000);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}

/** @type {import('../lib/runner.js').Scenario} */
export const purgeScenario = {
  name: 'purge',
  description: `cachectl purge '${PURGE_PATTERN}' (plain, --backup, --rate 20000) vs redis-cli --scan | xargs redis-cli unlink`,
  async prepare(ctx) {
    const s = state(ctx);
    // Scenarios that need the keyspace (the default) always have a seed.
    s.target = Math.round(/** @type {import('../lib/seed.js').SeedResult} */ (ctx.seed).keys * PURGE_SHARE);
    s.baseKeys = await ctx.admin.dbsize();
    s.baseDigest = await digest(ctx.admin);
    s.backupFile = path.join(ctx.workDir, 'purge-backup');
    s.outcomes = [];
  },
  runs(ctx) {
    const base = ['purge', PURGE_PATTERN, '--url', ctx.url, '--yes', '-o', 'json'];
    const port = String(ctx.port);
    const count = ctx.redisCli.countFor.scan ? ' --count 1000' : '';
    return [
      { id: 'cachectl', tool: 'cachectl', label: 'purge --yes', argv: base, unit: 'deletes' },
      { id: 'cachectl-backup', tool: 'cachectl', label: 'purge --yes --backup FILE', argv: [...base, '--backup', state(ctx).backupFile], unit: 'deletes' },
      { id: 'cachectl-rate', tool: 'cachectl', label: 'purge --yes --rate 20000', argv: [...base, '--rate', '20000'], unit: 'deletes' },
      {
        id: 'scan-xargs-unlink',
        tool: 'redis-cli',
        label: `--scan --pattern | xargs -n 1000 unlink${count === '' ? ' (SCAN COUNT 10)' : ''}`,
        shell: `redis-cli -p ${port} --scan${count} --pattern '${PURGE_PATTERN}' | xargs -n 1000 redis-cli -p ${port} unlink`,
        unit: 'deletes',
      },
    ];
  },
  async beforeRun(ctx) {
    const s = state(ctx);
    rmSync(s.backupFile, { recursive: true, force: true });
    const seeded = await seedPurgeTarget({ port: ctx.port, count: s.target });
    const keys = await ctx.admin.dbsize();
    if (keys !== s.baseKeys + s.target) {
      throw new Error(`purge target not seeded as expected: DBSIZE ${keys}, want ${s.baseKeys} + ${s.target}`);
    }
    ctx.log(`[purge]   target re-seeded: ${s.target.toLocaleString('en-US')} keys in ${seeded.seconds.toFixed(2)} s`);
  },
  async work(ctx) {
    return state(ctx).target;
  },
  async afterRun(ctx, run, result) {
    const s = state(ctx);
    if (run.id === 'cachectl-backup' && result.status === 'ok') {
      try {
        const size = statSync(s.backupFile).size;
        result.notes.push(`backup file: ${(size / 2 ** 20).toFixed(1)} MiB`);
      } catch {
        result.notes.push('backup file: not found after the run');
      }
    }
    if (result.status === 'n/a') return;
    const keys = await ctx.admin.dbsize();
    const same = (await digest(ctx.admin)) === s.baseDigest;
    let outcome;
    if (same) {
      result.verified = true;
      outcome = `target empty (${s.target.toLocaleString('en-US')} deleted), rest intact: ${keys.toLocaleString('en-US')} keys, DEBUG DIGEST unchanged`;
    } else {
      result.verified = false;
      const left = await countTarget(ctx.admin);
      const rest = keys - left;
      outcome = `NOT CLEAN: ${left.toLocaleString('en-US')} target keys left; rest ${rest.toLocaleString('en-US')} keys (was ${s.baseKeys.toLocaleString('en-US')})` +
        (rest === s.baseKeys ? ', DEBUG DIGEST differs' : '');
    }
    result.notes.push(outcome);
    s.outcomes.push(`${run.tool} ${run.label}: ${outcome}`);
  },
  async verify(ctx) {
    return state(ctx).outcomes;
  },
  async cleanup(ctx) {
    // Leave the keyspace as the next scenario expects it, even after a failed or n/a run.
    let cursor = '0';
    do {
      const [next, keys] = await ctx.admin.scan(cursor, 'MATCH', PURGE_PATTERN, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await ctx.admin.unlink(...keys);
    } while (cursor !== '0');
    rmSync(state(ctx).backupFile, { recursive: true, force: true });
  },
};
