// An experiment, not part of cachectl: runs cachectl's scan engine (from dist/) over one server with
// each per-key read path ('script', 'lean', 'pipeline') and prints, per path, the wall time, the
// client's CPU time and the server main thread's CPU time per key.
//
//   node bench/experiments/read-paths.js PORT keys|bigkeys|audit [PATH...] [--repeat N] [--count N --target µs]
//
// Under callgrind the server runs ~50x slower, so the script path's batches, sized by their server
// time, shrink to a few keys; `--count 300 --target 1e9` holds them near their real-speed size.
// Run it against a throwaway server (never one that serves anything).
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const repeatAt = args.indexOf('--repeat');
const repeat = repeatAt >= 0 ? Number(args.splice(repeatAt, 2)[1]) : 1;
const countAt = args.indexOf('--count');
const initialCount = countAt >= 0 ? Number(args.splice(countAt, 2)[1]) : undefined;
const targetAt = args.indexOf('--target');
const targetBatchMicros = targetAt >= 0 ? Number(args.splice(targetAt, 2)[1]) : undefined;
const [portText, work, ...paths] = args;
const port = Number(portText);
if (!(port > 0) || port === 6379 || !['keys', 'bigkeys', 'audit'].includes(work ?? '')) {
  process.stderr.write('usage: node bench/experiments/read-paths.js PORT keys|bigkeys|audit [script|lean|pipeline ...] [--repeat N] (never port 6379)\n');
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const load = (file) => import(pathToFileURL(path.join(here, '../../dist', file)).href);
const { connect } = await load('connection/connect.js');
const { defaultConnectionOptions } = await load('connection/options.js');
const { scanKeys } = await load('core/scan/scan.js');

const topology = await connect({ ...defaultConnectionOptions(), endpoints: [{ host: '127.0.0.1', port }], mode: 'standalone' });
const admin = topology.masters()[0].client();
const serverCpu = async () => {
  const info = String(await admin.info('cpu'));
  return [...info.matchAll(/used_cpu_(?:sys|user)_main_thread:([\d.]+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
};
const options = {
  keys: { wantType: true, wantTtl: true, wantMemory: true },
  bigkeys: { wantType: true, wantTtl: true, wantMemory: true, wantLength: true },
  audit: { wantType: true, wantTtl: false, wantMemory: false, ttlFlagAbove: Infinity },
}[work];
for (let round = 0; round < repeat; round += 1) {
  for (const readPath of paths.length > 0 ? paths : ['script', 'lean']) {
    const cpuBefore = await serverCpu();
    const client = process.cpuUsage();
    const started = performance.now();
    let keys = 0;
    for await (const event of scanKeys(topology, { ...options, readPath, ...(initialCount === undefined ? {} : { initialCount }), ...(targetBatchMicros === undefined ? {} : { targetBatchMicros }) })) if (event.kind === 'batch') keys += event.batch.size;
    const wallS = (performance.now() - started) / 1000;
    const used = process.cpuUsage(client);
    const server = (await serverCpu()) - cpuBefore;
    process.stdout.write(
      `${work} ${readPath}: ${keys} keys, wall ${wallS.toFixed(2)} s, client CPU ${((used.user + used.system) / 1e6).toFixed(2)} s, server main-thread CPU ${server.toFixed(2)} s (${((server * 1e6) / keys).toFixed(2)} µs/key)\n`,
    );
  }
}
await topology.close();
