// One SCAN step, enriched on the server: a Lua script runs SCAN and then TYPE / PTTL /
// MEMORY USAGE for each key it found, and packs everything into ONE binary string. One large
// reply per batch instead of thousands of small ones is what keeps the client from being the
// bottleneck (ioredis's per-reply cost dominates otherwise). A pipeline fallback does the same
// work where scripting is not permitted.

import type { Redis } from 'ioredis';
import type { EncodedKeyCommand } from '../../connection/resp-pipe.js';
import { ScriptRunner } from '../../connection/script-runner.js';
import { MsgpackReader } from './msgpack.js';

/**
 * Key type names by code (the `types` column of a batch). The core types come first; any other
 * name the server reports (a module type such as `ReJSON-RL`, `vectorset`) gets the next code the
 * first time it is seen, so a type is always shown by the server's own name. Code 0 is a key whose
 * type was not asked for, or that vanished before it was looked at.
 */
export const KEY_TYPES: string[] = ['unknown', 'string', 'list', 'set', 'zset', 'hash', 'stream'];
export type KeyType = string;
export const TYPE_NONE = 0;
/** Codes are bytes; past this many distinct names a new one is reported as 'unknown'. */
const MAX_TYPE_CODES = 256;

/** The code of a type name as TYPE returns it ('none' → TYPE_NONE), registering new names. */
export function typeCode(name: string): number {
  if (name === 'none') return TYPE_NONE;
  const known = KEY_TYPES.indexOf(name);
  if (known >= 0) return known;
  if (KEY_TYPES.length >= MAX_TYPE_CODES) return TYPE_NONE;
  KEY_TYPES.push(name);
  return KEY_TYPES.length - 1;
}

/** PTTL of a key without expiry, and of a key that no longer exists. */
export const TTL_NONE = -1;
export const TTL_GONE = -2;
/** Not asked for, or not available (e.g. MEMORY not permitted). */
export const UNKNOWN = -3;
/** With `ttlFlagAbove`: the key has an expiry no longer than the threshold (exact PTTL not sent). */
export const TTL_WITHIN = -4;
/** With `fieldTtl`: a hash without a key TTL, some of whose fields expire (Redis 7.4+ HPEXPIRE). */
export const TTL_SOME_FIELDS = -5;
/** With `fieldTtl`: a hash without a key TTL whose every field expires, so the key will go away. */
export const TTL_ALL_FIELDS = -6;
/**
 * Fields of one hash whose TTLs are read to classify it; a bigger hash is judged by a random
 * sample of this many (HRANDFIELD), so it can be found to have expiring fields, never all.
 */
export const FIELD_TTL_SAMPLE = 512;

/** `flags` bit: memory is the default sampling estimate, not exact, although --samples 0 asked for exact (see EXACT_MEMORY_MAX_ELEMENTS). */
export const MEMORY_SAMPLED = 1;

/**
 * Above this many elements (HLEN, LLEN, SCARD, ZCARD, XLEN), exact MEMORY USAGE (SAMPLES 0) is
 * not asked for: it walks every element (about 0.3 µs each, 325 ms for a 1M-field hash) while
 * the server serves no one else. Such keys get the server's default sampling and MEMORY_SAMPLED.
 * Also the exact work one script call may do in total: keys past it are measured by a call of
 * their own, so no call holds the server much longer than ~1.5 ms.
 */
export const EXACT_MEMORY_MAX_ELEMENTS = 4096;

