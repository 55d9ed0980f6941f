// The TTL rules an audit checks keys against: parsed from a policy file (`.cachectl.json`) that a
// team commits next to its code, plus --allow / --max-ttl / --fail-on-missing, and matched per key.
// Pure: no I/O here, the CLI reads the file.

import { parseDuration } from '../../base/duration.js';
import { CachectlError } from '../../base/errors.js';
import { globLiteralPrefix, globMatch } from '../../base/glob.js';
import type { LocatedValue, SourcePosition } from './json-located.js';
import { describeKind, JsonSyntaxError, parseLocatedJson } from './json-located.js';
import type { Threshold } from '../../base/units.js';
import { parseThreshold } from '../../base/units.js';

/** The project file discovered in the working directory. */
export const POLICY_FILE_NAME = '.cachectl.json';

/** A rule as the policy file states it; what it leaves out is filled in by buildRules. */
export interface PolicyRule {
  /** Redis glob patterns; a key matching any of them is governed by the rule. */
  match: string[];
  name?: string;
  /** false: keys may live without an expiry. @default true */
  requireTtl: boolean;
  /** Longest TTL allowed, in ms; null says "no maximum"; undefined inherits the policy's maxTtl. */
  maxTtlMs?: number | null;
  failOn?: Threshold;
  description?: string;
  /** `file:line:column`, for messages. */
  origin: string;
}

export interface TtlPolicy {
  file: string;
  /** Default maximum TTL for rules that do not state one (the default rule included). */
  maxTtlMs?: number;
  /** Default gate for rules that do not state one. */
  failOn?: Threshold;
  /** Keys exempt from every rule. */
  allow: { pattern: string; origin: string }[];
  rules: PolicyRule[];
}

export type RuleSource = 'allow' | 'policy' | 'default';

/** A rule ready to judge keys: everything resolved. */
export interface TtlRule {
  name: string;
  source: RuleSource;
  match: string[];
  requireTtl: boolean;
  maxTtlMs: number | null;
  /** The rule fails when its violations exceed this. */
  failOn: Threshold;
  description: string | null;
  origin: string | null;
}

export const DEFAULT_RULE_NAME = 'default';
/** "Any violation fails." */
export const ZERO_TOLERANCE: Threshold = { kind: 'count', value: 0 };

const TOP_FIELDS = ['ttlPolicy'];
const POLICY_FIELDS = ['maxTtl', 'failOn', 'allow', 'presets', 'rules', 'description'];

/**
 * `"presets": ["bullmq"]`: keys that libraries keep without a TTL on purpose (queue jobs and their
 * bookkeeping), under each library's default prefix, become exemptions like `allow` entries.
 */
export const TTL_PRESETS: Readonly<Record<string, readonly string[]>> = {
  bullmq: ['bull:*', '{bull}:*'],
  bull: ['bull:*', '{bull}:*'],
  kue: ['q:*'],
  'node-resque': ['resque:*'],
  'bee-queue': ['bq:*'],
  bottleneck: ['b_*'],
  'socket.io': ['socket.io'],
};
const RULE_FIELDS = ['match', 'name', 'requireTtl', 'maxTtl', 'failOn', 'description'];

/**
 * Parses the text of a policy file. Returns undefined when the file has no `ttlPolicy` section
 * (the project file may exist for other reasons). Every mistake is a CONFIG error (exit 2) that
 * names the file, line and column, and the field.
 */
