// Seeds the benchmark keyspace: a realistic mix of namespaces, types, sizes and TTLs, generated
// from a seeded PRNG (identical on every run) and written with raw RESP pipelining, so a million
// keys take seconds. A second helper writes the "purge target" namespace the purge scenario deletes.
import { createPrng } from './prng.js';
import { RespPipeline } from './resp.js';
import { LOOPBACK } from './server.js';

const HOUR = 3_600;
const DAY = 24 * HOUR;
// Nothing may expire while a bench runs (DBSIZE and DEBUG DIGEST are compared across runs), so
// the shortest TTL is two hours rather than one.
const MIN_TTL = 2 * HOUR;

/** The pattern of the purge target; it matches nothing in the main keyspace. */
export const PURGE_PATTERN = 'tmp:job:*';
/** The purge target holds this share of the main keyspace's size (100k keys for 1M). */
export const PURGE_SHARE = 0.1;

const WORDS = (
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore ' +
  'magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo consequat ' +
  'duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla pariatur excepteur sint occaecat ' +
  'cupidatat non proident sunt culpa qui officia deserunt mollit anim id est laborum cache redis cluster shard ' +
  'replica primary latency throughput eviction expire memory fragment keyspace namespace session profile cart'
).split(' ');
const TAGS = ['books', 'music', 'garden', 'kitchen', 'sport', 'travel', 'kids', 'pets', 'tools', 'fashion', 'games', 'auto',
  'beauty', 'health', 'office', 'outdoor', 'photo', 'tech', 'toys', 'wine', 'coffee', 'design', 'film', 'bikes'];
const LOCALES = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES', 'it-IT', 'pt-BR', 'ja-JP', 'nl-NL', 'pl-PL'];
const PLANS = ['free', 'pro', 'team', 'enterprise'];
const SESSION_FIELDS = ['token', 'ip', 'user_agent', 'created_at', 'last_seen', 'csrf', 'locale', 'device', 'mfa', 'scopes'];
const FEED_KINDS = ['like', 'comment', 'follow', 'share', 'mention', 'order'];
const JOB_QUEUES = ['email', 'thumbnails', 'export', 'webhooks', 'reindex', 'billing'];

/**
 * Keys with odd bytes in their names, the way legacy writers leave them. Written as latin1
 * strings: one char is one byte. One of them contains a newline (redis-cli's raw --scan output
 * then spans two lines for it).
 */
const BINARY_KEYS = [
  'legacy:\x00\x01\x02', 'legacy:\xff\xfe\xfd', 'legacy:tab\there', 'legacy:new\nline', 'legacy:quote"and\'apos',
  'legacy:space in name', 'legacy:back\\slash', 'legacy:caf\xc3\xa9', 'legacy:\x1b[31mred', 'legacy:del\x7f',
  'app:v2:user:\xff\xff:profile', 'sess:\x80\x81\x82', 'bin:\xde\xad\xbe\xef', 'bin:\xca\xfe\xba\xbe', 'bin:\x00', 'bin:\xc3\x28',
];
export const KEYS_WITH_NEWLINE = BINARY_KEYS.filter((key) => key.includes('\n')).length;

const CONFIG_KEYS = [
  ...['search', 'checkout_v2', 'dark_mode', 'recommendations', 'new_feed', 'gift_cards', 'reviews', 'chat',
    'wishlist', 'price_alerts', 'one_click', 'beta_banner'].map((name) => `config:feature:${name}`),
  ...['api', 'login', 'search', 'upload', 'export', 'webhooks', 'password_reset', 'signup'].map((name) => `config:limits:${name}`),
  ...['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-southeast-1'].map((name) => `config:region:${name}`),
  ...['smtp', 'payments', 'cdn', 'search', 'geoip', 'sms', 'analytics', 'storage'].map((name) => `config:service:${name}`),
  ...['app:v2', 'app:v1', 'admin', 'mobile', 'partner', 'batch', 'cron'].map((name) => `config:${name}:settings`),
];

