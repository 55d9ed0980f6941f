// A snapshot as one self-contained HTML file for the postmortem: findings first, then charts of the
// live window, the namespaces, and every node's INFO, CONFIG, SLOWLOG, LATENCY, clients and
// topology state. No script, no network: styles inline, charts as inline SVG, a CSP that forbids loads.

import { formatDuration } from '../base/duration.js';
import { formatBytes, formatShare } from '../base/units.js';
import { formatRate } from '../core/memory/memory-findings.js';
import type { Finding } from '../core/memory/memory-findings.js';
import type { NamespaceRow } from '../core/namespaces/keys-report.js';
import type { Available, RecordingPoint, SentinelState, SnapshotDocument, SnapshotNode } from '../core/snapshot/snapshot.js';
import { xmlEscape as esc } from './audit-junit.js';
import type { Bar, ChartSeries } from './svg-chart.js';
import { barChart, lineChart, SERIES_COLOURS } from './svg-chart.js';

/** The sections every snapshot file has, in order (the tests and the README list them from here). */
export const SNAPSHOT_SECTIONS = [
  ['findings', 'Findings'],
  ['charts', 'Live window'],
  ['namespaces', 'Namespaces'],
  ['nodes', 'Nodes'],
  ['slowlog', 'Slow log'],
  ['latency', 'Latency'],
  ['memory-doctor', 'Memory doctor'],
  ['clients', 'Clients'],
  ['topology', 'Cluster / Sentinel'],
  ['config', 'Config'],
  ['info', 'INFO'],
] as const;

export interface SnapshotHtmlOptions {
  /** e.g. `cachectl 0.1.0`, shown in the header. */
  generator: string;
  /** What the snapshot was taken of, in words; named in the header line. */
  target?: string;
}

export function renderSnapshotHtml(doc: SnapshotDocument, options: SnapshotHtmlOptions): string {
  const body: Record<(typeof SNAPSHOT_SECTIONS)[number][0], string> = {
    findings: findingsSection(doc.findings, doc),
    charts: chartsSection(doc),
    namespaces: namespacesSection(doc),
    nodes: nodesSection(doc.nodes),
    slowlog: perNode(doc.nodes, (node) => slowlogBlock(node)),
    latency: perNode(doc.nodes, (node) => latencyBlock(node)),
    'memory-doctor': perNode(doc.nodes, (node) => textBlock(node.memoryDoctor)),
    clients: perNode(doc.nodes, (node) => clientsBlock(node)),
    topology: topologySection(doc),
    config: perNode(doc.nodes, (node) => configBlock(node), true),
    info: perNode(doc.nodes, (node) => infoBlock(node.info), true),
  };
  const title = `Redis snapshot — ${doc.topology} — ${doc.takenAt}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${esc(options.generator)}">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Redis snapshot</h1>
<p>${options.target === undefined ? '' : `target ${esc(options.target)} · `}${esc(doc.topology)} · ${doc.nodes.length} data node${doc.nodes.length === 1 ? '' : 's'} · db ${doc.db} · taken ${esc(doc.takenAt)} · finished ${esc(doc.finishedAt)} · live window ${esc(formatDuration(doc.recording.windowMs))} · ${esc(options.generator)} · schema ${doc.schemaVersion}</p>
<p class="notice">${privacyNotice(doc)}</p>
${doc.notes.length === 0 ? '' : `<ul class="notes">${doc.notes.map((note) => `<li>${esc(note)}</li>`).join('')}</ul>`}
<nav>${SNAPSHOT_SECTIONS.map(([id, heading]) => `<a href="#${id}">${esc(heading)}</a>`).join(' · ')}</nav>
</header>
<main>
${SNAPSHOT_SECTIONS.map(([id, heading]) => `<section id="${id}">\n<h2>${esc(heading)}</h2>\n${body[id]}\n</section>`).join('\n')}
</main>
</body>
</html>
`;
}

