import { afterEach, describe, expect, it, vi } from 'vitest';
import { CachectlError } from '../../src/base/errors.js';
import { ScanProgress } from '../../src/core/scan/scan-progress.js';
import { formatScanProgress } from '../../src/render/progress.js';
import { keyBatch } from '../helpers/key-batch.js';

const batchOf = (size: number) => keyBatch(Array.from({ length: size }, (_, i) => ({ key: `k:${i}` })));

describe('ScanProgress', () => {
  it('tracks each shard through start, batches, restart on another node, failure and done', () => {
    const progress = new ScanProgress();
    progress.apply({ kind: 'node-start', node: 'a:1', shard: 'A', dbsize: 100 });
    progress.apply({ kind: 'node-start', node: 'b:1', shard: 'B', dbsize: 50 });
    progress.apply({ kind: 'batch', node: 'a:1', shard: 'A', batch: batchOf(30) });
    progress.apply({ kind: 'batch', node: 'b:1', shard: 'B', batch: batchOf(20) });
    expect(progress.scanned).toBe(50);
    expect(progress.total).toBe(150);

    progress.apply({ kind: 'node-restart', node: 'a:2', shard: 'A', from: 'a:1', reason: 'connection lost' });
    expect(progress.scanned).toBe(20);
    expect(progress.notices).toEqual(['a:1 failed (connection lost); rescanning its keys from the start on a:2']);
    progress.apply({ kind: 'node-start', node: 'a:2', shard: 'A', dbsize: 101 });
    progress.apply({ kind: 'batch', node: 'a:2', shard: 'A', batch: batchOf(101) });
    progress.apply({ kind: 'node-done', node: 'a:2', shard: 'A', scanned: 101 });
    progress.apply({ kind: 'node-failed', node: 'b:1', shard: 'B', error: new CachectlError('CONNECT', 'cannot connect to b:1') });
    progress.apply({ kind: 'notice', node: 'b:1', message: 'using pipelines' });

    expect(progress.scanned).toBe(121);
    expect(progress.total).toBe(151);
    expect(progress.nodes).toEqual([
      { node: 'a:2', shard: 'A', dbsize: 101, scanned: 101, status: 'done', restarts: 1, error: null },
      { node: 'b:1', shard: 'B', dbsize: 50, scanned: 20, status: 'failed', restarts: 0, error: { code: 'CONNECT', message: 'cannot connect to b:1' } },
    ]);
    expect(progress.failed.map((state) => state.shard)).toEqual(['B']);
    expect(progress.notices).toHaveLength(2);
  });
});

describe('formatScanProgress', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows scanned / total with percent, rate and ETA, or matches only when a pattern is used', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const progress = new ScanProgress();
    progress.apply({ kind: 'node-start', node: 'a:1', shard: 'A', dbsize: 1_000_000 });
    progress.apply({ kind: 'batch', node: 'a:1', shard: 'A', batch: batchOf(250_000) });
    vi.setSystemTime(1_002_000);
    expect(formatScanProgress(progress, false)).toBe('scanning… 250,000 / 1,000,000 keys (25%) · 125,000 keys/s · ETA 6s');
    expect(formatScanProgress(progress, true)).toBe('scanning… 250,000 keys matched · 125,000 keys/s');
  });
});