/**
 * The bulk namespaces: share of the keyspace, and which part of it lives without a TTL.
 * @typedef {{ pattern: string, share: number, noTtl: number, write: (ctx: WriteContext, index: number) => Promise<boolean> }} Namespace
 * @typedef {{ pipe: SeedPipe, rng: import('./prng.js').Prng, text: (min: number, max: number) => string }} WriteContext
 */

/** @type {Namespace[]} */
const NAMESPACES = [
  { pattern: 'app:v2:user:{id}:profile', share: 0.28, noTtl: 1 / 3, write: writeProfile },
  { pattern: 'app:v2:user:{id}:session', share: 0.14, noTtl: 0, write: writeSession },
  { pattern: 'app:v2:cart:{uuid}', share: 0.07, noTtl: 0, write: writeCart },
  { pattern: 'app:v2:feed:{id}', share: 0.07, noTtl: 0, write: writeFeed },
  { pattern: 'app:v2:tags:{id}', share: 0.06, noTtl: 0.75, write: writeTags },
  { pattern: 'app:v2:rank:{id}', share: 0.03, noTtl: 0, write: writeRank },
  { pattern: 'cache:page:{sha1}', share: 0.02, noTtl: 0, write: writePage },
  { pattern: 'rate:{ip}:{minute}', share: 0.33, noTtl: 0, write: writeRate },
];

/** Lorem-ish text to cut values from, so values cost a slice, not a byte-by-byte generation. */
function buildTextPool(/** @type {import('./prng.js').Prng} */ rng, size = 256 * 1024) {
  const words = [];
  let length = 0;
  while (length < size) {
    const word = rng.pick(WORDS);
    words.push(word);
    length += word.length + 1;
  }
  return words.join(' ');
}

function textSlicer(/** @type {import('./prng.js').Prng} */ rng) {
  const pool = buildTextPool(rng);
  return (/** @type {number} */ min, /** @type {number} */ max) => {
    const length = rng.int(min, max);
    const start = rng.int(0, pool.length - length - 1);
    return pool.slice(start, start + length);
  };
}

const userId = (/** @type {number} */ index) => 100_000 + index * 3;

/** @param {WriteContext} ctx @param {number} min @param {number} max */
function ttl(ctx, min, max) {
  return ctx.rng.int(min, max);
}

/** @param {WriteContext} ctx @param {number} index */
async function writeProfile(ctx, index) {
  const { pipe, rng } = ctx;
  const id = userId(index);
  const head = `{"id":${id},"name":"user_${id}","email":"user${id}@example.com","locale":"${rng.pick(LOCALES)}",` +
    `"plan":"${rng.pick(PLANS)}","created_at":${1_600_000_000 + rng.int(0, 99_999_999)},"verified":${rng.next() < 0.8},"bio":"`;
  const value = `${head}${ctx.text(Math.max(10, 200 - head.length), 800 - head.length - 2)}"}`;
  const key = `app:v2:user:${id}:profile`;
  if (rng.next() < 1 / 3) {
    await pipe.send(['SET', key, value]);
    return false;
  }
  await pipe.send(['SET', key, value, 'EX', ttl(ctx, MIN_TTL, 7 * DAY)]);
  return true;
}

/** @param {WriteContext} ctx @param {number} index */
async function writeSession(ctx, index) {
  const { pipe, rng } = ctx;
  const key = `app:v2:user:${userId(index)}:session`;
  const fields = rng.int(5, 10);
  /** @type {(string | number)[]} */
  const args = ['HSET', key];
  for (let f = 0; f < fields; f++) {
    const name = /** @type {string} */ (SESSION_FIELDS[f]);
    let value;
    switch (name) {
      case 'token': value = rng.hex(64); break;
      case 'ip': value = `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`; break;
      case 'user_agent': value = `Mozilla/5.0 (X11; Linux x86_64) ${ctx.text(20, 60)}`; break;
      case 'csrf': value = rng.hex(32); break;
      case 'locale': value = rng.pick(LOCALES); break;
      case 'device': value = rng.pick(['web', 'ios', 'android', 'tv']); break;
      case 'mfa': value = rng.next() < 0.3 ? 'totp' : 'none'; break;
      case 'scopes': value = 'read,write,orders'; break;
      default: value = 1_700_000_000 + rng.int(0, 9_999_999);
    }
    args.push(name, value);
  }
  await pipe.send(args);
  await pipe.send(['EXPIRE', key, ttl(ctx, MIN_TTL, DAY)]);
  return true;
}

