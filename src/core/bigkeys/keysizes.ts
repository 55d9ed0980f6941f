// `bigkeys --quick`: the per-type size histograms Redis 8 keeps itself (INFO keysizes), so the
// distribution comes with no scan at all. Detected by asking for the section, never by version.
// Format (Redis docs, "INFO keysizes"): one line per database and type, power-of-two buckets,
// each labelled by its lower bound with K/M/G/T/P for powers of 1024:
//   db0_distrib_strings_sizes:2=1,4=1,1K=20
//   db0_distrib_hashes_items:1=1,2=1

import { CachectlError } from '../../base/errors.js';
import type { Topology } from '../../connection/topology.js';
import { shardsOf } from '../scan/scan.js';
import type { Log2Bucket } from './size-distribution.js';

export interface KeysizesType {
  /** The type as TYPE names it: string, list, set, zset, hash (or the section's own word for others). */
  type: string;
  of: 'bytes' | 'elements';
  keys: number;
  buckets: Log2Bucket[];
  /** The power-of-two range holding each percentile: the section keeps nothing finer. */
  p50: Log2Bucket | null;
  p90: Log2Bucket | null;
  p99: Log2Bucket | null;
}

const TYPE_NAMES: Record<string, string> = { strings: 'string', lists: 'list', sets: 'set', zsets: 'zset', hashes: 'hash' };
const SUFFIX: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 };
const LINE = /^db(\d+)_distrib_([a-z]+)_(sizes|items)$/;
const BUCKET = /^(\d+)([KMGTP]?)$/;

/** Per database, per type: bucket lower bound → keys. `present` is false when the server has no such section. */
export interface ParsedKeysizes {
  present: boolean;
  dbs: Map<number, Map<string, { of: 'bytes' | 'elements'; counts: Map<number, number> }>>;
}

export function parseKeysizes(text: string): ParsedKeysizes {
  const parsed: ParsedKeysizes = { present: false, dbs: new Map() };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (/^#\s*keysizes$/i.test(line)) {
      parsed.present = true;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const field = LINE.exec(line.slice(0, colon));
    if (field === null) continue;
    parsed.present = true;
    const db = Number(field[1]);
    const type = TYPE_NAMES[field[2]!] ?? field[2]!;
    let types = parsed.dbs.get(db);
    if (types === undefined) {
      types = new Map();
      parsed.dbs.set(db, types);
    }
    const entry = types.get(type) ?? { of: field[3] === 'sizes' ? ('bytes' as const) : ('elements' as const), counts: new Map<number, number>() };
    types.set(type, entry);
    for (const pair of line.slice(colon + 1).split(',')) {
      const [label, count] = pair.split('=');
      const bucket = BUCKET.exec(label?.trim() ?? '');
      const keys = Number(count);
      if (bucket === null || !Number.isFinite(keys)) continue;
      const from = Number(bucket[1]) * SUFFIX[bucket[2]!]!;
      entry.counts.set(from, (entry.counts.get(from) ?? 0) + keys);
    }
  }
  return parsed;
}

/** Adds one node's histograms (for one db) into `into`. */
export function mergeKeysizes(into: Map<string, { of: 'bytes' | 'elements'; counts: Map<number, number> }>, parsed: ParsedKeysizes, db: number): void {
  for (const [type, entry] of parsed.dbs.get(db) ?? []) {
    const target = into.get(type) ?? { of: entry.of, counts: new Map<number, number>() };
    into.set(type, target);
    for (const [from, keys] of entry.counts) target.counts.set(from, (target.counts.get(from) ?? 0) + keys);
  }
}

export function keysizesTypes(merged: Map<string, { of: 'bytes' | 'elements'; counts: Map<number, number> }>): KeysizesType[] {
  const out: KeysizesType[] = [];
  for (const [type, { of, counts }] of merged) {
    // Every power of two from the smallest bucket to the largest, empty ones too: evenly spaced columns.
    const present = [...counts.keys()].filter((from) => (counts.get(from) ?? 0) > 0);
    const buckets: Log2Bucket[] = [];
    if (present.length > 0) {
      const last = Math.max(...present);
      for (let from = Math.min(...present); from <= last; from = from === 0 ? 1 : from * 2) {
        buckets.push({ from, to: from === 0 ? 0 : from * 2 - 1, count: counts.get(from) ?? 0 });
      }
    }
    const keys = buckets.reduce((sum, bucket) => sum + bucket.count, 0);
    if (keys === 0) continue;
    const at = (q: number): Log2Bucket | null => {
      const rank = Math.max(1, Math.ceil(q * keys));
      let seen = 0;
      for (const bucket of buckets) {
        seen += bucket.count;
        if (seen >= rank) return bucket;
      }
      return null;
    };
    out.push({ type, of, keys, buckets, p50: at(0.5), p90: at(0.9), p99: at(0.99) });
  }
  return out.sort((a, b) => b.keys - a.keys);
}

export interface KeysizesReport {
  db: number;
  nodes: string[];
  types: KeysizesType[];
}

/** INFO keysizes from every master (or one replica per shard), merged; throws when a node lacks the section. */
export async function readKeysizes(topology: Topology, replica: boolean): Promise<KeysizesReport> {
  const merged = new Map<string, { of: 'bytes' | 'elements'; counts: Map<number, number> }>();
  const nodes: string[] = [];
  for (const { node } of shardsOf(topology, replica)) {
    let text: string;
    try {
      text = String(await (await node.ready()).info('keysizes'));
    } catch (error) {
      throw node.translate(error);
    }
    const parsed = parseKeysizes(text);
    if (!parsed.present) {
      throw new CachectlError('SERVER', `--quick needs INFO keysizes (Redis 8 and later); ${node.address} has no such section`, {
        hint: 'run bigkeys without --quick: it scans the keys and measures each one',
      });
    }
    mergeKeysizes(merged, parsed, topology.db);
    nodes.push(node.address);
  }
  return { db: topology.db, nodes, types: keysizesTypes(merged) };
}
