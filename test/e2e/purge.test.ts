// The built `cachectl purge` and `cachectl restore` as an operator runs them (no terminal: stdin
// and stdout are pipes): exit codes 0/1/2/130, the JSON document, stderr messages, and what
// actually happened on the server. Keys live under a prefix unique to this file.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { adminClient, startRedis } from '../fixtures/index.js';
import { runOnTerminal } from '../helpers/cli.js';

const redis = inject('redis');
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/cachectl.js');
const url = `redis://${redis.single.host}:${redis.single.port}`;
const P = 'purge-e2e:';
// The rest of the keyspace: without it the purges below would be most of the keyspace, which the
// --max-share guard (rightly) refuses.
const BALLAST = 'purge-e2e-ballast:';
const BALLAST_KEYS = 50_000;

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI (optionally through bash, for ulimit) and can send SIGINT once `interruptWhen`
 * resolves true (polled every 50 ms): a phase of the run, not a time, so a loaded machine does not
 * move the signal into another phase.
 */
function cli(args: string[], options: { interruptWhen?: () => Promise<boolean>; shellPrefix?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const quoted = args.map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(' ');
    const child =
      options.shellPrefix === undefined
        ? spawn(process.execPath, [bin, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] })
        : spawn('bash', ['-c', `${options.shellPrefix}; exec '${process.execPath}' '${bin}' ${quoted}`], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdin.end();
    let running = true;
    const when = options.interruptWhen;
    if (when !== undefined) {
      const poll = async (): Promise<void> => {
        if (!running) return;
        if (await when()) child.kill('SIGINT');
        else setTimeout(() => void poll(), 50);
      };
      void poll();
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      running = false;
      resolve({ code, signal, stdout, stderr });
    });
  });
}

let client: Redis;
let dir: string;
beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  client = adminClient(redis.single.port);
  dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-purge-e2e-'));
  const pipeline = client.pipeline();
  for (let i = 0; i < BALLAST_KEYS; i += 1) pipeline.set(`${BALLAST}${i}`, 'b');
  await pipeline.exec();
});
afterAll(async () => {
  await removeAll();
  await removeAll(BALLAST);
  client.disconnect();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await removeAll();
});

async function removeAll(prefix = P): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = (await client.callBuffer('SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000')) as [Buffer, Buffer[]];
    cursor = next.toString();
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}

async function seed(namespace: string, count: number, value: (i: number) => string | Buffer = () => 'v'): Promise<void> {
  const pipeline = client.pipeline();
  for (let i = 0; i < count; i += 1) pipeline.set(`${P}${namespace}:${i}`, value(i));
  await pipeline.exec();
}