function privacyNotice(doc: SnapshotDocument): string {
  const keys =
    doc.redaction.keyNames === 'hashed'
      ? 'Key names are hashed (HMAC-SHA256, first 12 hex digits): equal names give equal hashes.'
      : 'This file contains key names (namespaces, example keys, biggest keys); take it with --redact-keys to hash them before sharing it outside the team.';
  const args = doc.redaction.slowlogArgs === 'kept' ? 'Slow log arguments are kept (--keep-args).' : 'Slow log argument values are redacted.';
  const config = doc.redaction.configRemoved.length === 0 ? '' : ` Secrets removed from CONFIG: ${doc.redaction.configRemoved.join(', ')}.`;
  return esc(`It never contains key values. ${keys} ${args}${config}`);
}

function unavailable(reason: string): string {
  return `<p class="na">not available: ${esc(reason)}</p>`;
}

function findingsSection(findings: readonly Finding[], doc: SnapshotDocument): string {
  if (!doc.memory.available) return unavailable(doc.memory.reason);
  const problems = findings.filter((finding) => finding.severity !== 'ok');
  if (problems.length === 0) return '<p class="ok">No memory findings over the window.</p>';
  return `<ul class="findings">${problems
    .map(
      (finding) =>
        `<li class="finding ${finding.severity}"><span class="badge">${esc(finding.severity)}</span> <code>${esc(finding.id)}</code> ${finding.node === null ? '' : `<b>${esc(finding.node)}</b> `}${esc(finding.message)}<br><span class="advice">${esc(finding.advice)}</span></li>`,
    )
    .join('')}</ul>`;
}

function chartsSection(doc: SnapshotDocument): string {
  const addresses = Object.keys(doc.recording.nodes);
  if (addresses.length === 0) return unavailable('the live window recorded no refresh');
  const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const series = (pick: (point: RecordingPoint) => number | null): ChartSeries[] =>
    addresses.map((address) => ({ label: address, points: doc.recording.nodes[address]!.map((point) => [point.t, pick(point)] as const) }));
  const legend = `<p class="legend">${addresses
    .map((address, index) => `<span><i style="background:${SERIES_COLOURS[index % SERIES_COLOURS.length]}"></i>${esc(address)}</span>`)
    .join(' ')}</p>`;
  const charts = [
    lineChart({ title: 'operations per second', series: series((p) => p.opsPerSec), formatY: (v) => formatRate(v), formatX: seconds }),
    lineChart({ title: 'hit rate', series: series((p) => p.hitRate), formatY: (v) => formatShare(Math.min(v, 1)), formatX: seconds, minYMax: 1 / 1.1 }),
    lineChart({ title: 'latency p99 (client PING round trip, ms)', series: series((p) => p.p99Ms), formatY: (v) => `${v.toFixed(v < 10 ? 2 : 0)} ms`, formatX: seconds }),
    lineChart({ title: 'used memory', series: series((p) => p.usedBytes), formatY: (v) => formatBytes(v), formatX: seconds }),
  ];
  return `<p>One point every ${esc(formatDuration(doc.recording.intervalMs))} over ${esc(formatDuration(doc.recording.windowMs))}, one line per node.</p>${legend}<div class="charts">${charts.join('')}</div>`;
}

