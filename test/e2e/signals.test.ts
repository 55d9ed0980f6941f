// Interrupts the way CI runners, Kubernetes and closed terminals send them: SIGTERM and SIGHUP are
// handled like Ctrl-C (work stops cleanly, output is complete and marked) with exit 143 and 129;
// and end of input (Ctrl-D) at a confirmation prompt declines (exit 1) instead of hanging.
import { spawn } from 'node:child_process';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminClient } from '../fixtures/index.js';
import { CLI_BIN, startCli } from '../helpers/cli.js';

const redis = inject('redis');
const url = `redis://${redis.single.host}:${redis.single.port}`;
const P = 'signals-e2e:';
let client: Redis;

beforeAll(async () => {
  client = adminClient(redis.single.port);
  const pipeline = client.pipeline();
  for (let i = 0; i < 400; i += 1) pipeline.set(`${P}term:${i}`, 'v');
  for (let i = 0; i < 5; i += 1) pipeline.set(`${P}eof:${i}`, 'v');
  await pipeline.exec();
});

afterAll(async () => {
  const keys = await client.keys(`${P}*`);
  if (keys.length > 0) await client.del(...keys);
  client.disconnect();
});

async function waitForOutput(read: () => string, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pattern.test(read())) {
    if (Date.now() > until) throw new Error(`no ${pattern} within ${timeoutMs} ms; got: ${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('SIGTERM and SIGHUP are handled like Ctrl-C', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('top -o json: %s closes the JSON array and exits %i', async (signal, code) => {
    const running = startCli(['top', '--url', url, '--refresh', '100ms', '-o', 'json']);
    await waitForOutput(() => running.stdout, /"totals"/);
    running.child.kill(signal);
    const result = await running.done;
    expect(result.code, result.stderr).toBe(code);
    const snapshots = JSON.parse(result.stdout) as unknown[];
    expect(snapshots.length).toBeGreaterThan(0);
    expect(result.stderr).toContain(`${signal} received: stopping after the current batch`);
  });

  it('purge: SIGTERM finishes the batch in flight, reports exactly what was deleted, exits 143', async () => {
    // 400 keys at 50 keys/s take 8 s to delete: a signal 3 s in lands mid-deletion.
    const running = startCli(['purge', `${P}term:*`, '--url', url, '--yes', '--rate', '50', '--max-share', '100%', '-o', 'json']);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    running.child.kill('SIGTERM');
    const result = await running.done;
    expect(result.code, result.stderr).toBe(143);
    const left = (await client.keys(`${P}term:*`)).length;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(400);
    // The summary's deleted count is the server's truth.
    const { summary } = JSON.parse(result.stdout) as { summary: { status: string; planned: number; deleted: number; notReached: number } };
    expect(summary).toMatchObject({ status: 'interrupted', planned: 400, deleted: 400 - left, notReached: left });
  });
});

describe('end of input at a confirmation prompt', () => {
  it('Ctrl-D declines: exit 1, nothing deleted', async () => {
    const command = [process.execPath, CLI_BIN, 'purge', `${P}eof:*`, '--url', url, '--max-share', '100%']
      .map((arg) => `'${arg.replace(/'/g, "'\\''")}'`)
      .join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (!sent && output.includes('anything else cancels')) {
        sent = true;
        child.stdin.write('\x04');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(sent, output).toBe(true);
    expect(code, output).toBe(1);
    expect(output).toContain('no answer at the prompt (end of input): nothing was done');
    expect((await client.keys(`${P}eof:*`)).length).toBe(5);
  });
});
