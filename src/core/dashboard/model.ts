// The live dashboard's model (no UI): one INFO per node per refresh, turned into rows of rates,
// memory, clients, replication and latency, with history for sparklines and, for the one node the
// detail view shows, top commands, slowlog and memory findings. A node that stops answering
// becomes a DOWN row retried with backoff; nothing here waits on a dead node for long.

import type { NodeHandle, Topology } from '../../connection/topology.js';
import type { CommandActivity } from './command-stats.js';
import { byTime, commandActivity, meanUsecPerCall } from './command-stats.js';
import { CommandCounter, countCommands, countsSince, mergeCounts, othersActivity } from './own-commands.js';
import type { DashboardSnapshot, DashboardTotals, History, NodeDetail, NodeRow, ServerLatency } from './snapshot.js';
import type { CachectlError } from '../../base/errors.js';
import { HistoryRing } from './history-ring.js';
import { EventLoopLag } from './event-loop-lag.js';
import { backoffDelayMs } from '../../base/backoff.js';
import type { CommandStat, InfoSections } from '../../base/info.js';
import { infoNumber, infoString, parseCommandStats, parseInfo, parseKeyspace, parseLatencyStats } from '../../base/info.js';
import type { InfoRates } from '../memory/info-rates.js';
import { combineInfoRates, computeInfoRates } from '../memory/info-rates.js';
import type { LatencySource, LatencyStats } from './latency-probe.js';
import { LatencyProbe } from './latency-probe.js';
import type { MemoryConfig, MemoryFigures } from '../memory/memory-figures.js';
import { parseMemoryConfig, readMemoryFigures } from '../memory/memory-figures.js';
import { memoryFindings, nodeDownFinding } from '../memory/memory-findings.js';
import { parseSlowlog } from './slowlog.js';
import type { SlowlogEntry } from './slowlog.js';
import { readShardSlotStats, type ShardSlotStats } from '../nodes/slot-stats.js';

/**
 * The sections a refresh needs, in one INFO (Redis 7+ takes several). Left out on purpose: cpu,
 * persistence, cluster and modules are not shown, and `keysizes` (Redis 8) can be costly.
 */
export const INFO_SECTIONS = ['server', 'clients', 'memory', 'stats', 'replication', 'keyspace', 'commandstats', 'latencystats', 'errorstats'] as const;
/** Redis 6 takes one section per INFO; `all` is the one that includes commandstats. */
const INFO_FALLBACK = ['all'] as const;

export interface DashboardModelOptions {
  /** The refresh interval; a node that has not answered INFO within most of it is shown stale. */
  refreshMs: number;
  /**
   * The client-side latency probe; false to measure none. `cachectl top` passes a
   * ThreadedLatencyProbe, so its own rendering never shows as node latency.
   * @default a new LatencyProbe on the calling thread, with its defaults
   */
  probe?: LatencySource | false;
  /** Measure cachectl's own event-loop lag (shown apart from node latency). @default true */
  measureLag?: boolean;
  /** Points kept per sparkline. @default 120 */
  historyLength?: number;
  /** Span of the detail view's top commands. @default 60000 */
  commandWindowMs?: number;
  /** Rows per top-commands list. @default 10 */
  topCommands?: number;
  /** SLOWLOG GET count for the detail view. @default 10 */
  slowlogEntries?: number;
  /** Longest pause before retrying a node that is down. @default 30000 */
  maxBackoffMs?: number;
  /** Monotonic clock in milliseconds. @default performance.now */
  now?: () => number;
}

interface Sample {
  info: InfoSections;
  /** now() when the reply arrived. */
  at: number;
  wallAt: number;
  /** The dashboard's own commands on this node before this INFO was sent (PINGs, INFOs, detail, handshakes), by command. */
  own: ReadonlyMap<string, number>;
}

type History3 = { opsPerSec: HistoryRing; hitRate: HistoryRing; p99Ms: HistoryRing };

