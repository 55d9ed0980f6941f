import { describe, expect, it } from 'vitest';
import { infoNumber, parseInfo, parseKeyspace } from '../../src/base/info.js';
import { parseMemoryConfig, readMemoryFigures } from '../../src/core/memory/memory-figures.js';
import { editInfo, INFO_SAMPLES, readInfoSample } from '../helpers/info-text.js';

const MiB = 1024 * 1024;

describe.each(INFO_SAMPLES)('readMemoryFigures on %s', (name) => {
  const text = readInfoSample(name);
  const info = parseInfo(text);
  const figures = readMemoryFigures(info);
  const field = (section: string, key: string): number | null => infoNumber(info, section, key) ?? null;

  it('reads the fields the server reports and leaves the others null, never 0', () => {
    expect(figures.usedBytes).toBe(field('memory', 'used_memory'));
    expect(figures.rssBytes).toBe(field('memory', 'used_memory_rss'));
    expect(figures.peakBytes).toBe(field('memory', 'used_memory_peak'));
    expect(figures.datasetBytes).toBe(field('memory', 'used_memory_dataset'));
    expect(figures.maxmemoryBytes).toBe(field('memory', 'maxmemory'));
    expect(figures.maxmemorySource).toBe('info');
    expect(figures.fragmentation.ratio).toBe(field('memory', 'mem_fragmentation_ratio'));
    expect(figures.fragmentation.allocatorFragRatio).toBe(field('memory', 'allocator_frag_ratio'));
    expect(figures.lazyfreePendingObjects).toBe(field('memory', 'lazyfree_pending_objects'));
    expect(figures.evictedKeys).toBe(field('stats', 'evicted_keys'));
  });

  it('counts keys and keys without expiry over every database', () => {
    const dbs = parseKeyspace(info);
    const keys = dbs.reduce((sum, db) => sum + db.keys, 0);
    const expires = dbs.reduce((sum, db) => sum + db.expires, 0);
    expect(figures.keys).toBe(keys);
    expect(figures.keysWithExpiry).toBe(expires);
    expect(figures.keysWithoutExpiry).toBe(keys - expires);
  });

  it('relates used memory to maxmemory only when there is a limit', () => {
    const max = field('memory', 'maxmemory');
    if (max === null || max === 0) {
      expect(figures.maxmemoryUsage).toBeNull();
      expect(figures.headroomBytes).toBeNull();
    } else {
      expect(figures.maxmemoryUsage).toBeCloseTo(figures.countedBytes! / max, 12);
      expect(figures.headroomBytes).toBe(max - figures.countedBytes!);
    }
  });

  it('takes maxmemory and the policy from CONFIG GET when it was allowed', () => {
    const fromConfig = readMemoryFigures(info, { maxmemory: 512 * MiB, maxmemoryPolicy: 'allkeys-lfu', activeDefrag: true });
    expect(fromConfig.maxmemoryBytes).toBe(512 * MiB);
    expect(fromConfig.maxmemoryPolicy).toBe('allkeys-lfu');
    expect(fromConfig.maxmemorySource).toBe('config');
    expect(fromConfig.activeDefragEnabled).toBe(true);
  });
});

describe('readMemoryFigures details', () => {
  const base = readInfoSample('redis-7.0-full');

  it('compares with maxmemory what maxmemory counts: used memory less replication and AOF buffers', () => {
    const figures = readMemoryFigures(parseInfo(editInfo(base, { memory: { used_memory: 90 * MiB, mem_not_counted_for_evict: 10 * MiB, maxmemory: 100 * MiB } })));
    expect(figures.countedBytes).toBe(80 * MiB);
    expect(figures.maxmemoryUsage).toBe(0.8);
    expect(figures.headroomBytes).toBe(20 * MiB);
  });

  it('computes the fragmentation ratio from RSS when the server does not report it', () => {
    const figures = readMemoryFigures(parseInfo(editInfo(base, { memory: { used_memory: 100, used_memory_rss: 150, mem_fragmentation_ratio: null, mem_fragmentation_bytes: null } })));
    expect(figures.fragmentation.ratio).toBe(1.5);
    expect(figures.fragmentation.bytes).toBe(50);
  });

  it('counts OOM refusals from errorstats: 0 when the server keeps them but saw none, null when it keeps none', () => {
    expect(readMemoryFigures(parseInfo(editInfo(base, { errorstats: { errorstat_OOM: 'count=7' } }))).oomErrors).toBe(7);
    expect(readMemoryFigures(parseInfo(base)).oomErrors).toBe(0);
    const withoutSection = base.replace(/# Errorstats[\s\S]*?\n\n/, '');
    expect(readMemoryFigures(parseInfo(withoutSection)).oomErrors).toBeNull();
  });

  it('reads replication: a master\'s replicas with their lag in seconds and bytes, a replica\'s link', () => {
    const master = readMemoryFigures(parseInfo(readInfoSample('redis-6.2')));
    const offset = infoNumber(parseInfo(readInfoSample('redis-6.2')), 'replication', 'master_repl_offset')!;
    expect(master.replication.role).toBe('master');
    expect(master.replication.replicas.map((r) => [r.address, r.state, r.lagSeconds])).toEqual([
      ['10.0.1.12:6379', 'online', 0],
      ['10.0.1.13:6379', 'wait_bgsave', 12],
    ]);
    expect(master.replication.replicas[0]!.offsetLagBytes).toBe(offset - 771234567);
    expect(master.replication.backlogBytes).toBe(1048576);
    const replica = readMemoryFigures(parseInfo(readInfoSample('redis-7.4')));
    expect(replica.replication).toMatchObject({ role: 'replica', linkStatus: 'up', lastIoSecondsAgo: 1, syncInProgress: false, replicas: [] });
  });

  it('survives INFO with no memory, stats or keyspace section at all', () => {
    const figures = readMemoryFigures(parseInfo('# Server\nredis_version:9.9.9\n'));
    expect(figures.version).toBe('9.9.9');
    expect(figures.usedBytes).toBeNull();
    expect(figures.keys).toBeNull();
    expect(figures.keysWithoutExpiry).toBeNull();
    expect(figures.maxmemoryUsage).toBeNull();
    expect(figures.replication.role).toBeNull();
  });

  it('prefers valkey_version when a Valkey server reports both', () => {
    const info = parseInfo(readInfoSample('valkey-8.0'));
    expect(readMemoryFigures(info).version).toBe('8.0.1');
    expect(readMemoryFigures(info).server).toBe('valkey 8.0.1');
  });
});

describe('parseMemoryConfig', () => {
  it('reads the flat CONFIG GET reply and ignores what it does not know', () => {
    expect(parseMemoryConfig(['maxmemory', '2097152', 'maxmemory-policy', 'volatile-lru', 'maxmemory-samples', '5', 'activedefrag', 'no'])).toEqual({
      maxmemory: 2097152,
      maxmemoryPolicy: 'volatile-lru',
      activeDefrag: false,
    });
    expect(parseMemoryConfig(['ACTIVEDEFRAG', 'yes'])).toEqual({ activeDefrag: true });
    expect(parseMemoryConfig('OK')).toEqual({});
    expect(parseMemoryConfig(['maxmemory', 'lots'])).toEqual({});
  });
});
