// orderNodes: `nodes` shows the same rows in the same order whichever node the topology was learned from.
import { describe, expect, it } from 'vitest';
import type { NodeReport } from '../../src/core/nodes/nodes.js';
import { orderNodes } from '../../src/core/nodes/nodes.js';

function node(address: string, role: NodeReport['role'], extra: Partial<NodeReport> = {}): NodeReport {
  return {
    address, id: address, role, status: 'up', master: null, version: null, server: null, mode: null, slots: [], slotCount: 0,
    keys: null, usedMemoryBytes: null, latencyMs: null, flags: [], slotStats: null, error: null, ...extra,
  };
}

const addresses = (nodes: NodeReport[]): string[] => nodes.map((n) => n.address);

describe('orderNodes', () => {
  it('cluster: masters by first slot, each followed by its replicas by address, whatever the input order', () => {
    const rows = [
      node('10.0.0.9:7000', 'replica', { master: '10.0.0.2:7000' }),
      node('10.0.0.2:7000', 'master', { slots: [[10923, 16383]] }),
      node('10.0.0.1:7000', 'master', { slots: [[5461, 10922]] }),
      node('10.0.0.3:7000', 'master', { slots: [[0, 5460]] }),
      node('10.0.0.4:7000', 'replica', { master: '10.0.0.2:7000' }),
      node('10.0.0.5:7000', 'replica', { master: '10.0.0.3:7000' }),
      node('10.0.0.6:7000', 'seed', { status: 'down' }),
      node('10.0.0.7:7000', 'master', { status: 'down', flags: ['fail'] }),
    ];
    const expected = ['10.0.0.3:7000', '10.0.0.5:7000', '10.0.0.1:7000', '10.0.0.2:7000', '10.0.0.4:7000', '10.0.0.9:7000', '10.0.0.7:7000', '10.0.0.6:7000'];
    expect(addresses(orderNodes(rows))).toEqual(expected);
    expect(addresses(orderNodes([...rows].reverse()))).toEqual(expected);
  });

  it('elsewhere: by role, then host and port as a number', () => {
    const rows = [
      node('127.0.0.1:26380', 'sentinel'),
      node('127.0.0.1:10000', 'replica', { master: 'elsewhere:1' }),
      node('127.0.0.1:9000', 'replica', { master: 'elsewhere:1' }),
      node('127.0.0.1:26379', 'sentinel'),
      node('127.0.0.1:6380', 'master'),
    ];
    expect(addresses(orderNodes(rows))).toEqual(['127.0.0.1:6380', '127.0.0.1:9000', '127.0.0.1:10000', '127.0.0.1:26379', '127.0.0.1:26380']);
  });
});
