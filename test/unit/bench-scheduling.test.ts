// The bench's scheduling and probe reporting: --fifo/--no-fifo, SCHED_FIFO set and put back on a real
// process (or the fallback line where chrt cannot), and the probe's p99 shown beside the compared run's
// and the idle one.
import { execFileSync, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
// The bench is plain JavaScript (JSDoc types, no declaration files): its exports are untyped here.
// @ts-expect-error TS7016 no declaration file for a bench module
import { parseArgs } from '../../bench/lib/args.js';
// @ts-expect-error TS7016 no declaration file for a bench module
import { probeComparison } from '../../bench/lib/report.js';
// @ts-expect-error TS7016 no declaration file for a bench module
import { chooseScheduling, isServerProcess, preemptions, setServerPolicy } from '../../bench/lib/scheduling.js';
import { startRedis } from '../fixtures/index.js';

const probe = (p99Ms: number) => ({ pings: 100, lost: 0, p50Ms: 0.5, p99Ms, maxMs: p99Ms + 1 });
const row = (over: Record<string, unknown>) => ({ scenario: 'keys', status: 'ok', notes: [], unit: 'keys', wallS: 1, ...over });

describe('bench --fifo', () => {
  it('is automatic by default, and --fifo / --no-fifo insist or refuse', () => {
    expect(parseArgs([]).fifo).toBe('auto');
    expect(parseArgs(['--fifo']).fifo).toBe('on');
    expect(parseArgs(['--no-fifo']).fifo).toBe('off');
  });

  it('--no-fifo keeps the normal policy and says that SLOWLOG then counts waits for a core', () => {
    const scheduling = chooseScheduling('off', process.pid);
    expect(scheduling.fifo).toBe(false);
    expect(scheduling.line).toMatch(/normal policy.*preemption.*--no-fifo/);
  });

  it('puts a process under SCHED_FIFO with reset-on-fork and back, or says why it cannot', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const pid = child.pid!;
      const scheduling = chooseScheduling('auto', pid);
      const policy = () => execFileSync('chrt', ['-p', String(pid)], { encoding: 'utf8' });
      if (!scheduling.fifo) {
        expect(scheduling.line).toMatch(/SCHED_FIFO unavailable \(chrt: .*\)/);
        expect(() => chooseScheduling('on', pid)).toThrow(/--fifo: cannot set SCHED_FIFO/);
        return;
      }
      expect(policy()).toMatch(/SCHED_OTHER/);
      expect(setServerPolicy(scheduling, pid, true)).toBeUndefined();
      expect(policy()).toMatch(/SCHED_FIFO\|SCHED_RESET_ON_FORK/);
      expect(setServerPolicy(scheduling, pid, false)).toBeUndefined();
      expect(policy()).toMatch(/SCHED_OTHER/);
      expect(preemptions(pid)).toBeGreaterThanOrEqual(0);
    } finally {
      child.kill();
    }
  });
});

describe('isServerProcess', () => {
  it('accepts only a local redis-server on that port: a pid a container reports may be any process here', async () => {
    const server = await startRedis({ name: 'bench-sched' });
    try {
      expect(isServerProcess(server.pid, server.port)).toBe(true);
      expect(isServerProcess(server.pid, server.port + 1)).toBe(false);
      expect(isServerProcess(process.pid, server.port)).toBe(false);
      expect(isServerProcess(1, server.port)).toBe(false);
      expect(isServerProcess(Number.NaN, server.port)).toBe(false);
    } finally {
      await server.stop();
    }
  });
});

describe('probeComparison', () => {
  it("shows a cachectl run's probe p99 beside the compared redis-cli run's and the idle one", () => {
    const idle = probe(1.2);
    const cli = row({ id: 'memkeys', tool: 'redis-cli', probe: probe(2.9), probeIdle: idle });
    const cachectl = row({ id: 'keys', tool: 'cachectl', compareTo: 'memkeys', probe: probe(3.1), probeIdle: idle });
    expect(probeComparison(cachectl, [cachectl, cli])).toBe('probe p99 3.10 ms (2.90 memkeys, idle 1.20)');
    expect(probeComparison(cli, [cachectl, cli])).toBe('probe p99 idle 1.20 ms');
  });

  it('leaves out what it does not have: no probe, no compared run', () => {
    const alone = row({ id: 'keys', tool: 'cachectl', probe: probe(3.1) });
    expect(probeComparison(alone, [alone])).toBe('probe p99 3.10 ms');
    const unprobed = row({ id: 'keys', tool: 'cachectl' });
    expect(probeComparison(unprobed, [unprobed])).toBeUndefined();
  });
});
