// The target every output names (connection/target.ts), the confirmation line above a purge
// prompt, and the masters a Sentinel reports in INFO: pure functions, no server.
import { describe, expect, it } from 'vitest';
import { parseInfo } from '../../src/base/info.js';
import { confirmationTargetLine } from '../../src/cli/destructive.js';
import { monitoredMasters } from '../../src/connection/sentinel.js';
import type { RunTarget } from '../../src/connection/target.js';
import { formatTarget, targetLine, withTarget } from '../../src/connection/target.js';

const single: RunTarget = { context: null, topology: 'single', master: null, seed: ['127.0.0.1:6380'], db: 3 };
const cluster: RunTarget = { context: 'prod', topology: 'cluster', master: null, seed: ['10.0.0.1:7000', '10.0.0.2:7000'], db: 0 };
const sentinel: RunTarget = { context: 'staging', topology: 'sentinel', master: 'cache', seed: ['[::1]:26379'], db: 0 };

describe('formatTarget', () => {
  it('names topology, seeds, db and the context when there is one', () => {
    expect(formatTarget(single)).toBe('single 127.0.0.1:6380 · db 3');
    expect(formatTarget(cluster)).toBe('cluster via 10.0.0.1:7000,10.0.0.2:7000 · db 0 · context prod');
    expect(formatTarget(sentinel)).toBe('sentinel master cache via [::1]:26379 · db 0 · context staging');
  });

  it('is the first line of table output', () => {
    expect(targetLine(single)).toBe('target: single 127.0.0.1:6380 · db 3\n');
  });
});

describe('withTarget', () => {
  it('puts the target first, after schemaVersion and mode when a document has them', () => {
    expect(Object.keys(withTarget({ topology: 'standalone', nodes: [] }, single))).toEqual(['target', 'topology', 'nodes']);
    expect(Object.keys(withTarget({ schemaVersion: 1, mode: 'scan', status: 'complete' }, single))).toEqual(['schemaVersion', 'mode', 'target', 'status']);
    expect(withTarget({ a: 1 }, cluster).target).toEqual(cluster);
  });

  it('replaces a target the document had', () => {
    const once = withTarget({ a: 1 }, single);
    expect(withTarget(once, cluster)).toEqual({ target: cluster, a: 1 });
  });
});

describe('confirmationTargetLine', () => {
  it('names the target and the servers written to', () => {
    expect(confirmationTargetLine(cluster, 'deletes on', ['10.0.0.1:7000', '10.0.0.3:7000'])).toBe(
      'target: cluster via 10.0.0.1:7000,10.0.0.2:7000 · db 0 · context prod — deletes on 10.0.0.1:7000, 10.0.0.3:7000',
    );
  });

  it('names at most six servers and counts the rest', () => {
    const addresses = Array.from({ length: 9 }, (_, i) => `10.0.0.${i}:7000`);
    expect(confirmationTargetLine(cluster, 'deletes on', addresses)).toMatch(/deletes on 10\.0\.0\.0:7000, .*10\.0\.0\.5:7000 and 3 more$/);
  });
});

describe('monitoredMasters', () => {
  it('reads every masterN line of INFO sentinel', () => {
    const info = parseInfo(
      '# Server\r\nredis_mode:sentinel\r\n\r\n# Sentinel\r\nsentinel_masters:2\r\nsentinel_tilt:0\r\n' +
        'master0:name=cache,status=ok,address=10.0.0.5:6379,slaves=1,sentinels=3\r\nmaster1:name=queue,status=sdown,address=10.0.0.6:6379,slaves=0,sentinels=1\r\n',
    );
    expect(monitoredMasters(info)).toEqual([
      { name: 'cache', address: '10.0.0.5:6379' },
      { name: 'queue', address: '10.0.0.6:6379' },
    ]);
  });

  it('is empty for a server without a Sentinel section', () => {
    expect(monitoredMasters(parseInfo('# Server\r\nredis_mode:standalone\r\n'))).toEqual([]);
  });
});
