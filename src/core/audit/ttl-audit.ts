// `cachectl audit-ttl` as a core operation: the instant figure from INFO keyspace, then a scan that
// judges every key against the TTL rules, grouped by rule and namespace, and the verdict (the gate).
// Memory grows with rules × namespaces, never with keys: only a few example keys are kept.

import type { Topology } from '../../connection/topology.js';
import { formatDuration } from '../../base/duration.js';
import { parseKeyspace, parseInfo } from '../../base/info.js';
import { encodeKeyForJson } from '../../base/key-format.js';
import type { JsonKey } from '../../base/key-format.js';
import type { NamespaceOptions } from '../namespaces/namespace-key.js';
import { namespaceName, namespacePath, VARIABLE_PLACEHOLDER } from '../namespaces/namespace-key.js';
import { buildTree, LeafCompaction, MAX_NAMESPACES, NamespaceStats, OVERFLOW_NAMESPACE, rolledNodes } from '../namespaces/namespaces.js';
import type { NamespaceNode, TreeLeaf } from '../namespaces/namespaces.js';
import type { KeyBatch } from '../scan/scan-batch.js';
import { KEY_TYPES, TTL_ALL_FIELDS, TTL_GONE, TTL_NONE, TTL_SOME_FIELDS, TTL_WITHIN, UNKNOWN, keptKey } from '../scan/scan-batch.js';
import type { ScanOptions } from '../scan/scan.js';
import { scanKeys, shardsOf } from '../scan/scan.js';
import type { NodeScanState, ScanProgress } from '../scan/scan-progress.js';
import { collectScan } from '../scan/scan-progress.js';
import type { TtlRule } from './ttl-policy.js';
import { exceedsThreshold, formatThreshold, RuleMatcher } from './ttl-policy.js';
import { runStatus } from '../../base/status.js';
import type { RunStatus } from '../../base/status.js';
import { formatShare } from '../../base/units.js';

/** Server time per SCAN step the audit aims at, as the script measures it (see runTtlAudit). */
export const AUDIT_BATCH_MICROS = 1250;

/** Version of the JSON document; bumped only when a field changes meaning or goes away. */
export const TTL_AUDIT_SCHEMA_VERSION = 1;

export interface KeyspaceRow {
  node: string;
  db: number;
  keys: number;
  expires: number;
  /** keys − expires: keys without an expiry, as the server counts them. */
  noExpiry: number;
  /** Hashes with fields that have their own TTL (`subexpiry`, Redis 7.4+); null where the server does not say. */
  subexpiry: number | null;
}

/** What INFO keyspace says before any key is scanned: the size of the problem, at once. */
export interface InstantFigure {
  /** The audited database. */
  db: number;
  keys: number;
  expires: number;
  noExpiry: number;
  /** noExpiry / keys, 0..1. */
  share: number;
  /**
   * Hashes with fields that have their own TTL, in the audited database (INFO keyspace `subexpiry`,
   * Redis 7.4+); null when no node reports it. Without a key TTL they count in noExpiry, though
   * they may go away field by field.
   */
  subexpiry: number | null;
  /** Every database of every scanned node. */
  nodes: KeyspaceRow[];
  /** Nodes whose INFO could not be read (their keys are missing from the figure). */
  errors: string[];
}

export interface KeyExample extends JsonKey {
  /** null: no expiry. */
  ttlMs: number | null;
}

export interface NamespaceResult {
  namespace: string;
  /** Name of the rule that governs these keys (a namespace split by rules appears once per rule). */
  rule: string;
  keys: number;
  noTtl: number;
  /** Of noTtl: hashes without a key TTL some (not all) of whose fields expire (Redis 7.4+). */
  fieldsPartlyExpire: number;
  /** Hashes without a key TTL whose every field expires: they go away, so they are not noTtl. */
  expireByFields: number;
  ttlTooLong: number;
  violations: number;
  /** violations / keys, 0..1. */
  share: number;
  /**
   * Types of the keys this row flags (without a TTL, or with one over the rule's maximum), by the
   * server's type name: a hint at which library wrote them. Keys within their TTL are not typed.
   */
  flaggedTypes: Record<string, number>;
  /** For a row rolled up by cardinality (`tenants:‹var›:cfg`): how many distinct values its ‹var› stands for. */
  distinctValues?: number;
  /** distinctValues is a lower bound (more values than a scan remembers, see `keys`). */
  distinctValuesAtLeast?: boolean;
  examples: KeyExample[];
  /** Under --limit without a pattern: keys extrapolated to the whole keyspace. */
  estimatedKeys?: number;
  estimatedViolations?: number;
}