interface NodeState {
  handle: NodeHandle;
  /** Order of discovery: masters first, as the topology lists them. */
  order: number;
  infoArgs: readonly string[];
  last: Sample | null;
  figures: MemoryFigures | null;
  rates: InfoRates | null;
  activity: CommandActivity[] | null;
  /** commandstats over (about) the command window, oldest first, for the detail view. */
  commandSamples: { at: number; stats: Map<string, CommandStat>; own: ReadonlyMap<string, number> }[];
  pending: Promise<void> | null;
  status: 'up' | 'down';
  error: CachectlError | null;
  downSince: number | null;
  failures: number;
  retryAt: number;
  /** Commands sent on this node's shared connection so far (the probe counts its own). */
  own: CommandCounter;
  /** Stops counting on the connection counted last; replaced when the handle's connection changes. */
  counting: { client: unknown; stop: () => void } | null;
  history: History3;
  config: { value: MemoryConfig | undefined; at: number; note: string | null } | null;
  detail: NodeDetail | null;
  detailPending: Promise<void> | null;
}

const TOPOLOGY_REFRESH_MS = 60_000;
const TOPOLOGY_REFRESH_ON_FAILURE_MS = 10_000;
const CONFIG_TTL_MS = 10_000;

export class DashboardModel {
  private readonly nodes = new Map<string, NodeState>();
  private readonly probe: LatencySource | null;
  private readonly lag: EventLoopLag | null;
  private readonly total: History3;
  private readonly historyLength: number;
  private readonly commandWindowMs: number;
  private readonly topCommands: number;
  private readonly slowlogEntries: number;
  private readonly maxBackoffMs: number;
  private readonly now: () => number;
  private seq = 0;
  private focused: { address: string | null; detail: boolean } = { address: null, detail: false };
  private topologyRefreshedAt: number;
  private topologyRefreshing = false;
  private closed = false;

  constructor(
    private readonly topology: Topology,
    private readonly options: DashboardModelOptions,
  ) {
    this.historyLength = options.historyLength ?? 120;
    this.commandWindowMs = options.commandWindowMs ?? 60_000;
    this.topCommands = options.topCommands ?? 10;
    this.slowlogEntries = options.slowlogEntries ?? 10;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.now = options.now ?? (() => performance.now());
    this.probe = options.probe === false ? null : (options.probe ?? new LatencyProbe());
    this.lag = options.measureLag === false ? null : new EventLoopLag();
    this.total = this.rings();
    this.topologyRefreshedAt = this.now();
    this.adopt();
  }

  /** Which node the view has selected, and whether its detail (slowlog, findings, top commands) is wanted. */
  focus(address: string | null, detail: boolean): void {
    this.focused = { address, detail };
  }

  /**
   * One refresh: samples every node (at most one INFO in flight per node), waits for answers up
   * to most of the refresh interval, and builds the snapshot. Never throws for a node's failure.
   */
  async refresh(signal?: AbortSignal): Promise<DashboardSnapshot> {
    const started = this.now();
    this.maybeRefreshTopology(started);
    const deadline = Math.max(100, Math.floor(this.options.refreshMs * 0.8));
    const states = [...this.nodes.values()];
    for (const state of states) this.startSample(state, started);
    const focus = this.focused.detail && this.focused.address !== null ? this.nodes.get(this.focused.address) : undefined;
    await waitAll(states.map((state) => state.pending), deadline, signal);
    if (focus !== undefined) {
      this.startDetail(focus);
      await waitAll([focus.detailPending], Math.max(50, deadline - (this.now() - started)), signal);
    }
    return this.snapshot(focus);
  }

  /** Stops the latency probe. The topology belongs to the caller and stays open. */
  async close(): Promise<void> {
    this.closed = true;
    for (const state of this.nodes.values()) state.counting?.stop();
    this.lag?.close();
    await this.probe?.close();
  }

  private rings(): History3 {
    return { opsPerSec: new HistoryRing(this.historyLength), hitRate: new HistoryRing(this.historyLength), p99Ms: new HistoryRing(this.historyLength) };
  }

  /** Takes the topology's data nodes into the model: new ones are added, known ones get their new handle. */
  private adopt(): void {
    const handles = this.topology.kind === 'standalone' ? [...this.topology.masters()] : [...this.topology.masters(), ...this.topology.replicas()];
    for (const handle of handles) {
      const known = this.nodes.get(handle.address);
      if (known !== undefined) {
        known.handle = handle;
      } else {
        this.nodes.set(handle.address, {
          handle,
          order: this.nodes.size,
          infoArgs: INFO_SECTIONS,
          last: null,
          figures: null,
          rates: null,
          activity: null,
          commandSamples: [],
          pending: null,
          status: 'up',
          error: null,
          downSince: null,
          failures: 0,
          retryAt: 0,
          own: new CommandCounter(),
          counting: null,
          history: this.rings(),
          config: null,
          detail: null,
          detailPending: null,
        });
      }
      this.probe?.track(handle);
    }
  }

