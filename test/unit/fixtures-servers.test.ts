// Which server binaries the fixtures run (CACHECTL_TEST_SERVERS / CACHECTL_TEST_SERVER) and what
// each version accepts on its command line.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { argsFor, discoverServers, parseServerVersion, selectServer, type ServerBuild } from '../fixtures/servers.js';
import type { DiscoveryFs } from '../fixtures/server-discovery.mjs';

/** A pretend file system: paths ending in `/` are directories, others executable files. */
function fakeFs(entries: string[]): DiscoveryFs {
  const files = new Set(entries.filter((e) => !e.endsWith('/')).map((e) => path.resolve(e)));
  const dirs = new Set(entries.filter((e) => e.endsWith('/')).map((e) => path.resolve(e)));
  return {
    isExecutableFile: (file) => files.has(path.resolve(file)),
    isDirectory: (dir) => dirs.has(path.resolve(dir)),
    list: (dir) =>
      [...files, ...dirs]
        .filter((e) => path.dirname(e) === path.resolve(dir))
        .map((e) => path.basename(e))
        .sort(),
  };
}

const shared = fakeFs([
  '/s/',
  '/s/redis-6.2.16/',
  '/s/redis-6.2.16/redis-server',
  '/s/valkey-8.0.1/',
  '/s/valkey-8.0.1/valkey-server',
  '/s/notes/',
  '/opt/r/bin/redis-server',
]);

describe('discoverServers', () => {
  it('finds one server per sub-directory of a directory, named after it, and reports the empty ones', () => {
    const { servers, missing } = discoverServers('/s', shared);
    expect(servers).toEqual([
      { name: 'redis-6.2.16', bin: path.resolve('/s/redis-6.2.16/redis-server') },
      { name: 'valkey-8.0.1', bin: path.resolve('/s/valkey-8.0.1/valkey-server') },
    ]);
    expect(missing).toEqual([{ name: 'notes', path: path.resolve('/s/notes'), reason: 'no redis-server or valkey-server in it' }]);
  });

  it('takes name=binary entries, a binary alone (named after its folder) and a server folder', () => {
    const { servers } = discoverServers(' mine=/opt/r/bin/redis-server, /opt/r/bin/redis-server2 ,/s/valkey-8.0.1', shared);
    expect(servers).toEqual([
      { name: 'mine', bin: path.resolve('/opt/r/bin/redis-server') },
      { name: 'valkey-8.0.1', bin: path.resolve('/s/valkey-8.0.1/valkey-server') },
    ]);
  });

  it('reports an entry that names nothing (so the matrix can say the server is skipped)', () => {
    const { servers, missing } = discoverServers('old=/nowhere/redis-server', shared);
    expect(servers).toEqual([]);
    expect(missing).toEqual([{ name: 'old', path: path.resolve('/nowhere/redis-server'), reason: 'no such file or directory' }]);
  });

  it('is empty when unset', () => {
    expect(discoverServers(undefined, shared)).toEqual({ servers: [], missing: [] });
  });
});

describe('selectServer', () => {
  it('is redis-server on PATH by default', () => {
    expect(selectServer({}, shared)).toEqual({ name: 'default', bin: 'redis-server' });
    expect(selectServer({ CACHECTL_TEST_SERVER: 'default', CACHECTL_TEST_SERVERS: '/s' }, shared).bin).toBe('redis-server');
  });

  it('picks a discovered server by name', () => {
    expect(selectServer({ CACHECTL_TEST_SERVER: 'valkey-8.0.1', CACHECTL_TEST_SERVERS: '/s' }, shared)).toEqual({
      name: 'valkey-8.0.1',
      bin: path.resolve('/s/valkey-8.0.1/valkey-server'),
    });
  });

  it('names the choices when the server is unknown', () => {
    expect(() => selectServer({ CACHECTL_TEST_SERVER: 'redis-5', CACHECTL_TEST_SERVERS: '/s' }, shared)).toThrow(
      /CACHECTL_TEST_SERVER=redis-5 .*available: default, redis-6\.2\.16, valkey-8\.0\.1/,
    );
  });
});

describe('parseServerVersion and argsFor', () => {
  const v62: ServerBuild = parseServerVersion('Redis server v=6.2.16 sha=00000000:0 malloc=jemalloc-5.1.0 bits=64 build=bca79363bf9f24cc\n');
  const valkey = parseServerVersion('Valkey server v=8.0.1 sha=00000000:1 malloc=libc bits=64 build=bb3f3630fa47e5a1');

  it('reads flavor, version and allocator', () => {
    expect(v62).toEqual({ flavor: 'redis', version: '6.2.16', parts: [6, 2, 16], malloc: 'jemalloc-5.1.0' });
    expect(valkey).toMatchObject({ flavor: 'valkey', version: '8.0.1', malloc: 'libc' });
  });

  it('drops options a 6.2 server would refuse, with their values, and keeps them for 7+', () => {
    const args = ['--port', '1', '--shutdown-on-sigterm', 'nosave now', '--enable-debug-command', 'local', '--save', ''];
    expect(argsFor(v62, args)).toEqual(['--port', '1', '--save', '']);
    expect(argsFor(valkey, args)).toEqual(args);
  });
});