export function parseTtlPolicy(text: string, file: string): TtlPolicy | undefined {
  let root: LocatedValue;
  try {
    root = parseLocatedJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      throw new CachectlError('CONFIG', `policy file ${file}:${error.position.line}:${error.position.column}: invalid JSON: ${error.message}`, {
        hint: 'fix the JSON syntax; the format is in README "audit-ttl"',
      });
    }
    throw error;
  }
  const at = (position: SourcePosition) => `${file}:${position.line}:${position.column}`;
  const fail = (value: SourcePosition, field: string, problem: string, hint?: string): never => {
    throw new CachectlError('CONFIG', `policy file ${at(value)}: ${field} ${problem}`, {
      hint: hint ?? 'the format is in README "audit-ttl"',
    });
  };

  const top = expectObject(root, 'the file', fail);
  checkFields(top, '', TOP_FIELDS, fail);
  const section = top.entries.get('ttlPolicy');
  if (section === undefined) return undefined;
  const body = expectObject(section.value, 'ttlPolicy', fail);
  checkFields(body, 'ttlPolicy.', POLICY_FIELDS, fail);

  const policy: TtlPolicy = { file, allow: [], rules: [] };
  const maxTtl = body.entries.get('maxTtl');
  if (maxTtl !== undefined) {
    const value = durationField(maxTtl.value, 'ttlPolicy.maxTtl', fail, false);
    if (value !== null) policy.maxTtlMs = value;
  }
  const failOn = body.entries.get('failOn');
  if (failOn !== undefined) policy.failOn = thresholdField(failOn.value, 'ttlPolicy.failOn', fail);
  const allow = body.entries.get('allow');
  if (allow !== undefined) {
    policy.allow = patternList(allow.value, 'ttlPolicy.allow', fail).map((item) => ({ pattern: item.pattern, origin: at(item.position) }));
  }
  const presets = body.entries.get('presets');
  if (presets !== undefined) {
    for (const item of patternList(presets.value, 'ttlPolicy.presets', fail)) {
      const patterns = TTL_PRESETS[item.pattern];
      if (patterns === undefined) fail(item.position, 'ttlPolicy.presets', `has an unknown preset ${JSON.stringify(item.pattern)}`, `known presets: ${Object.keys(TTL_PRESETS).join(', ')}`);
      for (const pattern of patterns ?? []) {
        if (!policy.allow.some((entry) => entry.pattern === pattern)) policy.allow.push({ pattern, origin: `${at(item.position)} (preset ${item.pattern})` });
      }
    }
  }
  const rules = body.entries.get('rules');
  if (rules !== undefined) {
    if (rules.value.kind !== 'array') fail(rules.value, 'ttlPolicy.rules', `must be an array of rules, got ${describeKind(rules.value)}`);
    const items = rules.value.kind === 'array' ? rules.value.items : [];
    items.forEach((item, index) => {
      const path = `ttlPolicy.rules[${index}]`;
      const rule = expectObject(item, path, fail);
      checkFields(rule, `${path}.`, RULE_FIELDS, fail);
      const match = rule.entries.get('match');
      if (match === undefined) fail(rule, path, 'has no "match": every rule needs the key pattern(s) it governs', 'e.g. "match": "app:v2:session:*"');
      const parsed: PolicyRule = {
        match: patternList(match!.value, `${path}.match`, fail).map((entry) => entry.pattern),
        requireTtl: true,
        origin: at(rule),
      };
      const name = rule.entries.get('name');
      if (name !== undefined) parsed.name = nonEmptyString(name.value, `${path}.name`, fail);
      const requireTtl = rule.entries.get('requireTtl');
      if (requireTtl !== undefined) {
        if (requireTtl.value.kind !== 'boolean') fail(requireTtl.value, `${path}.requireTtl`, `must be true or false, got ${describeKind(requireTtl.value)}`);
        parsed.requireTtl = requireTtl.value.kind === 'boolean' && requireTtl.value.value;
      }
      const ruleMax = rule.entries.get('maxTtl');
      if (ruleMax !== undefined) parsed.maxTtlMs = durationField(ruleMax.value, `${path}.maxTtl`, fail, true);
      const ruleFailOn = rule.entries.get('failOn');
      if (ruleFailOn !== undefined) parsed.failOn = thresholdField(ruleFailOn.value, `${path}.failOn`, fail);
      const description = rule.entries.get('description');
      if (description !== undefined) parsed.description = nonEmptyString(description.value, `${path}.description`, fail);
      policy.rules.push(parsed);
    });
    checkReachable(policy.rules, items, fail);
  }
  return policy;
}

type Fail = (value: SourcePosition, field: string, problem: string, hint?: string) => never;
type LocatedObject = Extract<LocatedValue, { kind: 'object' }>;

function expectObject(value: LocatedValue, field: string, fail: Fail): LocatedObject {
  if (value.kind !== 'object') return fail(value, field, `must be a JSON object, got ${describeKind(value)}`);
  return value;
}

function checkFields(object: LocatedObject, prefix: string, allowed: string[], fail: Fail): void {
  for (const [field, entry] of object.entries) {
    if (!allowed.includes(field)) {
      fail(entry.key, `${prefix}${field}`, 'is not a known field', `allowed here: ${allowed.join(', ')}`);
    }
  }
}

