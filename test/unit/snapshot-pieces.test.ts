// The snapshot's pure pieces: what is removed from CONFIG and SLOWLOG, how key names are hashed,
// how CLIENT LIST is summarised, and the SVG paths the charts draw.
import { describe, expect, it } from 'vitest';
import { parseClientList, summariseClients } from '../../src/core/snapshot/client-list.js';
import { KeyNameHasher, REDACTED, redactArgs, redactConfig } from '../../src/core/snapshot/redact.js';
import { parseSnapshotFlags } from '../../src/cli/commands/snapshot.js';
import { lineChart, seriesPath } from '../../src/render/svg-chart.js';

describe('redactConfig', () => {
  it('removes every secret-looking value and keeps the rest, sorted', () => {
    const reply = ['requirepass', 'hunter2', 'maxmemory', '100', 'masterauth', 'm4ster', 'tls-key-file-pass', 'pp', 'masteruser', 'repl', 'tls-auth-clients', 'yes', 'x-secret-token', 's'];
    const { values, removed } = redactConfig(reply);
    expect(removed).toEqual(['masterauth', 'requirepass', 'tls-key-file-pass', 'x-secret-token']);
    expect(values).toEqual({ masteruser: 'repl', maxmemory: '100', 'tls-auth-clients': 'yes' });
    expect(JSON.stringify(values)).not.toMatch(/hunter2|m4ster/);
  });

  it('reads a RESP3 map the same way', () => {
    expect(redactConfig(new Map([['requirepass', 'x'], ['port', '7000']]))).toEqual({ values: { port: '7000' }, removed: ['requirepass'] });
  });
});

describe('redactArgs', () => {
  it('keeps the command name only', () => {
    expect(redactArgs(['SET', 'user:1', 'secret value'])).toEqual(['SET', REDACTED, REDACTED]);
    expect(redactArgs([])).toEqual([]);
  });
});

describe('KeyNameHasher', () => {
  const a = new KeyNameHasher(Buffer.from('one'));
  const b = new KeyNameHasher(Buffer.from('two'));

  it('gives equal names equal tokens under one secret, different ones under another', () => {
    expect(a.key('user:1')).toBe(a.key('user:1'));
    expect(a.key('user:1')).not.toBe(a.key('user:2'));
    expect(a.key('user:1')).not.toBe(b.key('user:1'));
    expect(a.key('user:1')).toMatch(/^key:[0-9a-f]{12}$/);
  });

  it('hashes each namespace segment but leaves the placeholders readable', () => {
    const hashed = a.namespace('app:user:‹id›:profile', ':');
    const parts = hashed.split(':');
    expect(parts).toHaveLength(4);
    expect(parts[2]).toBe('‹id›');
    expect(hashed).not.toContain('user');
    expect(a.namespace('app:orders', ':').split(':')[0]).toBe(parts[0]);
  });
});

const CLIENTS = [
  'id=3 addr=10.0.0.5:51234 laddr=127.0.0.1:6379 fd=8 name=api age=100 idle=0 flags=N db=0 sub=0 psub=0 qbuf=0 qbuf-free=0 omem=0 tot-mem=20000 cmd=get user=default',
  'id=4 addr=10.0.0.5:51235 laddr=127.0.0.1:6379 fd=9 name=api age=90 idle=50 flags=b db=0 sub=0 psub=0 qbuf=0 omem=0 tot-mem=21000 cmd=blpop user=default',
  'id=5 addr=10.0.0.9:40000 laddr=127.0.0.1:6379 fd=10 name= age=10 idle=3 flags=P db=0 sub=1 psub=0 qbuf=0 omem=500000 tot-mem=600000 cmd=subscribe user=default',
  'id=6 addr=[::1]:40001 laddr=[::1]:6379 fd=11 name= age=5 idle=2 flags=N db=0 qbuf=26 omem=0 cmd=client|list',
].join('\n');

