// What makes a key worth a finding (or fail a CI run): per-key tests applied to every scanned key.
// The built-in findings name the sizes that make DEL, DUMP, replication and cluster migration stall;
// --fail-on rules ("key-memory>50mb") are the same kind of test with the user's threshold.

import { usageError } from '../../base/errors.js';
import { parseByteSize, parseCount } from '../../base/units.js';
import { TTL_NONE, UNKNOWN } from '../scan/scan-batch.js';
import type { KeyRecord } from './top-keys.js';

export type MeasuredKey = Pick<KeyRecord, 'type' | 'memory' | 'length' | 'ttl' | 'node'>;

export interface KeyRule {
  id: string;
  matches(key: MeasuredKey): boolean;
}

export interface FindingLimits {
  /** A string longer than this many bytes (STRLEN, or memory when the length is unknown). @default 10 MiB */
  stringBytes: number;
  /** A collection with more elements than this. @default 1,000,000 */
  collectionElements: number;
  /** A collection using more memory than this. @default 100 MiB */
  collectionBytes: number;
  /** "Big" for the no-TTL finding: at least this much memory. @default 1 MiB */
  bigBytes: number;
  /** One key over this share (0..1) of its node's used_memory. @default 0.1 */
  shardShare: number;
}

export const DEFAULT_LIMITS: FindingLimits = {
  stringBytes: 10 * 1024 ** 2,
  collectionElements: 1_000_000,
  collectionBytes: 100 * 1024 ** 2,
  bigBytes: 1024 ** 2,
  shardShare: 0.1,
};

export type FindingId = 'huge-string' | 'huge-collection' | 'big-no-ttl' | 'shard-share';

const COLLECTIONS = new Set(['list', 'set', 'zset', 'hash', 'stream']);

export function isCollection(type: string): boolean {
  return COLLECTIONS.has(type);
}

/** The built-in findings; `usedMemory` is each node's used_memory (address → bytes) for the share test. */
export function findingRules(limits: FindingLimits, usedMemory: ReadonlyMap<string, number>): (KeyRule & { id: FindingId })[] {
  return [
    {
      id: 'huge-string',
      matches: (key) => key.type === 'string' && (key.length !== UNKNOWN ? key.length > limits.stringBytes : key.memory > limits.stringBytes),
    },
    {
      id: 'huge-collection',
      matches: (key) => isCollection(key.type) && (key.length > limits.collectionElements || key.memory > limits.collectionBytes),
    },
    { id: 'big-no-ttl', matches: (key) => key.ttl === TTL_NONE && key.memory >= limits.bigBytes },
    {
      id: 'shard-share',
      matches: (key) => {
        const used = usedMemory.get(key.node);
        return used !== undefined && used > 0 && key.memory > used * limits.shardShare;
      },
    },
  ];
}

export type FailOnMetric = 'key-memory' | 'key-elements' | 'string-length' | 'findings';

export interface FailOnRule extends KeyRule {
  metric: FailOnMetric;
  /** The threshold; a key (or, for findings, the finding count) must exceed it (or reach it with >=). */
  value: number;
  inclusive: boolean;
}

const FAIL_ON = /^\s*([a-z-]+)\s*(>=|>)\s*(\S.*?)\s*$/i;
const FAIL_ON_HINT = 'e.g. --fail-on "key-memory>50mb", "key-elements>1000000", "string-length>10mb" or "findings>0"';

/** `key-memory>50mb`, `key-elements>=1000000`, `string-length>10mb`, `findings>0`. */
export function parseFailOn(text: string): FailOnRule {
  const match = FAIL_ON.exec(text);
  const metric = match?.[1]?.toLowerCase();
  if (match === null || (metric !== 'key-memory' && metric !== 'key-elements' && metric !== 'string-length' && metric !== 'findings')) {
    throw usageError('--fail-on', `expects METRIC>VALUE with METRIC key-memory, key-elements, string-length or findings, got ${JSON.stringify(text)}`, FAIL_ON_HINT);
  }
  const inclusive = match[2] === '>=';
  const raw = match[3]!;
  const value = metric === 'key-memory' || metric === 'string-length' ? parseByteSize(raw, `--fail-on ${metric}`) : parseCount(raw, `--fail-on ${metric}`);
  const over = (measured: number) => measured !== UNKNOWN && (inclusive ? measured >= value : measured > value);
  const id = `${metric}${inclusive ? '>=' : '>'}${raw}`;
  switch (metric) {
    case 'key-memory':
      return { id, metric, value, inclusive, matches: (key) => over(key.memory) };
    case 'key-elements':
      return { id, metric, value, inclusive, matches: (key) => isCollection(key.type) && over(key.length) };
    case 'string-length':
      return { id, metric, value, inclusive, matches: (key) => key.type === 'string' && over(key.length) };
    default:
      // Judged on the report's finding count, not per key.
      return { id, metric, value, inclusive, matches: () => false };
  }
}
