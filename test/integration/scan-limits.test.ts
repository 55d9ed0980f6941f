// The scan engine on servers that limit it: exact MEMORY USAGE must not hold the server on a huge
// collection (measured with SLOWLOG), a renamed SCRIPT command must not force the slow pipeline
// path while EVAL works, and type names other than the six core ones come back as the server says.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../src/connection/topology.js';
import { EXACT_MEMORY_MAX_ELEMENTS, MEMORY_SAMPLED } from '../../src/core/scan/scan-batch.js';
import type { ScanOptions } from '../../src/core/scan/scan.js';
import { scanKeys } from '../../src/core/scan/scan.js';
import { adminClient, startRedis } from '../fixtures/index.js';
import type { RedisProcess } from '../fixtures/index.js';
import { openTopology, runScan } from '../helpers/scan.js';

const FULL: ScanOptions = { wantType: true, wantTtl: true, wantMemory: true };
/** The worst case: exact MEMORY USAGE of a 1M-field hash held the server ~325 ms. */
const HUGE_FIELDS = 1_000_000;
const SLOW_MICROS = 5_000;

/** Writes a hash of `fields` fields, 1000 per HSET. */
async function writeHash(client: Redis, key: string, fields: number): Promise<void> {
  const pipeline = client.pipeline();
  for (let start = 0; start < fields; start += 1000) {
    const args: string[] = [];
    for (let i = start; i < Math.min(fields, start + 1000); i += 1) args.push(`f${i}`, `value-${i}`);
    pipeline.hset(key, ...args);
  }
  await pipeline.exec();
}

interface SlowEntry {
  micros: number;
  command: string;
}

async function slowlog(client: Redis): Promise<SlowEntry[]> {
  const entries = (await client.call('SLOWLOG', 'GET', '1000')) as [number, number, number, (string | Buffer)[]][];
  return entries.map(([, , micros, args]) => ({ micros, command: args.slice(0, 2).map(String).join(' ') }));
}

async function memoryByKey(topology: Topology, options: ScanOptions): Promise<{ memory: Map<string, number>; sampled: Set<string>; notices: string[] }> {
  const memory = new Map<string, number>();
  const sampled = new Set<string>();
  const notices: string[] = [];
  for await (const event of scanKeys(topology, options)) {
    if (event.kind === 'notice') notices.push(event.message);
    if (event.kind !== 'batch') continue;
    const { batch } = event;
    for (let i = 0; i < batch.size; i += 1) {
      const key = batch.keys[i]!.toString();
      memory.set(key, batch.memory[i]!);
      if (batch.flags !== undefined && (batch.flags[i]! & MEMORY_SAMPLED) !== 0) sampled.add(key);
    }
  }
  return { memory, sampled, notices };
}

