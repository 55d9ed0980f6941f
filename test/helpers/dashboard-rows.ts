// Builds dashboard rows and snapshots for tests that render or sort them without a server: every
// figure has a plausible default, and a test sets only the ones it is about.

import type { DashboardSnapshot, History, NodeDetail, NodeRow } from '../../src/core/dashboard/snapshot.js';

export interface RowFigures extends Partial<Omit<NodeRow, 'latency'>> {
  address: string;
  p50Ms?: number | null;
  p99Ms?: number | null;
  maxMs?: number | null;
}

export function nodeRow(figures: RowFigures): NodeRow {
  const { p50Ms = 0.2, p99Ms = 0.5, maxMs = 0.9, ...rest } = figures;
  const down = rest.status === 'down';
  const row: NodeRow = {
    id: rest.address,
    role: 'master',
    master: null,
    status: 'up',
    stale: false,
    sampledAt: '2026-01-01T00:00:00.000Z',
    error: down ? { code: 'CONNECT', message: `cannot connect to ${rest.address}: connection refused` } : null,
    downSince: down ? '2026-01-01T00:00:00.000Z' : null,
    retryInMs: down ? 2000 : null,
    version: down ? null : 'redis 7.2.4',
    uptimeSeconds: down ? null : 3600,
    windowMs: down ? null : 1000,
    opsPerSec: down ? null : 100,
    hitRate: down ? null : 0.95,
    lookups: down ? null : 1000,
    evictionsPerSec: down ? null : 0,
    expiredPerSec: down ? null : 0,
    usedBytes: down ? null : 100 * 1024 * 1024,
    maxmemoryBytes: down ? null : 1024 * 1024 * 1024,
    memoryUsage: down ? null : 100 / 1024,
    fragmentationRatio: down ? null : 1.1,
    fragmentationBytes: down ? null : 1024 * 1024,
    keys: down ? null : 1000,
    connectedClients: down ? null : 5,
    blockedClients: down ? null : 0,
    replication: { linkStatus: null, lagSeconds: null, lagBytes: null },
    serverLatency: { usecPerCall: down ? null : 2.5, busiestCommand: 'get', p50Us: 1, p99Us: 4, p999Us: 12, source: 'latencystats' },
    ...rest,
    latency: {
      samples: down ? 0 : 100,
      errors: 0,
      p50Ms: down ? null : p50Ms,
      p99Ms: down ? null : p99Ms,
      maxMs: down ? null : maxMs,
      histogram: [],
      lastError: null,
      waitingMs: null,
      windowMs: 10_000,
    },
  };
  return row;
}

export function emptyHistory(): History {
  return { opsPerSec: [], hitRate: [], p99Ms: [] };
}

export function snapshotOf(rows: NodeRow[], extra: Partial<DashboardSnapshot> = {}): DashboardSnapshot {
  const up = rows.filter((row) => row.status === 'up');
  const total = (pick: (row: NodeRow) => number | null) => up.reduce((sum, row) => sum + (pick(row) ?? 0), 0);
  return {
    seq: 1,
    takenAt: '2026-01-01T00:00:00.000Z',
    refreshMs: 1000,
    topology: { kind: 'cluster', versions: ['redis 7.2.4'] },
    cachectl: { eventLoopLag: null },
    totals: {
      nodes: rows.length,
      up: up.length,
      down: rows.length - up.length,
      opsPerSec: total((row) => row.opsPerSec),
      hitRate: 0.95,
      lookups: total((row) => row.lookups),
      evictionsPerSec: total((row) => row.evictionsPerSec),
      expiredPerSec: total((row) => row.expiredPerSec),
      usedBytes: total((row) => row.usedBytes),
      maxmemoryBytes: total((row) => row.maxmemoryBytes),
      keys: total((row) => (row.role === 'master' ? row.keys : 0)),
      connectedClients: total((row) => row.connectedClients),
      blockedClients: total((row) => row.blockedClients),
      p99Ms: Math.max(0, ...up.map((row) => row.latency.p99Ms ?? 0)),
    },
    nodes: rows,
    history: { total: emptyHistory(), nodes: Object.fromEntries(rows.map((row) => [row.address, emptyHistory()])) },
    detail: null,
    ...extra,
  };
}

export function nodeDetail(address: string, extra: Partial<NodeDetail> = {}): NodeDetail {
  return { address, windowMs: 60_000, topByCalls: [], topByTime: [], slowlog: [], findings: [], notes: [], slotStats: null, ...extra };
}