/** A rule (as resolved) with its counts and verdict. */
export interface RuleResult extends TtlRule {
  keys: number;
  noTtl: number;
  fieldsPartlyExpire: number;
  expireByFields: number;
  ttlTooLong: number;
  violations: number;
  share: number;
  estimatedKeys?: number;
  estimatedViolations?: number;
  verdict: 'pass' | 'fail';
  /** Why it failed, with the figures, e.g. `12 of 300 keys (4.0%) have no TTL; allowed: 0`. */
  reason: string | null;
}

export interface Verdict {
  /** `incomplete`: a node could not be scanned or the scan was interrupted; never a pass (exit 2, or 130). */
  result: 'pass' | 'fail' | 'incomplete';
  /** Names of the failed rules (or `--fail-if-empty`). */
  failed: string[];
  /** One line for humans: which rule failed and by how much, or why it passed. */
  summary: string;
}

export interface TtlAuditTotals {
  scanned: number;
  noTtl: number;
  /** Of noTtl: hashes some of whose fields expire (Redis 7.4+ hash field expiration). */
  fieldsPartlyExpire: number;
  /** Hashes without a key TTL whose every field expires (so the key goes away); not in noTtl. */
  expireByFields: number;
  ttlTooLong: number;
  violations: number;
  /** Keys without an expiry that a rule allows. */
  exempt: number;
  /** Keys that expired or were deleted between SCAN and PTTL: not counted anywhere else. */
  vanished: number;
  /** Keys whose PTTL could not be read (a failed command in the pipeline fallback). */
  unknown: number;
}

export interface TtlAuditReport {
  schemaVersion: number;
  mode: 'scan' | 'quick';
  status: RunStatus;
  topology: Topology['kind'];
  db: number;
  pattern: string | null;
  policyFile: string | null;
  sampled: boolean;
  /** Under --limit: the sample and how it scales to the nodes' keys (null scale: not extrapolable, a pattern was given). */
  sample: { size: number; keysOnNodes: number; scale: number | null } | null;
  instant: InstantFigure | null;
  totals: TtlAuditTotals | null;
  estimatedTotals: { scanned: number; noTtl: number; violations: number } | null;
  rules: RuleResult[];
  namespaces: NamespaceResult[];
  namespaceCount: number;
  verdict: Verdict;
  durationMs: number;
  nodes: NodeScanState[];
  notices: string[];
}

export interface Gate {
  failIfEmpty: boolean;
}

export interface TtlAuditOptions {
  scan: Omit<ScanOptions, 'wantType' | 'wantTtl' | 'wantMemory' | 'ttlFlagAbove'>;
  rules: readonly TtlRule[];
  namespaces: NamespaceOptions;
  /** Example keys kept per namespace row. @default 3 */
  examples?: number;
  gate: Gate;
  /** For the report: the pattern as typed, and the policy file used. */
  pattern?: string;
  policyFile?: string;
  /** Skip INFO keyspace (the figure is shown by the caller, or not wanted). */
  instant?: InstantFigure | null;
  onProgress?: (progress: ScanProgress) => void;
}

