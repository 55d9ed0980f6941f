/**
 * How long a TUI test waits for a frame. vi.waitFor's default (1 s) is shorter than ink's first,
 * cold render on a loaded CI machine; a frame that never comes still fails, only later.
 */
export const UI_WAIT = { timeout: 10_000, interval: 20 } as const;
