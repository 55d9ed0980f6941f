// One SCAN step, enriched on the server: a Lua script runs SCAN and then TYPE / PTTL /
// MEMORY USAGE for each key it found, and packs everything into ONE binary string. One large
// reply per batch instead of thousands of small ones is what keeps the client from being the
// bottleneck (ioredis's per-reply cost dominates otherwise). A pipeline fallback does the same
// work where scripting is not permitted.

import type { Redis } from 'ioredis';

/** Key types, as codes in the packed reply. */
export const KEY_TYPES = ['unknown', 'string', 'list', 'set', 'zset', 'hash', 'stream', 'other'] as const;
export type KeyType = (typeof KEY_TYPES)[number];
export const TYPE_NONE = 0;

/** PTTL of a key without expiry, and of a key that no longer exists. */
export const TTL_NONE = -1;
export const TTL_GONE = -2;
/** Not asked for, or not available (e.g. MEMORY not permitted). */
export const UNKNOWN = -3;

export interface BatchRequest {
  cursor: string;
  count: number;
  match?: Buffer;
  type?: string;
  wantType: boolean;
  wantTtl: boolean;
  wantMemory: boolean;
  /** MEMORY USAGE SAMPLES; 0 means every element (exact, slower on big aggregates). */
  samples: number;
}

/** A batch in columns: cheaper to build and to read than one object per key. */
export interface KeyBatch {
  cursor: string;
  size: number;
  keys: Buffer[];
  /** Index into KEY_TYPES; 0 when unknown or when the key vanished. */
  types: Uint8Array;
  /** Milliseconds; TTL_NONE, TTL_GONE or UNKNOWN. */
  ttls: Float64Array;
  /** Bytes; UNKNOWN when not measured. */
  memory: Float64Array;
  /** Server-side execution time of the batch in microseconds (scripts only; UNKNOWN otherwise). */
  serverMicros: number;
}

// Returns { next cursor, packed entries, server µs }. Entry: u32 key length, key, u8 type, f64 pttl, f64 memory.
// A key that vanished between SCAN and the per-key calls reports type 0 and PTTL -2. The server
// time includes packing the reply (a sizeable share of a large batch), since batches are sized by it.
export const SCAN_SCRIPT = `
local t0 = redis.call('TIME')
local args = {'SCAN', ARGV[1], 'COUNT', ARGV[2]}
if ARGV[3] ~= '' then args[#args+1] = 'MATCH'; args[#args+1] = ARGV[3] end
if ARGV[4] ~= '' then args[#args+1] = 'TYPE'; args[#args+1] = ARGV[4] end
local reply = redis.call(unpack(args))
local keys = reply[2]
local wantType, wantTtl, wantMem = ARGV[5] == '1', ARGV[6] == '1', ARGV[7] == '1'
local samples = ARGV[8]
local codes = {string=1, list=2, set=3, zset=4, hash=5, stream=6, none=0}
local out = {}
for i = 1, #keys do
  local k = keys[i]
  local code, pttl, mem = 0, -3, -3
  if wantType then
    code = codes[redis.call('TYPE', k)['ok']] or 7
  end
  if wantTtl then pttl = redis.call('PTTL', k) end
  if wantMem then mem = redis.call('MEMORY', 'USAGE', k, 'SAMPLES', samples) or -3 end
  out[i] = struct.pack('>I4', #k) .. k .. struct.pack('>Bdd', code, pttl, mem)
end
local packed = table.concat(out)
local t1 = redis.call('TIME')
return {reply[1], packed, (t1[1] - t0[1]) * 1000000 + (t1[2] - t0[2])}
`;

const ENTRY_FIXED = 4 + 1 + 8 + 8;

export function decodePacked(cursor: string, packed: Buffer, serverMicros: number): KeyBatch {
  // Count first so the typed arrays are allocated once.
  let size = 0;
  for (let offset = 0; offset < packed.length; size += 1) offset += ENTRY_FIXED + packed.readUInt32BE(offset);
  const batch: KeyBatch = {
    cursor,
    size,
    keys: new Array<Buffer>(size),
    types: new Uint8Array(size),
    ttls: new Float64Array(size),
    memory: new Float64Array(size),
    serverMicros,
  };
  let offset = 0;
  for (let i = 0; i < size; i += 1) {
    const length = packed.readUInt32BE(offset);
    offset += 4;
    // A copy, not a view: a view would pin the whole reply in memory for as long as one key is kept.
    batch.keys[i] = Buffer.from(packed.subarray(offset, offset + length));
    offset += length;
    batch.types[i] = packed[offset]!;
    batch.ttls[i] = packed.readDoubleBE(offset + 1);
    batch.memory[i] = packed.readDoubleBE(offset + 9);
    offset += 17;
  }
  return batch;
}

