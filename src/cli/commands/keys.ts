// `cachectl keys [pattern]`: where the keys and the memory are, per namespace, with TTLs.
// `--list` streams one row per key instead of the tree.

import { Command, Option } from 'commander';
import { formatDuration } from '../../base/duration.js';
import type { ExitCodeValue } from '../../base/errors.js';
import { displayKey, encodeKeyForJson } from '../../base/key-format.js';
import type { NamespaceSort } from '../../core/namespaces/namespaces.js';
import type { scanKeys } from '../../core/scan/scan.js';
import type { ScanProgress } from '../../core/scan/scan-progress.js';
import { parseCount } from '../../base/units.js';
import { JsonArrayWriter, renderJson, renderNdjsonLine } from '../../render/json.js';
import { formatScanProgress } from '../../render/progress.js';
import type { CommandContext, Runtime } from '../runtime.js';
import type { NamespaceFlags } from '../namespace-flags.js';
import { addNamespaceFlags, namespaceOptionsFrom } from '../namespace-flags.js';
import type { ScanFlags } from '../scan-flags.js';
import { addScanFlags, scanOptionsFrom } from '../scan-flags.js';
import { exitCodeForStatus, runStatus } from '../../base/status.js';
import type { RunStatus } from '../../base/status.js';

interface KeysFlags extends ScanFlags, NamespaceFlags {
  sort: NamespaceSort;
  top: string;
  list?: boolean;
  memory: boolean;
  samples: string;
  biggest?: string;
}

export function keysCommand(runtime: Runtime): Command {
  const command = addNamespaceFlags(
    new Command('keys')
      .description('keys, memory and TTLs per namespace (SCAN-based, never KEYS)')
      .argument('[pattern]', 'Redis glob pattern to restrict the scan, e.g. "app:v2:*"'),
  )
    .addOption(new Option('--sort <by>', 'order of namespaces').choices(['memory', 'keys', 'no-ttl', 'name']).default('memory'))
    .option('--top <n>', 'namespaces shown per level', '20')
    .option('--list', 'one row per key (key, type, TTL, bytes) instead of the namespace tree')
    .option('--no-memory', 'skip MEMORY USAGE (faster: type and TTL only)')
    .option('--samples <n>', 'MEMORY USAGE SAMPLES for aggregates (0 = exact, slower; collections of more than 4096 elements stay sampled, marked ~)', '5')
    .option('--biggest <n>', 'also the n biggest keys by memory and by size per type, as cachectl bigkeys (same scan)');
  addScanFlags(command);
  return command
    .addHelpText('after', `
Examples:
  cachectl keys                                  the whole keyspace, grouped by namespace
  cachectl keys 'app:v2:*' --depth 4 --sort keys
  cachectl keys --replica --rate 20000           gentle: replicas only, 20k keys/s
  cachectl keys 'session:*' --list -o ndjson     one JSON object per key
  cachectl keys --limit 100000                   a sample; totals are estimates`)
    .action(runtime.action<KeysFlags>(async (ctx, flags, args) => runKeys(ctx, keysSettings(flags, args[0], ctx), args[0])));
}

export interface KeysSettings {
  scan: Parameters<typeof scanKeys>[1];
  namespaces: ReturnType<typeof namespaceOptionsFrom>;
  sort: NamespaceSort;
  top: number;
  list: boolean;
  /** --biggest: keys per top list, measured in the same scan. */
  biggest?: number;
}

/** Validates the flags into settings before anything connects; every mistake names its flag. */
export function keysSettings(flags: KeysFlags, pattern: string | undefined, ctx: CommandContext): KeysSettings {
  const namespaces = namespaceOptionsFrom(flags);
  const top = parseCount(flags.top, '--top', { min: 1 });
  const samples = parseCount(flags.samples, '--samples', { min: 0 });
  const base = scanOptionsFrom(flags, pattern, ctx);
  const scan = { ...base, wantType: true, wantTtl: true, wantMemory: flags.memory, samples, fieldTtl: true };
  const settings: KeysSettings = { scan, namespaces, sort: flags.sort, top, list: flags.list === true };
  if (flags.biggest !== undefined) {
    settings.biggest = parseCount(flags.biggest, '--biggest', { min: 1, max: 10_000 });
    settings.scan.wantLength = true;
  }
  return settings;
}

