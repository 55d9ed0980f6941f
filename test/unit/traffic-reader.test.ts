// Which node a hot key's size is read from: its master, or under --replica a sampled replica of that
// master (a healthy one first), never another master's replica or the master itself.
import { describe, expect, it } from 'vitest';
import { keySlot } from '../../src/base/slot.js';
import type { NodeHandle, Topology } from '../../src/connection/topology.js';
import { readerForKey } from '../../src/core/traffic/sample-traffic.js';

const node = (id: string, extra: Partial<NodeHandle> = {}) => ({ id, address: id, role: 'replica', slots: [], flags: [], ...extra }) as unknown as NodeHandle;

/** Two masters splitting the slots at 8192, as a Cluster (or any other kind) would report them. */
function topology(kind: Topology['kind']): Topology {
  const low = node('A', { role: 'master' });
  const high = node('B', { role: 'master' });
  return { kind, nodeForKey: (key: Buffer) => (keySlot(key) < 8192 ? low : high) } as unknown as Topology;
}

const keyOn = (wantHigh: boolean) => {
  for (let i = 0; ; i++) {
    const key = Buffer.from(`k:${i}`);
    if (keySlot(key) >= 8192 === wantHigh) return key;
  }
};

describe('readerForKey', () => {
  it('is the master without --replica', () => {
    expect(readerForKey(topology('cluster'), undefined, keyOn(true))?.id).toBe('B');
  });

  it("on a Cluster, is a replica of the key's own master, a healthy one first", () => {
    const sampled = [node('a1', { masterId: 'A' }), node('b1', { masterId: 'B', flags: ['fail'] }), node('b2', { masterId: 'B' })];
    expect(readerForKey(topology('cluster'), sampled, keyOn(true))?.id).toBe('b2');
    expect(readerForKey(topology('cluster'), sampled, keyOn(false))?.id).toBe('a1');
  });

  it("on a Cluster, is nothing when the key's master has no sampled replica (never the master, never another's replica)", () => {
    expect(readerForKey(topology('cluster'), [node('a1', { masterId: 'A' })], keyOn(true))).toBeUndefined();
  });

  it('outside a Cluster, any sampled replica: they all copy the one master', () => {
    expect(readerForKey(topology('standalone'), [node('r1', { masterId: 'elsewhere' })], keyOn(true))?.id).toBe('r1');
  });
});
