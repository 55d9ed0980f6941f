import { describe, expect, it } from 'vitest';
import { TTL_GONE, TTL_NONE, TTL_WITHIN } from '../../src/core/scan/scan-batch.js';
import type { InstantFigure } from '../../src/core/audit/ttl-audit.js';
import { incompleteVerdict, quickReport } from '../../src/core/audit/ttl-audit.js';
import { buildRules, parseTtlPolicy } from '../../src/core/audit/ttl-policy.js';
import { renderAuditJunit, xmlEscape } from '../../src/render/audit-junit.js';
import { code, inline, renderAuditMarkdown } from '../../src/render/audit-markdown.js';
import { renderAuditTable } from '../../src/render/audit-table.js';
import { namespaceText, ruleRequirement } from '../../src/render/ttl-audit-text.js';
import { auditBatches, batch } from '../helpers/audit-report.js';
import { keyBatch } from '../helpers/key-batch.js';
import { findAll, parseXml, XmlError } from '../helpers/xml.js';

const HOUR = 3_600_000;

// Names and keys chosen to break naive escaping: markup, quotes, `]]>`, pipes, backticks,
// control and invalid-UTF-8 bytes, and U+FFFE (valid UTF-8, but not allowed in XML 1.0).
const NASTY_KEYS: [Buffer, number][] = [
  [Buffer.from('x<&>"\':1'), TTL_NONE],
  [Buffer.from('cdata]]>end:2'), TTL_NONE],
  [Buffer.from('pipe|and`tick`:3'), TTL_NONE],
  [Buffer.from([0x62, 0x69, 0x6e, 0x3a, 0x00, 0xff, 0x1b, 0x0a]), TTL_NONE],
  [Buffer.from('odd\uFFFE:4', 'utf8'), TTL_NONE],
  [Buffer.from('café:5', 'utf8'), TTL_NONE],
];

const policy = parseTtlPolicy(
  JSON.stringify({ ttlPolicy: { rules: [{ name: '<sessions> & "co"', match: 'sess:*', maxTtl: '1h' }, { match: 'config:*', requireTtl: false }] } }),
  'policy.json',
)!;

function failingReport() {
  return auditBatches({
    rules: { policy, allow: ['lock:*'] },
    policyFile: 'policy.json',
    shards: {
      a: [
        batch([
          ...NASTY_KEYS,
          ['sess:1', 2 * HOUR],
          ['sess:2', TTL_WITHIN],
          ['config:a', TTL_NONE],
          ['lock:1', TTL_NONE],
          ['fine:1', TTL_WITHIN],
          ['gone:1', TTL_GONE],
        ]),
      ],
    },
  });
}

