// The TTL audit as a JUnit XML report, for CI systems that show test results: one test case per
// rule (fails when the rule's gate fails) and one for each of the worst namespaces (at most
// --junit-cases; fails when it holds violations of a failed rule). Pure: report in, XML text out.

import type { RunTarget } from '../connection/target.js';
import { formatTarget } from '../connection/target.js';
import { formatShare } from '../base/units.js';
import type { TtlAuditReport } from '../core/audit/ttl-audit.js';
import { formatThreshold } from '../core/audit/ttl-policy.js';
import { count, distinctValuesText, exampleText, flaggedTypesText, instantLine, ruleRequirement, scopeLine, statusNote } from './ttl-audit-text.js';

interface TestCase {
  classname: string;
  name: string;
  failure?: { message: string; body: string };
  error?: { message: string; body: string };
  output?: string;
}

/** Namespace test cases in a JUnit report unless --junit-cases says otherwise: CI views stay readable. */
export const DEFAULT_JUNIT_CASES = 10;

export function renderAuditJunit(report: TtlAuditReport, timestamp: Date = new Date(), options: { namespaceCases?: number; target?: RunTarget } = {}): string {
  const namespaceLimit = options.namespaceCases ?? DEFAULT_JUNIT_CASES;
  const seconds = (report.durationMs / 1000).toFixed(3);
  const suites: { name: string; cases: TestCase[] }[] = [];

  const ruleCases: TestCase[] = [];
  const scope = scopeLine(report);
  const note = statusNote(report);
  if (note !== undefined) {
    ruleCases.push({ classname: 'cachectl.audit-ttl', name: 'scan complete', error: { message: note, body: report.nodes.filter((n) => n.error !== null).map((n) => `${n.node}: ${n.error?.message ?? ''}`).join('\n') } });
  }
  if (report.mode === 'quick' && report.instant !== null) {
    const quick: TestCase = { classname: 'cachectl.audit-ttl', name: 'keys without expiry (INFO keyspace)', output: instantLine(report.instant) };
    if (report.verdict.result === 'fail') quick.failure = { message: report.verdict.summary, body: instantLine(report.instant) };
    ruleCases.push(quick);
  }
  if (report.verdict.failed.includes('--fail-if-empty')) {
    ruleCases.push({ classname: 'cachectl.audit-ttl', name: 'keys were scanned (--fail-if-empty)', failure: { message: report.verdict.summary, body: scope } });
  }
  for (const rule of report.rules) {
    const test: TestCase = {
      classname: 'cachectl.audit-ttl.rules',
      name: `${rule.name}: ${ruleRequirement(rule)}`,
      output: `${count(rule.keys)} keys, ${count(rule.violations)} violations (${formatShare(rule.share)})${rule.source === 'allow' ? '' : `, allowed ${formatThreshold(rule.failOn)}`}${rule.origin === null ? '' : `; defined at ${rule.origin}`}`,
    };
    if (rule.verdict === 'fail') {
      const offenders = report.namespaces.filter((row) => row.rule === rule.name && row.violations > 0).slice(0, 10);
      test.failure = {
        message: rule.reason ?? 'failed',
        body: [`${rule.reason ?? ''}`, ...offenders.map((row) => `  ${row.namespace}: ${count(row.violations)} of ${count(row.keys)} keys (${formatShare(row.share)})`)].join('\n'),
      };
    }
    ruleCases.push(test);
  }
  suites.push({ name: 'cachectl audit-ttl: rules', cases: ruleCases });

  if (report.mode === 'scan') {
    const failedRules = new Set(report.verdict.failed);
    // The worst namespaces only (rows are sorted worst first); the rule cases above already fail
    // for every violation, and the rest are summed in one more line of output.
    const listed = report.namespaces.slice(0, namespaceLimit);
    const rest = report.namespaces.slice(namespaceLimit);
    const namespaceCases = listed.map((row): TestCase => {
      const test: TestCase = {
        classname: `cachectl.audit-ttl.namespaces.${row.rule}`,
        name: row.namespace,
        output: `${count(row.keys)} keys, ${count(row.noTtl)} without TTL, ${count(row.ttlTooLong)} with TTL too long${Object.keys(row.flaggedTypes).length > 0 ? `; types of those: ${flaggedTypesText(row)}` : ''}${row.distinctValues === undefined ? '' : `; ‹var› stands for ${distinctValuesText(row)} values`}`,
      };
      if (row.violations > 0 && failedRules.has(row.rule)) {
        const message = `${count(row.violations)} of ${count(row.keys)} keys (${formatShare(row.share)}) break rule "${row.rule}"`;
        test.failure = { message, body: [message, 'examples:', ...row.examples.map((example) => `  ${exampleText(example)}`)].join('\n') };
      }
      return test;
    });
    if (rest.length > 0 && namespaceCases.length > 0) {
      const last = namespaceCases[namespaceCases.length - 1]!;
      const restViolations = rest.reduce((sum, row) => sum + row.violations, 0);
      const restKeys = rest.reduce((sum, row) => sum + row.keys, 0);
      last.output = `${last.output ?? ''}\n… ${count(rest.length)} more namespaces (not listed, --junit-cases ${namespaceLimit}): ${count(restKeys)} keys, ${count(restViolations)} violations`;
    }
    suites.push({ name: 'cachectl audit-ttl: namespaces', cases: namespaceCases });
  }

  const total = suites.reduce((sum, suite) => sum + suite.cases.length, 0);
  const failures = suites.reduce((sum, suite) => sum + suite.cases.filter((test) => test.failure !== undefined).length, 0);
  const errors = suites.reduce((sum, suite) => sum + suite.cases.filter((test) => test.error !== undefined).length, 0);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(`<testsuites name="cachectl audit-ttl" tests="${total}" failures="${failures}" errors="${errors}" time="${seconds}">`);
  for (const suite of suites) {
    const suiteFailures = suite.cases.filter((test) => test.failure !== undefined).length;
    const suiteErrors = suite.cases.filter((test) => test.error !== undefined).length;
    lines.push(
      `  <testsuite name="${xmlEscape(suite.name)}" tests="${suite.cases.length}" failures="${suiteFailures}" errors="${suiteErrors}" skipped="0" time="${seconds}" timestamp="${timestamp.toISOString().slice(0, 19)}">`,
    );
    lines.push('    <properties>');
    for (const [name, value] of properties(report, options.target)) lines.push(`      <property name="${xmlEscape(name)}" value="${xmlEscape(value)}"/>`);
    lines.push('    </properties>');
    for (const test of suite.cases) {
      const open = `    <testcase classname="${xmlEscape(test.classname)}" name="${xmlEscape(test.name)}" time="0"`;
      const children: string[] = [];
      if (test.failure !== undefined) children.push(`      <failure type="ttl-policy" message="${xmlEscape(test.failure.message)}">${xmlEscape(test.failure.body)}</failure>`);
      if (test.error !== undefined) children.push(`      <error type="scan" message="${xmlEscape(test.error.message)}">${xmlEscape(test.error.body)}</error>`);
      if (test.output !== undefined) children.push(`      <system-out>${xmlEscape(test.output)}</system-out>`);
      lines.push(children.length === 0 ? `${open}/>` : `${open}>\n${children.join('\n')}\n    </testcase>`);
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

function properties(report: TtlAuditReport, target: RunTarget | undefined): [string, string][] {
  const props: [string, string][] = [
    ...(target === undefined ? [] : [['target', formatTarget(target)] as [string, string]]),
    ['mode', report.mode],
    ['status', report.status],
    ['verdict', report.verdict.result],
    ['topology', report.topology],
    ['db', String(report.db)],
    ['pattern', report.pattern ?? '*'],
    ['policyFile', report.policyFile ?? ''],
    ['sampled', String(report.sampled)],
  ];
  if (report.totals !== null) {
    props.push(['scanned', String(report.totals.scanned)], ['violations', String(report.totals.violations)], ['noTtl', String(report.totals.noTtl)]);
  }
  if (report.instant !== null) props.push(['instantNoExpiry', String(report.instant.noExpiry)], ['instantKeys', String(report.instant.keys)]);
  return props;
}

// XML 1.0 allows tab, LF, CR and U+0020 and up, except lone surrogates and U+FFFE/U+FFFF; anything
// else cannot appear even as a character reference, so it is written as a visible escape instead.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text safe inside an XML attribute (double-quoted) or element: markup and invalid characters escaped. */
export function xmlEscape(text: string): string {
  return text
    .replace(XML_INVALID, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
