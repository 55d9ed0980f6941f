// Format 2's chunked records (keys too big for one DUMP): written and read back chunk by chunk,
// voided and cut-off records, damage located, and format 1 files still read.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackupEnding, BackupHeader, Chunk, ChunkedEnd, ReadRecord } from '../../src/core/purge/backup.js';
import { BACKUP_FORMAT_VERSION, BackupReader, BackupWriter, ELEMENTS_CHUNK, STREAM_META_CHUNK } from '../../src/core/purge/backup.js';
import { CachectlError } from '../../src/base/errors.js';
import { keySlot } from '../../src/base/slot.js';
import { slotTag, tempKeyFor } from '../../src/core/purge/temp-key.js';

const header: BackupHeader = {
  formatVersion: BACKUP_FORMAT_VERSION,
  createdAt: '2026-01-02T03:04:05.000Z',
  source: { topology: 'standalone', nodes: ['127.0.0.1:7000'], db: 0 },
  pattern: { key: 'big:*' },
  tool: 'cachectl test',
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-chunked-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Read {
  record: ReadRecord;
  chunks: Chunk[];
  end: ChunkedEnd | undefined;
}

/** Every record, with the chunks of chunked ones read (or, with `skipChunks`, left to the reader). */
async function readAll(file: string, skipChunks = false): Promise<{ read: Read[]; ending: BackupEnding }> {
  const iterator = new BackupReader(file).records();
  const read: Read[] = [];
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) return { read, ending: next.value };
    const record = next.value;
    const chunks: Chunk[] = [];
    let end: ChunkedEnd | undefined;
    if (record.chunked !== undefined) {
      if (!skipChunks) for (let chunk = await record.chunked.next(); chunk !== undefined; chunk = await record.chunked.next()) chunks.push(chunk);
      end = await record.chunked.done();
    }
    read.push({ record, chunks, end });
  }
}

const b = (text: string) => Buffer.from(text, 'latin1');
const small = { key: b('big:small'), payload: b('payload'), expireAt: -1 };

