import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PollerState } from '../../src/base/poller.js';
import { deepFreeze, Poller } from '../../src/base/poller.js';

/** A fetch whose calls the test resolves or rejects by hand. */
function controlledFetch<T>() {
  const calls: { resolve: (value: T) => void; reject: (error: unknown) => void; signal: AbortSignal }[] = [];
  const fetch = (signal: AbortSignal) =>
    new Promise<T>((resolve, reject) => {
      calls.push({ resolve, reject, signal });
    });
  return { fetch, calls };
}

/** Lets the promise callbacks of a settled fetch run. */
const flush = () => vi.advanceTimersByTimeAsync(0);

describe('Poller', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refreshes at once, then once per interval, and hands out each value', async () => {
    let n = 0;
    const poller = new Poller({ intervalMs: 1000, fetch: async () => ({ n: ++n }) });
    const seen: number[] = [];
    poller.subscribe((state) => {
      if (state.value !== undefined) seen.push(state.value.n);
    });
    poller.start();
    await flush();
    expect(seen).toEqual([1]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(poller.current.refreshes).toBe(4);
    poller.stop();
  });

  it('skips a tick while the last refresh is still running, instead of piling up', async () => {
    const { fetch, calls } = controlledFetch<string>();
    const poller = new Poller({ intervalMs: 1000, fetch });
    poller.start();
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3000);
    // Three ticks came while the first refresh hung: none started another.
    expect(calls).toHaveLength(1);
    expect(poller.current.skipped).toBe(3);
    calls[0]!.resolve('slow');
    await flush();
    expect(poller.current.value).toBe('slow');
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(2);
    poller.stop();
  });

  it('backs off after failures: 1, 3, then 7 ticks skipped, and recovers on success', async () => {
    const { fetch, calls } = controlledFetch<string>();
    const states: PollerState<string>[] = [];
    const poller = new Poller({ intervalMs: 100, fetch, maxBackoffMs: 10_000 });
    poller.subscribe((state) => states.push(state));
    poller.start();
    const failNext = async (): Promise<void> => {
      calls[calls.length - 1]!.reject(new Error('down'));
      await flush();
    };
    const ticksUntilNextCall = async (): Promise<number> => {
      const before = calls.length;
      let ticks = 0;
      while (calls.length === before) {
        await vi.advanceTimersByTimeAsync(100);
        ticks += 1;
        if (ticks > 100) throw new Error('no retry');
      }
      return ticks;
    };
    await failNext();
    expect(poller.current.failures).toBe(1);
    expect(poller.current.error).toBeInstanceOf(Error);
    expect(await ticksUntilNextCall()).toBe(2);
    await failNext();
    expect(await ticksUntilNextCall()).toBe(4);
    await failNext();
    expect(await ticksUntilNextCall()).toBe(8);
    calls[calls.length - 1]!.resolve('back');
    await flush();
    expect(poller.current).toMatchObject({ value: 'back', failures: 0, error: null });
    expect(await ticksUntilNextCall()).toBe(1);
    expect(states.filter((state) => state.error !== null).map((state) => state.failures)).toEqual([1, 2, 3]);
    poller.stop();
  });

  it('caps the backoff at maxBackoffMs', async () => {
    const fetch = vi.fn(async () => {
      throw new Error('down');
    });
    const poller = new Poller({ intervalMs: 100, fetch, maxBackoffMs: 500 });
    poller.start();
    await vi.advanceTimersByTimeAsync(20_000);
    // Without the cap 2^n − 1 skips would allow about 8 attempts in 20 s; with it, one per 5 ticks.
    expect(fetch.mock.calls.length).toBeGreaterThan(30);
    expect(poller.current.backoffTicks).toBeLessThanOrEqual(4);
    poller.stop();
  });

  it('stops on abort: aborts the running fetch, drops its result and never ticks again', async () => {
    const { fetch, calls } = controlledFetch<string>();
    const controller = new AbortController();
    const poller = new Poller({ intervalMs: 100, fetch, signal: controller.signal });
    const listener = vi.fn();
    poller.subscribe(listener);
    poller.start();
    controller.abort();
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(poller.current.stopped).toBe(true);
    calls[0]!.resolve('late');
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(1);
    expect(poller.current.value).toBeUndefined();
    // The stopped state is the last thing listeners heard.
    expect(listener.mock.calls.at(-1)![0]).toMatchObject({ stopped: true, value: undefined });
  });

  it('does nothing when started with an aborted signal', async () => {
    const fetch = vi.fn(async () => 1);
    const poller = new Poller({ intervalMs: 100, fetch, signal: AbortSignal.abort() });
    poller.start();
    await vi.advanceTimersByTimeAsync(500);
    expect(fetch).not.toHaveBeenCalled();
    expect(poller.current.stopped).toBe(true);
  });

  it('pauses and resumes', async () => {
    const fetch = vi.fn(async () => 'v');
    const poller = new Poller({ intervalMs: 100, fetch });
    poller.start();
    await flush();
    poller.pause();
    expect(poller.current.paused).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetch).toHaveBeenCalledTimes(1);
    poller.resume();
    await flush();
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(poller.current.paused).toBe(false);
    poller.stop();
  });

  it('refreshNow runs an extra refresh unless one is running', async () => {
    const { fetch, calls } = controlledFetch<number>();
    const poller = new Poller({ intervalMs: 10_000, fetch });
    poller.start();
    poller.refreshNow();
    expect(calls).toHaveLength(1);
    calls[0]!.resolve(1);
    await flush();
    poller.refreshNow();
    expect(calls).toHaveLength(2);
    poller.stop();
  });

  it('hands out deep-frozen values and states', async () => {
    const poller = new Poller({ intervalMs: 100, fetch: async () => ({ rows: [{ a: 1 }] }) });
    poller.start();
    await flush();
    const state = poller.current;
    expect(Object.isFrozen(state)).toBe(true);
    expect(Object.isFrozen(state.value!.rows[0])).toBe(true);
    expect(() => {
      (state.value!.rows[0] as { a: number }).a = 2;
    }).toThrow(TypeError);
    poller.stop();
  });

  it('rejects a non-positive interval', () => {
    expect(() => new Poller({ intervalMs: 0, fetch: async () => 1 })).toThrow(RangeError);
  });
});

