// Reading keys for the backup: DUMP and PTTL of a group of keys, by one Lua script per group (one
// round trip, one atomic read) or, where scripts are not permitted, by a pipeline. No call may hold
// the server long: each key's size is read first (O(1): type, element count, MEMORY USAGE with a
// few samples), keys too big for one DUMP are reported as `big` for a chunked backup
// (chunked-dump.ts) instead, and a script stops DUMPing once its budget is spent and leaves the
// rest of its keys to the next one.

import type { Redis } from 'ioredis';
import { ScriptRunner } from './key-commands.js';

export interface Dumped {
  payload: Buffer;
  /** PTTL when read: ms left, or -1 for no expiry. */
  pttl: number;
}

/** A key too big for one DUMP: backed up in chunks. */
export interface BigKey {
  big: true;
  /** TYPE: string, hash, list, set, zset, stream, or a module type's name. */
  type: string;
  /** Elements (fields, members, entries); 0 for a string. */
  elements: number;
  /** MEMORY USAGE (sampled), or the string length where MEMORY USAGE is refused. */
  bytes: number;
}

/** Where one DUMP becomes too long: a key over either limit is big; a script stops before it passes its budget. */
export interface DumpLimits {
  /** A key using more memory than this is big. */
  bigBytes: number;
  /** A key with more elements than this is big. */
  bigElements: number;
  /** One script DUMPs keys up to this much memory (more only for its first key). */
  budgetBytes: number;
  budgetElements: number;
}

/**
 * Measured on a 2-core test machine (Redis 7.0, jemalloc): DUMP of a 5,000-field hash (370 KB of
 * MEMORY USAGE) took 1.7 ms of server time, of 2,000 fields 0.54 ms; of a 1 MiB string 0.4–1.5 ms,
 * of 2 MiB 3.7–4 ms. These limits keep one DUMP near 1 ms and one script under about 2 ms, well
 * below the 5 ms goal. The plan counts big keys by memory alone (bigBytes); the element limit
 * matters where MEMORY USAGE is refused.
 */
export const DEFAULT_DUMP_LIMITS: DumpLimits = {
  bigBytes: 256 * 1024,
  bigElements: 4000,
  budgetBytes: 512 * 1024,
  budgetElements: 8000,
};

/**
 * Server time of one whole-value DUMP per byte of MEMORY USAGE, for the plan's stall estimate of a
 * key chunks cannot read. Measured idle on the 2-core test machine (Redis 7.0): a 15 MB stream of
 * 200k entries with a consumer group took 18 ms (1.2 ns/byte), rounded up for a busier server.
 * Module types are not estimated: their DUMP cost is the module's own.
 */
export const WHOLE_DUMP_NANOS_PER_BYTE: Readonly<Record<string, number>> = { stream: 2 };

/** The expected server time of one DUMP of a whole key in ms, or null when not known for its type. */
export function wholeDumpStallMs(type: string, bytes: number): number | null {
  const rate = WHOLE_DUMP_NANOS_PER_BYTE[type];
  return rate === undefined ? null : Math.max(1, Math.round((bytes * rate) / 1e6));
}

// Per key: 0 = gone; 1 = u32 payload length, payload, f64 PTTL; 2 = big: u8 type length, type,
// f64 elements, f64 bytes; 3 = not read (the script's budget was spent): ask again.
const DUMP_SCRIPT = `
local bigBytes, bigElements = tonumber(ARGV[1]), tonumber(ARGV[2])
local budgetBytes, budgetElements = tonumber(ARGV[3]), tonumber(ARGV[4])
local lengths = { hash = 'HLEN', set = 'SCARD', zset = 'ZCARD', list = 'LLEN', stream = 'XLEN' }
local out = {}
local spentBytes, spentElements, dumped, full = 0, 0, 0, false
for i = 1, #KEYS do
  local key = KEYS[i]
  local kind = redis.call('TYPE', key)['ok']
  if full then
    out[i] = struct.pack('>B', 3)
  elseif kind == 'none' then
    out[i] = struct.pack('>B', 0)
  else
    local elements = 0
    if lengths[kind] then elements = redis.call(lengths[kind], key) end
    local ok, bytes = pcall(redis.call, 'MEMORY', 'USAGE', key, 'SAMPLES', '5')
    if not ok or type(bytes) ~= 'number' then
      bytes = 0
      if kind == 'string' then bytes = redis.call('STRLEN', key) end
    end
    if bytes > bigBytes or elements > bigElements then
      out[i] = struct.pack('>BB', 2, #kind) .. kind .. struct.pack('>dd', elements, bytes)
    elseif dumped > 0 and (spentBytes + bytes > budgetBytes or spentElements + elements > budgetElements) then
      full = true
      out[i] = struct.pack('>B', 3)
    else
      local payload = redis.call('DUMP', key)
      dumped = dumped + 1
      spentBytes = spentBytes + bytes
      spentElements = spentElements + elements
      out[i] = struct.pack('>BI4', 1, #payload) .. payload .. struct.pack('>d', redis.call('PTTL', key))
    end
  end
end
return table.concat(out)
`;
const dumpScript = new ScriptRunner(DUMP_SCRIPT);

