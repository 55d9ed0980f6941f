// `cachectl keys [pattern]`: where the keys and the memory are, per namespace, with TTLs.
// `--list` streams one row per key instead of the tree.

import { Command, Option } from 'commander';
import { formatDuration } from '../../core/duration.js';
import { ExitCode } from '../../core/errors.js';
import type { ExitCodeValue } from '../../core/errors.js';
import { decodeKeyFromJson, displayKey, encodeKeyForJson } from '../../core/key-format.js';
import type { KeysReport, NamespaceRow } from '../../core/keys-report.js';
import { buildKeysReport } from '../../core/keys-report.js';
import type { NamespaceSort } from '../../core/namespaces.js';
import { KEY_TYPES, TTL_GONE, TTL_NONE, UNKNOWN } from '../../core/scan-batch.js';
import { scanKeys } from '../../core/scan.js';
import { ScanProgress } from '../../core/scan-progress.js';
import { formatBytes, parseCount } from '../../core/units.js';
import { renderJson, renderNdjsonLine } from '../../render/json.js';
import { formatScanProgress } from '../../render/progress.js';
import type { Cell } from '../../render/table.js';
import { renderTable, truncate } from '../../render/table.js';
import type { CommandContext, Runtime } from '../runtime.js';
import type { NamespaceFlags } from '../namespace-flags.js';
import { addNamespaceFlags, namespaceOptionsFrom } from '../namespace-flags.js';
import type { ScanFlags } from '../scan-flags.js';
import { addScanFlags, scanOptionsFrom } from '../scan-flags.js';

interface KeysFlags extends ScanFlags, NamespaceFlags {
  sort: NamespaceSort;
  top: string;
  list?: boolean;
  memory: boolean;
  samples: string;
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
    .option('--samples <n>', 'MEMORY USAGE SAMPLES for aggregates (0 = exact, slower)', '5');
  addScanFlags(command);
  return command
    .addHelpText('after', `
Examples:
  cachectl keys                                  the whole keyspace, grouped by namespace
  cachectl keys 'app:v2:*' --depth 4 --sort keys
  cachectl keys --replica --rate 20000           gentle: replicas only, 20k keys/s
  cachectl keys 'session:*' --list -o ndjson     one JSON object per key
  cachectl keys --limit 100000                   a sample; totals are estimates`)
    .action(runtime.action<KeysFlags>(async (ctx, flags, args) => runKeys(ctx, flags, args[0])));
}

async function runKeys(ctx: CommandContext, flags: KeysFlags, pattern: string | undefined): Promise<ExitCodeValue> {
  const namespaces = namespaceOptionsFrom(flags);
  const top = parseCount(flags.top, '--top', { min: 1 });
  const samples = parseCount(flags.samples, '--samples', { min: 0 });
  const base = scanOptionsFrom(flags, pattern, ctx);
  const scan = { ...base, wantType: true, wantTtl: true, wantMemory: flags.memory, samples };
  const topology = await ctx.connect();
  if (flags.list === true) return listKeys(ctx, topology, scan);

  const report = await buildKeysReport(topology, {
    scan,
    namespaces,
    sort: flags.sort,
    top,
    onProgress: (progress) => ctx.status(formatScanProgress(progress, scan.match !== undefined)),
  });
  for (const notice of report.notices) ctx.warn(notice);
  if (ctx.output === 'table') ctx.write(renderKeysTable(report, ctx.color, pattern, flags.delimiter));
  else ctx.write(ctx.output === 'ndjson' ? renderNdjsonLine(report) : renderJson(report));
  return finish(ctx, report.status, report.nodes.filter((node) => node.status === 'failed').map((node) => `${node.node}: ${node.error?.message ?? ''}`));
}

function finish(ctx: CommandContext, status: KeysReport['status'], failures: string[]): ExitCodeValue {
  if (status === 'partial') {
    ctx.warn('interrupted: the figures above are partial');
    return ExitCode.Interrupted;
  }
  if (status === 'incomplete') {
    ctx.warn(`incomplete: these nodes could not be fully scanned — ${failures.join('; ')}`);
    return ExitCode.Error;
  }
  return ExitCode.Ok;
}