  /**
   * Re-discovers the topology now and then, sooner while a node is down (a failover may have
   * moved roles or brought new nodes), in the background so a slow seed never delays a refresh.
   */
  private maybeRefreshTopology(now: number): void {
    if (this.topologyRefreshing) return;
    const anyDown = [...this.nodes.values()].some((state) => state.status === 'down');
    const age = now - this.topologyRefreshedAt;
    if (age < TOPOLOGY_REFRESH_MS && !(anyDown && age >= TOPOLOGY_REFRESH_ON_FAILURE_MS)) return;
    this.topologyRefreshing = true;
    this.topologyRefreshedAt = now;
    this.topology
      .refresh()
      .then(() => {
        if (!this.closed) this.adopt();
      })
      .catch(() => {
        // Rows already say which nodes are down; a failed re-discovery changes nothing.
      })
      .finally(() => {
        this.topologyRefreshing = false;
      });
  }

  private startSample(state: NodeState, now: number): void {
    if (state.pending !== null) return;
    if (state.status === 'down' && now < state.retryAt) return;
    state.pending = this.sample(state).finally(() => {
      state.pending = null;
    });
  }

  /** What cachectl has sent to this node so far, by command, read just before an INFO goes out. */
  private ownCounts(state: NodeState): ReadonlyMap<string, number> {
    return mergeCounts(state.own.snapshot(), this.probe?.commands(state.handle.address) ?? new Map());
  }

  /** Counts what this model sends on the node's connection (a reconnection's handshake included). */
  private watch(state: NodeState, client: Parameters<typeof countCommands>[0]): void {
    if (state.counting?.client === client) return;
    state.counting?.stop();
    state.counting = { client, stop: countCommands(client, state.own) };
  }

  private async sample(state: NodeState): Promise<void> {
    try {
      // Counted from before it connects, so a new connection's handshake is ours too.
      this.watch(state, state.handle.client());
      const client = await state.handle.ready();
      this.watch(state, client);
      let own = this.ownCounts(state);
      let text: string;
      try {
        text = String(await client.call('INFO', ...state.infoArgs));
      } catch (error) {
        if (state.infoArgs !== INFO_SECTIONS || !refusesSections(error)) throw error;
        state.infoArgs = INFO_FALLBACK;
        own = this.ownCounts(state);
        text = String(await client.call('INFO', ...state.infoArgs));
      }
      if (this.closed) return;
      this.accept(state, { info: parseInfo(text), at: this.now(), wallAt: Date.now(), own });
    } catch (error) {
      if (this.closed) return;
      this.fail(state, state.handle.translate(error));
    }
  }

  private accept(state: NodeState, sample: Sample): void {
    const before = state.last;
    const stats = parseCommandStats(sample.info);
    if (before !== null) {
      const own = countsSince(before.own, sample.own);
      state.rates = computeInfoRates(before.info, sample.info, sample.at - before.at, { ownCommands: [...own.values()].reduce((sum, n) => sum + n, 0) });
      const activity = state.rates.reset ? null : commandActivity(parseCommandStats(before.info), stats, state.rates.windowMs, parseLatencyStats(sample.info));
      state.activity = activity === null ? null : othersActivity(activity, own, this.inFlightAllowance());
    }
    if (state.rates?.reset === true || state.activity === null) state.commandSamples = [];
    state.commandSamples.push({ at: sample.at, stats, own: sample.own });
    // Keep the newest sample that is at least a window old as the base, and everything after it.
    while (state.commandSamples.length > 2 && sample.at - state.commandSamples[1]!.at >= this.commandWindowMs) state.commandSamples.shift();
    state.last = sample;
    state.figures = readMemoryFigures(sample.info, state.config?.value);
    state.status = 'up';
    state.error = null;
    state.downSince = null;
    state.failures = 0;
  }

  private fail(state: NodeState, error: CachectlError): void {
    state.status = 'down';
    state.error = error;
    state.downSince ??= Date.now();
    state.failures += 1;
    state.retryAt = this.now() + backoffDelayMs(state.failures, { baseMs: this.options.refreshMs, maxMs: this.maxBackoffMs });
    // The next answer starts a new baseline: rates across the gap would smear the outage.
    state.last = null;
    state.figures = null;
    state.rates = null;
    state.activity = null;
    state.commandSamples = [];
    state.config = null;
  }

