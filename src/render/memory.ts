// The human form of a memory report: memory, fragmentation and traffic tables with a TOTAL row,
// cells coloured by the findings that concern them, then the findings with advice, then MEMORY DOCTOR.

import { formatDuration } from '../base/duration.js';
import type { Finding, FindingId, Severity } from '../core/memory/memory-findings.js';
import { formatRate, SEVERITY_RANK } from '../core/memory/memory-findings.js';
import type { KeyspaceSample } from '../core/memory/keyspace-kinds.js';
import type { MemoryFigures } from '../core/memory/memory-figures.js';
import type { MemoryNodeReport, MemoryReport, MemoryTotals } from '../core/memory/memory-report.js';
import { formatBytes } from '../base/units.js';
import type { Cell, Column, Tone } from './table.js';
import { paint, palette, renderTable } from './table.js';

/** Which table cell a finding colours. */
type Spot = 'maxmemory' | 'usage' | 'peak' | 'frag' | 'evict' | 'hit' | 'noTtl';
const SPOT: Readonly<Record<Exclude<FindingId, 'node-down'>, Spot>> = {
  'maxmemory-unset': 'maxmemory',
  'memory-high': 'usage',
  'noeviction-near-limit': 'usage',
  'volatile-policy-without-ttl': 'noTtl',
  'evictions-now': 'evict',
  'hit-rate-low': 'hit',
  'fragmentation-high': 'frag',
  'fragmentation-noise': 'frag',
  swapping: 'frag',
  'peak-far-above-current': 'peak',
  'queue-keys-evictable': 'maxmemory',
};

const TONE: Readonly<Record<Severity, Tone>> = { ok: 'dim', warning: 'warning', critical: 'critical' };

const NA = 'n/a';
/** A figure that does not apply: a down node, or a rate without a window. */
const NONE = '-';

export function renderMemoryReport(report: MemoryReport, color: boolean): string {
  const sections = [
    headline(report),
    `MEMORY\n${memoryTable(report, color)}`,
    `FRAGMENTATION AND HOUSEKEEPING\n${fragmentationTable(report, color)}`,
    `TRAFFIC${report.nodes.some((node) => node.rates !== null) ? ` (rates over the ${formatDuration(windowOf(report))} window)` : ' (single sample: no rates)'}\n${trafficTable(report, color)}`,
    ...(report.keyspace === null ? [] : [keyspaceSection(report.keyspace)]),
    `FINDINGS\n${renderFindings(report.findings, color)}`,
  ];
  for (const node of report.nodes) {
    if (node.doctor !== null) sections.push(`MEMORY DOCTOR ${node.address}\n${node.doctor.trimEnd()}`);
  }
  return `${sections.join('\n\n')}\n`;
}

function headline(report: MemoryReport): string {
  const count = report.nodes.length;
  const up = report.total.nodesUp;
  const nodes = `${count} data node${count === 1 ? '' : 's'}${up === count ? '' : `, ${count - up} down`}`;
  const sample = report.partial
    ? 'partial: interrupted after the first sample, no rates'
    : report.intervalMs === 0
      ? 'single sample'
      : `sampled twice, ${formatDuration(report.intervalMs)} apart`;
  return `${report.topology}: ${nodes}; ${sample}`;
}

/** What the keyspace sample looked at and which queues, locks and sessions it found. */
function keyspaceSection(sample: KeyspaceSample): string {
  const seen = sample.complete ? `all ${count(sample.sampled)} keys` : `${count(sample.sampled)} of ${count(sample.dbsize)} keys, --sample-keys ${count(sample.limit)}`;
  const failed = sample.failedNodes.length === 0 ? '' : `\nnot sampled (node failed): ${sample.failedNodes.join(', ')}`;
  const found =
    sample.groups.length === 0
      ? `no queue, lock or session keys${sample.complete ? '' : ' in the sample'}: eviction advice is for a cache`
      : `must not be evicted: ${sample.groups.map((group) => `${group.label} (${count(group.sampledKeys)} key${group.sampledKeys === 1 ? '' : 's'}${sample.complete ? '' : ' sampled'})`).join(', ')}`;
  return `KEYSPACE (${seen})\n${found}${failed}`;
}

function windowOf(report: MemoryReport): number {
  return report.total.rates?.windowMs ?? report.intervalMs;
}

