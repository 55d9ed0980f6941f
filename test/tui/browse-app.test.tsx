import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import type { KeyPreview } from '../../src/core/browse/preview.js';
import { TTL_NONE } from '../../src/core/scan/scan-batch.js';
import { BrowseApp } from '../../src/tui/browse/browse-app.js';
import type { BrowseSource } from '../../src/core/browse/source.js';
import type { KeySpec } from './fake-source.js';
import { entry, FakePurge, FakeTree, fakeSource } from './fake-source.js';

const DOWN = '\u001B[B';
const UP = '\u001B[A';
const ENTER = '\r';
const LEFT = '\u001B[D';
const ESC = '\u001B';
const BACKSPACE = '\u007F';

afterEach(() => cleanup());

/** users: 3 keys, most memory; sessions: 4 keys, all without TTL; one plain key. */
const KEYS: KeySpec[] = [
  ['app:user:1:profile', 'string', 60_000, 4000],
  ['app:user:2:profile', 'string', 60_000, 4000],
  ['app:user:3:profile', 'string', TTL_NONE, 4000],
  ['app:cart:1', 'hash', 60_000, 500],
  ['sess:a1b2c3d4e5f6', 'string', TTL_NONE, 100],
  ['sess:b1b2c3d4e5f6', 'string', TTL_NONE, 100],
  ['sess:c1b2c3d4e5f6', 'string', TTL_NONE, 100],
  ['sess:d1b2c3d4e5f6', 'string', TTL_NONE, 100],
  ['zzz', 'set', TTL_NONE, 50],
];

interface Harness {
  frame: () => string;
  press: (...keys: string[]) => Promise<void>;
  quits: string[];
}

function mount(source: BrowseSource): Harness {
  const quits: string[] = [];
  const app = render(<BrowseApp source={source} color={false} onQuit={(reason) => quits.push(reason)} />);
  return {
    frame: () => app.lastFrame() ?? '',
    press: async (...keys: string[]) => {
      for (const key of keys) {
        app.stdin.write(key);
        await settle();
      }
    },
    quits,
  };
}

/** Lets ink process input and effects re-render. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function until(frame: () => string, text: string | RegExp): Promise<string> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const current = frame();
    if (typeof text === 'string' ? current.includes(text) : text.test(current)) return current;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)} in:\n${current}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The body's namespace rows in order (the labels of lines starting with the cursor column). */
function rowLabels(frame: string): string[] {
  return frame
    .split('\n')
    .filter((line) => /^(> | {2})\S/.test(line) && !line.includes('NAMESPACE'))
    .map((line) => line.slice(2).split(/\s{2,}/)[0]!.trim());
}

function completeTree(): FakeTree {
  const tree = new FakeTree(KEYS.length);
  tree.add(KEYS);
  tree.finish();
  return tree;
}

describe('browse: the namespace tree', () => {
  it('draws one row per namespace with memory, share bar, keys and keys without TTL, biggest memory first', async () => {
    const { frame } = mount(fakeSource({ tree: completeTree() }));
    const text = await until(frame, 'scan complete');
    expect(rowLabels(text)).toEqual(['app:', 'sess:', 'zzz']);
    const app = text.split('\n').find((line) => line.startsWith('> app:'))!;
    // 12,500 of 12,950 bytes: 96.5% (one decimal, as every share cachectl prints) and a nearly full bar; 4 keys, 1 without TTL.
    expect(app).toMatch(/12\.2 KiB\s+96\.5%\s+█{11}/);
    expect(app).toMatch(/\s4\s+1$/);
    const sess = text.split('\n').find((line) => line.includes('sess:'))!;
    expect(sess).toMatch(/400 B\s+3\.1%\s+▍\s+4\s+4$/);
    expect(text).toContain('scan complete · 9 keys · 4 namespaces');
  });

  it('fills in while the scan runs, and stays usable', async () => {
    const tree = new FakeTree(100);
    const { frame, press } = mount(fakeSource({ tree }));
    await until(frame, 'namespaces appear here as keys are found');
    expect(frame()).toContain('scanning… 0 / 100 keys (0%)');

    tree.add(KEYS.slice(4, 8));
    let text = await until(frame, 'sess:');
    expect(rowLabels(text)).toEqual(['sess:']);
    expect(text).toContain('scanning… 4 / 100 keys (4%)');

    // Move and open while keys keep coming: the cursor stays on the namespace it is on.
    tree.add(KEYS.slice(0, 4));
    text = await until(frame, 'app:');
    expect(rowLabels(text)).toEqual(['app:', 'sess:']);
    expect(text).toMatch(/^> app:/m);
    await press(DOWN);
    expect(frame()).toMatch(/^> sess:/m);
    tree.add([['sess:e1b2c3d4e5f6', 'string', TTL_NONE, 20_000]]);
    text = await until(frame, /sess:.*19\.9 KiB/);
    // sess now holds more memory and sorts first; the cursor went with it.
    expect(rowLabels(text)).toEqual(['sess:', 'app:']);
    expect(text).toMatch(/^> sess:/m);

    tree.finish();
    await until(frame, 'scan complete · 9 keys');
  });

  it('says which node is missing when the tree is incomplete', async () => {
    const tree = completeTree();
    tree.failNode('10.0.0.7:7002', 'connection refused');
    const { frame } = mount(fakeSource({ tree }));
    const text = await until(frame, 'incomplete');
    expect(text).toContain('incomplete: node 10.0.0.7:7002 (connection refused)');
    expect(rowLabels(text)).toEqual(['app:', 'sess:', 'zzz']);
  });
});

