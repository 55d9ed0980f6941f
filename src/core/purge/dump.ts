// Reading keys for the backup: DUMP and PTTL of a group of keys, by one Lua script per group (one
// round trip, one atomic read) or, where scripts are not permitted, by a pipeline.

import type { Redis } from 'ioredis';
import { ScriptRunner } from './key-commands.js';

export interface Dumped {
  payload: Buffer;
  /** PTTL when read: ms left, or -1 for no expiry. */
  pttl: number;
}

// Returns one byte per key: 0 = gone, 1 = followed by u32 payload length, payload, f64 PTTL.
const DUMP_SCRIPT = `
local out = {}
for i = 1, #KEYS do
  local payload = redis.call('DUMP', KEYS[i])
  if payload then
    out[i] = struct.pack('>BI4', 1, #payload) .. payload .. struct.pack('>d', redis.call('PTTL', KEYS[i]))
  else
    out[i] = struct.pack('>B', 0)
  end
end
return table.concat(out)
`;
const dumpScript = new ScriptRunner(DUMP_SCRIPT);

/** DUMP + PTTL of each key, null for a key that is gone. */
export async function dumpKeys(client: Redis, keys: readonly Buffer[], useScript: boolean): Promise<(Dumped | null)[]> {
  return useScript ? dumpScripted(client, keys) : dumpPipelined(client, keys);
}

async function dumpScripted(client: Redis, keys: readonly Buffer[]): Promise<(Dumped | null)[]> {
  const reply = (await dumpScript.run(client, keys)) as Buffer;
  const out: (Dumped | null)[] = [];
  let offset = 0;
  for (let i = 0; i < keys.length; i += 1) {
    if (reply[offset] === 0) {
      out.push(null);
      offset += 1;
      continue;
    }
    const length = reply.readUInt32BE(offset + 1);
    const payload = Buffer.from(reply.subarray(offset + 5, offset + 5 + length));
    const pttl = reply.readDoubleBE(offset + 5 + length);
    out.push({ payload, pttl });
    offset += 5 + length + 8;
  }
  return out;
}

async function dumpPipelined(client: Redis, keys: readonly Buffer[]): Promise<(Dumped | null)[]> {
  const pipeline = client.pipeline();
  for (const key of keys) {
    pipeline.dumpBuffer(key);
    pipeline.pttl(key);
  }
  const replies = (await pipeline.exec()) ?? [];
  return keys.map((_, i) => {
    const [dumpError, payload] = replies[2 * i] ?? [];
    const [ttlError, pttl] = replies[2 * i + 1] ?? [];
    if (dumpError) throw dumpError;
    if (ttlError) throw ttlError;
    return payload === null || payload === undefined ? null : { payload: payload as Buffer, pttl: Number(pttl) };
  });
}
