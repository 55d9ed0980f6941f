// When a dashboard cell deserves colour: the same thresholds `cachectl memory` judges by (hit
// rate, memory, fragmentation), plus evictions and client-side p99 against a limit.

import type { NodeRow } from './snapshot.js';
import type { Severity } from '../memory/memory-findings.js';
import { THRESHOLDS } from '../memory/memory-findings.js';

/** p99 round trip above which latency is flagged (a common SLO for a cache). @default 10 ms */
export const DEFAULT_LATENCY_LIMIT_MS = 10;
/** Above this many times the limit, latency is critical. */
const LATENCY_CRITICAL_FACTOR = 5;

/** Hit rate below 70% warns, below 50% is critical — once there were enough lookups to judge. */
export function hitRateSeverity(hitRate: number | null, lookups: number | null): Severity {
  if (hitRate === null || lookups === null || lookups < THRESHOLDS.hitRateMinLookups) return 'ok';
  if (hitRate < THRESHOLDS.hitRateCritical) return 'critical';
  return hitRate < THRESHOLDS.hitRateWarning ? 'warning' : 'ok';
}

/** Any eviction means the working set does not fit. */
export function evictionSeverity(evictionsPerSec: number | null): Severity {
  return evictionsPerSec !== null && evictionsPerSec > 0 ? 'warning' : 'ok';
}

/** Share of maxmemory in use: 90% is critical, 75% a warning. */
export function memorySeverity(usage: number | null): Severity {
  if (usage === null) return 'ok';
  if (usage >= THRESHOLDS.memoryCritical) return 'critical';
  return usage >= THRESHOLDS.memoryWarning ? 'warning' : 'ok';
}

/** A latency (p99 or max) over the limit warns; over five times the limit is critical. */
export function latencySeverity(ms: number | null, limitMs: number): Severity {
  if (ms === null) return 'ok';
  if (ms > limitMs * LATENCY_CRITICAL_FACTOR) return 'critical';
  return ms > limitMs ? 'warning' : 'ok';
}

/** A high ratio only matters when it wastes real memory (on a nearly empty server it is noise). */
export function fragmentationSeverity(ratio: number | null, bytes: number | null): Severity {
  if (ratio === null || bytes === null) return 'ok';
  return ratio >= THRESHOLDS.fragmentationRatio && bytes >= THRESHOLDS.fragmentationMinBytes ? 'warning' : 'ok';
}

/** A replica whose link to the master is down. */
export function replicationSeverity(row: Pick<NodeRow, 'role' | 'replication'>): Severity {
  return row.role === 'replica' && row.replication.linkStatus !== null && row.replication.linkStatus !== 'up' ? 'critical' : 'ok';
}
