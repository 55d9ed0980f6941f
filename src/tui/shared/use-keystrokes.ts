// ink's useInput, one keystroke at a time: keys typed or pasted in one burst reach the app as one
// string, which no binding matches; split here (keystrokes.ts), every key is handled as if typed
// alone, in every full-screen app. Handlers should read state through useSyncState or a ref, so
// the second key of a burst sees what the first one did.

import type { Key } from 'ink';
import { useInput } from 'ink';
import { keystrokes } from './keystrokes.js';

/** `handle` may return 'stop' to drop the rest of the burst (e.g. a dialog opened that must start clean). */
export type KeystrokeHandler = (input: string, key: Key) => void | 'stop';

export function useKeystrokes(handle: KeystrokeHandler, options: { isActive?: boolean } = {}): void {
  useInput((input, key) => {
    for (const stroke of keystrokes(input, key)) if (handle(stroke.input, stroke.key) === 'stop') return;
  }, options);
}
