// Which servers load which RDB version: the table lookup, the hint naming the servers, and the
// refusal a restore plan turns into before writing anything.
import { describe, expect, it } from 'vitest';
import type { RdbCompatibility } from '../../src/core/purge/rdb-version.js';
import { newestLoadableRdb, rdbLoadableBy, rdbRefusal, refusedPayloadHint } from '../../src/core/purge/rdb-version.js';

/** A DUMP-shaped payload: a body, then the RDB version (u16 LE) and 8 bytes of CRC64. */
function payload(version: number): Buffer {
  const out = Buffer.alloc(7 + 10);
  out.writeUInt16LE(version, 7);
  return out;
}

describe('newestLoadableRdb', () => {
  it('reads the release from the label, whatever the patch level', () => {
    expect(newestLoadableRdb('redis 6.2.16')).toBe(9);
    expect(newestLoadableRdb('redis 7.0.15')).toBe(10);
    expect(newestLoadableRdb('redis 7.2.0')).toBe(11);
    expect(newestLoadableRdb('redis 7.4.1')).toBe(12);
    expect(newestLoadableRdb('valkey 8.0.1')).toBe(11);
    expect(newestLoadableRdb('valkey 7.2.5')).toBe(11);
  });

  it('does not guess for a release or server it does not know', () => {
    expect(newestLoadableRdb('redis 8.2.0')).toBeUndefined();
    expect(newestLoadableRdb('valkey 9.0.0')).toBeUndefined();
    expect(newestLoadableRdb('keydb 6.3.4')).toBeUndefined();
    expect(newestLoadableRdb('redis')).toBeUndefined();
  });
});

describe('rdbLoadableBy', () => {
  it('names the oldest Redis and Valkey release that loads the version, or says none does', () => {
    expect(rdbLoadableBy(12)).toBe('RDB version 12 loads on Redis 7.4 or newer, and on no Valkey release cachectl knows of (up to 8.0)');
    expect(rdbLoadableBy(11)).toBe('RDB version 11 loads on Redis 7.2 or newer, and on Valkey 7.2 or newer');
    expect(rdbLoadableBy(10)).toBe('RDB version 10 loads on Redis 7.0 or newer, and on Valkey 7.2 or newer');
    expect(rdbLoadableBy(13)).toBe('RDB version 13 loads on no Redis release cachectl knows of (up to 7.4), and on no Valkey release cachectl knows of (up to 8.0)');
  });
});

describe('rdbRefusal', () => {
  const target = (node: string, server: string | null, newest: number | null, records: [number, number][]) => {
    const counts = records.map(([rdbVersion, n]) => ({ rdbVersion, records: n }));
    return { node, server, newestLoadable: newest, records: counts, unloadable: newest === null ? [] : counts.filter((c) => c.rdbVersion > newest) };
  };

  it('is undefined when every target loads every record, or cannot tell', () => {
    expect(rdbRefusal(undefined)).toBeUndefined();
    expect(rdbRefusal({ targets: [target('a:1', 'redis 7.4.1', 12, [[12, 5]]), target('b:1', null, null, [[12, 5]])], notices: [] })).toBeUndefined();
  });

  it('names each refusing server, the records per version it cannot load, and who can', () => {
    const compatibility: RdbCompatibility = {
      targets: [
        target('10.0.0.1:6379', 'redis 7.0.15', 10, [[9, 4], [11, 1], [12, 1_500]]),
        target('10.0.0.2:6379', 'redis 7.4.1', 12, [[12, 7]]),
      ],
      notices: [],
    };
    const error = rdbRefusal(compatibility)!;
    expect(error.code).toBe('RESTORE');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      'redis 7.0.15 at 10.0.0.1:6379 cannot load 1,501 of the 1,505 records for it: RDB version 11 (1 record), RDB version 12 (1,500 records), newer than the RDB version 10 it loads',
    );
    expect(error.hint).toBe('RDB version 12 loads on Redis 7.4 or newer, and on no Valkey release cachectl knows of (up to 8.0): restore into one of those (nothing was restored)');
  });
});

describe('refusedPayloadHint', () => {
  const compatibility: RdbCompatibility = {
    targets: [{ node: 'h:1', server: 'valkey 8.0.1', newestLoadable: 11, records: [], unloadable: [] }],
    notices: [],
  };

  it('blames the version when the server does not load it', () => {
    expect(refusedPayloadHint(compatibility, 'h:1', payload(12))).toBe(rdbLoadableBy(12));
    expect(refusedPayloadHint(undefined, 'h:1', payload(11))).toBe(rdbLoadableBy(11));
  });

  it('blames the checksum when the server loads that version', () => {
    expect(refusedPayloadHint(compatibility, 'h:1', payload(11))).toMatch(/^its RDB version 11 loads on this server, so its CRC64 is wrong/);
  });

  it('says a payload too short for a trailer is damaged', () => {
    expect(refusedPayloadHint(compatibility, 'h:1', Buffer.alloc(4))).toMatch(/too short/);
  });
});