export interface BatchRequest {
  cursor: string;
  count: number;
  match?: Buffer;
  type?: string;
  wantType: boolean;
  wantTtl: boolean;
  wantMemory: boolean;
  /** Element count per key (STRLEN for strings; UNKNOWN for types without a length command). */
  wantLength?: boolean;
  /** LFU counter per key (OBJECT FREQ; UNKNOWN where the policy is not LFU, or the key vanished). */
  wantFreq?: boolean;
  /**
   * Without wantTtl: PTTL only for keys using at least this many bytes (read in the round after
   * MEMORY USAGE), UNKNOWN for the others; one command per key fewer where few keys are that big
   * (bigkeys: its no-TTL finding). Scripts read every key's TTL instead.
   */
  ttlFromMemory?: number;
  /** MEMORY USAGE SAMPLES; 0 means every element (exact; capped, see EXACT_MEMORY_MAX_ELEMENTS). */
  samples: number;
  /**
   * TTL audit mode: every key comes back, but only keys without an expiry, gone, or with a PTTL
   * above this many ms carry their PTTL; the others report TTL_WITHIN. With wantType, only the
   * flagged keys are typed; memory is not measured. Infinity flags only keys without an expiry.
   */
  ttlFlagAbove?: number;
  /**
   * Hash field expiration (the node's INFO keyspace shows `subexpiry` > 0): a hash without a key
   * TTL reports TTL_SOME_FIELDS or TTL_ALL_FIELDS instead of TTL_NONE when its fields expire.
   * Scripts only; the per-key pipelines (readPerKey) report TTL_NONE.
   */
  fieldTtl?: boolean;
}

