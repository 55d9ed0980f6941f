// Listing every key with its type, TTL and memory: `cachectl keys` against redis-cli's
// --memkeys (SCAN + MEMORY USAGE per key) and --bigkeys (SCAN + TYPE + a size command per key),
// the closest things redis-cli has to a full keyspace walk with per-key detail.

/** @type {import('../lib/runner.js').Scenario} */
export const keysScenario = {
  name: 'keys',
  description: 'cachectl keys (type + TTL + memory, and --no-memory) vs redis-cli --memkeys / --bigkeys',
  runs(ctx) {
    const url = ctx.url;
    const port = String(ctx.port);
    // Passing --count 1000 keeps SCAN round trips comparable, but only builds whose --help lists it
    // for these modes accept it (7.0 has no --count at all).
    const memkeysCount = ctx.redisCli.countFor.memkeys ? ['--count', '1000'] : [];
    const bigkeysCount = ctx.redisCli.countFor.bigkeys ? ['--count', '1000'] : [];
    const scanNote = (/** @type {boolean} */ counted) => (counted ? 'SCAN COUNT 1000' : 'SCAN COUNT 10, no --count');
    return [
      { id: 'cachectl-full', tool: 'cachectl', label: 'keys -o json (type+TTL+memory)', argv: ['keys', '--url', url, '-o', 'json'], compareTo: 'memkeys' },
      { id: 'cachectl-no-memory', tool: 'cachectl', label: 'keys --no-memory -o json (type+TTL)', argv: ['keys', '--url', url, '-o', 'json', '--no-memory'], compareTo: 'bigkeys' },
      { id: 'memkeys', tool: 'redis-cli', label: `--memkeys (${scanNote(memkeysCount.length > 0)})`, argv: ['-p', port, '--memkeys', ...memkeysCount] },
      { id: 'bigkeys', tool: 'redis-cli', label: `--bigkeys (${scanNote(bigkeysCount.length > 0)})`, argv: ['-p', port, '--bigkeys', ...bigkeysCount] },
    ];
  },
  async afterRun(_ctx, run, result) {
    // redis-cli ends its summary with "Sampled N keys in the keyspace!": check it saw them all.
    if (run.tool !== 'redis-cli' || result.status !== 'ok' || result.stdoutFile === undefined) return;
    const { readFileSync } = await import('node:fs');
    const sampled = /Sampled (\d+) keys in the keyspace/.exec(readFileSync(result.stdoutFile, 'utf8'));
    if (sampled !== null) {
      result.verified = Number(sampled[1]) === result.work;
      result.notes.push(`redis-cli sampled ${Number(sampled[1]).toLocaleString('en-US')} of ${result.work?.toLocaleString('en-US')} keys`);
    }
  },
};
