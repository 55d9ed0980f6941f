// The plan's scan of a single master, split into two cursor ranges scanned at once, so the server
// always has the next SCAN waiting while the client is still receiving the last one (one cursor
// leaves the server idle for a round trip after every batch, which on a busy machine is most of
// the wall time). Cluster masters are already scanned at once, one cursor each.
//
// SCAN visits a node's table in reverse-binary cursor order: reading a cursor's bits backwards,
// the cursors of one iteration only ever grow, whatever the table's size and across resizes
// (that is how SCAN keeps its guarantee). So the cursors whose lowest `bits` bits, read backwards,
// are k form the k-th of 2^bits consecutive stretches of the iteration: a range starts at the
// cursor k with its bits reversed and ends at the first cursor of a later stretch (or 0). Every
// key present throughout is returned by at least one range, as by one plain iteration; a key near
// a range's end can come twice (the last SCAN of a range runs a little into the next), which the
// plan's key spool drops like any key SCAN returns twice. (A plan too large for memory spills to a
// file and no longer drops repeats: such a key is planned twice, and its second UNLINK counts it as
// already gone — as for SCAN's own repeats while a table resizes.)
//
// Only where one table holds the database: a Cluster node of Redis 7.4+/Valkey 8 keeps one table
// per slot and puts the slot in the cursor's low bits, so a Cluster is never split here.

import type { Topology } from '../../connection/topology.js';
import type { ScanEvent, ScanOptions } from '../scan/scan.js';
import { mergeBounded, scanKeys } from '../scan/scan.js';

/**
 * Ranges per master at full speed. Measured on 1.1M keys on a busy 2-core machine (load 5): one
 * cursor 3.2 s, two 2.0 s, four 1.7 s; a PING's p99 during the scan stayed at 9-11 ms with two
 * (as with one) but rose to 17 ms with four, since queued SCANs run back to back.
 */
export const PLAN_SCAN_RANGES = 2;

/** The `bits`-bit cursor that starts range `k` (k's bits reversed), and the range a cursor is in. */
export function rangeStart(k: number, bits: number): bigint {
  return reverseBits(BigInt(k), bits);
}

export function rangeOf(cursor: bigint, bits: number): number {
  return Number(reverseBits(cursor & ((1n << BigInt(bits)) - 1n), bits));
}

function reverseBits(value: bigint, bits: number): bigint {
  let out = 0n;
  for (let i = 0; i < bits; i += 1) out |= ((value >> BigInt(i)) & 1n) << BigInt(bits - 1 - i);
  return out;
}

/**
 * scanKeys for a purge plan: on a single master at full speed, `ranges` (a power of two) cursor
 * ranges at once, their events merged so the consumer sees one scan of the node (one node-start,
 * one node-done). If the node fails over mid-scan, the ranges stop, a node-restart is passed on
 * (the plan forgets what it had) and the node is scanned again with one cursor, where the scan
 * engine's own restart handling applies.
 */
export async function* planScanKeys(topology: Topology, options: ScanOptions, ranges = PLAN_SCAN_RANGES): AsyncGenerator<ScanEvent> {
  const bits = Math.round(Math.log2(Math.max(1, ranges)));
  if (bits === 0 || topology.kind === 'cluster' || options.rate !== undefined || options.limit !== undefined || topology.masters().length !== 1) {
    yield* scanKeys(topology, options);
    return;
  }
  const stop = new AbortController();
  const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
  const count = 1 << bits;
  const sources = Array.from({ length: count }, (_, k) =>
    scanKeys(topology, {
      ...options,
      signal,
      cursorRange: { start: rangeStart(k, bits).toString(), endsAt: (cursor) => rangeOf(BigInt(cursor), bits) !== k },
    }),
  );
  let started = false;
  let done = 0;
  let scanned = 0;
  const notices = new Set<string>();
  let restart: Extract<ScanEvent, { kind: 'node-restart' }> | undefined;
  try {
    for await (const event of mergeBounded(sources, count, signal)) {
      if (event.kind === 'node-start') {
        if (started) continue;
        started = true;
      } else if (event.kind === 'node-done') {
        done += 1;
        scanned += event.scanned;
        if (done < count) continue;
        yield { ...event, scanned };
        continue;
      } else if (event.kind === 'notice') {
        if (notices.has(event.message)) continue;
        notices.add(event.message);
      } else if (event.kind === 'node-restart') {
        restart = event;
        break;
      } else if (event.kind === 'node-failed') {
        yield event;
        break;
      }
      yield event;
    }
  } finally {
    stop.abort();
  }
  if (restart === undefined || options.signal?.aborted === true) return;
  yield restart;
  yield* scanKeys(topology, options);
}
