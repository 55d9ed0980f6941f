// Aggregates scanned keys into a namespace tree (`app` → `v2` → `user` → `{id}` → `profile`) with
// per-namespace counts, memory, types and TTL distribution. Only leaf namespaces are kept while
// scanning (one small record each, per shard so a restarted shard can be discarded); the tree is
// rolled up at the end. Memory grows with the number of namespaces, never with the number of keys.

import type { KeyBatch } from '../scan/scan-batch.js';
import { KEY_TYPES, TTL_ALL_FIELDS, TTL_GONE, TTL_NONE, TTL_SOME_FIELDS, UNKNOWN, keptKey } from '../scan/scan-batch.js';
import type { NamespaceOptions } from './namespace-key.js';
import { ID_PLACEHOLDER, isInferred, namespaceName, namespacePath, VARIABLE_PLACEHOLDER } from './namespace-key.js';
import { layoutLabel } from './layouts.js';

/**
 * At this many distinct leaf namespaces the aggregator compacts: levels of many small literal values
 * are rolled into ‹var› records while the scan goes on (see LeafCompaction; the TTL audit's rows too). Only if
 * that frees too little are new namespaces counted under OVERFLOW_NAMESPACE.
 */
export const MAX_NAMESPACES = 50_000;
/** Distinct values remembered for the ‹var› rows made while scanning (for their "N values"); past it, a lower bound. */
const MAX_VARIABLE_VALUES = 1_000_000;
export const OVERFLOW_NAMESPACE = '{other}';

// TTL histogram: 4 buckets per power of two of milliseconds (≤ 19% relative error), up to ~2^48 ms.
const TTL_BUCKETS = 4 * 48;

function ttlBucket(ms: number): number {
  return Math.min(TTL_BUCKETS - 1, Math.max(0, Math.floor(Math.log2(ms + 1) * 4)));
}

function bucketMidpoint(bucket: number): number {
  return Math.round((2 ** (bucket / 4) + 2 ** ((bucket + 1) / 4)) / 2 - 1);
}

export class NamespaceStats {
  keys = 0;
  memory = 0;
  /** Keys whose memory was measured (MEMORY USAGE may be unavailable). */
  measured = 0;
  noTtl = 0;
  /** Hashes without a key TTL whose every field expires (Redis 7.4+): they go away, so not noTtl. */
  expireByFields = 0;
  withTtl = 0;
  ttlMin = Infinity;
  ttlMax = -Infinity;
  /** Keys per TTL bucket; allocated with the first TTL (a namespace without any needs none). */
  ttlHistogram: Uint32Array | undefined;

  /** Counts one key with a TTL of `ttl` ms. */
  addTtl(ttl: number): void {
    this.withTtl += 1;
    if (ttl < this.ttlMin) this.ttlMin = ttl;
    if (ttl > this.ttlMax) this.ttlMax = ttl;
    (this.ttlHistogram ??= new Uint32Array(TTL_BUCKETS))[ttlBucket(ttl)]! += 1;
  }
  /** Keys per type code (KEY_TYPES); grows when a module type is first seen. */
  readonly types: number[] = new Array<number>(KEY_TYPES.length).fill(0);
  example: Buffer | undefined;

  merge(other: NamespaceStats): void {
    this.keys += other.keys;
    this.memory += other.memory;
    this.measured += other.measured;
    this.noTtl += other.noTtl;
    this.expireByFields += other.expireByFields;
    this.withTtl += other.withTtl;
    this.ttlMin = Math.min(this.ttlMin, other.ttlMin);
    this.ttlMax = Math.max(this.ttlMax, other.ttlMax);
    const theirs = other.ttlHistogram;
    if (theirs !== undefined) {
      const mine = (this.ttlHistogram ??= new Uint32Array(TTL_BUCKETS));
      for (let i = 0; i < TTL_BUCKETS; i += 1) mine[i]! += theirs[i]!;
    }
    for (let i = 0; i < other.types.length; i += 1) this.types[i] = (this.types[i] ?? 0) + other.types[i]!;
    this.example ??= other.example;
  }

