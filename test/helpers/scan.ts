// Opens cachectl topologies on the test fixtures and runs scans to completion, collecting what
// the scan engine reported, for integration tests of the scan engine and what builds on it.

import { randomBytes } from 'node:crypto';
import { connect } from '../../src/connection/connect.js';
import type { ConnectionOptions, Endpoint } from '../../src/connection/options.js';
import { defaultConnectionOptions } from '../../src/connection/options.js';
import type { Topology } from '../../src/connection/topology.js';
import type { ScanEvent, ScanOptions } from '../../src/core/scan/scan.js';
import { scanKeys } from '../../src/core/scan/scan.js';
import { KEY_TYPES } from '../../src/core/scan/scan-batch.js';
import type { KeyType } from '../../src/core/scan/scan-batch.js';

export type TopologySpec =
  | { kind: 'single'; endpoint: Endpoint }
  | { kind: 'cluster'; seeds: Endpoint[] }
  | { kind: 'sentinel'; sentinels: Endpoint[]; masterName: string };

export async function openTopology(spec: TopologySpec, extra: Partial<ConnectionOptions> = {}): Promise<Topology> {
  const options: ConnectionOptions = { ...defaultConnectionOptions(), timeoutMs: 3_000, clientName: 'cachectl-test', ...extra };
  if (spec.kind === 'single') {
    options.endpoints = [spec.endpoint];
    options.mode = 'standalone';
  } else if (spec.kind === 'cluster') {
    options.endpoints = spec.seeds;
    options.mode = 'cluster';
  } else {
    options.mode = 'sentinel';
    options.sentinels = spec.sentinels;
    options.masterName = spec.masterName;
  }
  return connect(options);
}

export interface ScannedKey {
  type: KeyType;
  ttl: number;
  memory: number;
  node: string;
}

export interface ScanOutcome {
  events: Exclude<ScanEvent, { kind: 'batch' }>[];
  /** Every key reported, by hex of its bytes (a key reported twice is a bug, kept as the count). */
  keys: Map<string, ScannedKey>;
  reported: number;
  batches: number;
  maxServerMicros: number;
}

/** Runs a scan to the end; batches are reduced to one record per key. */
export async function runScan(topology: Topology, options: ScanOptions, onBatch?: (reported: number) => void): Promise<ScanOutcome> {
  const outcome: ScanOutcome = { events: [], keys: new Map(), reported: 0, batches: 0, maxServerMicros: -Infinity };
  for await (const event of scanKeys(topology, options)) {
    if (event.kind !== 'batch') {
      outcome.events.push(event);
      continue;
    }
    const { batch } = event;
    outcome.batches += 1;
    outcome.maxServerMicros = Math.max(outcome.maxServerMicros, batch.serverMicros);
    for (let i = 0; i < batch.size; i += 1) {
      outcome.keys.set(batch.keys[i]!.toString('hex'), { type: KEY_TYPES[batch.types[i]!]!, ttl: batch.ttls[i]!, memory: batch.memory[i]!, node: event.node });
    }
    outcome.reported += batch.size;
    onBatch?.(outcome.reported);
  }
  return outcome;
}

/** A key prefix no other test file or run uses: letters only, so it stays one namespace word. */
export function uniquePrefix(label: string): string {
  const letters = [...randomBytes(8)].map((byte) => String.fromCharCode(0x61 + (byte % 26))).join('');
  return `${label}${letters}`;
}

export const hexOf = (key: Buffer | string): string => (typeof key === 'string' ? Buffer.from(key, 'utf8') : key).toString('hex');