function nonEmptyString(value: LocatedValue, field: string, fail: Fail): string {
  if (value.kind !== 'string' || value.value === '') return fail(value, field, `must be a non-empty string, got ${describeKind(value)}`);
  return value.value;
}

function patternList(value: LocatedValue, field: string, fail: Fail): { pattern: string; position: SourcePosition }[] {
  if (value.kind === 'string') return [{ pattern: nonEmptyString(value, field, fail), position: value }];
  if (value.kind !== 'array' || value.items.length === 0) {
    return fail(value, field, `must be a key pattern or a non-empty array of them, got ${describeKind(value)}`, 'e.g. "config:*" or ["config:*", "feature:*"]');
  }
  return value.items.map((item, index) => ({ pattern: nonEmptyString(item, `${field}[${index}]`, fail), position: item }));
}

function durationField(value: LocatedValue, field: string, fail: Fail, nullable: boolean): number | null {
  if (value.kind === 'null' && nullable) return null;
  if (value.kind !== 'string') {
    return fail(value, field, `must be a duration string such as "24h"${nullable ? ' (or null for no maximum)' : ''}, got ${describeKind(value)}`);
  }
  let ms: number;
  try {
    ms = parseDuration(value.value, field);
  } catch (error) {
    return fail(value, field, (error as CachectlError).message.slice(field.length + 1), (error as CachectlError).hint);
  }
  if (ms <= 0) return fail(value, field, `must be longer than 0, got ${JSON.stringify(value.value)}`);
  return ms;
}

function thresholdField(value: LocatedValue, field: string, fail: Fail): Threshold {
  const text = value.kind === 'string' ? value.value : value.kind === 'number' ? String(value.value) : undefined;
  if (text === undefined) return fail(value, field, `must be a count such as 10 or a percentage such as "2.5%", got ${describeKind(value)}`);
  try {
    return parseThreshold(text, field);
  } catch (error) {
    return fail(value, field, (error as CachectlError).message.slice(field.length + 1), (error as CachectlError).hint);
  }
}

/** First match wins, so a rule after a catch-all, or one repeating an earlier pattern, would never apply: say so. */
function checkReachable(rules: PolicyRule[], items: LocatedValue[], fail: Fail): void {
  const seen = new Map<string, number>();
  rules.forEach((rule, index) => {
    const catchAll = [...seen.entries()].find(([pattern]) => isCatchAll(pattern));
    if (catchAll !== undefined) {
      fail(items[index]!, `ttlPolicy.rules[${index}]`, `never applies: rules[${catchAll[1]}] matches every key ("${catchAll[0]}") and the first matching rule wins`, 'move catch-all rules to the end');
    }
    const repeated = rule.match.every((pattern) => seen.has(pattern));
    if (repeated) {
      fail(items[index]!, `ttlPolicy.rules[${index}]`, `never applies: rules[${seen.get(rule.match[0]!)}] already matches ${rule.match.map((p) => `"${p}"`).join(', ')} and the first matching rule wins`);
    }
    for (const pattern of rule.match) if (!seen.has(pattern)) seen.set(pattern, index);
  });
}

function isCatchAll(pattern: string): boolean {
  return /^\*+$/.test(pattern);
}

export interface RuleSetOptions {
  policy?: TtlPolicy;
  /** --allow globs (before the policy's own). */
  allow?: string[];
  /** --max-ttl: wins over the policy's maxTtl. */
  maxTtlMs?: number;
  /** --fail-on-missing: wins over the policy's failOn, not over a rule's own. */
  failOn?: Threshold;
}

/**
 * The rules in the order they are tried, first match wins: exemptions (--allow, then the policy's
 * `allow`), the policy's rules in file order, then the default rule (TTL required) for every other
 * key, unless the policy ends with a catch-all of its own.
 */
