// The explorer's BrowseSource on a real topology: the live tree, key lists, previews and export
// from the core. No ink or React here, so it can be driven and tested without a terminal.

import { describeTarget, formatTarget } from '../../connection/target.js';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { NodeHandle, Topology } from '../../connection/topology.js';
import { encodeKeyForJson } from '../../base/key-format.js';
import { namespaceRows } from '../namespaces/keys-report.js';
import type { LiveTreeSnapshot } from '../namespaces/live-namespaces.js';
import { LiveNamespaceTree } from '../namespaces/live-namespaces.js';
import type { NamespaceOptions } from '../namespaces/namespace-key.js';
import { biggestNamespaceKeys, listNamespaceKeys } from '../namespaces/namespace-keys.js';
import type { KeyEntry } from '../namespaces/namespace-keys.js';
import { namespaceMatcher } from '../namespaces/namespace-match.js';
import type { NamespaceNode, NamespaceSort } from '../namespaces/namespaces.js';
import type { PreviewOptions } from './preview.js';
import { previewKey } from './preview.js';
import type { ScanOptions } from '../scan/scan.js';
import type { BrowseSource, PurgeSource } from './source.js';

export interface RedisSourceOptions {
  /** The scan flags (pattern, --replica, --rate, --limit, --type); the signal stops everything. */
  scan: Omit<ScanOptions, 'wantType' | 'wantTtl' | 'wantMemory'>;
  namespaces: NamespaceOptions;
  /** Keys listed per namespace. */
  keyListLimit?: number;
  preview?: PreviewOptions;
  /** The config-file context the connection came from, named in the title. */
  context?: string;
  /** Where exports are written. @default the current directory */
  exportDir?: string;
  /** Dangerous actions; absent when they are off, with the reason. */
  purge?: PurgeSource;
  readonlyReason?: string;
}

export interface RedisSource extends BrowseSource {
  tree: LiveNamespaceTree;
}

export function createRedisSource(topology: Topology, options: RedisSourceOptions): RedisSource {
  const tree = new LiveNamespaceTree(topology, { scan: options.scan, namespaces: options.namespaces });
  const { match, replica, rate, type, noScripts, failoverWaitMs } = options.scan;
  const listScan: Omit<ScanOptions, 'match' | 'limit' | 'wantType' | 'wantTtl' | 'wantMemory'> = {};
  if (replica !== undefined) listScan.replica = replica;
  if (rate !== undefined) listScan.rate = rate;
  if (type !== undefined) listScan.type = type;
  if (noScripts !== undefined) listScan.noScripts = noScripts;
  if (failoverWaitMs !== undefined) listScan.failoverWaitMs = failoverWaitMs;

  const source: RedisSource = {
    tree,
    title: describeTopology(topology, options.scan, options.context),
    delimiter: options.namespaces.delimiter,
    listKeys(namespace, ownOnly, signal) {
      const matcher = namespaceMatcher(namespace, options.namespaces, match, tree.current().root);
      return listNamespaceKeys(topology, {
        matcher,
        ownOnly,
        ...(options.keyListLimit === undefined ? {} : { limit: options.keyListLimit }),
        scan: { ...listScan, signal },
      });
    },
    biggestKeys(namespace, signal) {
      const matcher = namespaceMatcher(namespace, options.namespaces, match, tree.current().root);
      return biggestNamespaceKeys(topology, { matcher, top: BIGGEST_KEYS, scan: { ...listScan, signal } });
    },
    preview(entry) {
      return previewKey(nodeOf(topology, entry, replica === true), entry.key, options.preview);
    },
    exportTree(node, snapshot, sort) {
      return writeExport(options.exportDir ?? process.cwd(), exportDocument(node, snapshot, sort, source.title, match));
    },
  };
  if (options.purge !== undefined) source.purge = options.purge;
  if (options.readonlyReason !== undefined) source.readonlyReason = options.readonlyReason;
  return source;
}

/** Keys in the explorer's "biggest keys" view (b). */
export const BIGGEST_KEYS = 50;

/** Where to read a listed key: the replica it was found on under --replica, else its master. */
function nodeOf(topology: Topology, entry: KeyEntry, replica: boolean): NodeHandle {
  if (replica) {
    const found = topology.replicas().find((node) => node.address === entry.node);
    if (found !== undefined) return found;
  }
  return topology.nodeForKey(entry.key);
}

function describeTopology(topology: Topology, scan: Pick<ScanOptions, 'match' | 'replica' | 'limit'>, context: string | undefined): string {
  const masters = topology.masters();
  // The target as every output names it; a Sentinel's current master and a Cluster's size besides.
  const parts = [formatTarget(describeTarget(topology, context))];
  if (topology.kind === 'sentinel') parts.push(`master at ${masters[0]?.address ?? '?'}`);
  if (topology.kind === 'cluster') parts.push(`${masters.length} masters`);
  if (scan.replica === true) parts.push('replicas');
  if (scan.match !== undefined) parts.push(`pattern ${scan.match.toString('utf8')}`);
  if (scan.limit !== undefined) parts.push(`sample of ${scan.limit.toLocaleString('en-US')}`);
  return parts.join(' · ');
}

/** The JSON an export writes: where it came from, how complete the scan was, and the subtree. */
export function exportDocument(node: NamespaceNode, snapshot: LiveTreeSnapshot, sort: NamespaceSort, source: string, pattern: Buffer | undefined) {
  const rows = namespaceRows(node === snapshot.root ? node : { ...snapshot.root, children: [node] }, {
    wantMemory: snapshot.memoryKnown,
    sort,
    top: Number.POSITIVE_INFINITY,
  });
  return {
    exportedAt: new Date().toISOString(),
    source,
    pattern: pattern === undefined ? null : encodeKeyForJson(pattern).key,
    namespace: node.name === '' ? null : node.name,
    scan: {
      status: snapshot.status,
      sampled: snapshot.sampled,
      scanned: snapshot.scanned,
      dbsize: snapshot.total,
      incompleteNodes: snapshot.failed.map((state) => ({ node: state.node, error: state.error?.message ?? null })),
    },
    memoryBytes: snapshot.memoryKnown ? snapshot.root.stats.memory : null,
    keys: snapshot.root.stats.keys,
    namespaces: rows,
  };
}

/** Writes the export under a new name (never over an existing file); returns its path. */
async function writeExport(dir: string, document: ReturnType<typeof exportDocument>): Promise<string> {
  const slug = (document.namespace ?? 'all').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'namespace';
  const stamp = document.exportedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const text = `${JSON.stringify(document, null, 2)}\n`;
  for (let attempt = 1; ; attempt += 1) {
    const file = path.join(dir, `cachectl-browse-${slug}-${stamp}${attempt === 1 ? '' : `-${attempt}`}.json`);
    try {
      await writeFile(file, text, { flag: 'wx' });
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 100) throw error;
    }
  }
}
