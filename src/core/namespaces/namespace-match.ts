// From a namespace of the tree (`app:v2:user:{id}`) back to its keys: a SCAN MATCH glob that every
// key of the namespace matches, and an exact membership test to apply to what SCAN returns.
//
// The glob alone is a superset: `{id}` becomes `*`, which also matches across delimiters, and a
// namespace cut off at --depth holds longer keys too. Only namespaceSegments itself can say whether
// a key belongs, so every key the glob lets through is checked again with it before it is shown
// or deleted.

import { escapeGlob, globMatch } from '../../base/glob.js';
import type { NamespaceOptions } from './namespace-key.js';
import { BIN_PLACEHOLDER, DATE_PLACEHOLDER, ID_PLACEHOLDER, namespaceSegments } from './namespace-key.js';
import { OVERFLOW_NAMESPACE } from './namespaces.js';

export interface NamespaceMatcher {
  /** The namespace, as the tree names it. */
  readonly name: string;
  /** A glob every key of the namespace (and of its children) matches; a superset, see `contains`. */
  readonly glob: Buffer;
  /** The key belongs to the namespace or one of its children (and to the browsed pattern, if any). */
  contains(key: Buffer): boolean;
  /** The key belongs to exactly this namespace, not to a child (a leaf's own keys). */
  isOwn(key: Buffer): boolean;
}

const STAR = Buffer.from('*');

/**
 * The matcher of namespace `name` under `options` (the same options the tree was built with).
 * `within` is the pattern the tree was scanned with: keys outside it were never counted, so they
 * are not part of the namespace as shown either.
 */
export function namespaceMatcher(name: string, options: NamespaceOptions, within?: Buffer): NamespaceMatcher {
  if (name === OVERFLOW_NAMESPACE) {
    throw new Error(`${OVERFLOW_NAMESPACE} lumps many namespaces together and has no pattern of its own`);
  }
  const segments = options.delimiter === '' ? [name] : name.split(options.delimiter);
  const delimiter = escapeGlob(Buffer.from(options.delimiter, 'utf8'));
  const parts: Buffer[] = [];
  segments.forEach((segment, index) => {
    if (index > 0) parts.push(delimiter);
    parts.push(isLiteral(segment) ? escapeGlob(Buffer.from(segment, 'utf8')) : STAR);
  });
  parts.push(STAR);
  const glob = collapseStars(Buffer.concat(parts));
  const inPattern = (key: Buffer): boolean => within === undefined || globMatch(within, key);

  return {
    name,
    glob,
    contains(key) {
      if (!inPattern(key)) return false;
      const path = namespaceSegments(key, options);
      if (path.length < segments.length) return false;
      for (let i = 0; i < segments.length; i += 1) if (path[i] !== segments[i]) return false;
      return true;
    },
    isOwn(key) {
      return inPattern(key) && namespaceSegments(key, options).join(options.delimiter) === name;
    },
  };
}

/**
 * Whether a segment's text is the key's own bytes. Placeholders stand for many values, and a
 * segment in quotes is the redis-cli escaped form of binary bytes, not the bytes themselves
 * (a literal segment that happens to start and end with `"` is matched by `*` too, which is
 * merely wider).
 */
function isLiteral(segment: string): boolean {
  if (segment === ID_PLACEHOLDER || segment === DATE_PLACEHOLDER || segment === BIN_PLACEHOLDER) return false;
  return !(segment.length >= 2 && segment.startsWith('"') && segment.endsWith('"'));
}

/** `**` matches what `*` does; fewer stars keep Redis's matcher from backtracking more than needed. */
function collapseStars(glob: Buffer): Buffer {
  const out: number[] = [];
  let escaped = false;
  let lastWasWildcard = false;
  for (const byte of glob) {
    const wildcard = !escaped && byte === 0x2a;
    if (wildcard && lastWasWildcard) continue;
    lastWasWildcard = wildcard;
    escaped = !escaped && byte === 0x5c;
    out.push(byte);
  }
  return Buffer.from(out);
}
