// parseSentinelEntries: SENTINEL REPLICAS / SENTINELS / MASTERS replies (RESP2 flat arrays).
import { describe, expect, it } from 'vitest';
import { parseSentinelEntries } from '../../src/connection/sentinel.js';

describe('parseSentinelEntries', () => {
  it('turns each flat field/value array into a record', () => {
    // Shortened SENTINEL REPLICAS reply of the test Sentinel group.
    const reply = [
      ['name', '127.0.0.1:36745', 'ip', '127.0.0.1', 'port', '36745', 'flags', 'slave', 'master-link-status', 'ok'],
      ['name', '127.0.0.1:36746', 'ip', '127.0.0.1', 'port', '36746', 'flags', 'slave,s_down,disconnected'],
    ];
    expect(parseSentinelEntries(reply)).toEqual([
      { name: '127.0.0.1:36745', ip: '127.0.0.1', port: '36745', flags: 'slave', 'master-link-status': 'ok' },
      { name: '127.0.0.1:36746', ip: '127.0.0.1', port: '36746', flags: 'slave,s_down,disconnected' },
    ]);
  });

  it('reads Buffer and number values as text', () => {
    expect(parseSentinelEntries([[Buffer.from('port'), 26379, 'ip', Buffer.from('::1')]])).toEqual([{ port: '26379', ip: '::1' }]);
  });

  it('no entries, and replies that are not lists, give no records', () => {
    expect(parseSentinelEntries([])).toEqual([]);
    expect(parseSentinelEntries(null)).toEqual([]);
    expect(parseSentinelEntries('ERR')).toEqual([]);
  });

  it('a malformed entry gives an empty record; an odd trailing field is dropped', () => {
    expect(parseSentinelEntries(['oops', ['ip', '10.0.0.1', 'port']])).toEqual([{}, { ip: '10.0.0.1' }]);
  });
});
