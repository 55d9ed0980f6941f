import { describe, expect, it } from 'vitest';
import type { LocatedValue } from '../../src/core/audit/json-located.js';
import { JsonSyntaxError, parseLocatedJson } from '../../src/core/audit/json-located.js';

/** Back to plain JS, to compare with JSON.parse. */
function plain(value: LocatedValue): unknown {
  switch (value.kind) {
    case 'object':
      return Object.fromEntries([...value.entries].map(([key, entry]) => [key, plain(entry.value)]));
    case 'array':
      return value.items.map(plain);
    case 'null':
      return null;
    default:
      return value.value;
  }
}

function syntaxError(text: string): JsonSyntaxError {
  try {
    parseLocatedJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parseLocatedJson', () => {
  it.each([
    '{"a": 1, "b": [true, false, null], "c": {"d": "e"}}',
    '[]',
    '{}',
    '"\\u00e9\\n\\t\\"\\\\\\/"',
    '-0.5e+3',
    '  [ 1 , 2 ]  ',
    '{"ключ": "値", "emoji": "😀"}',
    '12345678901234567890',
  ])('reads %s exactly as JSON.parse does', (text) => {
    expect(plain(parseLocatedJson(text))).toEqual(JSON.parse(text));
  });

  it('records the line and column where each value and field name starts', () => {
    const text = '{\n  "rules": [\n    {"match": "a:*"},\n\t{"match": 5}\n  ]\n}';
    const root = parseLocatedJson(text);
    expect(root).toMatchObject({ kind: 'object', line: 1, column: 1 });
    if (root.kind !== 'object') throw new Error('object expected');
    const rules = root.entries.get('rules')!;
    expect(rules.key).toEqual({ line: 2, column: 3 });
    expect(rules.value).toMatchObject({ kind: 'array', line: 2, column: 12 });
    if (rules.value.kind !== 'array') throw new Error('array expected');
    const [first, second] = rules.value.items;
    expect(first).toMatchObject({ line: 3, column: 5 });
    if (second?.kind !== 'object') throw new Error('object expected');
    expect(second).toMatchObject({ line: 4, column: 2 });
    expect(second.entries.get('match')!.value).toMatchObject({ kind: 'number', value: 5, line: 4, column: 12 });
  });

  it('skips a leading byte order mark without shifting columns', () => {
    const root = parseLocatedJson('\uFEFF{"a": 1}');
    expect(root).toMatchObject({ line: 1, column: 1 });
  });

  it.each([
    ['{"a": 1,}', 'trailing comma', 1, 9],
    ['[1, 2,]', 'trailing comma', 1, 7],
    ['{\n  "a": 1\n  "b": 2\n}', 'expected "," or "}"', 3, 3],
    ["{'a': 1}", 'field name in double quotes', 1, 2],
    ['{"a" 1}', 'expected ":"', 1, 6],
    ['{"a": tru}', 'a value was expected', 1, 7],
    ['{"a": "b', 'unterminated string', 1, 9],
    ['{"a": "b\nc"}', 'control character', 1, 9],
    ['{"a": "\\x"}', 'invalid escape', 1, 8],
    ['{"a": 01}', 'invalid number', 1, 8],
    ['{"a": 1} x', 'unexpected text after', 1, 10],
    ['', 'unexpected end of file', 1, 1],
    ['{"a": 1, "a": 2}', 'field "a" is given twice', 1, 10],
  ])('rejects %j: %s at %i:%i', (text, message, line, column) => {
    const error = syntaxError(text);
    expect(error.message).toContain(message);
    expect(error.position).toEqual({ line, column });
  });

  it('rejects everything JSON.parse rejects in a sample of near-misses', () => {
    for (const text of ['[1 2]', '{"a":}', 'nul', '[', '{"a":1', '"\\u12"', '+1', '1.', '.5', 'NaN', '[1,,2]']) {
      expect(() => JSON.parse(text)).toThrow();
      expect(() => parseLocatedJson(text), text).toThrow(JsonSyntaxError);
    }
  });
});