describe('deepFreeze', () => {
  it('freezes nested objects and arrays and leaves primitives alone', () => {
    const value = deepFreeze({ a: [1, { b: 2 }], c: null });
    expect(Object.isFrozen(value.a)).toBe(true);
    expect(Object.isFrozen(value.a[1])).toBe(true);
    expect(deepFreeze(3)).toBe(3);
  });
});

describe('Poller start options', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows an initial value at once and, started lazily, refreshes one interval later', async () => {
    const fetch = vi.fn(async () => 'fresh');
    const poller = new Poller({ intervalMs: 1000, fetch, initial: 'baseline' });
    expect(poller.current).toMatchObject({ value: 'baseline', refreshes: 0 });
    poller.start(false);
    await vi.advanceTimersByTimeAsync(999);
    expect(fetch).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(poller.current).toMatchObject({ value: 'fresh', refreshes: 1 });
    poller.stop();
  });
});

describe('Poller with maxBusyShare', () => {
  it('spaces ticks so a costly fetch takes at most that share of the time', async () => {
    const starts: number[] = [];
    const poller = new Poller({
      intervalMs: 10,
      maxBusyShare: 0.5,
      fetch: async () => {
        starts.push(performance.now());
        // 40 ms of work on the thread: the next tick waits at least 80 ms after it.
        const until = performance.now() + 40;
        while (performance.now() < until);
        return starts.length;
      },
    });
    poller.start();
    await new Promise((resolve) => setTimeout(resolve, 600));
    poller.stop();
    expect(starts.length).toBeGreaterThanOrEqual(2);
    // At a fixed 10 ms interval, starts would be ~50 ms apart; spaced, at least 40 + 80 ms.
    for (let i = 1; i < starts.length; i += 1) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(115);
  });

  it('refuses a share outside (0, 1]', () => {
    expect(() => new Poller({ intervalMs: 10, maxBusyShare: 0, fetch: async () => 1 })).toThrow(RangeError);
    expect(() => new Poller({ intervalMs: 10, maxBusyShare: 1.5, fetch: async () => 1 })).toThrow(RangeError);
  });
});
