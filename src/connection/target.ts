// What a run is pointed at — context, topology, seed addresses, database — as one value that every
// output carries, so a pasted table or JSON document says where it came from. Never holds a secret.

import { formatEndpoint } from './options.js';
import type { Topology } from './topology.js';

export interface RunTarget {
  /** The config-file context the connection settings came from, or null when none was used. */
  context: string | null;
  topology: 'single' | 'cluster' | 'sentinel';
  /** Sentinel: the monitored master's name; null otherwise. */
  master: string | null;
  /** The addresses the run started from (the node, the Cluster seeds, the sentinels), host:port. */
  seed: string[];
  db: number;
}

export function describeTarget(topology: Topology, context: string | undefined): RunTarget {
  return {
    context: context ?? null,
    topology: topology.kind === 'standalone' ? 'single' : topology.kind,
    master: topology.kind === 'sentinel' ? (topology.masterName ?? null) : null,
    seed: topology.seeds.map(formatEndpoint),
    db: topology.db,
  };
}

/**
 * The target in words, e.g. `single 127.0.0.1:6379 · db 0`, `cluster via 10.0.0.1:7000 · db 0 ·
 * context prod`, `sentinel master cache via 10.0.0.9:26379 · db 2`.
 */
export function formatTarget(target: RunTarget): string {
  const seeds = target.seed.join(',');
  const where =
    target.topology === 'single' ? `single ${seeds}` : target.topology === 'cluster' ? `cluster via ${seeds}` : `sentinel master ${target.master ?? '?'} via ${seeds}`;
  return `${where} · db ${target.db}${target.context === null ? '' : ` · context ${target.context}`}`;
}

/** The first line of every table output. */
export function targetLine(target: RunTarget): string {
  return `target: ${formatTarget(target)}\n`;
}

/**
 * A JSON document with its target: after `schemaVersion` (and `mode`) when it has them, otherwise
 * first, so a reader sees where the data came from before the data. The field is additive.
 */
export function withTarget<T extends object>(document: T, target: RunTarget): T & { target: RunTarget } {
  const head: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(document)) {
    if (field === 'target') continue;
    if ((field === 'schemaVersion' || field === 'mode') && Object.keys(rest).length === 0) head[field] = value;
    else rest[field] = value;
  }
  return { ...head, target, ...rest } as T & { target: RunTarget };
}