function scriptArgs(request: BatchRequest): (string | Buffer)[] {
  return [
    request.cursor,
    String(request.count),
    request.match ?? '',
    request.type ?? '',
    request.wantType ? '1' : '0',
    request.wantTtl ? '1' : '0',
    request.wantMemory ? '1' : '0',
    String(request.samples),
  ];
}

export class ScriptBatcher {
  private sha: string | undefined;

  constructor(private readonly client: Redis) {}

  async run(request: BatchRequest): Promise<KeyBatch> {
    const args = scriptArgs(request);
    let reply: unknown;
    if (this.sha === undefined) {
      this.sha = String(await this.client.script('LOAD', SCAN_SCRIPT));
    }
    try {
      reply = await this.client.callBuffer('EVALSHA', this.sha, '0', ...args);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      // The script cache was flushed (SCRIPT FLUSH, restart): EVAL loads it again.
      reply = await this.client.callBuffer('EVAL', SCAN_SCRIPT, '0', ...args);
    }
    const [cursor, packed, micros] = reply as [Buffer, Buffer, number];
    return decodePacked(cursor.toString(), packed, Number(micros));
  }
}

const TYPE_CODES: Record<string, number> = { none: 0, string: 1, list: 2, set: 3, zset: 4, hash: 5, stream: 6 };

/** The same work with SCAN + a pipeline of per-key commands, for servers that forbid scripts. */
export class PipelineBatcher {
  /** Turned off after the first NOPERM, so the rest of the scan does not keep failing. */
  memoryAllowed = true;

  constructor(private readonly client: Redis) {}

  async run(request: BatchRequest): Promise<KeyBatch> {
    const scanArgs: (string | Buffer)[] = [request.cursor, 'COUNT', String(request.count)];
    if (request.match !== undefined) scanArgs.push('MATCH', request.match);
    if (request.type !== undefined) scanArgs.push('TYPE', request.type);
    const [cursor, keys] = (await this.client.callBuffer('SCAN', ...scanArgs)) as [Buffer, Buffer[]];
    const size = keys.length;
    const batch: KeyBatch = {
      cursor: cursor.toString(),
      size,
      keys,
      types: new Uint8Array(size),
      ttls: new Float64Array(size).fill(UNKNOWN),
      memory: new Float64Array(size).fill(UNKNOWN),
      serverMicros: UNKNOWN,
    };
    if (size === 0 || !(request.wantType || request.wantTtl || request.wantMemory)) return batch;
    const wantMemory = request.wantMemory && this.memoryAllowed;
    const pipeline = this.client.pipeline();
    for (const key of keys) {
      if (request.wantType) pipeline.type(key);
      if (request.wantTtl) pipeline.pttl(key);
      if (wantMemory) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', String(request.samples));
    }
    const results = (await pipeline.exec()) ?? [];
    let index = 0;
    // A per-key error is thrown, not turned into "unknown": MOVED on a demoted cluster master or
    // LOADING would otherwise be counted as keys of no type and no TTL. Only a refused MEMORY is
    // tolerated, and reported as missing memory.
    for (let i = 0; i < size; i += 1) {
      if (request.wantType) {
        const [error, value] = results[index++] ?? [];
        if (error) throw error;
        batch.types[i] = TYPE_CODES[String(value)] ?? 7;
      }
      if (request.wantTtl) {
        const [error, value] = results[index++] ?? [];
        if (error) throw error;
        batch.ttls[i] = Number(value);
      }
      if (wantMemory) {
        const [error, value] = results[index++] ?? [];
        if (error) {
          if (!String(error.message).startsWith('NOPERM')) throw error;
          this.memoryAllowed = false;
        }
        batch.memory[i] = error || value === null ? UNKNOWN : Number(value);
      }
    }
    return batch;
  }
}