function namespacesSection(doc: SnapshotDocument): string {
  if (!doc.keyspace.available) return unavailable(doc.keyspace.reason);
  const { report, biggestKeys, truncated } = doc.keyspace.value;
  const byMemory = report.memoryBytes !== null;
  const bars: Bar[] = [];
  const visit = (rows: readonly NamespaceRow[], indent: number) => {
    for (const row of rows) {
      const value = byMemory ? (row.memoryBytes ?? 0) : row.keys;
      bars.push({ label: row.namespace, value, indent, text: `${byMemory ? formatBytes(value) : `${row.keys} keys`} · ${formatShare(byMemory ? row.memoryShare : row.keysShare)}` });
      if (indent < 1) visit(row.children.slice(0, 5), indent + 1);
    }
  };
  visit(report.namespaces.slice(0, 15), 0);
  const summary = `<p>${report.scanned} keys scanned${truncated ? ' (cut short by the time bound)' : ''} in ${esc(formatDuration(report.durationMs))}, ${report.namespaceCount} namespaces, ${report.noTtl} keys without TTL${report.memoryBytes === null ? '' : `, ${esc(formatBytes(report.memoryBytes))}`}.</p>`;
  const table = htmlTable(
    ['namespace', 'keys', 'memory', 'no TTL', 'TTL p50'],
    flatten(report.namespaces).map((row) => [
      `${'&nbsp;'.repeat(row.depth * 2 - 2)}${esc(row.namespace)}`,
      String(row.keys),
      row.memoryBytes === null ? '-' : esc(formatBytes(row.memoryBytes)),
      String(row.noTtl),
      row.ttl === null ? '-' : esc(formatDuration(row.ttl.p50Ms)),
    ]),
  );
  const biggest =
    biggestKeys.length === 0
      ? ''
      : `<h3>Biggest keys</h3>${htmlTable(
          ['key', 'type', 'memory', 'TTL'],
          biggestKeys.map((big) => [esc(big.key.key), esc(big.type), esc(formatBytes(big.bytes)), big.ttlMs === null ? 'none' : esc(formatDuration(big.ttlMs))]),
        )}`;
  return `${summary}${bars.length === 0 ? '<p>No keys.</p>' : barChart(byMemory ? 'memory by namespace' : 'keys by namespace', bars)}${table}${biggest}`;
}

function flatten(rows: readonly NamespaceRow[]): NamespaceRow[] {
  return rows.flatMap((row) => [row, ...flatten(row.children)]);
}

function nodesSection(nodes: readonly SnapshotNode[]): string {
  return htmlTable(
    ['node', 'role', 'status', 'version', 'uptime', 'used memory', 'clients', 'keys'],
    nodes.map((node) => {
      const info = node.info.available ? node.info.value : {};
      const field = (section: string, name: string) => info[section]?.[name];
      const used = Number(field('memory', 'used_memory'));
      const uptime = Number(field('server', 'uptime_in_seconds'));
      return [
        esc(node.address),
        esc(node.role + (node.master === null ? '' : ` of ${node.master}`)),
        node.status === 'up' ? 'up' : `<span class="critical">down: ${esc(node.error ?? '')}</span>`,
        esc(field('server', 'redis_version') ?? field('server', 'valkey_version') ?? '-'),
        Number.isFinite(uptime) ? esc(formatDuration(uptime * 1000)) : '-',
        Number.isFinite(used) ? esc(formatBytes(used)) : '-',
        esc(field('clients', 'connected_clients') ?? '-'),
        esc(Object.entries(info.keyspace ?? {}).map(([db, text]) => `${db}: ${text.split(',')[0]?.replace('keys=', '') ?? ''}`).join(', ') || '0'),
      ];
    }),
  );
}

function perNode(nodes: readonly SnapshotNode[], block: (node: SnapshotNode) => string, collapsed = false): string {
  return nodes
    .map((node) => {
      const heading = `${esc(node.address)} <span class="role">${esc(node.role)}</span>`;
      return collapsed ? `<details><summary>${heading}</summary>${block(node)}</details>` : `<h3>${heading}</h3>${block(node)}`;
    })
    .join('\n');
}

function slowlogBlock(node: SnapshotNode): string {
  if (!node.slowlog.available) return unavailable(node.slowlog.reason);
  const { length, entries } = node.slowlog.value;
  if (entries.length === 0) return '<p>The slow log is empty.</p>';
  return `<p>${entries.length} of ${length ?? '?'} entries, slowest first.</p>${htmlTable(
    ['when', 'duration', 'command', 'client'],
    [...entries]
      .sort((a, b) => b.durationUs - a.durationUs)
      .map((entry) => [esc(entry.at), `${(entry.durationUs / 1000).toFixed(2)} ms`, `<code>${esc(entry.args.join(' '))}</code>`, esc([entry.clientName, entry.client].filter((part) => part !== null).join(' ') || '-')]),
  )}`;
}

