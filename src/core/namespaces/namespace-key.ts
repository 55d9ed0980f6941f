// Turns one key into its namespace path (`app:v2:user:123:profile` → app / v2 / user / {id} / profile)
// so keys can be grouped into a tree. Runs on every scanned key, so it works on bytes in one pass.

import { reprKey } from '../../base/key-format.js';

export interface NamespaceOptions {
  /** Separator between segments, matched as UTF-8 bytes; empty means the key is one segment. */
  delimiter: string;
  /** Several separators (`-d : -d /`): any of them splits; `delimiter` is then the first. */
  delimiters?: readonly string[];
  /** Keep at most this many leading segments (values below 1 count as 1; Infinity keeps all). */
  depth: number;
  /** Replace ID-like segments with `{id}`, dates with `{date}` and binary segments with `{bin}`. */
  collapse: boolean;
}

// Inferred segments are written ‹like this›: a Cluster hash tag such as `{bull}` is literal key text
// and must never look like a placeholder. A literal segment that happens to read like one is shown
// in its quoted redis-cli form instead (see segmentText), so the two can never be confused.
export const ID_PLACEHOLDER = '‹id›';
export const DATE_PLACEHOLDER = '‹date›';
export const BIN_PLACEHOLDER = '‹bin›';
export const IP_PLACEHOLDER = '‹ip›';
export const EMAIL_PLACEHOLDER = '‹email›';
export const TOKEN_PLACEHOLDER = '‹token›';
export const SLUG_PLACEHOLDER = '‹slug›';
export const QUERY_PLACEHOLDER = '‹query›';
export const JSON_PLACEHOLDER = '‹json›';
/** A segment rolled up because many distinct siblings each held few keys (see NamespaceAggregator). */
export const VARIABLE_PLACEHOLDER = '‹var›';

const PLACEHOLDERS: ReadonlySet<string> = new Set([
  ID_PLACEHOLDER,
  DATE_PLACEHOLDER,
  BIN_PLACEHOLDER,
  IP_PLACEHOLDER,
  EMAIL_PLACEHOLDER,
  TOKEN_PLACEHOLDER,
  SLUG_PLACEHOLDER,
  QUERY_PLACEHOLDER,
  JSON_PLACEHOLDER,
  VARIABLE_PLACEHOLDER,
]);

/** Whether a segment (or part of one, e.g. `GET /api?‹query›`) was inferred rather than taken from the key. */
export function isInferred(segment: string): boolean {
  return segment.includes('‹') && !segment.startsWith('"');
}

/**
 * A name with its year segments (`2024`) as ‹id›: years stay literal by shape, but the tree files
 * them under an ‹id› sibling when there is one (see the aggregator's rollUp), so matching a key
 * against such a namespace compares this form too.
 */
export function yearsAsIds(name: string): string {
  return name.replace(/(?<![0-9A-Za-z_-])(?:19[7-9][0-9]|20[0-9][0-9])(?![0-9A-Za-z_-])/g, ID_PLACEHOLDER);
}

/** Whether a whole segment is one of the placeholders. */
export function isPlaceholder(segment: string): boolean {
  return PLACEHOLDERS.has(segment);
}

const KIND_WORD = 0;
const KIND_ID = 1;
const KIND_DATE = 2;
const KIND_BIN = 3; // control bytes (< 0x20, 0x7f)
const KIND_NON_ASCII = 4; // bytes ≥ 0x80: valid UTF-8 text or binary, decided by decoding
const KIND_IP = 5;
const KIND_EMAIL = 6;
const KIND_TOKEN = 7;
const KIND_SLUG = 8;
const KIND_URL = 9; // holds `/` or `?`: rewritten piece by piece
const KIND_JSON = 10;
const KIND_BOTTLENECK = 11; // `b_<limiter id>_<suffix>`

