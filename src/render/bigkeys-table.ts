// The human form of `cachectl bigkeys`: biggest keys by memory and per type, size distributions
// with a small log2 chart, namespace outliers, hot keys, findings with advice, then --fail-on.
// Also the --quick view from INFO keysizes, and the NDJSON records of a report.

import { formatDuration } from '../base/duration.js';
import { decodeKeyFromJson, displayKey } from '../base/key-format.js';
import { formatBytes } from '../base/units.js';
import type { BigKey, BiggestSection, BigKeysReport, Finding, Percentiles, TypeSummary } from '../core/bigkeys/bigkeys-report.js';
import type { KeysizesReport } from '../core/bigkeys/keysizes.js';
import type { Log2Bucket } from '../core/bigkeys/size-distribution.js';
import { RELATIVE_ERROR } from '../core/bigkeys/size-distribution.js';
import { renderNdjsonLine } from './json.js';
import type { Cell, Column } from './table.js';
import { paint, palette, renderTable, truncate } from './table.js';

/** Per-type lists in the table (JSON has every one of --top). */
const PER_TYPE_ROWS = 5;
const KEY_WIDTH = 48;
const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

const count = (n: number): string => n.toLocaleString('en-US');

function keyText(key: BigKey): string {
  return truncate(displayKey(decodeKeyFromJson(key)), KEY_WIDTH);
}

/** A string's length in bytes, a collection's in elements. */
function sizeText(type: string, length: number | null): string {
  if (length === null) return '-';
  return type === 'string' ? formatBytes(length) : `${count(length)} el`;
}

function ttlText(key: BigKey): Cell {
  return key.ttlMs === null ? { text: 'none', tone: 'warning' } : formatDuration(key.ttlMs);
}

function memoryText(bytes: number | null): string {
  return bytes === null ? '-' : formatBytes(bytes);
}

/** One block character per power of two, scaled to the fullest bucket; empty buckets show as a dot. */
export function log2Chart(buckets: readonly Log2Bucket[]): string {
  const most = Math.max(0, ...buckets.map((bucket) => bucket.count));
  if (most === 0) return '';
  return buckets.map((bucket) => (bucket.count === 0 ? '·' : BARS[Math.min(BARS.length - 1, Math.floor((bucket.count / most) * (BARS.length - 1) + 0.5))]!)).join('');
}

function rangeLabel(value: number, of: 'bytes' | 'elements' | 'memory'): string {
  return of === 'elements' ? count(value) : formatBytes(value);
}

function chartCell(summary: Pick<TypeSummary, 'histogram'>): string {
  const { of, buckets } = summary.histogram;
  if (buckets.length === 0) return '';
  return `${log2Chart(buckets)} ${rangeLabel(buckets[0]!.from, of)}…${rangeLabel(buckets[buckets.length - 1]!.to, of)}`;
}

function percentileCells(p: Percentiles | null, format: (n: number) => string): string[] {
  if (p === null) return ['-', '-', '-', '-'];
  const mark = p.exact ? '' : '~';
  return [`${mark}${format(p.p50)}`, `${mark}${format(p.p90)}`, `${mark}${format(p.p99)}`, format(p.max)];
}

function keyRows(keys: readonly BigKey[], withRank: boolean): Cell[][] {
  return keys.map((key, index) => [
    ...(withRank ? [String(index + 1)] : []),
    keyText(key),
    key.type,
    memoryText(key.memoryBytes),
    sizeText(key.type, key.length),
    ttlText(key),
    { text: key.namespace, tone: 'dim' },
    { text: key.node, tone: 'dim' },
  ]);
}

const KEY_COLUMNS: Column[] = [
  { header: 'KEY' },
  { header: 'TYPE' },
  { header: 'MEMORY', align: 'right' },
  { header: 'SIZE', align: 'right' },
  { header: 'TTL', align: 'right' },
  { header: 'NAMESPACE' },
  { header: 'NODE' },
];