  /** Approximate TTL percentile (0 < q ≤ 1) in ms, from the histogram; exact at min and max. */
  ttlPercentile(q: number): number | null {
    if (this.withTtl === 0) return null;
    if (q >= 1) return this.ttlMax;
    const rank = Math.ceil(q * this.withTtl);
    let seen = 0;
    for (let i = 0; i < TTL_BUCKETS; i += 1) {
      seen += this.ttlHistogram?.[i] ?? 0;
      if (seen >= rank) return Math.min(this.ttlMax, Math.max(this.ttlMin, bucketMidpoint(i)));
    }
    return this.ttlMax;
  }
}

export interface NamespaceNode {
  /** Full namespace, segments joined with the separators found in the keys, e.g. `app:v2:user:‹id›`. */
  name: string;
  segment: string;
  depth: number;
  stats: NamespaceStats;
  children: NamespaceNode[];
  /** The known library layout this namespace is (`BullMQ queue "emails"`), if recognised. */
  label?: string;
  /** For a ‹var› segment rolled up by cardinality: how many distinct values it stands for. */
  distinct?: number;
  /** `distinct` is a lower bound (past the number of values a scan remembers). */
  distinctAtLeast?: boolean;
}

/**
 * Cardinality: a level with at least this many literal children, each holding at most
 * ROLLUP_SMALL_KEYS keys, is one variable segment (‹var›) even if no ID shape matched its values.
 */
export const ROLLUP_MIN_SIBLINGS = 16;
export const ROLLUP_SMALL_KEYS = 5;

export class NamespaceAggregator {
  private readonly shards = new Map<string, Map<string, NamespaceStats>>();
  /**
   * Each distinct leaf namespace and how many shards hold it: the cap and the count are about
   * namespaces, not (shard, namespace) pairs, so a cluster's masters sharing their namespaces
   * neither count them once per master nor push a known namespace into the overflow.
   */
  private readonly names = new Map<string, number>();
  private readonly vanishedByShard = new Map<string, number>();
  /** Each leaf's path (the name of every level), found once when the leaf is first seen. */
  private readonly paths = new Map<string, string[]>();
  /** Rolls the leaves into ‹var› records at the cap, and lands new names in them afterwards. */
  private readonly compaction: LeafCompaction;

  constructor(readonly options: NamespaceOptions) {
    this.compaction = new LeafCompaction(options);
  }

  add(shard: string, batch: KeyBatch): void {
    let leaves = this.shards.get(shard);
    if (leaves === undefined) {
      leaves = new Map();
      this.shards.set(shard, leaves);
    }
    for (let i = 0; i < batch.size; i += 1) {
      const ttl = batch.ttls[i]!;
      if (ttl === TTL_GONE) {
        this.vanishedByShard.set(shard, (this.vanishedByShard.get(shard) ?? 0) + 1);
        continue;
      }
      const key = batch.keys[i]!;
      let name = namespaceName(key, this.options);
      let stats = leaves.get(name);
      if (stats === undefined && this.compaction.active && !this.names.has(name)) {
        name = this.compaction.landKey(key, name, this.paths);
        stats = leaves.get(name);
      }
      if (stats === undefined && !this.names.has(name) && this.compaction.due(this.names.size)) {
        this.compact();
        if (!this.names.has(name)) name = this.compaction.landKey(key, name, this.paths);
        stats = leaves.get(name);
      }
      if (stats === undefined) {
        const known = this.names.get(name);
        const slot = known === undefined && this.names.size >= MAX_NAMESPACES ? OVERFLOW_NAMESPACE : name;
        stats = leaves.get(slot);
        if (stats === undefined) {
          stats = new NamespaceStats();
          stats.example = keptKey(key);
          leaves.set(slot, stats);
          if (slot === name) {
            this.names.set(name, (known ?? 0) + 1);
            if (known === undefined) this.paths.set(name, namespacePath(key, this.options).names);
          }
        }
      }
      stats.keys += 1;
      const type = batch.types[i]!;
      stats.types[type] = (stats.types[type] ?? 0) + 1;
      const memory = batch.memory[i]!;
      if (memory !== UNKNOWN) {
        stats.memory += memory;
        stats.measured += 1;
      }
      if (ttl === TTL_NONE || ttl === TTL_SOME_FIELDS) {
        stats.noTtl += 1;
      } else if (ttl === TTL_ALL_FIELDS) {
        stats.expireByFields += 1;
      } else if (ttl >= 0) {
        stats.addTtl(ttl);
      }
    }
  }

