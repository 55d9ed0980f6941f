// What outlives a batch must not hold the batch: the scan engine hands out each batch's keys as
// views into one buffer of all its key bytes, so a namespace's example or a top-N entry kept as
// such a view keeps every key of its batch alive. Each aggregator below is fed batches whose one
// key is a view into a buffer of its own, as large as a batch of thousands of keys; what it
// retains afterwards is measured after a full collection.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { TtlAggregator } from '../../src/core/audit/ttl-audit.js';
import { buildRules } from '../../src/core/audit/ttl-policy.js';
import { BigKeysAggregator } from '../../src/core/bigkeys/bigkeys-aggregator.js';
import { DEFAULT_LIMITS, findingRules } from '../../src/core/bigkeys/key-rules.js';
import { NamespaceAggregator } from '../../src/core/namespaces/namespaces.js';
import type { KeyBatch } from '../../src/core/scan/scan-batch.js';
import { keptKey, TTL_NONE } from '../../src/core/scan/scan-batch.js';
import { BiggestKeys } from '../../src/core/snapshot/biggest-keys.js';
import { keyBatch, letterWord } from '../helpers/key-batch.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const NAMESPACES = { delimiter: ':', depth: 3, collapse: true };
const BATCHES = 200;
const BATCH_BYTES = 256 * 1024;

/** A batch of one key, `ns:<word>:1` (a namespace of its own), viewed from a buffer of BATCH_BYTES. */
function batchOfOne(i: number): KeyBatch {
  const name = Buffer.from(`${letterWord(i)}:x:1`);
  const bytes = Buffer.allocUnsafeSlow(BATCH_BYTES);
  name.copy(bytes);
  const batch = keyBatch([{ key: bytes.subarray(0, name.length), type: 'hash', ttl: TTL_NONE, memory: 1000 + i }]);
  batch.lengths = Float64Array.of(10 + i);
  batch.freqs = Float64Array.of(0);
  return batch;
}

/**
 * ArrayBuffer bytes held after full collections. V8 frees an ArrayBuffer's memory on a background
 * thread after the collection that found it dead: collect and wait until the figure stops falling.
 */
async function heldArrayBuffers(): Promise<number> {
  let held = Infinity;
  for (let round = 0; round < 20; round += 1) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const now = process.memoryUsage().arrayBuffers;
    if (now > held - 1024) return Math.min(now, held);
    held = now;
  }
  return held;
}

/** Bytes of ArrayBuffers still held once every batch has gone through `sink` and been dropped. */
async function retainedBy(sink: (batch: KeyBatch) => void): Promise<number> {
  const before = await heldArrayBuffers();
  for (let i = 0; i < BATCHES; i += 1) sink(batchOfOne(i));
  return (await heldArrayBuffers()) - before;
}

// Views would hold all 200 buffers: 50 MiB. Copies hold a few bytes each.
const BOUND = 2 * 2 ** 20;

describe('keys kept past their batch own their bytes', () => {
  it('keptKey copies into memory of its own, not a view and not a slice of the shared pool', () => {
    const batch = Buffer.from('abcdefgh');
    const key = batch.subarray(2, 5);
    const kept = keptKey(key);
    expect(kept.equals(key)).toBe(true);
    expect(kept.buffer).not.toBe(batch.buffer);
    expect(kept.buffer.byteLength).toBe(3);
  });

  it('the control: keeping the views holds every batch', async () => {
    const views: Buffer[] = [];
    const retained = await retainedBy((batch) => views.push(batch.keys[0]!));
    expect(retained).toBeGreaterThan(BATCHES * BATCH_BYTES * 0.9);
    expect(views.length).toBe(BATCHES);
  });

  it('the namespace aggregator (each namespace keeps an example)', async () => {
    const aggregator = new NamespaceAggregator(NAMESPACES);
    const retained = await retainedBy((batch) => aggregator.add('s', batch));
    expect(aggregator.tree().stats.keys).toBe(BATCHES);
    expect(retained).toBeLessThan(BOUND);
  });

  it('the bigkeys aggregator (top-N lists, each namespace’s biggest key, finding examples)', async () => {
    const rules = findingRules({ ...DEFAULT_LIMITS }, new Map());
    const aggregator = new BigKeysAggregator({ top: BATCHES, namespaces: NAMESPACES, rules, examples: BATCHES });
    const retained = await retainedBy((batch) => aggregator.add('s', batch, 'n1'));
    expect(aggregator.totals().topMemory.length).toBe(BATCHES);
    expect(retained).toBeLessThan(BOUND);
  });

  it('the TTL audit (examples of keys without a TTL)', async () => {
    const aggregator = new TtlAggregator(buildRules({}), NAMESPACES, 3);
    const retained = await retainedBy((batch) => aggregator.add('s', batch));
    expect(aggregator.namespaceCount).toBe(BATCHES);
    expect(retained).toBeLessThan(BOUND);
  });

  it('the snapshot’s biggest keys', async () => {
    const biggest = new BiggestKeys(BATCHES);
    const retained = await retainedBy((batch) => biggest.add('s', batch, 'n1'));
    expect(biggest.result().length).toBe(BATCHES);
    expect(retained).toBeLessThan(BOUND);
  });
});
