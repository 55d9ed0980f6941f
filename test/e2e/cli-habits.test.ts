// redis-cli habits, as a user coming from redis-cli types them: -h HOST -p PORT -a PASSWORD -u URL
// -n DB, a bare -h for help, every subcommand's --help listing the connection and output flags, and
// the warning about a password on the command line.
import { tmpdir } from 'node:os';
import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const redis = inject('redis');

const PASSWORD_WARNING = /^warning: a password on the command line \(.+\) is visible to other users in ps .*REDISCLI_AUTH.*--askpass$/;

describe('redis-cli flags', () => {
  it('-h HOST -p PORT connects instead of printing help', async () => {
    const result = await runCli(['nodes', '-h', '127.0.0.1', '-p', String(redis.single.port), '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { nodes: { address: string; status: string }[] };
    expect(report.nodes[0]).toMatchObject({ address: `127.0.0.1:${redis.single.port}`, status: 'up' });
  });

  it('-u URL and -n DB', async () => {
    const result = await runCli(['keys', '-u', `redis://127.0.0.1:${redis.single.port}`, '-n', '15', '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
  });

  it('a bare -h shows the help, like --help (exit 0)', async () => {
    for (const args of [['-h'], ['nodes', '-h'], ['keys', '-h', '--depth', '2']]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/^Usage: cachectl/);
    }
  });

  it('-a PASSWORD authenticates, with one warning that it is visible in ps', async () => {
    const { users } = redis.acl;
    const result = await runCli(['nodes', '-p', String(redis.acl.port), '--user', users.admin.username, '-a', users.admin.password, '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(PASSWORD_WARNING)]);
    expect(result.stderr).not.toContain(users.admin.password);
  });

  it('REDISCLI_AUTH authenticates without any warning', async () => {
    const { users } = redis.acl;
    const result = await runCli(['nodes', '-p', String(redis.acl.port), '-o', 'json'], { env: { REDISCLI_AUTH: users.default.password } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
  });
});

describe('ioredis never speaks for itself', () => {
  const NOT_NEEDED = /^warning: the server needs no password \(its default user has none\), so the password given was not used: drop it/;

  it('a password the server does not need: said once in our words, no "[WARN]" from the driver', async () => {
    const result = await runCli(['nodes', '-u', `redis://:unneeded@127.0.0.1:${redis.single.port}`, '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(PASSWORD_WARNING), expect.stringMatching(NOT_NEEDED)]);
  });

  it('once per run even when every node of a Cluster says it', async () => {
    const seeds = redis.cluster.seeds.map((seed) => `${seed.host}:${seed.port}`).join(',');
    const result = await runCli(['nodes', '--cluster', seeds, '-o', 'json'], { env: { REDISCLI_AUTH: 'unneeded' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(NOT_NEEDED)]);
  });
});

describe('every subcommand --help lists its own options, then the connection and output flags', () => {
  const commands = ['nodes', 'keys', 'audit-ttl', 'purge', 'restore', 'memory', 'top', 'browse'];
  it.each(commands)('%s --help', async (command) => {
    const result = await runCli([command, '--help']);
    expect(result.code).toBe(0);
    const text = result.stdout;
    const options = text.indexOf('\nOptions:');
    const connection = text.indexOf('\nConnection:');
    const output = text.indexOf('\nOutput:');
    expect(options).toBeGreaterThan(0);
    expect(connection).toBeGreaterThan(options);
    expect(output).toBeGreaterThan(connection);
    for (const flag of ['-u, --url', '-h, --host', '-p, --port', '-n, --db', '--user', '-a, --password', '--askpass', '--tls', '--cacert', '--sentinel-password', '--context', '-o, --output', '--no-color']) {
      expect(text, `${command} --help lacks ${flag}`).toContain(flag);
    }
  });
});

describe('colour', () => {
  const args = () => ['nodes', '-p', String(redis.single.port), '-o', 'table'];
  it('plain when stdout is not a terminal; FORCE_COLOR=1 forces it, FORCE_COLOR=0 and --no-color do not', async () => {
    const plain = await runCli(args(), { env: { NO_COLOR: '' } });
    expect(plain.stdout).not.toContain('\x1b[');
    const forced = await runCli(args(), { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain('\x1b[');
    expect((await runCli(args(), { env: { NO_COLOR: '', FORCE_COLOR: '0' } })).stdout).not.toContain('\x1b[');
    expect((await runCli([...args(), '--no-color'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } })).stdout).not.toContain('\x1b[');
    expect((await runCli(args(), { env: { NO_COLOR: '1', FORCE_COLOR: '1' } })).stdout).not.toContain('\x1b[');
  });
});

describe('a directory where a file is expected', () => {
  const url = `redis://127.0.0.1:${redis.single.port}`;
  const dir = tmpdir();
  it.each([
    ['restore DIR', ['restore', dir, '--url', url, '--yes'], `backup ${dir} is a directory, not a file`],
    ['audit-ttl --policy DIR', ['audit-ttl', '--policy', dir, '--url', url], `policy file ${dir} is a directory, not a file`],
    ['diff DIR', ['diff', dir, dir], `keyspace document ${dir} is a directory, not a file`],
  ])('%s: one line saying so, usage exit code', async (_name, args, message) => {
    const result = await runCli(args, { env: { NO_COLOR: '1' } });
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(new RegExp(`^error: ${message.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} — `))]);
  });
});