  /** See LeafCompaction: the leaves seen so far become the compacted records, on every shard. */
  private compact(): void {
    this.compaction.compact(this.tree(), this.shards.values(), this.paths, (into, from) => into.merge(from));
    this.names.clear();
    for (const leaves of this.shards.values()) for (const name of leaves.keys()) if (name !== OVERFLOW_NAMESPACE) this.names.set(name, (this.names.get(name) ?? 0) + 1);
    this.compaction.rearm(this.names.size);
  }

  /** Forgets a shard's partial numbers, when its scan restarts from cursor 0 on another node. */
  discardShard(shard: string): void {
    this.vanishedByShard.delete(shard);
    const leaves = this.shards.get(shard);
    if (leaves === undefined) return;
    for (const name of leaves.keys()) {
      const holders = this.names.get(name);
      if (holders === undefined) continue; // the overflow record
      if (holders > 1) this.names.set(name, holders - 1);
      else {
        this.names.delete(name);
        this.paths.delete(name);
      }
    }
    this.shards.delete(shard);
  }

  /**
   * Forgets a namespace and everything under it (or, with `ownOnly`, only its own keys), on every
   * shard: after its keys were deleted, a live view should stop showing them. Returns how many
   * keys the dropped records held.
   */
  removeNamespace(name: string, ownOnly = false): number {
    let keys = 0;
    // A ‹var› row stands only for the values rolled into it, as the tree stands now.
    const scopes = name.includes(VARIABLE_PLACEHOLDER) ? (variableScopes(this.tree(), name) ?? []) : undefined;
    for (const leaves of this.shards.values()) {
      for (const [leaf, stats] of leaves) {
        const path = this.paths.get(leaf);
        if (leaf === name || (!ownOnly && path !== undefined && pathHas(path, name)) || (scopes !== undefined && path !== undefined && pathHasVariable(path, name, ownOnly, scopes, this.options))) {
          keys += stats.keys;
          this.dropLeaf(leaves, leaf);
        }
      }
    }
    return keys;
  }

  /**
   * Takes one deleted key out of its namespace's counts (keys, types, memory, TTL presence). The
   * TTL histogram and min/max are left alone: the key's TTL when it was scanned is not known.
   */
  removeKey(shard: string, name: string, key: { type: number; memory: number; ttl: number; key?: Buffer }): void {
    const leaves = this.shards.get(shard);
    // After a compaction the key's leaf may be the ‹var› record it was counted in.
    if (leaves !== undefined && !leaves.has(name) && key.key !== undefined && this.compaction.active) {
      name = this.compaction.landed(namespacePath(key.key, this.options).names) ?? name;
    }
    const stats = leaves?.get(name);
    if (leaves === undefined || stats === undefined || stats.keys === 0) return;
    stats.keys -= 1;
    if ((stats.types[key.type] ?? 0) > 0) stats.types[key.type]! -= 1;
    if (key.memory !== UNKNOWN && stats.measured > 0) {
      stats.memory = Math.max(0, stats.memory - key.memory);
      stats.measured -= 1;
    }
    if ((key.ttl === TTL_NONE || key.ttl === TTL_SOME_FIELDS) && stats.noTtl > 0) stats.noTtl -= 1;
    if (key.ttl === TTL_ALL_FIELDS && stats.expireByFields > 0) stats.expireByFields -= 1;
    else if (key.ttl >= 0 && stats.withTtl > 0) stats.withTtl -= 1;
    if (stats.keys === 0) this.dropLeaf(leaves, name);
  }

  /** Removes one shard's record of a namespace, and the namespace itself once no shard holds it. */
  private dropLeaf(leaves: Map<string, NamespaceStats>, name: string): void {
    leaves.delete(name);
    const holders = this.names.get(name);
    if (holders === undefined) return; // the overflow record
    if (holders > 1) this.names.set(name, holders - 1);
    else {
      this.names.delete(name);
      this.paths.delete(name);
    }
  }

  /** Distinct leaf namespaces seen (the overflow record not counted). */
  get namespaceCount(): number {
    return this.names.size;
  }

  /** Keys that vanished between SCAN and the per-key calls: skipped, not miscounted. */
  get vanished(): number {
    let sum = 0;
    for (const count of this.vanishedByShard.values()) sum += count;
    return sum;
  }