/** @param {WriteContext} ctx */
async function writeCart(ctx) {
  const { pipe, rng } = ctx;
  const key = `app:v2:cart:${rng.uuid()}`;
  /** @type {(string | number)[]} */
  const args = ['HSET', key, 'updated_at', 1_700_000_000 + rng.int(0, 9_999_999), 'currency', rng.pick(['EUR', 'USD', 'GBP'])];
  const items = rng.int(1, 10);
  for (let i = 0; i < items; i++) args.push(`sku:${rng.int(10_000, 999_999)}`, rng.int(1, 5));
  await pipe.send(args);
  await pipe.send(['EXPIRE', key, ttl(ctx, DAY, 7 * DAY)]);
  return true;
}

/** @param {WriteContext} ctx @param {number} index */
async function writeFeed(ctx, index) {
  const { pipe, rng } = ctx;
  const key = `app:v2:feed:${1_000 + index}`;
  /** @type {(string | number)[]} */
  const args = ['RPUSH', key];
  const items = rng.int(10, 50);
  for (let i = 0; i < items; i++) {
    args.push(`{"kind":"${rng.pick(FEED_KINDS)}","actor":${userId(rng.int(0, 999_999))},"ts":${1_700_000_000 + rng.int(0, 9_999_999)}}`);
  }
  await pipe.send(args);
  await pipe.send(['EXPIRE', key, ttl(ctx, MIN_TTL, 7 * DAY)]);
  return true;
}

/** @param {WriteContext} ctx @param {number} index */
async function writeTags(ctx, index) {
  const { pipe, rng } = ctx;
  const key = `app:v2:tags:${1_000 + index}`;
  /** @type {(string | number)[]} */
  const args = ['SADD', key];
  const count = rng.int(3, 20);
  for (let i = 0; i < count; i++) args.push(`${rng.pick(TAGS)}:${rng.int(1, 40)}`);
  await pipe.send(args);
  if (rng.next() < 0.75) return false;
  await pipe.send(['EXPIRE', key, ttl(ctx, MIN_TTL, 7 * DAY)]);
  return true;
}

/** @param {WriteContext} ctx @param {number} index */
async function writeRank(ctx, index) {
  const { pipe, rng } = ctx;
  const key = `app:v2:rank:${1_000 + index}`;
  /** @type {(string | number)[]} */
  const args = ['ZADD', key];
  const count = rng.int(10, 50);
  for (let i = 0; i < count; i++) args.push(rng.int(0, 1_000_000), `user:${userId(rng.int(0, 999_999))}`);
  await pipe.send(args);
  await pipe.send(['EXPIRE', key, ttl(ctx, MIN_TTL, 7 * DAY)]);
  return true;
}

/** @param {WriteContext} ctx */
async function writePage(ctx) {
  const { pipe, rng } = ctx;
  const body = `<!doctype html><html><head><title>${ctx.text(10, 40)}</title></head><body><main>${ctx.text(1_950, 8_000)}</main></body></html>`;
  await pipe.send(['SET', `cache:page:${rng.hex(40)}`, body, 'EX', ttl(ctx, MIN_TTL, DAY)]);
  return true;
}

/** @param {WriteContext} ctx @param {number} index */
async function writeRate(ctx, index) {
  const { pipe, rng } = ctx;
  // Five minutes per address keeps every key distinct: up to 16M addresses in 10/8.
  const address = Math.floor(index / 5);
  const ip = `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`;
  const minute = 28_400_000 + (index % 5);
  await pipe.send(['SET', `rate:${ip}:${minute}`, rng.int(1, 600), 'EX', ttl(ctx, MIN_TTL, 3 * HOUR)]);
  return true;
}

/**
 * @typedef {object} SeedResult
 * @property {number} keys keys written
 * @property {number} noTtl keys written without a TTL
 * @property {Record<string, number>} byNamespace
 * @property {number} commands
 * @property {number} seconds
 */

