// A 3-master Cluster holding the same keyspace (--keys, default 1M): cachectl walks every master at
// once (--concurrency), while redis-cli has no Cluster mode for --memkeys, --scan or a purge, so its
// best way is one run per master, one after another. Server figures are the three masters' deltas,
// summed. The probe PINGs the three masters (every round trip merged, each master's p99 in the details).
import { createReadStream } from 'node:fs';
import { openClusterPipe } from '../lib/cluster-seed.js';
import { startBenchCluster } from '../lib/fixtures.js';
import { KEYS_WITH_NEWLINE, PURGE_PATTERN, PURGE_SHARE, seedKeyspace, seedPurgeTarget } from '../lib/seed.js';

const MASTERS = 3;

/**
 * @typedef {{ stop: () => Promise<void>, nodes: import('ioredis').Redis[], seed: string, ports: number[], keys: number, target: number }} ClusterState
 */

/** @param {import('../lib/runner.js').BenchContext} ctx */
const state = (ctx) => /** @type {ClusterState} */ (/** @type {unknown} */ (ctx.state));

/** @param {ClusterState} s */
async function clusterKeys(s) {
  let sum = 0;
  for (const node of s.nodes) sum += await node.dbsize();
  return sum;
}

/** Lines in a file, counted without loading it. @param {string} file */
async function countLines(file) {
  let lines = 0;
  for await (const chunk of createReadStream(file)) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

/** One redis-cli command per master, one after another; a failure on any master fails the run. @param {number[]} ports @param {string} each */
const perMaster = (ports, each) => `for p in ${ports.join(' ')}; do ${each} || exit 1; done`;

/** @type {import('../lib/runner.js').Scenario} */
export const clusterScenario = {
  name: 'cluster',
  description: `a ${MASTERS}-master Cluster: cachectl keys / audit-ttl / purge vs redis-cli run per master, one after another`,
  keyspace: false,
  async prepare(ctx) {
    ctx.log(`[cluster] starting a ${MASTERS}-master Cluster`);
    const started = await startBenchCluster({ masters: MASTERS, replicasPerMaster: 0 });
    const s = state(ctx);
    Object.assign(s, started, { ports: started.cluster.nodes.map((node) => node.port) });
    s.keys = ctx.keys;
    s.target = Math.round(ctx.keys * PURGE_SHARE);
    ctx.log(`[cluster] seeding ${ctx.keys.toLocaleString('en-US')} keys over ${MASTERS} masters`);
    const seeded = await seedKeyspace({ keys: ctx.keys, open: () => openClusterPipe(/** @type {import('ioredis').Redis} */ (s.nodes[0])) });
    const total = await clusterKeys(s);
    if (total !== ctx.keys) throw new Error(`cluster seeding wrote ${total} keys, expected ${ctx.keys}`);
    ctx.log(`[cluster] seeded in ${seeded.seconds.toFixed(2)} s (${(await Promise.all(s.nodes.map((node) => node.dbsize()))).join(' + ')} keys)`);
  },
  runs(ctx) {
    const s = state(ctx);
    const seed = ['--cluster', s.seed];
    const count = ctx.redisCli.countFor.scan ? ' --count 1000' : '';
    const memkeysCount = ctx.redisCli.countFor.memkeys ? ' --count 1000' : '';
    const servers = () => s.nodes;
    /** @type {Partial<import('../lib/runner.js').BenchRun>} */
    const common = { onBenchServer: false, servers, probeServers: true };
    return [
      { ...common, id: 'cachectl-keys', tool: 'cachectl', label: 'keys -o json (type+TTL+memory)', argv: ['keys', ...seed, '-o', 'json'], compareTo: 'memkeys' },
      { ...common, id: 'cachectl-audit', tool: 'cachectl', label: 'audit-ttl -o json', argv: ['audit-ttl', ...seed, '-o', 'json'], okExitCodes: [0, 1], compareTo: 'scan' },
      { ...common, id: 'cachectl-purge', tool: 'cachectl', label: `purge '${PURGE_PATTERN}' --yes`, argv: ['purge', PURGE_PATTERN, ...seed, '--yes', '-o', 'json'], unit: 'deletes', compareTo: 'purge-pipe' },
      { ...common, id: 'memkeys', tool: 'redis-cli', label: `--memkeys${memkeysCount} per master`, shell: perMaster(s.ports, `redis-cli -p $p --memkeys${memkeysCount}`) },
      { ...common, id: 'scan', tool: 'redis-cli', label: `--scan${count} per master (listing only)`, shell: perMaster(s.ports, `redis-cli -p $p --scan${count}`) },
      {
        ...common,
        id: 'purge-pipe',
        tool: 'redis-cli',
        // Multi-key UNLINK fails across slots (CROSSSLOT) in a Cluster: one UNLINK per key, pipelined.
        label: `--scan --pattern | UNLINK per key via --pipe, per master`,
        shell: perMaster(s.ports, `redis-cli -p $p --scan${count} --pattern '${PURGE_PATTERN}' | sed 's/^/UNLINK /' | redis-cli -p $p --pipe >/dev/null`),
        unit: 'deletes',
      },
    ].map((run) => /** @type {import('../lib/runner.js').BenchRun} */ (run));
  },
  async beforeRun(ctx, run) {
    if (run.unit !== 'deletes') return;
    const s = state(ctx);
    await seedPurgeTarget({ count: s.target, open: () => openClusterPipe(/** @type {import('ioredis').Redis} */ (s.nodes[0])) });
    const total = await clusterKeys(s);
    if (total !== s.keys + s.target) throw new Error(`cluster purge target not seeded as expected: ${total} keys, want ${s.keys} + ${s.target}`);
  },
  async work(ctx, run) {
    const s = state(ctx);
    return run.unit === 'deletes' ? s.target : clusterKeys(s);
  },
  async afterRun(ctx, run, result) {
    const s = state(ctx);
    if (run.unit === 'deletes') {
      const left = (await clusterKeys(s)) - s.keys;
      result.verified = result.status === 'ok' && left === 0;
      result.notes.push(`${left.toLocaleString('en-US')} of ${s.target.toLocaleString('en-US')} target keys left afterwards`);
      if (left > 0) {
        // Leave the keyspace as the next run expects it.
        for (const node of s.nodes) {
          let cursor = '0';
          do {
            const [next, keys] = await node.scan(cursor, 'MATCH', PURGE_PATTERN, 'COUNT', 1000);
            cursor = next;
            for (const key of keys) await node.unlink(key);
          } while (cursor !== '0');
        }
      }
      return;
    }
    if (run.tool !== 'redis-cli' || result.status !== 'ok' || result.stdoutFile === undefined) return;
    if (run.id === 'scan') {
      const listed = (await countLines(result.stdoutFile)) - KEYS_WITH_NEWLINE;
      result.verified = listed >= (result.work ?? 0);
      result.notes.push(`listed ${listed.toLocaleString('en-US')} keys over ${MASTERS} masters (SCAN may repeat a key)`);
    } else {
      const { readFileSync } = await import('node:fs');
      const sampled = [...readFileSync(result.stdoutFile, 'utf8').matchAll(/Sampled (\d+) keys in the keyspace/g)].reduce((sum, match) => sum + Number(match[1]), 0);
      result.verified = sampled === result.work;
      result.notes.push(`redis-cli sampled ${sampled.toLocaleString('en-US')} of ${result.work?.toLocaleString('en-US')} keys over ${MASTERS} runs`);
    }
  },
  async cleanup(ctx) {
    await state(ctx).stop?.();
  },
};
