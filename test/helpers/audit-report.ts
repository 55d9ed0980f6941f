// Audit reports built from batches shaped like the scan engine's, without a server: for unit
// tests of the judging and of the renderers.
import type { KeyBatch } from '../../src/core/scan/scan-batch.js';
import { ScanProgress } from '../../src/core/scan/scan-progress.js';
import type { Gate, InstantFigure, TtlAuditReport } from '../../src/core/audit/ttl-audit.js';
import { summarizeAudit, TtlAggregator } from '../../src/core/audit/ttl-audit.js';
import type { RuleSetOptions } from '../../src/core/audit/ttl-policy.js';
import { buildRules } from '../../src/core/audit/ttl-policy.js';
import { keyBatch } from './key-batch.js';

const NAMESPACES = { delimiter: ':', depth: 5, collapse: true };
const STANDALONE = { kind: 'standalone' as const, db: 0 };

/** A batch as the audit's scan yields it: keys with their PTTL (ms, TTL_NONE, TTL_GONE, TTL_WITHIN or UNKNOWN). */
export function batch(entries: [string | Buffer, number][]): KeyBatch {
  return keyBatch(entries.map(([key, ttl]) => ({ key, ttl })));
}

export interface AuditInput {
  rules?: RuleSetOptions;
  /** Batches per shard, in order. */
  shards: Record<string, KeyBatch[]>;
  dbsize?: number;
  limit?: number;
  match?: Buffer;
  gate?: Gate;
  examples?: number;
  instant?: InstantFigure | null;
  pattern?: string;
  policyFile?: string;
}

/** Runs batches through the aggregator and the summary, as runTtlAudit does with a real scan. */
export function auditBatches(input: AuditInput): TtlAuditReport {
  const rules = buildRules(input.rules ?? {});
  const aggregator = new TtlAggregator(rules, NAMESPACES, input.examples ?? 3);
  const progress = new ScanProgress();
  for (const [shard, batches] of Object.entries(input.shards)) {
    progress.apply({ kind: 'node-start', node: shard, shard, dbsize: input.dbsize ?? 0 });
    for (const one of batches) {
      progress.apply({ kind: 'batch', node: shard, shard, batch: one });
      aggregator.add(shard, one);
    }
    progress.apply({ kind: 'node-done', node: shard, shard, scanned: 0 });
  }
  const scan: { limit?: number; match?: Buffer } = {};
  if (input.limit !== undefined) scan.limit = input.limit;
  if (input.match !== undefined) scan.match = input.match;
  const labels: { pattern?: string; policyFile?: string } = {};
  if (input.pattern !== undefined) labels.pattern = input.pattern;
  if (input.policyFile !== undefined) labels.policyFile = input.policyFile;
  return summarizeAudit(STANDALONE, aggregator, progress, { rules, gate: input.gate ?? { failIfEmpty: false }, scan, instant: input.instant ?? null, ...labels });
}
