// `cachectl top` in a real terminal: the built CLI in a tmux pane against a private server under
// load, the screen read back with capture-pane, keys sent with send-keys, and the terminal checked
// after q (alternate screen left, cursor shown, tty settings as before).
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, waitFor, type RedisProcess } from '../fixtures/index.js';
import { CLI_BIN } from '../helpers/cli.js';

const run = promisify(execFile);
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const hasBenchmark = spawnSync('redis-benchmark', ['--version']).status === 0;
// A private tmux server, so the test never touches anyone's sessions.
const SOCKET = `cachectl-top-e2e-${process.pid}`;
const SESSION = 'top';

const tmux = async (...args: string[]): Promise<string> => (await run('tmux', ['-L', SOCKET, ...args])).stdout;
const screen = (session = SESSION) => tmux('capture-pane', '-p', '-t', session);
const paneFlag = async (flag: string, session = SESSION) => (await tmux('display-message', '-p', '-t', session, `#{${flag}}`)).trim();

/** A shell script that notes the tty settings before and after `command`, and its exit code. */
const topScript = (command: string) =>
  ['stty -g > before.stty', 'echo BEFORE-TOP', command, 'echo "EXIT=$?"', 'stty -g > after.stty', 'sleep 600'].join('; ');

/** Sends keys, then waits until the screen satisfies `until`. */
async function press(keys: string[], what: string, until: (text: string) => boolean): Promise<string> {
  await tmux('send-keys', '-t', SESSION, ...keys);
  return waitFor(what, async () => {
    const text = await screen();
    return until(text) ? text : undefined;
  }, { timeoutMs: 15_000, intervalMs: 100, describe: () => 'see the last screen above' });
}

/** The figures of the node's row: OPS/s, HIT% and P99ms, as shown. */
function rowFigures(text: string, address: string): { ops: string; hit: string; p99: string } | undefined {
  // The header's target line names the address too; the node's row is the other one.
  const line = text.split('\n').find((l) => l.includes(address) && !l.trimStart().startsWith('target:'));
  const match = line === undefined ? null : /\s[MR]\*?\s+(\S+)\s+(\S+)\s+(\S+)/.exec(line);
  return match === null ? undefined : { ops: match[1]!, hit: match[2]!, p99: match[3]! };
}

/** "12.3k" → 12300; "-" → NaN. */
const figure = (text: string) => {
  const match = /^([\d.]+)([kMG]?)%?$/.exec(text);
  return match === null ? Number.NaN : Number(match[1]) * { '': 1, k: 1e3, M: 1e6, G: 1e9 }[match[2] as '' | 'k' | 'M' | 'G'];
};

