// Reads what Redis's Lua `cmsgpack.pack` writes: the scan scripts pack their per-key columns with
// it because it runs in C, where building the same bytes in Lua (struct.pack per key, string
// concatenation) cost about a microsecond of server time per key. Only what cmsgpack emits for
// strings, numbers, booleans, nil and tables is understood.

export type MsgpackValue = number | boolean | null | Buffer | MsgpackValue[] | Map<MsgpackValue, MsgpackValue>;

export class MsgpackReader {
  private offset = 0;

  /** Strings come back as views into `bytes`: the caller decides whether to copy. */
  constructor(private readonly bytes: Buffer) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  /** Reads an array header and returns its length (a map or a non-array is an error). */
  arrayLength(): number {
    const byte = this.bytes[this.offset]!;
    if (byte >= 0x90 && byte <= 0x9f) {
      this.offset += 1;
      return byte - 0x90;
    }
    if (byte === 0xdc) return this.skipHeader(3, this.bytes.readUInt16BE(this.offset + 1));
    if (byte === 0xdd) return this.skipHeader(5, this.bytes.readUInt32BE(this.offset + 1));
    // cmsgpack writes an empty Lua table as an empty array, but a table it cannot tell apart from
    // a map is written as one: only the empty map is accepted here.
    if (byte === 0x80) {
      this.offset += 1;
      return 0;
    }
    throw new Error(`msgpack: expected an array at offset ${this.offset}, found 0x${byte.toString(16)}`);
  }

  /** Reads a number (any integer or float encoding). */
  number(): number {
    const value = this.value();
    if (typeof value !== 'number') throw new Error(`msgpack: expected a number before offset ${this.offset}`);
    return value;
  }

  /** Reads a string or binary as a view into the input. */
  bytesValue(): Buffer {
    const value = this.value();
    if (!Buffer.isBuffer(value)) throw new Error(`msgpack: expected a string before offset ${this.offset}`);
    return value;
  }

  value(): MsgpackValue {
    const b = this.bytes;
    const at = this.offset;
    const byte = b[at]!;
    if (byte <= 0x7f) return this.skip(1, byte);
    if (byte >= 0xe0) return this.skip(1, byte - 0x100);
    if (byte >= 0xa0 && byte <= 0xbf) return this.str(1, byte - 0xa0);
    if (byte >= 0x90 && byte <= 0x9f) return this.array(1, byte - 0x90);
    if (byte >= 0x80 && byte <= 0x8f) return this.map(1, byte - 0x80);
    switch (byte) {
      case 0xc0:
        return this.skip(1, null);
      case 0xc2:
        return this.skip(1, false);
      case 0xc3:
        return this.skip(1, true);
      case 0xc4:
      case 0xd9:
        return this.str(2, b[at + 1]!);
      case 0xc5:
      case 0xda:
        return this.str(3, b.readUInt16BE(at + 1));
      case 0xc6:
      case 0xdb:
        return this.str(5, b.readUInt32BE(at + 1));
      case 0xca:
        return this.skip(5, b.readFloatBE(at + 1));
      case 0xcb:
        return this.skip(9, b.readDoubleBE(at + 1));
      case 0xcc:
        return this.skip(2, b[at + 1]!);
      case 0xcd:
        return this.skip(3, b.readUInt16BE(at + 1));
      case 0xce:
        return this.skip(5, b.readUInt32BE(at + 1));
      case 0xcf:
        return this.skip(9, Number(b.readBigUInt64BE(at + 1)));
      case 0xd0:
        return this.skip(2, b.readInt8(at + 1));
      case 0xd1:
        return this.skip(3, b.readInt16BE(at + 1));
      case 0xd2:
        return this.skip(5, b.readInt32BE(at + 1));
      case 0xd3:
        return this.skip(9, Number(b.readBigInt64BE(at + 1)));
      case 0xdc:
        return this.array(3, b.readUInt16BE(at + 1));
      case 0xdd:
        return this.array(5, b.readUInt32BE(at + 1));
      case 0xde:
        return this.map(3, b.readUInt16BE(at + 1));
      case 0xdf:
        return this.map(5, b.readUInt32BE(at + 1));
      default:
        throw new Error(`msgpack: unsupported type byte 0x${byte.toString(16)} at offset ${at}`);
    }
  }

  private skip<T>(length: number, value: T): T {
    this.offset += length;
    return value;
  }

  private skipHeader(length: number, value: number): number {
    this.offset += length;
    return value;
  }

  private str(header: number, length: number): Buffer {
    const start = this.offset + header;
    const end = start + length;
    if (end > this.bytes.length) throw new Error(`msgpack: string of ${length} bytes runs past the end at offset ${this.offset}`);
    this.offset = end;
    return this.bytes.subarray(start, end);
  }

  private array(header: number, length: number): MsgpackValue[] {
    this.offset += header;
    const out = new Array<MsgpackValue>(length);
    for (let i = 0; i < length; i += 1) out[i] = this.value();
    return out;
  }

  private map(header: number, length: number): Map<MsgpackValue, MsgpackValue> {
    this.offset += header;
    const out = new Map<MsgpackValue, MsgpackValue>();
    for (let i = 0; i < length; i += 1) {
      const key = this.value();
      out.set(key, this.value());
    }
    return out;
  }
}