function memoryTable(report: MemoryReport, color: boolean): string {
  const columns: Column[] = [
    { header: 'NODE' },
    { header: 'ROLE' },
    { header: 'STATUS' },
    { header: 'USED', align: 'right' },
    { header: 'MAXMEMORY', align: 'right' },
    { header: 'USE%', align: 'right' },
    { header: 'HEADROOM', align: 'right' },
    { header: 'PEAK', align: 'right' },
    { header: 'RSS', align: 'right' },
    { header: 'DATASET', align: 'right' },
    { header: 'OVERHEAD', align: 'right' },
  ];
  const rows = report.nodes.map((node): Cell[] => {
    const f = node.figures;
    const head = [node.address, node.role, statusCell(node)];
    if (f === null) return [...head, ...blank(8)];
    return [
      ...head,
      bytes(f.usedBytes),
      tinted(node, 'maxmemory', f.maxmemoryBytes === 0 ? 'none' : bytes(f.maxmemoryBytes)),
      tinted(node, 'usage', percent(f.maxmemoryUsage, 0, f.maxmemoryBytes === 0 ? NONE : NA)),
      f.maxmemoryBytes === 0 ? NONE : bytes(f.headroomBytes),
      tinted(node, 'peak', bytes(f.peakBytes)),
      bytes(f.rssBytes),
      bytes(f.datasetBytes),
      bytes(f.overheadBytes),
    ];
  });
  const t = report.total;
  rows.push([
    'TOTAL',
    '',
    `${t.nodesUp}/${t.nodes} up`,
    bytes(t.usedBytes),
    t.maxmemoryBytes === null ? NONE : bytes(t.maxmemoryBytes),
    percent(t.maxmemoryUsage, 0, NONE),
    t.headroomBytes === null ? NONE : bytes(t.headroomBytes),
    bytes(t.peakBytes),
    bytes(t.rssBytes),
    bytes(t.datasetBytes),
    bytes(t.overheadBytes),
  ]);
  return renderTable(columns, rows, color);
}

function fragmentationTable(report: MemoryReport, color: boolean): string {
  const columns: Column[] = [
    { header: 'NODE' },
    { header: 'FRAG', align: 'right' },
    { header: 'ALLOC-FRAG', align: 'right' },
    { header: 'ALLOC-RSS', align: 'right' },
    { header: 'RSS-OVERHEAD', align: 'right' },
    { header: 'ALLOCATOR' },
    { header: 'DEFRAG' },
    { header: 'LAZYFREE', align: 'right' },
    { header: 'REPLICATION' },
  ];
  const rows = report.nodes.map((node): Cell[] => {
    const f = node.figures;
    if (f === null) return [node.address, ...blank(8)];
    const frag = f.fragmentation;
    return [
      node.address,
      tinted(node, 'frag', ratio(frag.ratio)),
      ratio(frag.allocatorFragRatio),
      ratio(frag.allocatorRssRatio),
      ratio(frag.rssOverheadRatio),
      frag.allocator ?? NA,
      defragText(f),
      count(f.lazyfreePendingObjects),
      replicationText(f),
    ];
  });
  return renderTable(columns, rows, color);
}

function trafficTable(report: MemoryReport, color: boolean): string {
  const columns: Column[] = [
    { header: 'NODE' },
    { header: 'POLICY' },
    { header: 'EVICTED', align: 'right' },
    { header: 'EVICT/S', align: 'right' },
    { header: 'EXPIRE/S', align: 'right' },
    { header: 'OPS/S', align: 'right' },
    { header: 'HIT% NOW', align: 'right' },
    { header: 'HIT% EVER', align: 'right' },
    { header: 'KEYS', align: 'right' },
    { header: 'NO TTL', align: 'right' },
  ];
  const rows = report.nodes.map((node): Cell[] => {
    const f = node.figures;
    if (f === null) return [node.address, ...blank(9)];
    return [
      node.address,
      f.maxmemoryPolicy ?? NA,
      count(f.evictedKeys),
      tinted(node, 'evict', rate(node.rates?.evictionsPerSec, node.rates)),
      rate(node.rates?.expirationsPerSec, node.rates),
      rate(node.rates?.opsPerSec, node.rates),
      tinted(node, 'hit', windowHitRate(node.rates)),
      lifetimeHitRate(node.lifetimeHitRate, node.counters),
      count(f.keys),
      tinted(node, 'noTtl', count(f.keysWithoutExpiry)),
    ];
  });
  const idle = report.nodes.every((node) => node.counters === null || (node.counters.hits === 0 && node.counters.misses === 0));
  rows.push(totalTrafficRow(report.total, idle));
  return renderTable(columns, rows, color);
}