describe('browse: navigation', () => {
  it('opens namespaces with enter/→, goes back with ←/backspace, and keeps the cursor where it was', async () => {
    const source = fakeSource({ tree: completeTree(), keys: { 'app:cart:‹id›': [entry('app:cart:1', 'hash', 60_000, 500)] } });
    const { frame, press } = mount(source);
    await until(frame, 'scan complete');
    await press(ENTER);
    let text = await until(frame, 'browse · fake · app ·');
    expect(rowLabels(text)).toEqual(['user:', 'cart:']);
    await press(DOWN, '\u001B[C');
    text = await until(frame, 'app:cart ·');
    expect(rowLabels(text)).toEqual(['‹id›']);
    // A leaf opens its key list.
    await press(ENTER);
    text = await until(frame, 'app:cart:1');
    expect(text).toContain('app:cart:‹id› · keys');
    expect(text).toMatch(/> hash\s+1m\s+500 B\s+app:cart:1/);
    expect(source.listings).toEqual(['app:cart:‹id›']);
    await press(LEFT, BACKSPACE);
    text = await until(frame, 'browse · fake · app ·');
    expect(text).toMatch(/^> cart:/m);
    await press(LEFT);
    text = await until(frame, '(all keys)');
    expect(text).toMatch(/^> app:/m);
  });

  it('b shows the biggest keys of the namespace under the cursor and all under it, biggest first', async () => {
    const source = fakeSource({
      tree: completeTree(),
      keys: {
        'app:cart:‹id›': [entry('app:cart:1', 'hash', 60_000, 500), entry('app:cart:2', 'hash', 60_000, 90_000)],
        'app:user:‹id›': [entry('app:user:7', 'string', TTL_NONE, 2_000)],
        'sess:‹id›': [entry('sess:1', 'string', 60_000, 1_000_000)],
      },
    });
    const { frame, press } = mount(source);
    await until(frame, 'scan complete');
    // The cursor is on `app:`: its biggest keys, from the whole namespace (not `sess:`).
    await press('b');
    const text = await until(frame, 'app · biggest keys');
    expect(source.listings).toEqual(['biggest app']);
    expect(text.split('\n').filter((line) => /app:(cart|user):\d/.test(line)).map((line) => line.trim().split(/\s+/).at(-1))).toEqual(['app:cart:2', 'app:user:7', 'app:cart:1']);
    expect(text).toContain('the 3 biggest of 3 keys under app');
    expect(text).not.toContain('sess:1');
    // Back to the tree where it was opened.
    await press(LEFT);
    await until(frame, /^> app:/m);
  });

  it('shows a namespace’s own keys as a row next to its children', async () => {
    const tree = new FakeTree(3);
    tree.add([
      ['app:user', 'string', TTL_NONE, 10],
      ['app:user:1', 'string', TTL_NONE, 20],
      ['app:user:2', 'string', TTL_NONE, 20],
    ]);
    tree.finish();
    const { frame, press } = mount(fakeSource({ tree, keys: { 'app:user': [entry('app:user', 'string', TTL_NONE, 10)] } }));
    await until(frame, 'scan complete');
    await press(ENTER, ENTER);
    const text = await until(frame, 'itself');
    expect(rowLabels(text)).toEqual(['‹id›', '(keys named app:user itself)']);
    await press(DOWN, ENTER);
    await until(frame, /string\s+none\s+10 B\s+app:user$/m);
  });
});

