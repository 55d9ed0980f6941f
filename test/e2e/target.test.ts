// Every output names its target (issue 16 §4): the first line of a table, a `target` field in every
// JSON document (context, topology, seed, db), the line right above a purge or restore prompt; and
// a Sentinel given as a plain address (issue 13 §4) is used through Sentinel, or refused with the
// flags to use when it monitors several masters.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminClient, startRedis, stopAll, type RedisProcess } from '../fixtures/index.js';
import { runCli, runOnTerminal, tableBody } from '../helpers/cli.js';

const redis = inject('redis');
const single = `127.0.0.1:${redis.single.port}`;
/** An empty database of the shared single server, so the db number visibly travels through. */
const DB = 5;
const P = 'target-e2e:';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-target-'));
const config = path.join(dir, 'config.json');
writeFileSync(config, JSON.stringify({ contexts: { local: { url: `redis://${single}/${DB}` } } }));
const env = { CACHECTL_CONFIG: config };
const expected = { context: 'local', topology: 'single', master: null, seed: [single], db: DB };
const expectedLine = `single ${single} · db ${DB} · context local`;

const baseline = path.join(dir, 'baseline.json');
const backup = path.join(dir, 'target.bak');

beforeAll(async () => {
  const client = adminClient(redis.single.port);
  try {
    await client.select(DB);
    await client.mset(`${P}a`, '1', `${P}b`, '2', `${P}c`, '3');
    // The rest of the database, so the purges below stay under --max-share.
    await client.mset(...Array.from({ length: 20 }, (_, i) => [`${P}ballast:${i}`, 'x']).flat());
  } finally {
    await client.quit();
  }
  const keys = await runCli(['keys', '--context', 'local', '-o', 'json'], { env });
  writeFileSync(baseline, keys.stdout);
  const purged = await runCli(['purge', `${P}c`, '--context', 'local', '--yes', '--backup', backup, '-o', 'json'], { env });
  expect(purged.code, purged.stderr).toBe(0);
});