  /**
   * Merges all shards and rolls leaves up into a tree; the root holds the totals. Levels with many
   * small literal children are rolled into one ‹var› child (see ROLLUP_MIN_SIBLINGS), and known
   * library layouts are labelled.
   */
  tree(): NamespaceNode {
    const paths = this.paths;
    function* leaves(shards: Iterable<Map<string, NamespaceStats>>): Generator<TreeLeaf> {
      for (const shard of shards) for (const [name, stats] of shard) yield { path: paths.get(name) ?? [name], stats };
    }
    const root = buildTree(leaves(this.shards.values()), this.options);
    this.compaction.countValues(root);
    return root;
  }
}

/**
 * Compaction while scanning, shared by the `keys` aggregator and the TTL audit's rows: at the cap of
 * records, the leaves seen so far are rolled up the way the final tree would roll them (levels of many
 * small literal values become one ‹var› record) and the scan goes on with the compacted records, so a
 * keyspace of a million distinct names groups the same as a small one instead of spilling into
 * {other}. A new name that lands under a rolled level is counted in its ‹var› record from then on.
 * The literal values each ‹var› level took in are remembered apart (the records hold none), so its
 * "N values" stays exact up to MAX_VARIABLE_VALUES, a lower bound past it.
 */
export class LeafCompaction {
  /** Where a leaf path lands in the last compacted tree: the node of every level. */
  private land: ((path: readonly string[]) => NamespaceNode[] | undefined) | undefined;
  private readonly values = new Map<string, Set<string>>();
  private remembered = 0;
  private readonly atLeast = new Set<string>();
  /** Compaction is tried again only once the records have grown back past this. */
  private compactAt = MAX_NAMESPACES;

  constructor(private readonly options: NamespaceOptions) {}

  /** Whether a compaction has happened (new names may land in ‹var› records). */
  get active(): boolean {
    return this.land !== undefined;
  }

  /** Whether a new record, with `records` already held, should compact first. */
  due(records: number): boolean {
    return records >= this.compactAt;
  }

  /**
   * Merges the records of every map (name → record; one map per shard, or per shard and rule) into
   * the record their leaf landed in in `root`, the tree of those same records. `paths` (each name's
   * level names) is rewritten for the names that remain.
   */
  compact<R>(root: NamespaceNode, maps: Iterable<Map<string, R>>, paths: Map<string, string[]>, merge: (into: R, from: R) => void): void {
    const land = rolledPaths(root, this.options);
    this.land = land;
    const landed = new Map<string, string[]>();
    for (const records of maps) {
      const merged = new Map<string, R>();
      for (const [name, record] of records) {
        const path = paths.get(name);
        const nodes = name === OVERFLOW_NAMESPACE || path === undefined ? undefined : land(path);
        const target = nodes?.at(-1)?.name ?? name;
        if (nodes !== undefined && path !== undefined) {
          this.rememberValues(path, nodes);
          landed.set(target, nodes.map((node) => node.name));
        } else if (path !== undefined) landed.set(target, path);
        const into = merged.get(target);
        if (into === undefined) merged.set(target, record);
        else merge(into, record);
      }
      records.clear();
      for (const [name, record] of merged) records.set(name, record);
    }
    paths.clear();
    for (const [name, path] of landed) paths.set(name, path);
  }

  /** After a compaction left `records`: tried again once as many again have come; if it freed little, the overflow takes the rest. */
  rearm(records: number): void {
    this.compactAt = Math.max(MAX_NAMESPACES, records * 2);
  }

  /** Where a key's leaf `name` goes after a compaction: its ‹var› record when a level of it was rolled. */
  landKey(key: Buffer, name: string, paths: Map<string, string[]>): string {
    const land = this.land;
    if (land === undefined) return name;
    const path = namespacePath(key, this.options).names;
    const nodes = land(path);
    if (nodes === undefined || nodes.at(-1)!.name === name) return name;
    this.rememberValues(path, nodes);
    const target = nodes.at(-1)!.name;
    if (!paths.has(target)) paths.set(target, nodes.map((node) => node.name));
    return target;
  }

  /** The compacted record a leaf path was counted in, if a compaction rolled it. */
  landed(path: readonly string[]): string | undefined {
    return this.land?.(path)?.at(-1)?.name;
  }

