// `cachectl nodes` as users run it: the built binary against the shared single, Cluster and
// Sentinel servers, and every kind of bad input issue 2 lists, each with its exit code, a
// one-line error on stderr, JSON on stdout in JSON mode, and no password anywhere.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../fixtures/index.js';
import { runCli, runInProcess, tableBody, type CliResult } from '../helpers/cli.js';
import { startSilentServer, type SilentServer } from '../helpers/silent-server.js';

const redis = inject('redis');
const url = (port: number, scheme = 'redis'): string => `${scheme}://127.0.0.1:${port}`;
const NODE_FIELDS = ['address', 'id', 'role', 'status', 'master', 'version', 'server', 'mode', 'slots', 'slotCount', 'keys', 'usedMemoryBytes', 'latencyMs', 'flags', 'slotStats', 'error'];

interface NodeJson {
  address: string;
  role: string;
  status: string;
  master: string | null;
  version: string | null;
  server: string | null;
  mode: string | null;
  slots: [number, number][];
  slotCount: number;
  keys: number | null;
  latencyMs: number | null;
  error: unknown;
}

function json(result: CliResult): { target: unknown; topology: string; nodes: NodeJson[] } {
  return JSON.parse(result.stdout) as { target: unknown; topology: string; nodes: NodeJson[] };
}

/** Exit 2, exactly one line on stderr matching `pattern`, and (table mode) nothing on stdout. */
function expectFailure(result: CliResult, pattern: RegExp, { table = true } = {}): void {
  expect(result.code, `stderr: ${result.stderr}`).toBe(2);
  // A password given on the command line is warned about first (see cli-habits.test.ts); then the one error line.
  const lines = result.stderr.trimEnd().split('\n').filter((line) => !line.startsWith('warning: a password on the command line'));
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  if (table) expect(result.stdout).toBe('');
}

/** In JSON mode an error is also a JSON document on stdout. */
function errorJson(result: CliResult): { code: string; message: string; hint: string | null; exitCode: number } {
  const document = JSON.parse(result.stdout) as { error: { code: string; message: string; hint: string | null; exitCode: number } };
  expect(Object.keys(document)).toEqual(['error']);
  expect(Object.keys(document.error)).toEqual(['code', 'message', 'hint', 'exitCode']);
  return document.error;
}

