// cachectl diff's pure parts: reading keys/snapshot documents, comparing them, the gate's rules,
// and the Markdown size limit.
import { describe, expect, it } from 'vitest';
import { compareKeyspaces, ttlMoved } from '../../src/core/diff/diff.js';
import { evaluateGate, parseGateRule } from '../../src/core/diff/gate.js';
import { readKeyspaceDocument } from '../../src/core/diff/keyspace-doc.js';
import { renderDiffMarkdown } from '../../src/render/diff-markdown.js';
import { renderDiffTable } from '../../src/render/diff-table.js';

interface Row {
  namespace: string;
  keys: number;
  memoryBytes: number | null;
  noTtl: number;
  ttl?: { minMs: number; p50Ms: number; maxMs: number } | null;
  children?: Row[];
}

function report(rows: Row[]) {
  const full = (row: Row, depth: number): unknown => ({
    namespace: row.namespace,
    depth,
    keys: row.keys,
    keysShare: 0,
    memoryBytes: row.memoryBytes,
    memoryShare: null,
    avgBytes: null,
    types: {},
    noTtl: row.noTtl,
    ttl: row.ttl ?? null,
    example: null,
    children: (row.children ?? []).map((child) => full(child, depth + 1)),
  });
  const sum = (pick: (row: Row) => number) => rows.reduce((total, row) => total + pick(row), 0);
  return JSON.stringify({
    status: 'complete',
    sampled: false,
    scanned: sum((r) => r.keys),
    dbsize: sum((r) => r.keys),
    memoryBytes: sum((r) => r.memoryBytes ?? 0),
    noTtl: sum((r) => r.noTtl),
    vanished: 0,
    durationMs: 1,
    namespaceCount: rows.length,
    nodes: [],
    notices: [],
    namespaces: rows.map((row) => full(row, 1)),
  });
}

const DAY = 86_400_000;
const ttl = (p50: number) => ({ minMs: p50 / 2, p50Ms: p50, maxMs: p50 * 2 });

const BEFORE = report([
  {
    namespace: 'app',
    keys: 150,
    memoryBytes: 15_000,
    noTtl: 0,
    ttl: ttl(DAY),
    children: [
      { namespace: 'app:user', keys: 100, memoryBytes: 10_000, noTtl: 0, ttl: ttl(DAY), children: [{ namespace: 'app:user:{id}', keys: 100, memoryBytes: 10_000, noTtl: 0, ttl: ttl(DAY) }] },
      { namespace: 'app:cart', keys: 50, memoryBytes: 5_000, noTtl: 0, ttl: ttl(DAY), children: [{ namespace: 'app:cart:{id}', keys: 50, memoryBytes: 5_000, noTtl: 0, ttl: ttl(DAY) }] },
    ],
  },
  { namespace: 'legacy', keys: 20, memoryBytes: 2_000, noTtl: 20, children: [{ namespace: 'legacy:{id}', keys: 20, memoryBytes: 2_000, noTtl: 20 }] },
]);

// app:user unchanged except TTLs counting down; app:cart doubled; app:feature new without TTLs; legacy gone.
const AFTER = report([
  {
    namespace: 'app',
    keys: 230,
    memoryBytes: 23_000,
    noTtl: 30,
    ttl: ttl(DAY - 60_000),
    children: [
      { namespace: 'app:user', keys: 100, memoryBytes: 10_000, noTtl: 0, ttl: ttl(DAY - 60_000), children: [{ namespace: 'app:user:{id}', keys: 100, memoryBytes: 10_000, noTtl: 0, ttl: ttl(DAY - 60_000) }] },
      { namespace: 'app:cart', keys: 100, memoryBytes: 10_000, noTtl: 0, ttl: ttl(DAY), children: [{ namespace: 'app:cart:{id}', keys: 100, memoryBytes: 10_000, noTtl: 0, ttl: ttl(DAY) }] },
      { namespace: 'app:feature', keys: 30, memoryBytes: 3_000, noTtl: 30, children: [{ namespace: 'app:feature:{id}', keys: 30, memoryBytes: 3_000, noTtl: 30 }] },
    ],
  },
]);

const diff = () => compareKeyspaces(readKeyspaceDocument(BEFORE, 'before.json'), readKeyspaceDocument(AFTER, 'after.json'));

