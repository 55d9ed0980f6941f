// React hooks of the explorer: the live tree snapshot, and the two on-demand loads (a namespace's
// keys, a key's preview), each cancelled when the view moves on.

import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import type { LiveTreeSnapshot } from '../../core/namespaces/live-namespaces.js';
import type { KeyEntry } from '../../core/namespaces/namespace-keys.js';
import type { KeyPreview } from '../../core/browse/preview.js';
import type { BrowseSource, TreeModel } from '../../core/browse/source.js';

/** The newest snapshot of the tree; re-renders when a new one is published. */
export function useSnapshot(tree: TreeModel): LiveTreeSnapshot {
  const subscribe = useCallback((notify: () => void) => tree.subscribe(() => notify()), [tree]);
  return useSyncExternalStore(subscribe, () => tree.current());
}

export interface KeyListState {
  namespace: string;
  ownOnly: boolean;
  /** The biggest keys of the namespace and all under it, not a list of its keys. */
  biggest: boolean;
  /** Biggest-keys view: keys of the namespace seen by the scan so far (all of them once done). */
  matched?: number;
  entries: KeyEntry[];
  status: 'loading' | 'done' | 'failed';
  truncated: boolean;
  /** Nodes that could not be listed: the list may miss their keys. */
  failedNodes: string[];
  error?: string;
}

/** Lists a namespace's keys while `target` is set; a new target (or none) cancels the listing. */
export function useKeyList(source: BrowseSource, target: { namespace: string; ownOnly: boolean; biggest?: boolean; generation: number } | undefined): [KeyListState | undefined, (entry: KeyEntry) => void] {
  const [state, setState] = useState<KeyListState>();
  const namespace = target?.namespace;
  const ownOnly = target?.ownOnly ?? false;
  const biggest = target?.biggest === true;
  const generation = target?.generation;
  useEffect(() => {
    if (namespace === undefined) {
      setState(undefined);
      return;
    }
    const controller = new AbortController();
    let current: KeyListState = { namespace, ownOnly, biggest, entries: [], status: 'loading', truncated: false, failedNodes: [] };
    const update = (next: Partial<KeyListState>) => {
      if (controller.signal.aborted) return;
      current = { ...current, ...next };
      setState(current);
    };
    setState(current);
    void (async () => {
      try {
        const events = biggest ? source.biggestKeys(namespace, controller.signal) : source.listKeys(namespace, ownOnly, controller.signal);
        for await (const event of events) {
          if (controller.signal.aborted) return;
          if (event.kind === 'keys') update({ entries: [...current.entries, ...event.entries] });
          else if (event.kind === 'top') update({ entries: event.entries, matched: event.matched });
          else if (event.kind === 'node-failed') update({ failedNodes: [...current.failedNodes, `${event.node} (${event.error.message})`] });
          else update({ status: 'done', truncated: event.truncated, ...(biggest ? { matched: event.found } : {}) });
        }
        if (current.status === 'loading') update({ status: 'done' });
      } catch (error) {
        update({ status: 'failed', error: error instanceof Error ? error.message : String(error) });
      }
    })();
    return () => controller.abort();
  }, [source, namespace, ownOnly, biggest, generation]);
  const remove = (entry: KeyEntry) => setState((previous) => previous && { ...previous, entries: previous.entries.filter((other) => other !== entry) });
  return [state, remove];
}

export type PreviewState = { status: 'loading' } | { status: 'done'; preview: KeyPreview } | { status: 'failed'; error: string };

/** Loads the preview of `entry` (once per entry). */
export function usePreview(source: BrowseSource, entry: KeyEntry | undefined): PreviewState | undefined {
  const [state, setState] = useState<PreviewState>();
  useEffect(() => {
    if (entry === undefined) {
      setState(undefined);
      return;
    }
    let live = true;
    setState({ status: 'loading' });
    source.preview(entry).then(
      (preview) => live && setState({ status: 'done', preview }),
      (error: unknown) => live && setState({ status: 'failed', error: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      live = false;
    };
  }, [source, entry]);
  return state;
}
