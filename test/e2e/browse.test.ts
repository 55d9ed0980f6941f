// `cachectl browse` end to end in a real terminal: the built binary runs in tmux against a private,
// seeded server; keys are typed like a person would, the screen is read back, and the server is
// checked after a purge. Also: without a terminal it refuses and points at `cachectl keys`.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisProcess } from '../fixtures/index.js';
import { adminClient, startRedis } from '../fixtures/index.js';
import { baseEnv, CLI_BIN, runCli } from '../helpers/cli.js';

const run = promisify(execFile);
const BIN = CLI_BIN;
const SOCKET = `cachectl-browse-e2e-${process.pid}`;
const SESSION = 'browse';

async function tmux(...args: string[]): Promise<string> {
  const { stdout } = await run('tmux', ['-L', SOCKET, ...args]);
  return stdout;
}

const screen = () => tmux('capture-pane', '-p', '-t', SESSION);
const paneFlag = async (flag: string) => (await tmux('display-message', '-p', '-t', SESSION, `#{${flag}}`)).trim();

async function press(...keys: string[]): Promise<void> {
  for (const key of keys) {
    await tmux('send-keys', '-t', SESSION, key);
    // Let the app read each key on its own, as typing would.
    await new Promise((resolve) => setTimeout(resolve, 80));
  }
}

async function type(text: string): Promise<void> {
  await tmux('send-keys', '-t', SESSION, '-l', text);
  await new Promise((resolve) => setTimeout(resolve, 80));
}