describe('exact memory (--samples 0) on large collections', () => {
  let server: RedisProcess;
  let client: Redis;
  let topology: Topology;

  beforeAll(async () => {
    server = await startRedis({ name: 'bighash', args: ['--slowlog-log-slower-than', String(SLOW_MICROS), '--slowlog-max-len', '1000'] });
    client = adminClient(server.port);
    await writeHash(client, 'huge:hash', HUGE_FIELDS);
    // Just under the cap, and several of them: more exact work than one call may do.
    for (let i = 0; i < 6; i += 1) await writeHash(client, `mid:hash:${i}`, EXACT_MEMORY_MAX_ELEMENTS - 96);
    await writeHash(client, 'small:hash', 200);
    await client.set('plain:string', 'x'.repeat(5000));
    topology = await openTopology({ kind: 'single', endpoint: { host: '127.0.0.1', port: server.port } });
  }, 180_000);

  afterAll(async () => {
    await topology?.close();
    client?.disconnect();
    await server?.stop();
  });

  it('is what makes the server stall: MEMORY USAGE SAMPLES 0 on the 1M-field hash is in SLOWLOG', async () => {
    await client.call('SLOWLOG', 'RESET');
    await client.call('MEMORY', 'USAGE', 'huge:hash', 'SAMPLES', '0');
    const entries = await slowlog(client);
    expect(entries.some((entry) => entry.command.toUpperCase().startsWith('MEMORY'))).toBe(true);
  });

  it.each([
    ['script', {}],
    ['pipeline fallback', { noScripts: true }],
  ])('never holds the server past 5 ms, samples the huge hash with a mark and a notice, measures the rest exactly (%s)', async (_how, extra) => {
    await client.call('SLOWLOG', 'RESET');
    const { memory, sampled, notices } = await memoryByKey(topology, { ...FULL, samples: 0, ...extra });
    expect(await slowlog(client)).toEqual([]);
    expect([...sampled]).toEqual(['huge:hash']);
    expect(notices.some((notice) => /1 keys .* more than 4096 elements.*sampled estimate/.test(notice))).toBe(true);
    // Everything else is exact: what MEMORY USAGE SAMPLES 0 says for it, now that the scan is over.
    for (const key of ['small:hash', 'plain:string', ...Array.from({ length: 6 }, (_, i) => `mid:hash:${i}`)]) {
      expect(memory.get(key), key).toBe(Number(await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')));
    }
    expect(memory.get('huge:hash')).toBeGreaterThan(HUGE_FIELDS * 10);
  });
});

describe('a server whose SCRIPT command is renamed away (managed services)', () => {
  let server: RedisProcess;
  let client: Redis;
  let topology: Topology;

  beforeAll(async () => {
    server = await startRedis({ name: 'noscriptcmd', args: ['--rename-command', 'SCRIPT', ''] });
    client = adminClient(server.port);
    for (let i = 0; i < 300; i += 1) await client.set(`page:${i}`, `v${i}`, 'EX', 3600);
    await client.xadd('events:stream', '*', 'kind', 'signup');
    topology = await openTopology({ kind: 'single', endpoint: { host: '127.0.0.1', port: server.port } });
  });

  afterAll(async () => {
    await topology?.close();
    client?.disconnect();
    await server?.stop();
  });

  it('really has no SCRIPT', async () => {
    await expect(client.call('SCRIPT', 'LOAD', 'return 1')).rejects.toThrow(/unknown command/);
  });

  it('runs the scripts through EVAL (no pipeline fallback, no notice) for keys and for the TTL audit', async () => {
    // The scripts are asked for: per-key reads go over the lean pipe by default, which needs none.
    const keys = await runScan(topology, { ...FULL, readPath: 'script' });
    expect(keys.reported).toBe(301);
    expect(keys.maxServerMicros).toBeGreaterThan(0); // timed by the script: the pipeline path has no timing
    expect(keys.events.filter((event) => event.kind === 'notice')).toEqual([]);
    expect(keys.keys.get(Buffer.from('events:stream').toString('hex'))?.type).toBe('stream');
    const audit = await runScan(topology, { wantType: false, wantTtl: false, wantMemory: false, ttlFlagAbove: Infinity, readPath: 'script' });
    expect(audit.reported).toBe(301);
    expect(audit.maxServerMicros).toBeGreaterThan(0);
  });

  it('falls back to pipelines when EVAL is refused too, with a notice that holds no script source', async () => {
    const restricted = await startRedis({ name: 'noeval', args: ['--rename-command', 'SCRIPT', '', '--rename-command', 'EVAL', '', '--rename-command', 'EVALSHA', ''] });
    const writer = adminClient(restricted.port);
    const scoped = await openTopology({ kind: 'single', endpoint: { host: '127.0.0.1', port: restricted.port } });
    try {
      await writer.set('k', 'v');
      const outcome = await runScan(scoped, { ...FULL, readPath: 'script' });
      expect(outcome.reported).toBe(1);
      const notices = outcome.events.flatMap((event) => (event.kind === 'notice' ? [event.message] : []));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/scripting is not permitted .*unknown command 'EVALSHA'.*using pipelines/);
      expect(notices[0]).not.toMatch(/redis\.call|local |args beginning/);
    } finally {
      await scoped.close();
      writer.disconnect();
      await restricted.stop();
    }
  });
});
