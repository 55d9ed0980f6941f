// A bounded look at one key's value for the explorer: the first bytes of a string, the first
// items of a list, set, sorted set, hash or stream, with type, TTL, encoding and size. Every
// fetch names its bound (GETRANGE, LRANGE 0 N-1, ZRANGE 0 N-1, XRANGE COUNT N, *SCAN COUNT N);
// nothing ever asks for a whole value.
//
// Bounds are on item counts and string bytes. An element of a list, set, hash or stream comes
// back whole (Redis has no GETRANGE for them) and is clipped here; SSCAN/HSCAN on a small
// (listpack/intset) encoding return the whole aggregate, which the server's *-max-listpack-entries
// settings bound.

import type { Redis } from 'ioredis';
import { avoidTouching, type TouchMode } from '../../connection/node-client.js';
import type { NodeHandle } from '../../connection/topology.js';

/** Bytes of a string value fetched. */
export const DEFAULT_PREVIEW_BYTES = 1024;
/** Items of an aggregate fetched. */
export const DEFAULT_PREVIEW_ITEMS = 20;
/** SSCAN/HSCAN calls spent filling a preview from a sparse hash table. */
const MAX_SCAN_CALLS = 8;
/** Times the key may change type between looking at it and reading it before we give up. */
const MAX_ATTEMPTS = 3;

export interface PreviewOptions {
  /** @default DEFAULT_PREVIEW_BYTES — also the bound for each element shown. */
  maxBytes?: number;
  /** @default DEFAULT_PREVIEW_ITEMS */
  maxItems?: number;
}

export type PreviewValue =
  | { kind: 'string'; bytes: Buffer }
  | { kind: 'list' | 'set'; items: Buffer[] }
  | { kind: 'zset'; items: { member: Buffer; score: string }[] }
  /** ttlMs: the field's own TTL (Redis 7.4+ hash field expiration); null without one or on older servers. */
  | { kind: 'hash'; items: { field: Buffer; value: Buffer; ttlMs: number | null }[] }
  | { kind: 'stream'; entries: { id: string; fields: [Buffer, Buffer][] }[] }
  /** A module type (ReJSON-RL, …): no generic way to read a bounded part of it. */
  | { kind: 'unsupported' };

export interface PresentKeyPreview {
  exists: true;
  /** TYPE's answer: string, list, set, zset, hash, stream, or a module type's name. */
  type: string;
  /** Milliseconds left, or null without expiry. */
  ttlMs: number | null;
  /** OBJECT ENCODING, or null when not permitted. */
  encoding: string | null;
  /** MEMORY USAGE, or null when not permitted. */
  memoryBytes: number | null;
  /** STRLEN, LLEN, SCARD, ZCARD, HLEN or XLEN; null for module types. */
  length: number | null;
  value: PreviewValue;
  /** Less than the whole value is shown: more bytes or items exist, or an element was clipped. */
  truncated: boolean;
  /**
   * How the read affected the key's idle time and LFU counter: `no-touch` left them alone (CLIENT
   * NO-TOUCH); otherwise the server updated them (`unsupported` server, or `refused` by ACL).
   */
  touch: TouchMode;
  /** Read without MULTI/EXEC (the user may not run EXEC): type, TTL and value may be from moments apart. */
  transaction: boolean;
}

export type KeyPreview = { exists: false } | PresentKeyPreview;

export async function previewKey(node: NodeHandle, key: Buffer, options: PreviewOptions = {}): Promise<KeyPreview> {
  const maxBytes = Math.max(1, options.maxBytes ?? DEFAULT_PREVIEW_BYTES);
  const maxItems = Math.max(1, options.maxItems ?? DEFAULT_PREVIEW_ITEMS);
  let client: Redis;
  try {
    client = await node.ready();
  } catch (error) {
    throw node.translate(error);
  }
  try {
    const touch = await avoidTouching(client);
    for (let attempt = 1; ; attempt += 1) {
      const preview = await readOnce(client, key, maxBytes, maxItems, touch);
      // The key changed type between TYPE and the read (deleted and re-created): look again.
      if (preview !== 'changed') return preview;
      if (attempt >= MAX_ATTEMPTS) return { exists: false };
    }
  } catch (error) {
    throw node.translate(error);
  }
}