async function count(namespace: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${P}${namespace}:*`, 'COUNT', 1000);
    cursor = next;
    n += keys.length;
  } while (cursor !== '0');
  return n;
}

describe('cachectl purge (built binary, no terminal)', () => {
  it('--dry-run shows the plan, deletes nothing and exits 0', async () => {
    await seed('dry', 25);
    const table = await cli(['purge', `${P}dry:*`, '--url', url, '--dry-run', '-o', 'table']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`Purge plan for "${P}dry:*"`);
    expect(table.stdout).toMatch(/keys\s+25 of [\d,]+/);
    expect(table.stdout).toContain(`${P}dry:‹id›`);
    const json = await cli(['purge', `${P}dry:*`, '--url', url, '--dry-run']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ pattern: `${P}dry:*`, dryRun: true, plan: { matched: 25, status: 'complete' }, summary: null, error: null });
    expect(await count('dry')).toBe(25);
  });

  it('without --yes and without a terminal deletes nothing and exits 1 saying why', async () => {
    await seed('noyes', 10);
    const result = await cli(['purge', `${P}noyes:*`, '--url', url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: there is no terminal to confirm on, so nothing was deleted — pass --yes/);
    expect(JSON.parse(result.stdout)).toMatchObject({ plan: { matched: 10 }, summary: null, error: { code: 'DECLINED', exitCode: 1 } });
    expect(await count('noyes')).toBe(10);
  });

  it('refuses broad and empty patterns and over-limit plans with exit 1, deleting nothing', async () => {
    await seed('guard', 10);
    const broad = await cli(['purge', '*', '--url', url, '--yes']);
    expect(broad.code).toBe(1);
    expect(broad.stderr).toMatch(/refusing the broad pattern "\*".*--allow-broad/);
    expect(JSON.parse(broad.stdout)).toMatchObject({ plan: null, summary: null, refusals: [{ guard: 'broad-pattern' }], error: { code: 'GUARD', exitCode: 1 } });
    const dryBroad = await cli(['purge', '?*', '--url', url, '--dry-run']);
    expect(dryBroad.code).toBe(1);
    const leading = await cli(['purge', '*:guard:*', '--url', url, '--yes']);
    expect(leading.code).toBe(1);
    const empty = await cli(['purge', '', '--url', url, '--yes']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/empty pattern/);
    const share = await cli(['purge', `${P}guard:*`, '--url', url, '--yes', '--max-share', '0%']);
    expect(share.code).toBe(1);
    expect(share.stderr).toMatch(/more than --max-share 0%.*nothing was deleted/);
    expect(JSON.parse(share.stdout).refusals[0].guard).toBe('max-share');
    const keys = await cli(['purge', `${P}guard:*`, '--url', url, '--yes', '--max-keys', '9', '-o', 'table']);
    expect(keys.code).toBe(1);
    expect(keys.stdout).toMatch(/REFUSED: refusing to delete 10 keys: more than --max-keys 9/);
    expect(await count('guard')).toBe(10);
  });

  it('--concurrency takes a whole number of masters from 1: anything else is a usage error (exit 2), nothing deleted', async () => {
    await seed('conc', 5);
    for (const value of ['0', 'many', '1.5']) {
      const bad = await cli(['purge', `${P}conc:*`, '--url', url, '--yes', '--concurrency', value, '-o', 'table']);
      expect(bad.code, value).toBe(2);
      expect(bad.stderr.trimEnd().split('\n'), value).toHaveLength(1);
      expect(bad.stderr, value).toMatch(/^error: --concurrency /);
    }
    expect(await count('conc')).toBe(5);
    const one = await cli(['purge', `${P}conc:*`, '--url', url, '--yes', '--concurrency', '1', '-o', 'json']);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout).summary).toMatchObject({ planned: 5, deleted: 5 });
    expect(await count('conc')).toBe(0);
  });

  it('--yes -o json deletes exactly the matches and prints one JSON document (the bench invocation)', async () => {
    await seed('job', 500);
    await seed('jobs-other', 20);
    const result = await cli(['purge', `${P}job:*`, '--url', url, '--yes', '-o', 'json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const doc = JSON.parse(result.stdout);
    expect(doc.summary).toMatchObject({ status: 'complete', planned: 500, deleted: 500, alreadyGone: 0, notReached: 0 });
    expect(doc.summary.bytesFreed).toBeGreaterThan(0);
    expect(doc.summary.nodes).toEqual([{ node: `${redis.single.host}:${redis.single.port}`, deleted: 500, alreadyGone: 0, redeleted: 0, left: 0 }]);
    expect(await count('job')).toBe(0);
    expect(await count('jobs-other')).toBe(20);
  });

  it('--literal deletes one exact key; --prefix every key starting with the literal text', async () => {
    await client.set(`${P}lit:[1]*`, 'x');
    await client.set(`${P}lit:1`, 'x');
    await client.set(`${P}lit:[1]*tail`, 'x');
    const literal = await cli(['purge', `${P}lit:[1]*`, '--literal', '--url', url, '--yes']);
    expect(literal.code).toBe(0);
    expect(JSON.parse(literal.stdout).summary.deleted).toBe(1);
    expect(await client.exists(`${P}lit:1`, `${P}lit:[1]*tail`)).toBe(2);
    const prefix = await cli(['purge', `${P}lit:[1]`, '--prefix', '--url', url, '--yes']);
    expect(JSON.parse(prefix.stdout).summary.deleted).toBe(1);
    expect(await client.exists(`${P}lit:1`)).toBe(1);
  });

  it('Ctrl-C stops after the current batch, prints an exact summary and exits 130', async () => {
    await seed('slow', 20_000);
    const result = await cli(['purge', `${P}slow:*`, '--url', url, '--yes', '--rate', '5000'], { interruptWhen: async () => (await count('slow')) < 20_000 });
    expect(result.code).toBe(130);
    const summary = JSON.parse(result.stdout).summary;
    expect(summary.status).toBe('interrupted');
    expect(summary.deleted).toBeGreaterThan(0);
    expect(summary.notReached).toBeGreaterThan(0);
    expect(summary.deleted + summary.alreadyGone + summary.notReached).toBe(20_000);
    expect(await count('slow')).toBe(20_000 - summary.deleted);
    expect(result.stderr).toMatch(/interrupt/);
  });

  it('exits 2 before deleting when the backup cannot be created, and never overwrites a file', async () => {
    await seed('nobackup', 5);
    const missing = await cli(['purge', `${P}nobackup:*`, '--url', url, '--yes', '--backup', path.join(dir, 'no/such/dir/x.bak')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--backup .*its directory does not exist/);
    const existing = path.join(dir, 'existing.bak');
    writeFileSync(existing, 'keep me');
    const exists = await cli(['purge', `${P}nobackup:*`, '--url', url, '--yes', '--backup', existing]);
    expect(exists.code).toBe(2);
    expect(readFileSync(existing, 'utf8')).toBe('keep me');
    expect(await count('nobackup')).toBe(5);
  });

  it('stops with exit 2 when the backup fills up, having deleted only keys that are in the backup', async () => {
    // Random bytes: DUMP would compress a repetitive value to almost nothing.
    await seed('full', 20_000, () => randomBytes(200));
    const file = path.join(dir, 'full.bak');
    // RLIMIT_FSIZE makes writes past 2 MiB fail with EFBIG, like a full disk (SIGXFSZ ignored).
    const result = await cli(['purge', `${P}full:*`, '--url', url, '--yes', '--backup', file], { shellPrefix: 'trap "" XFSZ; ulimit -f 2048' });
    expect(result.code).toBe(2);
    const doc = JSON.parse(result.stdout);
    expect(doc.summary.status).toBe('failed');
    expect(doc.error.code).toBe('BACKUP');
    expect(doc.error.message).toMatch(/file size limit/);
    expect(doc.summary.deleted).toBeGreaterThan(0);
    expect(doc.summary.deleted).toBeLessThan(20_000);
    expect(doc.summary.deleted + doc.summary.notReached).toBe(20_000);
    expect(await count('full')).toBe(20_000 - doc.summary.deleted);

    // Everything deleted is in the backup: restoring brings the keyspace back to 20,000 keys.
    const refused = await cli(['restore', file, '--url', url, '--yes']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--allow-truncated/);
    const restored = await cli(['restore', file, '--url', url, '--yes', '--allow-truncated']);
    const summary = JSON.parse(restored.stdout).summary;
    expect(summary.restored).toBe(doc.summary.deleted);
    expect(await count('full')).toBe(20_000);
  });

  it('--log appends every deleted key as NDJSON, binary keys exactly', async () => {
    await seed('log', 30);
    await client.set(Buffer.from(`${P}log:\xff\x00`, 'latin1'), 'x');
    const file = path.join(dir, 'audit.ndjson');
    const result = await cli(['purge', `${P}log:*`, '--url', url, '--yes', '--log', file]);
    expect(result.code).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(31);
    const binary = lines.find((line) => line.keyBase64 !== undefined);
    expect(Buffer.from(binary.keyBase64, 'base64')).toEqual(Buffer.from(`${P}log:\xff\x00`, 'latin1'));
    expect(new Set(lines.map((line) => line.key)).size).toBe(31);
    expect(lines.every((line) => typeof line.at === 'string' && line.node === `${redis.single.host}:${redis.single.port}`)).toBe(true);
  });
});

describe('purge and restore pointed at a replica', () => {
  it('fail at once (exit 2) naming the master to use, instead of retrying READONLY', async () => {
    const replica = await startRedis({ name: 'purge-e2e-replica', args: ['--replicaof', redis.single.host, String(redis.single.port)] });
    try {
      await seed('onreplica', 10);
      const replicaUrl = `redis://${replica.host}:${replica.port}`;
      const started = Date.now();
      const purged = await cli(['purge', `${P}onreplica:*`, '--url', replicaUrl, '--yes']);
      expect(purged.code).toBe(2);
      expect(purged.stderr).toContain(`${replica.host}:${replica.port} is a read-only replica of ${redis.single.host}:${redis.single.port}`);
      expect(purged.stderr).toContain(`--url redis://${redis.single.host}:${redis.single.port}`);
      const file = path.join(dir, 'replica.bak');
      writeFileSync(file, '');
      const restored = await cli(['restore', file, '--url', replicaUrl, '--yes']);
      expect(restored.code).toBe(2);
      expect(restored.stderr).toContain('is a read-only replica of');
      // Both together, start-up included: far from the 30 s a READONLY retry loop took.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await count('onreplica')).toBe(10);
    } finally {
      await replica.stop();
    }
  });
});