export function renderBigKeysTable(report: BigKeysReport, color: boolean, pattern: string | undefined): string {
  if (report.scanned === 0 && report.status === 'complete') {
    return `no keys matched${pattern === undefined ? '' : ` ${JSON.stringify(pattern)}`} (${count(report.dbsize)} keys on the scanned nodes)\n`;
  }
  const chalk = palette(color);
  const sections: string[] = [];
  sections.push(...biggestSections(report, color));

  if (report.namespaces.length > 0) {
    const columns: Column[] = [
      { header: 'NAMESPACE' },
      { header: 'KEYS', align: 'right' },
      { header: 'AVG', align: 'right' },
      { header: 'BIGGEST', align: 'right' },
      { header: '×AVG', align: 'right' },
      { header: 'BIGGEST KEY' },
    ];
    const rows: Cell[][] = report.namespaces.map((row) => [
      row.namespace,
      count(row.keys),
      formatBytes(row.avgBytes),
      formatBytes(row.biggest.memoryBytes ?? 0),
      // One key far above its namespace's average is the outlier this table is for.
      { text: `${row.biggestToAvg >= 10 ? Math.round(row.biggestToAvg) : row.biggestToAvg.toFixed(1)}×`, tone: row.biggestToAvg >= 10 && row.keys > 1 ? 'warning' : 'plain' },
      { text: keyText(row.biggest), tone: 'dim' },
    ]);
    sections.push(`NAMESPACES (biggest key beside the average)\n${renderTable(columns, rows, color)}`);
  }

  if (report.hotKeys.available) {
    const columns: Column[] = [{ header: '#', align: 'right' }, { header: 'KEY' }, { header: 'FREQ', align: 'right' }, { header: 'TYPE' }, { header: 'MEMORY', align: 'right' }, { header: 'NODE' }];
    const rows: Cell[][] = report.hotKeys.keys.map((key, index) => [String(index + 1), keyText(key), String(key.freq ?? '-'), key.type, memoryText(key.memoryBytes), { text: key.node, tone: 'dim' }]);
    const note = report.hotKeys.reason === null ? '' : `\n${chalk.dim(report.hotKeys.reason)}`;
    sections.push(`HOT KEYS (OBJECT FREQ, logarithmic LFU counter 0-255)\n${renderTable(columns, rows, color)}${note}`);
  } else {
    sections.push(`HOT KEYS\n${chalk.dim(report.hotKeys.reason ?? 'no frequency was measured')}`);
  }

  sections.push(findingsSection(report.findings, color));

  if (report.failOn !== null) {
    const lines = report.failOn.map((result) => {
      const verdict = paint({ text: result.failed ? 'FAIL' : 'ok', tone: result.failed ? 'critical' : 'ok' }, chalk);
      const examples = result.examples.slice(0, 3).map((key) => `${keyText(key)} (${memoryText(key.memoryBytes)})`);
      return `${verdict}  ${result.rule}: ${count(result.matched)}${examples.length > 0 ? ` — ${examples.join(', ')}` : ''}`;
    });
    sections.push(`FAIL-ON\n${lines.join('\n')}`);
  }

  const summary = [
    `${count(report.scanned)} keys scanned${report.sampled ? ` (a sample, --limit; ${count(report.dbsize)} keys on the nodes)` : ''}`,
    report.vanished > 0 ? `${count(report.vanished)} vanished mid-scan` : undefined,
    `${(report.durationMs / 1000).toFixed(1)}s`,
  ].filter((part) => part !== undefined);
  const state = report.status === 'complete' ? '' : report.status === 'partial' ? ' — PARTIAL (interrupted)' : ' — INCOMPLETE (a node failed)';
  return `${sections.join('\n\n')}\n\n${summary.join(' · ')}${state}\n`;
}

/** The top lists and the per-type distributions: shared by bigkeys and `keys --biggest`. */
function biggestSections(section: BiggestSection, color: boolean): string[] {
  const sections: string[] = [];
  const top = Math.max(0, ...Object.values(section.topByLength).map((keys) => keys.length), section.topByMemory.length);
  sections.push(`BIGGEST KEYS BY MEMORY\n${renderTable([{ header: '#', align: 'right' }, ...KEY_COLUMNS], keyRows(section.topByMemory, true), color)}`);

  const perType: Cell[][] = [];
  let cut = false;
  for (const [type, keys] of Object.entries(section.topByLength)) {
    if (keys.length > PER_TYPE_ROWS) cut = true;
    keys.slice(0, PER_TYPE_ROWS).forEach((key, index) => {
      perType.push([index === 0 ? type : '', keyText(key), sizeText(type, key.length), memoryText(key.memoryBytes), ttlText(key), { text: key.node, tone: 'dim' }]);
    });
  }
  if (perType.length > 0) {
    const columns: Column[] = [{ header: 'TYPE' }, { header: 'KEY' }, { header: 'SIZE', align: 'right' }, { header: 'MEMORY', align: 'right' }, { header: 'TTL', align: 'right' }, { header: 'NODE' }];
    const note = cut ? ` (first ${PER_TYPE_ROWS} of each; -o json has up to ${top})` : '';
    sections.push(`BIGGEST PER TYPE BY SIZE (bytes of strings, elements of collections)${note}\n${renderTable(columns, perType, color)}`);
  }

  const typeColumns: Column[] = [
    { header: 'TYPE' },
    { header: 'KEYS', align: 'right' },
    { header: 'MEMORY', align: 'right' },
    { header: 'MEM p50', align: 'right' },
    { header: 'p90', align: 'right' },
    { header: 'p99', align: 'right' },
    { header: 'max', align: 'right' },
    { header: 'SIZE p50', align: 'right' },
    { header: 'p90', align: 'right' },
    { header: 'p99', align: 'right' },
    { header: 'max', align: 'right' },
    { header: 'LOG2 HISTOGRAM (size; memory for other types)' },
  ];
  const typeRows: Cell[][] = section.types.map((summary) => {
    const sizeFormat = summary.lengthUnit === 'bytes' ? formatBytes : count;
    return [
      summary.type,
      count(summary.keys),
      summary.memory === null ? '-' : formatBytes(summary.memory.total),
      ...percentileCells(summary.memory, formatBytes),
      ...percentileCells(summary.length, sizeFormat),
      chartCell(summary),
    ];
  });
  const estimated = section.types.some((summary) => summary.memory?.exact === false || summary.length?.exact === false);
  const typesNote = estimated ? ` (~: estimated from log buckets, within ${(RELATIVE_ERROR * 100).toFixed(1)}%)` : '';
  sections.push(`TYPES${typesNote}\n${renderTable(typeColumns, typeRows, color)}`);

  return sections;
}

