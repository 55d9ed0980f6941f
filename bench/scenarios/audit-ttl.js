// Finding keys without a TTL: `cachectl audit-ttl` (SCAN + TTL per key, grouped by namespace)
// against `redis-cli --scan`, which only lists the keys: redis-cli has no TTL audit, so its row
// is the floor any audit pays for walking the keyspace, not an equivalent.
import { createReadStream } from 'node:fs';
import { KEYS_WITH_NEWLINE } from '../lib/seed.js';

/** Lines in a file, counted without loading it. @param {string} file */
async function countLines(file) {
  let lines = 0;
  for await (const chunk of createReadStream(file)) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

/** @type {import('../lib/runner.js').Scenario} */
export const auditTtlScenario = {
  name: 'audit-ttl',
  description: 'cachectl audit-ttl vs redis-cli --scan (listing only)',
  runs(ctx) {
    const count = ctx.redisCli.countFor.scan ? ['--count', '1000'] : [];
    return [
      // Keys without TTL are findings: the audit exits 1 on this keyspace by design.
      { id: 'cachectl', tool: 'cachectl', label: 'audit-ttl -o json', argv: ['audit-ttl', '--url', ctx.url, '-o', 'json'], okExitCodes: [0, 1] },
      {
        id: 'scan',
        tool: 'redis-cli',
        label: `--scan, listing only (${count.length > 0 ? 'SCAN COUNT 1000' : 'SCAN COUNT 10, no --count'})`,
        argv: ['-p', String(ctx.port), '--scan', ...count],
      },
    ];
  },
  async afterRun(_ctx, run, result) {
    if (run.tool !== 'redis-cli' || result.status !== 'ok' || result.stdoutFile === undefined) return;
    // Raw output is one key per line; a key with a newline in its name spans two.
    const listed = (await countLines(result.stdoutFile)) - KEYS_WITH_NEWLINE;
    result.verified = listed >= (result.work ?? 0);
    result.notes.push(`listed ${listed.toLocaleString('en-US')} keys (DBSIZE ${result.work?.toLocaleString('en-US')}; SCAN may repeat a key)`);
  },
};
