// Redis glob semantics, byte for byte: a port of stringmatchlen() from Redis 7.x src/util.c, plus
// the pattern helpers the CLI needs (escaping, literal prefix, broad/suspicious checks, hash tags).

const STAR = 0x2a; // *
const QUESTION = 0x3f; // ?
const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const BACKSLASH = 0x5c; // \
const CARET = 0x5e; // ^
const DASH = 0x2d; // -
const LBRACE = 0x7b; // {
const RBRACE = 0x7d; // }

/** Redis gives up (no match) beyond this recursion depth of `*` (CVE-2022-36021). */
const MAX_NESTING = 1000;

/**
 * Whether `subject` matches the Redis glob `pattern`, exactly as SCAN MATCH / KEYS decide it.
 *
 * Quirks kept on purpose because Redis has them:
 * - `*` does not match an empty subject (`globMatch('*', '')` is false); Redis's SCAN and KEYS
 *   skip matching altogether for the pattern `*`, so callers filtering locally should too.
 * - Ranges compare bytes as C `char`, which is signed on x86-64 (where Redis mostly runs), so a
 *   range such as `[\x00-\xff]` covers only 0xff and 0x00; on arm64 servers char is unsigned.
 * - `nocase` lowers ASCII A-Z only (the C locale), and never applies to `\`-escapes in a class.
 * - An unterminated `[` treats the rest of the pattern as the class; a trailing `\` is literal.
 */
export function globMatch(pattern: Buffer, subject: Buffer, nocase = false): boolean {
  // Shared across the recursion like Redis's `int *skipLongerMatches`.
  const state = { skipLongerMatches: false };
  return matchImpl(pattern, 0, pattern.length, subject, 0, subject.length, nocase, state, 0);
}

/** The byte at `i`, or 0 past the end: Redis reads its NUL-terminated sds there. */
function byteAt(buf: Buffer, i: number): number {
  return i < buf.length ? (buf[i] as number) : 0;
}

/** A byte as x86-64 C `char` (signed), which is how Redis compares class ranges. */
function signedChar(b: number): number {
  return b >= 0x80 ? b - 0x100 : b;
}

/** C-locale tolower(): only ASCII A-Z change. */
function lower(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
}

// Positions (p, s) and remaining lengths (pl, sl) mirror the C pointer/length pairs one to one,
// so each line can be checked against util.c.
function matchImpl(
  pat: Buffer,
  p: number,
  pl: number,
  str: Buffer,
  s: number,
  sl: number,
  nocase: boolean,
  state: { skipLongerMatches: boolean },
  nesting: number,
): boolean {
  if (nesting > MAX_NESTING) return false;

  while (pl > 0 && sl > 0) {
    const pc = byteAt(pat, p);
    if (pc === STAR) {
      while (pl > 0 && byteAt(pat, p + 1) === STAR) {
        p++;
        pl--;
      }
      if (pl === 1) return true;
      while (sl > 0) {
        if (matchImpl(pat, p + 1, pl - 1, str, s, sl, nocase, state, nesting + 1)) return true;
        if (state.skipLongerMatches) return false;
        s++;
        sl--;
      }
      // The rest of the pattern matched nowhere in the rest of the subject, so letting an
      // earlier `*` swallow more bytes cannot help: stop every enclosing `*` loop too.
      state.skipLongerMatches = true;
      return false;
    } else if (pc === QUESTION) {
      s++;
      sl--;
    } else if (pc === OPEN) {
      p++;
      pl--;
      const not = byteAt(pat, p) === CARET;
      if (not) {
        p++;
        pl--;
      }
      let match = false;
      const sc = byteAt(str, s);
      for (;;) {
        const c = byteAt(pat, p);
        if (c === BACKSLASH && pl >= 2) {
          p++;
          pl--;
          if (byteAt(pat, p) === sc) match = true;
        } else if (c === CLOSE) {
          break;
        } else if (pl === 0) {
          // Unterminated class: step back onto its last byte so the shared `p++` below ends the pattern.
          p--;
          pl++;
          break;
        } else if (pl >= 3 && byteAt(pat, p + 1) === DASH) {
          let start = signedChar(c);
          let end = signedChar(byteAt(pat, p + 2));
          let ch = signedChar(sc);
          if (start > end) {
            const t = start;
            start = end;
            end = t;
          }
          if (nocase) {
            start = lowerSigned(start);
            end = lowerSigned(end);
            ch = lowerSigned(ch);
          }
          p += 2;
          pl -= 2;
          if (ch >= start && ch <= end) match = true;
        } else if (!nocase) {
          if (c === sc) match = true;
        } else if (lower(c) === lower(sc)) {
          match = true;
        }
        p++;
        pl--;
      }
      if (not) match = !match;
      if (!match) return false;
      s++;
      sl--;
    } else {
      let lit = pc;
      if (pc === BACKSLASH && pl >= 2) {
        p++;
        pl--;
        lit = byteAt(pat, p);
      }
      const sc = byteAt(str, s);
      if (nocase ? lower(lit) !== lower(sc) : lit !== sc) return false;
      s++;
      sl--;
    }
    p++;
    pl--;
    if (sl === 0) {
      while (byteAt(pat, p) === STAR) {
        p++;
        pl--;
      }
      break;
    }
  }
  return pl === 0 && sl === 0;
}

