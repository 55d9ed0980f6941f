// An experiment, not part of cachectl: the same per-key reads done two ways against one server, to
// compare what each costs the server. `script` runs cachectl's own Lua batch (SCAN + TYPE/PTTL/MEMORY
// USAGE per key inside one EVALSHA, from dist/); `pipeline` sends SCAN, then the per-key commands of
// the batch as one pipelined write over a plain RESP socket, parsed by a minimal reader (no ioredis,
// whose per-command cost would swamp the client). See "Where the server's time goes" in bench/README.md.
//
//   node bench/experiments/probe-paths.js PORT script|pipeline keys|audit [COUNT]
//
// Prints wall time, the server main thread's CPU per key and the client's CPU. Run it against a
// throwaway server (never one that serves anything), e.g. one under callgrind to count instructions.
import net from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [portText, way, work, countText] = process.argv.slice(2);
const port = Number(portText);
if (!(port > 0) || port === 6379 || !['script', 'pipeline'].includes(way ?? '') || !['keys', 'audit'].includes(work ?? '')) {
  process.stderr.write('usage: node bench/experiments/probe-paths.js PORT script|pipeline keys|audit [COUNT] (never port 6379)\n');
  process.exit(2);
}
const count = Number(countText ?? (way === 'script' ? 300 : 1000));

/** A RESP connection: `send` writes commands in one write and resolves with their replies. */
class RespSocket {
  /** @param {net.Socket} socket */
  constructor(socket) {
    this.socket = socket;
    this.pending = Buffer.alloc(0);
    /** @type {{ n: number, replies: unknown[], resolve: (replies: unknown[]) => void }[]} */
    this.waiting = [];
    socket.on('data', (chunk) => this.receive(chunk));
  }

  /** @param {Buffer} chunk */
  receive(chunk) {
    const bytes = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    while (this.waiting.length > 0) {
      const head = /** @type {(typeof this.waiting)[number]} */ (this.waiting[0]);
      while (head.replies.length < head.n) {
        const parsed = readReply(bytes, at);
        if (parsed === undefined) break;
        head.replies.push(parsed[0]);
        at = parsed[1];
      }
      if (head.replies.length < head.n) break;
      this.waiting.shift();
      head.resolve(head.replies);
    }
    this.pending = Buffer.from(bytes.subarray(at));
  }

  /** @param {(string | number | Buffer)[][]} commands @returns {Promise<unknown[]>} */
  send(commands) {
    /** @type {Buffer[]} */
    const parts = [];
    for (const args of commands) {
      parts.push(Buffer.from(`*${args.length}\r\n`));
      for (const arg of args) {
        const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
        parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
      }
    }
    this.socket.write(Buffer.concat(parts));
    return new Promise((resolve) => this.waiting.push({ n: commands.length, replies: [], resolve }));
  }
}

/**
 * One RESP2 reply at `at`: [value, next offset], or undefined when incomplete. Bulk strings are views.
 * @param {Buffer} bytes @param {number} at @returns {[unknown, number] | undefined}
 */
function readReply(bytes, at) {
  const lineEnd = bytes.indexOf(13, at);
  if (at >= bytes.length || lineEnd < 0 || lineEnd + 1 >= bytes.length) return undefined;
  const kind = bytes[at];
  if (kind === 0x2b) return [bytes.toString('latin1', at + 1, lineEnd), lineEnd + 2];
  if (kind === 0x2d) return [new Error(bytes.toString('latin1', at + 1, lineEnd)), lineEnd + 2];
  const n = Number(bytes.toString('latin1', at + 1, lineEnd));
  if (kind === 0x3a) return [n, lineEnd + 2];
  if (kind === 0x24) {
    if (n < 0) return [null, lineEnd + 2];
    const end = lineEnd + 2 + n;
    return end + 2 > bytes.length ? undefined : [bytes.subarray(lineEnd + 2, end), end + 2];
  }
  if (kind === 0x2a) {
    const items = [];
    let next = lineEnd + 2;
    for (let i = 0; i < n; i += 1) {
      const item = readReply(bytes, next);
      if (item === undefined) return undefined;
      items.push(item[0]);
      next = item[1];
    }
    return [items, next];
  }
  throw new Error(`unexpected reply byte 0x${(kind ?? 0).toString(16)}`);
}