describe('CLIENT LIST summary', () => {
  const entries = parseClientList(`${CLIENTS}\n`);
  const summary = summariseClients(entries);

  it('parses each line into figures and keeps every field', () => {
    expect(entries).toHaveLength(4);
    expect(entries[2]).toMatchObject({ id: '5', addr: '10.0.0.9:40000', name: '', outputBytes: 500000, totalBytes: 600000, cmd: 'subscribe' });
    expect(entries[3]!.totalBytes).toBeNull();
    expect(entries[0]!.fields.laddr).toBe('127.0.0.1:6379');
  });

  it('tops by output buffer and idle, counts blocked and pub/sub, totals per name and host', () => {
    expect(summary.total).toBe(4);
    expect(summary.blocked).toBe(1);
    expect(summary.blockedClients.map((c) => c.id)).toEqual(['4']);
    expect(summary.pubsub).toBe(1);
    expect(summary.topByOutputBuffer.map((c) => c.id)).toEqual(['5']);
    expect(summary.topByIdle[0]!.id).toBe('4');
    expect(summary.byCommand).toContainEqual({ cmd: 'get', clients: 1 });
    expect(summary.byName).toEqual([
      { group: '(no name)', clients: 2, outputBytes: 500000, totalBytes: 600000 },
      { group: 'api', clients: 2, outputBytes: 0, totalBytes: 41000 },
    ]);
    expect(summary.byAddress.map((g) => g.group)).toEqual(['10.0.0.5', '10.0.0.9', '[::1]']);
  });
});

describe('SVG charts', () => {
  const x = (v: number) => v;
  const y = (v: number) => 100 - v;

  it('breaks a line at missing points and marks a lone point', () => {
    expect(seriesPath([[0, 10], [1, 20], [2, null], [3, 5]], x, y)).toBe('M0.0 90.0 L1.0 80.0 M3.0 95.0 h3');
    expect(seriesPath([[0, null]], x, y)).toBe('');
  });

  it('draws one path per series with data, and says so when there is none', () => {
    const svg = lineChart({ title: 'ops <per> s', series: [{ label: 'a', points: [[0, 1], [1000, 2]] }, { label: 'b', points: [[0, null]] }], formatX: String, formatY: String });
    expect(svg.match(/<path class="series"/g)).toHaveLength(1);
    expect(svg).toContain('ops &lt;per&gt; s');
    expect(lineChart({ title: 't', series: [], formatX: String, formatY: String })).toContain('no data in the window');
  });
});

describe('snapshot flags', () => {
  it('bounds the live window inside --max-time', () => {
    expect(parseSnapshotFlags({ delimiter: ':', depth: '5', collapse: true }, {}).snapshot).toMatchObject({ durationMs: 10_000, maxMs: 30_000, keys: 'auto', keepArgs: false, redactKeys: null });
    expect(() => parseSnapshotFlags({ delimiter: ':', depth: '5', collapse: true, duration: '29s' }, {})).toThrow(/--duration leaves no time within --max-time 30s/);
    expect(() => parseSnapshotFlags({ delimiter: ':', depth: '5', collapse: true, duration: '500ms' }, {})).toThrow(/at least 1s/);
    expect(parseSnapshotFlags({ delimiter: ':', depth: '5', collapse: true, duration: '40s', maxTime: '1m', keys: false }, {}).snapshot).toMatchObject({ durationMs: 40_000, keys: 'never' });
  });

  it('takes the HMAC secret for --redact-keys from the environment, so hashes match across snapshots', () => {
    const options = parseSnapshotFlags({ delimiter: ':', depth: '5', collapse: true, redactKeys: true }, { CACHECTL_REDACT_SECRET: 'team-secret' });
    expect(options.snapshot.redactKeys?.toString()).toBe('team-secret');
    expect(parseSnapshotFlags({ delimiter: ':', depth: '5', collapse: true, redactKeys: true }, {}).snapshot.redactKeys).toHaveLength(32);
  });
});