function findingsSection(findings: readonly Finding[], color: boolean): string {
  const chalk = palette(color);
  const text =
    findings.length === 0
      ? paint({ text: 'none: no key past the thresholds', tone: 'ok' }, chalk)
      : findings
          .map((finding) => {
            const mark = paint({ text: finding.severity === 'critical' ? 'CRITICAL' : 'WARNING', tone: finding.severity === 'critical' ? 'critical' : 'warning' }, chalk);
            const examples = finding.examples.map((key) => `    ${keyText(key)}  ${memoryText(key.memoryBytes)}${key.length === null ? '' : `, ${sizeText(key.type, key.length)}`}${key.ttlMs === null ? ', no TTL' : ''}  ${chalk.dim(key.node)}`);
            const more = finding.count > finding.examples.length ? [chalk.dim(`    … and ${count(finding.count - finding.examples.length)} more`)] : [];
            return [`${mark} ${finding.title}`, `  ${finding.advice}`, ...examples, ...more].join('\n');
          })
          .join('\n');
  return `FINDINGS\n${text}`;
}

/** `keys --biggest N` in a table: the top lists, the distributions and the findings. */
export function renderBiggestSection(section: BiggestSection, color: boolean): string {
  return `${[...biggestSections(section, color), findingsSection(section.findings, color)].join('\n\n')}\n`;
}

/** The report as NDJSON: a summary record, then one record per key, type, namespace, finding and rule. */
export function renderBigKeysNdjson(report: BigKeysReport): string {
  const { topByMemory, topByLength, hotKeys, types, namespaces, findings, failOn, ...summary } = report;
  const lines = [renderNdjsonLine({ record: 'summary', ...summary, hotKeys: { available: hotKeys.available, policies: hotKeys.policies, reason: hotKeys.reason } })];
  topByMemory.forEach((key, index) => lines.push(renderNdjsonLine({ record: 'key', list: 'memory', rank: index + 1, ...key })));
  for (const [type, keys] of Object.entries(topByLength)) keys.forEach((key, index) => lines.push(renderNdjsonLine({ record: 'key', list: `size:${type}`, rank: index + 1, ...key })));
  hotKeys.keys.forEach((key, index) => lines.push(renderNdjsonLine({ record: 'key', list: 'freq', rank: index + 1, ...key })));
  for (const type of types) lines.push(renderNdjsonLine({ record: 'type', ...type }));
  for (const row of namespaces) lines.push(renderNdjsonLine({ record: 'namespace', ...row }));
  for (const finding of findings) lines.push(renderNdjsonLine({ record: 'finding', ...finding }));
  for (const result of failOn ?? []) lines.push(renderNdjsonLine({ record: 'fail-on', ...result }));
  return lines.join('');
}

/** --quick: the per-type histograms INFO keysizes keeps. */
export function renderKeysizesTable(report: KeysizesReport, color: boolean): string {
  if (report.types.length === 0) return `no keys in db ${report.db} on ${report.nodes.join(', ')} (INFO keysizes)\n`;
  const columns: Column[] = [
    { header: 'TYPE' },
    { header: 'KEYS', align: 'right' },
    { header: 'OF' },
    { header: 'p50 in', align: 'right' },
    { header: 'p90 in', align: 'right' },
    { header: 'p99 in', align: 'right' },
    { header: 'LOG2 HISTOGRAM' },
  ];
  const range = (bucket: Log2Bucket | null, of: 'bytes' | 'elements') => (bucket === null ? '-' : `${rangeLabel(bucket.from, of)}–${rangeLabel(bucket.to, of)}`);
  const rows: Cell[][] = report.types.map((type) => [
    type.type,
    count(type.keys),
    type.of,
    range(type.p50, type.of),
    range(type.p90, type.of),
    range(type.p99, type.of),
    chartCell({ histogram: { of: type.of, buckets: type.buckets } }),
  ]);
  return `${renderTable(columns, rows, color)}\nINFO keysizes of db ${report.db} on ${report.nodes.join(', ')}: instant, no scan; sizes are powers of two (no key names, no memory: run without --quick for those)\n`;
}