describe('browse: keys typed in one burst', () => {
  // ink hands a run of characters typed faster than it reads (a fast typist, a paste, a slow link)
  // to the app as one input; each must act as if typed alone, on the state the previous one left.
  it('moves, opens and filters key by key', async () => {
    const { frame, press } = mount(fakeSource({ tree: completeTree() }));
    await until(frame, 'scan complete');
    await press('jj');
    expect(frame()).toMatch(/^> zzz/m);
    await press('kk\r');
    let text = await until(frame, 'browse · fake · app ·');
    expect(rowLabels(text)).toEqual(['user:', 'cart:']);
    await press('/ca\rj');
    text = frame();
    expect(text).toContain('filter "ca"');
    expect(rowLabels(text)).toEqual(['cart:']);
    expect(text).not.toContain('filter: ');
  });

  it('never carries keys typed ahead into a delete confirmation', async () => {
    const purge = new FakePurge(3);
    const { frame, press } = mount(fakeSource({ tree: completeTree(), purge }));
    await until(frame, 'scan complete');
    await press('d\r3\r');
    const text = await until(frame, 'backup file: backup.cbk');
    expect(text).not.toContain('Type 3');
    expect(purge.executions).toHaveLength(0);
    // Inside the dialog, a burst goes step by step: keep the backup, type the count, confirm.
    await press('\r3\r');
    await until(frame, 'done: deleted 3');
    expect(purge.executions).toHaveLength(1);
  });
});

describe('browse: sort and filter', () => {
  it('s cycles memory → keys → no-TTL → name', async () => {
    const { frame, press } = mount(fakeSource({ tree: completeTree() }));
    await until(frame, 'scan complete');
    expect(rowLabels(frame())).toEqual(['app:', 'sess:', 'zzz']);
    await press('s');
    expect(frame()).toContain('sort keys');
    // app and sess both have 4 keys: memory breaks the tie.
    expect(rowLabels(frame())).toEqual(['app:', 'sess:', 'zzz']);
    await press('s');
    expect(frame()).toContain('sort no-ttl');
    expect(rowLabels(frame())).toEqual(['sess:', 'app:', 'zzz']);
    await press('s');
    expect(frame()).toContain('sort name');
    expect(rowLabels(frame())).toEqual(['app:', 'sess:', 'zzz']);
    await press('s');
    expect(frame()).toContain('sort memory');
  });

  it('/ filters rows by text as it is typed; esc clears the filter', async () => {
    const { frame, press } = mount(fakeSource({ tree: completeTree() }));
    await until(frame, 'scan complete');
    await press('/', 's', 'e');
    let text = frame();
    expect(text).toContain('filter "se"');
    expect(text).toContain('filter: se▏');
    expect(rowLabels(text)).toEqual(['sess:']);
    await press(ENTER);
    // The filter stays after enter; keys are bindings again.
    expect(rowLabels(frame())).toEqual(['sess:']);
    await press('/', 'x');
    text = frame();
    expect(text).toContain('no namespace here contains "sex"');
    await press(ESC);
    expect(rowLabels(frame())).toEqual(['app:', 'sess:', 'zzz']);
    // Typed in one burst with its enter: filtered, and keys are bindings again.
    await press('/', 'zz\r', 'j');
    expect(rowLabels(frame())).toEqual(['zzz']);
    expect(frame()).not.toContain('filter: ');
  });
});

describe('browse: labels', () => {
  /** A BullMQ queue, connect-redis sessions and an unknown layout of 20 one-key tenants. */
  const LABELLED: KeySpec[] = [
    ['bull:emails:1', 'hash', TTL_NONE, 300],
    ['bull:emails:2', 'hash', TTL_NONE, 300],
    ['bull:emails:wait', 'list', TTL_NONE, 100],
    ['bull:emails:meta', 'hash', TTL_NONE, 100],
    ['bull:emails:marker', 'zset', TTL_NONE, 100],
    ['sess:Xk3vQ9pLm2Rt7Yw4Zb8Nc1Hd6Jf5Gs0a', 'string', 60_000, 200],
    ...Array.from({ length: 20 }, (_, i): KeySpec => [`tenants:t${'abcdefghijklmnopqrst'[i]!}x:cfg`, 'hash', TTL_NONE, 50]),
  ];

  it('draws the library label and the values of a ‹var› row beside the namespace, and / finds rows by label', async () => {
    const tree = new FakeTree(LABELLED.length);
    tree.add(LABELLED);
    tree.finish();
    const { frame, press } = mount(fakeSource({ tree }));
    let text = await until(frame, 'scan complete');
    expect(text.split('\n').find((line) => line.includes('sess:'))).toContain('sess:  (connect-redis sessions)');
    await press('/', 'bull', ENTER, ENTER);
    text = await until(frame, 'emails:');
    expect(text.split('\n').find((line) => line.includes('emails:'))).toContain('emails:  (BullMQ queue "emails")');
    await press(LEFT, ESC, '/', 'tenants', ENTER, ENTER);
    text = await until(frame, '‹var›');
    expect(text.split('\n').find((line) => line.includes('‹var›'))).toContain('‹var›:  (20 values)');
    await press(LEFT, ESC, '/', 'connect-redis', ENTER);
    expect(rowLabels(frame())).toEqual(['sess:']);
  });
});