  private startDetail(state: NodeState): void {
    if (state.detailPending !== null || state.status !== 'up') return;
    state.detailPending = this.fetchDetail(state).finally(() => {
      state.detailPending = null;
    });
  }

  /** SLOWLOG and (now and then) CONFIG GET for the detail view's node; refusals become notes. */
  private async fetchDetail(state: NodeState): Promise<void> {
    const notes: string[] = [];
    let slowlog: SlowlogEntry[] = [];
    let slotStats: ShardSlotStats | null = null;
    try {
      const client = await state.handle.ready();
      if (state.handle.role === 'master' && state.handle.slots.length > 0) {
        const keys = state.last === null ? 0 : parseKeyspace(state.last.info).reduce((sum, db) => sum + db.keys, 0);
        slotStats = await readShardSlotStats(client, keys);
      }
      try {
        slowlog = parseSlowlog(await client.call('SLOWLOG', 'GET', this.slowlogEntries));
      } catch (error) {
        notes.push(`SLOWLOG GET failed: ${state.handle.translate(error).message}`);
      }
      if (state.config === null || this.now() - state.config.at >= CONFIG_TTL_MS) {
        try {
          // Two calls: Redis 6.2 takes one pattern per CONFIG GET.
          const [limits, defrag] = await Promise.all([client.call('CONFIG', 'GET', 'maxmemory*'), client.call('CONFIG', 'GET', 'activedefrag')]);
          state.config = { value: { ...parseMemoryConfig(limits), ...parseMemoryConfig(defrag) }, at: this.now(), note: null };
        } catch (error) {
          const reason = state.handle.translate(error).message;
          state.config = { value: undefined, at: this.now(), note: `CONFIG GET failed (${reason}): maxmemory and policy read from INFO` };
        }
      }
    } catch (error) {
      notes.push(state.handle.translate(error).message);
    }
    if (state.config?.note != null) notes.push(state.config.note);
    if (this.closed) return;
    const last = state.last;
    const figures = last === null ? null : readMemoryFigures(last.info, state.config?.value);
    const role = figures?.replication.role ?? (state.handle.role === 'replica' ? 'replica' : 'master');
    const base = state.commandSamples[0];
    const newest = state.commandSamples[state.commandSamples.length - 1];
    const windowMs = base !== undefined && newest !== undefined && newest !== base ? newest.at - base.at : null;
    const activity =
      base !== undefined && newest !== undefined && windowMs !== null && last !== null
        ? othersActivity(commandActivity(base.stats, newest.stats, windowMs, parseLatencyStats(last.info)) ?? [], countsSince(base.own, newest.own), this.inFlightAllowance())
        : [];
    state.detail = {
      address: state.handle.address,
      windowMs,
      topByCalls: activity.slice(0, this.topCommands),
      topByTime: byTime(activity, this.topCommands),
      slowlog,
      findings: figures === null ? [] : memoryFindings({ address: state.handle.address, role, figures, rates: state.rates }),
      notes,
      slotStats,
    };
  }

  /**
   * The probe has at most one PING on the wire: whether the server ran it before or after an INFO
   * is not known, so one PING more than counted is still the probe's.
   */
  private inFlightAllowance(): ReadonlyMap<string, number> {
    return this.probe === null ? new Map() : new Map([['ping', 1]]);
  }