/**
 * Where seeding writes: one server's RespPipeline, or anything with the same send/close (a
 * Cluster's pipelines, routed by slot: see cluster-seed.js). Every command's key is its args[1].
 * @typedef {{ send(args: readonly (string | number)[]): Promise<void>, close(): Promise<{ commands: number }> }} SeedPipe
 */

/** @param {number} port @returns {Promise<SeedPipe>} */
const openServer = async (port) => /** @type {RespPipeline} */ (await RespPipeline.connect(LOOPBACK, port));

/**
 * Writes `keys` keys (at least 1,000) into an empty database (or Cluster, with `open`).
 * @param {{ port?: number, keys: number, seed?: number, open?: () => Promise<SeedPipe> }} options
 * @returns {Promise<SeedResult>}
 */
export async function seedKeyspace({ port = 0, keys, seed = 20_240_601, open = () => openServer(port) }) {
  if (keys < 1_000) throw new Error('seedKeyspace: at least 1,000 keys');
  const started = process.hrtime.bigint();
  const rng = createPrng(seed);
  const pipe = await open();
  /** @type {WriteContext} */
  const ctx = { pipe, rng, text: textSlicer(rng) };
  /** @type {Record<string, number>} */
  const byNamespace = {};
  let noTtl = 0;

  for (const key of CONFIG_KEYS) {
    await pipe.send(['SET', key, `{"enabled":${rng.next() < 0.7},"value":${rng.int(1, 10_000)},"owner":"platform"}`]);
  }
  byNamespace['config:*'] = CONFIG_KEYS.length;
  noTtl += CONFIG_KEYS.length;
  for (const key of BINARY_KEYS) await pipe.send(['SET', key, ctx.text(8, 64), 'EX', ttl(ctx, MIN_TTL, 7 * DAY)]);
  byNamespace['(binary names)'] = BINARY_KEYS.length;

  const bulk = keys - CONFIG_KEYS.length - BINARY_KEYS.length;
  const counters = NAMESPACES.map(() => 0);
  const cumulative = [];
  let sum = 0;
  for (const ns of NAMESPACES) cumulative.push((sum += ns.share));
  for (let i = 0; i < bulk; i++) {
    const draw = rng.next() * sum;
    let n = 0;
    while (n < NAMESPACES.length - 1 && draw >= /** @type {number} */ (cumulative[n])) n++;
    const ns = /** @type {Namespace} */ (NAMESPACES[n]);
    const index = /** @type {number} */ (counters[n]);
    counters[n] = index + 1;
    if (!(await ns.write(ctx, index))) noTtl++;
  }
  NAMESPACES.forEach((ns, n) => (byNamespace[ns.pattern] = /** @type {number} */ (counters[n])));
  const { commands } = await pipe.close();
  return { keys, noTtl, byNamespace, commands, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/**
 * Writes the purge target: `count` keys under tmp:job:{id} (80% JSON strings, 20% hashes, all
 * with TTLs). Idempotent: the same keys and values every time, so re-seeding after a partial purge
 * restores exactly `count` keys.
 * @param {{ port?: number, count: number, seed?: number, open?: () => Promise<SeedPipe> }} options
 */
export async function seedPurgeTarget({ port = 0, count, seed = 7, open = () => openServer(port) }) {
  const started = process.hrtime.bigint();
  const rng = createPrng(seed);
  const pipe = await open();
  const text = textSlicer(rng);
  for (let id = 1; id <= count; id++) {
    const key = `tmp:job:${id}`;
    const queue = rng.pick(JOB_QUEUES);
    const expire = rng.int(MIN_TTL, DAY);
    if (rng.next() < 0.8) {
      await pipe.send(['SET', key, `{"queue":"${queue}","attempts":${rng.int(0, 5)},"payload":"${text(60, 240)}"}`, 'EX', expire]);
    } else {
      await pipe.send(['HSET', key, 'queue', queue, 'status', rng.pick(['queued', 'running', 'failed']), 'attempts', rng.int(0, 5), 'payload', text(40, 160)]);
      await pipe.send(['EXPIRE', key, expire]);
    }
  }
  const { commands } = await pipe.close();
  return { keys: count, commands, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
