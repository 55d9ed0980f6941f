// The explorer's screen: the namespace tree as it fills in (ncdu for a Redis keyspace), a
// namespace's keys, one key's preview, and the purge dialog, with a footer for the scan's progress
// and a help line drawn from the key-binding table. All data comes from a BrowseSource.

import type { Key } from 'ink';
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { useEffect, useMemo, useRef } from 'react';
import { displayKey } from '../../base/key-format.js';
import type { LiveTreeSnapshot } from '../../core/namespaces/live-namespaces.js';
import type { KeyEntry } from '../../core/namespaces/namespace-keys.js';
import type { NamespaceNode, NamespaceSort } from '../../core/namespaces/namespaces.js';
import type { BrowseAction, BrowseContext } from './bindings.js';
import { BROWSE_KEYS, PROMPT_KEYS } from './bindings.js';
import { formatCount } from './format.js';
import type { KeyListState } from './hooks.js';
import { useTerminalSize } from '../shared/use-terminal-size.js';
import { truncate } from '../../render/text.js';
import { useKeyList, usePreview, useSnapshot } from './hooks.js';
import { activeBindings, helpEntries, helpLine, resolveKey, wrapHelp } from '../shared/key-table.js';
import type { KeySort, TreeRow } from './model.js';
import { cycle, indexTree, KEY_SORTS, moveCursor, sortKeys, TREE_SORTS, treeRows } from './model.js';
import { PurgeDialog } from './purge-dialog.js';
import { keyHeadings, keyId, KeysBody, PreviewBody, TreeBody, treeHeadings, treeLayout } from './bodies.js';
import { statusLine } from './status-line.js';
import type { BrowseSource, PurgeOutcome, PurgeTarget } from '../../core/browse/source.js';
import { editText } from './text-input.js';
import { useSyncState } from '../shared/use-sync-state.js';
import { HelpView } from '../shared/HelpView.js';
import { useKeystrokes } from '../shared/use-keystrokes.js';

export interface BrowseAppProps {
  source: BrowseSource;
  color: boolean;
  /** The user asked to leave: `q`, or Ctrl-C. */
  onQuit: (reason: 'quit' | 'interrupt') => void;
}

interface Cursor {
  /** The selected row's id, so the cursor stays on it while rows re-sort as the scan goes on. */
  id: string | undefined;
  /** Where it was, for when that row disappears (filtered out, purged). */
  index: number;
}

type TreeView = { kind: 'tree'; namespace: string; cursor: Cursor; filter: string };
/** A namespace's key list, or (biggest) the biggest keys of the namespace and all under it. */
type KeysView = { kind: 'keys'; namespace: string; ownOnly: boolean; biggest?: boolean; cursor: Cursor; filter: string; generation: number };
type PreviewView = { kind: 'preview'; entry: KeyEntry; scroll: number };
type View = TreeView | KeysView | PreviewView;

type Overlay = { kind: 'help' } | { kind: 'filter' } | { kind: 'purge'; target: PurgeTarget; label: string };
type Tone = 'info' | 'warning' | 'error';

const START: Cursor = { id: undefined, index: 0 };
/** Lines around the body: title, column headings, status, message, help, and one spare. */
const CHROME_LINES = 6;

interface UiState {
  views: View[];
  sort: NamespaceSort;
  keySort: KeySort;
  overlay: Overlay | undefined;
  message: { text: string; tone: Tone } | undefined;
}

/** What the screen shows for a state: the rows of the open view, the cursor, and what it is on. */
interface Derived {
  view: View;
  keysView: KeysView | undefined;
  /** The namespace whose children the tree view shows. */
  level: NamespaceNode | undefined;
  treeRows: TreeRow[];
  keyRows: KeyEntry[];
  rowCount: number;
  cursor: number;
  selectedRow: TreeRow | undefined;
  selectedKey: KeyEntry | undefined;
}