/** A batch in columns: cheaper to build and to read than one object per key. */
export interface KeyBatch {
  cursor: string;
  size: number;
  /** Views into one buffer of the batch's key bytes: keep a key past its batch only as `keptKey(key)`. */
  keys: Buffer[];
  /** Codes into KEY_TYPES; 0 when not asked for or when the key vanished. */
  types: Uint8Array;
  /** Milliseconds; TTL_NONE, TTL_GONE or UNKNOWN (TTL_WITHIN too under `ttlFlagAbove`). */
  ttls: Float64Array;
  /** Bytes; UNKNOWN when not measured. */
  memory: Float64Array;
  /** With `wantLength`: elements (bytes for strings), UNKNOWN for types without a length command. */
  lengths?: Float64Array;
  /** With `wantFreq`: OBJECT FREQ (LFU counter, 0..255); UNKNOWN when the server's policy is not LFU. */
  freqs?: Float64Array;
  /** Per-key bits (MEMORY_SAMPLED); absent when no key has one. */
  flags?: Uint8Array;
  /**
   * Server time in microseconds of the batch's call that grows with COUNT: the whole script, or SCAN
   * on the lean path (timed by TIME around it); UNKNOWN on ioredis pipelines. Sizes the next batches.
   */
  serverMicros: number;
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
local function fieldTtl(k)
  if redis.call('TYPE', k)['ok'] ~= 'hash' then return -1 end
  local n = redis.call('HLEN', k)
  local fields
  if n <= ${FIELD_TTL_SAMPLE} then fields = redis.call('HKEYS', k) else fields = redis.call('HRANDFIELD', k, ${FIELD_TTL_SAMPLE}) end
  if #fields == 0 then return -1 end
  local ttls = redis.call('HPTTL', k, 'FIELDS', #fields, unpack(fields))
  local expiring = 0
  for j = 1, #ttls do if ttls[j] >= 0 then expiring = expiring + 1 end end
  if expiring == 0 then return -1 end
  if expiring == n then return ${TTL_ALL_FIELDS} end
  return ${TTL_SOME_FIELDS}
end
`;

// The per-key probes, chosen by the letters of ARGV[5]: t TYPE, p PTTL, m MEMORY USAGE with
// SAMPLES ARGV[6], n the element count, f the LFU counter, h field TTLs of hashes without a key
// TTL (see BatchRequest.fieldTtl); ARGV[7] is EXACT_MEMORY_MAX_ELEMENTS.
// A new probe is one more letter, one more column in the pack and in decodeColumns. Every column
// asked for holds a value for every key (a Lua table with holes would be packed as a map).
// OBJECT FREQ runs before the length command, which counts as an access to the key (TYPE, PTTL
// and MEMORY USAGE do not); it goes through pcall because it is an error under a non-LFU policy.
//
// Returns { next cursor, cmsgpack of (keys, type names, types, pttls, memory, lengths, freqs,
// sampled, deferred), server µs }. Types are 1-based indexes into the batch's own list of names, so any
// name the server reports (module types) arrives as it is. `sampled` lists (1-based) the keys too
// large for exact memory, `deferred` those past this call's exact budget. Everything is packed in
// one cmsgpack call, in C: packing per key in Lua (struct.pack and concatenation) cost about as
// much server time as a PTTL call. The server time includes the packing, since batches are sized by it.
export const SCAN_SCRIPT = `${SCAN_PREAMBLE}local call = redis.call
local probes, samples, cap = ARGV[5], ARGV[6], tonumber(ARGV[7])
local wantType, wantTtl = probes:find('t', 1, true) ~= nil, probes:find('p', 1, true) ~= nil
local wantMem, wantLen = probes:find('m', 1, true) ~= nil, probes:find('n', 1, true) ~= nil
local wantFreq = probes:find('f', 1, true) ~= nil
local withFields = probes:find('h', 1, true) ~= nil
local exact = wantMem and samples == '0'
local needName = wantType or wantLen or wantFreq or exact
local lengthOf = {string='STRLEN', list='LLEN', set='SCARD', zset='ZCARD', hash='HLEN', stream='XLEN'}
local budget = cap
local index, names, types, ttls, mems, lens, freqs, sampled, deferred = {}, {}, {}, {}, {}, {}, {}, {}, {}
for i = 1, #keys do
  local k = keys[i]
  local name, len
  if needName then
    name = call('TYPE', k)['ok']
    if wantType then
      local code = index[name]
      if code == nil then code = #names + 1; names[code] = name; index[name] = code end
      types[i] = code
    end
    if wantFreq then
      local f = -3
      if name ~= 'none' then f = redis.pcall('OBJECT', 'FREQ', k) end
      if type(f) == 'number' then freqs[i] = f else freqs[i] = -3 end
    end
    if wantLen or exact then
      local command = lengthOf[name]
      if command then len = call(command, k) else len = -3 end
      if wantLen then lens[i] = len end
    end
  end
  if wantTtl then ttls[i] = call('PTTL', k) end
  if withFields and ttls[i] == -1 then ttls[i] = fieldTtl(k) end
  if wantMem then
    if not exact then
      if samples == '5' then mems[i] = call('MEMORY', 'USAGE', k) or -3
      else mems[i] = call('MEMORY', 'USAGE', k, 'SAMPLES', samples) or -3 end
    elseif name == 'string' or len < 0 then mems[i] = call('MEMORY', 'USAGE', k, 'SAMPLES', '0') or -3
    elseif len > cap then mems[i] = call('MEMORY', 'USAGE', k) or -3; sampled[#sampled+1] = i
    elseif len > budget then mems[i] = -3; deferred[#deferred+1] = i
    else budget = budget - len; mems[i] = call('MEMORY', 'USAGE', k, 'SAMPLES', '0') or -3 end
  end
end
local packed = cmsgpack.pack(keys, names, types, ttls, mems, lens, freqs, sampled, deferred)
local t1 = call('TIME')
return {reply[1], packed, (t1[1] - t0[1]) * 1000000 + (t1[2] - t0[2])}
`;

/** The probe letters of SCAN_SCRIPT's ARGV[5] for a request. */
export function probeLetters(request: Pick<BatchRequest, 'wantType' | 'wantTtl' | 'wantMemory' | 'wantLength' | 'wantFreq' | 'fieldTtl'>): string {
  const fields = request.fieldTtl === true && request.wantTtl ? 'h' : '';
  return `${request.wantType ? 't' : ''}${request.wantTtl ? 'p' : ''}${request.wantMemory ? 'm' : ''}${request.wantLength === true ? 'n' : ''}${request.wantFreq === true ? 'f' : ''}${fields}`;
}

/** A decoded SCAN_SCRIPT reply, and the keys whose exact memory still has to be measured. */
export interface DecodedColumns {
  batch: KeyBatch;
  /** 0-based indexes of keys past the call's exact-memory budget (memory UNKNOWN for now). */
  deferred: number[];
}

/**
 * Decodes SCAN_SCRIPT's cmsgpack columns. Keys are views into one copy of the reply: cheaper than a
 * copy per key, and a kept key pins only its own batch's bytes, not the socket buffer.
 */
export function decodeColumns(cursor: string, packed: Buffer, serverMicros: number): DecodedColumns {
  const reader = new MsgpackReader(Buffer.from(packed));
  const size = reader.arrayLength();
  const keys = new Array<Buffer>(size);
  for (let i = 0; i < size; i += 1) keys[i] = reader.bytesValue();
  const names: number[] = [];
  for (let i = reader.arrayLength(); i > 0; i -= 1) names.push(typeCode(reader.bytesValue().toString('latin1')));
  const batch = emptyBatch(cursor, keys, serverMicros);
  let count = reader.arrayLength();
  for (let i = 0; i < count; i += 1) batch.types[i] = names[reader.number() - 1] ?? TYPE_NONE;
  count = reader.arrayLength();
  for (let i = 0; i < count; i += 1) batch.ttls[i] = reader.number();
  count = reader.arrayLength();
  for (let i = 0; i < count; i += 1) batch.memory[i] = reader.number();
  count = reader.arrayLength();
  if (count > 0) {
    batch.lengths = new Float64Array(size).fill(UNKNOWN);
    for (let i = 0; i < count; i += 1) batch.lengths[i] = reader.number();
  }
  count = reader.arrayLength();
  if (count > 0) {
    batch.freqs = new Float64Array(size).fill(UNKNOWN);
    for (let i = 0; i < count; i += 1) batch.freqs[i] = reader.number();
  }
  count = reader.arrayLength();
  for (let i = 0; i < count; i += 1) {
    batch.flags ??= new Uint8Array(size);
    batch.flags[reader.number() - 1]! |= MEMORY_SAMPLED;
  }
  const deferred: number[] = [];
  count = reader.arrayLength();
  for (let i = 0; i < count; i += 1) deferred.push(reader.number() - 1);
  return { batch, deferred };
}

// The TTL audit's step: SCAN and PTTL only, and a reply shaped for it. Key bytes travel as one
// string joined with "\n" plus the key count: table.concat runs in C, where packing each key with
// struct.pack costs more server time than the PTTL calls. A key containing "\n" makes the join
// ambiguous (the client sees more separators than keys - 1); that batch is asked for again with
// ARGV[6] = '1', which sends the lengths instead ("3,10,7"). Exact PTTLs travel only for the keys
// the audit has to look at, packed as (u32 index, f64 pttl): doubles, so far-future expiries keep
// every digit. With ARGV[8] = '1' the flagged keys' types come too, one name per flagged key joined
// with "\n" (a hint at which library wrote them; TYPE only for flagged keys keeps a healthy keyspace
// as cheap as before). Returns { next cursor, keys, count or lengths, flagged, server µs, types }.
export const TTL_FLAG_SCRIPT = `${SCAN_PREAMBLE}local above = tonumber(ARGV[5])
local withLengths = ARGV[6] == '1'
local withFields = ARGV[7] == '1'
local withTypes = ARGV[8] == '1'
local lengths, flagged, types, n = {}, {}, {}, 0
for i = 1, #keys do
  local k = keys[i]
  if withLengths then lengths[i] = #k end
  local pttl = redis.call('PTTL', k)
  if withFields and pttl == -1 then pttl = fieldTtl(k) end
  if pttl < 0 or (above >= 0 and pttl > above) then
    n = n + 1
    flagged[n] = struct.pack('>I4d', i - 1, pttl)
    if withTypes then types[n] = redis.call('TYPE', k)['ok'] end
  end
end
local joined, layout
if withLengths then
  joined, layout = table.concat(keys), table.concat(lengths, ',')
else
  joined, layout = table.concat(keys, '\\n'), #keys
end
local t1 = redis.call('TIME')
return {reply[1], joined, layout, table.concat(flagged), (t1[1] - t0[1]) * 1000000 + (t1[2] - t0[2]), table.concat(types, '\\n')}
`;

/**
 * Decodes TTL_FLAG_SCRIPT's reply. `layout` is the key count (keys joined with "\n") or the
 * comma-separated lengths; undefined means the join is ambiguous and the batch must be asked for
 * with lengths.
 */
export function decodeFlagged(cursor: string, keyBytes: Buffer, layout: Buffer | number, flagged: Buffer, serverMicros: number, flaggedTypes?: Buffer): KeyBatch | undefined {
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
  const batch = emptyBatch(cursor, keys, serverMicros);
  // Keys the script did not flag have an expiry within the threshold (their exact PTTL was not sent).
  batch.ttls.fill(TTL_WITHIN);
  const typeNames = flaggedTypes === undefined || flaggedTypes.length === 0 ? [] : flaggedTypes.toString('latin1').split('\n');
  for (let at = 0, n = 0; at + 12 <= flagged.length; at += 12, n += 1) {
    const key = flagged.readUInt32BE(at);
    if (key >= batch.size) continue;
    batch.ttls[key] = flagged.readDoubleBE(at + 4);
    const type = typeNames[n];
    if (type !== undefined) batch.types[key] = typeCode(type);
  }
  return batch;
}

function scriptArgs(request: BatchRequest): (string | Buffer)[] {
  return [request.cursor, String(request.count), request.match ?? '', request.type ?? '', probeLetters(request), String(request.samples), String(EXACT_MEMORY_MAX_ELEMENTS)];
}

function flagArgs(request: BatchRequest, above: number, withLengths: boolean): (string | Buffer)[] {
  // -1 tells the script there is no maximum; a threshold is whole milliseconds like PTTL.
  const threshold = Number.isFinite(above) ? String(Math.floor(above)) : '-1';
  return [request.cursor, String(request.count), request.match ?? '', request.type ?? '', threshold, withLengths ? '1' : '0', request.fieldTtl === true ? '1' : '0', request.wantType ? '1' : '0'];
}

const scanScript = new ScriptRunner(SCAN_SCRIPT);
const flagScript = new ScriptRunner(TTL_FLAG_SCRIPT);

export class ScriptBatcher {
  /** Set once a batch held a key with "\n": this keyspace has such keys, so lengths from then on. */
  private flagLengths = false;

  constructor(private readonly client: Redis) {}

  async run(request: BatchRequest): Promise<KeyBatch> {
    if (request.ttlFlagAbove !== undefined) {
      for (;;) {
        const reply = await flagScript.run(this.client, [], flagArgs(request, request.ttlFlagAbove, this.flagLengths));
        const [cursor, keys, layout, flagged, micros, types] = reply as [Buffer, Buffer, Buffer | number, Buffer, number, Buffer];
        const batch = decodeFlagged(cursor.toString(), keys, layout, flagged, Number(micros), types);
        if (batch !== undefined) return batch;
        // SCAN from the same cursor again is allowed (cursors are stateless); nothing was consumed.
        this.flagLengths = true;
      }
    }
    const reply = await scanScript.run(this.client, [], scriptArgs(request.ttlFromMemory === undefined ? request : { ...request, wantTtl: true }));
    const [cursor, packed, micros] = reply as [Buffer, Buffer, number];
    const { batch, deferred } = decodeColumns(cursor.toString(), packed, Number(micros));
    if (deferred.length > 0) await this.measureExactly(batch, deferred);
    return batch;
  }

  /** Exact memory of keys past a script call's budget: one call each, every one under the element cap. */
  private async measureExactly(batch: KeyBatch, indexes: number[]): Promise<void> {
    const pipeline = this.client.pipeline();
    for (const i of indexes) pipeline.call('MEMORY', 'USAGE', batch.keys[i]!, 'SAMPLES', '0');
    const results = (await pipeline.exec()) ?? [];
    indexes.forEach((keyIndex, i) => {
      const [error, value] = results[i] ?? [];
      if (error) throw error;
      batch.memory[keyIndex] = value === null || value === undefined ? UNKNOWN : Number(value);
    });
  }
}

/**
 * One command around one key, encoded once for the lean pipe (EncodedKeyCommand): per-key reads
 * send the same few commands for thousands of keys, and encoding them from these needs no argument
 * arrays and no per-word lookups. Here rather than beside the pipe, so that what reads batches
 * does not load the socket code.
 */
export class KeyCommand implements EncodedKeyCommand {
  readonly head: Buffer;
  readonly tail: Buffer;

  constructor(
    readonly before: readonly string[],
    readonly after: readonly string[] = [],
  ) {
    const words = (list: readonly string[]) => list.map((word) => `$${Buffer.byteLength(word)}\r\n${word}\r\n`).join('');
    this.head = Buffer.from(`*${before.length + 1 + after.length}\r\n${words(before)}`);
    this.tail = Buffer.from(words(after));
  }

  /** The command's arguments with this key, for clients that take argument lists. */
  args(key: Buffer): (string | Buffer)[] {
    return [...this.before, key, ...this.after];
  }
}

const LENGTH_COMMANDS: Record<string, KeyCommand> = {
  string: new KeyCommand(['STRLEN']),
  list: new KeyCommand(['LLEN']),
  set: new KeyCommand(['SCARD']),
  zset: new KeyCommand(['ZCARD']),
  hash: new KeyCommand(['HLEN']),
  stream: new KeyCommand(['XLEN']),
};
const TYPE = new KeyCommand(['TYPE']);
const PTTL = new KeyCommand(['PTTL']);
const FREQ = new KeyCommand(['OBJECT', 'FREQ']);
const MEMORY_SAMPLED_DEFAULT = new KeyCommand(['MEMORY', 'USAGE']);
const MEMORY_EXACT = new KeyCommand(['MEMORY', 'USAGE'], ['SAMPLES', '0']);
const memoryCommands = new Map<number, KeyCommand>([
  [5, MEMORY_SAMPLED_DEFAULT],
  [0, MEMORY_EXACT],
]);

/** MEMORY USAGE with this many SAMPLES (the server's default of 5 without the option). */
function memoryCommand(samples: number): KeyCommand {
  let command = memoryCommands.get(samples);
  if (command === undefined) {
    command = new KeyCommand(['MEMORY', 'USAGE'], ['SAMPLES', String(samples)]);
    if (memoryCommands.size < 16) memoryCommands.set(samples, command);
  }
  return command;
}

/**
 * One round trip of commands: commands[i] around keys[i]; one result per command, an Error value
 * for a refused one.
 */
export type PerKeyExec = (commands: KeyCommand[], keys: Buffer[]) => Promise<unknown[]>;

/** What a per-key reader learns over a scan. */
export interface PerKeyState {
  /** Turned off after the first NOPERM, so the rest of the scan does not keep failing. */
  memoryAllowed: boolean;
}

/** The SCAN command of a request. */
export function scanCommand(request: BatchRequest): (string | Buffer)[] {
  const args: (string | Buffer)[] = ['SCAN', request.cursor, 'COUNT', String(request.count)];
  if (request.match !== undefined) args.push('MATCH', request.match);
  if (request.type !== undefined) args.push('TYPE', request.type);
  return args;
}

/**
 * A copy of a key that owns its bytes, for a key kept after its batch (a namespace's example, a
 * top-N entry). A batch's keys are views into one buffer of all its key bytes, so one kept view
 * holds every key of its batch; and a copy from Node's shared pool would hold a whole 8 KiB slab.
 */
export function keptKey(key: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(key.length);
  key.copy(copy);
  return copy;
}

/** An empty batch of these keys, every column unknown. */
export function emptyBatch(cursor: string, keys: Buffer[], serverMicros: number = UNKNOWN): KeyBatch {
  const size = keys.length;
  return {
    cursor,
    size,
    keys,
    types: new Uint8Array(size),
    ttls: new Float64Array(size).fill(UNKNOWN),
    memory: new Float64Array(size).fill(UNKNOWN),
    serverMicros,
  };
}

function valueOf(result: unknown): unknown {
  if (result instanceof Error) throw result;
  return result;
}

/**
 * What SCAN_SCRIPT and TTL_FLAG_SCRIPT do per key, done with pipelined commands over any transport
 * (`exec`): fills the batch's columns. Audit mode (`ttlFlagAbove`) reports like the script: exact
 * PTTLs only for the keys it flags, TTL_WITHIN for the others, TYPE (under wantType) only for the
 * flagged keys. Hash field TTLs (`fieldTtl`) are not read here: such hashes report TTL_NONE.
 */
export async function readPerKey(exec: PerKeyExec, request: BatchRequest, batch: KeyBatch, state: PerKeyState): Promise<void> {
  const { keys, size } = batch;
  const flagAbove = request.ttlFlagAbove;
  const wantTtl = request.wantTtl || flagAbove !== undefined;
  const wantMemory = request.wantMemory && state.memoryAllowed;
  const exact = wantMemory && request.samples === 0;
  const wantLength = request.wantLength === true || exact;
  const wantFreq = request.wantFreq === true;
  // In audit mode only the flagged keys are typed, once their PTTL is known.
  const wantType = request.wantType && flagAbove === undefined;
  const memoryNow = wantMemory && !exact;
  // PTTL of the big keys only, once their memory is known (else of every key, as wantTtl).
  const ttlFrom = !wantTtl && memoryNow ? request.ttlFromMemory : undefined;
  const ttlNow = wantTtl || (!memoryNow && request.ttlFromMemory !== undefined);
  if (size === 0 || !(wantType || ttlNow || wantMemory || wantLength || wantFreq)) return;
  // Every command that does not depend on the type goes in the first round trip, each key's
  // commands one after another while its entry is still in the server's cache; the length commands
  // (the command depends on the type) follow in a second, and exact memory (capped by the length)
  // in a third.
  const names: string[] = new Array<string>(size).fill('none');
  const needName = wantType || wantLength;
  const lengths = wantLength ? new Float64Array(size).fill(UNKNOWN) : undefined;
  if (request.wantLength === true) batch.lengths = lengths;
  const freqs = wantFreq ? new Float64Array(size).fill(UNKNOWN) : undefined;
  if (freqs !== undefined) batch.freqs = freqs;
  const memory = memoryCommand(request.samples);
  const firstPass: KeyCommand[] = [];
  for (const command of [needName && TYPE, wantFreq && FREQ, ttlNow && PTTL, memoryNow && memory]) if (command !== false) firstPass.push(command);
  // Each key's commands one after another (OBJECT FREQ before the length command, which counts as
  // an access and would bump the counter).
  const results = await exec(...perKey(firstPass, keys));
  let index = 0;
  // A per-key error is thrown, not turned into "unknown": MOVED on a demoted cluster master or
  // LOADING would otherwise be counted as keys of no type and no TTL. Only a refused MEMORY is
  // tolerated, and reported as missing memory.
  for (let i = 0; i < size; i += 1) {
    if (needName) {
      names[i] = String(valueOf(results[index++]));
      if (wantType) batch.types[i] = typeCode(names[i]!);
    }
    if (freqs !== undefined) {
      // An error under a policy other than LFU, nil for a key that is gone: the counter is unknown then.
      const value = results[index++];
      if (typeof value === 'number' || typeof value === 'string') freqs[i] = Number(value);
    }
    if (ttlNow) batch.ttls[i] = Number(valueOf(results[index++]));
    if (memoryNow) takeMemory(batch, i, results[index++], state);
  }
  // The second round: the length commands (they depend on the type), and PTTL of the big keys.
  const measured: number[] = [];
  const timed: number[] = [];
  const commands: KeyCommand[] = [];
  const secondKeys: Buffer[] = [];
  for (let i = 0; lengths !== undefined && i < size; i += 1) {
    const command = LENGTH_COMMANDS[names[i]!];
    if (command === undefined) continue;
    measured.push(i);
    commands.push(command);
    secondKeys.push(keys[i]!);
  }
  for (let i = 0; ttlFrom !== undefined && i < size; i += 1) {
    if (batch.memory[i]! === UNKNOWN || batch.memory[i]! < ttlFrom) continue;
    timed.push(i);
    commands.push(PTTL);
    secondKeys.push(keys[i]!);
  }
  if (commands.length > 0 || lengths !== undefined) {
    const secondResults = await exec(commands, secondKeys);
    measured.forEach((keyIndex, n) => {
      lengths![keyIndex] = Number(valueOf(secondResults[n]));
    });
    timed.forEach((keyIndex, n) => {
      batch.ttls[keyIndex] = Number(valueOf(secondResults[measured.length + n]));
    });
  }
  if (flagAbove !== undefined) await flagTtls(exec, request, batch, flagAbove);
  if (exact) {
    const sampled = (i: number) => names[i] !== 'string' && lengths![i]! > EXACT_MEMORY_MAX_ELEMENTS;
    const memoryResults = await exec(
      keys.map((_key, i) => (sampled(i) ? MEMORY_SAMPLED_DEFAULT : MEMORY_EXACT)),
      keys,
    );
    for (let i = 0; i < size; i += 1) {
      takeMemory(batch, i, memoryResults[i], state);
      if (sampled(i)) {
        batch.flags ??= new Uint8Array(size);
        batch.flags[i]! |= MEMORY_SAMPLED;
      }
    }
  }
}

/** The commands of a round that sends the same commands for every key, key after key: [commands, keys] for PerKeyExec. */
function perKey(commands: readonly KeyCommand[], keys: readonly Buffer[]): [KeyCommand[], Buffer[]] {
  const all = new Array<KeyCommand>(commands.length * keys.length);
  const targets = new Array<Buffer>(all.length);
  let at = 0;
  for (const key of keys) {
    for (const command of commands) {
      all[at] = command;
      targets[at] = key;
      at += 1;
    }
  }
  return [all, targets];
}

/** Audit mode: keeps the PTTLs of keys without expiry, gone or above the threshold; types those under wantType. */
async function flagTtls(exec: PerKeyExec, request: BatchRequest, batch: KeyBatch, above: number): Promise<void> {
  // Whole milliseconds, as the script compares them.
  const threshold = Number.isFinite(above) ? Math.floor(above) : Infinity;
  const flagged: number[] = [];
  for (let i = 0; i < batch.size; i += 1) {
    const ttl = batch.ttls[i]!;
    if (ttl < 0 || ttl > threshold) flagged.push(i);
    else batch.ttls[i] = TTL_WITHIN;
  }
  if (!request.wantType || flagged.length === 0) return;
  const results = await exec(
    flagged.map(() => TYPE),
    flagged.map((i) => batch.keys[i]!),
  );
  flagged.forEach((keyIndex, i) => {
    batch.types[keyIndex] = typeCode(String(valueOf(results[i])));
  });
}

function takeMemory(batch: KeyBatch, i: number, result: unknown, state: PerKeyState): void {
  if (result instanceof Error) {
    if (!String(result.message).startsWith('NOPERM')) throw result;
    state.memoryAllowed = false;
  }
  batch.memory[i] = result instanceof Error || result === null || result === undefined ? UNKNOWN : Number(result);
}

/** The per-key work over ioredis pipelines, for servers that forbid scripts where the lean pipe is not used. */
export class PipelineBatcher {
  readonly state: PerKeyState = { memoryAllowed: true };
  private readonly exec: PerKeyExec;

  constructor(private readonly client: Redis) {
    this.exec = async (commands, keys) => {
      const pipeline = client.pipeline();
      commands.forEach((command, i) => {
        const [name, ...args] = command.args(keys[i]!);
        pipeline.call(name as string, ...args);
      });
      return ((await pipeline.exec()) ?? []).map(([error, value]) => error ?? value);
    };
  }

  get memoryAllowed(): boolean {
    return this.state.memoryAllowed;
  }

  async run(request: BatchRequest): Promise<KeyBatch> {
    const [cursor, keys] = (await this.client.callBuffer(...(scanCommand(request) as [string, ...(string | Buffer)[]]))) as [Buffer, Buffer[]];
    const batch = emptyBatch(cursor.toString(), keys);
    await readPerKey(this.exec, request, batch, this.state);
    return batch;
  }
}
