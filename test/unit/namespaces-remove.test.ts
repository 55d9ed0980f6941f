import { describe, expect, it } from 'vitest';
import { NamespaceAggregator } from '../../src/core/namespaces/namespaces.js';
import { TTL_NONE } from '../../src/core/scan/scan-batch.js';
import { keyBatch } from '../helpers/key-batch.js';

const options = { delimiter: ':', depth: 5, collapse: true };

function find(root: ReturnType<NamespaceAggregator['tree']>, name: string) {
  const walk = (node: typeof root): typeof root | undefined => {
    if (node.name === name) return node;
    for (const child of node.children) {
      const found = walk(child);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(root);
}

describe('NamespaceAggregator removal (after a purge from the explorer)', () => {
  it('removeNamespace drops the namespace and its children on every shard, and nothing else', () => {
    const aggregator = new NamespaceAggregator(options);
    aggregator.add('a', keyBatch([{ key: 'app:user:1', type: 'string', ttl: TTL_NONE, memory: 100 }, { key: 'app:user:2:x', type: 'hash', ttl: 5000, memory: 50 }, { key: 'app:userx', type: 'string', ttl: 10, memory: 7 }]));
    aggregator.add('b', keyBatch([{ key: 'app:user:3', type: 'string', ttl: TTL_NONE, memory: 30 }, { key: 'other', type: 'set', ttl: TTL_NONE, memory: 9 }]));
    expect(aggregator.tree().stats.keys).toBe(5);
    expect(aggregator.removeNamespace('app:user')).toBe(3);
    const root = aggregator.tree();
    expect(root.stats.keys).toBe(2);
    expect(root.stats.memory).toBe(16);
    expect(find(root, 'app:user')).toBeUndefined();
    expect(find(root, 'app:userx')?.stats.keys).toBe(1);
    expect(aggregator.namespaceCount).toBe(2);
  });

  it('removeKey takes one key out of its namespace and drops the record when it was the last', () => {
    const aggregator = new NamespaceAggregator(options);
    aggregator.add('a', keyBatch([{ key: 's:1', type: 'string', ttl: TTL_NONE, memory: 100 }, { key: 's:2', type: 'string', ttl: 5000, memory: 60 }]));
    aggregator.removeKey('a', 's:‹id›', { type: 1, memory: 100, ttl: TTL_NONE });
    let node = find(aggregator.tree(), 's:‹id›');
    expect(node?.stats.keys).toBe(1);
    expect(node?.stats.memory).toBe(60);
    expect(node?.stats.noTtl).toBe(0);
    aggregator.removeKey('a', 's:‹id›', { type: 1, memory: 60, ttl: 4000 });
    node = find(aggregator.tree(), 's:‹id›');
    expect(node).toBeUndefined();
    expect(aggregator.namespaceCount).toBe(0);
    // A key the scan never counted changes nothing.
    aggregator.removeKey('a', 's:‹id›', { type: 1, memory: 60, ttl: 4000 });
    expect(aggregator.tree().stats.keys).toBe(0);
  });
});
