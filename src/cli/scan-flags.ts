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
  concurrency?: string;
  scripts?: boolean;
}

const KEY_TYPE_NAMES = ['string', 'list', 'set', 'zset', 'hash', 'stream'];
/** Nodes scanned at once by default: every master of a usual Cluster, and a bound for large ones. */
export const DEFAULT_SCAN_CONCURRENCY = 4;

export function addScanFlags(command: Command): Command {
  return command
    .option('--replica', 'scan replicas instead of masters (no extra load on primaries)')
    .option('--rate <keys/s>', 'throttle the scan to this many keys per second (all nodes together)')
    .option('--limit <n>', 'stop after n keys: a sample; totals become estimates')
    .option('--failover-wait <duration>', 'how long a node that failed may take to be replaced before its numbers are reported incomplete (default 30s)')
    .option('--type <type>', `only keys of this type: ${KEY_TYPE_NAMES.join(', ')}, or a module's type name as TYPE reports it (e.g. ReJSON-RL)`)
    .option('--concurrency <n>', `nodes scanned at once, each with one batch in flight (default ${DEFAULT_SCAN_CONCURRENCY}; 1 = one node after another)`)
    .addOption(new Option('--no-scripts', 'never use Lua scripts: per-key reads are pipelined instead (for servers where scripts are unwelcome)').hideHelp());
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
  if (flags.type !== undefined) options.type = parseTypeName(flags.type);
  if (flags.concurrency !== undefined) options.concurrency = parseCount(flags.concurrency, '--concurrency', { min: 1, max: 64 });
  if (flags.scripts === false) options.noScripts = true;
  return options;
}

/**
 * SCAN TYPE takes any type name, so --type does too (module types: ReJSON-RL, vectorset, …); only
 * what cannot be a type name is refused. A core type name is matched case-insensitively, as TYPE
 * reports it in lower case.
 */
export function parseTypeName(text: string): string {
  const name = text.trim();
  if (name === '' || /\s/.test(name) || [...name].some((char) => char.charCodeAt(0) < 0x20)) {
    throw usageError('--type', `needs a type name (${KEY_TYPE_NAMES.join(', ')} or a module type such as ReJSON-RL), got ${JSON.stringify(text)}`);
  }
  const core = KEY_TYPE_NAMES.find((type) => type === name.toLowerCase());
  return core ?? name;
}
