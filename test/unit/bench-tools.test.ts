// The bench harness's pure pieces: version ordering of the redis-cli builds it finds, the --baseline
// expansion of cachectl runs, the server CPU per key column, and the SLOWLOG summary of a run.
import { describe, expect, it } from 'vitest';
// The bench is plain JavaScript (JSDoc types, no declaration files): its exports are untyped here.
// @ts-expect-error TS7016 no declaration file for a bench module
import { cpuPerKey } from '../../bench/lib/report.js';
// @ts-expect-error TS7016 no declaration file for a bench module
import { withBaseline } from '../../bench/lib/runner.js';
// @ts-expect-error TS7016 no declaration file for a bench module
import { countSupport, versionOf } from '../../bench/lib/tools.js';

describe('versionOf', () => {
  it('reads the version a redis-cli prints, so the newest build can be chosen', () => {
    expect(versionOf('redis-cli 7.4.1')).toEqual([7, 4, 1]);
    expect(versionOf('redis-cli 7.0.15 (git:abc)')).toEqual([7, 0, 15]);
    expect(versionOf('something else')).toEqual([0, 0, 0]);
  });
});

describe('countSupport', () => {
  it('reads what --help lists under --count (7.4 leaves --memkeys out, which is why the bench tries it instead)', () => {
    const help = [
      '  --count <count>    Count option for --scan, --bigkeys, --memkeys and',
      '                     --keystats (default: 10).',
      '  --pattern <pat>    Keys pattern when using the --scan, --bigkeys or --hotkeys',
    ].join('\n');
    expect(countSupport(help)).toEqual({ scan: true, bigkeys: true, memkeys: true });
    expect(countSupport('  --scan   List all keys using the SCAN command.')).toEqual({ scan: false, bigkeys: false, memkeys: false });
  });
});

describe('withBaseline', () => {
  const runs = [
    { id: 'cachectl', tool: 'cachectl' as const, label: 'keys', argv: ['keys', '-o', 'json'] },
    { id: 'tui', tool: 'cachectl' as const, label: 'top', execute: async () => ({}) as never },
    { id: 'memkeys', tool: 'redis-cli' as const, label: '--memkeys', argv: ['--memkeys'] },
  ];

  it('adds one run from the other checkout after each plain cachectl command, and nothing without --baseline', () => {
    expect(withBaseline(runs, undefined)).toBe(runs);
    const expanded = withBaseline(runs, '/elsewhere/main');
    expect(expanded.map((run: { id: string }) => run.id)).toEqual(['cachectl', 'cachectl@baseline', 'tui', 'memkeys']);
    expect(expanded[1]).toMatchObject({ label: 'keys [baseline]', cachectlBin: '/elsewhere/main/bin/cachectl.js', argv: ['keys', '-o', 'json'] });
  });
});

describe('cpuPerKey', () => {
  it('is the server main thread CPU per key handled, in µs', () => {
    const row = { scenario: 'keys', id: 'x', tool: 'cachectl' as const, label: '', command: '', status: 'ok' as const, unit: 'keys' as const, notes: [] };
    expect(cpuPerKey({ ...row, serverCpuS: 5.83, work: 1_000_000 })).toBe('5.83');
    expect(cpuPerKey({ ...row, work: 1_000_000 })).toBe('-');
    expect(cpuPerKey({ ...row, serverCpuS: 1, work: 0 })).toBe('-');
  });
});

describe('summariseSlowlog', () => {
  it('keeps the longest entry overall and per command, counts those over the bound, and abbreviates arguments', async () => {
    // @ts-expect-error TS7016 no declaration file for a bench module
    const { summariseSlowlog } = await import('../../bench/lib/slowlog.js');
    const raw = [
      [3, 0, 1200, ['HSCAN', 'bad:big:hash', '42', 'COUNT', '250'], '127.0.0.1:1', 'cachectl'],
      [2, 0, 6100, ['ZADD', 'k', '1', 'a'.repeat(40)], '127.0.0.1:1', 'cachectl'],
      [1, 0, 2300, ['hscan', 'bad:big:hash', '0', 'COUNT', '250'], '127.0.0.1:1', 'cachectl'],
      [0, 0, 9000, ['SLOWLOG', 'RESET'], '127.0.0.1:2', ''],
    ];
    const summary = summariseSlowlog(raw, 5000);
    expect(summary.entries).toBe(3);
    expect(summary.over).toBe(1);
    expect(summary.longest).toEqual({ us: 6100, command: 'ZADD', args: `ZADD k 1 ${'a'.repeat(29)}...` });
    expect(summary.byCommand.map((c: { command: string; us: number; count: number }) => [c.command, c.us, c.count])).toEqual([
      ['ZADD', 6100, 1],
      ['HSCAN', 2300, 2],
    ]);
    expect(summary.byCommand[1].args).toBe('hscan bad:big:hash 0 COUNT … (5 args)');
    expect(summariseSlowlog([], 5000).longest).toBeUndefined();
  });
});
