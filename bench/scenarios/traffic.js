// What `cachectl traffic` costs the server: MONITOR copies every command to cachectl. The same
// redis-benchmark load (GET and SET, 20 clients) runs once alone and once while `traffic` samples
// with key-miss events on; the details give throughput and p99 of both, and the comparison is the
// benchmark's wall time with sampling over its wall time without. Twice: on the bench's single
// server, and on a 3-master Cluster (redis-benchmark --cluster; traffic samples every master at once).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startBenchCluster } from '../lib/fixtures.js';
import { CACHECTL_BIN } from '../lib/tools.js';

const REQUESTS = 200_000;
const MASTERS = 3;

/**
 * Where the load goes and what traffic samples: the bench server, or the Cluster prepare() started.
 * @typedef {{ benchmarkTarget: string, trafficTarget: string, nodes: () => import('ioredis').Redis[] }} Target
 */

/** @param {import('../lib/runner.js').BenchContext} ctx @param {string} target */
function benchmark(ctx, target) {
  return `redis-benchmark ${target} -q -t get,set -n ${REQUESTS} -c 20 -r 100000 --csv`;
}

/** "test","rps",…,"p99_latency_ms",… rows of redis-benchmark --csv. @param {string} text */
export function parseBenchmarkCsv(text) {
  const lines = text.trim().split('\n').map((line) => line.split(',').map((cell) => cell.replace(/^"|"$/g, '')));
  const header = lines.find((cells) => cells[0] === 'test');
  if (header === undefined) return [];
  const rps = header.indexOf('rps');
  const p99 = header.indexOf('p99_latency_ms');
  return lines.filter((cells) => cells[0] !== 'test' && cells.length === header.length).map((cells) => ({ test: cells[0], rps: Number(cells[rps]), p99Ms: p99 < 0 ? null : Number(cells[p99]) }));
}

/**
 * @param {'single' | 'cluster'} kind
 * @returns {import('../lib/runner.js').Scenario}
 */
function trafficScenarioOn(kind) {
  /** @param {import('../lib/runner.js').BenchContext} ctx @returns {Target} */
  const target = (ctx) => /** @type {Target} */ (ctx.state.target);
  return {
  name: kind === 'single' ? 'traffic' : 'traffic-cluster',
  description: `redis-benchmark (${REQUESTS.toLocaleString('en-US')} GET + SET) alone vs while cachectl traffic samples${kind === 'cluster' ? `, on a ${MASTERS}-master Cluster` : ''}`,
  keyspace: false,
  async prepare(ctx) {
    if (kind === 'single') {
      ctx.state.target = { benchmarkTarget: `-p ${ctx.port}`, trafficTarget: `--url ${ctx.url}`, nodes: () => [ctx.admin] };
      return;
    }
    ctx.log(`[traffic-cluster] starting a ${MASTERS}-master Cluster`);
    const started = await startBenchCluster({ masters: MASTERS, replicasPerMaster: 0 });
    const [host, port] = started.seed.split(':');
    ctx.state.stop = () => started.stop();
    ctx.state.target = { benchmarkTarget: `--cluster -h ${host} -p ${port}`, trafficTarget: `--cluster ${started.seed}`, nodes: () => started.nodes };
  },
  runs(ctx) {
    const out = path.join(ctx.workDir, `${kind}-traffic.json`);
    ctx.state.trafficOut = out;
    const { benchmarkTarget, trafficTarget } = target(ctx);
    return [
      { id: 'alone', tool: 'redis-cli', label: 'redis-benchmark alone', shell: benchmark(ctx, benchmarkTarget) },
      {
        id: 'sampled',
        tool: 'cachectl',
        label: 'redis-benchmark while traffic samples',
        // traffic starts first (its MONITOR must be on before the load), then stops on SIGINT when the load ends.
        shell: `CACHECTL_STATE_DIR='${ctx.workDir}' node '${CACHECTL_BIN}' traffic ${trafficTarget} --duration 2m --enable-miss-events -o json > '${out}' 2>/dev/null & t=$!; sleep 2; ${benchmark(ctx, benchmarkTarget)}; kill -INT $t; wait $t; test $? -eq 130`,
      },
    ];
  },
  async work() {
    return REQUESTS * 2;
  },
  async afterRun(ctx, run, result) {
    if (result.status !== 'ok' || result.stdoutFile === undefined) return;
    const rows = parseBenchmarkCsv(readFileSync(result.stdoutFile, 'utf8'));
    ctx.state[run.id] = rows;
    for (const row of rows) result.notes.push(`${row.test}: ${Math.round(row.rps).toLocaleString('en-US')} requests/s, p99 ${row.p99Ms ?? 'n/a'} ms`);
    if (run.id === 'sampled') {
      const report = JSON.parse(readFileSync(String(ctx.state.trafficOut), 'utf8'));
      const seen = report.totals.ops;
      result.verified = seen >= REQUESTS * 2;
      const peak = Math.max(0, ...report.nodes.map((/** @type {{ peakBufferBytes: number | null }} */ node) => node.peakBufferBytes ?? 0));
      result.notes.push(`traffic saw ${seen.toLocaleString('en-US')} key accesses on ${report.nodes.length} node(s) (the load sent ${(REQUESTS * 2).toLocaleString('en-US')}), peak monitor buffer ${peak} bytes`);
    }
  },
  async verify(ctx) {
    const alone = /** @type {ReturnType<typeof parseBenchmarkCsv> | undefined} */ (ctx.state.alone);
    const sampled = /** @type {ReturnType<typeof parseBenchmarkCsv> | undefined} */ (ctx.state.sampled);
    const flags = await Promise.all(target(ctx).nodes().map(async (node) => /** @type {string[]} */ (await node.call('CONFIG', 'GET', 'notify-keyspace-events'))[1]));
    const left = flags.filter((value) => value !== '');
    const restored = left.length === 0 ? `notify-keyspace-events put back (empty) on ${flags.length} node(s)` : `notify-keyspace-events NOT put back: '${left.join("', '")}'`;
    if (alone === undefined || sampled === undefined) return [restored];
    return [restored, ...alone.map((base) => {
      const other = sampled.find((row) => row.test === base.test);
      if (other === undefined) return `${base.test}: no figure while sampling`;
      return `${base.test}: throughput while sampling ${(other.rps / base.rps).toFixed(2)}× of alone, p99 ${base.p99Ms} → ${other.p99Ms} ms`;
    })];
  },
  async cleanup(ctx) {
    const stop = /** @type {(() => Promise<void>) | undefined} */ (ctx.state.stop);
    await stop?.();
  },
  };
}

export const trafficScenario = trafficScenarioOn('single');
export const trafficClusterScenario = trafficScenarioOn('cluster');
