// Restoring a chunked record (a key too big for one RESTORE): the value is built under a temporary
// key in the same slot (temp-key.ts) with bounded writes — HSET/SADD/ZADD/RPUSH/XADD batches of one
// chunk — then given its expiry and renamed onto the target in one MULTI, so the target never
// holds a half-built value. A string is the exception: it is sent whole in one SET. Growing it by
// APPEND made the allocator move the whole value now and then (measured: single APPENDs of 140–590
// ms while a 50 MB string grew), whereas the server reads a large SET argument straight into the
// buffer that becomes the value, over many event-loop turns, and the SET itself then takes
// microseconds (43 µs for 50 MB). The price is the string in cachectl's memory (at most 512 MB,
// Redis's own limit). With --replace the old value is UNLINKed first
// (RENAME onto a big key would free it synchronously). The temporary key carries a short safety TTL
// while it is built (a killed restore leaves nothing behind for long) and is removed on any failure.

import type { Redis } from 'ioredis';
import type { Chunk, ChunkedType, ReadRecord } from './backup.js';
import { ELEMENTS_CHUNK, STREAM_META_CHUNK } from './backup.js';
import { CachectlError } from '../../base/errors.js';
import { displayKey } from '../../base/key-format.js';
import { DEFAULT_CHUNK_LIMITS, chunkWork, hasCommand } from './chunked-dump.js';
import { tempKeyFor } from './temp-key.js';

/** How long the temporary key lives unless the next chunk arrives (renewed with every chunk). */
const SAFETY_TTL_MS = 10 * 60 * 1000;

export type ChunkedRestoreOutcome = 'restored' | 'existing' | 'expired' | 'void' | 'cut' | 'interrupted';

export interface ChunkedRestoreOptions {
  replace: boolean;
  signal?: AbortSignal;
  /** Called after each chunk is written, with its work in keys' worth (chunkWork): restore --rate waits here. */
  pace?: (work: number) => Promise<void>;
}

export async function restoreChunked(client: Redis, record: ReadRecord, options: ChunkedRestoreOptions): Promise<ChunkedRestoreOutcome> {
  const chunked = record.chunked!;
  const skip = async (outcome: ChunkedRestoreOutcome): Promise<ChunkedRestoreOutcome> => {
    const end = await chunked.done();
    return end === 'void' || end === 'cut' ? end : outcome;
  };
  if (!options.replace && Number(await client.exists(record.key)) > 0) return skip('existing');
  const temp = tempKeyFor(record.key);
  let built = false;
  const parts: Buffer[] = [];
  try {
    for (;;) {
      if (options.signal?.aborted === true) return 'interrupted';
      const chunk = await chunked.next();
      if (chunk === undefined) break;
      if (chunked.type === 'string') parts.push(...chunk.items);
      else {
        await writeChunk(client, temp, chunked.type, chunk);
        await options.pace?.(chunkWork(chunked.type, chunk));
      }
      built = true;
    }
    if (parts.length > 0) {
      await client.set(temp, parts.length === 1 ? parts[0]! : Buffer.concat(parts), 'PX', SAFETY_TTL_MS);
      await options.pace?.(chunkWork('string', { kind: ELEMENTS_CHUNK, items: parts }));
    }
    const end = await chunked.done();
    if (end !== 'complete') return end === 'vanished' ? 'expired' : end;
    // Nothing written (every element gone while it was backed up), or every field expired since.
    if (!built || Number(await client.exists(temp)) === 0) return 'expired';
    if (record.expireAt >= 0 && record.expireAt <= Date.now()) return 'expired';
    const multi = client.multi();
    if (options.replace) multi.unlink(record.key);
    if (record.expireAt >= 0) multi.pexpireat(temp, Math.round(record.expireAt));
    else multi.persist(temp);
    if (options.replace) multi.rename(temp, record.key);
    else multi.renamenx(temp, record.key);
    const replies = (await multi.exec()) ?? [];
    const failed = replies.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
    const renamed = replies[replies.length - 1]?.[1];
    if (options.replace || Number(renamed) === 1) {
      built = false;
      return 'restored';
    }
    return 'existing';
  } finally {
    // Whatever did not end in the rename: the half-built value goes.
    if (built || options.signal?.aborted === true) await client.unlink(temp).catch(() => undefined);
  }
}

/**
 * Elements per write command. A chunk is read with COUNT 250; written as one command, ZADD of 250
 * members took up to 6–15 ms on the busy 2-core test machine, so each chunk is split further.
 */
const WRITE_ELEMENTS = 100;

/**
 * Bytes per write command and per pipeline, at least one element: HSET of twelve 1 MiB values (a
 * chunk from a backup that read them ten at a time) took 36-49 ms.
 */
const WRITE_BYTES = DEFAULT_CHUNK_LIMITS.bytes;

/** Runs of `size` items at most (whole groups of `group`: pairs stay together), cut early at WRITE_BYTES. */
function* slices(items: Buffer[], size: number, group = 1): Generator<Buffer[]> {
  let start = 0;
  while (start < items.length) {
    let end = start;
    let bytes = 0;
    while (end < items.length && end - start < size) {
      let groupBytes = 0;
      for (let k = end; k < end + group && k < items.length; k += 1) groupBytes += items[k]!.length;
      if (end > start && bytes + groupBytes > WRITE_BYTES) break;
      bytes += groupBytes;
      end += group;
    }
    yield items.slice(start, end);
    start = end;
  }
}