  private snapshot(focus: NodeState | undefined): DashboardSnapshot {
    const now = this.now();
    const states = [...this.nodes.values()];
    const rows = new Map(states.map((state) => [state.handle.address, this.row(state, now)]));
    fillReplicaLag(rows, this.nodes);
    const ordered = orderRows([...rows.values()], (address) => this.nodes.get(address)?.order ?? 0);
    const up = states.filter((state) => state.status === 'up');

    const nodeHistory: Record<string, History> = {};
    for (const state of states) {
      const row = rows.get(state.handle.address)!;
      const fresh = row.status === 'up' && !row.stale;
      state.history.opsPerSec.push(fresh ? row.opsPerSec : null);
      state.history.hitRate.push(fresh ? row.hitRate : null);
      state.history.p99Ms.push(row.latency.p99Ms);
      nodeHistory[state.handle.address] = historyOf(state.history);
    }
    const totals = this.totals(ordered, up);
    this.total.opsPerSec.push(totals.opsPerSec);
    this.total.hitRate.push(totals.hitRate);
    this.total.p99Ms.push(totals.p99Ms);

    let detail: NodeDetail | null = null;
    if (focus !== undefined) {
      detail =
        focus.status === 'down'
          ? { address: focus.handle.address, windowMs: null, topByCalls: [], topByTime: [], slowlog: [], findings: [nodeDownFinding(focus.handle.address, focus.error?.message ?? 'no answer')], notes: [], slotStats: null }
          : focus.detail;
    }
    this.seq += 1;
    const versions = [...new Set(up.flatMap((state) => (state.figures?.server == null ? [] : [state.figures.server])))].sort();
    return {
      seq: this.seq,
      takenAt: new Date().toISOString(),
      refreshMs: this.options.refreshMs,
      topology: { kind: this.topology.kind, versions },
      totals,
      cachectl: { eventLoopLag: this.lag?.read() ?? null },
      nodes: ordered,
      history: { total: historyOf(this.total), nodes: nodeHistory },
      detail,
    };
  }

  private row(state: NodeState, now: number): NodeRow {
    const { handle, figures, rates, last } = state;
    const latency = this.probe?.stats(handle.address) ?? emptyLatency();
    const info = last?.info;
    const role = figures?.replication.role ?? (handle.role === 'replica' ? 'replica' : 'master');
    const masterHost = info === undefined ? undefined : infoString(info, 'replication', 'master_host');
    const masterPort = info === undefined ? undefined : infoNumber(info, 'replication', 'master_port');
    const masterFromTopology = handle.masterId === undefined ? null : ([...this.nodes.values()].find((other) => other.handle.id === handle.masterId)?.handle.address ?? handle.masterId);
    const down = state.status === 'down';
    return {
      address: handle.address,
      id: handle.id === '' ? handle.address : handle.id,
      role,
      master: role === 'replica' ? (masterHost !== undefined && masterPort !== undefined ? `${masterHost}:${masterPort}` : masterFromTopology) : null,
      status: state.status,
      stale: !down && state.pending !== null && last !== null,
      sampledAt: last === null ? null : new Date(last.wallAt).toISOString(),
      error: state.error === null ? null : { code: state.error.code, message: state.error.message },
      downSince: state.downSince === null ? null : new Date(state.downSince).toISOString(),
      retryInMs: down ? Math.max(0, Math.round(state.retryAt - now)) : null,
      version: figures?.server ?? null,
      uptimeSeconds: figures?.uptimeSeconds ?? null,
      windowMs: rates?.windowMs ?? null,
      opsPerSec: rates?.opsPerSec ?? null,
      hitRate: rates?.hitRate ?? null,
      lookups: rates?.lookups ?? null,
      evictionsPerSec: rates?.evictionsPerSec ?? null,
      expiredPerSec: rates?.expirationsPerSec ?? null,
      usedBytes: figures?.usedBytes ?? null,
      maxmemoryBytes: figures?.maxmemoryBytes ?? null,
      memoryUsage: figures?.maxmemoryUsage ?? null,
      fragmentationRatio: figures?.fragmentation.ratio ?? null,
      fragmentationBytes: figures?.fragmentation.bytes ?? null,
      keys: figures?.keys ?? null,
      connectedClients: info === undefined ? null : (infoNumber(info, 'clients', 'connected_clients') ?? null),
      blockedClients: info === undefined ? null : (infoNumber(info, 'clients', 'blocked_clients') ?? null),
      replication: {
        linkStatus: role === 'replica' ? (figures?.replication.linkStatus ?? null) : null,
        lagSeconds: role === 'replica' ? (figures?.replication.lastIoSecondsAgo ?? null) : null,
        lagBytes: null,
      },
      latency,
      serverLatency: serverLatency(state.activity, info),
    };
  }

