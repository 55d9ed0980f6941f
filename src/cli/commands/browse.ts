// `cachectl browse [pattern]`: the interactive namespace explorer (ncdu for a Redis keyspace).
// Validates flags, connects, and hands over to the TUI, which is imported only here so that no
// other command ever loads ink or React.

import { Command } from 'commander';
import { CachectlError, ExitCode, usageError } from '../../base/errors.js';
import type { ExitCodeValue } from '../../base/errors.js';
import { DEFAULT_MAX_SHARE } from '../../core/purge/plan.js';
import { shardsOf } from '../../core/scan/scan.js';
import { parseCount } from '../../base/units.js';
import { parsePercent } from '../destructive.js';
import { cliVersion } from '../version.js';
import type { CommandContext, Runtime } from '../runtime.js';
import type { NamespaceFlags } from '../namespace-flags.js';
import { addNamespaceFlags, namespaceOptionsFrom } from '../namespace-flags.js';
import type { ScanFlags } from '../scan-flags.js';
import { addScanFlags, scanOptionsFrom } from '../scan-flags.js';
import { prepareInteractiveEnv } from '../interactive-env.js';

interface BrowseFlags extends ScanFlags, NamespaceFlags {
  samples: string;
  keys: string;
  readonly?: boolean;
  allowDelete?: boolean;
  maxShare: string;
  maxKeys?: string;
}

export function browseCommand(runtime: Runtime): Command {
  const command = addNamespaceFlags(
    new Command('browse')
      .description('explore the keyspace interactively: the namespace tree as it is scanned, keys, values, and safe purges')
      .argument('[pattern]', 'Redis glob pattern to restrict the scan, e.g. "app:v2:*"'),
  )
    .option('--samples <n>', 'MEMORY USAGE SAMPLES for aggregates (0 = exact, slower)', '5')
    .option('--keys <n>', 'keys listed per namespace', '200')
    .option('--readonly', 'no dangerous actions: d (purge) is removed from the keys and the help')
    .option('--allow-delete', 'allow d (purge) while scanning replicas (--replica turns it off by default)')
    .option('--max-share <percent>', 'd refuses to delete more than this share of the keyspace (as purge)', `${DEFAULT_MAX_SHARE * 100}%`)
    .option('--max-keys <n>', 'd refuses to delete more than n keys (as purge)');
  addScanFlags(command);
  return command
    .addHelpText('after', `
Keys: ↑/↓ move · enter/→ open · ←/backspace up · s sort · / filter · e export · d delete · ? help · q quit

Examples:
  cachectl browse                          the whole keyspace
  cachectl browse 'app:v2:*' --readonly    one subtree, nothing can be deleted
  cachectl browse --replica --rate 20000   gentle: replicas only, 20k keys/s

Needs a terminal; for a report to pipe or save, use cachectl keys.`)
    .action(runtime.action<BrowseFlags>(async (ctx, flags, args) => runBrowse(ctx, flags, args[0])));
}

/** Validates the flags before anything connects; every mistake names its flag. */
export function browseSettings(flags: BrowseFlags, pattern: string | undefined, ctx: CommandContext) {
  const namespaces = namespaceOptionsFrom(flags);
  const samples = parseCount(flags.samples, '--samples', { min: 0 });
  const keyListLimit = parseCount(flags.keys, '--keys', { min: 1, max: 100_000 });
  if (flags.readonly === true && flags.allowDelete === true) {
    throw usageError('--allow-delete', 'contradicts --readonly', 'drop one of the two');
  }
  const maxShare = parsePercent(flags.maxShare, '--max-share');
  const maxKeys = flags.maxKeys === undefined ? undefined : parseCount(flags.maxKeys, '--max-keys', { min: 1 });
  const scan = { ...scanOptionsFrom(flags, pattern, ctx), samples };
  return { namespaces, keyListLimit, maxShare, maxKeys, scan };
}

async function runBrowse(ctx: CommandContext, flags: BrowseFlags, pattern: string | undefined): Promise<ExitCodeValue> {
  const { stdin, stdout, stderr } = ctx.io;
  if (stdout.isTTY !== true || stdin.isTTY !== true) {
    throw new CachectlError('USAGE', 'cachectl browse is interactive and needs a terminal (stdin and stdout)', {
      hint: `for a report you can pipe or save, run: cachectl keys${pattern === undefined ? '' : ` '${pattern}'`} -o json`,
    });
  }
  const { namespaces, keyListLimit, maxShare, maxKeys, scan } = browseSettings(flags, pattern, ctx);
  const topology = await ctx.connect();
  // Fails now, before the screen is taken over, when --replica has no replica to scan.
  shardsOf(topology, scan.replica === true);

  const readonlyReason = dangerousActionsOff({ readonly: flags.readonly === true, allowDelete: flags.allowDelete === true, replica: scan.replica === true, type: scan.type });
  prepareInteractiveEnv();
  // Loaded here, never at startup: ink and React are for this command only.
  const { createRedisSource } = await import('../../core/browse/redis-source.js');
  const { createRedisPurge, deletedKeyStats } = await import('../../core/browse/redis-purge.js');
  const { runBrowseTui } = await import('../../tui/browse/run.js');
  const context = ctx.target()?.context ?? null;
  const source = createRedisSource(topology, {
    scan,
    ...(context === null ? {} : { context }),
    namespaces,
    keyListLimit,
    ...(readonlyReason === undefined ? {} : { readonlyReason }),
  });
  if (readonlyReason === undefined) {
    source.purge = createRedisPurge(topology, {
      namespaces,
      ...(scan.match === undefined ? {} : { within: scan.match }),
      limits: { maxShare, ...(maxKeys === undefined ? {} : { maxKeys }) },
      ...(scan.rate === undefined ? {} : { rate: scan.rate }),
      ...(scan.noScripts === true ? { noScripts: true } : {}),
      tool: `cachectl ${cliVersion()}`,
      tree: () => source.tree.current().root,
      onDeleted: (target) => {
        if (target.kind === 'namespace') source.tree.removeNamespace(target.name, target.ownOnly);
        else source.tree.removeKey(target.entry.shard, deletedKeyStats(target, namespaces));
      },
    });
  }
  const reason = await runBrowseTui({
    source,
    stdin: stdin as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    color: ctx.color,
    signal: ctx.signal,
  });
  return reason === 'interrupt' ? ExitCode.Interrupted : ExitCode.Ok;
}

/**
 * Why `d` is off, or undefined when it is allowed: --readonly; --type (the tree counts one type but
 * a purge deletes every type); --replica unless --allow-delete (someone scanning replicas to spare
 * the primaries did not come to delete).
 */
export function dangerousActionsOff(options: { readonly: boolean; allowDelete: boolean; replica: boolean; type: string | undefined }): string | undefined {
  if (options.readonly) return '--readonly';
  if (options.type !== undefined) return '--type: the tree counts one type, but a purge would delete every type in the namespace';
  if (options.replica && !options.allowDelete) return 'scanning replicas (--replica); add --allow-delete to enable it';
  return undefined;
}
