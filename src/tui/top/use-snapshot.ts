// Reads the poller's latest state into React: components re-render on every new snapshot and
// never fetch anything themselves.

import { useSyncExternalStore } from 'react';
import type { PollerState } from '../../base/poller.js';

/** What the dashboard needs of a poller (the core's Poller, or a stand-in in tests). */
export interface SnapshotSource<T> {
  readonly current: PollerState<T>;
  subscribe(listener: (state: PollerState<T>) => void): () => void;
}

export function useSnapshot<T>(source: SnapshotSource<T>): PollerState<T> {
  return useSyncExternalStore(
    (notify) => source.subscribe(() => notify()),
    () => source.current,
  );
}