function derive(ui: UiState, snapshot: LiveTreeSnapshot, index: Map<string, NamespaceNode>, keyList: KeyListState | undefined): Derived {
  const view = ui.views[ui.views.length - 1]!;
  const keysView = ui.views.findLast((candidate): candidate is KeysView => candidate.kind === 'keys');
  const level = view.kind === 'tree' ? (index.get(view.namespace) ?? snapshot.root) : undefined;
  const rows = view.kind === 'tree' && level !== undefined ? treeRows(level, ui.sort, view.filter) : [];
  const keyRows = view.kind === 'keys' && keyList !== undefined && keyList.namespace === view.namespace ? sortKeys(keyList.entries, ui.keySort, view.filter) : [];
  const rowCount = view.kind === 'tree' ? rows.length : view.kind === 'keys' ? keyRows.length : 0;
  const cursor = view.kind === 'preview' ? 0 : resolveCursor(view.cursor, view.kind === 'tree' ? rows.map((row) => row.id) : keyRows.map(keyId), rowCount);
  return {
    view,
    keysView,
    level,
    treeRows: rows,
    keyRows,
    rowCount,
    cursor,
    selectedRow: view.kind === 'tree' ? rows[cursor] : undefined,
    selectedKey: view.kind === 'keys' ? keyRows[cursor] : view.kind === 'preview' ? view.entry : undefined,
  };
}

