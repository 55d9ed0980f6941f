// Samples one master for the traffic window: a MONITOR connection for every command, a subscriber
// for key-miss notifications, and a watch on the monitor connection's output buffer on the server
// (MONITOR copies every command to us; a reader that falls behind must never grow the server's memory).

import type { Redis } from 'ioredis';
import { CachectlError } from '../../base/errors.js';
import { infoNumber, parseInfo } from '../../base/info.js';
import type { NodeHandle } from '../../connection/topology.js';
import { closeClient } from '../../connection/topology.js';
import type { CommandSpec } from './command-table.js';
import { commandSpec, fallbackSpec, parseCommandInfo } from './command-table.js';
import { parseMonitorLine } from './monitor-line.js';
import type { MonitorStream } from './monitor-stream.js';
import { openMonitor } from './monitor-stream.js';
import type { ChangedSetting, RestoreState } from './miss-events.js';
import { manualRestoreCommand, missEventsOn, readNotifyFlags, restoreSetting, withMissEvents } from './miss-events.js';
import type { TrafficStats } from './traffic-stats.js';

export type MissEventsState = 'on' | 'enabled' | 'off';

export interface NodeTraffic {
  address: string;
  /** instantaneous_ops_per_sec before sampling. */
  opsPerSecBefore: number | null;
  /** Commands seen on MONITOR, cachectl's own excluded. */
  commands: number;
  /** cachectl's own commands left out. */
  own: number;
  /** Lines that could not be parsed (counted, never guessed at). */
  malformed: number;
  missEvents: MissEventsState;
  /** Why key-miss events are off, when they are. */
  missEventsReason?: string;
  missEventsSeen: number;
  /** Largest output buffer (omem) the server held for the monitor connection, in bytes (null: not watched). */
  peakBufferBytes: number | null;
  /** Set when sampling this node stopped before the window ended, and why. */
  stoppedEarly?: string;
  /** For a node where cachectl changed notify-keyspace-events: how putting it back went. */
  restore?: { outcome: 'restored' | 'changed-since' | 'failed'; reason?: string; manual?: string };
}

export interface NodeSamplerOptions {
  db: number;
  enableMissEvents: boolean;
  restoreState: RestoreState | undefined;
  maxBufferBytes: number;
  /** How often the monitor connection's buffer is checked. */
  watchIntervalMs: number;
}

/**
 * The output the server holds for a client, from its CLIENT LIST line: `omem` (replies not yet
 * sent), which stays 0 while cachectl keeps up and grows only when it falls behind.
 */
export function outputBufferBytes(clientListLine: string): number | undefined {
  const match = /(?:^|\s)omem=(\d+)(?:\s|$)/.exec(clientListLine);
  return match === null ? undefined : Number(match[1]);
}

const MARKER_PREFIX = Buffer.from('cachectl-traffic-end:');
/** How long the end-of-window markers may take to come back before the sample is closed anyway. */
const MARKER_WAIT_MS = 3000;

/** MONITOR is not permitted on a node: `traffic` falls back to what INFO tells. */
export class MonitorRefusedError extends CachectlError {}

/** MONITOR refused (an ACL without +monitor, a managed service): say what still works. */
function monitorRefused(address: string, error: unknown): CachectlError {
  const reason = error instanceof Error ? error.message : String(error);
  if (/NOPERM|unknown command|no permissions/i.test(reason)) {
    return new MonitorRefusedError('NOPERM', `${address}: MONITOR is not permitted here (${reason.split('\n')[0]}); traffic cannot sample commands, so there are no per-namespace figures`, {
      hint: 'per-namespace figures need a user with +monitor; hot keys under an LFU policy: `cachectl bigkeys`; live node figures: `cachectl top`',
    });
  }
  return new CachectlError('SERVER', `${address}: MONITOR failed: ${reason}`);
}