// fatal so invalid UTF-8 is detected rather than turned into U+FFFD; ignoreBOM keeps bytes exact.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// The options object is usually the same on every call of a scan; remember its delimiter bytes.
let cachedDelimiter = '';
let cachedDelimiters: readonly string[] | undefined;
let cachedDelimiterBuffers: Buffer[] = [];

/**
 * The namespace path of `key`: its segments split on `delimiter`, at most `depth` of them (the
 * rest of the key is dropped), optionally with ID-like segments collapsed (see isIdLike) so
 * `user:123` and `user:456` land in the same namespace. A key without the delimiter is one segment.
 *
 * Segments that are not printable UTF-8 become `{bin}` when collapsing, or their redis-cli style
 * quoted form (`"\xff"`) otherwise, so different bytes never merge into one U+FFFD name.
 *
 * Measured with a plain node 20 timing loop over 1M keys, a quarter each of `app:v2:user:<n>:profile`,
 * `sess:<uuid>`, `cache:<sha1>` and `rate:<ip>:<date>`: ≈ 85 ns/key at depth 4 with collapse,
 * ≈ 160 ns/key with every segment kept and no collapse (each ID then becomes its own string).
 */
export function namespaceSegments(key: Buffer, opts: NamespaceOptions): string[] {
  split(key, opts);
  return splitSegments.slice(0, splitCount);
}

/**
 * The namespace name of `key`: its segments joined with the separators found in the key (a run of
 * delimiters such as Keyv's `::` is one separator and is kept as written), e.g. `keyv::keyv:product:‹id›`.
 */
export function namespaceName(key: Buffer, opts: NamespaceOptions): string {
  split(key, opts);
  let name = splitSegments[0]!;
  for (let i = 1; i < splitCount; i += 1) name += splitSeparators[i]! + splitSegments[i]!;
  return name;
}

/** The names of every level of `key`'s path: `a`, `a:b`, `a:b:‹id›` (used once per new namespace, not per key). */
export function namespacePath(key: Buffer, opts: NamespaceOptions): { names: string[]; segments: string[] } {
  split(key, opts);
  const names: string[] = [];
  let name = '';
  for (let i = 0; i < splitCount; i += 1) {
    name = i === 0 ? splitSegments[0]! : name + splitSeparators[i]! + splitSegments[i]!;
    names.push(name);
  }
  return { names, segments: splitSegments.slice(0, splitCount) };
}

// The last split, kept in module arrays so the per-key hot path allocates only the strings.
const splitSegments: string[] = [];
const splitSeparators: string[] = [];
let splitCount = 0;


/** Length of the delimiter (of any given) starting at `at`, or 0. */
function delimiterAt(key: Buffer, at: number, delims: readonly Buffer[]): number {
  for (const d of delims) {
    if (d.length === 0 || at + d.length > key.length) continue;
    let same = true;
    for (let j = 0; j < d.length; j += 1) {
      if (key[at + j] !== d[j]) {
        same = false;
        break;
      }
    }
    if (same) return d.length;
  }
  return 0;
}

/** Where the next delimiter starts at or after `from` (key.length if none). */
function nextDelimiter(key: Buffer, from: number, delims: readonly Buffer[]): number {
  const n = key.length;
  for (let i = from; i < n; i += 1) if (delimiterAt(key, i, delims) > 0) return i;
  return n;
}