  /** Adds the values the scan rolled into each ‹var› node of a final tree to its "N values". */
  countValues(root: NamespaceNode): void {
    if (this.land === undefined) return;
    const visit = (node: NamespaceNode) => {
      const values = this.values.get(node.name);
      if (node.segment === VARIABLE_PLACEHOLDER && values !== undefined) {
        // Values taken in while scanning, plus any small literal rows the final roll-up added.
        node.distinct = (node.distinct ?? 0) + values.size;
        if (this.atLeast.has(node.name)) node.distinctAtLeast = true;
      }
      for (const child of node.children) visit(child);
    };
    visit(root);
  }

  /** Counts the literal values a path puts under each ‹var› level it passes through. */
  private rememberValues(path: readonly string[], nodes: readonly NamespaceNode[]): void {
    for (let depth = 0; depth < nodes.length && depth < path.length; depth += 1) {
      const node = nodes[depth]!;
      if (node.segment !== VARIABLE_PLACEHOLDER) continue;
      const value = depth === 0 ? path[0]! : segmentOf(path[depth]!, path[depth - 1]!, this.options);
      if (value === VARIABLE_PLACEHOLDER) continue;
      let set = this.values.get(node.name);
      if (set === undefined) {
        set = new Set();
        this.values.set(node.name, set);
      }
      if (set.has(value)) continue;
      if (this.remembered >= MAX_VARIABLE_VALUES) {
        this.atLeast.add(node.name);
        continue;
      }
      set.add(value);
      this.remembered += 1;
    }
  }
}

/** One leaf record for buildTree: the names of every level of its path, and its counts. */
export interface TreeLeaf {
  path: readonly string[];
  stats: NamespaceStats;
}

/**
 * The namespace tree of some leaf records: every level's counts summed from its leaves, many small
 * literal siblings rolled into ‹var› (see rollUp), known layouts labelled. The root holds the totals.
 * Shared by the `keys` tree and the TTL audit, so both group keys the same way.
 */
export function buildTree(leaves: Iterable<TreeLeaf>, options: NamespaceOptions): NamespaceNode {
  const root: NamespaceNode = { name: '', segment: '', depth: 0, stats: new NamespaceStats(), children: [] };
  const index = new Map<string, NamespaceNode>();
  for (const { path, stats } of leaves) {
    root.stats.merge(stats);
    let parent = root;
    for (let depth = 0; depth < path.length; depth += 1) {
      const nodeName = path[depth]!;
      let node = index.get(nodeName);
      if (node === undefined) {
        const segment = depth === 0 ? nodeName : segmentOf(nodeName, path[depth - 1]!, options);
        node = { name: nodeName, segment, depth: depth + 1, stats: new NamespaceStats(), children: [] };
        index.set(nodeName, node);
        parent.children.push(node);
      }
      node.stats.merge(stats);
      parent = node;
    }
  }
  rollUp(root);
  labelTree(root);
  return root;
}

/**
 * Where a leaf path landed in a built tree: the node of the same name, or the one it was rolled
 * into (a year filed under its ‹id› sibling, a small literal under ‹var›). Undefined if the tree
 * does not hold it.
 */
export function rolledNode(root: NamespaceNode, path: readonly string[], options: NamespaceOptions): NamespaceNode | undefined {
  return rolledNodes(root, options)(path);
}

/** rolledNode for many paths of one tree: each level's children indexed once, not searched per path. */
export function rolledNodes(root: NamespaceNode, options: NamespaceOptions): (path: readonly string[]) => NamespaceNode | undefined {
  const land = rolledPaths(root, options);
  return (path) => land(path)?.at(-1);
}

