// Deterministic pseudo-random numbers for seeding: the same seed gives the same keyspace
// on every machine, so two bench runs (or cachectl and redis-cli) work on identical data.

const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * mulberry32: tiny, fast, and good enough to spread keys and sizes; not for cryptography.
 * @param {number} seed
 */
export function createPrng(seed) {
  let state = seed >>> 0;
  /** A float in [0, 1). */
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  /** An unsigned 32-bit integer. */
  const u32 = () => Math.floor(next() * 4294967296) >>> 0;
  return {
    next,
    u32,
    /** An integer in [min, max], both included. */
    int: (/** @type {number} */ min, /** @type {number} */ max) => min + Math.floor(next() * (max - min + 1)),
    /** @template T @param {readonly T[]} items @returns {T} */
    pick: (items) => /** @type {any} */ (items[Math.floor(next() * items.length)]),
    /** `count` lowercase hex digits. */
    hex(/** @type {number} */ count) {
      let out = '';
      while (out.length < count) {
        const word = u32();
        out += HEX_BYTE[word & 255] + HEX_BYTE[(word >>> 8) & 255] + HEX_BYTE[(word >>> 16) & 255] + HEX_BYTE[word >>> 24];
      }
      return out.length === count ? out : out.slice(0, count);
    },
    /** A random (version 4 shaped) UUID. */
    uuid() {
      const h = this.hex(32);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  };
}

/** @typedef {ReturnType<typeof createPrng>} Prng */
