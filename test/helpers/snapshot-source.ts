// A stand-in for the poller in TUI tests: the test pushes snapshots and reads what the dashboard
// asked of it (pause, resume, refresh now), with no timers and no server.

import type { DashboardSnapshot } from '../../src/core/dashboard/snapshot.js';
import type { PollerState } from '../../src/base/poller.js';
import type { DashboardSource } from '../../src/tui/top/TopApp.js';

export class SnapshotSource implements DashboardSource {
  current: PollerState<DashboardSnapshot>;
  readonly calls: string[] = [];
  private readonly listeners = new Set<(state: PollerState<DashboardSnapshot>) => void>();

  constructor(snapshot?: DashboardSnapshot) {
    this.current = { value: snapshot, refreshes: snapshot === undefined ? 0 : 1, error: null, failures: 0, skipped: 0, backoffTicks: 0, paused: false, stopped: false };
  }

  subscribe(listener: (state: PollerState<DashboardSnapshot>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  push(snapshot: DashboardSnapshot): void {
    this.set({ value: snapshot, refreshes: this.current.refreshes + 1, error: null });
  }

  fail(error: Error): void {
    this.set({ error, failures: this.current.failures + 1 });
  }

  pause(): void {
    this.calls.push('pause');
    this.set({ paused: true });
  }

  resume(): void {
    this.calls.push('resume');
    this.set({ paused: false });
  }

  refreshNow(): void {
    this.calls.push('refreshNow');
  }

  private set(change: Partial<PollerState<DashboardSnapshot>>): void {
    this.current = { ...this.current, ...change };
    for (const listener of this.listeners) listener(this.current);
  }
}