/**
 * One chunk as bounded writes, plus the safety TTL. They go in pipelines of at most WRITE_ELEMENTS
 * elements, one pipeline after another: Redis runs every command it finds in one read of the
 * socket before it serves anyone else, so one pipeline of the whole chunk would add up to one long
 * pause again.
 */
async function writeChunk(client: Redis, temp: Buffer, type: ChunkedType, chunk: Chunk): Promise<void> {
  const commands: [string, ...(Buffer | string)[]][] = [];
  const items = chunk.items;
  switch (type) {
    case 'string':
      // Sent whole by restoreChunked.
      break;
    case 'list':
      for (const part of slices(items, WRITE_ELEMENTS)) commands.push(['RPUSH', temp, ...part]);
      break;
    case 'set':
      for (const part of slices(items, WRITE_ELEMENTS)) commands.push(['SADD', temp, ...part]);
      break;
    case 'hash':
      for (const part of slices(items, 2 * WRITE_ELEMENTS, 2)) commands.push(['HSET', temp, ...part]);
      break;
    case 'zset': {
      const args: Buffer[] = [];
      for (let i = 0; i + 1 < items.length; i += 2) args.push(items[i + 1]!, items[i]!);
      for (const part of slices(args, 2 * WRITE_ELEMENTS, 2)) commands.push(['ZADD', temp, ...part]);
      break;
    }
    case 'hash-ttl': {
      const pairs: Buffer[] = [];
      const byTime = new Map<string, Buffer[]>();
      for (let i = 0; i + 2 < items.length; i += 3) {
        pairs.push(items[i]!, items[i + 1]!);
        const time = items[i + 2]!.toString();
        if (time === '-1') continue;
        let fields = byTime.get(time);
        if (fields === undefined) byTime.set(time, (fields = []));
        fields.push(items[i]!);
      }
      for (const part of slices(pairs, 2 * WRITE_ELEMENTS, 2)) commands.push(['HSET', temp, ...part]);
      if (byTime.size > 0 && !(await hasCommand(client, 'hpexpireat'))) {
        throw new CachectlError('RESTORE', `the backup has hash fields with their own expiry, which this server cannot set (HPEXPIREAT is unknown)`, {
          hint: 'restore into Redis 7.4+ or Valkey 9+ (hash field expiration)',
        });
      }
      for (const [time, fields] of byTime) {
        for (const part of slices(fields, WRITE_ELEMENTS)) commands.push(['HPEXPIREAT', temp, time, 'FIELDS', String(part.length), ...part]);
      }
      break;
    }
    case 'stream':
      if (chunk.kind === STREAM_META_CHUNK) await setStreamMeta(client, temp, items);
      else {
        for (let i = 0; i < items.length; ) {
          const pairs = Number(items[i + 1]!.toString());
          commands.push(['XADD', temp, items[i]!, ...items.slice(i + 2, i + 2 + 2 * pairs)]);
          i += 2 + 2 * pairs;
        }
      }
      break;
  }
  let pipeline = client.pipeline();
  let elements = 0;
  let bytes = 0;
  const flush = async () => {
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
    pipeline = client.pipeline();
    elements = 0;
    bytes = 0;
  };
  for (const [command, ...args] of commands) {
    // XADD adds one entry; the others add one element per argument (pairs count as one).
    const weight = command === 'XADD' ? 1 : command === 'HSET' || command === 'ZADD' ? (args.length - 1) / 2 : args.length - 1;
    const size = args.reduce<number>((sum, arg) => sum + arg.length, 0);
    if (elements > 0 && (elements + weight > WRITE_ELEMENTS || bytes + size > WRITE_BYTES)) await flush();
    pipeline.callBuffer(command, ...args);
    elements += weight;
    bytes += size;
  }
  pipeline.pexpire(temp, SAFETY_TTL_MS);
  await flush();
}

/** XSETID with entries-added and max-deleted-entry-id where the backup has them and the server takes them (7.0+). */
async function setStreamMeta(client: Redis, temp: Buffer, items: Buffer[]): Promise<void> {
  const [lastId, entriesAdded, maxDeleted] = items.map((item) => item.toString());
  if (lastId === undefined || lastId === '') return;
  if (entriesAdded !== undefined && entriesAdded !== '' && maxDeleted !== undefined && maxDeleted !== '') {
    try {
      await client.call('XSETID', temp, lastId, 'ENTRIESADDED', entriesAdded, 'MAXDELETEDID', maxDeleted);
      return;
    } catch (error) {
      if (!/syntax|wrong number/i.test(String((error as Error).message))) throw error;
    }
  }
  await client.call('XSETID', temp, lastId);
}

export function chunkedDescription(record: ReadRecord): string {
  return `key ${displayKey(record.key)} (record #${record.index + 1}, a ${record.chunked?.type ?? 'value'} backed up in chunks)`;
}
