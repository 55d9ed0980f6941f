// The lean pipe's RESP2 reader and writer: every reply shape, and the same values whatever way
// the bytes are cut into chunks (split headers, split bulk bodies, a CRLF split in two).
import { describe, expect, it } from 'vitest';
import type { RespValue } from '../../src/connection/resp-pipe.js';
import { encodeCommands, encodeKeyCommands, RespError, RespReader } from '../../src/connection/resp-pipe.js';
import { KeyCommand } from '../../src/core/scan/scan-batch.js';

const WIRE = Buffer.concat([
  Buffer.from(':0\r\n:-2\r\n:604800000\r\n+string\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n'),
  Buffer.from('$-1\r\n$0\r\n\r\n$5\r\n\x00\r\n\xff\n\r\n*-1\r\n*0\r\n', 'latin1'),
  // A SCAN reply: [cursor, [keys]], one key with CRLF inside.
  Buffer.from('*2\r\n$4\r\n1792\r\n*3\r\n$3\r\na:1\r\n$4\r\nb\r\nc\r\n$0\r\n\r\n'),
  Buffer.from('*2\r\n*1\r\n:7\r\n+OK\r\n'),
]);

function expected(): unknown[] {
  return [
    0,
    -2,
    604800000,
    'string',
    { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' },
    null,
    Buffer.alloc(0),
    Buffer.from('\x00\r\n\xff\n', 'latin1'),
    null,
    [],
    [Buffer.from('1792'), [Buffer.from('a:1'), Buffer.from('b\r\nc'), Buffer.alloc(0)]],
    [[7], 'OK'],
  ];
}

function plain(value: RespValue): unknown {
  if (value instanceof RespError) return { error: value.message };
  if (Array.isArray(value)) return value.map(plain);
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  return value;
}

function parse(chunks: Buffer[]): unknown[] {
  const values: unknown[] = [];
  const reader = new RespReader((value) => values.push(plain(value)));
  for (const chunk of chunks) reader.feed(chunk);
  return values;
}

describe('RespReader', () => {
  it('reads every reply shape from one chunk', () => {
    expect(parse([WIRE])).toEqual(expected());
  });

  it('reads the same values when the bytes are cut at any one place', () => {
    for (let cut = 1; cut < WIRE.length; cut += 1) {
      expect(parse([WIRE.subarray(0, cut), WIRE.subarray(cut)]), `cut at ${cut}`).toEqual(expected());
    }
  });

  it('reads the same values one byte at a time', () => {
    expect(parse([...WIRE].map((byte) => Buffer.from([byte])))).toEqual(expected());
  });

  it('reads a large bulk string split over many chunks into one buffer', () => {
    const body = Buffer.alloc(300_000);
    for (let i = 0; i < body.length; i += 1) body[i] = (i * 7) % 256;
    const wire = Buffer.concat([Buffer.from(`$${body.length}\r\n`), body, Buffer.from('\r\n:1\r\n')]);
    const chunks: Buffer[] = [];
    for (let at = 0; at < wire.length; at += 65_536) chunks.push(wire.subarray(at, at + 65_536));
    const values = parse(chunks);
    expect(values).toHaveLength(2);
    expect((values[0] as Buffer).equals(body)).toBe(true);
    expect(values[1]).toBe(1);
  });

  it('refuses bytes that are not RESP', () => {
    expect(() => parse([Buffer.from('HTTP/1.1 400 Bad Request\r\n')])).toThrow(/Protocol error/);
  });
});

describe('encodeCommands', () => {
  it('writes multi-bulk requests with binary keys, byte for byte', () => {
    const key = Buffer.from([0x00, 0x0d, 0x0a, 0xff]);
    const wire = encodeCommands([['PTTL', key], ['MEMORY', 'USAGE', key, 'SAMPLES', '0'], ['SET', 'ключ', Buffer.alloc(100, 0x61)]]);
    expect(wire.equals(Buffer.concat([
      Buffer.from('*2\r\n$4\r\nPTTL\r\n$4\r\n'), key, Buffer.from('\r\n'),
      Buffer.from('*5\r\n$6\r\nMEMORY\r\n$5\r\nUSAGE\r\n$4\r\n'), key, Buffer.from('\r\n$7\r\nSAMPLES\r\n$1\r\n0\r\n'),
      Buffer.from('*3\r\n$3\r\nSET\r\n$8\r\nключ\r\n$100\r\n'), Buffer.alloc(100, 0x61), Buffer.from('\r\n'),
    ]))).toBe(true);
  });

  it('writes numbers and non-ASCII strings byte for byte, the same on every call', () => {
    const long = `é${'x'.repeat(40)}`;
    for (let round = 0; round < 2; round += 1) {
      const wire = encodeCommands([['SCAN', '18446744073709551615', 'COUNT', '500'], ['GET', long]]);
      expect(wire.toString()).toBe(`*4\r\n$4\r\nSCAN\r\n$20\r\n18446744073709551615\r\n$5\r\nCOUNT\r\n$3\r\n500\r\n*2\r\n$3\r\nGET\r\n$42\r\n${long}\r\n`);
    }
  });
});

describe('encodeKeyCommands', () => {
  it('writes each command around its key exactly as encodeCommands writes the whole command', () => {
    const keys = [Buffer.from([0x00, 0x0d, 0x0a, 0xff]), Buffer.alloc(0), Buffer.alloc(300, 0x62), Buffer.from('ключ')];
    const commands = [new KeyCommand(['TYPE']), new KeyCommand(['MEMORY', 'USAGE'], ['SAMPLES', '0']), new KeyCommand(['OBJECT', 'FREQ']), new KeyCommand(['HLEN'])];
    const wire = encodeKeyCommands(commands, keys);
    expect(wire.equals(encodeCommands(commands.map((command, i) => command.args(keys[i]!))))).toBe(true);
    expect(wire.subarray(0, 18).toString('latin1')).toBe('*2\r\n$4\r\nTYPE\r\n$4\r\n');
    // And the reader reads the same commands back (a server's view of the requests).
    const read: RespValue[] = [];
    new RespReader((value) => read.push(value)).feed(wire);
    expect(read).toEqual(commands.map((command, i) => command.args(keys[i]!).map((arg) => Buffer.from(arg))));
  });
});
