// Wording shared by the TTL audit's renderers (table, JUnit, Markdown), so a rule or an example key
// reads the same in a terminal, in a CI test report and in a pull-request comment.

import { formatDuration } from '../base/duration.js';
import { decodeKeyFromJson, displayKey } from '../base/key-format.js';
import type { InstantFigure, KeyExample, NamespaceResult, RuleResult, TtlAuditReport } from '../core/audit/ttl-audit.js';
import { formatShare } from '../base/units.js';

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** What a rule asks of its keys, e.g. `TTL required, at most 1d` or `exempt`. */
export function ruleRequirement(rule: Pick<RuleResult, 'requireTtl' | 'maxTtlMs' | 'source'>): string {
  if (rule.source === 'allow') return 'exempt (may live forever)';
  const max = rule.maxTtlMs === null ? '' : `at most ${formatDuration(rule.maxTtlMs)}`;
  if (rule.requireTtl) return max === '' ? 'TTL required' : `TTL required, ${max}`;
  return max === '' ? 'no TTL needed' : `no TTL needed; if set, ${max}`;
}

/** An example key as redis-cli would print it (binary-safe, ASCII only), with its TTL. */
export function exampleText(example: KeyExample): string {
  const key = displayKey(decodeKeyFromJson(example));
  return example.ttlMs === null ? key : `${key} (TTL ${formatDuration(example.ttlMs)})`;
}

/** `12,345` or `~12,345` when the figure is extrapolated from a sample. */
export function maybeEstimated(actual: number, estimated: number | undefined): string {
  return estimated === undefined ? count(actual) : `~${count(estimated)}`;
}

export function instantLine(instant: InstantFigure): string {
  const nodes = new Set(instant.nodes.map((row) => row.node)).size;
  const where = `db ${instant.db} on ${nodes} node${nodes === 1 ? '' : 's'}`;
  const fields = (instant.subexpiry ?? 0) > 0 ? `; ${count(instant.subexpiry ?? 0)} hashes have fields with their own TTL` : '';
  return `INFO keyspace: ${count(instant.noExpiry)} of ${count(instant.keys)} keys have no expiry (${formatShare(instant.share)}, ${where}${fields})`;
}

/** One line on what was audited: keys, sample, duration, policy. */
export function scopeLine(report: TtlAuditReport): string {
  const parts: string[] = [];
  const totals = report.totals;
  if (totals !== null) {
    if (report.sample !== null) {
      const estimate = report.estimatedTotals === null ? 'no estimate under a pattern' : `~${count(report.estimatedTotals.scanned)} keys estimated`;
      parts.push(`a sample of ${count(report.sample.size)} keys (--limit; ${count(report.sample.keysOnNodes)} keys on the nodes, ${estimate})`);
    } else {
      parts.push(`${count(totals.scanned)} keys scanned`);
    }
    if (totals.expireByFields > 0) parts.push(`${count(totals.expireByFields)} hashes expire field by field (every field has a TTL: not counted as without TTL)`);
    if (totals.fieldsPartlyExpire > 0) parts.push(`${count(totals.fieldsPartlyExpire)} hashes without TTL have some expiring fields`);
    if (totals.vanished > 0) parts.push(`${count(totals.vanished)} expired or deleted during the scan (not counted)`);
    parts.push(`${count(report.namespaceCount)} namespace${report.namespaceCount === 1 ? '' : 's'}`);
  }
  const nodes = report.nodes.length;
  if (nodes > 0) parts.push(`${nodes} node${nodes === 1 ? '' : 's'}`);
  if (report.pattern !== null) parts.push(`pattern ${JSON.stringify(report.pattern)}`);
  parts.push(report.policyFile === null ? 'no policy file' : `policy ${report.policyFile}`);
  if (report.mode === 'scan') parts.push(`${(report.durationMs / 1000).toFixed(1)}s`);
  return parts.join(' · ');
}

export function statusNote(report: TtlAuditReport): string | undefined {
  if (report.status === 'partial') return 'PARTIAL: interrupted before the scan finished; the figures cover only what was scanned';
  if (report.status === 'incomplete') return 'INCOMPLETE: some nodes could not be scanned; their keys are missing from the figures';
  return undefined;
}

/**
 * The types of a row's flagged keys, most common first: `hash` when there is one type, else
 * `hash 3,200, zset 2`; `-` when none were typed (no flagged keys, or a scan that could not type them).
 */
export function flaggedTypesText(row: Pick<NamespaceResult, 'flaggedTypes'>): string {
  const entries = Object.entries(row.flaggedTypes);
  if (entries.length === 0) return '-';
  if (entries.length === 1) return entries[0]![0];
  return entries.map(([type, n]) => `${type} ${count(n)}`).join(', ');
}

/** A row's namespace, with how many values its ‹var› stands for when it was rolled up. */
export function namespaceText(row: Pick<NamespaceResult, 'namespace' | 'distinctValues' | 'distinctValuesAtLeast'>): string {
  return row.distinctValues === undefined ? row.namespace : `${row.namespace} (${distinctValuesText(row)} values)`;
}

/** A ‹var› row's value count, `≥` when it is a lower bound. */
export function distinctValuesText(row: Pick<NamespaceResult, 'distinctValues' | 'distinctValuesAtLeast'>): string {
  return `${row.distinctValuesAtLeast === true ? '≥' : ''}${count(row.distinctValues ?? 0)}`;
}
