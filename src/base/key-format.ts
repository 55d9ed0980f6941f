// Keys are bytes; this turns them into text for humans (redis-cli style) and for JSON (lossless),
// and back from JSON.

import { CachectlError } from './errors.js';

const QUOTE = 0x22;
const SPACE = 0x20;

/**
 * A key as people read it in a table: printable ASCII keys bare (`user:42`), anything else quoted
 * and escaped exactly like redis-cli (`"caf\xc3\xa9"`, `"a\nb"`, `""`). A key is also quoted when it
 * starts with `"` or starts or ends with a space, so a bare key can never be mistaken for a quoted
 * one and no invisible bytes hide at the edges. Non-ASCII UTF-8 is escaped too, as redis-cli does,
 * so what is shown can be pasted back into redis-cli.
 */
export function displayKey(key: Buffer): string {
  const n = key.length;
  if (n === 0 || key[0] === QUOTE || key[0] === SPACE || key[n - 1] === SPACE) return reprKey(key);
  for (let i = 0; i < n; i++) {
    const byte = key[i] as number;
    if (byte < 0x20 || byte > 0x7e) return reprKey(key);
  }
  return key.toString('latin1');
}

/** Always-quoted form, byte for byte what redis-cli's sdscatrepr() prints for a bulk string. */
export function reprKey(key: Buffer): string {
  let out = '"';
  for (const byte of key) {
    switch (byte) {
      case 0x5c:
        out += '\\\\';
        break;
      case QUOTE:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        // isprint() in the C locale: 0x20..0x7e.
        out += byte >= 0x20 && byte <= 0x7e ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
    }
  }
  return `${out}"`;
}

export interface JsonKey {
  /** The key as text: exact when `keyBase64` is absent, a redis-cli style repr for reading when present. */
  key: string;
  /** The exact key bytes, present only when the key is not valid UTF-8. */
  keyBase64?: string;
}

// fatal: invalid UTF-8 must be detected, not replaced; ignoreBOM: a leading EF BB BF is part of the key.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A key for JSON output without losing bytes: valid UTF-8 keys (which always re-encode to the same
 * bytes) are plain strings; anything else carries its exact bytes in `keyBase64`, with a readable
 * repr in `key` so people and `jq` filters still see something meaningful.
 */
export function encodeKeyForJson(key: Buffer): JsonKey {
  let ascii = true;
  for (const byte of key) {
    if (byte >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return { key: key.toString('latin1') };
  try {
    return { key: utf8.decode(key) };
  } catch {
    return { key: reprKey(key), keyBase64: key.toString('base64') };
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The key bytes back from `encodeKeyForJson`'s output (or a hand-written `{ "key": "..." }`),
 * preferring `keyBase64`. Throws rather than guessing when the input cannot be a key exactly:
 * malformed base64, or text with a lone surrogate (which has no UTF-8 encoding).
 */
export function decodeKeyFromJson(obj: { key?: unknown; keyBase64?: unknown }): Buffer {
  const { key, keyBase64 } = obj;
  if (keyBase64 !== undefined) {
    if (typeof keyBase64 !== 'string') throw badKey('keyBase64 must be a string');
    const bytes = Buffer.from(keyBase64, 'base64');
    // Buffer.from skips characters it does not understand; re-encoding exposes any that were skipped.
    if (bytes.toString('base64') !== keyBase64) {
      throw badKey(`keyBase64 is not canonical base64: ${JSON.stringify(keyBase64)}`);
    }
    return bytes;
  }
  if (typeof key !== 'string') throw badKey('key must be a string');
  if (LONE_SURROGATE.test(key)) throw badKey(`key ${JSON.stringify(key)} has a lone UTF-16 surrogate`);
  return Buffer.from(key, 'utf8');
}

function badKey(problem: string): CachectlError {
  return new CachectlError('USAGE', `invalid key in JSON input: ${problem}`, {
    hint: 'keys are {"key": "<utf-8 text>"} or {"key": "...", "keyBase64": "<base64 of the exact bytes>"}',
  });
}
