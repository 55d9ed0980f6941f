import { describe, expect, it } from 'vitest';
import {
  escapeGlob,
  globLiteralPrefix,
  globMatch,
  hashTagOf,
  isBroadPattern,
  suspiciousGlob,
} from '../../src/base/glob.js';

// Strings here are byte strings: each char code is one byte ('latin1'), so '\xff' is the byte 0xff.
const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const match = (pattern: string, subject: string, nocase = false): boolean =>
  globMatch(b(pattern), b(subject), nocase);

// [pattern, subject, matches] — expectations follow Redis 7.x KEYS/SCAN MATCH (checked against a
// live redis-server 7.0 on x86-64 when this table was written).
const CASES: [string, string, boolean][] = [
  // literals and `?`
  ['hello', 'hello', true],
  ['hello', 'hell', false],
  ['hello', 'helloo', false],
  ['hello', 'Hello', false],
  ['', '', true],
  ['', 'a', false],
  ['h?llo', 'hello', true],
  ['h?llo', 'hallo', true],
  ['h?llo', 'hllo', false],
  ['h?llo', 'h\nllo', true],
  ['?', '', false],
  ['??', 'a', false],
  ['?', '\xff', true],
  // `*`
  ['h*llo', 'hllo', true],
  ['h*llo', 'heeeello', true],
  ['h*llo', 'hello world', false],
  ['*', 'anything', true],
  ['*', '\x00\xff\n', true],
  ['*', '', false],
  ['**', '', false],
  ['a*', 'a', true],
  ['a**', 'a', true],
  ['*a', 'a', true],
  ['***a***', 'bab', true],
  ['*:*', 'user:1', true],
  ['*:*', 'user1', false],
  ['user:*:profile', 'user:123:profile', true],
  ['user:*:profile', 'user::profile', true],
  ['user:*:profile', 'user:1:2:profile', true],
  ['user:*:profile', 'user:123:profiles', false],
  ['*a*b*c', 'xaybzc', true],
  ['*a*b*c', 'xaybzcz', false],
  ['a*b*c*d*e*f*g*h', 'aXbXcXdXeXfXgXi', false],
  ['*\n*', 'line1\nline2', true],
  ['*\n', 'line1\nline2', false],
  // classes
  ['h[ae]llo', 'hello', true],
  ['h[ae]llo', 'hallo', true],
  ['h[ae]llo', 'hillo', false],
  ['h[^e]llo', 'hallo', true],
  ['h[^e]llo', 'hello', false],
  ['h[a-b]llo', 'hbllo', true],
  ['h[a-b]llo', 'hcllo', false],
  ['[z-a]', 'm', true],
  ['[z-a]', 'A', false],
  ['[^z-a]', 'm', false],
  ['[0-9]*', '7up', true],
  ['[0-9]*', 'up7', false],
  ['[]', ']', false],
  ['[]', 'a', false],
  ['[^]', 'a', true],
  ['[^]', '', false],
  ['[]]', ']', false],
  ['[a-]', ']', true],
  ['[a-]', '-', false],
  ['[-a]', '-', true],
  ['[-a]', 'a', true],
  ['[-a]', '0', false],
  ['[!a]', '!', true],
  ['[!a]', 'b', false],
  ['[a-c-e]', 'd', false],
  ['[a-c-e]', '-', true],
  ['[a-c-e]', 'e', true],
  ['[*]', '*', true],
  ['[*]', 'x', false],
  ['[?]', '?', true],
  ['[[]', '[', true],
  ['[\\]]', ']', true],
  ['[\\^a]', '^', true],
  ['[\\-]', '-', true],
  ['[\\\\]', '\\', true],
  ['[a\\-z]', 'm', false],
  ['[a\\-z]', '-', true],
  ['[\n]', '\n', true],
  // unterminated classes read to the end of the pattern
  ['[', '[', false],
  ['[', 'a', false],
  ['[^', 'a', true],
  ['[^', '', false],
  ['foo[ab', 'fooa', true],
  ['foo[ab', 'foob', true],
  ['foo[ab', 'foo[ab', false],
  ['foo[^ab', 'fooc', true],
  ['[abc', 'c', true],
  ['[a-', 'a', true],
  ['[a-', '-', true],
  ['[a-', 'b', false],
  ['[\\', '\\', true],
  // escapes outside classes
  ['\\*', '*', true],
  ['\\*', 'a', false],
  ['\\?', '?', true],
  ['\\?', 'a', false],
  ['\\[abc\\]', '[abc]', true],
  ['\\[abc\\]', 'a', false],
  ['\\\\', '\\', true],
  ['\\a', 'a', true],
  ['a\\', 'a\\', true],
  ['a\\', 'a', false],
  ['\\', '\\', true],
  ['user:\\*:*', 'user:*:1', true],
  ['user:\\*:*', 'user:x:1', false],
  // keys containing glob characters, matched literally via escapes
  ['key\\[1\\]', 'key[1]', true],
  ['key[1]', 'key[1]', false],
  ['key[1]', 'key1', true],
  // binary bytes
  ['\x00', '\x00', true],
  ['a\x00*', 'a\x00b', true],
  ['a?c', 'a\x00c', true],
  ['\xff*', '\xff\xfe', true],
  ['[\xfe\xff]', '\xff', true],
  ['[^\xff]', '\xff', false],
  ['\\\xff', '\xff', true],
  // ranges compare signed chars, as Redis does on x86-64
  ['[\x00-\xff]', '\x00', true],
  ['[\x00-\xff]', '\xff', true],
  ['[\x00-\xff]', 'a', false],
  ['[\x00-\xff]', '\x80', false],
  ['[\x80-\xff]', '\x90', true],
  ['[\x80-\xff]', 'a', false],
  ['[\x7f-\x80]', 'a', true],
  ['[\x7f-\x80]', '\x7f', true],
  ['[\x7f-\x80]', '\x80', true],
  ['[\x7f-\x80]', '\x00', true],
  ['[a-\xff]', 'b', false],
  ['[a-\xff]', '\xfe', false],
  ['[a-\xff]', '\x00', true],
];

