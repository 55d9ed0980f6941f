import { describe, expect, it } from 'vitest';
import { renderKeysTable } from '../../src/render/keys-table.js';
import type { KeysReport, NamespaceRow } from '../../src/core/namespaces/keys-report.js';
import { encodeKeyForJson } from '../../src/base/key-format.js';

function row(namespace: string, depth: number, fields: Partial<NamespaceRow> = {}): NamespaceRow {
  return {
    namespace,
    depth,
    keys: 10,
    keysShare: 0.5,
    memoryBytes: 2048,
    memoryShare: 0.25,
    avgBytes: 205,
    types: { string: 10 },
    noTtl: 0,
    expireByFields: 0,
    ttl: { minMs: 60_000, p50Ms: 3_600_000, maxMs: 86_400_000 },
    example: encodeKeyForJson(Buffer.from(`${namespace}:1`)),
    segments: namespace.split(/[:/]/).map((text) => ({ text, inferred: text.startsWith('‹') })),
    label: null,
    ownKeys: 0,
    children: [],
    remainder: null,
    ...fields,
  };
}

function report(fields: Partial<KeysReport> = {}): KeysReport {
  return {
    status: 'complete',
    sampled: false,
    scanned: 20,
    dbsize: 20,
    memoryBytes: 8192,
    noTtl: 3,
    expireByFields: 0,
    vanished: 0,
    durationMs: 1234,
    namespaceCount: 2,
    nodes: [],
    notices: [],
    namespaces: [],
    remainder: null,
    sampleScale: null,
    estimated: null,
    ...fields,
  };
}

/** The table's lines, without the border characters, whitespace collapsed. */
const cells = (text: string): string[] => text.split('\n').map((line) => line.replace(/[│┌┐└┘├┤┬┴┼─|+]/g, ' ').replace(/\s+/g, ' ').trim());

