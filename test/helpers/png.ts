// Just enough PNG reading to tell a drawn page from a blank one: the pixel rows' bytes.
import { inflateSync } from 'node:zlib';

/** The inflated image data (filter byte + pixels per row) of a PNG. */
export function pngPixelData(png: Buffer): Buffer {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  const parts: Buffer[] = [];
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    if (type === 'IDAT') parts.push(png.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  return inflateSync(Buffer.concat(parts));
}

/** How many distinct byte values the pixels use: 1–3 for a blank page, many for text and charts. */
export function distinctPixelBytes(png: Buffer): number {
  return new Set(pngPixelData(png)).size;
}
