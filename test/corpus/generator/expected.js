// Writes ../expected-groups.json: the groups a careful person would draw for the corpus, each with
// the library that wrote it, a regular expression its keys match, and its exact key and no-TTL
// counts. Every corpus key matches exactly one group; keys no pattern covers are one group each.
// Needs no packages: `node expected.js` after generate.js.

import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = join(dirname(fileURLToPath(import.meta.url)), '..');
const ip = '(?:\\d{1,3}(?:\\.\\d{1,3}){3}|[0-9a-f:]+:[0-9a-f:]+)';
const email = '[^@:]+@[a-z0-9.-]+\\.[a-z]+';

// name: how cachectl should show the group (‹…› marks an inferred segment).
const GROUPS = [
  { library: 'connect-redis', name: 'sess:‹token›', pattern: '^sess:[A-Za-z0-9_-]{32}$' },
  { library: 'keyv', name: 'keyv::keyv:user-by-email:‹email›', pattern: `^keyv::keyv:user-by-email:${email}$` },
  { library: 'keyv', name: 'keyv::keyv:product:‹id›', pattern: '^keyv::keyv:product:\\d+$' },
  { library: 'keyv', name: 'keyv::keyv:GET /api/products?‹query›', pattern: '^keyv::keyv:GET /api/products\\?' },
  { library: 'keyv', name: 'keyv::keyv:GET /api/search?‹query›', pattern: '^keyv::keyv:GET /api/search\\?' },
  { library: 'keyv', name: 'keyv::keyv:GET /api/categories/shoes?‹query›', pattern: '^keyv::keyv:GET /api/categories/shoes\\?' },
  { library: 'rate-limiter-flexible', name: 'login_fail_ip_per_day:‹ip›', pattern: `^login_fail_ip_per_day:${ip}$` },
  { library: 'rate-limiter-flexible', name: 'login_fail_consecutive_username_and_ip:‹email›', pattern: `^login_fail_consecutive_username_and_ip:${email}_${ip}$` },
  { library: 'rate-limit-redis', name: 'rl:‹ip›', pattern: `^rl:${ip}$` },
  { library: 'redlock', name: 'locks:order:‹id›', pattern: '^locks:order:[0-9a-f-]{36}$' },
  { library: 'redlock', name: 'locks:inventory:‹slug›', pattern: '^locks:inventory:sku-\\d+$' },
  { library: 'bullmq', name: 'bull:emails:‹id›', pattern: '^bull:emails:\\d+$' },
  { library: 'bullmq', name: 'bull:emails:‹id›:logs', pattern: '^bull:emails:\\d+:logs$' },
  { library: 'bullmq', name: 'bull:reports:‹id›', pattern: '^bull:reports:\\d+$' },
  { library: 'bull', name: '{bull}:thumbnails:‹id›', pattern: '^\\{bull\\}:thumbnails:\\d+$' },
  { library: 'kue', name: 'q:job:‹id›', pattern: '^q:job:\\d+$' },
  { library: 'node-resque', name: 'resque:delayed:‹id›', pattern: '^resque:delayed:\\d+$' },
  { library: 'node-resque', name: 'resque:timestamps:‹json›', pattern: '^resque:timestamps:\\{' },
  { library: 'bottleneck', name: 'b_‹id›_settings', pattern: '^b_api-tenant-\\d+_settings$' },
  { library: 'bottleneck', name: 'b_‹id›_client_running', pattern: '^b_api-tenant-\\d+_client_running$' },
  { library: 'bottleneck', name: 'b_‹id›_client_num_queued', pattern: '^b_api-tenant-\\d+_client_num_queued$' },
  { library: 'bottleneck', name: 'b_‹id›_client_last_registered', pattern: '^b_api-tenant-\\d+_client_last_registered$' },
  { library: 'bottleneck', name: 'b_‹id›_client_last_seen', pattern: '^b_api-tenant-\\d+_client_last_seen$' },
  { library: 'app', name: 'tenants:tenant:‹slug›', pattern: '^tenants:tenant:[a-z-]+-\\d+$' },
  { library: 'app', name: 'app:v2:user:‹id›:profile', pattern: '^app:v2:user:\\d+:profile$' },
  { library: 'app', name: 'app:v2:user:‹id›:settings', pattern: '^app:v2:user:\\d+:settings$' },
  { library: 'app', name: 'cdn:‹id›', pattern: '^cdn:[0-9a-f]{32}$' },
  { library: 'app', name: 'cache:sha1:‹id›', pattern: '^cache:sha1:[0-9a-f]{40}$' },
];
// Single keys (queue metadata and the like), by the library whose prefix they carry.
const SINGLES = [
  ['bullmq', /^bull:/], ['bull', /^\{bull\}:/], ['kue', /^q:/], ['node-resque', /^resque:/], ['bee-queue', /^bq:/],
  ['socket.io', /^socket\.io$/], ['app', /^app:/],
];

const lines = gunzipSync(readFileSync(join(out, 'real-libraries.ndjson.gz'))).toString('utf8').split('\n').filter((line) => line !== '');
const groups = GROUPS.map((group) => ({ ...group, regex: new RegExp(group.pattern), keys: 0, noTtl: 0 }));
const singles = new Map();
for (const line of lines) {
  const [name, , ttl] = JSON.parse(line);
  const key = typeof name === 'string' ? name : Buffer.from(name.b64, 'base64').toString('latin1');
  const matched = groups.filter((group) => group.regex.test(key));
  if (matched.length > 1) throw new Error(`${key} matches ${matched.map((group) => group.name).join(', ')}`);
  const group = matched[0] ?? (() => {
    const library = SINGLES.find(([, regex]) => regex.test(key))?.[0];
    if (library === undefined) throw new Error(`no group for ${key}`);
    const single = { library, name: key, pattern: `^${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, keys: 0, noTtl: 0 };
    singles.set(key, single);
    return single;
  })();
  group.keys += 1;
  if (ttl === -1) group.noTtl += 1;
}
const all = [...groups.map((group) => ({ library: group.library, name: group.name, pattern: group.pattern, keys: group.keys, noTtl: group.noTtl })), ...singles.values()];
for (const group of all) if (group.keys === 0) throw new Error(`group ${group.name} is empty`);
writeFileSync(join(out, 'expected-groups.json'), `${JSON.stringify({ keys: lines.length, groups: all }, null, 1)}\n`);
console.log(`${all.length} groups (${groups.length} patterns, ${singles.size} single keys) for ${lines.length} keys`);