/** tolower() on a signed char value: negatives (bytes ≥ 0x80) are left alone in the C locale. */
function lowerSigned(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/** Escape `* ? [ ] \` so the result, used as a pattern, matches exactly `literal` and nothing else. */
export function escapeGlob(literal: Buffer): Buffer {
  let specials = 0;
  for (const b of literal) if (isEscapable(b)) specials++;
  if (specials === 0) return Buffer.from(literal);
  const out = Buffer.allocUnsafe(literal.length + specials);
  let o = 0;
  for (const b of literal) {
    if (isEscapable(b)) out[o++] = BACKSLASH;
    out[o++] = b;
  }
  return out;
}

function isEscapable(b: number): boolean {
  return b === STAR || b === QUESTION || b === OPEN || b === CLOSE || b === BACKSLASH;
}

/**
 * The bytes every matching key starts with: the pattern up to its first unescaped `*`, `?` or
 * `[`, with escapes removed. A trailing lone `\` is a literal backslash, as in Redis.
 */
export function globLiteralPrefix(pattern: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const b = pattern[i] as number;
    if (b === STAR || b === QUESTION || b === OPEN) break;
    if (b === BACKSLASH && i + 1 < pattern.length) {
      i++;
      out.push(pattern[i] as number);
    } else {
      out.push(b);
    }
  }
  return Buffer.from(out);
}

/**
 * Whether the pattern walks (nearly) the whole keyspace: empty (no filter), all `*`, or starting
 * with a wildcard (`*:foo`, `?*`, `[a-z]*`), so no key prefix narrows what SCAN has to visit.
 */
export function isBroadPattern(pattern: string): boolean {
  if (pattern.length === 0) return true;
  const first = pattern.charCodeAt(0);
  return first === STAR || first === QUESTION || first === OPEN;
}

/**
 * A one-line warning when the pattern contains something the user probably did not mean:
 * an unterminated `[`, a trailing lone `\`, an empty class `[]`, or a `[...]` that looks like part
 * of a literal key (`user:[123]` matches `user:1`, not `user:[123]`). Undefined when it looks fine.
 */
export function suspiciousGlob(pattern: string): string | undefined {
  const classes: { at: number; body: string }[] = [];
  let hasWildcard = false;
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === '\\') {
      if (i + 1 >= pattern.length) {
        return `pattern ends with a lone "\\", which Redis matches as a literal backslash; write "\\\\" if that is what you mean`;
      }
      i += 2;
    } else if (ch === '*' || ch === '?') {
      hasWildcard = true;
      i++;
    } else if (ch === '[') {
      const end = classEnd(pattern, i);
      if (end < 0) {
        return `"[" at position ${i} is never closed, so Redis reads the rest of the pattern as one character class; write "\\[" to match a literal "["`;
      }
      classes.push({ at: i, body: pattern.slice(i + 1, end) });
      i = end + 1;
    } else {
      i++;
    }
  }
  for (const { at, body } of classes) {
    if (body === '') {
      return `"[]" at position ${at} is an empty character class and never matches; write "\\[\\]" to match literal brackets`;
    }
    // `[^]` (any one byte) is a deliberate idiom, not a typo.
    if (body === '^') continue;
    const raw = pattern.slice(at, at + body.length + 2);
    if (!hasWildcard) {
      return `"${raw}" at position ${at} matches one character from a set, not the literal text "${raw}"; write "${escapeText(raw)}" to match it literally`;
    }
    if (hasRepeatedChar(body)) {
      return `"${raw}" at position ${at} lists a character twice, so it looks like literal text rather than a set; write "${escapeText(raw)}" to match it literally`;
    }
  }
  return undefined;
}

/** Index of the `]` closing the class opened at `open`, or -1; follows the matcher's escape rules. */
function classEnd(pattern: string, open: number): number {
  let j = open + 1;
  if (pattern[j] === '^') j++;
  while (j < pattern.length) {
    const ch = pattern[j];
    if (ch === '\\' && j + 1 < pattern.length) {
      j += 2;
    } else if (ch === ']') {
      return j;
    } else if (j + 2 < pattern.length && pattern[j + 1] === '-') {
      // A range swallows its end byte even when that byte is `]`, exactly like the matcher.
      j += 3;
    } else {
      j++;
    }
  }
  return -1;
}

function hasRepeatedChar(body: string): boolean {
  const seen = new Set<string>();
  for (const ch of body.startsWith('^') ? body.slice(1) : body) {
    if (ch === '-' || ch === '\\') continue;
    if (seen.has(ch)) return true;
    seen.add(ch);
  }
  return false;
}

function escapeText(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * The cluster hash tag every key matching `pattern` must carry, if the pattern pins one: its
 * literal prefix contains `{`, then a `}` with a non-empty tag between them. Keys hash only that
 * tag, so one slot (one master) holds every match. An empty `{}` first means whole keys are
 * hashed, so there is no single tag and the result is undefined.
 */
export function hashTagOf(pattern: Buffer): Buffer | undefined {
  const prefix = globLiteralPrefix(pattern);
  const open = prefix.indexOf(LBRACE);
  if (open < 0) return undefined;
  const close = prefix.indexOf(RBRACE, open + 1);
  if (close < 0 || close === open + 1) return undefined;
  return Buffer.from(prefix.subarray(open + 1, close));
}
