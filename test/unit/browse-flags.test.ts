import { describe, expect, it } from 'vitest';
import { dangerousActionsOff } from '../../src/cli/commands/browse.js';

const base = { readonly: false, allowDelete: false, replica: false, type: undefined };

describe('browse: when d (purge) is available', () => {
  it('is on by default on masters', () => {
    expect(dangerousActionsOff(base)).toBeUndefined();
  });

  it('is off under --readonly, whatever else is given', () => {
    expect(dangerousActionsOff({ ...base, readonly: true })).toBe('--readonly');
    expect(dangerousActionsOff({ ...base, readonly: true, replica: true, allowDelete: true })).toBe('--readonly');
  });

  it('is off by default when scanning replicas, and --allow-delete turns it on', () => {
    expect(dangerousActionsOff({ ...base, replica: true })).toMatch(/--replica.*--allow-delete/);
    expect(dangerousActionsOff({ ...base, replica: true, allowDelete: true })).toBeUndefined();
  });

  it('is off with --type, since a purge is not limited to one type', () => {
    expect(dangerousActionsOff({ ...base, type: 'hash' })).toMatch(/^--type/);
  });
});