describe('compareKeyspaces', () => {
  it('reports the new, vanished and changed namespaces and nothing else, heaviest first', () => {
    const result = diff();
    expect(result.changes.map((c) => [c.namespace, c.change, c.nested])).toEqual([
      ['app', 'changed', false],
      ['app:cart', 'changed', false],
      ['app:cart:{id}', 'changed', false],
      ['app:feature', 'new', false],
      ['app:feature:{id}', 'new', true],
      ['legacy', 'vanished', false],
      ['legacy:{id}', 'vanished', true],
    ]);
    expect(result.unchanged).toBe(2);
    const cart = result.changes.find((c) => c.namespace === 'app:cart:{id}')!;
    expect(cart.memoryBytes).toEqual({ before: 5000, after: 10_000, delta: 5000, ratio: 1 });
    expect(result.total.keys).toEqual({ before: 170, after: 230, delta: 60, ratio: 60 / 170 });
  });

  it('treats a TTL median that halved or doubled as a change, and a countdown as none', () => {
    expect(ttlMoved(DAY, DAY - 60_000)).toBe(false);
    expect(ttlMoved(DAY, DAY / 2)).toBe(true);
    expect(ttlMoved(null, DAY)).toBe(true);
    expect(ttlMoved(null, null)).toBe(false);
  });
});

describe('the gate', () => {
  it('parses rules and refuses what it cannot read', () => {
    expect(parseGateRule('memory>+20%')).toMatchObject({ kind: 'threshold', scope: 'namespace', metric: 'memory', op: '>', value: 20, percent: true });
    expect(parseGateRule('total.memory>+1mb')).toMatchObject({ scope: 'total', value: 1024 * 1024, percent: false });
    expect(parseGateRule('keys<-50%')).toMatchObject({ op: '<', value: -50 });
    expect(parseGateRule('noTtl>+0')).toMatchObject({ metric: 'noTtl', value: 0 });
    expect(parseGateRule('new-namespace-without-ttl')).toEqual({ text: 'new-namespace-without-ttl', kind: 'new-namespace-without-ttl' });
    expect(() => parseGateRule('memory>>20')).toThrow(/--fail-on cannot read rule/);
    expect(() => parseGateRule('keys>+5mb')).toThrow(/needs a whole number or a percentage/);
  });

  it('names the innermost namespace that crossed each rule', () => {
    const result = diff();
    const rules = ['memory>+20%', 'noTtl>+0', 'new-namespace-without-ttl', 'vanished-namespace', 'keys<-50%', 'total.memory>+50%'].map(parseGateRule);
    expect(evaluateGate(result, rules).map((v) => [v.rule, v.namespace])).toEqual([
      ['memory>+20%', 'app:cart:{id}'],
      ['noTtl>+0', 'app:feature'],
      ['new-namespace-without-ttl', 'app:feature'],
      ['vanished-namespace', 'legacy'],
      ['keys<-50%', 'legacy'],
    ]);
  });

  it('passes when nothing crossed', () => {
    const same = compareKeyspaces(readKeyspaceDocument(BEFORE, 'a'), readKeyspaceDocument(BEFORE, 'b'));
    expect(same.changes).toEqual([]);
    expect(evaluateGate(same, ['memory>+0', 'new-namespace', 'vanished-namespace'].map(parseGateRule))).toEqual([]);
    expect(renderDiffTable(same, [], false, 10)).toContain('gate: passed');
  });
});

describe('documents', () => {
  it('reads a snapshot document, and refuses one without a keyspace with the fix', () => {
    const snapshot = JSON.stringify({ kind: 'cachectl-snapshot', schemaVersion: 1, takenAt: '2026-01-01T00:00:00Z', keyspace: { available: true, value: { report: JSON.parse(BEFORE), biggestKeys: [], truncated: true } } });
    const side = readKeyspaceDocument(snapshot, 's.json');
    expect(side.kind).toBe('snapshot');
    expect(side.namespaces.get('app:cart:{id}')?.keys).toBe(50);
    expect(side.caveats).toEqual(["s.json: the snapshot's scan was cut short by its time bound"]);
    const without = JSON.stringify({ kind: 'cachectl-snapshot', keyspace: { available: false, reason: 'skipped: --no-keys' } });
    expect(() => readKeyspaceDocument(without, 'x.json')).toThrow('x.json is a snapshot without a namespace report (skipped: --no-keys)');
    expect(() => readKeyspaceDocument('{"hello": 1}', 'y.json')).toThrow(/neither a keys report nor a snapshot/);
    expect(() => readKeyspaceDocument('not json', 'z.json')).toThrow(/z.json is not JSON/);
  });
});

describe('Markdown', () => {
  it('stays under the limit by dropping whole rows and says how many', () => {
    const many = report(Array.from({ length: 3000 }, (_, i) => ({ namespace: `ns${i}:${'x'.repeat(20)}`, keys: i + 1, memoryBytes: 100 * (i + 1), noTtl: 0 })));
    const big = compareKeyspaces(readKeyspaceDocument(report([]), 'empty.json'), readKeyspaceDocument(many, 'many.json'));
    const text = renderDiffMarkdown(big, evaluateGate(big, [parseGateRule('new-namespace')]));
    expect(text.length).toBeLessThan(60_000);
    expect(text).toMatch(/… \d+ more changed namespaces/);
    expect(text).toContain('**Gate: failed** (3000)');
    for (const line of text.split('\n').filter((l) => l.startsWith('| `'))) expect(line.endsWith('|')).toBe(true);
  });
});
