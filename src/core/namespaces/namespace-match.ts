// From a namespace of the tree (`app:v2:user:{id}`) back to its keys: a SCAN MATCH glob that every
// key of the namespace matches, and an exact membership test to apply to what SCAN returns.
//
// The glob alone is a superset: `{id}` becomes `*`, which also matches across delimiters, and a
// namespace cut off at --depth holds longer keys too. Only namespaceSegments itself can say whether
// a key belongs, so every key the glob lets through is checked again with it before it is shown
// or deleted.

import { escapeGlob, globMatch } from '../../base/glob.js';
import type { NamespaceOptions } from './namespace-key.js';
import { ID_PLACEHOLDER, namespaceName, namespacePath, VARIABLE_PLACEHOLDER, yearsAsIds } from './namespace-key.js';
import type { NamespaceNode } from './namespaces.js';
import { OVERFLOW_NAMESPACE, variableMatch, variableScopes } from './namespaces.js';

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
 * are not part of the namespace as shown either. `tree` is the tree the name was read from: a ‹var›
 * row then stands for exactly the values rolled into it, not the literal siblings kept beside it
 * (without it, for any literal segment at its place).
 */
export function namespaceMatcher(name: string, options: NamespaceOptions, within?: Buffer, tree?: NamespaceNode): NamespaceMatcher {
  if (name === OVERFLOW_NAMESPACE) {
    throw new Error(`${OVERFLOW_NAMESPACE} lumps many namespaces together and has no pattern of its own`);
  }
  const glob = collapseStars(globOf(name));
  const inPattern = (key: Buffer): boolean => within === undefined || globMatch(within, key);
  // A ‹var› level (rolled up by cardinality) stands for any one segment there.
  const variable = name.includes(VARIABLE_PLACEHOLDER);
  const scopes = variable && tree !== undefined ? variableScopes(tree, name) : undefined;
  const ids = name.includes(ID_PLACEHOLDER);
  const same = (level: string): boolean => {
    if (variable ? variableMatch(level, name, scopes, options) : level === name) return true;
    if (!ids) return false;
    const asIds = yearsAsIds(level);
    return asIds !== level && (variable ? variableMatch(asIds, name, scopes, options) : asIds === name);
  };

  return {
    name,
    glob,
    contains(key) {
      if (!inPattern(key)) return false;
      const { names } = namespacePath(key, options);
      for (const level of names) if (same(level)) return true;
      return false;
    },
    isOwn(key) {
      return inPattern(key) && same(namespaceName(key, options));
    },
  };
}

/**
 * The glob of a namespace name: its literal text escaped, each placeholder (`‹id›`, also inside a
 * segment such as `GET /api?‹query›`) a `*`, and everything from a quoted (binary or escaped)
 * segment on a `*` too, which is merely wider. Always ends in `*` for keys of children and keys
 * cut off at --depth.
 */
function globOf(name: string): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < name.length) {
    const open = name.indexOf('‹', at);
    const quote = name.indexOf('"', at);
    if (quote >= 0 && (open < 0 || quote < open)) {
      parts.push(escapeGlob(Buffer.from(name.slice(at, quote), 'utf8')));
      at = name.length;
      break;
    }
    if (open < 0) {
      parts.push(escapeGlob(Buffer.from(name.slice(at), 'utf8')));
      at = name.length;
      break;
    }
    const close = name.indexOf('›', open);
    parts.push(escapeGlob(Buffer.from(name.slice(at, open), 'utf8')));
    parts.push(STAR);
    at = close < 0 ? name.length : close + 1;
  }
  parts.push(STAR);
  return Buffer.concat(parts);
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