/** `idle`: no node has seen a lookup since it started. */
function totalTrafficRow(t: MemoryTotals, idle: boolean): Cell[] {
  return [
    'TOTAL',
    '',
    count(t.evictedKeys),
    rate(t.rates?.evictionsPerSec, t.rates),
    rate(t.rates?.expirationsPerSec, t.rates),
    rate(t.rates?.opsPerSec, t.rates),
    windowHitRate(t.rates),
    t.lifetimeHitRate === null && idle ? 'idle' : percent(t.lifetimeHitRate, 1, NA),
    count(t.keys),
    count(t.keysWithoutExpiry),
  ];
}

/** Findings most severe first, each with its advice on the next line; "none" when healthy. */
export function renderFindings(findings: readonly Finding[], color: boolean): string {
  if (findings.length === 0) return 'none: memory, evictions, fragmentation and hit rate look healthy';
  const chalk = palette(color);
  return findings
    .map((finding) => {
      const label = paint({ text: finding.severity.toUpperCase().padEnd(8), tone: finding.severity }, chalk);
      const where = finding.node === null ? 'all nodes' : finding.node;
      return `${label}  ${where}  ${chalk.bold(finding.id)}: ${finding.message}\n          ${chalk.dim(`→ ${finding.advice}`)}`;
    })
    .join('\n');
}

function statusCell(node: MemoryNodeReport): Cell {
  return node.status === 'up' ? { text: 'up', tone: 'ok' } : { text: 'DOWN', tone: 'critical' };
}

/** Colours a cell with the most severe finding of the node that concerns it. */
function tinted(node: MemoryNodeReport, spot: Spot, text: string): Cell {
  let worst: Severity | null = null;
  for (const finding of node.findings) {
    if (finding.id === 'node-down' || SPOT[finding.id] !== spot) continue;
    if (worst === null || SEVERITY_RANK[finding.severity] > SEVERITY_RANK[worst]) worst = finding.severity;
  }
  return worst === null ? text : { text, tone: TONE[worst] };
}

function blank(n: number): Cell[] {
  return Array.from({ length: n }, () => NONE);
}

function bytes(value: number | null): string {
  return value === null ? NA : formatBytes(value);
}

function count(value: number | null): string {
  return value === null ? NA : String(value);
}

function ratio(value: number | null): string {
  return value === null ? NA : value.toFixed(2);
}

function percent(value: number | null, digits: number, missing: string): string {
  return value === null ? missing : `${(value * 100).toFixed(digits)}%`;
}

function rate(value: number | null | undefined, rates: { reset: boolean } | null | undefined): string {
  if (rates === null || rates === undefined) return NONE;
  if (rates.reset) return 'reset';
  return value === null || value === undefined ? NA : formatRate(value);
}

/** The window's hit rate, with its number of lookups when too few to judge. */
function windowHitRate(rates: MemoryNodeReport['rates']): string {
  if (rates === null) return NONE;
  if (rates.reset) return 'reset';
  if (rates.hitRate === null) return rates.lookups === 0 ? 'idle' : NA;
  return `${(rates.hitRate * 100).toFixed(1)}%`;
}

function lifetimeHitRate(rate: number | null, counters: MemoryNodeReport['counters']): string {
  if (rate !== null) return percent(rate, 1, NA);
  return counters !== null && counters.hits === 0 && counters.misses === 0 ? 'idle' : NA;
}

function defragText(f: MemoryFigures): string {
  const running = f.activeDefragRunning === true ? 'running' : null;
  const enabled = f.activeDefragEnabled === null ? null : f.activeDefragEnabled ? 'on' : 'off';
  if (running !== null) return running;
  return enabled ?? NA;
}

function replicationText(f: MemoryFigures): string {
  const r = f.replication;
  if (r.role === 'replica') {
    // -1 means the replica has never heard from its master (the link is down).
    const io = r.lastIoSecondsAgo === null || r.lastIoSecondsAgo < 0 ? '' : `, io ${r.lastIoSecondsAgo}s ago`;
    return `link ${r.linkStatus ?? NA}${io}${r.syncInProgress === true ? ', syncing' : ''}`;
  }
  if (r.role === 'master' && r.replicas.length > 0) {
    const lags = r.replicas.map((replica) => replica.lagSeconds).filter((lag): lag is number => lag !== null);
    const behind = r.replicas.map((replica) => replica.offsetLagBytes).filter((lag): lag is number => lag !== null);
    const lag = lags.length === 0 ? '' : `, lag ≤ ${Math.max(...lags)}s`;
    const offset = behind.length === 0 ? '' : `/${formatBytes(Math.max(...behind))}`;
    const backlog = r.backlogBytes === null ? '' : `, backlog ${formatBytes(r.backlogBytes)}`;
    return `${r.replicas.length} replica${r.replicas.length === 1 ? '' : 's'}${lag}${offset}${backlog}`;
  }
  return r.role === null ? NA : 'no replicas';
}
