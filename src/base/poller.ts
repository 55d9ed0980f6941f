// Refreshes a value on an interval for a live view: a tick that finds the last refresh still
// running is skipped (work never piles up), failures back off (base/backoff.ts), abort stops it,
// and subscribers get immutable states. The dashboard's model is one `fetch` (ink and NDJSON both
// subscribe); the explorer's live namespace tree is another (its ticks spaced by their cost).

import { backoffDelayMs } from './backoff.js';

export interface PollerOptions<T> {
  /** Milliseconds between ticks. */
  intervalMs: number;
  /** Produces the next value; gets a signal that aborts when the poller stops. */
  fetch: (signal: AbortSignal) => Promise<T>;
  /** Stops the poller for good when it aborts. */
  signal?: AbortSignal;
  /**
   * Upper bound on the pause after failures. After n failures in a row the next refresh waits
   * 2^n intervals (the ticks between are skipped: 1, 3, 7…), up to this long. @default 30000
   */
  maxBackoffMs?: number;
  /**
   * Spaces ticks so refreshing takes at most this share of the time: after a refresh that took
   * d ms, the next tick waits max(intervalMs, d / share). For a fetch whose cost grows with its data.
   * @default none (a fixed interval)
   */
  maxBusyShare?: number;
  /** Let the process exit while only this poller's timer is left. @default false */
  unref?: boolean;
  /** Deep-freeze each value before handing it out. @default true */
  freeze?: boolean;
  /** A value to show before the first refresh (e.g. a baseline sample); not counted as a refresh. */
  initial?: T;
}

export interface PollerState<T> {
  /** The last value fetched; undefined until the first refresh succeeds. */
  readonly value: T | undefined;
  /** Successful refreshes so far. */
  readonly refreshes: number;
  /** The last refresh's error while failures last; null after a success. */
  readonly error: unknown;
  /** Failures in a row. */
  readonly failures: number;
  /** Ticks skipped because a refresh was still running. */
  readonly skipped: number;
  /** Ticks skipped to back off after failures, still to come. */
  readonly backoffTicks: number;
  readonly paused: boolean;
  readonly stopped: boolean;
}

export type PollerListener<T> = (state: PollerState<T>) => void;

export const DEFAULT_MAX_BACKOFF_MS = 30_000;

export class Poller<T> {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  /** How long the last refresh took, for maxBusyShare. */
  private lastFetchMs = 0;
  private readonly controller = new AbortController();
  private readonly listeners = new Set<PollerListener<T>>();
  private state: PollerState<T> = Object.freeze({
    value: undefined as T | undefined,
    refreshes: 0,
    error: null,
    failures: 0,
    skipped: 0,
    backoffTicks: 0,
    paused: false,
    stopped: false,
  });
  private readonly onAbort = () => this.stop();

  constructor(private readonly options: PollerOptions<T>) {
    if (!(options.intervalMs > 0)) throw new RangeError('intervalMs must be positive');
    if (options.maxBusyShare !== undefined && !(options.maxBusyShare > 0 && options.maxBusyShare <= 1)) throw new RangeError('maxBusyShare must be in (0, 1]');
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (options.initial !== undefined) this.state = Object.freeze({ ...this.state, value: this.frozen(options.initial) });
  }

  get current(): PollerState<T> {
    return this.state;
  }

  /** Calls `listener` with every new state; returns the unsubscribe function. */
  subscribe(listener: PollerListener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Refreshes on every tick, and at once unless `immediate` is false (the first refresh then comes one interval later). */
  start(immediate = true): void {
    if (this.timer !== undefined || this.state.stopped) return;
    if (this.options.signal?.aborted === true) {
      this.stop();
      return;
    }
    this.schedule();
    if (immediate) this.tick();
  }

  /** Ticks do nothing while paused; the last value stays. */
  pause(): void {
    if (!this.state.paused && !this.state.stopped) this.update({ paused: true });
  }

  resume(): void {
    if (this.state.paused && !this.state.stopped) {
      this.update({ paused: false });
      this.tick();
    }
  }

  /** An extra refresh now (e.g. after the view asked for more detail); skipped like a tick when busy. */
  refreshNow(): void {
    if (!this.state.paused) this.tick();
  }

  /** Stops for good: no more ticks, the running fetch is aborted and its result dropped. */
  stop(): void {
    if (this.state.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.controller.abort();
    this.update({ stopped: true });
    this.listeners.clear();
  }

  /** The next tick, one interval away (longer when refreshing got costly and maxBusyShare is set). */
  private schedule(): void {
    const share = this.options.maxBusyShare;
    const delay = share === undefined ? this.options.intervalMs : Math.max(this.options.intervalMs, Math.round(this.lastFetchMs / share));
    this.timer = setTimeout(() => {
      this.tick();
      if (!this.state.stopped) this.schedule();
    }, delay);
    if (this.options.unref === true) this.timer.unref();
  }

  /** One tick: runs a refresh unless one is running, the poller is paused, or it is backing off. */
  private tick(): void {
    if (this.state.stopped || this.state.paused) return;
    if (this.running) {
      this.state = Object.freeze({ ...this.state, skipped: this.state.skipped + 1 });
      return;
    }
    if (this.state.backoffTicks > 0) {
      this.state = Object.freeze({ ...this.state, backoffTicks: this.state.backoffTicks - 1 });
      return;
    }
    void this.refresh();
  }

  private async refresh(): Promise<void> {
    this.running = true;
    const began = performance.now();
    try {
      const value = await this.options.fetch(this.controller.signal);
      if (this.state.stopped) return;
      this.update({
        value: this.frozen(value),
        refreshes: this.state.refreshes + 1,
        error: null,
        failures: 0,
        backoffTicks: 0,
      });
    } catch (error) {
      if (this.state.stopped) return;
      const failures = this.state.failures + 1;
      const waitMs = backoffDelayMs(failures, { baseMs: 2 * this.options.intervalMs, maxMs: this.options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS });
      this.update({ error, failures, backoffTicks: Math.max(0, Math.ceil(waitMs / this.options.intervalMs) - 1) });
    } finally {
      this.lastFetchMs = performance.now() - began;
      this.running = false;
      // Spaced ticks count from the end of the refresh that set their spacing.
      if (this.options.maxBusyShare !== undefined && this.timer !== undefined && !this.state.stopped) {
        clearTimeout(this.timer);
        this.schedule();
      }
    }
  }

  private frozen(value: T): T {
    return this.options.freeze === false ? value : deepFreeze(value);
  }

  private update(change: Partial<PollerState<T>>): void {
    this.state = Object.freeze({ ...this.state, ...change });
    for (const listener of [...this.listeners]) listener(this.state);
  }
}

/** Freezes a plain data value and everything it holds (arrays and objects; not class instances' internals beyond own properties). */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value as object)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
