// `cachectl traffic` as a user and a CI job run it: the table, the JSON, the guards on its flags,
// and notify-keyspace-events put back after Ctrl-C — or, after a SIGKILL, by --restore-config.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminClient, startRedis, waitFor, type RedisProcess } from '../fixtures/index.js';
import { runCli, startCli } from '../helpers/cli.js';

let server: RedisProcess;
let admin: Redis;
let stateDir: string;
let url: string;

beforeAll(async () => {
  server = await startRedis({ name: 'traffic-e2e' });
  admin = adminClient(server.port);
  url = `redis://${server.host}:${server.port}`;
  stateDir = mkdtempSync(path.join(tmpdir(), 'cachectl-traffic-e2e-'));
});
afterAll(async () => {
  admin.disconnect();
  await server.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

const env = () => ({ CACHECTL_STATE_DIR: stateDir });
const stateFile = () => path.join(stateDir, 'traffic-restore.json');

async function notifyFlags(): Promise<string> {
  return String(((await admin.call('CONFIG', 'GET', 'notify-keyspace-events')) as string[])[1]);
}

/** Reads a few keys in a loop until stopped, so the sample has something in it. */
function backgroundReads(): () => Promise<void> {
  const client = adminClient(server.port);
  let running = true;
  const loop = (async () => {
    let i = 0;
    while (running) {
      await client.get(`e2e:page:${i % 40}`);
      await client.set(`e2e:page:${i % 20}`, 'html', 'EX', 60);
      i += 1;
    }
  })();
  return async () => {
    running = false;
    await loop;
    client.disconnect();
  };
}

describe('cachectl traffic under a restricted ACL user', () => {
  const acl = inject('redis').acl;
  const as = (user: 'limited' | 'noperm') => ({ env: { ...env(), REDISCLI_AUTH: acl.users[user].password } });
  const target = () => ['--url', `redis://${acl.host}:${acl.port}`];

  it('without MONITOR: one clear line saying what still works, exit 2', async () => {
    const result = await runCli(['traffic', ...target(), '--user', 'noperm', '--duration', '1s'], as('noperm'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/MONITOR is not permitted here .*traffic cannot sample commands/);
    expect(result.stderr).toMatch(/cachectl bigkeys.*cachectl top/);
  });

  it('without CONFIG: samples reads and writes, and says why there is no hit rate', async () => {
    const result = await runCli(['traffic', ...target(), '--user', 'limited', '--duration', '1s', '--enable-miss-events', '-o', 'json'], as('limited'));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ hitRates: false, nodes: [{ missEvents: 'off' }] });
    expect(result.stderr).toMatch(/no hit rate — cannot read notify-keyspace-events \(.*NOPERM/);
  });
});

describe('cachectl traffic where MONITOR is not permitted but INFO is', () => {
  const user = ['--user', 'nomonitor'];
  const asUser = { env: { ...env(), REDISCLI_AUTH: 'nomonitor-pw' } };
  beforeAll(async () => {
    await admin.call('ACL', 'SETUSER', 'nomonitor', 'on', '>nomonitor-pw', '~*', '&*', '+@all', '-monitor');
    await admin.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
    for (let i = 0; i < 40; i++) await admin.set(`e2e:page:${i}`, 'html', 'EX', 600);
  });
  afterAll(async () => {
    await admin.call('ACL', 'DELUSER', 'nomonitor');
    await admin.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
  });

  it('falls back to each node\'s hit rate and ops/s from INFO over the window, points to bigkeys for hot keys, exit 2', async () => {
    const stop = backgroundReads();
    const result = await runCli(['traffic', '--url', url, ...user, '--duration', '1500ms', '-o', 'table'], asUser);
    await stop();
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^No per-namespace figures \(MONITOR is not permitted\)\. Each node over the same 1\.5s, from INFO:$/m);
    // The background loop reads 40 keys that exist (hits) and the 20 it rewrites: the hit rate is 100%.
    expect(result.stdout).toMatch(new RegExp(`^${server.host}:${server.port} +[\\d,.]+ +100% +[\\d,]+ +allkeys-lfu$`, 'm'));
    expect(result.stdout).toMatch(/Hot keys: .* keeps LFU frequencies: `cachectl bigkeys` names the most accessed keys/);
    expect(result.stderr).toMatch(/^error: .*MONITOR is not permitted here .*no per-namespace figures — per-namespace figures need a user with \+monitor/m);
  });

  it('-o json: one document with the refusal and the node figures', async () => {
    const result = await runCli(['traffic', '--url', url, ...user, '--duration', '500ms', '-o', 'json'], asUser);
    expect(result.code).toBe(2);
    const doc = JSON.parse(result.stdout);
    expect(doc.target).toEqual({ context: null, topology: 'single', master: null, seed: [`${server.host}:${server.port}`], db: 0 });
    expect(doc).toMatchObject({ monitor: false, error: { code: 'NOPERM', exitCode: 2 }, durationMs: 500, nodes: [{ address: `${server.host}:${server.port}`, maxmemoryPolicy: 'allkeys-lfu', lfu: true }] });
    expect(typeof doc.nodes[0].opsPerSec).toBe('number');
  });
});

describe('cachectl traffic', () => {
  it('prints namespaces with their hit rate and puts the setting back', async () => {
    const stop = backgroundReads();
    const result = await runCli(['traffic', '--url', url, '--duration', '2s', '--enable-miss-events', '-o', 'table'], { env: env() });
    await stop();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^NAMESPACE +OPS\/S +%OPS +READS\/S +WRITES\/S +MISSES\/S +HIT RATE$/m);
    expect(result.stdout).toMatch(/^e2e:page:‹id› +[\d,.]+ +100% +[\d,.]+ +[\d,.]+ +[\d,.]+ +[\d.]+%$/m);
    expect(result.stdout).toMatch(/key accesses in 2\.\ds on 1 node\(s\) · 0 commands without keys · hit rate [\d.]+%/);
    expect(await notifyFlags()).toBe('');
    expect(existsSync(stateFile())).toBe(false);
  });

  it('writes one JSON document with keys as text', async () => {
    const stop = backgroundReads();
    const result = await runCli(['traffic', '--url', url, '--duration', '1s', '-o', 'json'], { env: env() });
    await stop();
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { hitRates: boolean; namespaces: { namespace: string; reads: number }[]; nodes: { missEvents: string }[] };
    expect(report.hitRates).toBe(false);
    expect(report.nodes[0]?.missEvents).toBe('off');
    expect(report.namespaces[0]?.reads).toBeGreaterThan(0);
    expect(result.stderr).toMatch(/no hit rate — notify-keyspace-events is '' \(key-miss events off\); add --enable-miss-events/);
  });

  it('refuses a long window unless allowed, before connecting', async () => {
    const result = await runCli(['traffic', '--url', 'redis://127.0.0.1:1', '--duration', '5m'], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--duration is longer than 2m.*--allow-long/s);
  });

  // Ctrl-C, and SIGTERM (a CI timeout, a pod shutdown) the same way with its own exit code.
  it.each([
    ['SIGINT', 130, 'Kl'],
    ['SIGTERM', 143, 'Kg'],
  ] as const)('after %s: prints what it sampled, puts the setting back, exits %i', async (signal, code, flags) => {
    await admin.call('CONFIG', 'SET', 'notify-keyspace-events', flags);
    const before = await notifyFlags();
    const run = startCli(['traffic', '--url', url, '--duration', '60s', '--enable-miss-events', '-o', 'json'], { env: env() });
    await waitFor('the setting to change', async () => ((await notifyFlags()) !== before ? true : undefined), { timeoutMs: 15_000 });
    run.child.kill(signal);
    const result = await run.done;
    expect(result.code).toBe(code);
    expect(JSON.parse(result.stdout)).toMatchObject({ interrupted: true });
    expect(await notifyFlags()).toBe(before);
    expect(existsSync(stateFile())).toBe(false);
  });

  it('after a SIGKILL: the state file remembers, a new run refuses to stack on it, --restore-config puts it back', async () => {
    await admin.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    const run = startCli(['traffic', '--url', url, '--duration', '60s', '--enable-miss-events'], { env: env() });
    await waitFor('the setting to change', async () => ((await notifyFlags()) === 'Em' ? true : undefined), { timeoutMs: 15_000 });
    run.child.kill('SIGKILL');
    await run.done;
    expect(await notifyFlags()).toBe('Em');
    expect(existsSync(stateFile())).toBe(true);

    const refused = await runCli(['traffic', '--url', url, '--duration', '1s', '--enable-miss-events'], { env: env() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/an earlier traffic run left notify-keyspace-events changed on 127\.0\.0\.1:\d+ .*cachectl traffic --restore-config/s);

    const restored = await runCli(['traffic', '--url', url, '--restore-config'], { env: env() });
    expect(restored.code).toBe(0);
    expect(restored.stderr).toMatch(/notify-keyspace-events put back to ''/);
    expect(await notifyFlags()).toBe('');
    expect(existsSync(stateFile())).toBe(false);
  });
});