describe('cachectl top in a terminal (tmux)', () => {
  let server: RedisProcess;
  let load: ChildProcess | undefined;
  let loader: Redis | undefined;
  let stopLoop = false;
  let dir = '';
  let address: string;

  beforeAll(async () => {
    if (!hasTmux) throw new Error('this test drives a real terminal through tmux: install it (apt-get install tmux), as .ci/run does');
    server = await startRedis({ name: 'top-tmux' });
    address = `${server.host}:${server.port}`;
    dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-top-tmux-'));
    if (hasBenchmark) {
      // One connection, SET then GET over a key range twice the size SET fills: hits and misses.
      load = spawn('redis-benchmark', ['-h', server.host, '-p', String(server.port), '-c', '1', '-n', '2000', '-r', '4000', '-t', 'set,get', '-l', '-q'], { stdio: 'ignore' });
    } else {
      loader = new Redis({ host: server.host, port: server.port, protocol: 2 });
      void (async () => {
        for (let i = 0; !stopLoop; i += 1) {
          await loader!.set(`load:${i % 2000}`, 'v');
          await loader!.get(`load:${(i * 7) % 4000}`);
        }
      })().catch(() => {});
    }
    // The script notes the tty settings before and after, and the exit code, for the checks at the end.
    const script = topScript(`NO_COLOR=1 ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI_BIN)} top --url redis://${address} --refresh 500ms`);
    await run('tmux', ['-L', SOCKET, '-f', '/dev/null', 'new-session', '-d', '-s', SESSION, '-x', '100', '-y', '30', '-c', dir, 'sh', '-c', script]);
  });

  afterAll(async () => {
    stopLoop = true;
    load?.kill('SIGKILL');
    loader?.disconnect();
    await run('tmux', ['-L', SOCKET, 'kill-server']).catch(() => {});
    await server?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('shows live figures that move, reacts to keys, and quits with q leaving the terminal as it was', async () => {
    // The first rates need two samples; under load ops/s and the hit rate appear, and p99 too.
    const first = await waitFor(
      'the dashboard to show ops/s, a hit rate and p99',
      async () => {
        const text = await screen();
        const row = rowFigures(text, address);
        return row !== undefined && figure(row.ops) > 0 && /%$/.test(row.hit) && figure(row.p99) > 0 ? { text, row } : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, describe: () => 'no live figures' },
    );
    expect(first.text).toMatch(/cachectl top · single node · 1 node/);
    expect(first.text.split('\n').map((l) => l.trim())).toContain(`target: single ${address} · db 0`);
    expect(await paneFlag('alternate_on')).toBe('1');

    // The numbers move: another refresh later, the screen (figures, sparkline) is not the same.
    const later = await waitFor(
      'the figures to change',
      async () => {
        const text = await screen();
        return text !== first.text && rowFigures(text, address) !== undefined ? text : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(figure(rowFigures(later, address)!.ops)).toBeGreaterThan(0);

    await press(['s'], 'the sort order to change', (text) => text.includes('sort ops/s ↓'));
    // A burst: three keys pasted in one write reach the app as one stdin chunk; each is handled.
    await tmux('set-buffer', '-b', 'burst', 'sss');
    await tmux('paste-buffer', '-d', '-b', 'burst', '-t', SESSION);
    await waitFor('three sort steps from one chunk (ops/s → hit rate → p99 → memory)', async () => ((await screen()).includes('sort memory ↓') ? true : undefined), {
      timeoutMs: 15_000,
      intervalMs: 100,
      describe: () => 'see the last screen above',
    });
    await press(['Enter'], 'the detail view', (text) => text.includes('top commands by calls') && text.includes('round trip, last'));
    await press(['Escape'], 'the node table again', (text) => text.includes('NODE') && !text.includes('top commands by calls'));
    await press(['?'], 'the help screen', (text) => text.includes('pause / resume refreshing'));
    await press(['?'], 'the node table again', (text) => text.includes('NODE'));
    await press(['p'], 'the pause mark', (text) => text.includes('PAUSED'));

    const after = await press(['q'], 'the dashboard to exit', (text) => text.includes('EXIT='));
    expect(after).toContain('EXIT=0');
    // The shell's screen is back: the line printed before, no dashboard left over.
    expect(after).toContain('BEFORE-TOP');
    expect(after).not.toContain('cachectl top');
    expect(await paneFlag('alternate_on')).toBe('0');
    expect(await paneFlag('cursor_flag')).toBe('1');
    await waitFor('the tty settings after the run', async () => (existsSync(path.join(dir, 'after.stty')) ? true : undefined), { timeoutMs: 5000 });
    expect(readFileSync(path.join(dir, 'after.stty'), 'utf8')).toBe(readFileSync(path.join(dir, 'before.stty'), 'utf8'));
  });

  it('leaves the terminal as it was on SIGTERM too (exit 143, as every command)', async () => {
    const session = 'term';
    const termDir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-top-tmux-term-'));
    try {
      // `exec` in a subshell: the pane's shell lives on to note the exit code; the subshell becomes cachectl.
      const script = topScript(`(NO_COLOR=1 exec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI_BIN)} top --url redis://${address} --refresh 500ms)`);
      await run('tmux', ['-L', SOCKET, 'new-session', '-d', '-s', session, '-x', '100', '-y', '30', '-c', termDir, 'sh', '-c', script]);
      await waitFor('the dashboard', async () => ((await screen(session)).includes('single node · 1 node') ? true : undefined), { timeoutMs: 20_000, intervalMs: 200 });
      expect(await paneFlag('alternate_on', session)).toBe('1');
      const shellPid = Number(await paneFlag('pane_pid', session));
      const child = (await run('pgrep', ['-P', String(shellPid)])).stdout.trim().split('\n').map(Number).find((pid) => pid > 0);
      expect(child).toBeGreaterThan(0);
      process.kill(child!, 'SIGTERM');
      const after = await waitFor('top to exit on SIGTERM', async () => {
        const text = await screen(session);
        return text.includes('EXIT=') ? text : undefined;
      }, { timeoutMs: 15_000, intervalMs: 100 });
      expect(after).toContain('EXIT=143');
      expect(after).toContain('BEFORE-TOP');
      expect(after).not.toContain('cachectl top');
      expect(await paneFlag('alternate_on', session)).toBe('0');
      expect(await paneFlag('cursor_flag', session)).toBe('1');
      await waitFor('the tty settings after the run', async () => (existsSync(path.join(termDir, 'after.stty')) ? true : undefined), { timeoutMs: 5000 });
      expect(readFileSync(path.join(termDir, 'after.stty'), 'utf8')).toBe(readFileSync(path.join(termDir, 'before.stty'), 'utf8'));
    } finally {
      await tmux('kill-session', '-t', session).catch(() => {});
      rmSync(termDir, { recursive: true, force: true });
    }
  });
});