async function runKeys(ctx: CommandContext, settings: KeysSettings, pattern: string | undefined): Promise<ExitCodeValue> {
  const { scan, namespaces } = settings;
  const topology = await ctx.connect();
  if (settings.list) return listKeys(ctx, topology, scan);
  // The report and table code loads once connected: `cachectl keys --help` needs none of it, and the
  // first command reaches the server without waiting for it.
  const [{ BigKeysAggregator }, { biggestSection }, { DEFAULT_LIMITS, findingRules }, { buildKeysReport }, { renderBiggestSection }, { renderKeysTable }] = await Promise.all([
    import('../../core/bigkeys/bigkeys-aggregator.js'),
    import('../../core/bigkeys/bigkeys-report.js'),
    import('../../core/bigkeys/key-rules.js'),
    import('../../core/namespaces/keys-report.js'),
    import('../../render/bigkeys-table.js'),
    import('../../render/keys-table.js'),
  ]);

  // --biggest: the sizes ride in the same batches, and a second sink keeps the top lists.
  const biggest = settings.biggest === undefined ? undefined : new BigKeysAggregator({ top: settings.biggest, namespaces, rules: findingRules(DEFAULT_LIMITS, new Map()), examples: 5 });
  const keysReport = await buildKeysReport(topology, {
    ...(biggest === undefined ? {} : { tee: biggest }),
    scan,
    namespaces,
    sort: settings.sort,
    top: settings.top,
    // Formatting (toLocaleString builds a number formatter per call) costs on every tick; off a terminal nothing is shown.
    ...(ctx.io.stderr.isTTY === true ? { onProgress: (progress: ScanProgress) => ctx.status(formatScanProgress(progress, scan.match !== undefined)) } : {}),
  });
  const report = biggest === undefined ? keysReport : { ...keysReport, biggest: biggestSection(biggest.totals(), namespaces) };
  for (const notice of report.notices) ctx.warn(notice);
  if (ctx.output === 'table') {
    ctx.write(renderKeysTable(report, ctx.color, pattern));
    if ('biggest' in report) ctx.write(`\n${renderBiggestSection(report.biggest, ctx.color)}`);
  } else ctx.write(ctx.output === 'ndjson' ? renderNdjsonLine(ctx.withTarget(report)) : renderJson(ctx.withTarget(report)));
  return finish(ctx, report.status, report.nodes.filter((node) => node.status === 'failed').map((node) => `${node.node}: ${node.error?.message ?? ''}`));
}

function finish(ctx: CommandContext, status: RunStatus, failures: string[]): ExitCodeValue {
  if (status === 'partial') ctx.warn('interrupted: the figures above are partial');
  if (status === 'incomplete') ctx.warn(`incomplete: these nodes could not be fully scanned — ${failures.join('; ')}`);
  return exitCodeForStatus(status);
}

async function listKeys(ctx: CommandContext, topology: Awaited<ReturnType<CommandContext['connect']>>, scan: Parameters<typeof scanKeys>[1]): Promise<ExitCodeValue> {
  const [{ KEY_TYPES, MEMORY_SAMPLED, TTL_GONE, TTL_NONE, UNKNOWN }, { scanKeys }, { ScanProgress }] = await Promise.all([
    import('../../core/scan/scan-batch.js'),
    import('../../core/scan/scan.js'),
    import('../../core/scan/scan-progress.js'),
  ]);
  const progress = new ScanProgress();
  const array = new JsonArrayWriter();
  let rows = 0;
  if (ctx.output === 'json') ctx.write(array.open());
  if (ctx.output === 'table') ctx.write(`${'TYPE'.padEnd(7)} ${'TTL'.padStart(10)} ${'BYTES'.padStart(10)}  KEY\n`);
  for await (const event of scanKeys(topology, scan)) {
    progress.apply(event);
    if (event.kind === 'node-restart') ctx.warn(`${event.from} failed; rescanning on ${event.node} — keys already listed may repeat`);
    if (event.kind !== 'batch') continue;
    const { batch } = event;
    let out = '';
    for (let i = 0; i < batch.size; i += 1) {
      const ttl = batch.ttls[i]!;
      if (ttl === TTL_GONE) continue;
      const type = KEY_TYPES[batch.types[i]!]!;
      const bytes = batch.memory[i]! === UNKNOWN ? null : batch.memory[i]!;
      // Too large for an exact measurement: the server's sampled estimate, marked as one.
      const sampled = batch.flags !== undefined && (batch.flags[i]! & MEMORY_SAMPLED) !== 0;
      rows += 1;
      if (ctx.output === 'table') {
        const ttlText = ttl === TTL_NONE ? 'none' : ttl === UNKNOWN ? '?' : formatDuration(ttl);
        out += `${type.padEnd(7)} ${ttlText.padStart(10)} ${(bytes === null ? '-' : `${sampled ? '~' : ''}${bytes}`).padStart(10)}  ${displayKey(batch.keys[i]!)}\n`;
      } else {
        const row = { ...encodeKeyForJson(batch.keys[i]!), type, ttlMs: ttl === UNKNOWN ? null : ttl, bytes, ...(sampled ? { bytesSampled: true } : {}), node: event.node };
        if (ctx.output === 'ndjson') out += renderNdjsonLine(row);
        else out += array.element(row);
      }
    }
    if (out !== '') ctx.write(out);
    ctx.status(formatScanProgress(progress, scan.match !== undefined));
  }
  if (ctx.output === 'json') ctx.write(array.close());
  if (rows === 0 && ctx.output === 'table') ctx.write('no keys matched\n');
  for (const notice of progress.notices) ctx.warn(notice);
  const status = runStatus(ctx.signal.aborted, progress.failed.length);
  return finish(ctx, status, progress.failed.map((node) => `${node.node}: ${node.error?.message ?? ''}`));
}