export type DumpResult = Dumped | BigKey | null;

export function isBigKey(result: DumpResult): result is BigKey {
  return result !== null && 'big' in result;
}

/** DUMP + PTTL of each small key, `BigKey` for a key too big for one DUMP, null for a key that is gone. */
export async function dumpKeys(client: Redis, keys: readonly Buffer[], useScript: boolean, limits: DumpLimits = DEFAULT_DUMP_LIMITS): Promise<DumpResult[]> {
  return useScript ? dumpScripted(client, keys, limits) : dumpPipelined(client, keys, limits);
}

async function dumpScripted(client: Redis, keys: readonly Buffer[], limits: DumpLimits): Promise<DumpResult[]> {
  const out = new Array<DumpResult>(keys.length).fill(null);
  const args = [limits.bigBytes, limits.bigElements, limits.budgetBytes, limits.budgetElements].map(String);
  // Indices still to read; each script reads at least one key, so this ends.
  let pending = keys.map((_, i) => i);
  while (pending.length > 0) {
    const reply = (await dumpScript.run(client, pending.map((i) => keys[i]!), args)) as Buffer;
    const again: number[] = [];
    let offset = 0;
    for (const index of pending) {
      const tag = reply[offset];
      if (tag === 0) {
        offset += 1;
      } else if (tag === 1) {
        const length = reply.readUInt32BE(offset + 1);
        const payload = Buffer.from(reply.subarray(offset + 5, offset + 5 + length));
        out[index] = { payload, pttl: reply.readDoubleBE(offset + 5 + length) };
        offset += 5 + length + 8;
      } else if (tag === 2) {
        const typeLength = reply[offset + 1]!;
        const type = reply.toString('latin1', offset + 2, offset + 2 + typeLength);
        const at = offset + 2 + typeLength;
        out[index] = { big: true, type, elements: reply.readDoubleBE(at), bytes: reply.readDoubleBE(at + 8) };
        offset = at + 16;
      } else {
        again.push(index);
        offset += 1;
      }
    }
    pending = again;
  }
  return out;
}

/** Without scripts: sizes first (TYPE, MEMORY USAGE, then the element count), then DUMP + PTTL of the small keys. */
async function dumpPipelined(client: Redis, keys: readonly Buffer[], limits: DumpLimits): Promise<DumpResult[]> {
  const sizes = client.pipeline();
  for (const key of keys) {
    sizes.type(key);
    sizes.call('MEMORY', 'USAGE', key, 'SAMPLES', '5');
  }
  const sizeReplies = (await sizes.exec()) ?? [];
  const types = keys.map((_, i) => {
    const [error, type] = sizeReplies[2 * i] ?? [];
    if (error) throw error;
    return String(type);
  });
  const counts = client.pipeline();
  keys.forEach((key, i) => {
    const command = LENGTH_COMMANDS[types[i]!] ?? (types[i] === 'string' ? 'STRLEN' : undefined);
    if (command === undefined) counts.echo('0');
    else counts.call(command, key);
  });
  const countReplies = (await counts.exec()) ?? [];
  const out = new Array<DumpResult>(keys.length).fill(null);
  const small: number[] = [];
  keys.forEach((_, i) => {
    const type = types[i]!;
    if (type === 'none') return;
    const [countError, count] = countReplies[i] ?? [];
    if (countError) throw countError;
    const [memoryError, memory] = sizeReplies[2 * i + 1] ?? [];
    const length = Number(count);
    const elements = type === 'string' ? 0 : length;
    // MEMORY USAGE may be refused (ACL, renamed): a string's length still tells its size.
    const bytes = memoryError || memory === null ? (type === 'string' ? length : 0) : Number(memory);
    if (bytes > limits.bigBytes || elements > limits.bigElements) out[i] = { big: true, type, elements, bytes };
    else small.push(i);
  });
  if (small.length === 0) return out;
  const pipeline = client.pipeline();
  for (const i of small) {
    pipeline.dumpBuffer(keys[i]!);
    pipeline.pttl(keys[i]!);
  }
  const replies = (await pipeline.exec()) ?? [];
  small.forEach((index, n) => {
    const [dumpError, payload] = replies[2 * n] ?? [];
    const [ttlError, pttl] = replies[2 * n + 1] ?? [];
    if (dumpError) throw dumpError;
    if (ttlError) throw ttlError;
    out[index] = payload === null || payload === undefined ? null : { payload: payload as Buffer, pttl: Number(pttl) };
  });
  return out;
}

const LENGTH_COMMANDS: Record<string, string> = { hash: 'HLEN', set: 'SCARD', zset: 'ZCARD', list: 'LLEN', stream: 'XLEN' };
