import { describe, expect, it } from 'vitest';
import { CachectlError } from '../../src/base/errors.js';
import { decodeKeyFromJson, displayKey, encodeKeyForJson, reprKey } from '../../src/base/key-format.js';

const bytes = (...values: number[]): Buffer => Buffer.from(values);

describe('reprKey', () => {
  // Expected strings are what `redis-cli --no-raw` printed for these keys (redis-cli 7.0).
  it.each([
    [Buffer.from(''), '""'],
    [Buffer.from("'single'"), `"'single'"`],
    [Buffer.from('a"b\\c'), String.raw`"a\"b\\c"`],
    [bytes(0, 1, 7, 8, 9, 10, 13, 27, 0x7f, 0x80, 0xff, 0x20, 0x7e), String.raw`"\x00\x01\a\b\t\n\r\x1b\x7f\x80\xff ~"`],
    [Buffer.from('café'), String.raw`"caf\xc3\xa9"`],
    [Buffer.from('🔑'), String.raw`"\xf0\x9f\x94\x91"`],
  ])('%o → %s', (key, expected) => {
    expect(reprKey(key)).toBe(expected);
  });
});

describe('displayKey', () => {
  it.each(['user:42', 'a', 'cache:v2:{tenant}:*', "it's", 'back\\slash', 'with "quotes" inside', 'a b', '~!@#$%^&*()'])(
    'shows printable key %j bare',
    (key) => {
      expect(displayKey(Buffer.from(key))).toBe(key);
    },
  );

  it.each([
    [Buffer.from(''), '""'],
    [Buffer.from('line1\nline2'), String.raw`"line1\nline2"`],
    [Buffer.from('tab\there'), String.raw`"tab\there"`],
    [Buffer.from('"quoted"'), String.raw`"\"quoted\""`],
    [Buffer.from(' leading'), '" leading"'],
    [Buffer.from('trailing '), '"trailing "'],
    [Buffer.from('café'), String.raw`"caf\xc3\xa9"`],
    [bytes(0x75, 0x3a, 0xff), String.raw`"u:\xff"`],
    [bytes(0x7f), String.raw`"\x7f"`],
    [Buffer.from('a\\b\r'), String.raw`"a\\b\r"`],
  ])('quotes %o like redis-cli', (key, expected) => {
    expect(displayKey(key)).toBe(expected);
  });
});

describe('encodeKeyForJson / decodeKeyFromJson', () => {
  it.each([
    ['plain', Buffer.from('user:42')],
    ['empty', Buffer.from('')],
    ['newline', Buffer.from('a\nb')],
    ['quotes', Buffer.from('say "hi"')],
    ['emoji', Buffer.from('user:🔑:κλειδί')],
    ['NUL', bytes(0x61, 0x00, 0x62)],
    ['BOM', bytes(0xef, 0xbb, 0xbf, 0x61)],
  ])('keeps a valid UTF-8 key (%s) as plain text', (_name, key) => {
    const encoded = encodeKeyForJson(key);
    expect(encoded).toEqual({ key: key.toString('utf8') });
    expect(encoded).not.toHaveProperty('keyBase64');
    const viaJson = JSON.parse(JSON.stringify(encoded)) as { key: string };
    expect(decodeKeyFromJson(viaJson).equals(key)).toBe(true);
  });

  it.each([
    ['lone 0xff', bytes(0xff)],
    ['truncated sequence', bytes(0x61, 0xe2, 0x82)],
    ['overlong slash', bytes(0xc0, 0xaf)],
    ['encoded surrogate', bytes(0xed, 0xa0, 0x80)],
    ['beyond U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80)],
    ['latin-1 text', Buffer.from('caf\xe9', 'latin1')],
  ])('carries invalid UTF-8 (%s) as exact bytes', (_name, key) => {
    const encoded = encodeKeyForJson(key);
    expect(encoded.keyBase64).toBe(key.toString('base64'));
    expect(encoded.key).toBe(reprKey(key));
    const viaJson = JSON.parse(JSON.stringify(encoded)) as { key: string; keyBase64: string };
    expect(decodeKeyFromJson(viaJson).equals(key)).toBe(true);
  });

  it('shows the escaped form for a binary key', () => {
    expect(encodeKeyForJson(bytes(0x6b, 0x3a, 0xff, 0x0a))).toEqual({ key: String.raw`"k:\xff\n"`, keyBase64: 'azr/Cg==' });
  });

  it('prefers keyBase64 over key', () => {
    expect(decodeKeyFromJson({ key: 'ignored', keyBase64: 'AP8=' })).toEqual(bytes(0x00, 0xff));
    expect(decodeKeyFromJson({ key: 'x', keyBase64: '' })).toEqual(Buffer.alloc(0));
  });

  it('round-trips every single byte', () => {
    for (let byte = 0; byte < 256; byte++) {
      const key = bytes(0x6b, byte);
      expect(decodeKeyFromJson(encodeKeyForJson(key)).equals(key)).toBe(true);
    }
  });

  it('rejects input that cannot be an exact key', () => {
    expect(() => decodeKeyFromJson({ key: 'x', keyBase64: 'not base64!' })).toThrow(CachectlError);
    expect(() => decodeKeyFromJson({ key: 'x', keyBase64: 'AP8' })).toThrow(/canonical base64/);
    expect(() => decodeKeyFromJson({ key: 'x', keyBase64: 42 })).toThrow(/keyBase64 must be a string/);
    expect(() => decodeKeyFromJson({})).toThrow(/key must be a string/);
    expect(() => decodeKeyFromJson({ key: 'a\ud800b' })).toThrow(/lone UTF-16 surrogate/);
    expect(() => decodeKeyFromJson({ key: '\udc00' })).toThrow(/lone UTF-16 surrogate/);
    expect(decodeKeyFromJson({ key: '😀' })).toEqual(Buffer.from([0xf0, 0x9f, 0x98, 0x80]));
  });
});