/** INFO keyspace of every node the scan would visit: keys − expires for the audited db, per node. */
export async function keyspaceFigure(topology: Topology, replica: boolean): Promise<InstantFigure> {
  const db = topology.db;
  const figure: InstantFigure = { db, keys: 0, expires: 0, noExpiry: 0, share: 0, subexpiry: null, nodes: [], errors: [] };
  const shards = shardsOf(topology, replica);
  const replies = await Promise.all(
    shards.map(async ({ node }) => {
      try {
        const client = await node.ready();
        return { node: node.address, text: await client.info('keyspace') };
      } catch (error) {
        return { node: node.address, error: node.translate(error).message };
      }
    }),
  );
  for (const reply of replies) {
    if (reply.error !== undefined || reply.text === undefined) {
      figure.errors.push(`${reply.node}: ${reply.error ?? 'no reply'}`);
      continue;
    }
    for (const entry of parseKeyspace(parseInfo(reply.text))) {
      const row: KeyspaceRow = { node: reply.node, db: entry.db, keys: entry.keys, expires: entry.expires, noExpiry: Math.max(0, entry.keys - entry.expires), subexpiry: entry.subexpiry ?? null };
      figure.nodes.push(row);
      if (entry.db === db) {
        figure.keys += row.keys;
        figure.expires += row.expires;
        figure.noExpiry += row.noExpiry;
        if (row.subexpiry !== null) figure.subexpiry = (figure.subexpiry ?? 0) + row.subexpiry;
      }
    }
  }
  figure.share = figure.keys > 0 ? figure.noExpiry / figure.keys : 0;
  return figure;
}

/**
 * The --quick verdict: INFO cannot tell namespaces apart, so only "keys without an expiry" is
 * judged, with the default rule's threshold, and exemptions cannot be applied.
 */
export function quickReport(topology: Pick<Topology, 'kind' | 'db'>, instant: InstantFigure, rules: readonly TtlRule[], gate: Gate, extra: { pattern?: string; policyFile?: string }): TtlAuditReport {
  const defaultRule = rules[rules.length - 1]!;
  const failed: string[] = [];
  let summary: string;
  if (instant.keys === 0 && gate.failIfEmpty) {
    failed.push('--fail-if-empty');
    summary = `FAIL: INFO keyspace shows 0 keys in db ${instant.db} (--fail-if-empty)`;
  } else if (exceedsThreshold(defaultRule.failOn, instant.noExpiry, instant.keys)) {
    failed.push(defaultRule.name);
    summary = `FAIL: ${ofKeys(instant.noExpiry, instant.keys)} have no expiry (INFO keyspace, db ${instant.db}); allowed: ${formatThreshold(defaultRule.failOn)}`;
  } else {
    summary = `PASS: ${ofKeys(instant.noExpiry, instant.keys)} have no expiry (INFO keyspace, db ${instant.db}); allowed: ${formatThreshold(defaultRule.failOn)}`;
  }
  return {
    schemaVersion: TTL_AUDIT_SCHEMA_VERSION,
    mode: 'quick',
    status: instant.errors.length > 0 ? 'incomplete' : 'complete',
    topology: topology.kind,
    db: topology.db,
    pattern: extra.pattern ?? null,
    policyFile: extra.policyFile ?? null,
    sampled: false,
    sample: null,
    instant,
    totals: null,
    estimatedTotals: null,
    rules: [],
    namespaces: [],
    namespaceCount: 0,
    verdict: instant.errors.length > 0 ? incompleteVerdict({ result: failed.length > 0 ? 'fail' : 'pass', failed, summary }, 'incomplete') : { result: failed.length > 0 ? 'fail' : 'pass', failed, summary },
    durationMs: 0,
    nodes: [],
    notices: fieldTtlNotice(instant),
  };
}

/** INFO keyspace cannot tell which keys-without-expiry are hashes whose fields expire: say so. */
function fieldTtlNotice(instant: InstantFigure): string[] {
  if ((instant.subexpiry ?? 0) === 0) return [];
  return [
    `${(instant.subexpiry ?? 0).toLocaleString('en-US')} hashes have fields with their own TTL (INFO keyspace subexpiry): those among the keys ` +
      'without expiry may go away field by field; a scan (without --quick) classifies them',
  ];
}

/** Per (rule, namespace) counters while scanning. */
class RowStats {
  keys = 0;
  noTtl = 0;
  fieldsPartlyExpire = 0;
  expireByFields = 0;
  ttlTooLong = 0;
  /** Flagged keys per type code (KEY_TYPES). */
  readonly types: number[] = [];
  examples: { key: Buffer; ttl: number }[] = [];

