// What `cachectl traffic` costs the server: MONITOR copies every command to cachectl. The same
// redis-benchmark load (GET and SET, 20 clients) runs once alone and once while `traffic` samples
// with key-miss events on; the details give throughput and p99 of both, and the comparison is the
// benchmark's wall time with sampling over its wall time without.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CACHECTL_BIN } from '../lib/tools.js';

const REQUESTS = 200_000;

/** @param {import('../lib/runner.js').BenchContext} ctx */
function benchmark(ctx) {
  return `redis-benchmark -p ${ctx.port} -q -t get,set -n ${REQUESTS} -c 20 -r 100000 --csv`;
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

/** @type {import('../lib/runner.js').Scenario} */
export const trafficScenario = {
  name: 'traffic',
  description: `redis-benchmark (${REQUESTS.toLocaleString('en-US')} GET + SET) alone vs while cachectl traffic samples`,
  keyspace: false,
  runs(ctx) {
    const out = path.join(ctx.workDir, 'traffic.json');
    ctx.state.trafficOut = out;
    return [
      { id: 'alone', tool: 'redis-cli', label: 'redis-benchmark alone', shell: benchmark(ctx) },
      {
        id: 'sampled',
        tool: 'cachectl',
        label: 'redis-benchmark while traffic samples',
        // traffic starts first (its MONITOR must be on before the load), then stops on SIGINT when the load ends.
        shell: `CACHECTL_STATE_DIR='${ctx.workDir}' node '${CACHECTL_BIN}' traffic --url ${ctx.url} --duration 2m --enable-miss-events -o json > '${out}' 2>/dev/null & t=$!; sleep 2; ${benchmark(ctx)}; kill -INT $t; wait $t; test $? -eq 130`,
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
      result.notes.push(`traffic saw ${seen.toLocaleString('en-US')} key accesses (the load sent ${(REQUESTS * 2).toLocaleString('en-US')}), peak monitor buffer ${report.nodes[0]?.peakBufferBytes ?? 'n/a'} bytes`);
    }
  },
  async verify(ctx) {
    const alone = /** @type {ReturnType<typeof parseBenchmarkCsv> | undefined} */ (ctx.state.alone);
    const sampled = /** @type {ReturnType<typeof parseBenchmarkCsv> | undefined} */ (ctx.state.sampled);
    const flags = /** @type {string[]} */ (await ctx.admin.call('CONFIG', 'GET', 'notify-keyspace-events'))[1];
    const restored = flags === '' ? 'notify-keyspace-events put back (empty)' : `notify-keyspace-events NOT put back: '${flags}'`;
    if (alone === undefined || sampled === undefined) return [restored];
    return [restored, ...alone.map((base) => {
      const other = sampled.find((row) => row.test === base.test);
      if (other === undefined) return `${base.test}: no figure while sampling`;
      return `${base.test}: throughput while sampling ${(other.rps / base.rps).toFixed(2)}× of alone, p99 ${base.p99Ms} → ${other.p99Ms} ms`;
    })];
  },
};
