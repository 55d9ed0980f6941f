// State that input handlers can read back at once. ink calls a component's input handler with
// whatever closure its last passive effect installed, and hands over keys typed in one burst (a
// fast typist, a paste, a slow link) as one string; so the second key of a burst would otherwise
// act on the state from before the first. Here the value lives in a ref updated synchronously, and
// a render is requested after each change.

import { useCallback, useRef, useState } from 'react';

export type SyncStateUpdate<T> = T | ((previous: T) => T);

/** [value for this render, setter (applies at once), getter (the latest value, for handlers)] */
export function useSyncState<T>(initial: T | (() => T)): [T, (update: SyncStateUpdate<T>) => void, () => T] {
  const ref = useRef<{ value: T } | undefined>(undefined);
  ref.current ??= { value: typeof initial === 'function' ? (initial as () => T)() : initial };
  const [, setVersion] = useState(0);
  const set = useCallback((update: SyncStateUpdate<T>) => {
    const box = ref.current!;
    const next = typeof update === 'function' ? (update as (previous: T) => T)(box.value) : update;
    if (Object.is(next, box.value)) return;
    box.value = next;
    setVersion((version) => version + 1);
  }, []);
  const get = useCallback(() => ref.current!.value, []);
  return [ref.current.value, set, get];
}