describe('cachectl restore (built binary, no terminal)', () => {
  it('purge --backup then restore: dry run, confirmation, existing keys, --replace, damage', async () => {
    await seed('undo', 40);
    const file = path.join(dir, 'undo.bak');
    const purged = await cli(['purge', `${P}undo:*`, '--url', url, '--yes', '--backup', file, '-o', 'table']);
    expect(purged.code).toBe(0);
    expect(purged.stdout).toMatch(/Purge complete: 40 of 40 planned keys deleted/);
    expect(purged.stdout).toContain(`undo with: cachectl restore ${file}`);
    expect(await count('undo')).toBe(0);

    const dry = await cli(['restore', file, '--url', url, '--dry-run', '-o', 'table']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/restore\s+40 keys/);
    const unconfirmed = await cli(['restore', file, '--url', url]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toMatch(/nothing was restored/);
    expect(await count('undo')).toBe(0);

    const restored = await cli(['restore', file, '--url', url, '--yes']);
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout).summary).toMatchObject({ status: 'complete', restored: 40, existing: 0 });
    expect(await count('undo')).toBe(40);

    await client.set(`${P}undo:0`, 'changed');
    const again = await cli(['restore', file, '--url', url, '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/40 keys exist already and were left alone — run again with --replace/);
    expect(await client.get(`${P}undo:0`)).toBe('changed');
    const replaced = await cli(['restore', file, '--url', url, '--yes', '--replace']);
    expect(replaced.code).toBe(0);
    expect(await client.get(`${P}undo:0`)).toBe('v');

    const data = readFileSync(file);
    data.writeUInt8(data[data.length - 40]! ^ 0xff, data.length - 40);
    writeFileSync(file, data);
    const damaged = await cli(['restore', file, '--url', url, '--yes']);
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toMatch(/is damaged at byte offset \d+: record #40/);
  });
});

const onTerminal = (args: string[], promptText: string, answer: string) => runOnTerminal(args, promptText, answer);

describe('cachectl purge on a terminal', () => {
  it('deletes only after the key count is typed, with a progress line on the terminal', async () => {
    await seed('tty', 25);
    const declined = await onTerminal(['purge', `${P}tty:*`, '--url', url], 'anything else cancels', 'y');
    expect(declined.code).toBe(1);
    expect(declined.output).toContain(`Type 25 to delete 25 keys matching "${P}tty:*" (or the pattern)`);
    expect(declined.output).toMatch(/the confirmation did not match, so nothing was deleted/);
    expect(await count('tty')).toBe(25);

    const confirmed = await onTerminal(['purge', `${P}tty:*`, '--url', url], 'anything else cancels', '25');
    expect(confirmed.code).toBe(0);
    expect(confirmed.output).toMatch(/deleting \[#+\] 25\/25 100%/);
    expect(confirmed.output).toMatch(/Purge complete: 25 of 25 planned keys deleted/);
    expect(await count('tty')).toBe(0);
  });

  it('accepts the pattern itself as the confirmation', async () => {
    await seed('ttypattern', 3);
    const result = await onTerminal(['purge', `${P}ttypattern:*`, '--url', url], 'anything else cancels', `${P}ttypattern:*`);
    expect(result.code).toBe(0);
    expect(await count('ttypattern')).toBe(0);
  });
});

describe('purge --backup announces, before any confirmation, the keys only a whole DUMP can back up', () => {
  // A stream with a consumer group over the DUMP limit (256 KiB): chunks cannot carry the group's
  // pending entries, so without --allow-whole-dump the purge leaves it in place.
  const grouped = `${P}whole:grouped`;
  async function seedWhole(): Promise<void> {
    await seed('whole:small', 20);
    const pipeline = client.pipeline();
    for (let i = 0; i < 6000; i += 1) pipeline.xadd(grouped, '*', 'n', String(i), 'payload', 'x'.repeat(80));
    await pipeline.exec();
    await client.xgroup('CREATE', grouped, 'workers', '0');
    await client.xreadgroup('GROUP', 'workers', 'w1', 'COUNT', '10', 'STREAMS', grouped, '>');
    expect(Number(await client.memory('USAGE', grouped))).toBeGreaterThan(256 * 1024);
  }

  it('--dry-run lists them (table and JSON) with what happens with and without --allow-whole-dump, deleting nothing', async () => {
    await seedWhole();
    const file = path.join(dir, 'whole-dry.bak');
    const table = await cli(['purge', `${P}whole:*`, '--url', url, '--backup', file, '--dry-run', '-o', 'table']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Only a whole DUMP can back up 1 of these keys');
    expect(table.stdout).toMatch(new RegExp(`${grouped}\\s+\\S+\\s+stream\\s+[\\d.]+ KiB\\s+~\\d+ ms`));
    expect(table.stdout).toContain('with these flags: left in place, not deleted; the purge ends INCOMPLETE (exit 2)');
    expect(table.stdout).toMatch(/with --allow-whole-dump: each backed up with one DUMP, which holds the server about \d+ ms/);
    expect(table.stderr).toMatch(/1 planned key \(.+\) can only be backed up by a DUMP of the whole value: this purge leaves it in place/);
    // The chunk-readable notice counts only the keys chunks can read.
    expect(table.stderr).not.toMatch(/larger than 256 KiB: the backup reads/);

    const json = await cli(['purge', `${P}whole:*`, '--url', url, '--backup', file, '--dry-run', '-o', 'json']);
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout).plan;
    expect(plan.matched).toBe(21);
    expect(plan.wholeDump).toMatchObject({ keys: 1, action: 'keep', largest: [{ key: grouped, type: 'stream', node: `${redis.single.host}:${redis.single.port}` }] });
    expect(plan.wholeDump.largest[0].reason).toMatch(/consumer group/);
    expect(plan.wholeDump.longestStallMs).toBeGreaterThanOrEqual(1);
    const allowed = await cli(['purge', `${P}whole:*`, '--url', url, '--backup', file, '--dry-run', '-o', 'json', '--allow-whole-dump']);
    expect(JSON.parse(allowed.stdout).plan.wholeDump.action).toBe('dump-whole');
    // Without --backup nothing is DUMPed, so nothing is announced.
    const plain = await cli(['purge', `${P}whole:*`, '--url', url, '--dry-run', '-o', 'json']);
    expect(JSON.parse(plain.stdout).plan.wholeDump).toBeNull();

    expect(existsSync(file)).toBe(false);
    expect(await count('whole:small')).toBe(20);
    expect(await client.exists(grouped)).toBe(1);
  });

  it('--yes without --allow-whole-dump leaves the key in place and ends INCOMPLETE (exit 2) with exact arithmetic', async () => {
    await seedWhole();
    const result = await cli(['purge', `${P}whole:*`, '--url', url, '--backup', path.join(dir, 'whole-yes.bak'), '--yes', '-o', 'json']);
    expect(result.code).toBe(2);
    const doc = JSON.parse(result.stdout);
    expect(doc.plan.wholeDump.keys).toBe(1);
    expect(doc.error.code).toBe('INCOMPLETE');
    const s = doc.summary;
    expect(s).toMatchObject({ planned: 21, deleted: 20, kept: 1 });
    expect(s.deleted + s.redeleted + s.alreadyGone + s.skipped + s.kept + s.unknown + s.notReached + s.left).toBe(s.planned);
    expect(await client.exists(grouped)).toBe(1);
    expect(await count('whole:small')).toBe(0);
    // Each notice once: the session's notices are not printed again from the summary.
    const notices = result.stderr.split('\n').filter((line) => line.includes(`key ${grouped} is a stream`));
    expect(notices).toHaveLength(1);
  });

  it('on a terminal, the plan names them and the target above the prompt', async () => {
    await seedWhole();
    const result = await onTerminal(['purge', `${P}whole:*`, '--url', url, '--backup', path.join(dir, 'whole-tty.bak')], 'anything else cancels', 'no');
    expect(result.code).toBe(1);
    const prompt = result.output.indexOf('Type 21 to delete 21 keys');
    expect(prompt).toBeGreaterThan(0);
    for (const before of ['Only a whole DUMP can back up 1 of these keys', 'with these flags: left in place', `target: single ${redis.single.host}:${redis.single.port}`]) {
      const at = result.output.indexOf(before);
      expect(at, before).toBeGreaterThanOrEqual(0);
      expect(at, before).toBeLessThan(prompt);
    }
    expect(await client.exists(grouped)).toBe(1);
    expect(await count('whole:small')).toBe(20);
  });
});
