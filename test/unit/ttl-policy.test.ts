import { describe, expect, it } from 'vitest';
import { CachectlError, ExitCode } from '../../src/base/errors.js';
import type { TtlPolicy } from '../../src/core/audit/ttl-policy.js';
import { buildRules, exceedsThreshold, formatThreshold, parseTtlPolicy, RuleMatcher, ZERO_TOLERANCE } from '../../src/core/audit/ttl-policy.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const EXAMPLE = `{
  "ttlPolicy": {
    "maxTtl": "30d",
    "failOn": "0.5%",
    "allow": ["lock:*"],
    "rules": [
      { "name": "sessions", "match": "app:v2:session:*", "maxTtl": "24h", "description": "a day at most" },
      { "match": ["config:*", "feature:*"], "requireTtl": false },
      { "match": "cache:*", "failOn": 10, "maxTtl": null }
    ]
  }
}`;

function configError(text: string, file = 'policy.json'): CachectlError {
  try {
    parseTtlPolicy(text, file);
  } catch (error) {
    if (error instanceof CachectlError) return error;
    throw error;
  }
  throw new Error('expected the policy to be rejected');
}

describe('parseTtlPolicy', () => {
  it('reads every field of the documented example', () => {
    const policy = parseTtlPolicy(EXAMPLE, '.cachectl.json')!;
    expect(policy.file).toBe('.cachectl.json');
    expect(policy.maxTtlMs).toBe(30 * DAY);
    expect(policy.failOn).toEqual({ kind: 'percent', value: 0.5 });
    expect(policy.allow).toEqual([{ pattern: 'lock:*', origin: '.cachectl.json:5:15' }]);
    expect(policy.rules).toEqual([
      { name: 'sessions', match: ['app:v2:session:*'], requireTtl: true, maxTtlMs: DAY, description: 'a day at most', origin: '.cachectl.json:7:7' },
      { match: ['config:*', 'feature:*'], requireTtl: false, origin: '.cachectl.json:8:7' },
      { match: ['cache:*'], requireTtl: true, failOn: { kind: 'count', value: 10 }, maxTtlMs: null, origin: '.cachectl.json:9:7' },
    ]);
  });

  it('returns undefined for a project file without a ttlPolicy section', () => {
    expect(parseTtlPolicy('{}', '.cachectl.json')).toBeUndefined();
  });

  it('accepts a policy with no rules (only the default applies)', () => {
    expect(parseTtlPolicy('{"ttlPolicy": {}}', 'p.json')).toEqual({ file: 'p.json', allow: [], rules: [] });
  });

  it.each([
    ['invalid JSON, with line and column', '{\n  "ttlPolicy": {\n    "rules": [,]\n  }\n}', 'policy.json:3:15: invalid JSON'],
    ['an unknown top-level field', '{"ttlPolicy": {}, "ttlpolicy": {}}', 'policy.json:1:19: ttlpolicy is not a known field'],
    ['an unknown policy field', '{"ttlPolicy": {\n  "maxTTL": "1d"\n}}', 'policy.json:2:3: ttlPolicy.maxTTL is not a known field'],
    ['an unknown rule field', '{"ttlPolicy": {"rules": [\n {"match": "a:*", "max": "1h"}\n]}}', 'policy.json:2:19: ttlPolicy.rules[0].max is not a known field'],
    ['a rule without match', '{"ttlPolicy": {"rules": [{"maxTtl": "1h"}]}}', 'policy.json:1:26: ttlPolicy.rules[0] has no "match"'],
    ['an empty match list', '{"ttlPolicy": {"rules": [{"match": []}]}}', 'policy.json:1:36: ttlPolicy.rules[0].match must be a key pattern or a non-empty array'],
    ['an empty pattern', '{"ttlPolicy": {"rules": [{"match": ["a:*", ""]}]}}', 'policy.json:1:44: ttlPolicy.rules[0].match[1] must be a non-empty string'],
    ['a number as duration', '{"ttlPolicy": {"maxTtl": 3600}}', 'policy.json:1:26: ttlPolicy.maxTtl must be a duration string such as "24h", got a number (3600)'],
    ['an unparseable duration', '{"ttlPolicy": {"rules": [{"match": "a:*", "maxTtl": "3x"}]}}', 'policy.json:1:53: ttlPolicy.rules[0].maxTtl expects a duration such as 500ms, 30s, 5m, 24h or 30d, got "3x"'],
    ['a zero duration', '{"ttlPolicy": {"maxTtl": "0s"}}', 'ttlPolicy.maxTtl must be longer than 0'],
    ['null as the policy-wide maximum', '{"ttlPolicy": {"maxTtl": null}}', 'ttlPolicy.maxTtl must be a duration string'],
    ['a bad threshold', '{"ttlPolicy": {"failOn": "5 percent"}}', 'policy.json:1:26: ttlPolicy.failOn expects a count such as 10 or a percentage such as 2.5%'],
    ['a fractional count', '{"ttlPolicy": {"failOn": 1.5}}', 'ttlPolicy.failOn expects a count'],
    ['a percentage over 100', '{"ttlPolicy": {"failOn": "150%"}}', 'ttlPolicy.failOn expects a count'],
    ['requireTtl as a string', '{"ttlPolicy": {"rules": [{"match": "a:*", "requireTtl": "no"}]}}', 'ttlPolicy.rules[0].requireTtl must be true or false, got a string ("no")'],
    ['rules that are not an array', '{"ttlPolicy": {"rules": {"match": "a:*"}}}', 'ttlPolicy.rules must be an array of rules, got an object'],
    ['a policy that is not an object', '{"ttlPolicy": []}', 'policy.json:1:15: ttlPolicy must be a JSON object, got an array'],
    ['a file that is not an object', '[1]', 'policy.json:1:1: the file must be a JSON object'],
    ['a field given twice', '{"ttlPolicy": {"rules": [], "rules": []}}', 'policy.json:1:29: invalid JSON: field "rules" is given twice'],
    ['a rule after a catch-all', '{"ttlPolicy": {"rules": [\n {"match": "*"},\n {"match": "a:*"}\n]}}', 'policy.json:3:2: ttlPolicy.rules[1] never applies: rules[0] matches every key ("*")'],
    ['a rule repeating an earlier pattern', '{"ttlPolicy": {"rules": [{"match": ["a:*", "b:*"]}, {"match": "b:*", "maxTtl": "1h"}]}}', 'ttlPolicy.rules[1] never applies: rules[0] already matches "b:*"'],
  ])('rejects %s with the file, position and field', (_what, text, message) => {
    const error = configError(text);
    expect(error.code).toBe('CONFIG');
    expect(error.exitCode).toBe(ExitCode.Error);
    expect(error.message).toContain(message);
    expect(error.hint).toBeTruthy();
  });
});

describe('buildRules', () => {
  const policy = parseTtlPolicy(EXAMPLE, '.cachectl.json')!;

  it('orders exemptions, policy rules, then the default rule', () => {
    const rules = buildRules({ policy, allow: ['tmp:*'] });
    expect(rules.map((rule) => [rule.name, rule.source])).toEqual([
      ['allow tmp:*', 'allow'],
      ['allow lock:*', 'allow'],
      ['sessions', 'policy'],
      ['config:*, feature:*', 'policy'],
      ['cache:*', 'policy'],
      ['default', 'default'],
    ]);
  });

  it('resolves maxTtl: the rule own, else --max-ttl, else the policy-wide value; null means none', () => {
    const fromPolicy = buildRules({ policy });
    expect(fromPolicy.map((rule) => rule.maxTtlMs)).toEqual([null, DAY, 30 * DAY, null, 30 * DAY]);
    const fromFlag = buildRules({ policy, maxTtlMs: 7 * DAY });
    expect(fromFlag.map((rule) => rule.maxTtlMs)).toEqual([null, DAY, 7 * DAY, null, 7 * DAY]);
    expect(buildRules({}).map((rule) => rule.maxTtlMs)).toEqual([null]);
  });

  it('resolves failOn: the rule own, else --fail-on-missing, else the policy-wide value, else zero tolerance', () => {
    const pct = (value: number) => ({ kind: 'percent', value });
    expect(buildRules({ policy }).map((rule) => rule.failOn)).toEqual([pct(0.5), pct(0.5), pct(0.5), { kind: 'count', value: 10 }, pct(0.5)]);
    expect(buildRules({ policy, failOn: { kind: 'count', value: 3 } }).at(-1)!.failOn).toEqual({ kind: 'count', value: 3 });
    expect(buildRules({}).at(-1)!.failOn).toEqual(ZERO_TOLERANCE);
  });

  it('lets a policy that ends with a catch-all replace the default rule', () => {
    const own = parseTtlPolicy('{"ttlPolicy": {"rules": [{"match": "a:*", "requireTtl": false}, {"name": "rest", "match": "*", "maxTtl": "1h"}]}}', 'p.json')!;
    const rules = buildRules({ policy: own });
    expect(rules.map((rule) => rule.name)).toEqual(['a:*', 'rest']);
    expect(rules[1]).toMatchObject({ requireTtl: true, maxTtlMs: HOUR, source: 'policy' });
  });

  it('does not repeat an exemption given both as --allow and in the policy', () => {
    const rules = buildRules({ policy, allow: ['lock:*'] });
    expect(rules.filter((rule) => rule.source === 'allow')).toHaveLength(1);
  });

  it('rejects two rules with the same name', () => {
    const twice = parseTtlPolicy('{"ttlPolicy": {"rules": [{"name": "x", "match": "a:*"}, {"name": "x", "match": "b:*"}]}}', 'p.json')!;
    expect(() => buildRules({ policy: twice })).toThrow(/two TTL rules are named "x" \(the second at p\.json:1:57\)/);
  });
});

describe('RuleMatcher', () => {
  const policy = parseTtlPolicy(EXAMPLE, '.cachectl.json')!;
  const rules = buildRules({ policy, allow: ['app:v2:session:admin:*'] });
  const matcher = new RuleMatcher(rules);
  const ruleOf = (key: string | Buffer) => rules[matcher.ruleFor(typeof key === 'string' ? Buffer.from(key) : key)]!.name;

  it('gives each key the first rule that matches it', () => {
    expect(ruleOf('app:v2:session:admin:1')).toBe('allow app:v2:session:admin:*');
    expect(ruleOf('app:v2:session:42')).toBe('sessions');
    expect(ruleOf('lock:job:7')).toBe('allow lock:*');
    expect(ruleOf('feature:dark-mode')).toBe('config:*, feature:*');
    expect(ruleOf('config:')).toBe('config:*, feature:*');
    expect(ruleOf('cache:page:1')).toBe('cache:*');
    expect(ruleOf('app:v2:user:1')).toBe('default');
    expect(ruleOf('')).toBe('default');
  });

  it('uses Redis glob semantics for patterns beyond prefix*', () => {
    const globRules = buildRules({ allow: ['user:[0-9]*:tmp', 'exact\\*key', 'a?c'] });
    const globMatcher = new RuleMatcher(globRules);
    const nameOf = (key: string) => globRules[globMatcher.ruleFor(Buffer.from(key))]!.name;
    expect(nameOf('user:12:tmp')).toBe('allow user:[0-9]*:tmp');
    expect(nameOf('user:x2:tmp')).toBe('default');
    expect(nameOf('user:12:tmpx')).toBe('default');
    expect(nameOf('exact*key')).toBe('allow exact\\*key');
    expect(nameOf('exactXkey')).toBe('default');
    expect(nameOf('abc')).toBe('allow a?c');
    expect(nameOf('abcd')).toBe('default');
  });

  it('matches binary keys byte for byte', () => {
    const binaryRules = buildRules({ allow: ['bin:*'] });
    const binaryMatcher = new RuleMatcher(binaryRules);
    expect(binaryMatcher.ruleFor(Buffer.from([0x62, 0x69, 0x6e, 0x3a, 0xff, 0x00]))).toBe(0);
    expect(binaryMatcher.ruleFor(Buffer.from([0xff, 0x62, 0x69, 0x6e, 0x3a]))).toBe(1);
  });

  it('asks the server for exact PTTLs above the shortest maximum of any rule', () => {
    expect(matcher.flagAbove).toBe(DAY);
    expect(new RuleMatcher(buildRules({})).flagAbove).toBe(Infinity);
    expect(new RuleMatcher(buildRules({ maxTtlMs: HOUR })).flagAbove).toBe(HOUR);
  });
});

describe('exceedsThreshold', () => {
  it('fails a count threshold only past the count', () => {
    expect(exceedsThreshold(ZERO_TOLERANCE, 0, 100)).toBe(false);
    expect(exceedsThreshold(ZERO_TOLERANCE, 1, 100)).toBe(true);
    expect(exceedsThreshold({ kind: 'count', value: 10 }, 10, 100)).toBe(false);
    expect(exceedsThreshold({ kind: 'count', value: 10 }, 11, 100)).toBe(true);
  });

  it('fails a percentage only past the share of the population', () => {
    expect(exceedsThreshold({ kind: 'percent', value: 1 }, 1, 100)).toBe(false);
    expect(exceedsThreshold({ kind: 'percent', value: 1 }, 2, 100)).toBe(true);
    expect(exceedsThreshold({ kind: 'percent', value: 0.5 }, 6, 1000)).toBe(true);
    expect(exceedsThreshold({ kind: 'percent', value: 0 }, 1, 1_000_000)).toBe(true);
    expect(exceedsThreshold({ kind: 'percent', value: 0 }, 0, 0)).toBe(false);
    expect(exceedsThreshold({ kind: 'percent', value: 100 }, 5, 5)).toBe(false);
  });

  it('formats thresholds the way they are written', () => {
    expect(formatThreshold({ kind: 'count', value: 1500 })).toBe('1,500');
    expect(formatThreshold({ kind: 'percent', value: 2.5 })).toBe('2.5%');
  });
});

// A type-level check that the example above stays a complete TtlPolicy.
const _typed: TtlPolicy | undefined = parseTtlPolicy(EXAMPLE, 'x');
void _typed;