export function buildRules(options: RuleSetOptions): TtlRule[] {
  const policy = options.policy;
  const defaultMax = options.maxTtlMs ?? policy?.maxTtlMs ?? null;
  const defaultFailOn = options.failOn ?? policy?.failOn ?? ZERO_TOLERANCE;
  const rules: TtlRule[] = [];
  const exemptions = [...(options.allow ?? []).map((pattern) => ({ pattern, origin: '--allow' })), ...(policy?.allow ?? [])];
  for (const { pattern, origin } of exemptions) {
    if (rules.some((rule) => rule.match[0] === pattern)) continue;
    rules.push({ name: `allow ${pattern}`, source: 'allow', match: [pattern], requireTtl: false, maxTtlMs: null, failOn: defaultFailOn, description: 'exempt: may live without an expiry', origin });
  }
  for (const rule of policy?.rules ?? []) {
    rules.push({
      name: rule.name ?? rule.match.join(', '),
      source: 'policy',
      match: rule.match,
      requireTtl: rule.requireTtl,
      maxTtlMs: rule.maxTtlMs === undefined ? defaultMax : rule.maxTtlMs,
      failOn: rule.failOn ?? defaultFailOn,
      description: rule.description ?? null,
      origin: rule.origin,
    });
  }
  const last = policy?.rules[policy.rules.length - 1];
  if (last === undefined || !last.match.some(isCatchAll)) {
    rules.push({ name: DEFAULT_RULE_NAME, source: 'default', match: ['*'], requireTtl: true, maxTtlMs: defaultMax, failOn: defaultFailOn, description: 'every other key must expire', origin: null });
  }
  const names = new Set<string>();
  for (const rule of rules) {
    if (names.has(rule.name)) {
      throw new CachectlError('CONFIG', `two TTL rules are named "${rule.name}"${rule.origin === null ? '' : ` (the second at ${rule.origin})`}`, {
        hint: 'give the rules distinct "name"s: reports identify rules by name',
      });
    }
    names.add(rule.name);
  }
  return rules;
}

type KeyTest = (key: Buffer) => boolean;

/** Most rule patterns are `prefix*` or a literal: those are tested with a byte comparison, not the glob matcher. */
function compilePattern(pattern: string): KeyTest {
  if (isCatchAll(pattern)) return () => true;
  const bytes = Buffer.from(pattern, 'utf8');
  const prefix = globLiteralPrefix(bytes);
  const special = firstSpecial(bytes);
  if (special < 0) return (key) => key.equals(prefix);
  if (special === bytes.length - 1 && bytes[special] === 0x2a) {
    return (key) => key.length >= prefix.length && prefix.compare(key, 0, prefix.length) === 0;
  }
  return (key) => key.length >= prefix.length && prefix.compare(key, 0, prefix.length) === 0 && globMatch(bytes, key);
}

/** Index of the first unescaped `*`, `?` or `[`, or -1. */
function firstSpecial(pattern: Buffer): number {
  for (let i = 0; i < pattern.length; i += 1) {
    const byte = pattern[i];
    if (byte === 0x5c) i += 1;
    else if (byte === 0x2a || byte === 0x3f || byte === 0x5b) return i;
  }
  return -1;
}

/** Finds the rule governing a key; built once per audit and called for every key. */
export class RuleMatcher {
  private readonly tests: { rule: number; test: KeyTest }[];
  private readonly fallback: number;
  /** The shortest maximum TTL of any rule (Infinity when none): keys with a TTL up to it pass every rule. */
  readonly flagAbove: number;

  constructor(readonly rules: readonly TtlRule[]) {
    this.tests = rules.flatMap((rule, index) => rule.match.map((pattern) => ({ rule: index, test: compilePattern(pattern) })));
    // The last rule is a catch-all (see buildRules); with only one rule no test is needed at all.
    this.fallback = rules.length - 1;
    this.flagAbove = Math.min(Infinity, ...rules.map((rule) => rule.maxTtlMs ?? Infinity));
  }

  ruleFor(key: Buffer): number {
    const tests = this.tests;
    for (let i = 0; i < tests.length; i += 1) {
      const entry = tests[i]!;
      if (entry.rule === this.fallback) return entry.rule;
      if (entry.test(key)) return entry.rule;
    }
    return this.fallback;
  }
}

/** Whether `violations` out of `population` is past a threshold: more than N, or more than P%. */
export function exceedsThreshold(threshold: Threshold, violations: number, population: number): boolean {
  if (threshold.kind === 'count') return violations > threshold.value;
  return population > 0 && (violations / population) * 100 > threshold.value;
}

/** `0`, `10`, `2.5%`: as the user would write it. */
export function formatThreshold(threshold: Threshold): string {
  return threshold.kind === 'count' ? threshold.value.toLocaleString('en-US') : `${threshold.value}%`;
}
