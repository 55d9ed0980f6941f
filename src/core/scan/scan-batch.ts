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
/** With `ttlFlagAbove`: the key has an expiry no longer than the threshold (exact PTTL not sent). */
export const TTL_WITHIN = -4;

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
  /**
   * TTL audit mode: every key comes back, but only keys without an expiry, gone, or with a PTTL
   * above this many ms carry their PTTL; the others report TTL_WITHIN. Type and memory are not
   * measured. Infinity flags only keys without an expiry. (The pipeline fallback sends exact PTTLs.)
   */
  ttlFlagAbove?: number;
  /**
   * Also measure each key's size with its type's O(1) length command (STRLEN, LLEN, SCARD, ZCARD,
   * HLEN, XLEN; needs wantType) and, with wantFreq, its LFU counter (OBJECT FREQ, UNKNOWN where the
   * policy is not LFU). Both fill KeyBatch.lengths / KeyBatch.freqs.
   */
  wantLength?: boolean;
  wantFreq?: boolean;
}

/** A batch in columns: cheaper to build and to read than one object per key. */
export interface KeyBatch {
  cursor: string;
  size: number;
  keys: Buffer[];
  /** Index into KEY_TYPES; 0 when unknown or when the key vanished. */
  types: Uint8Array;
  /** Milliseconds; TTL_NONE, TTL_GONE or UNKNOWN (TTL_WITHIN too under `ttlFlagAbove`). */
  ttls: Float64Array;
  /** Bytes; UNKNOWN when not measured. */
  memory: Float64Array;
  /** Server-side execution time of the batch in microseconds (scripts only; UNKNOWN otherwise). */
  serverMicros: number;
  /** With wantLength: bytes of a string, elements of a collection; UNKNOWN for other types or a vanished key. */
  lengths?: Float64Array;
  /** With wantFreq: OBJECT FREQ (LFU counter, 0..255); UNKNOWN when the server's policy is not LFU. */
  freqs?: Float64Array;
}

// Both scripts start the same way: note the start time, then one SCAN step with ARGV[1] cursor,
// ARGV[2] COUNT, ARGV[3] MATCH and ARGV[4] TYPE ('' for none), leaving `reply` and `keys`.
const SCAN_PREAMBLE = `
local t0 = redis.call('TIME')
local args = {'SCAN', ARGV[1], 'COUNT', ARGV[2]}
if ARGV[3] ~= '' then args[#args+1] = 'MATCH'; args[#args+1] = ARGV[3] end
if ARGV[4] ~= '' then args[#args+1] = 'TYPE'; args[#args+1] = ARGV[4] end
local reply = redis.call(unpack(args))
local keys = reply[2]
`;

// Returns { next cursor, packed entries, server µs }. Entry: u32 key length, key, u8 type, f64 pttl, f64 memory,
// and with ARGV[9] (sizes) f64 length and f64 LFU frequency.
// A key that vanished between SCAN and the per-key calls reports type 0 and PTTL -2. The server
// time includes packing the reply (a sizeable share of a large batch), since batches are sized by it.
// OBJECT FREQ runs before the length command, which would otherwise count as an access to the key;
// it goes through pcall because it is an error, not a value, under a policy other than LFU.
export const SCAN_SCRIPT = `${SCAN_PREAMBLE}local wantType, wantTtl, wantMem = ARGV[5] == '1', ARGV[6] == '1', ARGV[7] == '1'
local samples = ARGV[8]
local wantSizes, wantFreq = ARGV[9] == '1', ARGV[10] == '1'
local codes = {string=1, list=2, set=3, zset=4, hash=5, stream=6, none=0}
local lengthOf = {string='STRLEN', list='LLEN', set='SCARD', zset='ZCARD', hash='HLEN', stream='XLEN'}
local out = {}
for i = 1, #keys do
  local k = keys[i]
  local code, pttl, mem = 0, -3, -3
  local typeName
  if wantType then
    typeName = redis.call('TYPE', k)['ok']
    code = codes[typeName] or 7
  end
  if wantTtl then pttl = redis.call('PTTL', k) end
  if wantMem then mem = redis.call('MEMORY', 'USAGE', k, 'SAMPLES', samples) or -3 end
  if wantSizes then
    local len, freq = -3, -3
    if wantFreq and code ~= 0 then
      local f = redis.pcall('OBJECT', 'FREQ', k)
      if type(f) == 'number' then freq = f end
    end
    local command = typeName and lengthOf[typeName]
    if command then len = redis.call(command, k) end
    out[i] = struct.pack('>I4', #k) .. k .. struct.pack('>Bdddd', code, pttl, mem, len, freq)
  else
    out[i] = struct.pack('>I4', #k) .. k .. struct.pack('>Bdd', code, pttl, mem)
  end
end
local packed = table.concat(out)
local t1 = redis.call('TIME')
return {reply[1], packed, (t1[1] - t0[1]) * 1000000 + (t1[2] - t0[2])}
`;