const socket = net.connect(port, '127.0.0.1');
socket.setNoDelay(true);
await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
const redis = new RespSocket(socket);
const mainThreadCpu = async () => {
  const [info] = await redis.send([['INFO', 'cpu']]);
  return [...String(info).matchAll(/used_cpu_(?:sys|user)_main_thread:([\d.]+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
};

const cpuBefore = await mainThreadCpu();
const client = process.cpuUsage();
const started = performance.now();
let keys = 0;
let noTtl = 0;
if (way === 'script') {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const { SCAN_SCRIPT, TTL_FLAG_SCRIPT } = await import(pathToFileURL(path.join(here, '../../dist/core/scan/scan-batch.js')).href);
  const [sha] = await redis.send([['SCRIPT', 'LOAD', work === 'keys' ? SCAN_SCRIPT : TTL_FLAG_SCRIPT]]);
  let cursor = '0';
  do {
    // The arguments scan-batch.ts sends: keys with samples 5; the audit flagging keys without expiry.
    const args = work === 'keys' ? [cursor, count, '', '', 'tpm', '5', '4096'] : [cursor, count, '', '', '-1', '0', '0', '0'];
    const [reply] = await redis.send([['EVALSHA', String(sha), '0', ...args]]);
    cursor = String(/** @type {unknown[]} */ (reply)[0]);
  } while (cursor !== '0');
  keys = Number((await redis.send([['DBSIZE']]))[0]);
} else {
  const probes = work === 'keys' ? [['TYPE'], ['PTTL'], ['MEMORY', 'USAGE']] : [['PTTL']];
  const ttlAt = work === 'keys' ? 1 : 0;
  // SCAN of the next batch goes out before the probes of this one: the server always has work queued.
  let scan = redis.send([['SCAN', '0', 'COUNT', count]]);
  /** @type {{ size: number, replies: Promise<unknown[]> }[]} */
  const inFlight = [];
  for (;;) {
    const [[next, batch]] = /** @type {[[Buffer, Buffer[]]]} */ (await scan);
    const cursor = next.toString();
    if (cursor !== '0') scan = redis.send([['SCAN', cursor, 'COUNT', count]]);
    const commands = batch.flatMap((key) => probes.map((probe) => [...probe, key]));
    inFlight.push({ size: batch.length, replies: commands.length > 0 ? redis.send(commands) : Promise.resolve([]) });
    while (inFlight.length > (cursor === '0' ? 0 : 1)) {
      const { size, replies } = /** @type {(typeof inFlight)[number]} */ (inFlight.shift());
      const values = await replies;
      keys += size;
      for (let i = 0; i < size; i += 1) if (values[i * probes.length + ttlAt] === -1) noTtl += 1;
    }
    if (cursor === '0') break;
  }
}
const wallS = (performance.now() - started) / 1_000;
const used = process.cpuUsage(client);
const serverS = (await mainThreadCpu()) - cpuBefore;
const ttlNote = way === 'pipeline' ? `, ${noTtl.toLocaleString('en-US')} without TTL` : '';
process.stdout.write(
  `${way} ${work} (COUNT ${count}): ${keys.toLocaleString('en-US')} keys${ttlNote}, wall ${wallS.toFixed(2)} s, ` +
    `server main thread ${serverS.toFixed(2)} s = ${((serverS * 1e6) / Math.max(1, keys)).toFixed(2)} µs/key, ` +
    `client CPU ${((used.user + used.system) / 1e6).toFixed(2)} s, load ${os.loadavg()[0]?.toFixed(1)}\n`,
);
socket.end();