function expectNoSecret(result: CliResult, ...secrets: string[]): void {
  for (const secret of secrets) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

describe('nodes against the shared servers', () => {
  it('single node as a table', async () => {
    const result = await runCli(['nodes', '--url', url(redis.single.port), '-o', 'table']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const [title, header, row, ...rest] = tableBody(result.stdout, `single 127.0.0.1:${redis.single.port} · db 0`).trimEnd().split('\n');
    expect(title).toBe('standalone: 1 node');
    expect(header!.split(/\s+/)).toEqual(['ADDRESS', 'ROLE', 'STATUS', 'SERVER', 'SLOTS', 'KEYS', 'MEMORY', 'LATENCY', 'MASTER']);
    expect(row).toMatch(new RegExp(`^127\\.0\\.0\\.1:${redis.single.port}\\s+master\\s+up\\s+${redis.server.flavor} ${redis.server.version.replace(/\./g, '\\.')}\\s+-\\s+\\d+\\s+[\\d.]+ [KMG]?i?B\\s+[\\d.]+ ms$`));
    expect(rest).toEqual([]);
  });

  it('single node as JSON: {"topology":"standalone","nodes":[...]} with the documented fields', async () => {
    const result = await runCli(['nodes', '--url', url(redis.single.port), '-o', 'json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const report = json(result);
    expect(Object.keys(report)).toEqual(['target', 'topology', 'nodes']);
    expect(report.target).toEqual({ context: null, topology: 'single', master: null, seed: [`127.0.0.1:${redis.single.port}`], db: 0 });
    expect(report.topology).toBe('standalone');
    expect(report.nodes).toHaveLength(1);
    const [node] = report.nodes;
    expect(Object.keys(node!)).toEqual(NODE_FIELDS);
    expect(node).toMatchObject({ address: `127.0.0.1:${redis.single.port}`, role: 'master', status: 'up', master: null, mode: 'standalone', slots: [], slotCount: 0, error: null });
    expect(node!.version).toBe(redis.server.version);
    expect(node!.server).toBe(`${redis.server.flavor} ${redis.server.version}`);
    expect(node!.keys).toEqual(expect.any(Number));
    expect(node!.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('without a terminal the default output is JSON; ndjson is one node per line; ping is an alias', async () => {
    const byDefault = await runCli(['ping', '--url', url(redis.single.port)]);
    expect(byDefault.code).toBe(0);
    expect(json(byDefault).topology).toBe('standalone');
    const ndjson = await runCli(['nodes', '--cluster', `127.0.0.1:${redis.cluster.seeds[0]!.port}`, '-o', 'ndjson']);
    expect(ndjson.code).toBe(0);
    const lines = ndjson.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { topology: string; address: string });
    expect(lines).toHaveLength(6);
    expect(lines.every((line) => line.topology === 'cluster')).toBe(true);
  });

  it('REDIS_URL is the address when no flag gives one', async () => {
    const result = await runCli(['nodes'], { env: { REDIS_URL: url(redis.single.port) } });
    expect(result.code).toBe(0);
    expect(json(result).nodes[0]!.address).toBe(`127.0.0.1:${redis.single.port}`);
  });

  it('cluster: 6 nodes, 3 masters whose slots add up to 16384, 3 replicas naming their master', async () => {
    for (const args of [['--cluster', redis.cluster.seeds.map((s) => `127.0.0.1:${s.port}`).join(',')], ['--url', url(redis.cluster.nodes[4]!.port)]]) {
      const result = await runCli(['nodes', ...args, '-o', 'json']);
      expect(result.code).toBe(0);
      const report = json(result);
      expect(report.topology).toBe('cluster');
      expect(report.nodes.map((n) => Number(n.address.split(':')[1])).sort()).toEqual(redis.cluster.nodes.map((n) => n.port).sort());
      const masters = report.nodes.filter((n) => n.role === 'master');
      const replicas = report.nodes.filter((n) => n.role === 'replica');
      expect(masters).toHaveLength(3);
      expect(masters.reduce((sum, m) => sum + m.slotCount, 0)).toBe(16_384);
      expect(masters.every((m) => m.mode === 'cluster' && m.status === 'up' && m.slots.length > 0)).toBe(true);
      expect(replicas.map((r) => r.master).sort()).toEqual(masters.map((m) => m.address).sort());
    }
  });

  it('cluster rows do not depend on the seed: masters by first slot, each followed by its replicas', async () => {
    const orders = await Promise.all(
      redis.cluster.nodes.map(async (node) => {
        const result = await runCli(['nodes', '--url', url(node.port), '-o', 'json']);
        expect(result.code, result.stderr).toBe(0);
        return json(result).nodes;
      }),
    );
    const first = orders[0]!;
    for (const order of orders) expect(order.map((n) => n.address)).toEqual(first.map((n) => n.address));
    // Masters by their first slot, each one's replicas right after it.
    const masters = first.filter((n) => n.role === 'master');
    expect(masters.map((m) => m.slots[0]![0])).toEqual([...masters.map((m) => m.slots[0]![0])].sort((a, b) => a - b));
    first.forEach((node, index) => {
      if (node.role === 'replica') expect([first[index - 1]!.address, first[index - 1]!.master]).toContain(node.master);
    });
  });

  it('a cluster seed that never answers is listed as down, not dropped (exit 2)', async () => {
    const dead = await freePort();
    const result = await runCli(['nodes', '--cluster', `127.0.0.1:${dead},127.0.0.1:${redis.cluster.seeds[0]!.port}`, '-o', 'json']);
    expect(result.code).toBe(2);
    const report = json(result);
    expect(report.nodes).toHaveLength(7);
    expect(report.nodes.at(-1)).toMatchObject({ address: `127.0.0.1:${dead}`, role: 'seed', status: 'down' });
    expect(result.stderr.trimEnd().split('\n')).toEqual([`warning: seed 127.0.0.1:${dead} is down: cannot connect to seed 127.0.0.1:${dead}: connection refused`]);
  });

  it('a --sentinel address that never answers is listed as a sentinel that is down, after the others', async () => {
    const { sentinels, masterName } = redis.sentinel;
    const dead = await freePort();
    const result = await runCli(['nodes', '--sentinel', `127.0.0.1:${dead},127.0.0.1:${sentinels[0]!.port}`, '--master', masterName, '-o', 'json']);
    expect(result.code).toBe(2);
    const report = json(result);
    expect(report.nodes.map((n) => n.role)).toEqual(['master', 'replica', 'sentinel', 'sentinel', 'sentinel', 'sentinel']);
    expect(report.nodes.filter((n) => n.status === 'down').map((n) => n.address)).toEqual([`127.0.0.1:${dead}`]);
  });

  it('cluster as a table shows slot ranges with their counts', async () => {
    const result = await runCli(['nodes', '--url', url(redis.cluster.seeds[0]!.port), '-o', 'table']);
    expect(result.code).toBe(0);
    const lines = tableBody(result.stdout, `cluster via 127.0.0.1:${redis.cluster.seeds[0]!.port} · db 0`).trimEnd().split('\n');
    expect(lines[0]).toBe('cluster: 6 nodes');
    expect(lines.filter((line) => /\smaster\s+up\s.*\s\d+-\d+ \(\d+\)\s/.test(line))).toHaveLength(3);
    expect(lines.filter((line) => /\sreplica\s+up\s.*127\.0\.0\.1:\d+$/.test(line))).toHaveLength(3);
  });

  it('sentinel: the master, its replica and the 3 sentinels', async () => {
    const { sentinels, master, replica, masterName } = redis.sentinel;
    const result = await runCli(['nodes', '--sentinel', `127.0.0.1:${sentinels[2]!.port}`, '--master', masterName, '-o', 'json']);
    expect(result.code).toBe(0);
    const report = json(result);
    expect(report.topology).toBe('sentinel');
    const byRole = (role: string) => report.nodes.filter((n) => n.role === role).map((n) => n.address).sort();
    expect(byRole('master')).toEqual([`127.0.0.1:${master.port}`]);
    expect(byRole('replica')).toEqual([`127.0.0.1:${replica.port}`]);
    expect(byRole('sentinel')).toEqual(sentinels.map((s) => `127.0.0.1:${s.port}`).sort());
    expect(report.nodes.find((n) => n.role === 'replica')!.master).toBe(`127.0.0.1:${master.port}`);
    expect(report.nodes.filter((n) => n.role === 'sentinel').every((n) => n.mode === 'sentinel' && n.keys === null && n.status === 'up')).toBe(true);
  });
});

describe('unreachable servers', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(() => silent.close());

  it('a port with nothing listening: exit 2 at once, naming the address', async () => {
    const port = await freePort();
    const result = await runCli(['nodes', '--url', url(port), '--timeout', '2s', '-o', 'table']);
    expectFailure(result, new RegExp(`^error: cannot connect to node 127\\.0\\.0\\.1:${port}: connection refused — check the host and port`));
    expect(result.durationMs).toBeLessThan(2_000);
  });

  it('a server that accepts TCP but never answers: exit 2 soon after --timeout 500ms, saying so', async () => {
    const result = await runCli(['nodes', '--url', url(silent.port), '--timeout', '500ms', '-o', 'table']);
    // The same process start-up without a connection, measured beside it: a loaded machine slows both alike.
    const startup = await runCli(['version']);
    expectFailure(result, new RegExp(`^error: no answer from node 127\\.0\\.0\\.1:${silent.port} within 500 ms — .*raise --timeout`));
    expect(result.durationMs).toBeGreaterThanOrEqual(500);
    // Start-up plus the 500 ms bound; before the fix this took over 3 s.
    expect(result.durationMs - startup.durationMs).toBeLessThan(1_500);
  });

  it('in JSON mode the error is on stdout too', async () => {
    const port = await freePort();
    const result = await runCli(['nodes', '--url', url(port), '-o', 'json']);
    expectFailure(result, /connection refused/, { table: false });
    expect(errorJson(result)).toEqual({
      code: 'CONNECT',
      message: `cannot connect to node 127.0.0.1:${port}: connection refused`,
      hint: 'check the host and port (--url, --host/--port) and that redis-server is running there',
      exitCode: 2,
    });
  });
});

describe('authentication and permissions', () => {
  const acl = url(redis.acl.port);
  const { users } = redis.acl;

  it('a wrong --password: WRONGPASS, exit 2, password not printed', async () => {
    const result = await runCli(['nodes', '--url', acl, '--user', 'limited', '--password', 'Wr0ng-flag-secret', '-o', 'json']);
    expectFailure(result, new RegExp(`^error: authentication failed at node 127\\.0\\.0\\.1:${redis.acl.port} for user "limited" \\(WRONGPASS\\)`), { table: false });
    expect(errorJson(result).code).toBe('AUTH');
    expectNoSecret(result, 'Wr0ng-flag-secret');
  });

  it('a wrong REDISCLI_AUTH, and a wrong URL password: WRONGPASS, never printed', async () => {
    const fromEnv = await runCli(['nodes', '--url', acl, '-o', 'table'], { env: { REDISCLI_AUTH: 'Wr0ng-env-secret' } });
    expectFailure(fromEnv, /for user "default" \(WRONGPASS\)/);
    expectNoSecret(fromEnv, 'Wr0ng-env-secret');
    const fromUrl = await runCli(['nodes', '--url', `redis://limited:Wr0ng-url-secret@127.0.0.1:${redis.acl.port}`, '-o', 'json']);
    expectFailure(fromUrl, /for user "limited" \(WRONGPASS\)/, { table: false });
    expectNoSecret(fromUrl, 'Wr0ng-url-secret');
  });

  it('--password and REDISCLI_AUTH both given: the flag is used, neither is printed', async () => {
    const result = await runCli(['nodes', '--url', acl, '--password', 'Wr0ng-flag-secret', '-o', 'table'], { env: { REDISCLI_AUTH: users.default.password } });
    expectFailure(result, /WRONGPASS/);
    expectNoSecret(result, 'Wr0ng-flag-secret', users.default.password);
  });

  it('no password for a server that needs one: NOAUTH', async () => {
    expectFailure(await runCli(['nodes', '--url', acl, '-o', 'table']), /requires a password \(NOAUTH\) — set REDISCLI_AUTH or CACHECTL_PASSWORD/);
  });

  it('the right password works and is not printed either', async () => {
    const result = await runCli(['nodes', '--url', acl, '--user', 'admin', '-o', 'json'], { env: { CACHECTL_PASSWORD: users.admin.password } });
    expect(result.code).toBe(0);
    expect(json(result).nodes[0]!.status).toBe('up');
    expectNoSecret(result, users.admin.password);
  });

  it('a user lacking a permission: NOPERM, exit 2 (noperm has INFO and PING, which nodes needs, but not SELECT)', async () => {
    const creds = ['--user', users.noperm.username, '--password', users.noperm.password];
    // In database 0 nodes needs nothing noperm lacks ...
    const allowed = await runCli(['nodes', '--url', acl, ...creds, '-o', 'json']);
    expect(allowed.code).toBe(0);
    // ... another database needs SELECT, which it lacks. (Before the fix this printed db 0's figures.)
    const refused = await runCli(['nodes', '--url', acl, ...creds, '--db', '3', '-o', 'json']);
    expectFailure(refused, new RegExp(`^error: user "noperm" lacks a permission at node 127\\.0\\.0\\.1:${redis.acl.port}: NOPERM .*'select' command.* — grant it with ACL SETUSER`), { table: false });
    expect(errorJson(refused).code).toBe('NOPERM');
    expectNoSecret(refused, users.noperm.password);
  });

  it('a database the server does not have: exit 2 naming --db', async () => {
    expectFailure(await runCli(['nodes', '--url', `${url(redis.single.port)}/99`, '-o', 'table']), /^error: --db 99: node 127\.0\.0\.1:\d+ refused SELECT 99: ERR DB index is out of range/);
  });
});

describe('TLS', () => {
  const { port, caFile, certFile, keyFile, otherCaFile } = redis.tls;

  it('with the CA, and with a client certificate: exit 0', async () => {
    const withCa = await runCli(['nodes', '--url', url(port, 'rediss'), '--cacert', caFile, '-o', 'json']);
    expect(withCa.code).toBe(0);
    expect(withCa.stderr).toBe('');
    const withCert = await runCli(['nodes', '--url', url(port), '--tls', '--cacert', caFile, '--cert', certFile, '--key', keyFile, '--sni', redis.tls.serverName, '-o', 'json']);
    expect(withCert.code).toBe(0);
    expect(json(withCert).nodes[0]!.status).toBe('up');
  });

  it('TLS to a non-TLS server: exit 2 saying the port may not speak TLS', async () => {
    const result = await runCli(['nodes', '--url', url(redis.single.port, 'rediss'), '--timeout', '1s', '-o', 'table']);
    expectFailure(result, new RegExp(`^error: no TLS handshake with node 127\\.0\\.0\\.1:${redis.single.port} within 1000 ms — the port may not speak TLS: use redis:// or drop --tls`));
    expect(result.durationMs).toBeLessThan(2_500);
  });

  it('plain TCP to the TLS port: exit 2 suggesting rediss://', async () => {
    const result = await runCli(['nodes', '--url', url(port), '-o', 'table']);
    expectFailure(result, new RegExp(`^error: node 127\\.0\\.0\\.1:${port} closed the connection before answering — if this is a TLS port, use rediss:// or --tls`));
  });

  it('an unknown CA, or none: exit 2, the certificate could not be verified', async () => {
    for (const extra of [['--cacert', otherCaFile], []]) {
      const result = await runCli(['nodes', '--url', url(port, 'rediss'), ...extra, '-o', 'table']);
      expectFailure(result, new RegExp(`^error: TLS certificate of node 127\\.0\\.0\\.1:${port} could not be verified: self-signed certificate in certificate chain — pass --cacert FILE`));
    }
  });

  it('--insecure connects anyway and warns on stderr', async () => {
    const result = await runCli(['nodes', '--url', url(port, 'rediss'), '--insecure', '-o', 'table']);
    expect(result.code).toBe(0);
    expect(tableBody(result.stdout)).toMatch(/^standalone: 1 node\n/);
    expect(result.stderr).toBe('warning: --insecure: the server certificate is not verified; anyone in the path can read this session\n');
  });

  it('--cert without --key: usage error', async () => {
    expectFailure(await runCli(['nodes', '--url', url(port, 'rediss'), '--cert', certFile, '-o', 'table']), /^error: --cert needs its pair — a client certificate needs both --cert and --key$/);
  });
});

describe('topology mistakes', () => {
  it('--db 3 against the cluster: exit 2, Cluster has only db 0 (asked for or detected)', async () => {
    const seed = `127.0.0.1:${redis.cluster.seeds[0]!.port}`;
    for (const args of [['--cluster', seed, '--db', '3'], ['--url', `redis://${seed}/3`], ['--url', `redis://${seed}`, '-n', '3']]) {
      expectFailure(await runCli(['nodes', ...args, '-o', 'table']), /^error: --db 3: Redis Cluster has only database 0 — drop --db \(or the \/db part of the URL\)/);
    }
  });

  it('an unknown master name: exit 2 listing the names Sentinel knows', async () => {
    const sentinel = `127.0.0.1:${redis.sentinel.sentinels[0]!.port}`;
    const result = await runCli(['nodes', '--sentinel', sentinel, '--master', 'nosuchmaster', '-o', 'json']);
    expectFailure(result, new RegExp(`^error: sentinel ${sentinel} knows no master named "nosuchmaster" — --master must be one of: ${redis.sentinel.masterName}$`), { table: false });
    expect(errorJson(result).code).toBe('SENTINEL');
  });

  it('all sentinels down: exit 2 naming each', async () => {
    const down = [await freePort(), await freePort()];
    const result = await runCli(['nodes', '--sentinel', down.map((p) => `127.0.0.1:${p}`).join(','), '--master', 'mymaster', '-o', 'table']);
    expectFailure(result, /^error: no sentinel answered for master "mymaster": /);
    for (const port of down) expect(result.stderr).toContain(`cannot connect to sentinel 127.0.0.1:${port}: connection refused`);
  });
});

describe('usage errors: exit 2 with a usage hint', () => {
  it.each<[string, string[], RegExp]>([
    ['a malformed URL', ['--url', 'redis://127.0.0.1:99999'], /^error: --url is not a valid Redis URL: "redis:\/\/127\.0\.0\.1:99999" — use redis:\/\/\[user:password@\]host:port\[\/db\]/],
    ['a URL with the wrong scheme', ['--url', 'http://127.0.0.1:6380'], /^error: --url has scheme "http:", expected redis: or rediss: — use redis:\/\/host:port/],
    ['a URL with a bad db', ['--url', 'redis://127.0.0.1:6380/x'], /^error: --url has "\/x" where a database number belongs — use redis:\/\/host:port\/3/],
    ['an unknown flag', ['--bogus'], /^error: unknown option '--bogus' — run cachectl nodes --help for usage$/],
    ['a bad --output', ['-o', 'xml'], /^error: option '-o, --output <format>' argument 'xml' is invalid\. Allowed choices are table, json, ndjson\. — run cachectl nodes --help for usage$/],
    ['--cluster with --sentinel', ['--cluster', '--sentinel', '127.0.0.1:26380', '--master', 'm'], /^error: --cluster cannot be combined with --sentinel — a deployment is either a Cluster or a Sentinel group: drop one of the two$/],
    ['--url with --host', ['--url', 'redis://127.0.0.1:6380', '--host', 'cache'], /^error: --url cannot be combined with --host\/--port — give the address one way/],
    ['--sentinel without --master', ['--sentinel', '127.0.0.1:26380'], /^error: --sentinel needs --master NAME — name the master group/],
    ['a bad --timeout', ['--timeout', 'soon'], /^error: --timeout .*"soon"/],
  ])('%s', async (_name, args, pattern) => {
    const result = await runCli(['nodes', ...args, '-o', 'table']);
    expectFailure(result, pattern);
  });

  it('an unknown command', async () => {
    expectFailure(await runCli(['nodez', '-o', 'table']), /^error: unknown command 'nodez' \(Did you mean nodes\?\) — run cachectl --help for usage$/);
  });

  it('passwords in a malformed URL are not printed', async () => {
    const result = await runCli(['nodes', '--url', 'redis://ops:S3cret@pw@127.0.0.1:99999', '-o', 'json']);
    expectFailure(result, /^error: --url is not a valid Redis URL: "redis:\/\/ops:\*\*\*@127\.0\.0\.1:99999"/, { table: false });
    expectNoSecret(result, 'S3cret', 'pw@127');
  });

  it('in JSON mode usage errors are JSON on stdout too, whoever detects them', async () => {
    for (const args of [['--cluster', '--sentinel', '127.0.0.1:26380', '--master', 'm'], ['--bogus'], ['--url', 'nope']]) {
      for (const output of [['-o', 'json'], ['--output=json'], []]) {
        const result = await runCli(['nodes', ...args, ...output]);
        expectFailure(result, /.+/, { table: false });
        const error = errorJson(result);
        expect(error.code).toBe('USAGE');
        expect(error.exitCode).toBe(2);
        expect(result.stderr).toBe(`error: ${error.message} — ${error.hint}\n`);
      }
    }
  });

  it('--help and --version exit 0 on stdout', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: cachectl \[options\] \[command\]/);
    expect(help.stdout).toMatch(/Exit codes: 0 ok, 1 findings/);
    expect(help.stderr).toBe('');
    const nodesHelp = await runCli(['nodes', '--help']);
    expect(nodesHelp.code).toBe(0);
    expect(nodesHelp.stdout).toMatch(/^Usage: cachectl nodes\|ping \[options\]/);
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(version.stderr).toBe('');
  });
});

describe('in process (run() with in-memory streams)', () => {
  it('gives the same outcome as the binary', async () => {
    const ok = await runInProcess(['nodes', '--url', url(redis.single.port), '-o', 'json']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('');
    expect(json(ok).nodes[0]!.address).toBe(`127.0.0.1:${redis.single.port}`);

    const port = await freePort();
    const refused = await runInProcess(['nodes', '--url', url(port), '-o', 'table']);
    expectFailure(refused, new RegExp(`^error: cannot connect to node 127\\.0\\.0\\.1:${port}: connection refused`));

    const usage = await runInProcess(['nodes', '--bogus', '-o', 'json']);
    expectFailure(usage, /^error: unknown option '--bogus'/, { table: false });
    expect(errorJson(usage).code).toBe('USAGE');
  });

  it('reads only the environment it is given', async () => {
    const result = await runInProcess(['nodes'], { REDIS_URL: url(redis.single.port) });
    expect(result.code).toBe(0);
    expect(json(result).nodes[0]!.address).toBe(`127.0.0.1:${redis.single.port}`);
  });
});
