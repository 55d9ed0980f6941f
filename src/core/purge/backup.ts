// The backup file `cachectl purge --backup` writes and `cachectl restore` reads: each key's DUMP
// payload, expiry and name, streamed and fsynced before the key is deleted, with a checksum per
// record so damage is found (and located) before anything is restored.
//
// Layout (all integers big-endian):
//   header  "CACHECTL BACKUP\n" · u32 length · JSON (BackupHeader) · u32 crc32(JSON)
//   record  'R' · u32 key length · u32 payload length · f64 expireAt · key · payload · u32 crc32(all before)
//   end     'E' · u32 record count · u32 crc32('E' · count)       (written when the purge stops cleanly)
// expireAt is absolute Unix time in ms, or -1 for a key without expiry.

import * as zlib from 'node:zlib';
import { constants as fsConstants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { CachectlError } from '../../base/errors.js';
import { displayKey } from '../../base/key-format.js';
import type { JsonKey } from '../../base/key-format.js';

export const BACKUP_MAGIC = Buffer.from('CACHECTL BACKUP\n', 'latin1');
export const BACKUP_FORMAT_VERSION = 1;
const RECORD_TAG = 0x52; // R
const END_TAG = 0x45; // E
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
    if (this.failed !== undefined) throw this.failed;
    const encoded = encodeRecord(record);
    this.pending.push(encoded);
    this.pendingBytes += encoded.length;
    this.records += 1;
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

export interface ReadRecord extends BackupRecord {
  /** Byte offset of the record in the file. */
  offset: number;
  /** 0-based index of the record. */
  index: number;
}

/** How the file ended: the end marker, a clean cut between records, or a cut inside one. */
export type BackupEnding =
  | { kind: 'complete'; records: number }
  | { kind: 'unfinished'; records: number; offset: number }
  | { kind: 'truncated'; records: number; offset: number };

const READ_BLOCK = 1024 * 1024;

/**
 * Reads and checks a backup file record by record, without holding more than one record (and a
 * read block) in memory. Calls `onEnd` with how it ended. A damaged header or record throws a
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
      throw new CachectlError('BACKUP', `cannot read backup ${this.file}: ${code === 'ENOENT' ? 'no such file' : String(code ?? error)}`, {
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
    if (header.formatVersion !== BACKUP_FORMAT_VERSION) {
      throw new CachectlError('BACKUP', `${this.file} has backup format version ${String(header.formatVersion)}; this cachectl reads version ${BACKUP_FORMAT_VERSION}`, {
        hint: 'restore it with the cachectl version that wrote it (see its header "tool")',
      });
    }
    this.header = header;
    let at = jsonStart + jsonLength + 4;
    this.dataOffset = at;

    let index = 0;
    let lastKey: Buffer | undefined;
    for (;;) {
      // Drop consumed bytes so memory stays at about one block plus one record.
      if (at > READ_BLOCK) {
        base += at;
        buffer = buffer.subarray(at);
        at = 0;
      }
      if (!(await ensure(at, 1))) return { kind: 'unfinished', records: index, offset: base + at };
      const offset = base + at;
      const tag = buffer[at]!;
      if (tag === END_TAG) {
        if (!(await ensure(at, 9))) return { kind: 'truncated', records: index, offset };
        const count = buffer.readUInt32BE(at + 1);
        if (crc32(buffer.subarray(at, at + 5)) !== buffer.readUInt32BE(at + 5)) throw corrupt(this.file, offset, 'its end marker checksum does not match', lastKey);
        if (count !== index >>> 0) throw corrupt(this.file, offset, `its end marker counts ${count} records but ${index} were read`, lastKey);
        if (await ensure(at + 9, 1)) throw corrupt(this.file, offset + 9, 'there are bytes after its end marker', lastKey);
        return { kind: 'complete', records: index };
      }
      if (tag !== RECORD_TAG) throw corrupt(this.file, offset, `record #${index + 1} does not start with a record tag`, lastKey);
      if (!(await ensure(at, RECORD_FIXED))) return { kind: 'truncated', records: index, offset };
      const keyLength = buffer.readUInt32BE(at + 1);
      const payloadLength = buffer.readUInt32BE(at + 5);
      const total = RECORD_FIXED + keyLength + payloadLength + 4;
      if (!(await ensure(at, total))) return { kind: 'truncated', records: index, offset };
      const body = RECORD_FIXED + keyLength + payloadLength;
      const key = Buffer.from(buffer.subarray(at + RECORD_FIXED, at + RECORD_FIXED + keyLength));
      if (crc32(buffer.subarray(at, at + body)) !== buffer.readUInt32BE(at + body)) {
        throw corrupt(this.file, offset, `record #${index + 1} (key ${displayKey(key)} as read) fails its checksum`, lastKey);
      }
      const record: ReadRecord = {
        key,
        payload: Buffer.from(buffer.subarray(at + RECORD_FIXED + keyLength, at + body)),
        expireAt: buffer.readDoubleBE(at + 9),
        offset,
        index,
      };
      at += total;
      index += 1;
      lastKey = key;
      yield record;
    }
  }
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