/** Connections whose user may not run MULTI/EXEC (read-only ACL users): previews use a pipeline there. */
const noTransactions = new WeakSet<Redis>();

/** TYPE, PTTL and the reads, in one transaction where the user may run one, else one pipeline. */
async function readState(client: Redis, key: Buffer, read: [string, ...string[]][]): Promise<{ replies: [Error | null, unknown][] | null; transaction: boolean }> {
  if (!noTransactions.has(client)) {
    const multi = client.multi().type(key).pttl(key);
    for (const [command, ...args] of read) multi.callBuffer(command, key, ...args);
    try {
      return { replies: await multi.exec(), transaction: true };
    } catch (error) {
      // MULTI refused by ACL: the server runs the queued reads outside a transaction and EXEC fails.
      if (!/NOPERM|EXECABORT|EXEC without MULTI/i.test(String((error as Error).message))) throw error;
      noTransactions.add(client);
    }
  }
  const pipeline = client.pipeline().type(key).pttl(key);
  for (const [command, ...args] of read) pipeline.callBuffer(command, key, ...args);
  return { replies: await pipeline.exec(), transaction: false };
}

/** Whether the server has HPTTL (hash field expiration, Redis 7.4+), asked once per connection. */
const fieldTtlSupport = new WeakMap<Redis, Promise<boolean>>();
function hasFieldTtls(client: Redis): Promise<boolean> {
  let known = fieldTtlSupport.get(client);
  if (known === undefined) {
    known = client.call('COMMAND', 'INFO', 'hpttl').then(
      (info) => Array.isArray(info) && info[0] !== null && info[0] !== undefined,
      () => false,
    );
    fieldTtlSupport.set(client, known);
  }
  return known;
}

/** The shown fields' own TTLs (HPTTL), null each where a field has none or the server has no HPTTL. */
async function fieldTtls(client: Redis, key: Buffer, fields: Buffer[]): Promise<(number | null)[]> {
  if (fields.length === 0 || !(await hasFieldTtls(client))) return fields.map(() => null);
  const reply = (await client.callBuffer('HPTTL', key, 'FIELDS', String(fields.length), ...fields)) as unknown[];
  return fields.map((_, i) => {
    const ttl = Number(reply[i]);
    return Number.isFinite(ttl) && ttl >= 0 ? ttl : null;
  });
}