  merge(other: RowStats, examples: number): void {
    this.keys += other.keys;
    this.noTtl += other.noTtl;
    this.fieldsPartlyExpire += other.fieldsPartlyExpire;
    this.expireByFields += other.expireByFields;
    this.ttlTooLong += other.ttlTooLong;
    for (let i = 0; i < other.types.length; i += 1) this.types[i] = (this.types[i] ?? 0) + (other.types[i] ?? 0);
    for (const example of other.examples) if (this.examples.length < examples) this.examples.push(example);
  }
}

/** Counters of one shard, kept apart so a shard whose scan restarts after a failover can be discarded. */
interface ShardTally {
  /** One map per rule: namespace → counters. */
  rows: Map<string, RowStats>[];
  rowCount: number;
  vanished: number;
  unknown: number;
  exempt: number;
}

/** Judges batches of keys against the rules; exported for tests that feed it batches directly. */
export class TtlAggregator {
  private readonly shards = new Map<string, ShardTally>();
  private rowCount = 0;
  /** Each row name's path (the name of every level), found once when the name is first seen. */
  private readonly paths = new Map<string, string[]>();
  private readonly matcher: RuleMatcher;
  private readonly examples: number;
  /** Past MAX_NAMESPACES rows, rows are rolled into ‹var› rows as `keys` rolls its records. */
  private readonly compaction: LeafCompaction;

  constructor(
    readonly rules: readonly TtlRule[],
    private readonly namespaces: NamespaceOptions,
    examples = 3,
  ) {
    this.matcher = new RuleMatcher(rules);
    this.examples = examples;
    this.compaction = new LeafCompaction(namespaces);
  }

  /** The PTTL above which keys must be looked at (see ScanOptions.ttlFlagAbove). */
  get flagAbove(): number {
    return this.matcher.flagAbove;
  }

  add(shard: string, batch: KeyBatch): void {
    let tally = this.shards.get(shard);
    if (tally === undefined) {
      tally = { rows: this.rules.map(() => new Map()), rowCount: 0, vanished: 0, unknown: 0, exempt: 0 };
      this.shards.set(shard, tally);
    }
    const rules = this.rules;
    const single = rules.length === 1;
    for (let i = 0; i < batch.size; i += 1) {
      const ttl = batch.ttls[i]!;
      // Gone between SCAN and PTTL (expired or deleted): not a key without a TTL, not a key at all.
      if (ttl === TTL_GONE) {
        tally.vanished += 1;
        continue;
      }
      const key = batch.keys[i]!;
      const ruleIndex = single ? 0 : this.matcher.ruleFor(key);
      const rule = rules[ruleIndex]!;
      const rows = tally.rows[ruleIndex]!;
      let name = namespaceName(key, this.namespaces);
      let stats = rows.get(name);
      // A name no row knows, after a compaction: counted in its ‹var› row when its level was rolled.
      if (stats === undefined && this.compaction.active && !this.paths.has(name)) {
        name = this.compaction.landKey(key, name, this.paths);
        stats = rows.get(name);
      }
      if (stats === undefined && this.compaction.due(this.rowCount)) {
        this.compact();
        if (!this.paths.has(name)) name = this.compaction.landKey(key, name, this.paths);
        stats = rows.get(name);
      }
      if (stats === undefined) {
        if (this.rowCount >= MAX_NAMESPACES) stats = rows.get(OVERFLOW_NAMESPACE);
        if (stats === undefined) {
          stats = new RowStats();
          const slot = this.rowCount >= MAX_NAMESPACES ? OVERFLOW_NAMESPACE : name;
          rows.set(slot, stats);
          if (slot === name && !this.paths.has(name)) this.paths.set(name, namespacePath(key, this.namespaces).names);
          this.rowCount += 1;
          tally.rowCount += 1;
        }
      }
      stats.keys += 1;
      if (ttl === TTL_WITHIN) continue;
      // Typed only where the scan read it (the keys it flags); 0 is "not read".
      const type = batch.types[i]!;
      if (type !== 0 && (ttl === TTL_NONE || ttl === TTL_SOME_FIELDS || (ttl >= 0 && rule.maxTtlMs !== null && ttl > rule.maxTtlMs))) stats.types[type] = (stats.types[type] ?? 0) + 1;
      let violation = false;
      if (ttl === TTL_ALL_FIELDS) {
        // Every field expires: the hash goes away with its last field, like a key with a TTL.
        stats.expireByFields += 1;
        continue;
      }
      if (ttl === TTL_NONE || ttl === TTL_SOME_FIELDS) {
        // Some fields expiring does not make the key go away: it still has no TTL.
        if (ttl === TTL_SOME_FIELDS) stats.fieldsPartlyExpire += 1;
        if (rule.requireTtl) {
          stats.noTtl += 1;
          violation = true;
        } else {
          tally.exempt += 1;
          // Counted, not a violation: the namespace row still shows how many keys live forever.
          stats.noTtl += 1;
        }
      } else if (ttl === UNKNOWN) {
        tally.unknown += 1;
      } else if (rule.maxTtlMs !== null && ttl > rule.maxTtlMs) {
        stats.ttlTooLong += 1;
        violation = true;
      }
      if (violation && stats.examples.length < this.examples) {
        // A copy: the batch's key bytes are released once it is consumed.
        stats.examples.push({ key: keptKey(key), ttl });
      }
    }
  }

