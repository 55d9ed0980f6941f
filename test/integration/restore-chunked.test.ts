// Restoring chunked records (keys too big for one DUMP) on single and Cluster: built under a
// temporary key in the key's slot and renamed onto it, never over an existing key unless --replace,
// which replaces the old value; nothing temporary is left behind either way.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Topology } from '../../src/connection/topology.js';
import { BACKUP_FORMAT_VERSION, BackupReader, BackupWriter } from '../../src/core/purge/backup.js';
import type { RestoreOptions, RestoreSummary } from '../../src/core/purge/restore.js';
import { executeRestore, planRestore } from '../../src/core/purge/restore.js';
import type { TopologyName } from '../helpers/purge-topologies.js';
import { latin1, open, optionsFor, purge, removeMatching } from '../helpers/purge-topologies.js';

const redis = inject('redis');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cachectl-restore-chunked-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function restore(topology: Topology, file: string, options: RestoreOptions = {}): Promise<RestoreSummary> {
  const plan = await planRestore(topology, file);
  let summary: RestoreSummary | undefined;
  for await (const event of executeRestore(topology, plan, options)) if (event.kind === 'done') summary = event.summary;
  return summary!;
}

/** Every key of every master matching the glob. */
async function keysOn(topology: Topology, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for (const node of topology.masters()) found.push(...(await (await node.ready()).keys(pattern)));
  return found.sort();
}

describe.each(['single', 'cluster'] as TopologyName[])('chunked restore on %s', (name) => {
  let topology: Topology;
  const prefix = `chunked-it:${name}:`;
  const hashKey = latin1(`${prefix}hash`);
  const stringKey = latin1(`${prefix}{tag}:string`);
  beforeAll(async () => {
    topology = await open(optionsFor(name, redis));
  });
  afterAll(async () => {
    await removeMatching(topology, latin1(`${prefix}*`));
    await topology.close();
  });

  it('leaves existing keys alone, replaces them with --replace, and leaves no temporary key', async () => {
    const hashClient = await topology.nodeForKey(hashKey).ready();
    const stringClient = await topology.nodeForKey(stringKey).ready();
    const fields = Array.from({ length: 10_000 }, (_, i) => [`f${i}`, `v${i}`]).flat();
    await hashClient.hset(hashKey, ...fields);
    const value = Buffer.alloc(2 * 1024 * 1024, 'q');
    await stringClient.set(stringKey, value, 'PX', 600_000);
    const file = path.join(dir, `${name}.bak`);
    const backup = await BackupWriter.create(file, {
      formatVersion: BACKUP_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      source: { topology: name, nodes: [], db: 0 },
      pattern: { key: `${prefix}*` },
      tool: 'cachectl test',
    });
    const { summary } = await purge(topology, latin1(`${prefix}*`), { execute: { backup } });
    await backup.close();
    expect(summary.deleted).toBe(2);
    const types: string[] = [];
    for await (const record of new BackupReader(file).records()) {
      types.push(record.chunked?.type ?? 'dump');
      await record.chunked?.done();
    }
    // Both big enough to be read in chunks (hash-ttl where the server has field expiry).
    expect(types.map((type) => type.replace('hash-ttl', 'hash')).sort()).toEqual(['hash', 'string']);

    // Someone wrote new values meanwhile: a plain restore leaves them.
    await hashClient.hset(hashKey, 'new', '1');
    await stringClient.set(stringKey, 'new');
    const kept = await restore(topology, file);
    expect(kept).toMatchObject({ status: 'complete', restored: 0, existing: 2 });
    expect(await hashClient.hlen(hashKey)).toBe(1);
    expect(await stringClient.get(stringKey)).toBe('new');

    const replaced = await restore(topology, file, { replace: true });
    expect(replaced).toMatchObject({ status: 'complete', restored: 2, existing: 0 });
    expect(await hashClient.hlen(hashKey)).toBe(10_000);
    expect(await hashClient.hget(hashKey, 'f9999')).toBe('v9999');
    expect(await hashClient.pttl(hashKey)).toBe(-1);
    expect((await stringClient.getBuffer(stringKey))?.equals(value)).toBe(true);
    const ttl = await stringClient.pttl(stringKey);
    expect(ttl).toBeGreaterThan(500_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
    expect(await keysOn(topology, '*cachectl-restore*')).toEqual([]);
  });
});