describe('renderAuditJunit', () => {
  it('writes well-formed XML whose counts match its test cases', () => {
    const report = failingReport();
    const root = parseXml(renderAuditJunit(report, new Date('2026-01-02T03:04:05Z')));
    expect(root.name).toBe('testsuites');
    const cases = findAll(root, 'testcase');
    const failures = findAll(root, 'failure');
    expect(root.attributes.tests).toBe(String(cases.length));
    expect(root.attributes.failures).toBe(String(failures.length));
    expect(root.attributes.errors).toBe('0');
    for (const suite of findAll(root, 'testsuite')) {
      expect(suite.attributes.tests).toBe(String(findAll(suite, 'testcase').length));
      expect(suite.attributes.failures).toBe(String(findAll(suite, 'failure').length));
      expect(suite.attributes.timestamp).toBe('2026-01-02T03:04:05');
    }
  });

  it('has one case per rule and one per namespace, failing exactly where the gate failed', () => {
    const report = failingReport();
    const root = parseXml(renderAuditJunit(report));
    const [rules, namespaces] = findAll(root, 'testsuite');
    const ruleCases = findAll(rules!, 'testcase');
    expect(ruleCases.map((test) => test.attributes.name)).toEqual(report.rules.map((rule) => `${rule.name}: ${ruleRequirement(rule)}`));
    const failedRules = ruleCases.filter((test) => findAll(test, 'failure').length > 0).map((test) => test.attributes.name);
    expect(failedRules).toEqual(['<sessions> & "co": TTL required, at most 1h', 'default: TTL required']);
    const nsCases = findAll(namespaces!, 'testcase');
    expect(nsCases).toHaveLength(report.namespaces.length);
    const failedNamespaces = nsCases.filter((test) => findAll(test, 'failure').length > 0).map((test) => test.attributes.name);
    const offending = report.namespaces.filter((row) => row.violations > 0).map((row) => row.namespace.replace('\uFFFE', '\\ufffe'));
    expect(failedNamespaces.sort()).toEqual(offending.sort());
    // Exempt keys without TTL (config:*, lock:*) never fail a case.
    expect(failedNamespaces).not.toContain('config:a');
  });

  it('escapes names and keys so a reader sees them exactly (invalid XML characters as visible escapes)', () => {
    const report = failingReport();
    const root = parseXml(renderAuditJunit(report));
    const names = findAll(root, 'testcase').map((test) => test.attributes.name);
    expect(names).toContain('x<&>"\':‹id›');
    expect(names).toContain('cdata]]>end:‹id›');
    expect(names).toContain('odd\\ufffe:‹id›');
    expect(names).toContain('café:‹id›');
    const bodies = findAll(root, 'failure').map((failure) => failure.text).join('\n');
    // Binary keys read as redis-cli prints them: ASCII only, bytes escaped.
    expect(bodies).toContain('"bin:\\x00\\xff\\x1b\\n"');
    expect(bodies).toContain('"caf\\xc3\\xa9:5"');
    expect(bodies).toContain('"odd\\xef\\xbf\\xbe:4"');
    expect(bodies).toContain('x<&>"\':1');
    expect(bodies).toContain('sess:1 (TTL 2h)');
  });

  it('marks an interrupted or incomplete scan as an error case', () => {
    const report = { ...failingReport(), status: 'incomplete' as const };
    const root = parseXml(renderAuditJunit(report));
    expect(findAll(root, 'error')).toHaveLength(1);
    expect(root.attributes.errors).toBe('1');
  });

  it('reports a --quick run as one case', () => {
    const instant: InstantFigure = { db: 0, keys: 10, expires: 4, noExpiry: 6, share: 0.6, nodes: [{ node: 'n', db: 0, keys: 10, expires: 4, noExpiry: 6, subexpiry: null }], subexpiry: null, errors: [] };
    const report = quickReport({ kind: 'cluster', db: 0 }, instant, buildRules({}), { failIfEmpty: false }, {});
    const root = parseXml(renderAuditJunit(report));
    const cases = findAll(root, 'testcase');
    expect(cases).toHaveLength(1);
    expect(findAll(cases[0]!, 'failure')[0]!.attributes.message).toBe(report.verdict.summary);
  });

  it('xmlEscape leaves nothing a parser would reject', () => {
    const all = Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(i)).join('') + '\uFFFE\uFFFF\uD800x\uDC00' + '😀';
    const escaped = xmlEscape(all);
    const root = parseXml(`<a b="${escaped}">${escaped}</a>`);
    expect(root.attributes.b).toBe(root.text);
    expect(root.text).toContain('\\u0000');
    expect(root.text).toContain('\\ufffe');
    expect(root.text).toContain('😀');
    for (const char of '<&>"\'') expect(root.text).toContain(char);
  });
});

describe('the strict XML checker used above', () => {
  it.each([
    ['<a><b></a></b>', 'closes'],
    ['<a b="1" b="2"/>', 'given twice'],
    ['<a>x & y</a>', 'reference'],
    ['<a b="<"/>', '"<"'],
    ['<a>]]></a>', ']]>'],
    ['<a>\u0001</a>', 'not allowed'],
    ['<a/><b/>', 'after the root'],
    ['<a>&foo;</a>', 'unknown entity'],
    ['<a>&#0;</a>', 'not an XML character'],
    ['<a b=1/>', 'quoted'],
  ])('rejects %j', (text, message) => {
    expect(() => parseXml(text)).toThrow(XmlError);
    expect(() => parseXml(text)).toThrow(message);
  });
});

/** Splits a GFM table row on unescaped pipes. */
function cells(line: string): string[] {
  return line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim());
}

