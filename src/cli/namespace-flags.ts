// Flags shared by every command that groups keys into a namespace tree (keys, browse, audit-ttl),
// and their validation into NamespaceOptions.

import type { Command } from 'commander';
import { usageError } from '../base/errors.js';
import type { NamespaceOptions } from '../core/namespaces/namespace-key.js';
import { parseCount } from '../base/units.js';

export interface NamespaceFlags {
  /** One or more (`-d : -d /`). */
  delimiter: string | string[];
  depth: string;
  collapse: boolean;
}

export function addNamespaceFlags(command: Command): Command {
  return command
    .option('-d, --delimiter <text>', 'namespace delimiter; repeat for several (-d : -d /); a run such as :: is one separator', collectDelimiter, ':')
    .option('--depth <n>', 'namespace levels to group by', '5')
    .option('--no-collapse', 'keep ID-like segments (numbers, UUIDs, IPs, emails, tokens) instead of rolling them into ‹id›, ‹ip›, …');
}

// The first -d replaces the default `:`; each further one is added.
function collectDelimiter(value: string, previous: string | string[]): string[] {
  return Array.isArray(previous) ? [...previous, value] : [value];
}

/** Validates the namespace flags. */
export function namespaceOptionsFrom(flags: NamespaceFlags): NamespaceOptions {
  const depth = parseCount(flags.depth, '--depth', { min: 1, max: 64 });
  const delimiters = Array.isArray(flags.delimiter) ? flags.delimiter : [flags.delimiter];
  if (delimiters.some((delimiter) => delimiter === '')) throw usageError('--delimiter', 'must not be empty', 'use --depth 1 to group by whole keys');
  const options: NamespaceOptions = { delimiter: delimiters[0]!, depth, collapse: flags.collapse };
  if (delimiters.length > 1) options.delimiters = [...new Set(delimiters)];
  return options;
}