describe('chunked records', () => {
  it('round-trips chunks of any size between DUMP records, counting each chunked key as one record', async () => {
    const file = path.join(dir, 'b');
    const writer = await BackupWriter.create(file, header);
    writer.append(small);
    writer.beginChunked(b('big:\xff\x00hash'), 'hash-ttl', 1_900_000_000_000);
    const first: Chunk = { kind: ELEMENTS_CHUNK, items: [b('f1'), b('v1'), b('-1'), b('f\xff'), Buffer.alloc(40_000, 1), b('1900000000000')] };
    const empty: Chunk = { kind: ELEMENTS_CHUNK, items: [Buffer.alloc(0)] };
    writer.appendChunk(first);
    writer.appendChunk(empty);
    writer.finishChunked();
    writer.beginChunked(b('big:stream'), 'stream', -1);
    const meta: Chunk = { kind: STREAM_META_CHUNK, items: [b('5-1'), b('7'), b('2-0')] };
    writer.appendChunk(meta);
    writer.finishChunked(true);
    writer.append({ ...small, key: b('big:after') });
    await writer.close();
    expect(writer.records).toBe(4);

    const { read, ending } = await readAll(file);
    expect(ending).toEqual({ kind: 'complete', records: 4 });
    expect(read.map((r) => r.record.key.toString('latin1'))).toEqual(['big:small', 'big:\xff\x00hash', 'big:stream', 'big:after']);
    expect(read.map((r) => r.record.index)).toEqual([0, 1, 2, 3]);
    expect(read[1]!.record.chunked!.type).toBe('hash-ttl');
    expect(read[1]!.record.expireAt).toBe(1_900_000_000_000);
    expect(read[1]!.chunks).toEqual([first, empty]);
    expect(read[1]!.end).toBe('complete');
    expect(read[2]!.chunks).toEqual([meta]);
    expect(read[2]!.end).toBe('vanished');
    expect(read[2]!.record.expireAt).toBe(-1);
    // Chunks nobody asked for are still read and checked.
    const skipped = await readAll(file, true);
    expect(skipped.ending).toEqual(ending);
    expect(skipped.read.map((r) => r.end)).toEqual([undefined, 'complete', 'vanished', undefined]);
  });

  it('skips a voided record (reading the key failed) without counting it', async () => {
    const file = path.join(dir, 'v');
    const writer = await BackupWriter.create(file, header);
    writer.beginChunked(b('big:list'), 'list', -1);
    writer.appendChunk({ kind: ELEMENTS_CHUNK, items: [b('a')] });
    writer.voidChunked();
    writer.beginChunked(b('big:list'), 'list', -1);
    writer.appendChunk({ kind: ELEMENTS_CHUNK, items: [b('a'), b('b')] });
    writer.finishChunked();
    await writer.close();
    expect(writer.records).toBe(1);
    const { read, ending } = await readAll(file);
    expect(ending).toEqual({ kind: 'complete', records: 1 });
    expect(read.map((r) => r.end)).toEqual(['void', 'complete']);
    expect(read[1]!.record.index).toBe(0);
  });

  it('voids a chunked record still open when the file is closed', async () => {
    const file = path.join(dir, 'open');
    const writer = await BackupWriter.create(file, header);
    writer.beginChunked(b('big:set'), 'set', -1);
    writer.appendChunk({ kind: ELEMENTS_CHUNK, items: [b('m')] });
    await writer.close();
    const { read, ending } = await readAll(file);
    expect(ending).toEqual({ kind: 'complete', records: 0 });
    expect(read[0]!.end).toBe('void');
  });

  it('a file cut inside a chunked record ends as truncated at the record start, the record not counted', async () => {
    const file = path.join(dir, 'cut');
    const writer = await BackupWriter.create(file, header);
    writer.append(small);
    await writer.sync();
    const recordStart = writer.bytes;
    writer.beginChunked(b('big:zset'), 'zset', -1);
    writer.appendChunk({ kind: ELEMENTS_CHUNK, items: [b('m'), b('1.5')] });
    await writer.sync();
    const afterChunk = writer.bytes;
    writer.appendChunk({ kind: ELEMENTS_CHUNK, items: [b('n'), b('2')] });
    await writer.sync();
    const full = readFileSync(file);
    for (const cut of [afterChunk, afterChunk + 7]) {
      writeFileSync(file, full.subarray(0, cut));
      const { read, ending } = await readAll(file);
      expect(ending).toEqual({ kind: 'truncated', records: 1, offset: recordStart });
      expect(read.map((r) => r.end)).toEqual([undefined, 'cut']);
      expect(read[1]!.chunks).toHaveLength(1);
    }
  });

  it('names the offset of a damaged chunk', async () => {
    const file = path.join(dir, 'bad');
    const writer = await BackupWriter.create(file, header);
    writer.beginChunked(b('big:hash'), 'hash', -1);
    await writer.sync();
    const chunkAt = writer.bytes;
    writer.appendChunk({ kind: ELEMENTS_CHUNK, items: [b('field'), b('value')] });
    writer.finishChunked();
    await writer.close();
    const bytes = readFileSync(file);
    bytes[chunkAt + 20] = bytes[chunkAt + 20]! ^ 0xff;
    writeFileSync(file, bytes);
    const error = await readAll(file).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CachectlError);
    expect((error as CachectlError).message).toContain(`byte offset ${chunkAt}: a chunk of record #1 fails its checksum`);
  });

  it('refuses a DUMP record while a chunked record is open, and chunks without one', async () => {
    const writer = await BackupWriter.create(path.join(dir, 'misuse'), header);
    expect(() => writer.appendChunk({ kind: ELEMENTS_CHUNK, items: [] })).toThrow(/no chunked record is open/);
    writer.beginChunked(b('k'), 'set', -1);
    expect(() => writer.append(small)).toThrow(/a chunked record is open/);
    await writer.close();
  });
});

describe('format 1 files', () => {
  it('are still read: DUMP records and the end marker, as a cachectl of format 1 wrote them', async () => {
    const file = path.join(dir, 'v1');
    // Format 1 differs from 2 only in the header's version and in never holding chunked records.
    const writer = await BackupWriter.create(file, { ...header, formatVersion: 1 });
    writer.append(small);
    writer.append({ key: b('big:other'), payload: Buffer.alloc(1000, 3), expireAt: 1_900_000_000_000 });
    await writer.close();
    const { read, ending } = await readAll(file);
    expect(ending).toEqual({ kind: 'complete', records: 2 });
    expect(read.map((r) => [r.record.key.toString(), r.record.payload.length, r.record.chunked])).toEqual([
      ['big:small', 7, undefined],
      ['big:other', 1000, undefined],
    ]);
  });
});

describe('temporary restore keys', () => {
  it('hash to the slot of the key they stand in for, tagged or not, and differ per call', () => {
    for (const key of [b('plain'), b('{user:1}:profile'), b('a}b{c'), b('\xff\x00{}x'), Buffer.alloc(0), b('{}')]) {
      const temp = tempKeyFor(key);
      expect(keySlot(temp)).toBe(keySlot(key));
      expect(temp.toString('latin1')).toContain(':cachectl-restore:');
      expect(tempKeyFor(key).equals(temp)).toBe(false);
    }
  });

  it('finds a tag for every slot', () => {
    for (let slot = 0; slot < 16384; slot += 997) expect(keySlot(Buffer.concat([b('{'), slotTag(slot), b('}x')]))).toBe(slot);
  });
});