/** Like rolledNodes, with the node of every level on the way (the root not included). */
export function rolledPaths(root: NamespaceNode, options: NamespaceOptions): (path: readonly string[]) => NamespaceNode[] | undefined {
  const indexes = new Map<NamespaceNode, { bySegment: Map<string, NamespaceNode>; scope: VariableScope }>();
  const indexOf = (node: NamespaceNode) => {
    let index = indexes.get(node);
    if (index === undefined) {
      index = { bySegment: new Map(node.children.map((child) => [child.segment, child])), scope: scopeOf(node) };
      indexes.set(node, index);
    }
    return index;
  };
  return (path) => {
    let node = root;
    const nodes: NamespaceNode[] = [];
    for (let depth = 0; depth < path.length; depth += 1) {
      const segment = depth === 0 ? path[0]! : segmentOf(path[depth]!, path[depth - 1]!, options);
      const { bySegment, scope } = indexOf(node);
      let next = bySegment.get(segment);
      if (next === undefined) {
        const into = NUMBER.test(segment) && scope.numbersAreIds ? ID_PLACEHOLDER : acceptsVariable(scope, segment) ? VARIABLE_PLACEHOLDER : undefined;
        if (into !== undefined) next = bySegment.get(into);
      }
      if (next === undefined) return undefined;
      node = next;
      nodes.push(node);
    }
    return nodes.length === 0 ? undefined : nodes;
  };
}

/**
 * What one ‹var› segment stands for: any literal segment at its place except those kept beside it
 * as rows of their own (too many keys to roll) and, beside an ‹id› row, numbers (filed there).
 */
export interface VariableScope {
  kept: ReadonlySet<string>;
  numbersAreIds: boolean;
}

const NUMBER = /^[0-9]+$/;

/** The scope of a ‹var› child of `parent`, read from its siblings. */
function scopeOf(parent: NamespaceNode): VariableScope {
  const kept = new Set<string>();
  let numbersAreIds = false;
  for (const child of parent.children) {
    if (child.segment === ID_PLACEHOLDER) numbersAreIds = true;
    if (!isInferred(child.segment)) kept.add(child.segment);
  }
  return { kept, numbersAreIds };
}

function acceptsVariable(scope: VariableScope | undefined, text: string): boolean {
  // Only literal segments are ever rolled into ‹var›: an ‹id› sibling's keys are not its keys.
  if (isInferred(text)) return false;
  if (scope === undefined) return true;
  return !scope.kept.has(text) && !(scope.numbersAreIds && NUMBER.test(text));
}

/**
 * For each ‹var› segment of namespace `name`, in order, what it stands for in `root` (see
 * VariableScope); undefined when the tree has no such namespace.
 */