async function listKeys(ctx: CommandContext, topology: Awaited<ReturnType<CommandContext['connect']>>, scan: Parameters<typeof scanKeys>[1]): Promise<ExitCodeValue> {
  const progress = new ScanProgress();
  let first = true;
  let rows = 0;
  if (ctx.output === 'json') ctx.write('[');
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
      rows += 1;
      if (ctx.output === 'table') {
        const ttlText = ttl === TTL_NONE ? 'none' : ttl === UNKNOWN ? '?' : formatDuration(ttl);
        out += `${type.padEnd(7)} ${ttlText.padStart(10)} ${(bytes === null ? '-' : String(bytes)).padStart(10)}  ${displayKey(batch.keys[i]!)}\n`;
      } else {
        const row = { ...encodeKeyForJson(batch.keys[i]!), type, ttlMs: ttl === UNKNOWN ? null : ttl, bytes, node: event.node };
        if (ctx.output === 'ndjson') out += renderNdjsonLine(row);
        else {
          out += `${first ? '\n' : ',\n'}  ${JSON.stringify(row)}`;
          first = false;
        }
      }
    }
    if (out !== '') ctx.write(out);
    ctx.status(formatScanProgress(progress, scan.match !== undefined));
  }
  if (ctx.output === 'json') ctx.write(first ? ']\n' : '\n]\n');
  if (rows === 0 && ctx.output === 'table') ctx.write('no keys matched\n');
  for (const notice of progress.notices) ctx.warn(notice);
  const status = ctx.signal.aborted ? 'partial' : progress.failed.length > 0 ? 'incomplete' : 'complete';
  return finish(ctx, status, progress.failed.map((node) => `${node.node}: ${node.error?.message ?? ''}`));
}

function percent(share: number | null): string {
  if (share === null) return '-';
  return `${(share * 100).toFixed(share < 0.1 && share > 0 ? 1 : 0)}%`;
}

function ttlText(row: NamespaceRow): string {
  if (row.ttl === null) return '-';
  return `${formatDuration(row.ttl.minMs)} / ${formatDuration(row.ttl.p50Ms)} / ${formatDuration(row.ttl.maxMs)}`;
}

export function renderKeysTable(report: KeysReport, color: boolean, pattern: string | undefined, delimiter = ':'): string {
  if (report.scanned === 0 && report.status === 'complete') {
    return `no keys matched${pattern === undefined ? '' : ` ${JSON.stringify(pattern)}`} (${report.dbsize.toLocaleString('en-US')} keys on the scanned nodes)\n`;
  }
  const columns = [
    { header: 'NAMESPACE' },
    { header: 'KEYS', align: 'right' as const },
    { header: '%KEYS', align: 'right' as const },
    { header: 'MEMORY', align: 'right' as const },
    { header: '%MEM', align: 'right' as const },
    { header: 'AVG', align: 'right' as const },
    { header: 'NO TTL', align: 'right' as const },
    { header: 'TTL min/p50/max' },
    { header: 'TYPES' },
    { header: 'EXAMPLE' },
  ];
  const rows: Cell[][] = [];
  // A child is shown by its own segment under its parent: its name minus the parent's and the delimiter.
  const visit = (row: NamespaceRow, parentPrefix: string) => {
    const keys = row.estimatedKeys === undefined ? row.keys.toLocaleString('en-US') : `~${row.estimatedKeys.toLocaleString('en-US')}`;
    const segment = parentPrefix !== '' && row.namespace.startsWith(parentPrefix) ? row.namespace.slice(parentPrefix.length) : row.namespace;
    rows.push([
      `${'  '.repeat(row.depth - 1)}${segment}`,
      keys,
      percent(row.keysShare),
      row.memoryBytes === null ? '-' : formatBytes(row.memoryBytes),
      percent(row.memoryShare),
      row.avgBytes === null ? '-' : formatBytes(row.avgBytes),
      row.noTtl === 0 ? '0' : { text: row.noTtl.toLocaleString('en-US'), tone: row.noTtl === row.keys ? 'warning' : 'plain' },
      ttlText(row),
      Object.entries(row.types).map(([type, count]) => (Object.keys(row.types).length === 1 ? type : `${type}:${count}`)).join(' '),
      // Escaped like redis-cli: a newline or an escape sequence in a key must not break the table or the terminal.
      row.example === null ? '' : { text: truncate(displayKey(decodeKeyFromJson(row.example)), 40), tone: 'dim' },
    ]);
    for (const child of row.children) visit(child, `${row.namespace}${delimiter}`);
  };
  for (const row of report.namespaces) visit(row, '');
  const summary = [
    `${report.scanned.toLocaleString('en-US')} keys scanned${report.sampled ? ` (a sample, --limit; ${report.dbsize.toLocaleString('en-US')} keys on the nodes — ~ marks estimates)` : ''}`,
    report.memoryBytes === null ? undefined : `${formatBytes(report.memoryBytes)}`,
    `${report.noTtl.toLocaleString('en-US')} without TTL`,
    `${report.namespaceCount.toLocaleString('en-US')} namespaces`,
    `${(report.durationMs / 1000).toFixed(1)}s`,
  ].filter((part) => part !== undefined);
  const state = report.status === 'complete' ? '' : report.status === 'partial' ? ' — PARTIAL (interrupted)' : ' — INCOMPLETE (a node failed)';
  return `${renderTable(columns, rows, color)}\n${summary.join(' · ')}${state}\n`;
}