export function BrowseApp({ source, color, onQuit }: BrowseAppProps) {
  const { columns, rows: terminalRows } = useTerminalSize();
  const snapshot = useSnapshot(source.tree);
  const indexCache = useRef<{ root: NamespaceNode; index: Map<string, NamespaceNode> } | undefined>(undefined);
  const indexOf = (of: LiveTreeSnapshot) => {
    if (indexCache.current?.root !== of.root) indexCache.current = { root: of.root, index: indexTree(of.root) };
    return indexCache.current.index;
  };
  const index = indexOf(snapshot);
  // Input handlers read the latest state, never their render's: a burst of keys acts key by key.
  const [ui, setUi, latestUi] = useSyncState<UiState>(() => ({
    views: [{ kind: 'tree', namespace: '', cursor: START, filter: '' }],
    sort: 'memory',
    keySort: 'memory',
    overlay: undefined,
    message: undefined,
  }));
  const bindings = useMemo(() => activeBindings(BROWSE_KEYS, source.purge !== undefined), [source]);
  const keysViewShown = ui.views.findLast((candidate): candidate is KeysView => candidate.kind === 'keys');
  const [keyList, removeListedKey] = useKeyList(source, keysViewShown);
  const keyListRef = useRef(keyList);
  keyListRef.current = keyList;
  const shown = derive(ui, snapshot, index, keyList);
  const preview = usePreview(source, shown.view.kind === 'preview' ? shown.view.entry : undefined);
  const current = (): { state: UiState; now: Derived; snapshot: LiveTreeSnapshot; index: Map<string, NamespaceNode> } => {
    const state = latestUi();
    const latest = source.tree.current();
    const latestIndex = indexOf(latest);
    return { state, now: derive(state, latest, latestIndex, keyListRef.current), snapshot: latest, index: latestIndex };
  };

  // A namespace that was purged (or no longer exists) cannot stay open: fall back to its nearest ancestor.
  useEffect(() => {
    const gone = (candidate: View) => candidate.kind === 'tree' && candidate.namespace !== '' && !index.has(candidate.namespace);
    if (ui.views.some(gone)) setUi((state) => ({ ...state, views: state.views.slice(0, Math.max(1, state.views.findIndex(gone))) }));
  }, [index, ui.views, setUi]);

  const context: BrowseContext = shown.view.kind;
  const width = Math.max(40, columns);
  const help = wrapHelp(
    ui.overlay?.kind === 'filter'
      ? `filter: ${shown.view.kind === 'preview' ? '' : shown.view.filter}▏ · ${helpLine(PROMPT_KEYS, 'prompt')}`
      : ui.overlay?.kind === 'purge'
        ? ''
        : helpLine(bindings, context),
    width,
  );
  // A help line that needs two lines on a narrow terminal takes one from the body, so nothing scrolls off.
  const bodyHeight = Math.max(3, terminalRows - CHROME_LINES - (help.length - 1));

  const setViews = (views: View[]) => setUi((state) => ({ ...state, views }));
  const replaceTop = (next: View) => setUi((state) => ({ ...state, views: [...state.views.slice(0, -1), next] }));
  const setOverlay = (overlay: Overlay | undefined) => setUi((state) => ({ ...state, overlay }));
  const say = (text: string, tone: Tone = 'info') => setUi((state) => ({ ...state, message: { text, tone } }));

  const moveTo = (now: Derived, target: number) => {
    const view = now.view;
    if (view.kind === 'preview') return;
    const at = moveCursor(target, 0, now.rowCount);
    const id = view.kind === 'tree' ? now.treeRows[at]?.id : now.keyRows[at] === undefined ? undefined : keyId(now.keyRows[at]);
    replaceTop({ ...view, cursor: { id, index: at } });
  };

  const open = (state: UiState, now: Derived) => {
    const { view, level, selectedRow, selectedKey } = now;
    if (view.kind === 'tree') {
      if (selectedRow === undefined || level === undefined) return;
      if (selectedRow.kind === 'overflow') {
        say('namespaces past the first 50,000 are lumped together here; browse a narrower pattern to see them', 'warning');
      } else if (selectedRow.kind === 'own') {
        setViews([...state.views, { kind: 'keys', namespace: level.name, ownOnly: true, cursor: START, filter: '', generation: Date.now() }]);
      } else if (selectedRow.hasChildren) {
        setViews([...state.views, { kind: 'tree', namespace: selectedRow.id, cursor: START, filter: '' }]);
      } else {
        setViews([...state.views, { kind: 'keys', namespace: selectedRow.id, ownOnly: true, cursor: START, filter: '', generation: Date.now() }]);
      }
    } else if (view.kind === 'keys' && selectedKey !== undefined) {
      setViews([...state.views, { kind: 'preview', entry: selectedKey, scroll: 0 }]);
    }
  };

  const purgeTarget = (now: Derived): { target: PurgeTarget; label: string } | undefined => {
    const { view, level, selectedRow, selectedKey } = now;
    if (view.kind === 'tree') {
      if (selectedRow === undefined || level === undefined) return undefined;
      if (selectedRow.kind === 'overflow') {
        say('the {other} bucket has no pattern of its own and cannot be purged from here', 'warning');
        return undefined;
      }
      if (selectedRow.kind === 'own') return { target: { kind: 'namespace', name: level.name, ownOnly: true }, label: `the keys named ${level.name} itself` };
      return { target: { kind: 'namespace', name: selectedRow.id, ownOnly: false }, label: `namespace ${selectedRow.id}` };
    }
    if (selectedKey === undefined) return undefined;
    return { target: { kind: 'key', entry: selectedKey }, label: `key ${displayKey(selectedKey.key)}` };
  };

  /** The namespace whose biggest keys `b` shows: the row under the cursor, or the list's own namespace. */
  const biggestTarget = (now: Derived): string | undefined => {
    const { view, level, selectedRow, keysView } = now;
    if (view.kind === 'tree') {
      if (selectedRow?.kind === 'overflow') {
        say('the {other} bucket has no pattern of its own; browse a narrower pattern to see its biggest keys', 'warning');
        return undefined;
      }
      return selectedRow === undefined || selectedRow.kind === 'own' ? level?.name : selectedRow.id;
    }
    return keysView?.namespace;
  };

  const exportUnderCursor = (state: UiState, now: Derived, latest: LiveTreeSnapshot, latestIndex: Map<string, NamespaceNode>) => {
    let node: NamespaceNode | undefined;
    if (now.view.kind === 'tree') node = now.selectedRow?.kind === 'own' ? now.level : (now.selectedRow?.node ?? now.level);
    else if (now.keysView !== undefined) node = latestIndex.get(now.keysView.namespace);
    if (node === undefined) return;
    const name = node.name === '' ? 'the whole tree' : node.name;
    source.exportTree(node, latest, state.sort).then(
      (path) => say(`exported ${name} to ${path}`),
      (error: unknown) => say(`export failed: ${error instanceof Error ? error.message : String(error)}`, 'error'),
    );
  };

  const onPurgeClosed = (outcome: PurgeOutcome | undefined) => {
    const { state, now } = current();
    const finished = state.overlay?.kind === 'purge' ? state.overlay : undefined;
    setOverlay(undefined);
    if (outcome === undefined || finished === undefined) return;
    const summary = `${outcome.interrupted ? 'purge stopped' : 'purged'} ${finished.label}: ${formatCount(outcome.deleted)} deleted, ${formatCount(outcome.alreadyGone)} already gone${outcome.backupPath === undefined ? '' : ` · backup ${outcome.backupPath}`}`;
    say(outcome.error === undefined ? summary : `${summary} · ${outcome.error}`, outcome.error === undefined ? 'info' : 'error');
    if (finished.target.kind === 'key' && outcome.deleted + outcome.alreadyGone > 0) {
      removeListedKey(finished.target.entry);
      if (now.view.kind === 'preview') setViews(state.views.slice(0, -1));
    }
  };

  const perform = (action: BrowseAction) => {
    const { state, now, snapshot: latest, index: latestIndex } = current();
    const view = now.view;
    switch (action) {
      case 'up':
      case 'down':
      case 'page-up':
      case 'page-down': {
        const step = action === 'up' || action === 'down' ? 1 : Math.max(1, bodyHeight - 1);
        const delta = (action === 'up' || action === 'page-up' ? -1 : 1) * step;
        if (view.kind === 'preview') replaceTop({ ...view, scroll: Math.max(0, view.scroll + delta) });
        else moveTo(now, now.cursor + delta);
        return;
      }
      case 'top':
        moveTo(now, 0);
        return;
      case 'bottom':
        moveTo(now, now.rowCount - 1);
        return;
      case 'open':
        open(state, now);
        return;
      case 'back':
        if (state.views.length > 1) setViews(state.views.slice(0, -1));
        return;
      case 'escape':
        if (view.kind !== 'preview' && view.filter !== '') replaceTop({ ...view, filter: '', cursor: START });
        else if (view.kind === 'preview') setViews(state.views.slice(0, -1));
        return;
      case 'sort':
        if (view.kind === 'tree') setUi((latestState) => ({ ...latestState, sort: cycle(TREE_SORTS, latestState.sort) }));
        else setUi((latestState) => ({ ...latestState, keySort: cycle(KEY_SORTS, latestState.keySort) }));
        return;
      case 'filter':
        setOverlay({ kind: 'filter' });
        return;
      case 'export':
        exportUnderCursor(state, now, latest, latestIndex);
        return;
      case 'biggest': {
        const namespace = biggestTarget(now);
        if (namespace === undefined) return;
        setUi((latestState) => ({ ...latestState, keySort: 'memory' }));
        setViews([...state.views, { kind: 'keys', namespace, ownOnly: false, biggest: true, cursor: START, filter: '', generation: Date.now() }]);
        return;
      }
      case 'delete': {
        if (source.purge === undefined) return;
        const chosen = purgeTarget(now);
        if (chosen !== undefined) setOverlay({ kind: 'purge', ...chosen });
        return;
      }
      case 'help':
        setOverlay(state.overlay?.kind === 'help' ? undefined : { kind: 'help' });
        return;
      case 'quit':
        onQuit('quit');
        return;
      case 'interrupt':
        onQuit('interrupt');
        return;
    }
  };

  const handleKey = (input: string, key: Key) => {
    const { state, now } = current();
    const view = now.view;
    if (state.overlay?.kind === 'filter') {
      if (view.kind === 'preview') return;
      const action = resolveKey(PROMPT_KEYS, 'prompt', input, key);
      if (action === 'interrupt') onQuit('interrupt');
      else if (action === 'submit') setOverlay(undefined);
      else if (action === 'cancel') {
        replaceTop({ ...view, filter: '', cursor: START });
        setOverlay(undefined);
      } else replaceTop({ ...view, filter: editText(view.filter, input, key), cursor: START });
      return;
    }
    const action = resolveKey(bindings, view.kind, input, key);
    if (action === undefined) return;
    if (state.overlay?.kind === 'help' && action !== 'help' && action !== 'quit' && action !== 'interrupt') {
      setOverlay(undefined);
      return;
    }
    perform(action);
  };

  useKeystrokes(
    // Keys typed ahead are never carried into a delete confirmation: it starts from a clean slate.
    (input, key) => (latestUi().overlay?.kind === 'purge' ? 'stop' : handleKey(input, key)),
    { isActive: ui.overlay?.kind !== 'purge' },
  );

  // ---- drawing ----
  const dim = (text: string) => <Text dimColor>{text}</Text>;
  const { view, keysView, level } = shown;
  const { sort, keySort, overlay, message } = ui;
  const where =
    view.kind === 'tree'
      ? view.namespace === ''
        ? '(all keys)'
        : view.namespace
      : keysView === undefined
        ? ''
        : `${keysView.namespace === '' ? '(all keys)' : keysView.namespace} · ${keysView.biggest === true ? 'biggest keys' : 'keys'}`;
  const sortText = view.kind === 'tree' ? `sort ${sort}` : view.kind === 'keys' ? `sort ${keySort}` : '';
  const filterText = view.kind !== 'preview' && (view.filter !== '' || overlay?.kind === 'filter') ? ` · filter "${view.filter}"` : '';
  const title = truncate(`cachectl browse · ${source.title} · ${where}${sortText === '' ? '' : ` · ${sortText}`}${filterText}`, width);

  let headings = '';
  let body: ReactNode;
  if (overlay?.kind === 'purge' && source.purge !== undefined) {
    body = (
      <PurgeDialog
        target={overlay.target}
        label={overlay.label}
        purge={source.purge}
        width={width}
        color={color}
        onClose={onPurgeClosed}
        onInterrupt={() => onQuit('interrupt')}
      />
    );
  } else if (overlay?.kind === 'help') {
    const notes = source.readonlyReason === undefined ? [] : [[{ text: `deleting is off: ${source.readonlyReason}` }]];
    body = <HelpView entries={helpEntries(bindings, context)} notes={notes} height={bodyHeight} color={color} />;
  } else if (view.kind === 'tree' && level !== undefined) {
    const layout = treeLayout(width);
    headings = treeHeadings(layout, snapshot.memoryKnown);
    body = <TreeBody rows={shown.treeRows} level={level} snapshot={snapshot} cursor={shown.cursor} height={bodyHeight} layout={layout} delimiter={source.delimiter} color={color} filter={view.filter} />;
  } else if (view.kind === 'keys') {
    headings = keyHeadings(width);
    body = <KeysBody rows={shown.keyRows} state={keyList} cursor={shown.cursor} height={bodyHeight} width={width} />;
  } else if (view.kind === 'preview') {
    body = <PreviewBody entry={view.entry} state={preview} scroll={view.scroll} height={bodyHeight + 1} width={width} color={color} />;
  }

  const status = statusLine(snapshot, view.kind === 'keys' ? keyList : undefined);
  const toneColor = (tone: Tone) => (!color ? undefined : tone === 'error' ? 'red' : tone === 'warning' ? 'yellow' : 'cyan');
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">
        {title}
      </Text>
      {headings === '' ? null : dim(truncate(headings, width))}
      <Box flexDirection="column" height={headings === '' ? bodyHeight + 1 : bodyHeight}>
        {body}
      </Box>
      <Text color={status.warning && color ? 'yellow' : undefined} wrap="truncate-end">
        {truncate(status.text, width)}
      </Text>
      <Text color={message === undefined ? undefined : toneColor(message.tone)} wrap="truncate-end">
        {truncate(message?.text ?? '', width) || ' '}
      </Text>
      {help.map((line, i) => (
        <Text key={i} dimColor wrap="truncate-end">
          {truncate(line, width) || ' '}
        </Text>
      ))}
    </Box>
  );
}

function resolveCursor(cursor: Cursor, ids: readonly string[], length: number): number {
  if (cursor.id !== undefined) {
    const at = ids.indexOf(cursor.id);
    if (at >= 0) return at;
  }
  return moveCursor(cursor.index, 0, length);
}
