// Names for the temporary key a chunked restore builds a value under before renaming it onto its
// target: in the same cluster slot as the target (RENAME never crosses slots), recognisable by its
// name, and unique per restore.

import { randomBytes } from 'node:crypto';
import { keySlot } from '../../base/slot.js';

const TEMP_MARK = Buffer.from(':cachectl-restore:');

/** A short tag per slot: the first decimal number whose hash is that slot. Computed when first asked. */
const tagForSlot = new Map<number, Buffer>();

export function slotTag(slot: number): Buffer {
  let tag = tagForSlot.get(slot);
  if (tag === undefined) {
    for (let n = 0; ; n += 1) {
      const candidate = Buffer.from(String(n));
      if (keySlot(candidate) === slot) {
        tag = candidate;
        break;
      }
    }
    tagForSlot.set(slot, tag);
  }
  return tag;
}

/** `{tag}:cachectl-restore:<random>`, where the tag hashes to the slot of `key`. */
export function tempKeyFor(key: Buffer): Buffer {
  return Buffer.concat([Buffer.from('{'), slotTag(keySlot(key)), Buffer.from('}'), TEMP_MARK, Buffer.from(randomBytes(8).toString('hex'))]);
}
