// The printed report: machine and keyspace first, then one row per scenario and tool, then the
// exact commands and what the server spent its time on. Plain text, so it pastes into an issue.

import { formatSlowCalls } from './slowlog.js';

const COLUMNS = [
  { title: 'scenario', align: 'left' },
  { title: 'tool', align: 'left' },
  { title: 'run', align: 'left' },
  { title: 'wall s', align: 'right' },
  { title: 'rate', align: 'right' },
  { title: 'server s', align: 'right' },
  { title: 'CPU µs/key', align: 'right' },
  { title: 'peak RSS MB', align: 'right' },
  { title: 'probe p50/p99/max ms', align: 'right' },
  { title: 'comparison / target', align: 'left' },
];

/** @param {number} value */
export function formatCount(value) {
  return Math.round(value).toLocaleString('en-US');
}

/** 81.0k, 1.20M @param {number} value */
function compact(value) {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(0);
}

/** @param {number | undefined} ms */
function latency(ms) {
  if (ms === undefined || Number.isNaN(ms)) return '-';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

/**
 * A cachectl run's wall time over its baseline's (by default the scenario's first redis-cli run):
 * below 1 means cachectl was faster. With compareBy 'peakRss', peak RSS over the baseline's.
 * @param {import('./runner.js').RunResult} row
 * @param {import('./runner.js').RunResult[]} rows
 */
export function comparison(row, rows) {
  if (row.tool !== 'cachectl' || row.status !== 'ok') return undefined;
  const peers = rows.filter((r) => r.scenario === row.scenario && r !== row);
  const baseline = row.compareTo !== undefined ? peers.find((r) => r.id === row.compareTo) : peers.find((r) => r.tool === 'redis-cli');
  if (baseline === undefined || baseline.status !== 'ok') return undefined;
  if (row.compareBy === 'peakRss') {
    if (!baseline.peakRssMb || row.peakRssMb === undefined) return undefined;
    const ratio = row.peakRssMb / baseline.peakRssMb;
    return { ratio, baseline: baseline.id, text: `peak RSS ${ratio.toFixed(2)}× ${baseline.id} (${baseline.peakRssMb.toFixed(1)} MB)` };
  }
  if (!baseline.wallS || row.wallS === undefined) return undefined;
  const ratio = row.wallS / baseline.wallS;
  const verdict = ratio < 0.995 ? 'cachectl faster' : ratio > 1.005 ? 'cachectl slower' : 'same';
  return { ratio, baseline: baseline.id, text: `${ratio.toFixed(2)}× (${verdict}) vs ${baseline.id}` };
}

/**
 * The probe's p99 during a cachectl run beside its p99 during the run it is compared with, and the
 * probe's idle p99 before the scenario: impact reads as the gap to redis-cli's, noise as the gap to
 * idle. A redis-cli row gets the idle figure alone.
 * @param {import('./runner.js').RunResult} row
 * @param {import('./runner.js').RunResult[]} rows
 */
export function probeComparison(row, rows) {
  if (row.status !== 'ok' || row.probe === undefined) return undefined;
  const idle = row.probeIdle === undefined ? '' : `idle ${latency(row.probeIdle.p99Ms)}`;
  if (row.tool !== 'cachectl') return idle === '' ? undefined : `probe p99 ${idle} ms`;
  const against = comparison(row, rows)?.baseline;
  const peer = rows.find((r) => r.scenario === row.scenario && r.id === against && r.status === 'ok' && r.probe !== undefined);
  const parts = [peer === undefined ? undefined : `${latency(peer.probe?.p99Ms)} ${peer.id}`, idle === '' ? undefined : idle].filter((part) => part !== undefined);
  return `probe p99 ${latency(row.probe.p99Ms)} ms${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

/** @param {import('./runner.js').RunResult} row @param {import('./runner.js').RunResult[]} rows @returns {string[]} */
function cells(row, rows) {
  const head = [row.scenario, row.tool, row.label];
  if (row.status !== 'ok') return [...head, /** @type {string} */ (row.reason), '', '', '', '', '', ''];
  const p = row.probe;
  return [
    ...head,
    /** @type {number} */ (row.wallS).toFixed(2),
    row.perSecond === undefined ? '-' : `${compact(row.perSecond)} ${row.unit === 'deletes' ? 'del/s' : 'keys/s'}`,
    row.serverS === undefined ? '-' : `${row.serverScripts === true ? '*' : ''}${row.serverS.toFixed(2)}`,
    cpuPerKey(row),
    `${row.rssMode === 'group-sum' ? 'Σ ' : ''}${(row.peakRssMb ?? 0).toFixed(1)}`,
    p === undefined ? '-' : `${latency(p.p50Ms)} / ${latency(p.p99Ms)} / ${latency(p.maxMs)}`,
    [comparison(row, rows)?.text, probeComparison(row, rows), row.summary].filter((text) => text !== undefined && text !== '').join('; '),
  ];
}

/**
 * The server main thread's CPU per key handled (per deletion for purge), in µs: what a run costs
 * the server, independent of how busy the machine was with other work.
 * @param {import('./runner.js').RunResult} row
 */
export function cpuPerKey(row) {
  return serverCpuUsPerKey(row)?.toFixed(2) ?? '-';
}

/** The same figure as a number (the raw JSON keeps it per run), undefined without one. @param {import('./runner.js').RunResult} row */
export function serverCpuUsPerKey(row) {
  if (row.serverCpuS === undefined || !row.work) return undefined;
  return (row.serverCpuS / row.work) * 1e6;
}

/** @param {string[][]} table */
function layout(table) {
  // A row whose metric cells are empty (n/a, failed) shows its reason across them instead.
  const spanning = (/** @type {string[]} */ row) => row.slice(4).every((cell) => cell === '');
  const widths = COLUMNS.map((_, c) => Math.max(...table.filter((row, r) => c < 3 || r === 0 || !spanning(row)).map((row) => (row[c] ?? '').length)));
  const pad = (/** @type {string} */ cell, /** @type {number} */ c) => {
    const width = /** @type {number} */ (widths[c]);
    return COLUMNS[c]?.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
  };
  return table.map((row, r) => {
    if (r > 0 && spanning(row)) return [...row.slice(0, 3).map(pad), row[3]].join('  ');
    return row.map(pad).join('  ').trimEnd();
  });
}

/**
 * @param {{
 *   machine: Awaited<ReturnType<typeof import('./machine.js').describeMachine>>,
 *   loadAfter: number[],
 *   seed: import('./seed.js').SeedResult | undefined,
 *   usedMemory: string,
 *   results: import('./runner.js').RunResult[],
 *   verification: Record<string, string[]>,
 *   redisCli?: import('./tools.js').RedisCliCapabilities,
 *   probeBaseline?: import('./probe.js').ProbeResult[],
 *   scheduling?: string,
 *   partial?: string,
 * }} report
 */
export function renderReport({ machine, loadAfter, seed, usedMemory, results, verification, redisCli, probeBaseline, scheduling, partial }) {
  const lines = [];
  lines.push(
    `machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, ${machine.kernel}`,
    `load average (1/5/15 min): ${machine.loadAverage.join(' ')} at the start, ${loadAfter.join(' ')} at the end`,
    `versions: node ${machine.node}, redis-server ${machine.redisServer}, redis-cli ${machine.redisCli}`,
    seed === undefined
      ? 'keyspace: not seeded (no selected scenario needs it)'
      : `keyspace: ${formatCount(seed.keys)} keys (${((seed.noTtl / seed.keys) * 100).toFixed(1)}% without TTL), used_memory ${usedMemory}, ` +
          `seeded in ${seed.seconds.toFixed(2)} s (${compact(seed.keys / seed.seconds)} keys/s, ${formatCount(seed.commands)} commands)`,
  );
  if (redisCli !== undefined) {
    const counted = Object.entries(redisCli.countFor).filter(([, works]) => works).map(([mode]) => `--${mode}`);
    lines.push(`redis-cli: ${redisCli.path} (${redisCli.version}, found via ${redisCli.found}); --count tried and working with: ${counted.join(', ') || 'nothing'}`);
  }
  if (probeBaseline !== undefined && probeBaseline.length > 0) {
    const shown = probeBaseline.map((p) => `${latency(p.p50Ms)} / ${latency(p.p99Ms)} / ${latency(p.maxMs)}`);
    lines.push(`probe idle baseline (p50/p99/max ms, 3 s with nothing running): ${shown.join(' at the start, ')}${shown.length > 1 ? ' at the end' : ''}`);
  }
  if (scheduling !== undefined) lines.push(scheduling);
  if (partial !== undefined) lines.push(`PARTIAL RESULTS: ${partial}`);
  lines.push('');
  const table = [COLUMNS.map((c) => c.title), ...results.map((row) => cells(row, results))];
  const [header, ...body] = layout(table);
  lines.push(/** @type {string} */ (header), '-'.repeat(/** @type {string} */ (header).length));
  let previous = '';
  body.forEach((line, i) => {
    const scenario = /** @type {import('./runner.js').RunResult} */ (results[i]).scenario;
    if (previous !== '' && scenario !== previous) lines.push('');
    previous = scenario;
    lines.push(line);
  });
  lines.push(
    '',
    'wall: spawn to exit, process start-up included. server: INFO commandstats usec delta (all commands, probe PINGs included);',
    'CPU µs/key: the server main thread\'s CPU delta (INFO cpu used_cpu_sys/user_main_thread; all nodes summed on a Cluster)',
    '  per key in the database (per deleted key for purge): counts everything once, scripts included.',
    '  "*" = Lua scripts ran, whose inner commands Redis counts twice: see "main-thread CPU" in the details for a single count.',
    'peak RSS: VmHWM of the process; "Σ" = a pipeline, the largest sum over its members alive at one moment.',
    'probe: a separate client PINGing every 10 ms during the run (on the Cluster: each master, every round trip merged);',
    '  the comparison column gives its p99 beside the compared run\'s and its idle p99 (3 s before the scenario\'s first run,',
    '  under the same scheduling). Under SCHED_FIFO the probe\'s own process runs at the servers\' priority during a run.',
    'comparison: cachectl wall / redis-cli wall (below 1× = faster); browse: its peak RSS over that of keys; top: CPU (utime+stime)',
    '  over the window in % of one core, against the target. top talks to its own 6-node Cluster: "server s" sums those',
    '  nodes over the window, and the probe (on the bench server) does not apply.',
    'slow calls (details): SLOWLOG ≥ 2 ms; "preempted": nonvoluntary context switches of the servers\' main threads in the',
    '  run, the waits for a core SLOWLOG times may include (near 0 under SCHED_FIFO).',
    '',
    'Details:',
  );
  for (const row of results) {
    lines.push(`[${row.scenario}] ${row.tool}: ${row.label}`, `  $ ${row.command}`);
    if (row.status === 'ok') {
      const top = (row.serverByCommand ?? [])
        .slice(0, 4)
        .map((c) => `${c.command} ${formatCount(c.calls)}× ${(c.usec / 1e6).toFixed(2)} s`)
        .join(', ');
      lines.push(`  server: main-thread CPU ${(row.serverCpuS ?? 0).toFixed(2)} s; ${formatCount(row.serverCalls ?? 0)} calls${top === '' ? '' : `; ${top}`}`);
      if (row.scheduling !== undefined) lines.push(`  scheduling: ${row.scheduling}${row.preemptions === undefined ? '' : `; server main thread(s) preempted ${formatCount(row.preemptions)} times`}`);
      if (row.slowCalls !== undefined) lines.push(`  ${formatSlowCalls(row.slowCalls)}`);
      if (row.rssMode === 'group-sum') {
        lines.push(`  processes: ${row.processes}; largest member ${row.largestMember} ${(row.largestMemberMb ?? 0).toFixed(1)} MB`);
      }
      if (row.probe !== undefined && row.probe.lost > 0) lines.push(`  probe: ${row.probe.lost} PINGs unanswered`);
      if (row.probe?.nodes !== undefined) lines.push(`  probe p99 per server: ${row.probe.nodes.map((node) => `:${node.port} ${latency(node.p99Ms)} ms`).join(', ')}`);
      if (row.probeIdle !== undefined) lines.push(`  probe idle before the scenario p50/p99/max: ${latency(row.probeIdle.p50Ms)} / ${latency(row.probeIdle.p99Ms)} / ${latency(row.probeIdle.maxMs)} ms`);
      if (row.cpuSamplesPercent !== undefined) {
        lines.push(`  CPU samples: ${row.cpuSamplesPercent.map((p) => p.toFixed(2)).join(', ')} % of one core (median shown)`);
      } else if (row.wallSamplesS !== undefined) {
        lines.push(`  wall samples: ${row.wallSamplesS.map((s) => s.toFixed(2)).join(', ')} s (median shown)`);
      }
      if (row.probeP99SamplesMs !== undefined) lines.push(`  probe p99 samples: ${row.probeP99SamplesMs.map(latency).join(', ')} ms`);
      if (row.loadAtStart !== undefined) lines.push(`  load average at the start: ${row.loadAtStart.join(' ')}`);
    }
    for (const note of row.notes) lines.push(`  ${note}`);
  }
  const checks = Object.entries(verification);
  if (checks.length > 0) {
    lines.push('', 'Verification:');
    for (const [scenario, notes] of checks) for (const note of notes) lines.push(`[${scenario}] ${note}`);
  }
  return lines.join('\n') + '\n';
}
