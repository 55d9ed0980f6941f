// Redis Cluster key → slot mapping: CRC16 (XMODEM) of the key, or of its hash tag, mod 16384.
// Lets callers group keys by slot or route a pattern with a hash tag to the one node that owns it.

export const SLOT_COUNT = 16384;

// Built once at load; a byte-wise table keeps keySlot at one lookup per key byte.
const CRC16_TABLE: Uint16Array = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = n << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    table[n] = crc;
  }
  return table;
})();

/** CRC16-CCITT (XMODEM: poly 0x1021, init 0, no reflection) of `buf[start, end)`, as Redis's crc16(). */
export function crc16(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ (buf[i] as number)) & 0xff] as number);
  }
  return crc;
}

/**
 * The cluster slot of `key`. If the key has a `{`, and a `}` after that first `{` with at least
 * one byte between them, only those bytes are hashed, so `{user1000}.a` and `{user1000}.b` share
 * a slot; otherwise (no `{`, no `}`, or an empty `{}` first) the whole key is hashed.
 */
export function keySlot(key: Uint8Array): number {
  const open = key.indexOf(0x7b);
  if (open >= 0) {
    const close = key.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(key, open + 1, close) & (SLOT_COUNT - 1);
  }
  return crc16(key) & (SLOT_COUNT - 1);
}