export function variableScopes(root: NamespaceNode, name: string): VariableScope[] | undefined {
  const find = (node: NamespaceNode, scopes: VariableScope[]): VariableScope[] | undefined => {
    for (const child of node.children) {
      if (!name.startsWith(child.name)) continue;
      const here = child.segment === VARIABLE_PLACEHOLDER ? [...scopes, scopeOf(node)] : scopes;
      if (child.name === name) return here;
      const found = find(child, here);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return find(root, []);
}

/** The last segment of `name` under `parent`: what follows the parent and the separator run. */
export function segmentOf(name: string, parent: string, options: NamespaceOptions): string {
  let at = parent.length;
  const delimiters = delimitersOf(options);
  for (;;) {
    const d = delimiters.find((delimiter) => delimiter !== '' && name.startsWith(delimiter, at));
    if (d === undefined) break;
    at += d.length;
  }
  return name.slice(at);
}

function delimitersOf(options: NamespaceOptions): readonly string[] {
  const list = options.delimiters !== undefined && options.delimiters.length > 0 ? options.delimiters : [options.delimiter];
  return list.filter((delimiter) => delimiter !== '');
}

/** Whether a leaf path passes through namespace `name`. */
function pathHas(path: readonly string[], name: string): boolean {
  for (const level of path) if (level === name) return true;
  return false;
}

/** Whether a leaf path is under a rolled-up name (`a:‹var›:b`): ‹var› stands for any one segment. */
function pathHasVariable(path: readonly string[], name: string, ownOnly: boolean, scopes: readonly VariableScope[], options: NamespaceOptions): boolean {
  const candidates = ownOnly ? path.slice(-1) : path;
  return candidates.some((level) => variableMatch(level, name, scopes, options));
}

/**
 * `level` matches `pattern` where each ‹var› of the pattern stands for one literal segment of text
 * without a delimiter-like break; with `scopes` (see variableScopes), only for the values the tree
 * rolled into it, not the literal siblings kept as rows of their own.
 */
export function variableMatch(level: string, pattern: string, scopes?: readonly VariableScope[], options?: NamespaceOptions): boolean {
  const delimiters = options === undefined ? [] : delimitersOf(options);
  const parts = pattern.split(VARIABLE_PLACEHOLDER);
  if (!level.startsWith(parts[0]!)) return false;
  let at = parts[0]!.length;
  for (let i = 1; i < parts.length; i += 1) {
    const rest = parts[i]!;
    // The variable segment runs to the next separator, which is the first character of `rest`
    // (or to the end when ‹var› is the last segment).
    const stop = rest === '' ? level.length : level.indexOf(rest[0]!, at);
    if (stop < 0) return false;
    const text = level.slice(at, stop);
    // One segment: a level deeper than the pattern does not match it.
    if (delimiters.some((delimiter) => text.includes(delimiter))) return false;
    if (!acceptsVariable(scopes?.[i - 1], text)) return false;
    at = stop;
    if (!level.startsWith(rest, at)) return false;
    at += rest.length;
  }
  return at === level.length;
}

/**
 * Cardinality: at every level, many small literal siblings (at least ROLLUP_MIN_SIBLINGS of at most
 * ROLLUP_SMALL_KEYS keys each, and most of the literal siblings) roll into one ‹var› child; larger
 * literal siblings stay rows of their own beside it.
 */
function rollUp(node: NamespaceNode): void {
  // Years stay literal by shape (`reports:2024`), but beside an ‹id› sibling they are IDs like it.
  const ids = node.children.find((child) => child.segment === ID_PLACEHOLDER);
  if (ids !== undefined) {
    const numeric = node.children.filter((child) => NUMBER.test(child.segment));
    for (const child of numeric) mergeInto(ids, child);
    if (numeric.length > 0) node.children = node.children.filter((child) => !numeric.includes(child));
  }
  const literal = node.children.filter((child) => !isInferred(child.segment));
  const small = literal.filter((child) => child.stats.keys <= ROLLUP_SMALL_KEYS);
  if (node.depth > 0 && small.length >= ROLLUP_MIN_SIBLINGS && small.length * 2 >= literal.length) {
    const first = small[0]!;
    const separator = first.name.slice(node.name.length, first.name.length - first.segment.length);
    // A ‹var› record the scan already compacted into takes the new small values too.
    const existing = node.children.find((child) => child.segment === VARIABLE_PLACEHOLDER);
    const rolled: NamespaceNode = existing ?? { name: `${node.name}${separator}${VARIABLE_PLACEHOLDER}`, segment: VARIABLE_PLACEHOLDER, depth: node.depth + 1, stats: new NamespaceStats(), children: [] };
    rolled.distinct = (rolled.distinct ?? 0) + small.length;
    for (const child of small) mergeInto(rolled, child);
    const rolledSet = new Set(small);
    node.children = [...node.children.filter((child) => !rolledSet.has(child) && child !== existing), rolled];
  }
  for (const child of node.children) rollUp(child);
}

/** Adds `source`'s counts and subtree to `target`, renaming the subtree under `target`'s name. */
function mergeInto(target: NamespaceNode, source: NamespaceNode): void {
  target.stats.merge(source.stats);
  for (const child of source.children) {
    const separator = child.name.slice(source.name.length, child.name.length - child.segment.length);
    let twin = target.children.find((candidate) => candidate.segment === child.segment);
    if (twin === undefined) {
      twin = { name: `${target.name}${separator}${child.segment}`, segment: child.segment, depth: target.depth + 1, stats: new NamespaceStats(), children: [] };
      target.children.push(twin);
    }
    mergeInto(twin, child);
  }
}

function labelTree(node: NamespaceNode): void {
  for (const child of node.children) {
    const label = layoutLabel(child);
    if (label !== undefined) child.label = label;
    labelTree(child);
  }
}

export type NamespaceSort = 'memory' | 'keys' | 'no-ttl' | 'name';

export function sortNamespaces(nodes: NamespaceNode[], sort: NamespaceSort): NamespaceNode[] {
  const by: Record<NamespaceSort, (a: NamespaceNode, b: NamespaceNode) => number> = {
    memory: (a, b) => b.stats.memory - a.stats.memory || b.stats.keys - a.stats.keys,
    keys: (a, b) => b.stats.keys - a.stats.keys || b.stats.memory - a.stats.memory,
    'no-ttl': (a, b) => b.stats.noTtl - a.stats.noTtl || b.stats.keys - a.stats.keys,
    name: (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  };
  return [...nodes].sort(by[sort]);
}
