// Backing up a key too big for one DUMP (dump.ts says which): its value is read in bounded chunks —
// GETRANGE windows, HSCAN/SSCAN/ZSCAN with COUNT, LRANGE windows, XRANGE with COUNT — each call
// short, and written to the backup file as one chunked record (backup.ts) with the key's TTL and,
// on servers with hash field expiration (asked with COMMAND INFO), each field's own expiry.
//
// Consistency: the chunks are separate reads, so writes to the key while it is read may be partly
// captured (a SCAN returns every element present for the whole read at least once; elements added
// or removed meanwhile may or may not be in the backup). The purge deletes the key right after.
// The key's TTL is read before the first chunk.

import type { Redis } from 'ioredis';
import type { BackupWriter, Chunk, ChunkedType } from './backup.js';
import { ELEMENTS_CHUNK, STREAM_META_CHUNK } from './backup.js';
import type { BigKey } from './dump.js';

export interface ChunkLimits {
  /** Elements asked for per SCAN/LRANGE/XRANGE call (fewer when elements are large). */
  elements: number;
  /** Bytes per GETRANGE window, and the size the element count is cut to fit. */
  bytes: number;
}

/**
 * Measured on the 2-core test machine: HSCAN … COUNT 1000 on a 1M-field hash took 1.0 ms of server
 * time when idle (COUNT 5000: 6.9 ms), but ZSCAN/HSCAN with COUNT 1000 reached 7–15 ms while the
 * machine was busy; 250 leaves room. A GETRANGE of 256 KiB is a copy of well under 1 ms.
 */
export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { elements: 250, bytes: 256 * 1024 };

/** Written through the writer once this much is buffered, so a huge key never sits in memory whole. */
const SYNC_BYTES = 8 * 1024 * 1024;

export type ChunkedOutcome =
  /** The record is in the file (maybe flagged as vanished mid-read). */
  | { kind: 'backed-up'; chunks: number; vanished: boolean }
  /** The key was gone before anything was read. */
  | { kind: 'gone' }
  /** Not readable in chunks (a module type, a stream with consumer groups): nothing was written. */
  | { kind: 'unsupported'; reason: string }
  /** The signal fired mid-read: the record was voided. */
  | { kind: 'aborted' };

export interface ChunkedDumpOptions {
  limits?: ChunkLimits;
  signal?: AbortSignal;
  /**
   * Called after every chunk read with the work it did, in keys' worth (chunkWork): purge --rate
   * waits here, so a big key is read no faster than that many keys would be deleted.
   */
  pace?: (work: number) => Promise<void>;
}

/** A string window counts as one key per KiB; any other chunk, one per element or entry (at least one per call). */
export function chunkWork(type: ChunkedType, chunk: Chunk): number {
  const items = chunk.items;
  if (chunk.kind === STREAM_META_CHUNK) return 1;
  switch (type) {
    case 'string':
      return Math.max(1, Math.ceil(items.reduce((sum, item) => sum + item.length, 0) / 1024));
    case 'stream': {
      // id, field count, then the fields and values of each entry.
      let entries = 0;
      for (let i = 0; i + 1 < items.length; i += 2 + 2 * Number(items[i + 1]!.toString())) entries += 1;
      return Math.max(1, entries);
    }
    default:
      return Math.max(1, items.length / (type === 'hash' || type === 'zset' ? 2 : type === 'hash-ttl' ? 3 : 1));
  }
}

/**
 * Appends `key` to the backup as a chunked record. No other record may be appended meanwhile (the
 * caller backs big keys up one at a time). A failure voids the open record and rethrows.
 */
export async function backupBigKey(client: Redis, key: Buffer, big: BigKey, writer: BackupWriter, options: ChunkedDumpOptions = {}): Promise<ChunkedOutcome> {
  const limits = options.limits ?? DEFAULT_CHUNK_LIMITS;
  let type: ChunkedType;
  switch (big.type) {
    case 'string':
    case 'list':
    case 'set':
    case 'zset':
      type = big.type;
      break;
    case 'hash':
      type = (await hasCommand(client, 'hpexpiretime')) ? 'hash-ttl' : 'hash';
      break;
    case 'stream': {
      const reason = await wholeDumpReason(client, key, 'stream');
      if (reason !== undefined) return { kind: 'unsupported', reason };
      type = 'stream';
      break;
    }
    default:
      return { kind: 'unsupported', reason: (await wholeDumpReason(client, key, big.type))! };
  }
  const pttl = Number(await client.pttl(key));
  if (pttl === -2) return { kind: 'gone' };
  const expireAt = pttl >= 0 ? Date.now() + pttl : -1;
  // Fewer elements per call when they are large, so one reply stays near `limits.bytes`: down to
  // one element per call (a hash of 1 MB values read 10 at a time copied 10 MB per call).
  const perElement = big.elements > 0 ? big.bytes / big.elements : 0;
  const count = Math.max(1, Math.min(limits.elements, perElement > 0 ? Math.floor(limits.bytes / perElement) : limits.elements));
  writer.beginChunked(key, type, expireAt);
  let chunks = 0;
  try {
    for await (const chunk of readChunks(client, key, type, count, limits.bytes)) {
      if (options.signal?.aborted === true) {
        writer.voidChunked();
        return { kind: 'aborted' };
      }
      if (chunk.items.length > 0) {
        writer.appendChunk(chunk);
        chunks += 1;
        if (writer.buffered >= SYNC_BYTES) await writer.sync();
      }
      await options.pace?.(chunkWork(type, chunk));
    }
    const vanished = Number(await client.exists(key)) === 0;
    writer.finishChunked(vanished);
    return { kind: 'backed-up', chunks, vanished };
  } catch (error) {
    writer.voidChunked();
    throw error;
  }
}