describe('renderAuditMarkdown', () => {
  it('leads with the verdict and gives tables with a consistent column count', () => {
    const report = failingReport();
    const markdown = renderAuditMarkdown(report);
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('### ❌ cachectl audit-ttl: FAIL');
    expect(lines[2]).toContain('FAIL: rule "<sessions\\> & "co"'.replace('<', '\\<'));
    const tables = markdown.split('\n\n').filter((block) => block.startsWith('|'));
    expect(tables).toHaveLength(2);
    for (const table of tables) {
      const rows = table.split('\n').filter((line) => line !== '');
      const width = cells(rows[0]!).length;
      for (const row of rows) expect(cells(row), row).toHaveLength(width);
    }
    const ruleRows = tables[0]!.trimEnd().split('\n').slice(2);
    expect(ruleRows).toHaveLength(report.rules.length);
    const namespaceRows = tables[1]!.trimEnd().split('\n').slice(2);
    expect(namespaceRows).toHaveLength(report.namespaces.filter((row) => row.violations > 0).length);
  });

  it('shows keys in code spans that survive pipes and backticks', () => {
    const markdown = renderAuditMarkdown(failingReport());
    expect(markdown).toContain('``pipe\\|and`tick`:3``');
    expect(markdown).toContain('`"bin:\\x00\\xff\\x1b\\n"`');
    expect(code('`edge`')).toBe('`` `edge` ``');
    expect(code('')).toBe('` `');
  });

  it('says so when everything passes', () => {
    const report = auditBatches({ shards: { a: [batch([['k:1', TTL_WITHIN]])] } });
    const markdown = renderAuditMarkdown(report);
    expect(markdown.split('\n')[0]).toBe('### ✅ cachectl audit-ttl: pass');
    expect(markdown).toContain('No namespace has violations.');
  });

  it('limits namespace rows to --top and says how many more there are', () => {
    const keys = Array.from({ length: 30 }, (_, i): [string, number] => [`ns${i}:1`, TTL_NONE]);
    const markdown = renderAuditMarkdown(auditBatches({ shards: { a: [batch(keys)] } }), { top: 5 });
    expect(markdown).toContain('…and 25 more namespaces with violations');
  });
});