describe('globMatch', () => {
  it.each(CASES)('%j vs %j → %s', (pattern, subject, expected) => {
    expect(match(pattern, subject)).toBe(expected);
  });

  it('matches case-insensitively with nocase, ASCII letters only', () => {
    expect(match('HeLLo', 'hello', true)).toBe(true);
    expect(match('h*O', 'HELLO', true)).toBe(true);
    expect(match('h[A-C]llo', 'hbllo', true)).toBe(true);
    expect(match('h[a-c]llo', 'HBLLO', true)).toBe(true);
    expect(match('[^a]', 'A', true)).toBe(false);
    expect(match('[xY]', 'y', true)).toBe(true);
    // bytes above 0x7f never fold
    expect(match('\xc9', '\xe9', true)).toBe(false);
    // an escape inside a class compares exactly, even with nocase (as Redis does)
    expect(match('[\\A]', 'a', true)).toBe(false);
    expect(match('[\\A]', 'A', true)).toBe(true);
    // an escape outside a class does fold
    expect(match('\\A', 'a', true)).toBe(true);
    expect(match('hello', 'HELLO', false)).toBe(false);
  });

  it('stops at the nesting limit Redis applies to `*` recursion', () => {
    const subject = Buffer.from('a'.repeat(1100));
    expect(globMatch(Buffer.from('*a'.repeat(1000)), subject)).toBe(true);
    expect(globMatch(Buffer.from('*a'.repeat(1001)), subject)).toBe(false);
  });

  it('gives up fast on patterns that would backtrack exponentially', () => {
    const pattern = Buffer.from(`${'a*'.repeat(30)}b`);
    const subject = Buffer.from('a'.repeat(5000));
    const started = performance.now();
    expect(globMatch(pattern, subject)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('works on Buffer views into a larger buffer', () => {
    const backing = Buffer.from('xxuser:*yy|user:42');
    const pattern = backing.subarray(2, 8);
    const subject = backing.subarray(11);
    expect(globMatch(pattern, subject)).toBe(true);
    // past the view's end the matcher must not read the backing bytes ('yy')
    expect(globMatch(backing.subarray(2, 7), Buffer.from('user:'))).toBe(true);
  });
});

describe('escapeGlob', () => {
  const literals = ['plain:key', 'user:[123]', 'a*b?c', 'back\\slash', '\\', '[', ']', '', 'x\x00\xff\ny', '^-{}'];

  it.each(literals)('escapes %j so it matches only itself', (literal) => {
    const pattern = escapeGlob(b(literal));
    expect(globMatch(pattern, b(literal))).toBe(true);
    expect(globMatch(pattern, b(`${literal}x`))).toBe(false);
    expect(globMatch(pattern, b(`x${literal}`))).toBe(false);
  });

  it('escapes exactly the five glob specials', () => {
    expect(escapeGlob(b('a*b?c[d]e\\f^g-h{i}')).toString('latin1')).toBe('a\\*b\\?c\\[d\\]e\\\\f^g-h{i}');
  });

  it('does not let a class-looking literal match other keys', () => {
    const pattern = escapeGlob(b('user:[123]'));
    expect(globMatch(pattern, b('user:1'))).toBe(false);
    expect(globMatch(pattern, b('user:[123]'))).toBe(true);
  });

  it('returns a copy, not the input', () => {
    const input = b('abc');
    const out = escapeGlob(input);
    out[0] = 0x7a;
    expect(input.toString()).toBe('abc');
  });
});

describe('globLiteralPrefix', () => {
  const cases: [string, string][] = [
    ['user:*', 'user:'],
    ['user:123', 'user:123'],
    ['*', ''],
    ['', ''],
    ['cache:v?:x', 'cache:v'],
    ['cache:[ab]*', 'cache:'],
    ['a\\*b*', 'a*b'],
    ['a\\[b]*', 'a[b]'],
    ['a]b*', 'a]b'],
    ['a\\\\*', 'a\\'],
    ['trailing\\', 'trailing\\'],
    ['\\?x?', '?x'],
    ['bin\x00\xff*', 'bin\x00\xff'],
  ];
  it.each(cases)('%j → %j', (pattern, prefix) => {
    expect(globLiteralPrefix(b(pattern)).toString('latin1')).toBe(prefix);
  });

  it('is a prefix of every key the pattern matches', () => {
    const pattern = b('ab\\*c?d*');
    for (const key of ['ab*cXd', 'ab*cYdzz']) {
      expect(globMatch(pattern, b(key))).toBe(true);
      expect(b(key).subarray(0, 4).equals(globLiteralPrefix(pattern))).toBe(true);
    }
  });
});

describe('isBroadPattern', () => {
  it.each(['', '*', '**', '*:foo', '?*', '[a-z]*', '?', '[^x]user:*'])('%j is broad', (pattern) => {
    expect(isBroadPattern(pattern)).toBe(true);
  });
  it.each(['user:*', 'a*', '\\*foo', 'cache:v?:*', 'x[a-z]*', ':*'])('%j is narrowed by a prefix', (pattern) => {
    expect(isBroadPattern(pattern)).toBe(false);
  });
});

describe('suspiciousGlob', () => {
  it.each(['user:*', '*', 'session:[0-9a-f]*', 'a\\[1\\]', 'k[^x]*', '\\\\', 'cache:v?:*', 'x[\\]]*'])(
    '%j is fine',
    (pattern) => {
      expect(suspiciousGlob(pattern)).toBeUndefined();
    },
  );

  it('flags an unterminated class and says how to escape it', () => {
    const warning = suspiciousGlob('user:[abc*');
    expect(warning).toMatch(/"\[" at position 5 is never closed/);
    expect(warning).toContain('"\\["');
  });

  it('flags an unterminated class whose last `]` is swallowed by a range', () => {
    expect(suspiciousGlob('k[a-]*')).toMatch(/never closed/);
  });

  it('flags a class that looks like part of a literal key', () => {
    const warning = suspiciousGlob('user:[123]');
    expect(warning).toContain('"[123]"');
    expect(warning).toContain('"\\[123\\]"');
  });

  it('flags a class listing a character twice, like a date written in brackets', () => {
    expect(suspiciousGlob('log:[2024-11-20]:*')).toContain('lists a character twice');
  });

  it('flags a trailing lone backslash but not an escaped one', () => {
    expect(suspiciousGlob('user:\\')).toMatch(/lone "\\"/);
    expect(suspiciousGlob('user:\\\\')).toBeUndefined();
    expect(suspiciousGlob('user:\\\\\\')).toMatch(/lone/);
  });

  it('flags an empty class, which never matches', () => {
    expect(suspiciousGlob('x[]*')).toContain('never matches');
    // unlike POSIX globs, Redis reads `[]]` as an empty class followed by a literal `]`
    expect(suspiciousGlob('x[]]*')).toContain('never matches');
  });

  it('returns a single line', () => {
    for (const pattern of ['[', 'a\\', 'user:[1]', 'x[]*']) {
      const warning = suspiciousGlob(pattern);
      expect(warning).toBeDefined();
      expect(warning).not.toContain('\n');
    }
  });
});

describe('hashTagOf', () => {
  const tag = (pattern: string): string | undefined => hashTagOf(b(pattern))?.toString('latin1');

  it('finds a tag fixed by the literal prefix', () => {
    expect(tag('{user1000}:*')).toBe('user1000');
    expect(tag('cache:{tenant42}:user:*')).toBe('tenant42');
    expect(tag('{a}{b}*')).toBe('a');
    expect(tag('x{{bar}}*')).toBe('{bar');
    expect(tag('{user1000}.following')).toBe('user1000');
  });

  it('unescapes the prefix, because keys hash their bytes', () => {
    expect(tag('\\{t\\}*')).toBe('t');
    expect(tag('{a\\*b}*')).toBe('a*b');
  });

  it('returns undefined when matches may land in different slots', () => {
    expect(tag('*')).toBeUndefined();
    expect(tag('user:*')).toBeUndefined();
    expect(tag('{user*}:x')).toBeUndefined();
    expect(tag('{us?r}:x')).toBeUndefined();
    expect(tag('{u[a-z]}:x')).toBeUndefined();
    expect(tag('*{user1000}:x')).toBeUndefined();
    expect(tag('{user1000*')).toBeUndefined();
    // an empty {} first means whole keys are hashed, even if a later tag follows
    expect(tag('{}{bar}*')).toBeUndefined();
    expect(tag('foo{}{bar}')).toBeUndefined();
  });
});