async function readOnce(client: Redis, key: Buffer, maxBytes: number, maxItems: number, touch: TouchMode): Promise<KeyPreview | 'changed'> {
  // Metadata first; OBJECT and MEMORY may be forbidden by ACL, which only costs their figures.
  const meta = (await client.pipeline().type(key).call('OBJECT', 'ENCODING', key).call('MEMORY', 'USAGE', key).exec()) ?? [];
  const type = String(meta[0]?.[1] ?? 'none');
  if (meta[0]?.[0]) throw meta[0][0];
  if (type === 'none') return { exists: false };
  const encoding = meta[1]?.[0] || meta[1]?.[1] === null ? null : String(meta[1]?.[1]);
  const memoryBytes = meta[2]?.[0] || meta[2]?.[1] === null ? null : Number(meta[2]?.[1]);

  // The read itself is one transaction with TYPE and PTTL, so what is shown is one consistent state.
  const { replies, transaction } = await readState(client, key, readCommands(type, maxBytes, maxItems));
  if (replies === null) return 'changed';
  for (const [error] of replies) if (error) throw error;
  const typeNow = String(replies[0]![1]);
  if (typeNow === 'none') return { exists: false };
  if (typeNow !== type) return 'changed';
  const pttl = Number(replies[1]![1]);
  if (pttl === -2) return { exists: false };
  const results = replies.slice(2).map(([, value]) => value);

  const base = { exists: true as const, type, ttlMs: pttl >= 0 ? pttl : null, encoding, memoryBytes, touch, transaction };
  const clip = (value: Buffer): Buffer => (value.length > maxBytes ? value.subarray(0, maxBytes) : value);
  let clipped = false;
  const clipItem = (value: Buffer): Buffer => {
    if (value.length > maxBytes) clipped = true;
    return clip(value);
  };

  switch (type) {
    case 'string': {
      const length = Number(results[0]);
      const bytes = results[1] as Buffer;
      return { ...base, length, value: { kind: 'string', bytes }, truncated: length > bytes.length };
    }
    case 'list': {
      const length = Number(results[0]);
      const items = (results[1] as Buffer[]).map(clipItem);
      return { ...base, length, value: { kind: 'list', items }, truncated: clipped || length > items.length };
    }
    case 'zset': {
      const length = Number(results[0]);
      const flat = results[1] as Buffer[];
      const items: { member: Buffer; score: string }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) items.push({ member: clipItem(flat[i]!), score: flat[i + 1]!.toString() });
      return { ...base, length, value: { kind: 'zset', items }, truncated: clipped || length > items.length };
    }
    case 'set':
    case 'hash': {
      const length = Number(results[0]);
      const [cursor, first] = results[1] as [Buffer, Buffer[]];
      const flat = await continueScan(client, type === 'set' ? 'SSCAN' : 'HSCAN', key, cursor.toString(), first, maxItems * (type === 'hash' ? 2 : 1));
      if (type === 'set') {
        const items = dedupe(flat).slice(0, maxItems).map(clipItem);
        return { ...base, length, value: { kind: 'set', items }, truncated: clipped || length > items.length };
      }
      const seen = new Set<string>();
      const whole: { field: Buffer; value: Buffer }[] = [];
      for (let i = 0; i + 1 < flat.length && whole.length < maxItems; i += 2) {
        const id = flat[i]!.toString('latin1');
        if (seen.has(id)) continue;
        seen.add(id);
        whole.push({ field: flat[i]!, value: flat[i + 1]! });
      }
      const ttls = await fieldTtls(client, key, whole.map((item) => item.field));
      const items = whole.map((item, i) => ({ field: clipItem(item.field), value: clipItem(item.value), ttlMs: ttls[i] ?? null }));
      return { ...base, length, value: { kind: 'hash', items }, truncated: clipped || length > items.length };
    }
    case 'stream': {
      const length = Number(results[0]);
      const raw = results[1] as [Buffer, Buffer[]][];
      const entries = raw.map(([id, fields]) => {
        const pairs: [Buffer, Buffer][] = [];
        for (let i = 0; i + 1 < fields.length; i += 2) pairs.push([clipItem(fields[i]!), clipItem(fields[i + 1]!)]);
        return { id: id.toString(), fields: pairs };
      });
      return { ...base, length, value: { kind: 'stream', entries }, truncated: clipped || length > entries.length };
    }
    default:
      return { ...base, length: null, value: { kind: 'unsupported' }, truncated: true };
  }
}

/** The bounded commands that read a value of `type`, after the key: [command, ...args]. */
function readCommands(type: string, maxBytes: number, maxItems: number): [string, ...string[]][] {
  const last = String(maxItems - 1);
  switch (type) {
    case 'string':
      return [['STRLEN'], ['GETRANGE', '0', String(maxBytes - 1)]];
    case 'list':
      return [['LLEN'], ['LRANGE', '0', last]];
    case 'zset':
      return [['ZCARD'], ['ZRANGE', '0', last, 'WITHSCORES']];
    case 'set':
      return [['SCARD'], ['SSCAN', '0', 'COUNT', String(maxItems)]];
    case 'hash':
      return [['HLEN'], ['HSCAN', '0', 'COUNT', String(maxItems)]];
    case 'stream':
      return [['XLEN'], ['XRANGE', '-', '+', 'COUNT', String(maxItems)]];
    default:
      return [];
  }
}

/**
 * More SSCAN/HSCAN calls when the first one came back short (a sparse hash table can return few
 * or no elements per call), until `wanted` elements, the end, or MAX_SCAN_CALLS.
 */
async function continueScan(client: Redis, command: 'SSCAN' | 'HSCAN', key: Buffer, cursor: string, first: Buffer[], wanted: number): Promise<Buffer[]> {
  const flat = [...first];
  let next = cursor;
  for (let calls = 1; next !== '0' && flat.length < wanted && calls < MAX_SCAN_CALLS; calls += 1) {
    const [after, more] = (await client.callBuffer(command, key, next, 'COUNT', String(wanted))) as [Buffer, Buffer[]];
    flat.push(...more);
    next = after.toString();
  }
  return flat;
}

/** SSCAN may return an element twice (while the set is rehashed). */
function dedupe(items: Buffer[]): Buffer[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const id = item.toString('latin1');
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
