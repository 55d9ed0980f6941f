// The backup file `cachectl purge --backup` writes and `cachectl restore` reads: each key's DUMP
// payload, expiry and name, streamed and fsynced before the key is deleted, with a checksum per
// record so damage is found (and located) before anything is restored.
//
// Layout (all integers big-endian):
//   header  "CACHECTL BACKUP\n" · u32 length · JSON (BackupHeader) · u32 crc32(JSON)
//   record  'R' · u32 key length · u32 payload length · f64 expireAt · key · payload · u32 crc32(all before)
//   end     'E' · u32 record count · u32 crc32('E' · count)       (written when the purge stops cleanly)
// expireAt is absolute Unix time in ms, or -1 for a key without expiry.
//
// Format 2 adds chunked records for keys too big for one DUMP (chunked-dump.ts). One such record is
//   begin   'B' · u32 key length · f64 expireAt · u8 type length · type · key · u32 crc32(all before)
//   chunk   'C' · u32 body length · body · u32 crc32(all before), any number of them; the body is
//           u8 chunk kind · u32 item count · (u32 length · bytes) per item (see ChunkedType)
//   finish  'F' · u32 chunk count · u8 flags · u32 crc32(all before)    (flags: 1 = the key vanished while read)
//   or      'X' · u32 crc32('X')                                         (reading it failed: the record is void)
// and counts as one record. Format 1 files (no chunked records) are read as before.

import * as zlib from 'node:zlib';
import { constants as fsConstants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { CachectlError } from '../../base/errors.js';
import { displayKey } from '../../base/key-format.js';
import type { JsonKey } from '../../base/key-format.js';

export const BACKUP_MAGIC = Buffer.from('CACHECTL BACKUP\n', 'latin1');
export const BACKUP_FORMAT_VERSION = 2;
/** Versions this reader understands: 1 has only DUMP records. */
const READABLE_VERSIONS = new Set([1, 2]);
const RECORD_TAG = 0x52; // R
const END_TAG = 0x45; // E
const BEGIN_TAG = 0x42; // B
const CHUNK_TAG = 0x43; // C
const FINISH_TAG = 0x46; // F
const VOID_TAG = 0x58; // X
/** No chunk cachectl writes comes near this; a larger length field is damage. */
const MAX_CHUNK = 256 * 1024 * 1024;
const RECORD_FIXED = 1 + 4 + 4 + 8;
/** No Redis string or DUMP payload we can RESTORE is larger (proto-max-bulk-len tops out below this). */
const MAX_FIELD = 0xffff_ffff;

export interface BackupHeader {
  formatVersion: number;
  /** ISO 8601. */
  createdAt: string;
  /** What was purged: topology kind, the masters' addresses, the database. */
  source: { topology: string; nodes: string[]; db: number };
  /** The effective glob, as JSON-safe key text. */
  pattern: JsonKey;
  /** The cachectl version that wrote it. */
  tool: string;
}

export interface BackupRecord {
  key: Buffer;
  /** DUMP payload: RDB-serialised value with its RDB version and CRC64. */
  payload: Buffer;
  /** Absolute expiry, Unix ms; -1 when the key had none. */
  expireAt: number;
}

/**
 * What a chunked record holds, and how its chunks' items read:
 * - string: one item per chunk, the next bytes of the value;
 * - hash: field, value pairs; hash-ttl: field, value, expireAt (decimal Unix ms, -1 for none) triples;
 * - list: elements in order; set: members; zset: member, score (as Redis prints it) pairs;
 * - stream: per entry its ID, the number of field/value pairs (decimal), then the pairs; a last
 *   chunk of kind STREAM_META holds last-generated-id, entries-added and max-deleted-entry-id
 *   (the latter two empty where the server has none).
 */
export type ChunkedType = 'string' | 'hash' | 'hash-ttl' | 'list' | 'set' | 'zset' | 'stream';
export const CHUNKED_TYPES: readonly ChunkedType[] = ['string', 'hash', 'hash-ttl', 'list', 'set', 'zset', 'stream'];
export const ELEMENTS_CHUNK = 0;
export const STREAM_META_CHUNK = 1;
export const VANISHED_FLAG = 1;

export interface Chunk {
  kind: number;
  items: Buffer[];
}

// --- CRC32 ----------------------------------------------------------------------------------

type Crc32Fn = (data: Uint8Array, value?: number) => number;
/** node:zlib has crc32 from Node 20.15 / 22.2; older 20.x fall back to the table version below. */
const nativeCrc32 = (zlib as unknown as { crc32?: Crc32Fn }).crc32;

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib and gzip compute it), continuing from `previous`. */
export function crc32Table(data: Uint8Array, previous = 0): number {
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i += 1) crc = CRC_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export const crc32: Crc32Fn = nativeCrc32 ?? crc32Table;