  private totals(rows: readonly NodeRow[], up: readonly NodeState[]): DashboardTotals {
    const rates = combineInfoRates(up.flatMap((state) => (state.rates === null ? [] : [state.rates])));
    const upRows = rows.filter((row) => row.status === 'up');
    const limited = upRows.length > 0 && upRows.every((row) => (row.maxmemoryBytes ?? 0) > 0);
    const p99s = upRows.flatMap((row) => (row.latency.p99Ms === null ? [] : [row.latency.p99Ms]));
    return {
      nodes: rows.length,
      up: upRows.length,
      down: rows.length - upRows.length,
      opsPerSec: rates?.opsPerSec ?? null,
      hitRate: rates?.hitRate ?? null,
      lookups: rates?.lookups ?? null,
      evictionsPerSec: rates?.evictionsPerSec ?? null,
      expiredPerSec: rates?.expirationsPerSec ?? null,
      usedBytes: sum(upRows, (row) => row.usedBytes),
      maxmemoryBytes: limited ? sum(upRows, (row) => row.maxmemoryBytes) : null,
      keys: sum(upRows.filter((row) => row.role === 'master'), (row) => row.keys),
      connectedClients: sum(upRows, (row) => row.connectedClients),
      blockedClients: sum(upRows, (row) => row.blockedClients),
      p99Ms: p99s.length === 0 ? null : Math.max(...p99s),
    };
  }
}

/** Resolves when every promise has settled, the deadline passes, or the signal aborts. */
async function waitAll(promises: readonly (Promise<void> | null)[], deadlineMs: number, signal?: AbortSignal): Promise<void> {
  const live = promises.filter((promise): promise is Promise<void> => promise !== null);
  if (live.length === 0 || signal?.aborted === true) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  await Promise.race([
    Promise.allSettled(live),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
      onAbort = resolve;
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  ]);
  clearTimeout(timer);
  if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
}

/** Redis 6 answers a multi-section INFO with a syntax error. */
function refusesSections(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError' && /syntax error|wrong number of arguments/i.test(error.message);
}

function serverLatency(activity: CommandActivity[] | null, info: InfoSections | undefined): ServerLatency {
  const hasLatencyStats = info?.has('latencystats') === true && (info.get('latencystats')?.size ?? 0) > 0;
  // The activity is everyone's but cachectl's (othersActivity): another client's INFO still shows.
  const busiest = activity?.[0] ?? null;
  return {
    usecPerCall: activity === null ? null : meanUsecPerCall(activity),
    busiestCommand: busiest?.command ?? null,
    p50Us: busiest?.p50Us ?? null,
    p99Us: busiest?.p99Us ?? null,
    p999Us: busiest?.p999Us ?? null,
    source: info === undefined ? null : hasLatencyStats ? 'latencystats' : 'commandstats',
  };
}

/** A replica's lag as its master sees it: seconds since its last ack, and bytes not yet acknowledged. */
function fillReplicaLag(rows: Map<string, NodeRow>, states: ReadonlyMap<string, NodeState>): void {
  for (const row of rows.values()) {
    if (row.role !== 'replica' || row.master === null || row.status !== 'up') continue;
    const link = states.get(row.master)?.figures?.replication.replicas.find((replica) => replica.address === row.address);
    if (link === undefined) continue;
    if (link.lagSeconds !== null) row.replication.lagSeconds = link.lagSeconds;
    row.replication.lagBytes = link.offsetLagBytes;
  }
}

/** Masters in discovery order, each followed by its replicas; replicas of an unknown master last. */
function orderRows(rows: NodeRow[], order: (address: string) => number): NodeRow[] {
  const byOrder = [...rows].sort((a, b) => order(a.address) - order(b.address));
  const masters = byOrder.filter((row) => row.role === 'master');
  const placed = new Set<string>();
  const out: NodeRow[] = [];
  for (const master of masters) {
    out.push(master);
    placed.add(master.address);
    for (const replica of byOrder) {
      if (replica.role === 'replica' && replica.master === master.address) {
        out.push(replica);
        placed.add(replica.address);
      }
    }
  }
  for (const row of byOrder) if (!placed.has(row.address)) out.push(row);
  return out;
}

function historyOf(rings: History3): History {
  return { opsPerSec: rings.opsPerSec.toArray(), hitRate: rings.hitRate.toArray(), p99Ms: rings.p99Ms.toArray() };
}

function sum<T>(items: readonly T[], pick: (item: T) => number | null): number | null {
  let total = 0;
  let any = false;
  for (const item of items) {
    const value = pick(item);
    if (value === null) continue;
    total += value;
    any = true;
  }
  return any ? total : null;
}

function emptyLatency(): LatencyStats {
  return { samples: 0, errors: 0, p50Ms: null, p99Ms: null, maxMs: null, histogram: [], lastError: null, waitingMs: null, windowMs: 0 };
}
