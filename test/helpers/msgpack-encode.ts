// A small msgpack writer for tests: encodes the way Redis's Lua cmsgpack does (strings as str,
// whole numbers as the smallest integer encoding, others as float64, tables as arrays).

export type Packable = string | Buffer | number | boolean | null | Packable[];

export function msgpack(...values: Packable[]): Buffer {
  const parts: Buffer[] = [];
  const header = (bytes: number[]): void => void parts.push(Buffer.from(bytes));
  const encode = (value: Packable): void => {
    if (value === null) return header([0xc0]);
    if (value === true) return header([0xc3]);
    if (value === false) return header([0xc2]);
    if (typeof value === 'string' || Buffer.isBuffer(value)) {
      const bytes = typeof value === 'string' ? Buffer.from(value) : value;
      if (bytes.length < 32) header([0xa0 + bytes.length]);
      else if (bytes.length < 256) header([0xd9, bytes.length]);
      else if (bytes.length < 65536) header([0xda, bytes.length >> 8, bytes.length & 0xff]);
      else {
        const head = Buffer.alloc(5);
        head[0] = 0xdb;
        head.writeUInt32BE(bytes.length, 1);
        parts.push(head);
      }
      parts.push(bytes);
      return;
    }
    if (Array.isArray(value)) {
      if (value.length < 16) header([0x90 + value.length]);
      else {
        const head = Buffer.alloc(5);
        head[0] = 0xdd;
        head.writeUInt32BE(value.length, 1);
        parts.push(head);
      }
      value.forEach(encode);
      return;
    }
    if (!Number.isInteger(value)) {
      const out = Buffer.alloc(9);
      out[0] = 0xcb;
      out.writeDoubleBE(value, 1);
      return void parts.push(out);
    }
    if (value >= 0 && value < 128) return header([value]);
    if (value < 0 && value >= -32) return header([0x100 + value]);
    if (value >= 0 && value < 65536) return header([0xcd, value >> 8, value & 0xff]);
    if (value >= -2147483648 && value < 2147483648) {
      const out = Buffer.alloc(5);
      out[0] = 0xd2;
      out.writeInt32BE(value, 1);
      return void parts.push(out);
    }
    const out = Buffer.alloc(9);
    out[0] = value < 0 ? 0xd3 : 0xcf;
    if (value < 0) out.writeBigInt64BE(BigInt(value), 1);
    else out.writeBigUInt64BE(BigInt(value), 1);
    parts.push(out);
  };
  values.forEach(encode);
  return Buffer.concat(parts);
}
