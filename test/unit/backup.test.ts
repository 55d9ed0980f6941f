import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackupEnding, BackupHeader, ReadRecord } from '../../src/core/purge/backup.js';
import { BACKUP_FORMAT_VERSION, BackupReader, BackupWriter, crc32, crc32Table, payloadRdbVersion } from '../../src/core/purge/backup.js';
import { CachectlError } from '../../src/base/errors.js';

const header: BackupHeader = {
  formatVersion: BACKUP_FORMAT_VERSION,
  createdAt: '2026-01-02T03:04:05.000Z',
  source: { topology: 'standalone', nodes: ['127.0.0.1:7000'], db: 3 },
  pattern: { key: 'tmp:*' },
  tool: 'cachectl test',
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-backup-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(file: string): Promise<{ records: ReadRecord[]; ending: BackupEnding; reader: BackupReader }> {
  const reader = new BackupReader(file);
  const records: ReadRecord[] = [];
  const iterator = reader.records();
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) return { records, ending: next.value, reader };
    records.push(next.value);
  }
}

async function readError(file: string): Promise<CachectlError> {
  try {
    await readAll(file);
  } catch (error) {
    expect(error).toBeInstanceOf(CachectlError);
    return error as CachectlError;
  }
  throw new Error('expected the read to fail');
}

const records = [
  { key: Buffer.from('tmp:a'), payload: Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), expireAt: -1 },
  { key: Buffer.from([0xff, 0x00, 0x0a, 0x2a]), payload: Buffer.alloc(70_000, 7), expireAt: 1_900_000_000_123 },
  { key: Buffer.alloc(0), payload: Buffer.from('x'), expireAt: 5 },
];

async function writeBackup(file: string, close = true): Promise<void> {
  const writer = await BackupWriter.create(file, header);
  for (const record of records) writer.append(record);
  await writer.sync();
  if (close) await writer.close();
}

describe('crc32', () => {
  it('computes the IEEE CRC-32 check value, with and without node:zlib', () => {
    const data = Buffer.from('123456789');
    expect(crc32Table(data)).toBe(0xcbf43926);
    expect(crc32(data)).toBe(0xcbf43926);
    const random = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff));
    expect(crc32Table(random)).toBe(crc32(random));
    // Continuing from a previous value is the same as one pass over the concatenation.
    expect(crc32Table(random.subarray(100), crc32Table(random.subarray(0, 100)))).toBe(crc32Table(random));
  });

  it('uses the native zlib implementation when Node has one', () => {
    const native = (zlib as unknown as { crc32?: unknown }).crc32;
    if (typeof native === 'function') expect(crc32).toBe(native);
    else expect(crc32).toBe(crc32Table);
  });
});

describe('backup file', () => {
  it('round-trips header and records byte for byte, with offsets and the end marker', async () => {
    const file = path.join(dir, 'ok.bak');
    await writeBackup(file);
    const { records: read, ending, reader } = await readAll(file);
    expect(reader.header).toEqual(header);
    expect(ending).toEqual({ kind: 'complete', records: 3 });
    expect(read.map((r) => ({ key: r.key, payload: r.payload, expireAt: r.expireAt }))).toEqual(records);
    expect(read[0]!.offset).toBe(reader.dataOffset);
    expect(read.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(read[1]!.offset).toBe(read[0]!.offset + 1 + 4 + 4 + 8 + 5 + 12 + 4);
  });

  it('never overwrites an existing file', async () => {
    const file = path.join(dir, 'exists.bak');
    writeFileSync(file, 'earlier backup');
    await expect(BackupWriter.create(file, header)).rejects.toThrow(/exists already/);
    expect(readFileSync(file, 'utf8')).toBe('earlier backup');
  });

  it('reports a missing directory as a BACKUP error with exit code 2', async () => {
    const error = await BackupWriter.create(path.join(dir, 'no', 'such', 'dir.bak'), header).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CachectlError);
    expect((error as CachectlError).code).toBe('BACKUP');
    expect((error as CachectlError).exitCode).toBe(2);
  });

  it('tells a file without its end marker (a killed purge) from a complete one', async () => {
    const file = path.join(dir, 'unfinished.bak');
    await writeBackup(file, false);
    const { records: read, ending } = await readAll(file);
    expect(read).toHaveLength(3);
    expect(ending.kind).toBe('unfinished');
    expect(ending.records).toBe(3);
  });

  it('reports a file cut inside a record with the offset of that record', async () => {
    const file = path.join(dir, 'cut.bak');
    await writeBackup(file);
    const full = readFileSync(file);
    const { records: all } = await readAll(file);
    const cut = all[1]!.offset + 30;
    writeFileSync(file, full.subarray(0, cut));
    const { records: read, ending } = await readAll(file);
    expect(read).toHaveLength(1);
    expect(ending).toEqual({ kind: 'truncated', records: 1, offset: all[1]!.offset });
  });

  it('names the offset and key of a record whose bytes were flipped', async () => {
    const file = path.join(dir, 'flipped.bak');
    await writeBackup(file);
    const data = readFileSync(file);
    const { records: all } = await readAll(file);
    const target = all[1]!;
    data.writeUInt8(data[target.offset + 17 + 4 + 100]! ^ 0x01, target.offset + 17 + 4 + 100); // a byte inside the payload
    writeFileSync(file, data);
    const error = await readError(file);
    expect(error.code).toBe('BACKUP');
    expect(error.message).toContain(`byte offset ${target.offset}`);
    expect(error.message).toContain('record #2');
    expect(error.message).toContain('"\\xff\\x00\\n*"');
    expect(error.message).toContain('last intact record is key tmp:a');
  });

  it('rejects a damaged header, a foreign file and a newer format version', async () => {
    const file = path.join(dir, 'header.bak');
    await writeBackup(file);
    const data = readFileSync(file);
    data.writeUInt8(data[25]! ^ 0x20, 25);
    writeFileSync(file, data);
    expect((await readError(file)).message).toMatch(/offset 0: its header checksum does not match/);

    writeFileSync(file, 'REDIS0011 not a backup');
    expect((await readError(file)).message).toMatch(/is not a cachectl backup/);

    const newer = path.join(dir, 'newer.bak');
    const writer = await BackupWriter.create(newer, { ...header, formatVersion: 99 });
    await writer.close();
    expect((await readError(newer)).message).toMatch(/format version 99/);
  });

  it('rejects bytes after the end marker', async () => {
    const file = path.join(dir, 'trailing.bak');
    await writeBackup(file);
    writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from('junk')]));
    expect((await readError(file)).message).toMatch(/bytes after its end marker/);
  });

  it('reads the RDB version from a DUMP payload trailer', () => {
    const payload = Buffer.concat([Buffer.from([0x00, 0x01, 0x61]), Buffer.from([0x0a, 0x00]), Buffer.alloc(8)]);
    expect(payloadRdbVersion(payload)).toBe(10);
    expect(payloadRdbVersion(Buffer.alloc(3))).toBeUndefined();
  });
});
