// Reads the keyspace out of a saved document — `cachectl keys -o json` or `cachectl snapshot -o json` —
// as one flat record per namespace, the shape `cachectl diff` compares.

import { CachectlError } from '../../base/errors.js';
import type { KeysReport, NamespaceRow } from '../namespaces/keys-report.js';

export interface NamespaceFigures {
  namespace: string;
  depth: number;
  /** The enclosing namespace in the document's tree; null at the top. */
  parent: string | null;
  keys: number;
  memoryBytes: number | null;
  noTtl: number;
  /** TTL percentiles of the keys that have one; null when none has. */
  ttl: { minMs: number; p50Ms: number; maxMs: number } | null;
}

export interface KeyspaceSide {
  /** Where it came from: a file name, or `live`. */
  source: string;
  kind: 'keys' | 'snapshot' | 'live';
  takenAt: string | null;
  keys: number;
  memoryBytes: number | null;
  noTtl: number;
  /** Every namespace at every depth the document kept, by name. */
  namespaces: Map<string, NamespaceFigures>;
  /** The scan was partial, incomplete or a sample: differences may be the scan's, not the keyspace's. */
  caveats: string[];
}

/** The keyspace of a `keys` report. */
export function sideFromKeysReport(report: KeysReport, source: string, kind: KeyspaceSide['kind'], takenAt: string | null): KeyspaceSide {
  const namespaces = new Map<string, NamespaceFigures>();
  const visit = (rows: readonly NamespaceRow[], parent: string | null) => {
    for (const row of rows) {
      namespaces.set(row.namespace, { namespace: row.namespace, depth: row.depth, parent, keys: row.keys, memoryBytes: row.memoryBytes, noTtl: row.noTtl, ttl: row.ttl });
      visit(row.children, row.namespace);
    }
  };
  visit(report.namespaces, null);
  const caveats: string[] = [];
  if (report.status !== 'complete') caveats.push(`${source}: the scan was ${report.status}`);
  if (report.sampled) caveats.push(`${source}: a sample (--limit), not the whole keyspace`);
  return { source, kind, takenAt, keys: report.scanned, memoryBytes: report.memoryBytes, noTtl: report.noTtl, namespaces, caveats };
}

/** Parses a JSON document of either kind; a clear usage error for anything else. */
export function readKeyspaceDocument(text: string, source: string): KeyspaceSide {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new CachectlError('USAGE', `${source} is not JSON: ${(error as Error).message}`, { hint: 'pass the output of cachectl keys -o json or cachectl snapshot -o json' });
  }
  if (isObject(doc) && doc.kind === 'cachectl-snapshot') {
    const keyspace = doc.keyspace;
    if (!isObject(keyspace) || keyspace.available !== true || !isObject(keyspace.value) || !isKeysReport(keyspace.value.report)) {
      const reason = isObject(keyspace) && typeof keyspace.reason === 'string' ? keyspace.reason : 'no keyspace in it';
      throw new CachectlError('USAGE', `${source} is a snapshot without a namespace report (${reason})`, { hint: 'take the snapshot with --keys, or diff the output of cachectl keys -o json' });
    }
    const side = sideFromKeysReport(keyspace.value.report, source, 'snapshot', typeof doc.takenAt === 'string' ? doc.takenAt : null);
    if (keyspace.value.truncated === true) side.caveats.push(`${source}: the snapshot's scan was cut short by its time bound`);
    if (isObject(doc.redaction) && doc.redaction.keyNames === 'hashed') side.caveats.push(`${source}: namespace names are hashed; they match another document's only under the same CACHECTL_REDACT_SECRET`);
    return side;
  }
  if (isKeysReport(doc)) return sideFromKeysReport(doc, source, 'keys', null);
  throw new CachectlError('USAGE', `${source} is neither a keys report nor a snapshot`, { hint: 'pass the output of cachectl keys -o json or cachectl snapshot -o json' });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isKeysReport(value: unknown): value is KeysReport {
  return isObject(value) && Array.isArray(value.namespaces) && typeof value.scanned === 'number' && typeof value.status === 'string';
}