function latencyBlock(node: SnapshotNode): string {
  const latest = !node.latency.available
    ? unavailable(node.latency.reason)
    : node.latency.value.latest.length === 0
      ? '<p>No latency events recorded (LATENCY monitoring may be off: latency-monitor-threshold 0).</p>'
      : htmlTable(
          ['event', 'latest', 'latest ms', 'max ms', 'history points'],
          node.latency.value.latest.map((event) => [esc(event.event), esc(event.at), String(event.latestMs), String(event.maxMs), String(node.latency.available ? (node.latency.value.history[event.event]?.length ?? 0) : 0)]),
        );
  return `${latest}<h4>LATENCY DOCTOR</h4>${textBlock(node.latencyDoctor)}`;
}

function textBlock(text: Available<string>): string {
  return text.available ? `<pre>${esc(text.value.trim())}</pre>` : unavailable(text.reason);
}

function clientsBlock(node: SnapshotNode): string {
  if (!node.clients.available) return unavailable(node.clients.reason);
  const s = node.clients.value.summary;
  const client = (entry: { addr: string; name: string }) => esc(`${entry.addr}${entry.name === '' ? '' : ` (${entry.name})`}`);
  return `<p>${s.total} clients, ${s.blocked} blocked, ${s.pubsub} pub/sub, ${s.replicas} replicas. The raw list is in the JSON (-o json).</p>
<div class="grid">
<div><h4>By output buffer</h4>${s.topByOutputBuffer.length === 0 ? '<p>No client has output pending.</p>' : htmlTable(['client', 'output', 'cmd'], s.topByOutputBuffer.map((e) => [client(e), esc(formatBytes(e.outputBytes)), esc(e.cmd)]))}</div>
<div><h4>By idle time</h4>${htmlTable(['client', 'idle', 'cmd'], s.topByIdle.map((e) => [client(e), esc(formatDuration(e.idleSeconds * 1000)), esc(e.cmd)]))}</div>
<div><h4>By command</h4>${htmlTable(['last command', 'clients'], s.byCommand.map((c) => [esc(c.cmd), String(c.clients)]))}</div>
<div><h4>Blocked</h4>${s.blockedClients.length === 0 ? '<p>None.</p>' : htmlTable(['client', 'cmd', 'idle'], s.blockedClients.map((e) => [client(e), esc(e.cmd), esc(formatDuration(e.idleSeconds * 1000))]))}</div>
<div><h4>Per name</h4>${htmlTable(['name', 'clients', 'memory'], s.byName.map((g) => [esc(g.group), String(g.clients), esc(formatBytes(g.totalBytes))]))}</div>
<div><h4>Per address</h4>${htmlTable(['address', 'clients', 'memory'], s.byAddress.map((g) => [esc(g.group), String(g.clients), esc(formatBytes(g.totalBytes))]))}</div>
</div>`;
}

function topologySection(doc: SnapshotDocument): string {
  if (doc.topology === 'cluster') {
    return perNode(doc.nodes, (node) => {
      if (node.cluster === null) return '';
      if (!node.cluster.available) return unavailable(node.cluster.reason);
      const { info, nodes } = node.cluster.value;
      return `${htmlTable(['CLUSTER INFO', 'value'], Object.entries(info).map(([name, value]) => [esc(name), esc(value)]))}<h4>CLUSTER NODES</h4><pre>${esc(nodes)}</pre>`;
    });
  }
  if (doc.topology === 'sentinel' && doc.sentinels !== null) return doc.sentinels.map((sentinel) => sentinelBlock(sentinel)).join('\n');
  return '<p>A standalone server: no Cluster or Sentinel state.</p>';
}