/** host:port as Redis prints a client address (IPv6 in brackets). */
function socketAddress(client: Redis): string | undefined {
  const stream = (client as unknown as { stream?: { localAddress?: string; localPort?: number } }).stream;
  if (stream?.localAddress === undefined || stream.localPort === undefined) return undefined;
  const host = stream.localAddress.replace(/^::ffff:/, '');
  return host.includes(':') ? `[${host}]:${stream.localPort}` : `${host}:${stream.localPort}`;
}

export class NodeSampler {
  readonly result: NodeTraffic;
  private control: Redis | undefined;
  private subscriber: Redis | undefined;
  private monitorClient: Redis | undefined;
  private monitor: MonitorStream | undefined;
  private readonly own = new Set<string>();
  private readonly specs = new Map<string, CommandSpec | Promise<CommandSpec>>();
  private readonly pending = new Map<string, Buffer[][]>();
  private changed: ChangedSetting | undefined;
  private monitorId: string | undefined;
  private watch: NodeJS.Timeout | undefined;
  private sampling = false;
  /** Sent through both streams at the end of the window: what the server did before it is counted. */
  private readonly marker = Buffer.concat([MARKER_PREFIX, Buffer.from(`${process.pid}:${Math.random().toString(36).slice(2)}`)]);
  private readonly markerSeen: { monitor?: () => void; misses?: () => void } = {};

  constructor(
    private readonly node: NodeHandle,
    private readonly stats: TrafficStats,
    private readonly options: NodeSamplerOptions,
    private readonly stop: (reason: string) => void,
  ) {
    this.result = { address: node.address, opsPerSecBefore: null, commands: 0, own: 0, malformed: 0, missEvents: 'off', missEventsSeen: 0, peakBufferBytes: null };
  }

  /** Connects and reads the node's load, before anything is changed. */
  async readLoad(): Promise<void> {
    const control = await this.node.ready();
    this.control = control;
    const info = parseInfo(await control.info('stats'));
    this.result.opsPerSecBefore = infoNumber(info, 'stats', 'instantaneous_ops_per_sec') ?? null;
  }

  /** Reads the key-miss setting, turning it on for the window when allowed. */
  async prepareMissEvents(): Promise<void> {
    const control = this.control;
    if (control === undefined) throw new Error('readLoad() first');
    let flags: string;
    try {
      flags = await readNotifyFlags(control);
    } catch (error) {
      this.result.missEventsReason = `cannot read notify-keyspace-events (${(error as Error).message})`;
      return;
    }
    if (missEventsOn(flags)) {
      this.result.missEvents = 'on';
      return;
    }
    if (!this.options.enableMissEvents || this.options.restoreState === undefined) {
      this.result.missEventsReason = `notify-keyspace-events is '${flags}' (key-miss events off)`;
      return;
    }
    const wanted = withMissEvents(flags);
    const entry: ChangedSetting = { address: this.node.address, previous: flags, set: wanted, pid: process.pid, startedAt: new Date().toISOString() };
    // Recorded before the change: a cachectl killed right after CONFIG SET still knows what to undo.
    this.options.restoreState.add(entry);
    try {
      await control.call('CONFIG', 'SET', 'notify-keyspace-events', wanted);
    } catch (error) {
      this.options.restoreState.remove(this.node.address);
      this.result.missEventsReason = `cannot turn key-miss events on (${(error as Error).message})`;
      return;
    }
    // From here the server holds cachectl's change: it is put back whatever happens next.
    this.changed = entry;
    this.result.missEvents = 'enabled';
    try {
      // The server reports the flags in its own order; restoring compares against that form.
      entry.set = await readNotifyFlags(control);
      this.options.restoreState.add(entry);
    } catch {
      // entry.set stays the value sent; the state file already records it
    }
  }