  /** See LeafCompaction: every shard's rows of every rule become the compacted rows. */
  private compact(): void {
    const maps = [...this.shards.values()].flatMap((tally) => tally.rows);
    this.compaction.compact(this.tree(maps), maps, this.paths, (into, from) => into.merge(from, this.examples));
    this.rowCount = 0;
    for (const tally of this.shards.values()) {
      tally.rowCount = tally.rows.reduce((sum, rows) => sum + rows.size, 0);
      this.rowCount += tally.rowCount;
    }
    this.compaction.rearm(this.rowCount);
  }

  /** The namespace tree of some rows (their keys summed over rules), as `keys` would build it. */
  private tree(maps: Iterable<Map<string, RowStats>>): NamespaceNode {
    const keysByName = new Map<string, number>();
    for (const rows of maps) for (const [name, stats] of rows) keysByName.set(name, (keysByName.get(name) ?? 0) + stats.keys);
    const leaves: TreeLeaf[] = [];
    for (const [name, keys] of keysByName) {
      const stats = new NamespaceStats();
      stats.keys = keys;
      leaves.push({ path: this.paths.get(name) ?? [name], stats });
    }
    return buildTree(leaves, this.namespaces);
  }

  /** Forgets a shard's partial numbers, when its scan restarts from cursor 0 on another node. */
  discardShard(shard: string): void {
    const tally = this.shards.get(shard);
    if (tally === undefined) return;
    this.rowCount -= tally.rowCount;
    this.shards.delete(shard);
  }

  get namespaceCount(): number {
    return this.rowCount;
  }

  /** Rows merged over shards, per rule, plus the shard-level counters. */
  result(): { rows: Map<string, RowStats>[]; distinct: Map<string, RolledValues>; vanished: number; unknown: number; exempt: number } {
    const rows = this.rules.map(() => new Map<string, RowStats>());
    let vanished = 0;
    let unknown = 0;
    let exempt = 0;
    for (const tally of this.shards.values()) {
      vanished += tally.vanished;
      unknown += tally.unknown;
      exempt += tally.exempt;
      tally.rows.forEach((shardRows, ruleIndex) => {
        const merged = rows[ruleIndex]!;
        for (const [name, stats] of shardRows) {
          let target = merged.get(name);
          if (target === undefined) {
            target = new RowStats();
            merged.set(name, target);
          }
          target.merge(stats, this.examples);
        }
      });
    }
    return { ...this.rollUp(rows), vanished, unknown, exempt };
  }