async function* readChunks(client: Redis, key: Buffer, type: ChunkedType, count: number, windowBytes: number): AsyncGenerator<Chunk> {
  const elements = (items: Buffer[]): Chunk => ({ kind: ELEMENTS_CHUNK, items });
  switch (type) {
    case 'string':
      for (let start = 0; ; start += windowBytes) {
        const part = (await client.callBuffer('GETRANGE', key, String(start), String(start + windowBytes - 1))) as Buffer;
        if (part.length > 0) yield elements([part]);
        if (part.length < windowBytes) return;
      }
    case 'list':
      for (let start = 0; ; start += count) {
        const part = (await client.callBuffer('LRANGE', key, String(start), String(start + count - 1))) as Buffer[];
        yield elements(part);
        if (part.length < count) return;
      }
    case 'hash':
    case 'set':
    case 'zset':
      for await (const part of scanChunks(client, key, type === 'hash' ? 'HSCAN' : type === 'set' ? 'SSCAN' : 'ZSCAN', count)) yield elements(part);
      return;
    case 'hash-ttl':
      for await (const part of scanChunks(client, key, 'HSCAN', count)) yield elements(await withFieldExpiry(client, key, part));
      return;
    case 'stream':
      yield* streamChunks(client, key, count);
  }
}

async function* scanChunks(client: Redis, key: Buffer, command: string, count: number): AsyncGenerator<Buffer[]> {
  let cursor = '0';
  do {
    const [next, items] = (await client.callBuffer(command, key, cursor, 'COUNT', String(count))) as [Buffer, Buffer[]];
    cursor = next.toString();
    yield items;
  } while (cursor !== '0');
}

/** field, value pairs → field, value, expireAt triples (HPEXPIRETIME; a field gone since the HSCAN is left out). */
async function withFieldExpiry(client: Redis, key: Buffer, pairs: Buffer[]): Promise<Buffer[]> {
  const fields = pairs.filter((_, i) => i % 2 === 0);
  if (fields.length === 0) return [];
  const times = (await client.callBuffer('HPEXPIRETIME', key, 'FIELDS', String(fields.length), ...fields)) as unknown[];
  const out: Buffer[] = [];
  fields.forEach((field, i) => {
    const time = Number(times[i]);
    if (time === -2) return;
    out.push(field, pairs[2 * i + 1]!, Buffer.from(String(time >= 0 ? time : -1)));
  });
  return out;
}

async function* streamChunks(client: Redis, key: Buffer, count: number): AsyncGenerator<Chunk> {
  let start = '-';
  for (;;) {
    const entries = (await client.callBuffer('XRANGE', key, start, '+', 'COUNT', String(count))) as [Buffer, Buffer[]][];
    const items: Buffer[] = [];
    for (const [id, fields] of entries) items.push(id, Buffer.from(String(fields.length / 2)), ...fields);
    if (items.length > 0) yield { kind: ELEMENTS_CHUNK, items };
    if (entries.length < count) break;
    // Exclusive start (Redis 6.2+): the entry after the last one read.
    start = `(${entries[entries.length - 1]![0].toString()}`;
  }
  const info = await streamInfo(client, key);
  if (info !== undefined) {
    yield { kind: STREAM_META_CHUNK, items: [info.lastId, info.entriesAdded, info.maxDeletedId].map((text) => Buffer.from(text ?? '')) };
  }
}

/**
 * Why a key of this TYPE cannot be read in chunks (only one DUMP of the whole value can back it
 * up), or undefined when it can. The plan asks this ahead of the backup, with the same answer.
 */
export async function wholeDumpReason(client: Redis, key: Buffer, type: string): Promise<string | undefined> {
  switch (type) {
    case 'string':
    case 'list':
    case 'set':
    case 'zset':
    case 'hash':
    case 'none':
      return undefined;
    case 'stream': {
      const groups = await streamInfo(client, key).then((info) => info?.groups ?? 0);
      return groups > 0 ? `a stream with ${groups} consumer group${groups === 1 ? '' : 's'} (their pending entries cannot be read in chunks)` : undefined;
    }
    default:
      return `a value of type ${type}, which only DUMP can read`;
  }
}

interface StreamInfo {
  groups: number;
  lastId: string;
  /** Redis 7.0+. */
  entriesAdded: string | undefined;
  maxDeletedId: string | undefined;
}

/** XINFO STREAM (not FULL: a few fields, no entries walked); undefined when the key is gone. */
async function streamInfo(client: Redis, key: Buffer): Promise<StreamInfo | undefined> {
  let reply: unknown[];
  try {
    reply = (await client.call('XINFO', 'STREAM', key)) as unknown[];
  } catch (error) {
    if (/no such key/i.test(String((error as Error).message))) return undefined;
    throw error;
  }
  const fields = new Map<string, unknown>();
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), reply[i + 1]);
  const text = (name: string) => (fields.has(name) ? String(fields.get(name)) : undefined);
  return { groups: Number(fields.get('groups') ?? 0), lastId: text('last-generated-id') ?? '0-0', entriesAdded: text('entries-added'), maxDeletedId: text('max-deleted-entry-id') };
}

/** Whether the server knows a command (COMMAND INFO), asked once per connection. */
const commandSupport = new WeakMap<Redis, Map<string, Promise<boolean>>>();
export function hasCommand(client: Redis, name: string): Promise<boolean> {
  let known = commandSupport.get(client);
  if (known === undefined) {
    known = new Map();
    commandSupport.set(client, known);
  }
  let answer = known.get(name);
  if (answer === undefined) {
    answer = client.call('COMMAND', 'INFO', name).then(
      (info) => Array.isArray(info) && info[0] !== null && info[0] !== undefined,
      () => false,
    );
    known.set(name, answer);
  }
  return answer;
}
