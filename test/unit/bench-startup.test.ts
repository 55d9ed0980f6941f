// The startup scenario's CPU figure: bash's `times` for one run of a command.
import { describe, expect, it } from 'vitest';
// @ts-expect-error TS7016 no declaration file for a bench module
import { cpuMs } from '../../bench/scenarios/startup.js';

describe('cpuMs', () => {
  it('counts the CPU a child spent, not the time it waited', { timeout: 30_000 }, () => {
    // Spins until it has used 300 ms of CPU itself, then sleeps 1 s without using any. It looks at
    // its CPU time every 5 ms, not in a tight loop: each look is a system call, and a tight loop
    // of them spent more system time than the 300 ms it waited for (1.3 s on a loaded machine).
    const spin = 'while (process.cpuUsage().user < 300_000) { const t = Date.now(); while (Date.now() - t < 5); }';
    const busy = cpuMs([process.execPath, '-e', `${spin} setTimeout(() => {}, 1000)`]) as number;
    expect(busy).toBeGreaterThanOrEqual(300);
    expect(busy).toBeLessThan(1_000);
  });

  it('a command that does nothing costs next to nothing', () => {
    const idle = cpuMs(['sleep', '0.3']) as number;
    expect(idle).toBeGreaterThanOrEqual(0);
    expect(idle).toBeLessThan(100);
  });
});