afterAll(async () => {
  const client = adminClient(redis.single.port);
  try {
    await client.select(DB);
    await client.flushdb();
  } finally {
    await client.quit();
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Each command with the arguments that make it short, and whether its JSON is an array of records (top). */
const COMMANDS: { name: string; args: string[]; table: boolean }[] = [
  { name: 'nodes', args: ['nodes'], table: true },
  { name: 'keys', args: ['keys'], table: true },
  { name: 'bigkeys', args: ['bigkeys'], table: true },
  { name: 'audit-ttl', args: ['audit-ttl', `${P}*`], table: true },
  { name: 'memory', args: ['memory', '--interval', '0'], table: true },
  { name: 'purge', args: ['purge', `${P}a`, '--dry-run'], table: true },
  { name: 'restore', args: ['restore', backup, '--dry-run'], table: true },
  { name: 'traffic', args: ['traffic', '--duration', '1s'], table: true },
  { name: 'snapshot', args: ['snapshot', '--duration', '1s', '--no-keys'], table: true },
  { name: 'diff', args: ['diff', baseline, '--live'], table: true },
  { name: 'top', args: ['top', '--iterations', '1', '--refresh', '200ms'], table: false },
];

describe('every output names its target', () => {
  it.each(COMMANDS)('$name: JSON carries target {context, topology, master, seed, db}', async ({ args }) => {
    const result = await runCli([...args, '--context', 'local', '-o', 'json'], { env });
    expect(result.code, result.stderr).toBeLessThanOrEqual(1);
    const document = JSON.parse(result.stdout) as { target: unknown } | { target: unknown }[];
    const first = Array.isArray(document) ? document[0]! : document;
    expect(first.target).toEqual(expected);
  });

  it.each(COMMANDS.filter((command) => command.table))('$name: the first line of the table names it', async ({ args }) => {
    const result = await runCli([...args, '--context', 'local', '-o', 'table'], { env });
    expect(result.code, result.stderr).toBeLessThanOrEqual(1);
    expect(result.stdout.split('\n')[0]).toBe(`target: ${expectedLine}`);
    expect(tableBody(result.stdout, expectedLine)).not.toContain('target:');
  });

  it('an error after connecting: the JSON error document names the target too', async () => {
    // Redis before 8 has no INFO keysizes, so --quick fails after connecting (on Redis 8 it succeeds; either way the document names the target).
    const result = await runCli(['bigkeys', '--quick', '--context', 'local', '-o', 'json'], { env });
    const document = JSON.parse(result.stdout) as { target: unknown; error?: { exitCode: number } };
    expect(document.target).toEqual(expected);
    if (document.error !== undefined) expect(Object.keys(document)).toEqual(['target', 'error']);
  });

  it('NDJSON: every node line, and the summary record of typed streams', async () => {
    const nodes = await runCli(['nodes', '--context', 'local', '-o', 'ndjson'], { env });
    for (const line of nodes.stdout.trimEnd().split('\n')) expect((JSON.parse(line) as { target: unknown }).target).toEqual(expected);
    const memory = await runCli(['memory', '--interval', '0', '--context', 'local', '-o', 'ndjson'], { env });
    const total = memory.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string; target?: unknown }).find((record) => record.type === 'total');
    expect(total?.target).toEqual(expected);
  });

  it('without a context: context null, and the seeds of a Cluster as given', async () => {
    const seeds = redis.cluster.seeds.slice(0, 2).map((seed) => `127.0.0.1:${seed.port}`);
    const result = await runCli(['nodes', '--cluster', seeds.join(','), '-o', 'json']);
    expect((JSON.parse(result.stdout) as { target: unknown }).target).toEqual({ context: null, topology: 'cluster', master: null, seed: seeds, db: 0 });
    const table = await runCli(['keys', '--cluster', seeds.join(','), '-o', 'table']);
    expect(table.stdout.split('\n')[0]).toBe(`target: cluster via ${seeds.join(',')} · db 0`);
  });

  it('the audit reports: a JUnit property and a Markdown line', async () => {
    const junit = path.join(dir, 'audit.xml');
    const markdown = path.join(dir, 'audit.md');
    await runCli(['audit-ttl', `${P}*`, '--context', 'local', '-o', 'json', '--report', `junit=${junit}`, '--report', `markdown=${markdown}`], { env });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(junit, 'utf8')).toContain(`<property name="target" value="${expectedLine}"/>`);
    expect(readFileSync(markdown, 'utf8')).toContain(`Target: ${expectedLine}`);
  });
});

describe('the purge and restore prompts name the target right above the question', () => {
  it('purge: servers, database and context, then the question', async () => {
    const { output } = await runOnTerminal(['purge', `${P}b`, '--context', 'local'], 'anything else cancels', 'no', env);
    const lines = output.split(/\r?\n/);
    const question = lines.findIndex((line) => line.startsWith('Type 1 to delete 1 keys'));
    expect(question, output).toBeGreaterThan(0);
    expect(lines[question - 1]).toBe(`target: ${expectedLine} — deletes on ${single}`);
  });

  it('restore: the same line, naming the server it restores onto', async () => {
    const { output } = await runOnTerminal(['restore', backup, '--context', 'local'], 'anything else cancels', 'no', env);
    const lines = output.split(/\r?\n/);
    const question = lines.findIndex((line) => line.startsWith('Type 1 to restore 1 keys'));
    expect(question, output).toBeGreaterThan(0);
    expect(lines[question - 1]).toBe(`target: ${expectedLine} — restores onto ${single}`);
  });
});