const ENTRY_FIXED = 4 + 1 + 8 + 8;
const SIZES_EXTRA = 8 + 8;

/** Decodes SCAN_SCRIPT's entries; `withSizes` when the batch asked for lengths (ARGV[9]). */
export function decodePacked(cursor: string, packed: Buffer, serverMicros: number, withSizes = false): KeyBatch {
  const fixed = withSizes ? ENTRY_FIXED + SIZES_EXTRA : ENTRY_FIXED;
  // Count first so the typed arrays are allocated once.
  let size = 0;
  for (let offset = 0; offset < packed.length; size += 1) offset += fixed + packed.readUInt32BE(offset);
  const batch: KeyBatch = {
    cursor,
    size,
    keys: new Array<Buffer>(size),
    types: new Uint8Array(size),
    ttls: new Float64Array(size),
    memory: new Float64Array(size),
    serverMicros,
  };
  const lengths = withSizes ? new Float64Array(size) : undefined;
  const freqs = withSizes ? new Float64Array(size) : undefined;
  if (lengths !== undefined && freqs !== undefined) {
    batch.lengths = lengths;
    batch.freqs = freqs;
  }
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
    if (lengths !== undefined && freqs !== undefined) {
      lengths[i] = packed.readDoubleBE(offset);
      freqs[i] = packed.readDoubleBE(offset + 8);
      offset += SIZES_EXTRA;
    }
  }
  return batch;
}

// The TTL audit's step: SCAN and PTTL only, and a reply shaped for it. Key bytes travel as one
// string joined with "\n" plus the key count: table.concat runs in C, where packing each key with
// struct.pack costs more server time than the PTTL calls. A key containing "\n" makes the join
// ambiguous (the client sees more separators than keys - 1); that batch is asked for again with
// ARGV[6] = '1', which sends the lengths instead ("3,10,7"). Exact PTTLs travel only for the keys
// the audit has to look at, packed as (u32 index, f64 pttl): doubles, so far-future expiries keep
// every digit. Returns { next cursor, keys, count or lengths, flagged, server µs }.
export const TTL_FLAG_SCRIPT = `${SCAN_PREAMBLE}local above = tonumber(ARGV[5])
local withLengths = ARGV[6] == '1'
local lengths, flagged, n = {}, {}, 0
for i = 1, #keys do
  local k = keys[i]
  if withLengths then lengths[i] = #k end
  local pttl = redis.call('PTTL', k)
  if pttl < 0 or (above >= 0 and pttl > above) then
    n = n + 1
    flagged[n] = struct.pack('>I4d', i - 1, pttl)
  end
end
local joined, layout
if withLengths then
  joined, layout = table.concat(keys), table.concat(lengths, ',')
else
  joined, layout = table.concat(keys, '\\n'), #keys
end
local t1 = redis.call('TIME')
return {reply[1], joined, layout, table.concat(flagged), (t1[1] - t0[1]) * 1000000 + (t1[2] - t0[2])}
`;

/**
 * Decodes TTL_FLAG_SCRIPT's reply. `layout` is the key count (keys joined with "\n") or the
 * comma-separated lengths; undefined means the join is ambiguous and the batch must be asked for
 * with lengths.
 */
export function decodeFlagged(cursor: string, keyBytes: Buffer, layout: Buffer | number, flagged: Buffer, serverMicros: number): KeyBatch | undefined {
  // One copy of the key bytes per batch, and views into it: cheaper than a copy per key, and a
  // kept key pins only its batch's key bytes (the socket buffer the reply arrived in is released).
  const owned = Buffer.from(keyBytes);
  const keys: Buffer[] = [];
  if (typeof layout === 'number') {
    let start = 0;
    for (let end = owned.indexOf(0x0a); end >= 0; end = owned.indexOf(0x0a, start)) {
      keys.push(owned.subarray(start, end));
      start = end + 1;
    }
    if (layout > 0 || owned.length > 0) keys.push(owned.subarray(start));
    if (keys.length !== layout) return undefined;
  } else {
    let offset = 0;
    let length = 0;
    for (let i = 0; i <= layout.length && layout.length > 0; i += 1) {
      const byte = i < layout.length ? layout[i]! : 0x2c;
      if (byte !== 0x2c) {
        length = length * 10 + byte - 0x30;
        continue;
      }
      keys.push(owned.subarray(offset, offset + length));
      offset += length;
      length = 0;
    }
  }
  const size = keys.length;
  const batch: KeyBatch = {
    cursor,
    size,
    keys,
    types: new Uint8Array(size),
    ttls: new Float64Array(size).fill(TTL_WITHIN),
    memory: new Float64Array(size).fill(UNKNOWN),
    serverMicros,
  };
  for (let at = 0; at + 12 <= flagged.length; at += 12) {
    const key = flagged.readUInt32BE(at);
    if (key < size) batch.ttls[key] = flagged.readDoubleBE(at + 4);
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
    wantsSizes(request) ? '1' : '0',
    request.wantFreq === true ? '1' : '0',
  ];
}