describe('browse: preview', () => {
  const binary = Buffer.from([0xff, 0x00, 0x61, 0x62, 0x0a, 0x63]);
  const previews = new Map<string, KeyPreview>([
    [
      'bin:1',
      {
        exists: true,
        type: 'string',
        ttlMs: null,
        encoding: 'raw',
        memoryBytes: 2_000_072,
        length: 2_000_000,
        value: { kind: 'string', bytes: binary },
        truncated: true,
        touch: 'no-touch',
        transaction: true,
      },
    ],
    ['bin:2', { exists: false }],
  ]);

  async function openKey(index: number) {
    const tree = new FakeTree(2);
    tree.add([
      ['bin:1', 'string', TTL_NONE, 2_000_072],
      ['bin:2', 'string', TTL_NONE, 64],
    ]);
    tree.finish();
    const keys = { 'bin:‹id›': [entry('bin:1', 'string', TTL_NONE, 2_000_072), entry('bin:2', 'string', TTL_NONE, 64)] };
    const harness = mount(fakeSource({ tree, keys, previews }));
    await until(harness.frame, 'scan complete');
    await harness.press(ENTER, ENTER);
    await until(harness.frame, 'bin:2');
    for (let i = 0; i < index; i += 1) await harness.press(DOWN);
    await harness.press(ENTER);
    return harness;
  }

  it('shows a truncated binary value escaped, with how much of it is shown', async () => {
    const { frame, press } = await openKey(0);
    const text = await until(frame, 'bytes shown');
    expect(text).toContain('key bin:1 · on 127.0.0.1:7000');
    expect(text).toContain('string · encoding raw · TTL none · 2,000,000 bytes · 1.9 MiB in memory');
    expect(text).toContain('"\\xff\\x00ab\\nc"');
    expect(text).toContain('first 6 of 2,000,000 bytes shown');
    // No raw control byte reaches the terminal.
    expect(text.includes('\u0000') || text.includes('\u00ff')).toBe(false);
    await press(LEFT);
    await until(frame, 'bin:‹id› · keys');
  });

  it('says so when the key was deleted since it was listed', async () => {
    const { frame } = await openKey(1);
    await until(frame, 'key no longer exists');
  });
});