// --- Writing --------------------------------------------------------------------------------

export function encodeHeader(header: BackupHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const out = Buffer.allocUnsafe(BACKUP_MAGIC.length + 4 + json.length + 4);
  BACKUP_MAGIC.copy(out, 0);
  out.writeUInt32BE(json.length, BACKUP_MAGIC.length);
  json.copy(out, BACKUP_MAGIC.length + 4);
  out.writeUInt32BE(crc32(json), BACKUP_MAGIC.length + 4 + json.length);
  return out;
}

export function encodeRecord(record: BackupRecord): Buffer {
  const { key, payload } = record;
  if (key.length > MAX_FIELD || payload.length > MAX_FIELD) {
    throw new CachectlError('BACKUP', `key ${displayKey(key)} is too large for the backup format (${payload.length} bytes)`);
  }
  const out = Buffer.allocUnsafe(RECORD_FIXED + key.length + payload.length + 4);
  out[0] = RECORD_TAG;
  out.writeUInt32BE(key.length, 1);
  out.writeUInt32BE(payload.length, 5);
  out.writeDoubleBE(record.expireAt, 9);
  key.copy(out, RECORD_FIXED);
  payload.copy(out, RECORD_FIXED + key.length);
  const body = RECORD_FIXED + key.length + payload.length;
  out.writeUInt32BE(crc32(out.subarray(0, body)), body);
  return out;
}

function withCrc(parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const crc = Buffer.allocUnsafe(4);
  crc.writeUInt32BE(crc32(body), 0);
  return Buffer.concat([body, crc]);
}

function u32(value: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(value >>> 0, 0);
  return out;
}

export function encodeBegin(key: Buffer, type: ChunkedType, expireAt: number): Buffer {
  const fixed = Buffer.allocUnsafe(1 + 4 + 8 + 1);
  fixed[0] = BEGIN_TAG;
  fixed.writeUInt32BE(key.length, 1);
  fixed.writeDoubleBE(expireAt, 5);
  fixed[13] = type.length;
  return withCrc([fixed, Buffer.from(type, 'latin1'), key]);
}

export function encodeChunk(chunk: Chunk): Buffer {
  const parts: Buffer[] = [Buffer.from([CHUNK_TAG]), u32(0), Buffer.from([chunk.kind]), u32(chunk.items.length)];
  let length = 1 + 4 + 1 + 4;
  for (const item of chunk.items) {
    parts.push(u32(item.length), item);
    length += 4 + item.length;
  }
  if (length > MAX_CHUNK) throw new CachectlError('BACKUP', `a chunk of ${length} bytes is too large for the backup format`);
  parts[1] = u32(length);
  return withCrc(parts);
}

function encodeFinish(chunks: number, flags: number): Buffer {
  const fixed = Buffer.allocUnsafe(1 + 4 + 1);
  fixed[0] = FINISH_TAG;
  fixed.writeUInt32BE(chunks >>> 0, 1);
  fixed[5] = flags;
  return withCrc([fixed]);
}

function encodeEnd(records: number): Buffer {
  const out = Buffer.allocUnsafe(1 + 4 + 4);
  out[0] = END_TAG;
  out.writeUInt32BE(records >>> 0, 1);
  out.writeUInt32BE(crc32(out.subarray(0, 5)), 5);
  return out;
}

/**
 * Appends records to a new backup file. `append` only buffers; `sync` writes and fsyncs, and the
 * purge deletes a batch only after its `sync` resolved. Every failure (not writable, disk full) is
 * a CachectlError with code BACKUP, and the writer refuses further use after one.
 */
