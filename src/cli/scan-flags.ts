// Flags shared by every command that scans keys (keys, audit-ttl, purge, browse), and their
// validation into ScanOptions.

import type { Command } from 'commander';
import { Option } from 'commander';
import { usageError } from '../base/errors.js';
import { parseDuration } from '../base/duration.js';
import { suspiciousGlob } from '../base/glob.js';
import type { ScanOptions } from '../core/scan/scan.js';
import { parseCount, parseRate } from '../base/units.js';
import type { CommandContext } from './runtime.js';

export interface ScanFlags {
  replica?: boolean;
  rate?: string;
  limit?: string;
  failoverWait?: string;
  type?: string;
  scripts?: boolean;
}

const KEY_TYPE_NAMES = ['string', 'list', 'set', 'zset', 'hash', 'stream'];

export function addScanFlags(command: Command): Command {
  return command
    .option('--replica', 'scan replicas instead of masters (no extra load on primaries)')
    .option('--rate <keys/s>', 'throttle the scan to this many keys per second (all nodes together)')
    .option('--limit <n>', 'stop after n keys: a sample; totals become estimates')
    .option('--failover-wait <duration>', 'how long a node that failed may take to be replaced before its numbers are reported incomplete (default 30s)')
    .option('--type <type>', `only keys of this type (${KEY_TYPE_NAMES.join(', ')})`)
    .addOption(new Option('--no-scripts', 'never use Lua scripts (slower; for servers where scripts are unwelcome)').hideHelp());
}

/** Validates the scan flags; warns about patterns that probably do not mean what was typed. */
export function scanOptionsFrom(flags: ScanFlags, pattern: string | undefined, ctx: CommandContext): Omit<ScanOptions, 'wantType' | 'wantTtl' | 'wantMemory'> {
  const options: Omit<ScanOptions, 'wantType' | 'wantTtl' | 'wantMemory'> = { signal: ctx.signal };
  if (pattern !== undefined && pattern !== '*') {
    options.match = Buffer.from(pattern, 'utf8');
    const warning = suspiciousGlob(pattern);
    if (warning !== undefined) ctx.warn(`pattern ${JSON.stringify(pattern)}: ${warning}`);
  }
  if (flags.replica === true) options.replica = true;
  if (flags.rate !== undefined) options.rate = parseRate(flags.rate, '--rate');
  if (flags.limit !== undefined) options.limit = parseCount(flags.limit, '--limit', { min: 1 });
  // Sentinel's and Cluster's own defaults take 15–30 s to promote a replica; wait that long by default.
  options.failoverWaitMs = flags.failoverWait === undefined ? 30_000 : parseDuration(flags.failoverWait, '--failover-wait');
  if (flags.type !== undefined) {
    if (!KEY_TYPE_NAMES.includes(flags.type)) {
      throw usageError('--type', `must be one of ${KEY_TYPE_NAMES.join(', ')}, got ${JSON.stringify(flags.type)}`);
    }
    options.type = flags.type;
  }
  if (flags.scripts === false) options.noScripts = true;
  return options;
}
