// Flags shared by every command that groups keys into a namespace tree (keys, browse, audit-ttl),
// and their validation into NamespaceOptions.

import type { Command } from 'commander';
import { usageError } from '../base/errors.js';
import type { NamespaceOptions } from '../core/namespaces/namespace-key.js';
import { parseCount } from '../base/units.js';

export interface NamespaceFlags {
  delimiter: string;
  depth: string;
  collapse: boolean;
}

export function addNamespaceFlags(command: Command): Command {
  return command
    .option('-d, --delimiter <text>', 'namespace delimiter', ':')
    .option('--depth <n>', 'namespace levels to group by', '5')
    .option('--no-collapse', 'keep ID-like segments (numbers, UUIDs, hashes) instead of rolling them into {id}');
}

/** Validates the namespace flags. */
export function namespaceOptionsFrom(flags: NamespaceFlags): NamespaceOptions {
  const depth = parseCount(flags.depth, '--depth', { min: 1, max: 64 });
  if (flags.delimiter === '') throw usageError('--delimiter', 'must not be empty', 'use --depth 1 to group by whole keys');
  return { delimiter: flags.delimiter, depth, collapse: flags.collapse };
}
