// How much a chunk of a big key counts against --rate: one key per element (pairs and triples as
// one), per stream entry, per KiB of a string; at least one per call.
import { describe, expect, it } from 'vitest';
import { ELEMENTS_CHUNK, STREAM_META_CHUNK } from '../../src/core/purge/backup.js';
import { chunkWork } from '../../src/core/purge/chunked-dump.js';

const b = (text: string) => Buffer.from(text);
const chunk = (items: Buffer[]) => ({ kind: ELEMENTS_CHUNK, items });

describe('chunkWork', () => {
  it('counts elements, field-value pairs, field-value-expiry triples and stream entries', () => {
    expect(chunkWork('list', chunk([b('a'), b('b'), b('c')]))).toBe(3);
    expect(chunkWork('set', chunk([b('a')]))).toBe(1);
    expect(chunkWork('hash', chunk([b('f1'), b('v1'), b('f2'), b('v2')]))).toBe(2);
    expect(chunkWork('zset', chunk([b('m'), b('1.5')]))).toBe(1);
    expect(chunkWork('hash-ttl', chunk([b('f1'), b('v1'), b('-1'), b('f2'), b('v2'), b('1900000000000')]))).toBe(2);
    // id, field count, fields and values: two entries of 2 and 1 fields.
    expect(chunkWork('stream', chunk([b('1-0'), b('2'), b('a'), b('1'), b('b'), b('2'), b('2-0'), b('1'), b('c'), b('3')]))).toBe(2);
    expect(chunkWork('stream', { kind: STREAM_META_CHUNK, items: [b('5-1'), b('100000'), b('0-0')] })).toBe(1);
  });

  it('counts a string window per KiB, rounded up, and never less than one per call', () => {
    expect(chunkWork('string', chunk([Buffer.alloc(256 * 1024)]))).toBe(256);
    expect(chunkWork('string', chunk([Buffer.alloc(1025)]))).toBe(2);
    expect(chunkWork('string', chunk([Buffer.alloc(0)]))).toBe(1);
    expect(chunkWork('list', chunk([]))).toBe(1);
  });
});