describe('a Sentinel given as --url', () => {
  const { sentinels, masterName, master } = redis.sentinel;
  const sentinel = `127.0.0.1:${sentinels[0]!.port}`;
  const masterAddress = `127.0.0.1:${master.port}`;
  const notice = `warning: ${sentinel} is a Sentinel; using master ${masterName} — pass --sentinel ${sentinel} --master ${masterName} to say so\n`;

  it('nodes: uses its one master through Sentinel, says so on stderr, names it as the target', async () => {
    const result = await runCli(['nodes', '--url', `redis://${sentinel}`, '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(notice);
    const report = JSON.parse(result.stdout) as { target: unknown; topology: string; nodes: { address: string; role: string }[] };
    expect(report.target).toEqual({ context: null, topology: 'sentinel', master: masterName, seed: [sentinel], db: 0 });
    expect(report.topology).toBe('sentinel');
    expect(report.nodes.filter((node) => node.role === 'master').map((node) => node.address)).toEqual([masterAddress]);
    const table = await runCli(['nodes', '--url', `redis://${sentinel}`, '-o', 'table']);
    expect(table.stdout.split('\n')[0]).toBe(`target: sentinel master ${masterName} via ${sentinel} · db 0`);
  });

  it('with a database in the URL (a Sentinel refuses SELECT): the data nodes use it', async () => {
    const result = await runCli(['nodes', '--url', `redis://${sentinel}/3`, '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(notice);
    expect((JSON.parse(result.stdout) as { target: unknown }).target).toEqual({ context: null, topology: 'sentinel', master: masterName, seed: [sentinel], db: 3 });
  });

  describe('with keys on the master', () => {
    beforeAll(async () => {
      const client = adminClient(master.port);
      await client.set(`${P}sentinel:1`, 'no ttl');
      await client.set(`${P}sentinel:2`, 'ttl', 'EX', 600);
      await client.quit();
    });
    afterAll(async () => {
      const client = adminClient(master.port);
      await client.del(`${P}sentinel:1`, `${P}sentinel:2`);
      await client.quit();
    });

    it('keys: scans the master, not the Sentinel', async () => {
      const result = await runCli(['keys', `${P}sentinel:*`, '--url', `redis://${sentinel}`, '-o', 'json']);
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as { scanned: number; nodes: { node: string; status: string }[] };
      expect(report.scanned).toBe(2);
      expect(report.nodes).toEqual([expect.objectContaining({ node: masterAddress, status: 'done' })]);
    });

    it('audit-ttl: audits the master (1 key without TTL fails the default rule), never PASS on an empty Sentinel', async () => {
      const result = await runCli(['audit-ttl', `${P}sentinel:*`, '--url', `redis://${sentinel}`, '-o', 'table']);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout).not.toMatch(/PASS|INCOMPLETE/);
      expect(result.stdout).toMatch(/\nFAIL: .*1 of 2 keys/);
    });
  });

  describe('monitoring two masters', () => {
    let processes: RedisProcess[] = [];
    let address = '';

    beforeAll(async () => {
      const [first, second] = await Promise.all([startRedis({ name: 'target-m1' }), startRedis({ name: 'target-m2' })]);
      processes = [first!, second!];
      const watcher = await startRedis({
        name: 'target-sentinel',
        sentinel: true,
        config: [`sentinel monitor beta 127.0.0.1 ${second!.port} 1`, `sentinel monitor alpha 127.0.0.1 ${first!.port} 1`, 'sentinel resolve-hostnames no', ''].join('\n'),
      });
      processes.push(watcher);
      address = `127.0.0.1:${watcher.port}`;
    });
    afterAll(async () => stopAll(processes));

    it('exit 2, one line listing both with the exact flags to use', async () => {
      for (const command of ['nodes', 'keys', 'audit-ttl']) {
        const result = await runCli([command, '--url', `redis://${address}`, '-o', 'table']);
        expect(result.code).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr).toBe(
          `error: ${address} is a Sentinel monitoring 2 masters: alpha (127.0.0.1:${processes[0]!.port}), beta (127.0.0.1:${processes[1]!.port}) — ` +
            `name one: --sentinel ${address} --master alpha | --sentinel ${address} --master beta\n`,
        );
      }
    });

    it('in JSON mode the error is a JSON document too', async () => {
      const result = await runCli(['nodes', '--url', `redis://${address}`, '-o', 'json']);
      expect(result.code).toBe(2);
      expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'USAGE', exitCode: 2 } });
    });
  });
});
