// Writes the real-library corpus: drives the Node.js libraries that fill real Redis keyspaces
// against a throwaway redis-server, then saves every key (name bytes, type, TTL) as gzip NDJSON
// beside this folder, plus the groups a person would draw for it (expected-groups.json).
//
//   cd test/corpus/generator && npm install && node generate.js
//
// The ids are random but seeded, so a rerun writes a similar (not byte-identical) corpus: BullMQ
// and friends take their own ids and timestamps.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createHash, randomUUID } from 'node:crypto';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import IORedis from 'ioredis';
import { createClient } from 'redis';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..');

// Deterministic ids: a small PRNG so the same names come out on every run (where the library lets us choose).
let seed = 12345;
function random() {
  // mulberry32: 32-bit integer arithmetic, so the sequence does not degrade into a short cycle.
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(random() * n);
const bytes = (n) => Buffer.from(Array.from({ length: n }, () => int(256)));
const email = (i) => `${['customer', 'shopper', 'user.name', 'ops+alerts'][i % 4]}${i}@${['example.com', 'mail.example.org', 'corp.example.net'][i % 3]}`;
const ipv4 = () => `10.${int(256)}.${int(256)}.${int(256)}`;
const ipv6 = () => {
  const groups = ['2001', 'db8', int(0xffff).toString(16), int(0xffff).toString(16)];
  // Half of them compressed with `::`, as clients print them.
  return random() < 0.5 ? `${groups.join(':')}::${int(0xffff).toString(16)}` : `${groups.join(':')}:${int(0xffff).toString(16)}:${int(0xffff).toString(16)}:${int(0xffff).toString(16)}:${int(0xffff).toString(16)}`;
};
const slug = () => `${['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark-industries'][int(6)]}-${100 + int(900)}`;

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function startServer() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cachectl-corpus-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const probe = new IORedis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  for (let i = 0; i < 100; i += 1) {
    try {
      await probe.connect();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await probe.quit();
  return { port, stop: () => { child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); } };
}

const done = [];
const dropped = [];

async function step(name, fn) {
  const started = Date.now();
  try {
    // A library that hangs is dropped, not waited for.
    let timer;
    await Promise.race([fn(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timed out after 60 s')), 60_000); })]);
    clearTimeout(timer);
    done.push(name);
    console.log(`${name}: ok (${Date.now() - started} ms)`);
  } catch (error) {
    dropped.push({ name, error: String(error?.stack ?? error).split('\n')[0] });
    console.log(`${name}: FAILED ${error?.stack ?? error}`);
  }
}

async function main() {
  const server = await startServer();
  const port = server.port;
  const connection = { host: '127.0.0.1', port };
  const io = new IORedis(connection);
  const node = createClient({ url: `redis://127.0.0.1:${port}` });
  await node.connect();

  // express-session + connect-redis: 6,000 sessions, `sess:<24 random bytes, base64url>`, one day TTL.
  await step('connect-redis', async () => {
    const { RedisStore } = await import('connect-redis');
    const store = new RedisStore({ client: node });
    for (let i = 0; i < 6000; i += 1) {
      const sid = bytes(24).toString('base64url');
      const session = { cookie: { originalMaxAge: 86_400_000, expires: new Date(Date.now() + 86_400_000), httpOnly: true, path: '/' }, userId: i };
      await new Promise((resolve, reject) => store.set(sid, session, (err) => (err ? reject(err) : resolve())));
    }
  });

  // cache-manager over Keyv (@keyv/redis): users by email, products, and HTTP responses by URL.
  await step('cache-manager+keyv', async () => {
    const { Keyv } = await import('keyv');
    const { default: KeyvRedis } = await import('@keyv/redis');
    const { createCache } = await import('cache-manager');
    const keyvStore = new KeyvRedis(`redis://127.0.0.1:${port}`);
    const keyv = new Keyv({ store: keyvStore, namespace: 'keyv' });
    const cache = createCache({ stores: [keyv] });
    for (let i = 0; i < 5000; i += 1) await cache.set(`user-by-email:${email(i)}`, { id: i }, 3_600_000);
    for (let i = 0; i < 4000; i += 1) await cache.set(`product:${10000 + i}`, { sku: i }, 600_000);
    const sorts = ['price', 'name', 'rating', 'newest'];
    for (let i = 0; i < 2000; i += 1) {
      const path = ['/api/products', '/api/search', '/api/categories/shoes'][i % 3];
      await cache.set(`GET ${path}?page=${1 + int(40)}&sort=${sorts[int(4)]}&q=${int(5000)}`, { rows: [] }, 120_000);
    }
    await keyvStore.disconnect?.();
  });

  // rate-limiter-flexible: per-IP (v4 and v6) daily counters and per username+IP consecutive failures.
  await step('rate-limiter-flexible', async () => {
    const { RateLimiterRedis } = require('rate-limiter-flexible');
    const perIp = new RateLimiterRedis({ storeClient: io, keyPrefix: 'login_fail_ip_per_day', points: 100, duration: 86_400 });
    const consecutive = new RateLimiterRedis({ storeClient: io, keyPrefix: 'login_fail_consecutive_username_and_ip', points: 10, duration: 3_600 });
    for (let i = 0; i < 1500; i += 1) await perIp.consume(ipv4());
    for (let i = 0; i < 1500; i += 1) await perIp.consume(ipv6());
    for (let i = 0; i < 2000; i += 1) await consecutive.consume(`${email(i)}_${ipv4()}`);
  });

  // express-rate-limit + rate-limit-redis: `rl:<ip>` counters with the window as TTL.
  await step('express-rate-limit+rate-limit-redis', async () => {
    const { RedisStore } = await import('rate-limit-redis');
    const store = new RedisStore({ sendCommand: (...args) => node.sendCommand(args) });
    store.init({ windowMs: 900_000 });
    for (let i = 0; i < 4000; i += 1) await store.increment(random() < 0.7 ? ipv4() : ipv6());
  });

  // redlock: order locks held for ten minutes.
  await step('redlock', async () => {
    const { default: Redlock } = await import('redlock');
    const redlock = new Redlock([io], { retryCount: 0 });
    for (let i = 0; i < 400; i += 1) await redlock.acquire([`locks:order:${randomUUID()}`], 600_000);
    for (let i = 0; i < 100; i += 1) await redlock.acquire([`locks:inventory:sku-${1000 + i}`], 600_000);
  });

  // BullMQ: two queues under the default `bull` prefix; some jobs processed, with log lines.
  await step('bullmq', async () => {
    const { Queue, Worker } = await import('bullmq');
    const emails = new Queue('emails', { connection });
    const reports = new Queue('reports', { connection });
    const chunk = (n, make) => Array.from({ length: n }, (_, i) => make(i));
    for (let i = 0; i < 3000; i += 500) await emails.addBulk(chunk(500, (j) => ({ name: 'send', data: { to: email(i + j) } })));
    for (let i = 0; i < 3200; i += 400) await reports.addBulk(chunk(400, (j) => ({ name: 'render', data: { report: i + j } })));
    let processed = 0;
    await new Promise((resolve) => {
      const worker = new Worker('emails', async (job) => {
        await job.log(`sent to ${job.data.to}`);
        processed += 1;
        if (processed === 800) void worker.close().then(resolve);
      }, { connection, concurrency: 20 });
    });
    await emails.close();
    await reports.close();
  });

  // Bull (v3 API) with a Cluster hash tag in its prefix: `{bull}:thumbnails:<id>`.
  await step('bull', async () => {
    const Bull = require('bull');
    const thumbnails = new Bull('thumbnails', { redis: connection, prefix: '{bull}' });
    for (let i = 0; i < 2000; i += 250) await thumbnails.addBulk(Array.from({ length: 250 }, (_, j) => ({ data: { image: `img-${i + j}.png` } })));
    await thumbnails.close();
  });

  // kue: jobs under `q:`.
  await step('kue', async () => {
    const kue = require('kue');
    const queue = kue.createQueue({ prefix: 'q', redis: { port, host: '127.0.0.1' } });
    await new Promise((resolve) => queue.client.once('ready', resolve));
    for (let i = 0; i < 600; i += 1) {
      await new Promise((resolve, reject) => queue.create('transcode', { video: i }).save((err) => (err ? reject(err) : resolve())));
    }
    await new Promise((resolve) => queue.shutdown(1000, resolve));
  });

  // node-resque: queued jobs and delayed jobs (the delayed ones are keyed by timestamp and by JSON).
  await step('node-resque', async () => {
    const { Queue } = require('node-resque');
    const queue = new Queue({ connection: { host: '127.0.0.1', port, namespace: 'resque' } }, {});
    await queue.connect();
    for (let i = 0; i < 800; i += 1) await queue.enqueue(['mail', 'billing'][i % 2], 'sendInvoice', [{ invoice: i }]);
    for (let i = 0; i < 400; i += 1) await queue.enqueueAt(Date.now() + 60_000 * (1 + i), 'billing', 'chargeCard', [{ account: `acct_${i}` }]);
    await queue.end();
  });

  // bee-queue: jobs in one hash per queue, plus its sets.
  await step('bee-queue', async () => {
    const BeeQueue = require('bee-queue');
    const queue = new BeeQueue('webhooks', { redis: { host: '127.0.0.1', port }, isWorker: false });
    await queue.ready();
    for (let i = 0; i < 500; i += 1) await queue.createJob({ url: `https://hooks.example.com/${i}` }).save();
    await queue.close();
  });

  // bottleneck: one clustered limiter per tenant.
  await step('bottleneck', async () => {
    const Bottleneck = require('bottleneck');
    const limiters = [];
    for (let i = 0; i < 40; i += 1) {
      const limiter = new Bottleneck({ id: `api-tenant-${i}`, datastore: 'ioredis', clientOptions: connection, maxConcurrent: 5, clearDatastore: false });
      await limiter.ready();
      await limiter.schedule(async () => 1);
      limiters.push(limiter);
    }
    for (const limiter of limiters) await limiter.disconnect(false);
  });

  // socket.io with the Redis streams adapter: its stream and session keys.
  await step('socket.io-redis-streams-adapter', async () => {
    const child = spawn(process.execPath, [join(here, 'socket-io.js'), String(port)], { stdio: 'inherit' });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`socket-io.js exited with ${code}`);
  });

  // The application's own keys: tenants kept forever (the audit's worst offender), per-user
  // profiles, a few config keys, and a binary key.
  await step('app', async () => {
    const pipe = io.pipeline();
    const tenants = new Set();
    while (tenants.size < 2100) tenants.add(slug());
    for (const t of tenants) pipe.hset(`tenants:tenant:${t}`, 'plan', 'pro');
    for (let i = 0; i < 3000; i += 1) pipe.set(`app:v2:user:${100000 + i}:profile`, '{}', 'EX', 3600);
    for (let i = 0; i < 3000; i += 1) pipe.set(`app:v2:user:${100000 + i}:settings`, '{}');
    pipe.set('app:v2:config', '{}');
    pipe.set('app:v2:feature-flags', '{}');
    pipe.set(`cache:sha1:${createHash('sha1').update('x').digest('hex')}`, '1', 'EX', 60);
    for (let i = 0; i < 3000; i += 1) pipe.set(`cdn:${createHash('md5').update(String(i)).digest('hex')}`, '1', 'EX', 600);
    await pipe.exec();
  });

  await dump(io);
  server.stop();
  console.log(`libraries written: ${done.join(', ')}`);
  if (dropped.length > 0) console.log(`dropped: ${JSON.stringify(dropped)}`);
}

// Every key with its type and remaining TTL: one JSON array per line, [key, type, ttlMs|-1],
// the key as text when it is printable UTF-8, else {"b64": ...}.
async function dump(io) {
  const lines = [];
  let cursor = '0';
  do {
    const [next, keys] = await io.scanBuffer(cursor, 'COUNT', 1000);
    cursor = String(next);
    const pipe = io.pipeline();
    for (const key of keys) {
      pipe.type(key);
      pipe.pttl(key);
    }
    const replies = await pipe.exec();
    keys.forEach((key, i) => {
      const type = replies[i * 2][1];
      const ttl = replies[i * 2 + 1][1];
      if (type === 'none') return;
      const text = key.toString('utf8');
      const name = Buffer.from(text, 'utf8').equals(key) && ![...text].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) ? text : { b64: key.toString('base64') };
      lines.push(JSON.stringify([name, type, ttl]));
    });
  } while (cursor !== '0');
  lines.sort();
  writeFileSync(join(out, 'real-libraries.ndjson.gz'), gzipSync(`${lines.join('\n')}\n`, { level: 9 }));
  writeFileSync(join(out, 'libraries.json'), `${JSON.stringify({ written: done, dropped }, null, 2)}\n`);
  console.log(`${lines.length} keys saved`);
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
