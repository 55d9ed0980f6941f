// What a purge is aimed at, turned into what planning needs: a SCAN MATCH glob and, where one glob
// cannot say it exactly (the explorer's namespaces), a membership filter every planned key passes.
// The CLI's pattern forms and the explorer's rows all go through here.

import { escapeGlob } from '../../base/glob.js';
import type { NamespaceOptions } from '../namespaces/namespace-key.js';
import { namespaceMatcher } from '../namespaces/namespace-match.js';
import type { NamespaceNode } from '../namespaces/namespaces.js';

export type PurgeTargetSpec =
  /** A Redis glob as typed. */
  | { kind: 'glob'; pattern: Buffer }
  /** One exact key name, given as text (glob characters are escaped). */
  | { kind: 'literal'; text: Buffer }
  /** Every key starting with this literal text. */
  | { kind: 'prefix'; text: Buffer }
  /** One key, as the explorer lists it. */
  | { kind: 'key'; key: Buffer }
  /** A namespace of the explorer's tree, with the options the tree was built with. */
  | { kind: 'namespace'; name: string; ownOnly: boolean; namespaces: NamespaceOptions; within?: Buffer; tree?: NamespaceNode };

export interface PurgeTargetPattern {
  /** The glob SCAN MATCH uses; every planned key also passes the client-side re-check against it. */
  pattern: Buffer;
  /** Plans only the keys this accepts; absent when the glob says it exactly. */
  keyFilter?: (key: Buffer) => boolean;
}

export function purgeTarget(spec: PurgeTargetSpec): PurgeTargetPattern {
  switch (spec.kind) {
    case 'glob':
      return { pattern: spec.pattern };
    case 'literal':
      return { pattern: escapeGlob(spec.text) };
    case 'prefix':
      // An empty prefix stays empty, so the empty-pattern guard refuses it instead of planning `*`.
      return { pattern: spec.text.length === 0 ? spec.text : Buffer.concat([escapeGlob(spec.text), Buffer.from('*')]) };
    case 'key':
      return { pattern: escapeGlob(spec.key) };
    case 'namespace': {
      const matcher = namespaceMatcher(spec.name, spec.namespaces, spec.within, spec.tree);
      return { pattern: matcher.glob, keyFilter: spec.ownOnly ? matcher.isOwn : matcher.contains };
    }
  }
}
