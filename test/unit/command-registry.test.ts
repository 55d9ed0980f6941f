// The lazy command registry: which command the arguments run, so only that module is loaded.
import { describe, expect, it } from 'vitest';
import { commandNamed, COMMANDS } from '../../src/cli/main.js';

const named = (...args: string[]) => commandNamed(args)?.name;

describe('commandNamed', () => {
  it('finds the command after global flags, skipping their values', () => {
    expect(named('keys')).toBe('keys');
    expect(named('-h', '10.0.0.5', '-p', '6380', 'nodes')).toBe('nodes');
    expect(named('-o', 'json', '--url', 'redis://h:1', 'memory', '--interval', '0')).toBe('memory');
    expect(named('--no-color', 'top')).toBe('top');
    expect(named('--output=json', 'keys')).toBe('keys');
  });

  it('knows aliases and `help NAME`', () => {
    expect(named('ping')).toBe('nodes');
    expect(named('help', 'purge')).toBe('purge');
  });

  it('is undefined for no command, an unknown one, or after --', () => {
    expect(named('--help')).toBeUndefined();
    expect(named('--version')).toBeUndefined();
    expect(named('kyes')).toBeUndefined();
    expect(named('--', 'keys')).toBeUndefined();
  });

  // Imports every command module (and what each imports) cold: seconds on a loaded machine.
  it('every entry loads a command of its own name', { timeout: 30_000 }, async () => {
    for (const entry of COMMANDS) {
      const factory = await entry.load();
      expect(typeof factory).toBe('function');
    }
  });
});
