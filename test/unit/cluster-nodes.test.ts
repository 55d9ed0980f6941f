// parseClusterNodes: the CLUSTER NODES text every cluster topology is built from, including
// the lines a cluster in trouble produces (failed nodes, migrating slots, no address).
import { describe, expect, it } from 'vitest';
import { parseClusterNodes } from '../../src/connection/cluster.js';

// Captured from the test cluster (redis-server 7.0): three masters, three replicas.
const HEALTHY = `8ca322087a3d2d5cf91a956191aa797dca282f62 127.0.0.1:38053@48053 slave 72038a72051524aef269de4346295609c21b612d 0 1795600549625 3 connected
72038a72051524aef269de4346295609c21b612d 127.0.0.1:44037@54037 master - 0 1795600549625 3 connected 10922-16383
6b661bd8cf6cc03d5ab555341c4d714a2c3658b1 127.0.0.1:45419@55419 slave 07a8ff1a73814d7e3befa509275d4c9a8e44b465 0 1795600549625 1 connected
c4c470f1eb84a45070e9cf8a1efbd4ab3434294b 127.0.0.1:33585@43585 slave 83c9922fd2c63f5f98b28ae4edbc4c0d4484f52e 0 1795600549826 2 connected
07a8ff1a73814d7e3befa509275d4c9a8e44b465 127.0.0.1:38753@48753 myself,master - 0 1795600549000 1 connected 0-5460
83c9922fd2c63f5f98b28ae4edbc4c0d4484f52e 127.0.0.1:36271@46271 master - 0 1795600549725 2 connected 5461-10921
`;

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

describe('parseClusterNodes', () => {
  it('reads a healthy cluster: masters with slots, replicas with their master', () => {
    const nodes = parseClusterNodes(HEALTHY);
    expect(nodes).toHaveLength(6);
    expect(nodes.filter((n) => n.role === 'master').map((n) => [n.endpoint.port, n.slots])).toEqual([
      [44037, [[10922, 16383]]],
      [38753, [[0, 5460]]],
      [36271, [[5461, 10921]]],
    ]);
    expect(nodes[0]).toEqual({
      id: '8ca322087a3d2d5cf91a956191aa797dca282f62',
      endpoint: { host: '127.0.0.1', port: 38053 },
      flags: [],
      role: 'replica',
      masterId: '72038a72051524aef269de4346295609c21b612d',
      slots: [],
      connected: true,
    });
    // "myself" and the role flags are not flags worth reporting.
    expect(nodes.every((n) => n.flags.length === 0)).toBe(true);
    expect(nodes.filter((n) => n.role === 'master').every((n) => n.masterId === undefined)).toBe(true);
  });

  it('keeps failure flags and the link state of failed nodes', () => {
    const [failedMaster, doubtful, lost] = parseClusterNodes(
      [
        `${A} 127.0.0.1:7002@17002 master,fail - 1700000000000 1700000000000 3 disconnected`,
        `${B} 127.0.0.1:7003@17003 master,fail?,nofailover - 1700000000000 0 4 connected 0-100`,
        `${C} :0@0 slave,fail,noaddr ${A} 1700000000000 1700000000000 3 disconnected`,
      ].join('\n'),
    );
    expect(failedMaster).toMatchObject({ role: 'master', flags: ['fail'], connected: false, slots: [] });
    expect(doubtful).toMatchObject({ role: 'master', flags: ['fail?', 'nofailover'], connected: true, slots: [[0, 100]] });
    // A node without an address: the topology substitutes the seed's host.
    expect(lost).toMatchObject({ role: 'replica', masterId: A, endpoint: { host: '', port: 0 }, flags: ['fail', 'noaddr'], connected: false });
  });

  it('skips importing and migrating markers, keeps single slots and ranges', () => {
    const [node] = parseClusterNodes(`${A} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-100 200 300-400 [5461->-${B}] [93-<-${C}]`);
    expect(node!.slots).toEqual([[0, 100], [200, 200], [300, 400]]);
  });

  it('reads ip:port@cport,hostname (Redis 7) and auxiliary fields (Redis 7.2+) by the IP', () => {
    const nodes = parseClusterNodes(
      [
        `${A} 10.0.0.1:7000@17000,cache-a.internal master - 0 0 1 connected 0-16383`,
        `${B} 10.0.0.2:7000@17000,,tls-port=0,shard-id=${C} slave ${A} 0 0 1 connected`,
      ].join('\n'),
    );
    expect(nodes.map((n) => n.endpoint)).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7000 },
    ]);
  });

  it('reads IPv6 addresses, which CLUSTER NODES prints without brackets', () => {
    const [node] = parseClusterNodes(`${A} ::1:7000@17000 master - 0 0 1 connected 0-16383`);
    expect(node!.endpoint).toEqual({ host: '::1', port: 7000 });
  });

  it('ignores blank lines and CRLF line ends', () => {
    expect(parseClusterNodes(`\r\n${A} 127.0.0.1:7000@17000 master - 0 0 1 connected 0-16383\r\n\n`)).toHaveLength(1);
    expect(parseClusterNodes('')).toEqual([]);
  });

  it('a node still in handshake has no slots, so it is never taken for a serving master', () => {
    const [node] = parseClusterNodes(`${A} 127.0.0.1:7005@17005 handshake - 0 0 0 connected`);
    expect(node).toMatchObject({ role: 'master', flags: ['handshake'], slots: [] });
  });
});
