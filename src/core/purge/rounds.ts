// A plan's keys read back as execution rounds: the unit of abort, pacing and backup fsync. A round
// takes keys from every shard's spool in turn, so all masters work at once, and (with a backup) ends
// early at a byte budget so DUMP replies stay manageable.

import type { Topology } from '../../connection/topology.js';
import type { KeyItem } from './key-commands.js';
import { slotOf } from './key-commands.js';
import type { PurgePlan } from './plan.js';
import type { SettledKey } from './tally.js';

export interface Entry extends KeyItem, SettledKey {
  backedUp: boolean;
  /** Send alone (the slot is migrating and a multi-key command was refused). */
  single: boolean;
}

export interface RoundLimits {
  keys: number;
  /** Planned memory per round; Infinity for no limit. */
  bytes: number;
  /** Counted for keys whose size the plan did not measure. */
  averageBytes: number;
}

export function* planRounds(topology: Topology, plan: PurgePlan, include: (entry: Entry) => boolean, limits: RoundLimits): Generator<Entry[]> {
  const spools = plan.spools;
  const share = Math.max(1, Math.ceil(limits.keys / Math.max(1, spools.length)));
  const readers = spools.map((spool) => spool.chunks(share));
  let active = readers.length;
  const done = new Set<number>();
  while (active > 0) {
    let round: Entry[] = [];
    let bytes = 0;
    for (let r = 0; r < readers.length; r += 1) {
      if (done.has(r)) continue;
      const next = readers[r]!.next();
      if (next.done === true) {
        done.add(r);
        active -= 1;
        continue;
      }
      const { keys, memory } = next.value;
      for (let i = 0; i < keys.length; i += 1) {
        const key = keys[i]!;
        const entry: Entry = { key, slot: slotOf(topology, key), memory: memory[i]!, doubt: false, backedUp: false, single: false };
        if (!include(entry)) continue;
        round.push(entry);
        bytes += entry.memory >= 0 ? entry.memory : limits.averageBytes;
        if (bytes >= limits.bytes) {
          yield round;
          round = [];
          bytes = 0;
        }
      }
    }
    if (round.length > 0) yield round;
  }
}