function split(key: Buffer, opts: NamespaceOptions): void {
  if (opts.delimiter !== cachedDelimiter || opts.delimiters !== cachedDelimiters) {
    cachedDelimiter = opts.delimiter;
    cachedDelimiters = opts.delimiters;
    const list = opts.delimiters !== undefined && opts.delimiters.length > 0 ? opts.delimiters : [opts.delimiter];
    cachedDelimiterBuffers = list.filter((d) => d !== '').map((d) => Buffer.from(d, 'utf8'));
  }
  const delims = cachedDelimiterBuffers;
  // One single-byte delimiter is the common case: classify() then finds the segment's end itself.
  const single = delims.length === 1 && delims[0]!.length === 1 ? (delims[0]![0] as number) : -1;
  const colon = delims.some((d) => d.length === 1 && d[0] === 0x3a);
  const depth = opts.depth >= 1 ? Math.floor(opts.depth) : 1;
  const collapse = opts.collapse;
  const n = key.length;
  splitCount = 0;

  let start = 0;
  let separator = '';
  for (;;) {
    let kind: number;
    let end: number;
    const first = key[start];
    if ((first === 0x7b || first === 0x5b) && (end = jsonEnd(key, start)) > 0 && (end === n || delimiterAt(key, end, delims) > 0)) {
      // A JSON-shaped name (node-resque's timestamps:{"class":...}) is one segment, colons and all.
      kind = KIND_JSON;
    } else {
      if (single >= 0) {
        kind = classify(key, start, n, single);
        end = segmentEnd;
      } else {
        end = delims.length === 0 ? n : nextDelimiter(key, start, delims);
        kind = classify(key, start, end, -1);
      }
      // An IPv6 address is kept whole: never split on its colons.
      if (colon && end < n && end - start <= 4 && (kind === KIND_ID || kind === KIND_WORD) && ipv6Candidate(key, start, end)) {
        const ipEnd = ipv6End(key, start, delims);
        if (ipEnd > end) {
          end = ipEnd;
          kind = KIND_IP;
        }
      }
    }
    splitSeparators[splitCount] = separator;
    splitSegments[splitCount] = segmentText(key, start, end, kind, collapse);
    splitCount += 1;
    if (end >= n || splitCount >= depth) break;
    // A run of delimiters (`::`) is one separator.
    let next = end;
    for (;;) {
      const len = delimiterAt(key, next, delims);
      if (len === 0) break;
      next += len;
    }
    if (next === end) next = end + 1; // not reached: end is at a delimiter
    separator = next - end === 1 && single >= 0 ? (cachedDelimiter) : key.toString('latin1', end, next);
    start = next;
    if (start === n) {
      // The key ends with the delimiter: its last segment is empty.
      splitSeparators[splitCount] = separator;
      splitSegments[splitCount] = '';
      splitCount += 1;
      break;
    }
  }
}

/** The segment is 0-4 hex digits and the key goes on with a hex digit or a colon: maybe an IPv6 address. */
function ipv6Candidate(key: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i += 1) if (!((BYTE_CLASS[key[i] as number] as number) & HEX)) return false;
  const next = key[end + 1];
  return next !== undefined && (next === 0x3a || ((BYTE_CLASS[next] as number) & HEX) !== 0);
}

/**
 * The end of the IPv6 address starting at `start`, or -1: the longest run of hex groups and colons
 * that is a valid address (eight groups, or fewer with one `::`) and ends the key or meets a delimiter.
 */
function ipv6End(key: Buffer, start: number, delims: readonly Buffer[]): number {
  const n = key.length;
  let end = start;
  while (end < n) {
    const c = key[end] as number;
    if (c === 0x3a || ((BYTE_CLASS[c] as number) & HEX) !== 0) end += 1;
    else break;
  }
  // Try the longest candidate first, then shorter ones ending before a colon.
  for (let stop = end; stop > start; ) {
    if ((stop === n || delimiterAt(key, stop, delims) > 0) && validIpv6(key.toString('latin1', start, stop))) {
      return stop;
    }
    stop = key.lastIndexOf(0x3a, stop - 1);
    if (stop <= start) break;
  }
  return -1;
}