/** Lengths are measured only with the type, which picks the length command. */
function wantsSizes(request: BatchRequest): boolean {
  return request.wantType && (request.wantLength === true || request.wantFreq === true);
}

function flagArgs(request: BatchRequest, above: number, withLengths: boolean): (string | Buffer)[] {
  // -1 tells the script there is no maximum; a threshold is whole milliseconds like PTTL.
  const threshold = Number.isFinite(above) ? String(Math.floor(above)) : '-1';
  return [request.cursor, String(request.count), request.match ?? '', request.type ?? '', threshold, withLengths ? '1' : '0'];
}

export class ScriptBatcher {
  private sha: string | undefined;
  private flagSha: string | undefined;
  /** Set once a batch held a key with "\n": this keyspace has such keys, so lengths from then on. */
  private flagLengths = false;

  constructor(private readonly client: Redis) {}

  async run(request: BatchRequest): Promise<KeyBatch> {
    if (request.ttlFlagAbove !== undefined) {
      this.flagSha ??= String(await this.client.script('LOAD', TTL_FLAG_SCRIPT));
      for (;;) {
        const reply = await this.evaluate(this.flagSha, TTL_FLAG_SCRIPT, flagArgs(request, request.ttlFlagAbove, this.flagLengths));
        const [cursor, keys, layout, flagged, micros] = reply as [Buffer, Buffer, Buffer | number, Buffer, number];
        const batch = decodeFlagged(cursor.toString(), keys, layout, flagged, Number(micros));
        if (batch !== undefined) return batch;
        // SCAN from the same cursor again is allowed (cursors are stateless); nothing was consumed.
        this.flagLengths = true;
      }
    }
    this.sha ??= String(await this.client.script('LOAD', SCAN_SCRIPT));
    const reply = await this.evaluate(this.sha, SCAN_SCRIPT, scriptArgs(request));
    const [cursor, packed, micros] = reply as [Buffer, Buffer, number];
    return decodePacked(cursor.toString(), packed, Number(micros), wantsSizes(request));
  }

  private async evaluate(sha: string, script: string, args: (string | Buffer)[]): Promise<unknown> {
    try {
      return await this.client.callBuffer('EVALSHA', sha, '0', ...args);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      // The script cache was flushed (SCRIPT FLUSH, restart): EVAL loads it again.
      return this.client.callBuffer('EVAL', script, '0', ...args);
    }
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
    // Audit mode here is a plain PTTL per key: exact values are a superset of what the script flags.
    const wantTtl = request.wantTtl || request.ttlFlagAbove !== undefined;
    if (size === 0 || !(request.wantType || wantTtl || request.wantMemory)) return batch;
    const wantMemory = request.wantMemory && this.memoryAllowed;
    const pipeline = this.client.pipeline();
    for (const key of keys) {
      if (request.wantType) pipeline.type(key);
      if (wantTtl) pipeline.pttl(key);
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
      if (wantTtl) {
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
    if (wantsSizes(request)) await this.measureSizes(batch, request.wantFreq === true);
    return batch;
  }

  /** The length command depends on the type, so sizes take a second round trip here. */
  private async measureSizes(batch: KeyBatch, wantFreq: boolean): Promise<void> {
    const lengths = new Float64Array(batch.size).fill(UNKNOWN);
    const freqs = new Float64Array(batch.size).fill(UNKNOWN);
    batch.lengths = lengths;
    batch.freqs = freqs;
    const pipeline = this.client.pipeline();
    const asked: { index: number; what: 'length' | 'freq' }[] = [];
    for (let i = 0; i < batch.size; i += 1) {
      const type = batch.types[i]!;
      if (type === TYPE_NONE) continue;
      const key = batch.keys[i]!;
      if (wantFreq) {
        pipeline.call('OBJECT', 'FREQ', key);
        asked.push({ index: i, what: 'freq' });
      }
      const command = LENGTH_COMMANDS[KEY_TYPES[type]!];
      if (command !== undefined) {
        pipeline.call(command, key);
        asked.push({ index: i, what: 'length' });
      }
    }
    if (asked.length === 0) return;
    const results = (await pipeline.exec()) ?? [];
    asked.forEach(({ index, what }, at) => {
      const [error, value] = results[at] ?? [];
      // OBJECT FREQ is an error under a non-LFU policy; a key gone since TYPE (WRONGTYPE after a
      // re-creation, or 0 for a vanished key) is only a size we could not read.
      if (what === 'freq') freqs[index] = error ? UNKNOWN : Number(value);
      else if (!error) lengths[index] = Number(value);
      else if (!/WRONGTYPE/.test(String(error.message))) throw error;
    });
  }
}

const LENGTH_COMMANDS: Partial<Record<KeyType, string>> = { string: 'STRLEN', list: 'LLEN', set: 'SCARD', zset: 'ZCARD', hash: 'HLEN', stream: 'XLEN' };