describe('renderAuditTable', () => {
  it('shows namespaces, rules and the verdict, without colour codes when colour is off', () => {
    const report = failingReport();
    const text = renderAuditTable(report, { color: false, top: 20, examples: 2 });
    expect(text).not.toMatch(/\x1b\[/); // eslint-disable-line no-control-regex
    expect(text).toContain('NAMESPACE');
    expect(text).toContain('RULE');
    expect(text).toContain('"bin:\\x00\\xff\\x1b\\n"');
    expect(text.trimEnd().split('\n').at(-1)).toBe(report.verdict.summary);
    expect(text).toContain('1 expired or deleted during the scan (not counted)');
  });

  it('states 0 keys scanned plainly', () => {
    const report = auditBatches({ shards: {}, pattern: 'nothing:*' });
    const text = renderAuditTable(report, { color: false, top: 20, examples: 3 });
    expect(text).toContain('0 keys scanned (nothing matched "nothing:*")');
    expect(text).toContain('PASS: 0 keys scanned, no violations');
  });

  it('states a sample, its size and the estimate', () => {
    const keys = Array.from({ length: 10 }, (_, i): [string, number] => [`k:${i}`, i === 0 ? TTL_NONE : TTL_WITHIN]);
    const report = auditBatches({ shards: { a: [batch(keys)] }, limit: 10, dbsize: 1000 });
    const text = renderAuditTable(report, { color: false, top: 20, examples: 3 });
    expect(text).toContain('a sample of 10 keys (--limit; 1,000 keys on the nodes, ~1,000 keys estimated)');
    expect(text).toContain('~100');
  });
});

describe('inline Markdown escaping', () => {
  it.each([
    ['a *b* _c_ `d` [e](f) <g> h|i ~~j~~ \\', 'a \\*b\\* \\_c\\_ \\`d\\` \\[e\\](f) \\<g\\> h\\|i \\~\\~j\\~\\~ \\\\'],
    ['# not a heading', '\\# not a heading'],
    ['- not a list', '\\- not a list'],
    ['1. not a list', '1\\. not a list'],
    ['1,000 keys (9.1%) — fine', '1,000 keys (9.1%) — fine'],
    ['two\nlines', 'two lines'],
  ])('%j', (text, escaped) => {
    expect(inline(text)).toBe(escaped);
  });
});

describe('reports that stay readable on real keyspaces', () => {
  const many = () =>
    auditBatches({
      shards: { a: [batch([...Array.from({ length: 300 }, (_, i): [string, number] => [`kind${i}x:1`, TTL_NONE]), [`huge:${'k'.repeat(100_000)}`, TTL_NONE]])] },
    });

  it('keeps the Markdown report under 60,000 characters, shortening long names and saying so', () => {
    const report = many();
    const text = renderAuditMarkdown(report, { top: 1000 });
    expect(text.length).toBeLessThan(60_000);
    expect(text).toContain('long key or namespace names were shortened');
    // Rows stop where the size limit would be passed, and a line says how many were left out.
    const small = renderAuditMarkdown(report, { top: 1000, maxChars: 5_000 });
    expect(small.length).toBeLessThanOrEqual(5_000);
    expect(small).toMatch(/…and [\d,]+ more namespaces with violations/);
  });

  it('lists one JUnit case per rule and at most --junit-cases namespace cases, summing the rest', () => {
    const report = many();
    const xml = renderAuditJunit(report, new Date(0), { namespaceCases: 5 });
    const cases = findAll(parseXml(xml), 'testcase');
    expect(cases.length).toBe(report.rules.length + 5);
    expect(xml).toContain('… 296 more namespaces (not listed, --junit-cases 5)');
  });
});

describe('incompleteVerdict', () => {
  it('never lets an incomplete or interrupted audit pass, and keeps what failed so far', () => {
    expect(incompleteVerdict({ result: 'pass', failed: [], summary: 'PASS: 3 keys scanned, no violations' }, 'complete').result).toBe('pass');
    const incomplete = incompleteVerdict({ result: 'pass', failed: [], summary: 'PASS: 3 keys scanned, no violations' }, 'incomplete');
    expect(incomplete).toEqual({ result: 'incomplete', failed: [], summary: 'INCOMPLETE: a node could not be fully scanned, so the audit cannot pass (3 keys scanned, no violations)' });
    const failedSoFar = incompleteVerdict({ result: 'fail', failed: ['default'], summary: 'FAIL: x' }, 'partial');
    expect(failedSoFar.result).toBe('incomplete');
    expect(failedSoFar.summary).toContain('rules failed on the keys scanned: default');
  });
});

describe('types and rolled-up rows in every format', () => {
  const report = () =>
    auditBatches({
      shards: {
        a: [
          keyBatch([
            ...Array.from({ length: 20 }, (_, i) => ({ key: `tenants:t${'abcdefghijklmnopqrst'[i]!}x:cfg`, type: 'hash' as const })),
            { key: 'q:1', type: 'zset' },
            { key: 'q:2', type: 'list' },
            { key: 'q:3', type: 'list' },
          ]),
        ],
      },
    });

  it('table: a TYPES column with the flagged keys’ types, and the values a ‹var› row stands for', () => {
    const text = renderAuditTable(report(), { color: false, top: 20, examples: 1 });
    const header = text.split('\n').find((line) => line.includes('NAMESPACE'))!;
    expect(header).toContain('TYPES');
    const tenants = text.split('\n').find((line) => line.includes('tenants:‹var›:cfg'))!;
    expect(tenants).toContain('tenants:‹var›:cfg (20 values)');
    expect(tenants).toMatch(/\bhash\b/);
    expect(text.split('\n').find((line) => line.includes('q:‹id›'))).toContain('list 2, zset 1');
  });

  it('JSON rows carry flaggedTypes and distinctValues', () => {
    const rows = report().namespaces;
    expect(rows[0]).toMatchObject({ namespace: 'tenants:‹var›:cfg', flaggedTypes: { hash: 20 }, distinctValues: 20 });
    expect(rows[1]).toMatchObject({ namespace: 'q:‹id›', flaggedTypes: { list: 2, zset: 1 } });
  });

  it('a ‹var› row past the values a scan remembers says its count is a lower bound, in every renderer', () => {
    const bounded = report();
    Object.assign(bounded.namespaces[0]!, { distinctValues: 1_000_000, distinctValuesAtLeast: true });
    expect(namespaceText(bounded.namespaces[0]!)).toBe('tenants:‹var›:cfg (≥1,000,000 values)');
    expect(renderAuditTable(bounded, { color: false, top: 20, examples: 1 })).toContain('tenants:‹var›:cfg (≥1,000,000 values)');
    expect(renderAuditMarkdown(bounded)).toContain('`tenants:‹var›:cfg (≥1,000,000 values)`');
    expect(renderAuditJunit(bounded)).toContain('‹var› stands for ≥1,000,000 values');
  });

  it('Markdown: a Types column, and the values a ‹var› row stands for', () => {
    const markdown = renderAuditMarkdown(report());
    expect(markdown).toContain('| Namespace | Rule | Keys | No TTL | TTL too long | Violating | Types | Examples |');
    expect(markdown).toContain('`tenants:‹var›:cfg (20 values)`');
    expect(markdown).toContain('| list 2, zset 1 |');
  });
});
