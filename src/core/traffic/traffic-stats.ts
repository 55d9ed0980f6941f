// Aggregates sampled commands and key misses into traffic per namespace: reads, writes, misses,
// hit rate, the hottest keys, stampedes (one key missed again and again within a second) and
// write-heavy keys. Memory is bounded by the number of namespaces and a few fixed-size tables,
// never by the number of keys or commands seen.

import type { NamespaceOptions } from '../namespaces/namespace-key.js';
import { namespaceSegments } from '../namespaces/namespace-key.js';
import type { CommandClass, CommandSpec } from './command-table.js';
import { HeavyHitters } from './heavy-hitters.js';

/** Beyond this many namespaces, new ones are counted under OVERFLOW. */
export const MAX_TRAFFIC_NAMESPACES = 10_000;
export const OVERFLOW = '{other}';
/** Keys whose misses are followed second by second, for stampede detection. */
const MAX_MISS_TRACKED = 50_000;
const MAX_STAMPEDES = 100;

export interface TrafficStatsOptions {
  namespaces: NamespaceOptions;
  /** A key missed at least this many times within one second is a stampede candidate. */
  stampedeMisses: number;
}

export class NamespaceTraffic {
  reads = 0;
  writes = 0;
  deletes = 0;
  expires = 0;
  other = 0;
  misses = 0;
  /** SET-family writes that gave the key no TTL. */
  writesWithoutTtl = 0;
  writesWithTtl = 0;

  get ops(): number {
    return this.reads + this.writes + this.deletes + this.expires + this.other;
  }
}

export interface Stampede {
  key: Buffer;
  namespace: string;
  /** Most misses of this key within one second. */
  peakMissesPerSecond: number;
  /** All misses of this key in the window. */
  misses: number;
}

interface MissTrack {
  second: number;
  inSecond: number;
  peak: number;
  total: number;
}

export class TrafficStats {
  readonly namespaces = new Map<string, NamespaceTraffic>();
  readonly accesses = new HeavyHitters(1000);
  readonly readKeys = new HeavyHitters(1000);
  readonly writtenKeys = new HeavyHitters(1000);
  /** Commands that name no key (PING, INFO, SCAN…), by class. */
  keyless = 0;
  private readonly missTrack = new Map<string, MissTrack>();
  private readonly stampedes = new Map<string, Stampede>();

  constructor(private readonly options: TrafficStatsOptions) {}

  namespaceOf(key: Buffer): string {
    const { namespaces } = this.options;
    return namespaceSegments(key, namespaces).join(namespaces.delimiter);
  }

  private traffic(namespace: string): NamespaceTraffic {
    let entry = this.namespaces.get(namespace);
    if (entry !== undefined) return entry;
    if (this.namespaces.size >= MAX_TRAFFIC_NAMESPACES && namespace !== OVERFLOW) return this.traffic(OVERFLOW);
    entry = new NamespaceTraffic();
    this.namespaces.set(namespace, entry);
    return entry;
  }

  /** One sampled command: every key it names is counted once, under its class. */
  addCommand(spec: CommandSpec, args: readonly Buffer[]): void {
    const positions = spec.keys(args);
    if (positions.length === 0) {
      this.keyless += 1;
      return;
    }
    const withTtl = spec.setsTtl?.(args);
    for (const position of positions) {
      const key = args[position];
      if (key === undefined) continue;
      this.addKeyAccess(spec.class, key, withTtl);
    }
  }

  private addKeyAccess(kind: CommandClass, key: Buffer, withTtl: boolean | undefined): void {
    const entry = this.traffic(this.namespaceOf(key));
    this.accesses.add(key);
    switch (kind) {
      case 'read':
        entry.reads += 1;
        this.readKeys.add(key);
        break;
      case 'write':
        entry.writes += 1;
        this.writtenKeys.add(key);
        if (withTtl === true) entry.writesWithTtl += 1;
        else if (withTtl === false) entry.writesWithoutTtl += 1;
        break;
      case 'delete':
        entry.deletes += 1;
        break;
      case 'expire':
        entry.expires += 1;
        break;
      default:
        entry.other += 1;
    }
  }

  /** One keymiss notification, at `nowMs` on a monotonic clock. */
  addMiss(key: Buffer, nowMs: number): void {
    const namespace = this.namespaceOf(key);
    this.traffic(namespace).misses += 1;
    const second = Math.floor(nowMs / 1000);
    const id = key.toString('latin1');
    let track = this.missTrack.get(id);
    if (track === undefined) {
      if (this.missTrack.size >= MAX_MISS_TRACKED) this.forgetQuietKeys(second);
      if (this.missTrack.size >= MAX_MISS_TRACKED) return;
      track = { second, inSecond: 0, peak: 0, total: 0 };
      this.missTrack.set(id, track);
    }
    if (track.second !== second) {
      track.second = second;
      track.inSecond = 0;
    }
    track.inSecond += 1;
    track.total += 1;
    track.peak = Math.max(track.peak, track.inSecond);
    if (track.peak >= this.options.stampedeMisses) this.noteStampede(id, key, namespace, track);
  }

  private noteStampede(id: string, key: Buffer, namespace: string, track: MissTrack): void {
    const known = this.stampedes.get(id);
    if (known !== undefined) {
      known.peakMissesPerSecond = track.peak;
      known.misses = track.total;
      return;
    }
    if (this.stampedes.size >= MAX_STAMPEDES) return;
    this.stampedes.set(id, { key, namespace, peakMissesPerSecond: track.peak, misses: track.total });
  }

  /** Keys whose last miss is in an earlier second cannot reach a new peak unless missed again. */
  private forgetQuietKeys(second: number): void {
    for (const [id, track] of this.missTrack) {
      if (track.second < second && !this.stampedes.has(id)) this.missTrack.delete(id);
    }
  }

  stampedeList(): Stampede[] {
    return [...this.stampedes.values()].sort((a, b) => b.peakMissesPerSecond - a.peakMissesPerSecond || b.misses - a.misses);
  }
}