function validIpv6(text: string): boolean {
  if ((text.endsWith(':') && !text.endsWith('::')) || (text.startsWith(':') && !text.startsWith('::'))) return false;
  const double = text.indexOf('::');
  if (double >= 0 && text.indexOf('::', double + 1) >= 0) return false;
  const groups = text.split(':');
  let filled = 0;
  for (let i = 0; i < groups.length; i += 1) {
    const group = groups[i]!;
    if (group === '') {
      // Empty groups only around the `::`.
      if (double < 0) return false;
      continue;
    }
    if (group.length > 4) return false;
    filled += 1;
  }
  // `a::b` is an address too, but in a key it is far more likely two words: ask for a digit.
  if (!/[0-9]/.test(text)) return false;
  return double >= 0 ? filled <= 7 && (filled >= 2 || text.startsWith('::')) : filled === 8;
}

/** The end (exclusive) of a JSON object or array starting at `start`, or -1 if it does not look like JSON. */
function jsonEnd(key: Buffer, start: number): number {
  const n = key.length;
  const second = key[start + 1];
  // `{bull}` is a Cluster hash tag, not JSON: JSON names open with a string or a nested value.
  if (second !== 0x22 && !(key[start] === 0x5b && (second === 0x7b || second === 0x5b || second === 0x5d))) return -1;
  let depth = 0;
  let inString = false;
  for (let i = start; i < n; i += 1) {
    const c = key[i] as number;
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth += 1;
    else if (c === 0x7d || c === 0x5d) {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function segmentText(key: Buffer, start: number, end: number, kind: number, collapse: boolean): string {
  switch (kind) {
    case KIND_WORD:
      return wordText(key, start, end);
    case KIND_ID:
      return collapse ? ID_PLACEHOLDER : key.toString('latin1', start, end);
    case KIND_DATE:
      return collapse ? DATE_PLACEHOLDER : key.toString('latin1', start, end);
    case KIND_IP:
      return collapse ? IP_PLACEHOLDER : key.toString('latin1', start, end);
    case KIND_EMAIL:
      return collapse ? EMAIL_PLACEHOLDER : key.toString('latin1', start, end);
    case KIND_TOKEN:
      return collapse ? TOKEN_PLACEHOLDER : key.toString('latin1', start, end);
    case KIND_SLUG:
      return collapse ? SLUG_PLACEHOLDER : key.toString('latin1', start, end);
    case KIND_URL:
      return collapse ? urlText(key.toString('latin1', start, end)) : key.toString('latin1', start, end);
    case KIND_BOTTLENECK:
      return collapse ? bottleneckText(key.toString('latin1', start, end)) : key.toString('latin1', start, end);
    case KIND_JSON:
      if (collapse) return JSON_PLACEHOLDER;
      return nonAsciiText(key, start, end, false);
    case KIND_NON_ASCII:
      return nonAsciiText(key, start, end, collapse);
    default:
      return collapse ? BIN_PLACEHOLDER : reprKey(key.subarray(start, end));
  }
}

function nonAsciiText(key: Buffer, start: number, end: number, collapse: boolean): string {
  try {
    const text = utf8.decode(key.subarray(start, end));
    // Literal text that reads like a placeholder is quoted, so ‹id› in a table is always inferred.
    if (text.includes('‹')) return reprKey(key.subarray(start, end));
    return text;
  } catch {
    return collapse ? BIN_PLACEHOLDER : reprKey(key.subarray(start, end));
  }
}

/**
 * A URL-ish segment (`GET /api/products?page=5&sort=price`): the query string becomes ‹query›, and
 * each path piece that is an ID is collapsed like a segment would be (`/api/products/‹id›`).
 */
function urlText(text: string): string {
  // A query string is `?name=value…`; a lone `?` (a glob character in a key name) is text.
  let q = text.indexOf('?');
  if (q >= 0 && !/^[\w.%[\]-]+=/.test(text.slice(q + 1))) q = -1;
  const path = q >= 0 ? text.slice(0, q) : text;
  const pieces = path.split('/').map((piece) => {
    if (piece === '') return piece;
    const bytes = Buffer.from(piece, 'latin1');
    const kind = classify(bytes, 0, bytes.length, -1);
    return kind === KIND_URL || kind === KIND_WORD || kind === KIND_NON_ASCII ? piece : segmentText(bytes, 0, bytes.length, kind, true);
  });
  return pieces.join('/') + (q >= 0 ? `?${QUERY_PLACEHOLDER}` : '');
}

// Bottleneck names its keys `b_<limiter id>_<what>` with no delimiter between.
const BOTTLENECK_SUFFIXES = ['_settings', '_job_weights', '_job_expirations', '_job_clients', '_client_running', '_client_num_queued', '_client_last_registered', '_client_last_seen'];

function bottleneckText(text: string): string {
  for (const suffix of BOTTLENECK_SUFFIXES) if (text.endsWith(suffix) && text.length > suffix.length + 2) return `b_${ID_PLACEHOLDER}${suffix}`;
  return text;
}

// Word segments repeat on nearly every key (`app`, `user`, `profile`), so they are interned: a hash
// of the bytes finds the string made last time, which is cheaper than making a new one and spares
// the garbage collector a string per segment. Bounded, since words are what is left after IDs.
const WORD_CACHE_LIMIT = 4096;
const MAX_INTERNED_LENGTH = 32;
const wordCache = new Map<number, string>();

function wordText(key: Buffer, start: number, end: number): string {
  const len = end - start;
  if (len > MAX_INTERNED_LENGTH) return key.toString('latin1', start, end);
  let hash = len;
  for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + (key[i] as number)) | 0;
  const cached = wordCache.get(hash);
  if (cached !== undefined && cached.length === len) {
    let same = true;
    for (let i = 0; i < len; i++) {
      if (cached.charCodeAt(i) !== key[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  const text = key.toString('latin1', start, end);
  if (wordCache.size >= WORD_CACHE_LIMIT) wordCache.clear();
  wordCache.set(hash, text);
  return text;
}

/**
 * Whether a segment identifies one object rather than naming a kind of thing, i.e. whether
 * namespaceSegments collapses it to `{id}`:
 * - whole numbers (`123`) and digit groups with `.`, `-` or `_` (`10.0.0.1`, `1700000000.5`, `12-34`);
 * - UUIDs in any case, with or without dashes;
 * - hex strings of 8+ chars containing a digit (ObjectIds, MD5/SHA hashes, `3f2c9a1e`);
 * - ULIDs (26 Crockford base32 chars starting 0-7);
 * - long tokens: 16+ chars of [A-Za-z0-9_-] where letters and digits alternate at least twice.
 * Words stay, even with a digit: `user`, `v2`, `profile`, `session`, `sha256`, `deadbeef`.
 * Dates (`2024-11-20`) are not IDs; they collapse to `{date}` instead.
 */
export function isIdLike(segment: string): boolean {
  for (let i = 0; i < segment.length; i++) if (segment.charCodeAt(i) > 0x7f) return false;
  const bytes = Buffer.from(segment, 'latin1');
  const kind = classify(bytes, 0, bytes.length, -1);
  return kind === KIND_ID || kind === KIND_TOKEN;
}

// Per-byte class bits, looked up once per byte so the hot loop is nearly branch-free.
const LETTER = 1; // [A-Za-z]
const DIGIT = 2; // [0-9]
const HEX = 4; // [0-9A-Fa-f]
const TOKEN = 8; // [A-Za-z0-9_-]
const NUMERIC = 16; // [0-9._-]
const CROCKFORD = 32; // [0-9A-HJKMNP-TV-Z], any case
const NON_ASCII = 64; // ≥ 0x80
const CONTROL = 128; // < 0x20 and 0x7f
const UPPER = 256; // [A-Z]
const AT = 512; // @
const URLISH = 1024; // / and ?
const BYTE_CLASS: Uint16Array = (() => {
  const table = new Uint16Array(256);
  for (let c = 0; c < 256; c++) {
    const lc = c | 0x20;
    let f = 0;
    if (c >= 0x30 && c <= 0x39) f = DIGIT | HEX | TOKEN | NUMERIC | CROCKFORD;
    else if (lc >= 0x61 && lc <= 0x7a) {
      f = LETTER | TOKEN;
      if (lc <= 0x66) f |= HEX;
      if (lc !== 0x69 && lc !== 0x6c && lc !== 0x6f && lc !== 0x75) f |= CROCKFORD; // not i l o u
    } else if (c === 0x2d || c === 0x5f) f = TOKEN | NUMERIC;
    else if (c === 0x2e) f = NUMERIC;
    else if (c >= 0x80) f = NON_ASCII;
    else if (c < 0x20 || c === 0x7f) f = CONTROL;
    else if (c === 0x40) f = AT;
    else if (c === 0x2f || c === 0x3f) f = URLISH;
    if (c >= 0x41 && c <= 0x5a) f |= UPPER;
    table[c] = f;
  }
  return table;
})();

// Where the last classify() call stopped; a module variable spares an object per segment.
let segmentEnd = 0;

/**
 * One pass over a segment's bytes collecting what every rule needs, then the rules in order.
 * The segment runs from `start` to `limit` or to the first `stopByte` (-1: none), whichever comes
 * first; where it ended is left in `segmentEnd`.
 */
function classify(buf: Buffer, start: number, limit: number, stopByte: number): number {
  let all = 0xffff; // bits every byte has
  let any = 0; // bits some byte has
  let transitions = 0; // letter↔digit boundaries
  let prev = 0; // LETTER, DIGIT or 0
  let upperRuns = 0; // two uppercase letters in a row (random tokens have them; camelCase words do not)
  let prevUpper = 0;

  let end = start;
  for (; end < limit; end++) {
    const c = buf[end] as number;
    if (c === stopByte) break;
    const f = BYTE_CLASS[c] as number;
    all &= f;
    any |= f;
    const cls = f & (LETTER | DIGIT);
    // cls and prev are 0, 1 or 2, so the product is 2 exactly at a letter/digit boundary. Added
    // without a branch: in hex and random tokens the boundary is unpredictable, and a mispredicted
    // branch here cost about a third of the whole function.
    transitions += ((cls * prev) >> 1) & 1;
    prev = cls;
    const upper = (f >> 8) & 1;
    upperRuns += upper & prevUpper;
    prevUpper = upper;
  }
  segmentEnd = end;

  const len = end - start;
  if (len === 0) return KIND_WORD;
  if (any & CONTROL) return KIND_BIN;
  if (any & NON_ASCII) return KIND_NON_ASCII;
  if (any & AT && isEmail(buf, start, end)) return KIND_EMAIL;
  if (any & URLISH) return KIND_URL;
  if (len === 10 && isDate(buf, start)) return KIND_DATE;
  const hasDigit = (any & DIGIT) !== 0;
  if (all & NUMERIC && hasDigit) {
    if (len >= 7 && len <= 15 && isIpv4(buf, start, end)) return KIND_IP;
    // A year (`reports:2024:q1`) names a period like a word does; many of them side by side are
    // rolled up by the aggregator's cardinality rule instead.
    if (len === 4 && all & DIGIT && isYear(buf, start)) return KIND_WORD;
    return KIND_ID;
  }
  if (len === 36 && isUuid(buf, start)) return KIND_ID;
  if (all & HEX && (len === 32 || (len >= 8 && hasDigit))) return KIND_ID;
  if (len === 26 && all & CROCKFORD) {
    const first = buf[start] as number;
    if (first >= 0x30 && first <= 0x37) return KIND_ID;
  }
  if (len >= 16 && all & TOKEN && any & LETTER) {
    // base64url tokens (session ids) are judged by length and alphabet, not by holding digits: mixed
    // case with a digit or with uppercase letters side by side, which camelCase words never have.
    if (any & UPPER && (hasDigit || upperRuns > 0) && hasLower(buf, start, end)) return KIND_TOKEN;
    if (hasDigit && transitions >= 2) return KIND_ID;
  }
  if (all & TOKEN && hasDigit && any & LETTER && isSlug(buf, start, end)) return KIND_SLUG;
  if (len > 12 && buf[start] === 0x62 && buf[start + 1] === 0x5f) return KIND_BOTTLENECK;
  return KIND_WORD;
}

function isYear(buf: Buffer, start: number): boolean {
  const year = digitAt(buf, start) * 1000 + digitAt(buf, start + 1) * 100 + digitAt(buf, start + 2) * 10 + digitAt(buf, start + 3);
  return year >= 1970 && year <= 2099;
}

function hasLower(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i += 1) {
    const c = buf[i] as number;
    if (c >= 0x61 && c <= 0x7a) return true;
  }
  return false;
}

/** `acme-954`, `sku-1000`: lowercase words, then `-` or `_` and at least two digits. */
function isSlug(buf: Buffer, start: number, end: number): boolean {
  let i = end - 1;
  while (i > start && digitAt(buf, i) >= 0) i -= 1;
  if (end - 1 - i < 2 || i - start < 2) return false;
  const sep = buf[i];
  if (sep !== 0x2d && sep !== 0x5f) return false;
  for (let j = start; j < i; j += 1) {
    const c = buf[j] as number;
    if (!((c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f)) return false;
  }
  return true;
}

/** local@domain.tld (anything may follow the domain, e.g. rate-limiter-flexible's `<email>_<ip>`). */
function isEmail(buf: Buffer, start: number, end: number): boolean {
  const at = buf.indexOf(0x40, start);
  if (at <= start || at >= end - 3) return false;
  let dot = -1;
  for (let i = at + 1; i < end; i += 1) {
    const c = buf[i] as number;
    if (c === 0x2e) {
      dot = i;
      break;
    }
    if (!((BYTE_CLASS[c] as number) & TOKEN)) return false;
  }
  return dot > at + 1 && dot < end - 1;
}

/** Four dotted decimal octets. */
function isIpv4(buf: Buffer, start: number, end: number): boolean {
  let parts = 0;
  let value = 0;
  let digits = 0;
  for (let i = start; i <= end; i += 1) {
    const c = i === end ? 0x2e : (buf[i] as number);
    if (c === 0x2e) {
      if (digits === 0 || value > 255) return false;
      parts += 1;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      digits += 1;
    } else {
      return false;
    }
  }
  return parts === 4;
}

function digitAt(buf: Buffer, i: number): number {
  const c = (buf[i] as number) - 0x30;
  return c >= 0 && c <= 9 ? c : -1;
}

const DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9] as const;

/** YYYY-MM-DD with a plausible month and day. */
function isDate(buf: Buffer, s: number): boolean {
  if (buf[s + 4] !== 0x2d || buf[s + 7] !== 0x2d) return false;
  for (const i of DATE_DIGITS) if (digitAt(buf, s + i) < 0) return false;
  const month = digitAt(buf, s + 5) * 10 + digitAt(buf, s + 6);
  const day = digitAt(buf, s + 8) * 10 + digitAt(buf, s + 9);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** 8-4-4-4-12 hex digits. */
function isUuid(buf: Buffer, s: number): boolean {
  if (buf[s + 8] !== 0x2d || buf[s + 13] !== 0x2d || buf[s + 18] !== 0x2d || buf[s + 23] !== 0x2d) return false;
  for (let i = 0; i < 36; i++) {
    // The table lookup avoids a digit-or-letter branch that random hex mispredicts.
    if (!((BYTE_CLASS[buf[s + i] as number] as number) & HEX) && i !== 8 && i !== 13 && i !== 18 && i !== 23) {
      return false;
    }
  }
  return true;
}