  /** Subscribes to key misses and starts MONITOR; from here on, every command counts. */
  async start(): Promise<void> {
    const control = this.control;
    if (control === undefined) throw new Error('readLoad() first');
    const ownControl = socketAddress(control);
    if (ownControl !== undefined) this.own.add(ownControl);
    if (this.result.missEvents !== 'off') await this.subscribeMisses();
    const monitorClient = this.node.newClient();
    this.monitorClient = monitorClient;
    await monitorClient.connect();
    try {
      this.monitor = await openMonitor(
        monitorClient,
        (line) => {
          if (this.sampling) this.onLine(line);
        },
        (reason) => {
          if (this.sampling) this.stop(`${this.node.address}: ${reason}`);
        },
      );
    } catch (error) {
      throw monitorRefused(this.node.address, error);
    }
    this.sampling = true;
    await this.findMonitorId(monitorClient);
    this.watch = setInterval(() => void this.checkBuffer(), this.options.watchIntervalMs);
    this.watch.unref();
  }

  private async subscribeMisses(): Promise<void> {
    const subscriber = this.node.newClient();
    this.subscriber = subscriber;
    try {
      await subscriber.connect();
      const ownSubscriber = socketAddress(subscriber);
      if (ownSubscriber !== undefined) this.own.add(ownSubscriber);
      subscriber.on('messageBuffer', (_channel: Buffer, key: Buffer) => {
        if (!this.sampling) return;
        if (key.subarray(0, MARKER_PREFIX.length).equals(MARKER_PREFIX)) {
          if (key.equals(this.marker)) this.markerSeen.misses?.();
          return;
        }
        this.result.missEventsSeen += 1;
        this.stats.addMiss(key, performance.now());
      });
      await subscriber.subscribe(`__keyevent@${this.options.db}__:keymiss`);
    } catch (error) {
      // Sampling goes on without hit rates; a setting turned on for nothing is put back at the end.
      this.result.missEvents = 'off';
      this.result.missEventsReason = `cannot subscribe to key-miss events (${(error as Error).message})`;
      this.subscriber = undefined;
      await closeClient(subscriber);
    }
  }

  private async findMonitorId(monitor: Redis): Promise<void> {
    const address = socketAddress(monitor);
    if (address === undefined || this.control === undefined) return;
    try {
      const clients = Number(infoNumber(parseInfo(await this.control.info('clients')), 'clients', 'connected_clients') ?? 0);
      // CLIENT LIST is linear in the number of clients: look once, and only where that is cheap.
      if (clients > 5000) return;
      const list = String(await this.control.call('CLIENT', 'LIST', 'TYPE', 'normal'));
      const line = list.split('\n').find((entry) => entry.includes(` addr=${address} `));
      this.monitorId = /(?:^|\s)id=(\d+)/.exec(line ?? '')?.[1];
    } catch {
      // CLIENT not permitted: the buffer is not watched, and the report says so (peakBufferBytes null).
    }
  }

  private async checkBuffer(): Promise<void> {
    if (this.monitorId === undefined || this.control === undefined || !this.sampling) return;
    try {
      const bytes = outputBufferBytes(String(await this.control.call('CLIENT', 'LIST', 'ID', this.monitorId)));
      if (bytes === undefined) return;
      this.result.peakBufferBytes = Math.max(this.result.peakBufferBytes ?? 0, bytes);
      if (bytes > this.options.maxBufferBytes) {
        this.stop(`${this.node.address}: the server held ${bytes} bytes for the monitor connection (limit ${this.options.maxBufferBytes}); sampling stopped so cachectl never grows the server's memory`);
      }
    } catch {
      // a failed check is retried on the next tick
    }
  }