export class BackupWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private failed: CachectlError | undefined;
  records = 0;
  bytes = 0;

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
  ) {}

  /** Creates the file (never overwrites one: it may be an earlier backup) and makes its header durable. */
  static async create(file: string, header: BackupHeader): Promise<BackupWriter> {
    let handle: FileHandle;
    try {
      handle = await open(file, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
    } catch (error) {
      throw backupError(file, error, 0);
    }
    const writer = new BackupWriter(file, handle);
    const encoded = encodeHeader(header);
    writer.pending.push(encoded);
    writer.pendingBytes += encoded.length;
    await writer.sync();
    // The new directory entry must survive a crash too, or the fsynced data has no name.
    try {
      const dir = await open(path.dirname(path.resolve(file)), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch {
      // Some filesystems refuse fsync on directories; the file itself is synced.
    }
    return writer;
  }

  append(record: BackupRecord): void {
    if (this.chunks >= 0) throw new CachectlError('BACKUP', 'a chunked record is open');
    this.push(encodeRecord(record));
    this.records += 1;
  }

  /** Bytes appended but not yet written. */
  get buffered(): number {
    return this.pendingBytes;
  }

  private push(encoded: Buffer): void {
    if (this.failed !== undefined) throw this.failed;
    this.pending.push(encoded);
    this.pendingBytes += encoded.length;
  }

  private chunks = -1;

  /** Starts a chunked record: chunks follow, then `finishChunked` or `voidChunked`. */
  beginChunked(key: Buffer, type: ChunkedType, expireAt: number): void {
    if (this.chunks >= 0) throw new CachectlError('BACKUP', 'a chunked record is already open');
    this.push(encodeBegin(key, type, expireAt));
    this.chunks = 0;
  }

  appendChunk(chunk: Chunk): void {
    if (this.chunks < 0) throw new CachectlError('BACKUP', 'no chunked record is open');
    this.push(encodeChunk(chunk));
    this.chunks += 1;
  }

  /** Ends the chunked record; it counts as one record. `vanished`: the key was gone before it was read to the end. */
  finishChunked(vanished = false): void {
    if (this.chunks < 0) throw new CachectlError('BACKUP', 'no chunked record is open');
    this.push(encodeFinish(this.chunks, vanished ? VANISHED_FLAG : 0));
    this.chunks = -1;
    this.records += 1;
  }

  /** Voids the open chunked record (reading it failed): restore skips it. */
  voidChunked(): void {
    if (this.chunks < 0 || this.failed !== undefined) return;
    this.push(withCrc([Buffer.from([VOID_TAG])]));
    this.chunks = -1;
  }

  /** Writes everything appended so far and fsyncs it. */
  async sync(): Promise<void> {
    if (this.failed !== undefined) throw this.failed;
    if (this.pending.length === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    try {
      let written = 0;
      while (written < data.length) {
        const { bytesWritten } = await this.handle.write(data, written, data.length - written);
        written += bytesWritten;
      }
      await this.handle.datasync();
    } catch (error) {
      this.failed = backupError(this.file, error, this.records);
      throw this.failed;
    }
    this.bytes += data.length;
  }

  /** Writes the end marker (the file is complete) and closes. Safe to call after a failure: it only closes then. */
  async close(): Promise<void> {
    try {
      if (this.failed === undefined) {
        this.voidChunked();
        this.pending.push(encodeEnd(this.records));
        this.pendingBytes += 9;
        await this.sync();
      }
    } finally {
      await this.handle.close().catch(() => {});
    }
  }
}

function backupError(file: string, error: unknown, records: number): CachectlError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const reasons: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exhausted',
    EFBIG: 'the file size limit was reached',
    EEXIST: 'the file exists already (a backup is never overwritten)',
    ENOENT: 'its directory does not exist',
    EACCES: 'permission denied',
    EROFS: 'the filesystem is read-only',
    EISDIR: 'it is a directory',
  };
  const reason = reasons[code] ?? `${code || 'write failed'}: ${String((error as Error).message ?? error)}`;
  const where = records > 0 ? ` after ${records.toLocaleString('en-US')} records` : '';
  return new CachectlError('BACKUP', `backup ${file}: ${reason}${where}`, {
    hint: code === 'EEXIST' ? 'choose a new --backup file name' : 'free space or choose another --backup location; nothing unbacked was deleted',
    cause: error,
  });
}

// --- Reading --------------------------------------------------------------------------------

/** How a chunked record ended: finished, finished but the key vanished mid-read, voided, or cut off by the end of the file. */
export type ChunkedEnd = 'complete' | 'vanished' | 'void' | 'cut';

/** A chunked record's chunks, read from the file as they are asked for (one chunk in memory at a time). */
export interface ChunkedRead {
  type: ChunkedType;
  /** The next chunk, or undefined after the last. */
  next(): Promise<Chunk | undefined>;
  /** Reads (and checks) any chunks not asked for, and says how the record ended. */
  done(): Promise<ChunkedEnd>;
}

export interface ReadRecord extends BackupRecord {
  /** Byte offset of the record in the file. */
  offset: number;
  /** 0-based index of the record. */
  index: number;
  /** Set for a chunked record (format 2): `payload` is empty and the value comes in chunks. */
  chunked?: ChunkedRead;
}

/** How the file ended: the end marker, a clean cut between records, or a cut inside one. */
export type BackupEnding =
  | { kind: 'complete'; records: number }
  | { kind: 'unfinished'; records: number; offset: number }
  | { kind: 'truncated'; records: number; offset: number };

const READ_BLOCK = 1024 * 1024;

type Frame =
  | { tag: 'R'; offset: number; key: Buffer; payload: Buffer; expireAt: number }
  | { tag: 'E'; offset: number; count: number }
  | { tag: 'B'; offset: number; key: Buffer; type: ChunkedType; expireAt: number }
  | { tag: 'C'; offset: number; chunk: Chunk }
  | { tag: 'F'; offset: number; chunks: number; flags: number }
  | { tag: 'X'; offset: number }
  /** End of file between frames. */
  | { tag: 'eof'; offset: number }
  /** End of file inside a frame. */
  | { tag: 'cut'; offset: number };

/**
 * Reads and checks a backup file record by record, without holding more than one record (or one
 * chunk of a chunked record) and a read block in memory. A damaged header or record throws a
 * CachectlError (code BACKUP) naming the byte offset and, when readable, the key.
 */
export class BackupReader {
  header: BackupHeader | undefined;
  /** Where records start (after the header). */
  dataOffset = 0;

  constructor(readonly file: string) {}

  async *records(): AsyncGenerator<ReadRecord, BackupEnding> {
    let handle: FileHandle;
    try {
      handle = await open(this.file, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(code ?? error);
      throw new CachectlError('BACKUP', `cannot read backup ${this.file}: ${reason}`, {
        hint: 'give the file a purge wrote with --backup',
        cause: error,
      });
    }
    try {
      return yield* this.parse(handle);
    } finally {
      await handle.close().catch(() => {});
    }
  }

  private async *parse(handle: FileHandle): AsyncGenerator<ReadRecord, BackupEnding> {
    let buffer = Buffer.alloc(0);
    /** File offset of buffer[0]. */
    let base = 0;
    let eof = false;
    const block = Buffer.allocUnsafe(READ_BLOCK);
    /** Makes sure `count` bytes from buffer offset `at` are loaded; false at end of file. */
    const ensure = async (at: number, count: number): Promise<boolean> => {
      while (buffer.length - at < count && !eof) {
        const { bytesRead } = await handle.read(block, 0, block.length, base + buffer.length);
        if (bytesRead === 0) eof = true;
        else buffer = Buffer.concat([buffer, block.subarray(0, bytesRead)]);
      }
      return buffer.length - at >= count;
    };

    // Header.
    if (!(await ensure(0, BACKUP_MAGIC.length + 4)) || !buffer.subarray(0, BACKUP_MAGIC.length).equals(BACKUP_MAGIC)) {
      throw new CachectlError('BACKUP', `${this.file} is not a cachectl backup (no "CACHECTL BACKUP" header at offset 0)`, {
        hint: 'give the file a purge wrote with --backup',
      });
    }
    const jsonLength = buffer.readUInt32BE(BACKUP_MAGIC.length);
    const jsonStart = BACKUP_MAGIC.length + 4;
    if (jsonLength > 16 * 1024 * 1024 || !(await ensure(jsonStart, jsonLength + 4))) {
      throw corrupt(this.file, 0, 'its header is cut short or its length is damaged');
    }
    const json = buffer.subarray(jsonStart, jsonStart + jsonLength);
    if (crc32(json) !== buffer.readUInt32BE(jsonStart + jsonLength)) throw corrupt(this.file, 0, 'its header checksum does not match');
    let header: BackupHeader;
    try {
      header = JSON.parse(json.toString('utf8')) as BackupHeader;
    } catch {
      throw corrupt(this.file, 0, 'its header is not valid JSON');
    }
    if (!READABLE_VERSIONS.has(header.formatVersion)) {
      throw new CachectlError('BACKUP', `${this.file} has backup format version ${String(header.formatVersion)}; this cachectl reads versions ${[...READABLE_VERSIONS].join(' and ')}`, {
        hint: 'restore it with the cachectl version that wrote it (see its header "tool")',
      });
    }
    this.header = header;
    let at = jsonStart + jsonLength + 4;
    this.dataOffset = at;

    let index = 0;
    let lastKey: Buffer | undefined;
    const file = this.file;
    const damaged = (offset: number, problem: string) => corrupt(file, offset, problem, lastKey);
    /** Checks the CRC of `length` bytes at `at` (followed by their CRC) and moves past them. */
    const checked = (length: number, what: string, offset: number): Buffer => {
      const body = buffer.subarray(at, at + length);
      if (crc32(body) !== buffer.readUInt32BE(at + length)) throw damaged(offset, `${what} fails its checksum`);
      at += length + 4;
      return body;
    };

    const readFrame = async (): Promise<Frame> => {
      // Drop consumed bytes so memory stays at about one block plus one record.
      if (at > READ_BLOCK) {
        base += at;
        buffer = buffer.subarray(at);
        at = 0;
      }
      const offset = base + at;
      if (!(await ensure(at, 1))) return { tag: 'eof', offset };
      const tag = buffer[at]!;
      const cut: Frame = { tag: 'cut', offset };
      switch (tag) {
        case END_TAG: {
          if (!(await ensure(at, 9))) return cut;
          const count = buffer.readUInt32BE(at + 1);
          checked(5, 'its end marker', offset);
          return { tag: 'E', offset, count };
        }
        case RECORD_TAG: {
          if (!(await ensure(at, RECORD_FIXED))) return cut;
          const keyLength = buffer.readUInt32BE(at + 1);
          const payloadLength = buffer.readUInt32BE(at + 5);
          const bodyLength = RECORD_FIXED + keyLength + payloadLength;
          if (!(await ensure(at, bodyLength + 4))) return cut;
          const key = Buffer.from(buffer.subarray(at + RECORD_FIXED, at + RECORD_FIXED + keyLength));
          const body = checked(bodyLength, `record #${index + 1} (key ${displayKey(key)} as read)`, offset);
          return { tag: 'R', offset, key, payload: Buffer.from(body.subarray(RECORD_FIXED + keyLength)), expireAt: body.readDoubleBE(9) };
        }
        case BEGIN_TAG: {
          if (!(await ensure(at, 14))) return cut;
          const keyLength = buffer.readUInt32BE(at + 1);
          const typeLength = buffer[at + 13]!;
          const bodyLength = 14 + typeLength + keyLength;
          if (!(await ensure(at, bodyLength + 4))) return cut;
          const type = buffer.toString('latin1', at + 14, at + 14 + typeLength) as ChunkedType;
          const key = Buffer.from(buffer.subarray(at + 14 + typeLength, at + bodyLength));
          const body = checked(bodyLength, `record #${index + 1} (key ${displayKey(key)} as read)`, offset);
          if (!CHUNKED_TYPES.includes(type)) throw damaged(offset, `record #${index + 1} has the unknown chunked type ${JSON.stringify(type)}`);
          return { tag: 'B', offset, key, type, expireAt: body.readDoubleBE(5) };
        }
        case CHUNK_TAG: {
          if (!(await ensure(at, 5))) return cut;
          const length = buffer.readUInt32BE(at + 1);
          if (length > MAX_CHUNK) throw damaged(offset, `a chunk of record #${index + 1} has a damaged length`);
          if (!(await ensure(at, length + 4))) return cut;
          const body = checked(length, `a chunk of record #${index + 1}`, offset);
          return { tag: 'C', offset, chunk: parseChunk(body, () => damaged(offset, `a chunk of record #${index + 1} is malformed`)) };
        }
        case FINISH_TAG: {
          if (!(await ensure(at, 10))) return cut;
          const body = checked(6, `the end of record #${index + 1}`, offset);
          return { tag: 'F', offset, chunks: body.readUInt32BE(1), flags: body[5]! };
        }
        case VOID_TAG: {
          if (!(await ensure(at, 5))) return cut;
          checked(1, `the void mark of record #${index + 1}`, offset);
          return { tag: 'X', offset };
        }
        default:
          throw damaged(offset, `record #${index + 1} does not start with a record tag`);
      }
    };

    for (;;) {
      const frame = await readFrame();
      switch (frame.tag) {
        case 'eof':
          return { kind: 'unfinished', records: index, offset: frame.offset };
        case 'cut':
          return { kind: 'truncated', records: index, offset: frame.offset };
        case 'E':
          if (frame.count !== index >>> 0) throw damaged(frame.offset, `its end marker counts ${frame.count} records but ${index} were read`);
          if (await ensure(at, 1)) throw damaged(frame.offset + 9, 'there are bytes after its end marker');
          return { kind: 'complete', records: index };
        case 'R':
          yield { key: frame.key, payload: frame.payload, expireAt: frame.expireAt, offset: frame.offset, index };
          index += 1;
          lastKey = frame.key;
          break;
        case 'B': {
          let ended: ChunkedEnd | undefined;
          let chunks = 0;
          const next = async (): Promise<Chunk | undefined> => {
            if (ended !== undefined) return undefined;
            const inner = await readFrame();
            if (inner.tag === 'C') {
              chunks += 1;
              return inner.chunk;
            }
            if (inner.tag === 'F') {
              if (inner.chunks !== chunks) throw damaged(inner.offset, `record #${index + 1} ends after ${inner.chunks} chunks but ${chunks} were read`);
              ended = (inner.flags & VANISHED_FLAG) !== 0 ? 'vanished' : 'complete';
            } else if (inner.tag === 'X') ended = 'void';
            else if (inner.tag === 'eof' || inner.tag === 'cut') ended = 'cut';
            else throw damaged(inner.offset, `record #${index + 1} (key ${displayKey(frame.key)}) is not finished before the next record`);
            return undefined;
          };
          const done = async (): Promise<ChunkedEnd> => {
            while (ended === undefined) await next();
            return ended;
          };
          yield { key: frame.key, payload: Buffer.alloc(0), expireAt: frame.expireAt, offset: frame.offset, index, chunked: { type: frame.type, next, done } };
          const how = await done();
          if (how === 'cut') return { kind: 'truncated', records: index, offset: frame.offset };
          if (how !== 'void') {
            index += 1;
            lastKey = frame.key;
          }
          break;
        }
        default:
          throw damaged(frame.offset, `a part of a chunked record follows no record start (record #${index + 1})`);
      }
    }
  }
}

function parseChunk(body: Buffer, malformed: () => CachectlError): Chunk {
  if (body.length < 10) throw malformed();
  const kind = body[5]!;
  const count = body.readUInt32BE(6);
  const items: Buffer[] = [];
  let at = 10;
  for (let i = 0; i < count; i += 1) {
    if (at + 4 > body.length) throw malformed();
    const length = body.readUInt32BE(at);
    if (at + 4 + length > body.length) throw malformed();
    items.push(Buffer.from(body.subarray(at + 4, at + 4 + length)));
    at += 4 + length;
  }
  if (at !== body.length) throw malformed();
  return { kind, items };
}

function corrupt(file: string, offset: number, problem: string, lastGood?: Buffer): CachectlError {
  const after = lastGood === undefined ? '' : ` (the last intact record is key ${displayKey(lastGood)})`;
  return new CachectlError('BACKUP', `backup ${file} is damaged at byte offset ${offset}: ${problem}${after}`, {
    hint: 'use an intact copy of the file (a purge killed mid-write leaves a cut-short but otherwise intact file)',
  });
}

/** The RDB version a DUMP payload was written with (its last 10 bytes: u16 LE version, CRC64). */
export function payloadRdbVersion(payload: Buffer): number | undefined {
  return payload.length >= 10 ? payload.readUInt16LE(payload.length - 10) : undefined;
}