async function waitForScreen(test: (text: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await screen();
    if (test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const showing = (needle: string | RegExp) => (text: string) => (typeof needle === 'string' ? text.includes(needle) : needle.test(text));

function seed(): Map<string, string | Record<string, string>> {
  const keys = new Map<string, string | Record<string, string>>();
  for (let i = 0; i < 100; i += 1) keys.set(`shop:user:${i}:profile`, `{"name":"user ${i}"}`.padEnd(200, ' '));
  for (let i = 0; i < 30; i += 1) keys.set(`shop:cart:${i}`, { item: `sku-${i}`, qty: String(i) });
  for (let i = 0; i < 40; i += 1) keys.set(`shop:session:${i}a1b2c3d4e5`, 'token');
  keys.set('shop:cartography', 'a look-alike the cart glob also matches');
  for (let i = 0; i < 60; i += 1) keys.set(`metrics:2024-11-${String((i % 28) + 1).padStart(2, '0')}:hits:${i}`, String(i));
  return keys;
}

describe('cachectl browse in a terminal', () => {
  let server: RedisProcess;
  let client: Redis;
  let cwd: string;

  beforeAll(async () => {
    server = await startRedis({ name: 'browse-e2e' });
    client = adminClient(server.port);
    for (const [key, value] of seed()) {
      if (typeof value === 'string') await client.set(key, value);
      else await client.hset(key, value);
    }
    cwd = await mkdtemp(path.join(os.tmpdir(), 'cachectl-browse-e2e-'));
  });

  afterAll(async () => {
    await tmux('kill-server').catch(() => {});
    client.disconnect();
    await server.stop();
    await rm(cwd, { recursive: true, force: true });
  });

  it('opens a namespace, previews a key, purges a namespace after confirmation, quits with q and restores the terminal', async () => {
    const command = [
      'stty -g > before.stty',
      "printf 'before browse\\n'",
      // The tests' fixed environment (no REDIS_URL or config file of the developer's), plus a terminal type.
      `env -i ${Object.entries({ ...baseEnv(), TERM: 'xterm-256color' }).map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(' ')} ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} browse -p ${server.port}`,
      'echo "EXIT=$?"',
      'stty -g > after.stty',
      'sleep 600',
    ].join('; ');
    await tmux('-f', '/dev/null', 'new-session', '-d', '-s', SESSION, '-x', '120', '-y', '32', '-c', cwd, 'sh', '-c', command);

    let text = await waitForScreen(showing('scan complete · 231 keys'), 'the finished scan');
    expect(await paneFlag('alternate_on')).toBe('1');
    // The title names the target the way every output does.
    expect(text).toContain(`cachectl browse · single 127.0.0.1:${server.port} · db 0 · (all keys)`);
    expect(text).toMatch(/^> shop:\s/m);
    expect(text).toMatch(/^ {2}metrics:\s/m);

    // Into shop, filter to the cart namespace, open it down to its keys.
    await press('Enter');
    text = await waitForScreen(showing('· shop ·'), 'the shop level');
    expect(text).toMatch(/user:\s.*\s100\s+100/);
    await press('/');
    await type('cart');
    await press('Enter');
    text = await waitForScreen(showing('filter "cart"'), 'the filter');
    expect(text).toMatch(/^> cart:/m);
    expect(text).toContain('cartography');
    await press('Enter', 'Enter');
    text = await waitForScreen(showing('shop:cart:‹id› · keys'), 'the key list');
    await waitForScreen(showing('30 keys'), 'all 30 keys listed');

    // Preview: a hash with its fields, TTL and encoding.
    await press('Enter');
    text = await waitForScreen(showing('all 2 fields shown'), 'the preview');
    expect(text).toMatch(/hash · encoding listpack · TTL none · 2 fields/);
    expect(text).toMatch(/item → sku-\d+/);

    // Back to the shop level (the filter is still on) and purge the cart namespace.
    await press('Left', 'Left', 'Left');
    text = await waitForScreen(showing('· shop ·'), 'the shop level again');
    expect(text).toMatch(/^> cart:/m);
    await press('d');
    text = await waitForScreen(showing('backup file:'), 'the plan');
    expect(text).toContain('Delete namespace shop:cart');
    // 30 carts, not the look-alike `shop:cartography` the glob "shop:cart*" also matches.
    expect(text).toMatch(/30 keys · [\d.]+ (B|KiB) · 13% of the keyspace/);
    await press('Enter');
    await waitForScreen(showing('Type 30 and press enter'), 'the confirmation');
    await type('29');
    await press('Enter');
    await waitForScreen(showing('nothing was deleted'), 'the refused confirmation');
    expect(await client.dbsize()).toBe(231);
    await type('30');
    await press('Enter');
    text = await waitForScreen(showing('done: deleted 30 · already gone 0'), 'the purge summary');
    await press('Enter');
    text = await waitForScreen(showing('purged namespace shop:cart: 30 deleted'), 'the summary in the footer');
    expect(text).not.toMatch(/^. cart:/m);

    // On the server: exactly the carts are gone.
    const left = new Set((await client.keys('*')).map(String));
    const expected = [...seed().keys()].filter((key) => !/^shop:cart:\d+$/.test(key));
    expect(left).toEqual(new Set(expected));
    // And the backup offered by default was written next to where browse ran.
    expect((await readdir(cwd)).filter((file) => file.startsWith('cachectl-backup-shop_cart-'))).toHaveLength(1);

    await press('q');
    text = await waitForScreen(showing('EXIT='), 'the exit');
    expect(text).toContain('EXIT=0');
    expect(await paneFlag('alternate_on')).toBe('0');
    expect(await paneFlag('cursor_flag')).toBe('1');
    // The shell's screen is back as it was: what was printed before, nothing of the explorer.
    expect(text).toContain('before browse');
    expect(text).not.toContain('cachectl browse ·');
    // Raw mode and the rest of the tty settings are back as they were.
    await waitForScreen(() => existsSync(path.join(cwd, 'after.stty')), 'the tty settings after the run', 5000);
    expect(readFileSync(path.join(cwd, 'after.stty'), 'utf8')).toBe(readFileSync(path.join(cwd, 'before.stty'), 'utf8'));
  });
});

describe('cachectl browse without a terminal', () => {
  it('exits 2 and suggests cachectl keys', async () => {
    const result = await runCli(['browse', 'app:*', '-p', '1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: cachectl browse is interactive and needs a terminal/);
    expect(result.stderr).toContain("cachectl keys 'app:*' -o json");
    // Not a terminal, so the output format is JSON: the error is data there too.
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'USAGE', exitCode: 2 } });
  });
});