function sentinelBlock(sentinel: SentinelState): string {
  const heading = `<h3>sentinel ${esc(sentinel.address)}</h3>`;
  if (!sentinel.masters.available) return `${heading}${unavailable(sentinel.masters.reason)}`;
  const entries = (list: Available<Record<string, string>[]>, fields: string[]) =>
    !list.available ? unavailable(list.reason) : list.value.length === 0 ? '<p>None.</p>' : htmlTable(fields, list.value.map((entry) => fields.map((field) => esc(entry[field] ?? '-'))));
  return `${heading}${sentinel.masters.value
    .map(
      ({ master, replicas, sentinels }) =>
        `${htmlTable(['master', 'address', 'flags', 'quorum', 'replicas', 'other sentinels', 'failover timeout'], [
          [esc(master.name ?? '-'), esc(`${master.ip ?? '?'}:${master.port ?? '?'}`), esc(master.flags ?? '-'), esc(master.quorum ?? '-'), esc(master['num-slaves'] ?? '-'), esc(master['num-other-sentinels'] ?? '-'), esc(master['failover-timeout'] ?? '-')],
        ])}<h4>replicas</h4>${entries(replicas, ['ip', 'port', 'flags', 'master-link-status', 'slave-repl-offset'])}<h4>sentinels</h4>${entries(sentinels, ['ip', 'port', 'flags', 'last-ok-ping-reply'])}`,
    )
    .join('')}`;
}

function configBlock(node: SnapshotNode): string {
  if (!node.config.available) return unavailable(node.config.reason);
  const { values, removed } = node.config.value;
  return `${removed.length === 0 ? '' : `<p>Values removed: ${esc(removed.join(', '))}.</p>`}${htmlTable(['parameter', 'value'], Object.entries(values).map(([name, value]) => [esc(name), esc(value)]))}`;
}

function infoBlock(info: SnapshotNode['info']): string {
  if (!info.available) return unavailable(info.reason);
  return Object.entries(info.value)
    .map(([section, fields]) => `<h4>${esc(section)}</h4><pre>${esc(Object.entries(fields).map(([name, value]) => `${name}:${value}`).join('\n'))}</pre>`)
    .join('');
}

/** An HTML table; cells are HTML already (callers escape text). */
function htmlTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${headers.map((header) => `<th>${esc(header)}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 2rem 3rem;color:#1f2328;background:#fff}
header{border-bottom:1px solid #d0d7de;margin-bottom:1rem}
h1{margin:1rem 0 .25rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}
nav a{color:#0969da}
.notice{background:#fff8c5;border:1px solid #d4a72c;padding:.4rem .6rem;border-radius:4px}
.notes li{color:#9a6700}
.na{color:#6e7781;font-style:italic}
.ok{color:#1a7f37}
.critical{color:#d1242f}
.findings{list-style:none;padding:0}
.finding{border-left:4px solid #d4a72c;padding:.3rem .6rem;margin:.3rem 0;background:#f6f8fa}
.finding.critical{border-color:#d1242f}.finding.ok{border-color:#1a7f37}
.badge{font-weight:bold;text-transform:uppercase;font-size:11px}
.advice{color:#57606a}
.charts{display:flex;flex-wrap:wrap;gap:1rem}
.chart{background:#fff;border:1px solid #d0d7de;border-radius:4px}
.chart .grid{stroke:#eaeef2}.chart .axis,.chart .bar-label{font-size:11px;fill:#57606a}.chart .chart-title{font-size:12px;font-weight:600;fill:#1f2328}
.chart .no-data{font-size:12px;fill:#6e7781}
.legend span{margin-right:1rem}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
table{border-collapse:collapse;margin:.4rem 0;font-size:13px}
th,td{border:1px solid #d0d7de;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;max-height:30rem;font-size:12px}
.grid{display:flex;flex-wrap:wrap;gap:1.5rem}
.role{color:#57606a;font-weight:normal;font-size:12px}
details{margin:.3rem 0}summary{cursor:pointer;font-weight:600}
`;
