// `cachectl diff --fail-on RULE`: the CI gate. A rule is a named event (`new-namespace`,
// `new-namespace-without-ttl`, `vanished-namespace`) or a threshold on a change, per namespace or
// for the whole keyspace: `memory>+20%`, `noTtl>+0`, `keys<-50%`, `total.memory>+100mb`.

import { usageError } from '../../base/errors.js';
import { formatBytes, parseByteSize } from '../../base/units.js';
import type { Delta, KeyspaceDiff, NamespaceChange } from './diff.js';

export type GateMetric = 'keys' | 'memory' | 'noTtl';

export type GateRule =
  | { text: string; kind: 'new-namespace' | 'new-namespace-without-ttl' | 'vanished-namespace' }
  | { text: string; kind: 'threshold'; scope: 'namespace' | 'total'; metric: GateMetric; op: '>' | '<'; value: number; percent: boolean };

export interface GateViolation {
  rule: string;
  /** Null for a rule on the whole keyspace. */
  namespace: string | null;
  message: string;
}

const NAMED = ['new-namespace', 'new-namespace-without-ttl', 'vanished-namespace'] as const;
const THRESHOLD = /^(total\.)?(keys|memory|nottl|no-ttl)\s*([<>])\s*([+-]?)\s*(\d+(?:\.\d+)?)\s*(%|[a-z]*)$/i;
const HINT = "rules: new-namespace, new-namespace-without-ttl, vanished-namespace, or METRIC>+N / METRIC<-N with METRIC keys, memory or noTtl (total.METRIC for the whole keyspace) and N a count, a size (memory: 100mb) or a percentage (20%), e.g. 'memory>+20%'";

export function parseGateRule(text: string): GateRule {
  const input = text.trim();
  const named = NAMED.find((name) => name === input.toLowerCase());
  if (named !== undefined) return { text: input, kind: named };
  const match = THRESHOLD.exec(input);
  if (match === null) throw usageError('--fail-on', `cannot read rule ${JSON.stringify(text)}`, HINT);
  const [, total, rawMetric, op, sign, number, unit] = match as unknown as [string, string | undefined, string, '>' | '<', string, string, string];
  const metric: GateMetric = rawMetric.toLowerCase() === 'keys' ? 'keys' : rawMetric.toLowerCase() === 'memory' ? 'memory' : 'noTtl';
  const percent = unit === '%';
  let magnitude: number;
  if (percent) magnitude = Number(number);
  else if (metric === 'memory') magnitude = parseByteSize(`${number}${unit}`, '--fail-on');
  else if (unit === '' && /^\d+$/.test(number)) magnitude = Number(number);
  else throw usageError('--fail-on', `${metric} counts keys: ${JSON.stringify(text)} needs a whole number or a percentage`, HINT);
  return { text: input, kind: 'threshold', scope: total === undefined ? 'namespace' : 'total', metric, op, value: sign === '-' ? -magnitude : magnitude, percent };
}

/** Every rule's violations, in rule order; empty means the gate passes. */
export function evaluateGate(diff: KeyspaceDiff, rules: readonly GateRule[]): GateViolation[] {
  const violations: GateViolation[] = [];
  for (const rule of rules) {
    if (rule.kind !== 'threshold') {
      const wanted = rule.kind === 'vanished-namespace' ? 'vanished' : 'new';
      for (const change of diff.changes) {
        if (change.change !== wanted || change.nested) continue;
        if (rule.kind === 'new-namespace-without-ttl' && (change.noTtl.after ?? 0) === 0) continue;
        const what =
          rule.kind === 'vanished-namespace'
            ? `vanished (had ${change.keys.before} keys)`
            : rule.kind === 'new-namespace'
              ? `new, ${change.keys.after} keys`
              : `new, ${change.noTtl.after} of its ${change.keys.after} keys have no TTL`;
        violations.push({ rule: rule.text, namespace: change.namespace, message: `${change.namespace}: ${what}` });
      }
      continue;
    }
    if (rule.scope === 'total') {
      const d = rule.metric === 'memory' ? diff.total.memoryBytes : rule.metric === 'keys' ? diff.total.keys : diff.total.noTtl;
      if (crosses(rule, d)) violations.push({ rule: rule.text, namespace: null, message: `whole keyspace: ${describe(rule.metric, d)}` });
      continue;
    }
    const crossing = diff.changes.filter((change) => !change.nested && crosses(rule, pick(change, rule.metric)));
    for (const change of mostSpecific(crossing, diff.changes)) {
      violations.push({ rule: rule.text, namespace: change.namespace, message: `${change.namespace}: ${describe(rule.metric, pick(change, rule.metric))}${change.change === 'changed' ? '' : ` (${change.change})`}` });
    }
  }
  return violations;
}

/**
 * Drops a namespace when one inside it crossed the same rule: `app:cart:{id}` growing 50% also
 * grows `app:cart` and `app`, and the reason worth reading is the innermost one. A parent stays
 * when no single child explains its change.
 */
function mostSpecific(crossing: readonly NamespaceChange[], all: readonly NamespaceChange[]): NamespaceChange[] {
  const parentOf = new Map(all.map((change) => [change.namespace, change.parent]));
  const explained = new Set<string>();
  for (const change of crossing) {
    for (let parent = change.parent; parent !== null && parent !== undefined; parent = parentOf.get(parent) ?? null) explained.add(parent);
  }
  return crossing.filter((change) => !explained.has(change.namespace));
}

function pick(change: NamespaceChange, metric: GateMetric): Delta {
  return metric === 'memory' ? change.memoryBytes : metric === 'keys' ? change.keys : change.noTtl;
}

/**
 * A percentage needs a before to be a percentage of: a new namespace passes percent rules (the
 * new-namespace rules are for it) and fails absolute ones like any other growth.
 */
function crosses(rule: Extract<GateRule, { kind: 'threshold' }>, d: Delta): boolean {
  const value = rule.percent ? (d.ratio === null ? null : d.ratio * 100) : d.delta;
  if (value === null) return false;
  return rule.op === '>' ? value > rule.value : value < rule.value;
}

function describe(metric: GateMetric, d: Delta): string {
  const name = metric === 'noTtl' ? 'keys without TTL' : metric;
  const percent = d.ratio === null ? '' : ` (${d.ratio >= 0 ? '+' : ''}${(d.ratio * 100).toFixed(1)}%)`;
  const fmt = (n: number | null) => (n === null ? '?' : metric === 'memory' ? formatBytes(n) : String(n));
  return `${name} ${fmt(d.before)} → ${fmt(d.after)}${percent}`;
}