  /**
   * Rows grouped the way `cachectl keys` groups them: the rows' names make the same tree (years
   * beside an ‹id› row filed under it, many small literal siblings rolled into ‹var›), and each
   * row is merged into the tree row it landed in, so 2,000 one-key tenants are one offender.
   */
  private rollUp(rows: Map<string, RowStats>[]): { rows: Map<string, RowStats>[]; distinct: Map<string, RolledValues> } {
    const root = this.tree(rows);
    // ‹var› rows made while scanning count the values they took in.
    this.compaction.countValues(root);
    const landing = rolledNodes(root, this.namespaces);
    const distinct = new Map<string, RolledValues>();
    const grouped = rows.map((merged) => {
      const out = new Map<string, RowStats>();
      for (const [name, stats] of merged) {
        const node = name === OVERFLOW_NAMESPACE ? undefined : landing(this.paths.get(name) ?? [name]);
        const target = node?.name ?? name;
        if (node !== undefined && target.includes(VARIABLE_PLACEHOLDER) && !distinct.has(target)) distinct.set(target, distinctOf(root, target));
        const into = out.get(target);
        if (into === undefined) out.set(target, stats);
        else into.merge(stats, this.examples);
      }
      return out;
    });
    return { rows: grouped, distinct };
  }
}

/** How many values a ‹var› row stands for; `atLeast`: a lower bound. */
interface RolledValues {
  count: number;
  atLeast: boolean;
}