describe('renderKeysTable', () => {
  it('shows the tree indented, each child by its own segment, with figures and a summary line', () => {
    const tree = row('app', 1, {
      keys: 1500,
      keysShare: 0.75,
      types: { hash: 1000, string: 500 },
      children: [row('app:user', 2, { children: [row('app:user:‹id›', 3, { noTtl: 10, keys: 10 })] })],
    });
    const text = renderKeysTable(report({ namespaces: [tree] }), false, undefined);
    const lines = cells(text);
    expect(lines.some((line) => line.startsWith('app 1,500 75% 2.0 KiB 25% 205 B 0 1m / 1h / 1d hash:1000 string:500 app:1'))).toBe(true);
    expect(text).toMatch(/\n\W* {2}user +/);
    expect(text).toMatch(/\n\W* {4}‹id› +/);
    expect(lines.some((line) => line.startsWith('app:user'))).toBe(false);
    expect(text.trimEnd().split('\n').at(-1)).toBe('20 keys scanned · 8.0 KiB · 3 without TTL · 2 namespaces · 1.2s');
    // No colour codes when colour is off.
    expect(text).not.toContain('\x1b[');
  });

  it('uses the delimiter the report was grouped by', () => {
    const tree = row('img', 1, { children: [row('img/thumbs:v2', 2, { segments: [{ text: 'img', inferred: false }, { text: 'thumbs:v2', inferred: false }], children: [row('img/thumbs:v2/‹id›', 3)] })] });
    const text = renderKeysTable(report({ namespaces: [tree] }), false, undefined);
    expect(text).toMatch(/\n\W* {2}thumbs:v2 +/);
    expect(text).toMatch(/\n\W* {4}‹id› +/);
  });

  it('escapes example keys like redis-cli, so newlines and escape sequences cannot break the table', () => {
    const tree = row('odd', 1, {
      example: encodeKeyForJson(Buffer.from('odd:line1\nline2\x1b[31m')),
      children: [row('odd:‹bin›', 2, { example: encodeKeyForJson(Buffer.from([0x6f, 0x64, 0x64, 0x3a, 0xff, 0xfe])) })],
    });
    const text = renderKeysTable(report({ namespaces: [tree] }), false, undefined);
    expect(text).toContain('"odd:line1\\nline2\\x1b[31m"');
    expect(text).toContain('"odd:\\xff\\xfe"');
    expect(text).not.toContain('\x1b');
    // Two data rows, one line each, between header and summary.
    expect(text.split('\n').filter((line) => line.includes('odd'))).toHaveLength(2);
  });

  it('marks estimates under --limit, and missing memory as "-"', () => {
    const tree = row('s', 1, { estimatedKeys: 123_456, estimated: { keys: 123_456, memoryBytes: null, noTtl: 0, expireByFields: 0, types: { string: 123_456 } }, memoryBytes: null, memoryShare: null, avgBytes: null, ttl: null });
    const text = renderKeysTable(report({ sampled: true, scanned: 1000, dbsize: 250_000, memoryBytes: null, sampleScale: 250, estimated: { keys: 250_000, memoryBytes: null, noTtl: 750, expireByFields: 0 }, namespaces: [tree] }), false, undefined);
    const line = cells(text).find((candidate) => candidate.startsWith('s '));
    expect(line).toBe('s ~123,456 50% - - - 0 - string s:1');
    expect(text).toContain('1,000 keys scanned (a sample, --limit; 250,000 keys on the nodes — ~ marks figures scaled from the sample, ~250,000 keys estimated)');
    expect(text).not.toContain('KiB ·');
  });

  it('under --limit shows every count of a row and of the footer as the report’s estimate, marked ~', () => {
    const tree = row('s', 1, {
      keys: 10,
      noTtl: 4,
      memoryBytes: 2048,
      types: { string: 6, hash: 4 },
      estimated: { keys: 2500, memoryBytes: 512_000, noTtl: 1000, expireByFields: 0, types: { string: 1500, hash: 1000 } },
      estimatedKeys: 2500,
    });
    const text = renderKeysTable(report({ sampled: true, scanned: 20, dbsize: 5000, memoryBytes: 4096, noTtl: 4, sampleScale: 250, estimated: { keys: 5000, memoryBytes: 1_024_000, noTtl: 1000, expireByFields: 0 }, namespaces: [tree] }), false, undefined);
    const line = cells(text).find((candidate) => candidate.startsWith('s '));
    expect(line).toBe('s ~2,500 50% ~500 KiB 25% 205 B ~1,000 1m / 1h / 1d string:~1500 hash:~1000 s:1');
    expect(text).toContain('~1000 KiB · ~1,000 without TTL · 2 namespaces in the sample');
  });

  it('says a sample under a pattern has no estimates, and marks nothing', () => {
    const text = renderKeysTable(report({ sampled: true, scanned: 20, dbsize: 5000, namespaces: [row('s', 1)] }), false, 's:*');
    expect(text).toContain('no estimates: a pattern or --type makes the sample an unknown share of them');
    expect(text).not.toContain('~');
  });

  it('says "no keys matched" for an empty complete scan, and marks partial and incomplete reports', () => {
    expect(renderKeysTable(report({ scanned: 0, dbsize: 42, namespaces: [] }), false, 'nope:*')).toBe('no keys matched "nope:*" (42 keys on the scanned nodes)\n');
    expect(renderKeysTable(report({ scanned: 0, dbsize: 0, namespaces: [] }), false, undefined)).toBe('no keys matched (0 keys on the scanned nodes)\n');
    expect(renderKeysTable(report({ status: 'partial', namespaces: [row('a', 1)] }), false, undefined)).toMatch(/ — PARTIAL \(interrupted\)\n$/);
    expect(renderKeysTable(report({ status: 'incomplete', namespaces: [row('a', 1)] }), false, undefined)).toMatch(/ — INCOMPLETE \(a node failed\)\n$/);
    // An interrupted scan that found nothing yet is not "no keys matched".
    expect(renderKeysTable(report({ status: 'partial', scanned: 0, namespaces: [] }), false, 'x*')).not.toContain('no keys matched');
  });

  it('colours keys-without-TTL as a warning when every key of a namespace lacks one', () => {
    const text = renderKeysTable(report({ namespaces: [row('eternal', 1, { noTtl: 10, keys: 10 })] }), true, undefined);
    expect(text).toContain('\x1b[33m10\x1b[39m');
  });
});