describe('browse: purge', () => {
  it('plans, offers a backup, needs the count typed, then deletes and reports', async () => {
    const tree = completeTree();
    const purge = new FakePurge(3, (target) => {
      if (target.kind === 'namespace') tree.removeNamespace(target.name);
    });
    const { frame, press } = mount(fakeSource({ tree, purge }));
    await until(frame, 'scan complete');
    expect(frame()).toContain('d delete');
    await press(DOWN, 'd');
    let text = await until(frame, 'backup file: backup.cbk');
    expect(text).toContain('Delete namespace sess');
    expect(text).toContain('3 keys · 300 B · 25% of the keyspace');
    expect(purge.plans).toEqual([{ kind: 'namespace', name: 'sess', ownOnly: false }]);
    // Keep the offered backup file.
    await press(ENTER);
    text = await until(frame, 'Type 3 and press enter');
    expect(text).toContain('backup: backup.cbk');
    // A wrong count deletes nothing.
    await press('4', ENTER);
    text = await until(frame, 'is not 3; nothing was deleted');
    expect(purge.executions).toHaveLength(0);
    await press('3', ENTER);
    text = await until(frame, 'done: deleted 3');
    expect(purge.executions).toEqual([{ plan: expect.objectContaining({ keys: 3 }), backupPath: 'backup.cbk' }]);
    await press(ENTER);
    text = await until(frame, 'purged namespace sess: 3 deleted, 0 already gone · backup backup.cbk');
    expect(rowLabels(text)).toEqual(['app:', 'zzz']);
  });

  it('deletes without a backup when the path is cleared, and esc at any prompt cancels', async () => {
    const purge = new FakePurge(2);
    const { frame, press } = mount(fakeSource({ tree: completeTree(), purge }));
    await until(frame, 'scan complete');
    await press('d');
    await until(frame, 'backup file:');
    await press(ESC);
    await until(frame, 'd delete');
    expect(purge.executions).toHaveLength(0);
    // The unused plan is freed (its keys may be spooled to a temporary file).
    expect(purge.released).toHaveLength(1);

    await press('d');
    await until(frame, 'backup file: backup.cbk');
    for (let i = 0; i < 'backup.cbk'.length; i += 1) await press(BACKSPACE);
    await press(ENTER);
    await until(frame, 'backup: none');
    await press('2', ENTER);
    await until(frame, 'done: deleted 2');
    expect(purge.executions.map((run) => run.backupPath)).toEqual([undefined]);
    expect(purge.released).toHaveLength(1);
  });

  it('takes a count typed in one burst with its enter (what a fast typist or a paste sends)', async () => {
    const purge = new FakePurge(12);
    const { frame, press } = mount(fakeSource({ tree: completeTree(), purge }));
    await until(frame, 'scan complete');
    await press('d');
    await until(frame, 'backup file: backup.cbk');
    await press('.old\r');
    await until(frame, 'backup: backup.cbk.old');
    await press('13\r');
    await until(frame, 'is not 12; nothing was deleted');
    expect(purge.executions).toHaveLength(0);
    await press('12\r');
    await until(frame, 'done: deleted 12');
    expect(purge.executions.map((run) => run.backupPath)).toEqual(['backup.cbk.old']);
  });

  it('shows a guard refusal and deletes nothing', async () => {
    const purge = new FakePurge(9);
    purge.refusal = 'refusing to delete 90% of the keyspace';
    const { frame, press } = mount(fakeSource({ tree: completeTree(), purge }));
    await until(frame, 'scan complete');
    await press('d');
    await until(frame, 'refused: refusing to delete 90% of the keyspace');
    await press(ENTER, '3', ENTER);
    expect(purge.executions).toHaveLength(0);
  });

  it('purges one key from the key list', async () => {
    const purge = new FakePurge(1);
    const keys = { 'zzz': [entry('zzz', 'set', TTL_NONE, 50)] };
    const { frame, press } = mount(fakeSource({ tree: completeTree(), purge, keys }));
    await until(frame, 'scan complete');
    await press('G', ENTER);
    await until(frame, /set\s+none\s+50 B\s+zzz/);
    await press('d');
    await until(frame, 'Delete key zzz');
    expect(purge.plans[0]).toMatchObject({ kind: 'key' });
    await press(ENTER, '1', ENTER);
    await until(frame, 'done: deleted 1');
    await press(ENTER);
    await until(frame, 'no keys (they may have been deleted');
  });
});

describe('browse: --readonly', () => {
  it('removes d from the keys, the help line and the help panel', async () => {
    const source = fakeSource({ tree: completeTree(), readonlyReason: '--readonly' });
    const { frame, press } = mount(source);
    const text = await until(frame, 'scan complete');
    expect(text).toContain('? help');
    expect(text).not.toContain('delete');
    await press('d');
    expect(frame()).not.toContain('Delete');
    await press('?');
    const help = await until(frame, 'deleting is off: --readonly');
    expect(help).not.toMatch(/^\s*d\s/m);
    expect(help).toContain('quit (the scan stops; nothing is changed)');
  });
});

describe('browse: export and quit', () => {
  it('e exports the namespace under the cursor and shows where', async () => {
    const source = fakeSource({ tree: completeTree() });
    const { frame, press } = mount(source);
    await until(frame, 'scan complete');
    await press(DOWN, 'e');
    await until(frame, 'exported sess to /tmp/export-sess.json');
    expect(source.exports).toEqual(['sess']);
  });

  it('q and ctrl-c quit', async () => {
    const { frame, press, quits } = mount(fakeSource({ tree: completeTree() }));
    await until(frame, 'scan complete');
    await press('q', '\u0003');
    expect(quits).toEqual(['quit', 'interrupt']);
    await press(UP);
  });
});