/** How many values the last ‹var› segment of `name` stands for in the tree. */
function distinctOf(root: NamespaceNode, name: string): RolledValues {
  const at = name.lastIndexOf(VARIABLE_PLACEHOLDER) + VARIABLE_PLACEHOLDER.length;
  const rolled = name.slice(0, at);
  const find = (node: NamespaceNode): NamespaceNode | undefined => {
    for (const child of node.children) {
      if (child.name === rolled) return child;
      if (rolled.startsWith(child.name)) {
        const found = find(child);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };
  const node = find(root);
  return { count: node?.distinct ?? 0, atLeast: node?.distinctAtLeast === true };
}



/** Runs the scan and judges it. The instant figure is taken first unless the caller already has it. */
export async function runTtlAudit(topology: Topology, options: TtlAuditOptions): Promise<TtlAuditReport> {
  const instant = options.instant === undefined ? await keyspaceFigure(topology, options.scan.replica === true) : options.instant;
  const aggregator = new TtlAggregator(options.rules, options.namespaces, options.examples ?? 3);
  const scan: ScanOptions = {
    // The script's own clock misses what the server does after it returns (the reply, Lua's GC
    // step), measured at 15-20% more per call: aiming at 1.25 ms keeps calls well under ~2 ms.
    targetBatchMicros: AUDIT_BATCH_MICROS,
    ...options.scan,
    // Only the keys the audit flags are typed (see BatchRequest.ttlFlagAbove): a hint per row.
    wantType: true,
    wantTtl: true,
    wantMemory: false,
    ttlFlagAbove: aggregator.flagAbove,
    fieldTtl: true,
  };
  const progress = await collectScan(scanKeys(topology, scan), aggregator, options.onProgress);
  return summarizeAudit(topology, aggregator, progress, { ...options, instant });
}

/** Everything summarizeAudit needs besides the counts: the scan's limits and the report's labels. */
export type AuditSummaryOptions = Pick<TtlAuditOptions, 'rules' | 'gate' | 'pattern' | 'policyFile'> & {
  scan: Pick<ScanOptions, 'limit' | 'match' | 'signal'>;
  instant: InstantFigure | null;
};

/** Turns the aggregated counts into the report: per-rule verdicts, estimates for a sample, the overall verdict. */
export function summarizeAudit(topology: Pick<Topology, 'kind' | 'db'>, aggregator: TtlAggregator, progress: ScanProgress, options: AuditSummaryOptions): TtlAuditReport {
  const { rows, distinct, vanished, unknown, exempt } = aggregator.result();
  const aborted = options.scan.signal?.aborted === true;
  const status = runStatus(aborted, progress.failed.length);
  let scanned = 0;
  for (const ruleRows of rows) for (const stats of ruleRows.values()) scanned += stats.keys;
  const sampled = options.scan.limit !== undefined && progress.scanned >= options.scan.limit;
  // A sample of the whole keyspace scales by DBSIZE; under a pattern the matching population is unknown.
  const scale = sampled && options.scan.match === undefined && scanned > 0 ? progress.total / scanned : null;
  const estimate = (n: number) => (scale === null ? n : Math.round(n * scale));

  const namespaces: NamespaceResult[] = [];
  const ruleResults: RuleResult[] = options.rules.map((rule, index) => {
    const result = emptyRuleResult(rule);
    for (const [name, stats] of rows[index]!) {
      const violations = (rule.requireTtl ? stats.noTtl : 0) + stats.ttlTooLong;
      result.keys += stats.keys;
      result.noTtl += stats.noTtl;
      result.fieldsPartlyExpire += stats.fieldsPartlyExpire;
      result.expireByFields += stats.expireByFields;
      result.ttlTooLong += stats.ttlTooLong;
      result.violations += violations;
      const row: NamespaceResult = {
        namespace: name,
        rule: rule.name,
        keys: stats.keys,
        noTtl: stats.noTtl,
        fieldsPartlyExpire: stats.fieldsPartlyExpire,
        expireByFields: stats.expireByFields,
        ttlTooLong: stats.ttlTooLong,
        violations,
        share: stats.keys > 0 ? violations / stats.keys : 0,
        flaggedTypes: typeNames(stats.types),
        examples: stats.examples.map(({ key, ttl }) => ({ ...encodeKeyForJson(key), ttlMs: ttl < 0 ? null : ttl })),
      };
      const values = distinct.get(name);
      if (values !== undefined) {
        row.distinctValues = values.count;
        if (values.atLeast) row.distinctValuesAtLeast = true;
      }
      if (scale !== null) {
        row.estimatedKeys = estimate(stats.keys);
        row.estimatedViolations = estimate(violations);
      }
      namespaces.push(row);
    }
    result.share = result.keys > 0 ? result.violations / result.keys : 0;
    if (scale !== null) {
      result.estimatedKeys = estimate(result.keys);
      result.estimatedViolations = estimate(result.violations);
    }
    judgeRule(rule, result);
    return result;
  });
  namespaces.sort((a, b) => b.violations - a.violations || b.keys - a.keys || (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));

  const totals: TtlAuditTotals = { scanned, noTtl: 0, fieldsPartlyExpire: 0, expireByFields: 0, ttlTooLong: 0, violations: 0, exempt, vanished, unknown };
  for (const rule of ruleResults) {
    totals.noTtl += rule.noTtl;
    totals.fieldsPartlyExpire += rule.fieldsPartlyExpire;
    totals.expireByFields += rule.expireByFields;
    totals.ttlTooLong += rule.ttlTooLong;
    totals.violations += rule.violations;
  }
  const notices = [...progress.notices];
  if (unknown > 0) notices.push(`the TTL of ${unknown.toLocaleString('en-US')} keys could not be read; they are counted as scanned but not judged`);
  return {
    schemaVersion: TTL_AUDIT_SCHEMA_VERSION,
    mode: 'scan',
    status,
    topology: topology.kind,
    db: topology.db,
    pattern: options.pattern ?? null,
    policyFile: options.policyFile ?? null,
    sampled,
    sample: sampled ? { size: scanned, keysOnNodes: progress.total, scale } : null,
    instant: options.instant,
    totals,
    estimatedTotals: scale === null ? null : { scanned: estimate(scanned), noTtl: estimate(totals.noTtl), violations: estimate(totals.violations) },
    rules: ruleResults,
    namespaces,
    namespaceCount: aggregator.namespaceCount,
    verdict: incompleteVerdict(overallVerdict(ruleResults, scanned, options.gate, sampled, scale !== null), status),
    durationMs: progress.elapsedMs,
    nodes: progress.nodes,
    notices,
  };
}

/** Counts per type code as counts per type name, most common first. */
function typeNames(counts: readonly number[]): Record<string, number> {
  const named: [string, number][] = [];
  counts.forEach((count, code) => {
    if (count > 0) named.push([KEY_TYPES[code] ?? 'unknown', count]);
  });
  return Object.fromEntries(named.sort((a, b) => b[1] - a[1]));
}

function emptyRuleResult(rule: TtlRule): RuleResult {
  return {
    ...rule,
    keys: 0,
    noTtl: 0,
    fieldsPartlyExpire: 0,
    expireByFields: 0,
    ttlTooLong: 0,
    violations: 0,
    share: 0,
    verdict: 'pass',
    reason: null,
  };
}

/**
 * Applies a rule's threshold. In a sample that stands for the whole keyspace, a count threshold is
 * compared with the estimated violations (a 1% sample with 3 violations means ~300); percentages
 * are the same in the sample and the estimate.
 */
export function judgeRule(rule: Pick<TtlRule, 'failOn' | 'requireTtl' | 'maxTtlMs'>, result: RuleResult): void {
  const violations = result.estimatedViolations ?? result.violations;
  const keys = result.estimatedKeys ?? result.keys;
  if (!exceedsThreshold(rule.failOn, violations, keys)) {
    result.verdict = 'pass';
    result.reason = null;
    return;
  }
  const approx = result.estimatedViolations === undefined ? '' : '~';
  const parts: string[] = [];
  if (rule.requireTtl && result.noTtl > 0) {
    const partly = result.fieldsPartlyExpire > 0 ? ` (${approx}${estimateOf(result, result.fieldsPartlyExpire).toLocaleString('en-US')} of them hashes only some of whose fields expire)` : '';
    parts.push(`${approx}${estimateOf(result, result.noTtl).toLocaleString('en-US')} without TTL${partly}`);
  }
  if (result.ttlTooLong > 0 && rule.maxTtlMs !== null) parts.push(`${approx}${estimateOf(result, result.ttlTooLong).toLocaleString('en-US')} with TTL over ${formatDuration(rule.maxTtlMs)}`);
  result.verdict = 'fail';
  result.reason = `${approx}${ofKeys(violations, keys)} violate it (${parts.join(', ')}); allowed: ${formatThreshold(rule.failOn)}`;
}

function estimateOf(result: RuleResult, n: number): number {
  if (result.estimatedKeys === undefined || result.keys === 0) return n;
  return Math.round((n * result.estimatedKeys) / result.keys);
}

export function overallVerdict(rules: readonly RuleResult[], scanned: number, gate: Gate, sampled: boolean, estimated: boolean): Verdict {
  const failedRules = rules.filter((rule) => rule.verdict === 'fail');
  const failed = failedRules.map((rule) => rule.name);
  const what = sampled ? `${scanned.toLocaleString('en-US')} keys sampled${estimated ? '' : ' (no estimate: a pattern was given)'}` : `${scanned.toLocaleString('en-US')} keys scanned`;
  if (scanned === 0 && gate.failIfEmpty) {
    return { result: 'fail', failed: [...failed, '--fail-if-empty'], summary: 'FAIL: 0 keys scanned (--fail-if-empty)' };
  }
  if (failedRules.length > 0) {
    const reasons = failedRules.map((rule) => `rule "${rule.name}": ${rule.reason ?? ''}`);
    return { result: 'fail', failed, summary: `FAIL: ${reasons.join('; ')} — ${what}` };
  }
  const violations = rules.reduce((sum, rule) => sum + rule.violations, 0);
  const tail = violations === 0 ? 'no violations' : `${violations.toLocaleString('en-US')} violations, within what the rules allow`;
  return { result: 'pass', failed: [], summary: `PASS: ${what}, ${tail}` };
}

/**
 * An audit that did not see every key never passes: keys it missed may break the rules. Its
 * verdict is `incomplete` (the exit code says 2, or 130 after Ctrl-C), naming what failed so far.
 */
export function incompleteVerdict(verdict: Verdict, status: RunStatus): Verdict {
  if (status === 'complete') return verdict;
  const why = status === 'partial' ? 'the scan was interrupted' : 'a node could not be fully scanned';
  const sofar = verdict.result === 'fail' ? `; rules failed on the keys scanned: ${verdict.failed.join(', ')}` : '';
  return { result: 'incomplete', failed: verdict.failed, summary: `INCOMPLETE: ${why}, so the audit cannot pass${sofar} (${verdict.summary.replace(/^(PASS|FAIL): /, '')})` };
}

function ofKeys(part: number, whole: number): string {
  const share = whole > 0 ? ` (${formatShare(part / whole)})` : '';
  return `${part.toLocaleString('en-US')} of ${whole.toLocaleString('en-US')} keys${share}`;
}