  private onLine(line: string): void {
    const entry = parseMonitorLine(line);
    if (entry === undefined || entry.args[0] === undefined) {
      this.result.malformed += 1;
      return;
    }
    if (this.own.has(entry.source)) {
      if (entry.args.length === 2 && entry.args[1]!.equals(this.marker)) this.markerSeen.monitor?.();
      this.result.own += 1;
      return;
    }
    if (entry.db !== this.options.db) return;
    this.result.commands += 1;
    const name = entry.args[0].toString('latin1').toLowerCase();
    const spec = this.specs.get(name);
    if (spec !== undefined && !(spec instanceof Promise)) {
      this.stats.addCommand(spec, entry.args);
      return;
    }
    // The first time a command is seen, the server is asked about it; its lines wait for the answer.
    const waiting = this.pending.get(name);
    if (waiting !== undefined) {
      waiting.push(entry.args);
      return;
    }
    this.pending.set(name, [entry.args]);
    const asked = this.lookup(name);
    this.specs.set(name, asked);
    void asked.then((resolved) => {
      this.specs.set(name, resolved);
      for (const args of this.pending.get(name) ?? []) this.stats.addCommand(resolved, args);
      this.pending.delete(name);
    });
  }

  private async lookup(name: string): Promise<CommandSpec> {
    try {
      const reply = (await this.control?.call('COMMAND', 'INFO', name)) as unknown[] | undefined;
      const info = parseCommandInfo(reply?.[0]);
      return info === undefined ? fallbackSpec(name) : commandSpec(info);
    } catch {
      return fallbackSpec(name);
    }
  }

  /** Waits for answers about commands seen last, so no sampled line is left uncounted. */
  async drain(): Promise<void> {
    await Promise.all([...this.specs.values()].filter((spec) => spec instanceof Promise));
  }

  /**
   * Ends the window exactly: sends a marker through MONITOR (ECHO) and through the key-miss channel
   * (PUBLISH) and keeps counting until both come back, so every command the server ran before the end
   * is counted, however far behind the streams were. Gives up after MARKER_WAIT_MS.
   */
  async finish(): Promise<void> {
    const control = this.control;
    if (!this.sampling || control === undefined) return;
    const seen = (which: 'monitor' | 'misses') =>
      new Promise<void>((resolve) => {
        this.markerSeen[which] = resolve;
      });
    const waits = [seen('monitor')];
    if (this.subscriber !== undefined) waits.push(seen('misses'));
    try {
      await control.echo(this.marker);
      if (this.subscriber !== undefined) await control.publish(`__keyevent@${this.options.db}__:keymiss`, this.marker);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, MARKER_WAIT_MS);
      });
      await Promise.race([Promise.all(waits), timeout]);
      clearTimeout(timer);
    } catch {
      // the connection is gone: what arrived is what there is
    }
  }

  /** Stops counting and closes the sampling connections; idempotent. */
  async end(): Promise<void> {
    this.sampling = false;
    if (this.watch !== undefined) clearInterval(this.watch);
    this.watch = undefined;
    const closing: Promise<void>[] = [];
    this.monitor?.close();
    this.monitor = undefined;
    this.monitorClient?.disconnect();
    this.monitorClient = undefined;
    if (this.subscriber !== undefined) closing.push(closeClient(this.subscriber));
    this.subscriber = undefined;
    await Promise.all(closing);
  }

  /** Puts notify-keyspace-events back if this run changed it; never throws. */
  async restore(): Promise<void> {
    const entry = this.changed;
    if (entry === undefined) return;
    let client = this.control;
    let fresh: Redis | undefined;
    if (client === undefined || client.status !== 'ready') {
      fresh = this.node.newClient();
      client = fresh;
    }
    let outcome = await restoreSetting(client, entry);
    if (outcome.outcome === 'failed' && fresh === undefined) {
      // The shared connection may be the thing that broke: one more try on a new one.
      fresh = this.node.newClient();
      outcome = await restoreSetting(fresh, entry);
    }
    if (fresh !== undefined) await closeClient(fresh);
    if (outcome.outcome === 'failed') {
      this.result.restore = { ...outcome, manual: manualRestoreCommand(entry) };
      return;
    }
    this.result.restore = outcome;
    this.changed = undefined;
    this.options.restoreState?.remove(entry.address);
  }
}
