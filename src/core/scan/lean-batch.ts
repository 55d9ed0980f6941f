// The per-key reads of a scan (readPerKey) over a lean RESP pipe of the node's own, with the next
// batches read ahead. Per key, the server then runs plain pipelined commands instead of redis.call
// inside a Lua script, which costs it about 30% fewer instructions (bench/README.md, "Where the
// server's time goes"); the pipe keeps the client's cost per command small enough that the server
// stays the bottleneck.

import type { RespPipe, RespValue } from '../../connection/resp-pipe.js';
import type { BatchRequest, KeyBatch, PerKeyExec, PerKeyState } from './scan-batch.js';
import { emptyBatch, readPerKey, scanCommand, UNKNOWN } from './scan-batch.js';

interface Started {
  request: BatchRequest;
  batch: Promise<KeyBatch>;
  /** The cursor SCAN returned, once it has. */
  next?: string;
  followed: boolean;
}

/**
 * Batches read ahead of the one the scan engine asked for (which itself keeps one more in flight
 * while a batch is consumed). With one ahead the server still waited for the client between
 * batches: on 1M keys (`keys`, type + TTL + memory, idle 2-core machine, alternating runs) two
 * ahead took 3.48-3.90 s against 4.17-4.42 s with one, for the same server CPU (3.04-3.42 s
 * against 3.15-3.27 s); three ahead measured the same as two. Each costs client memory in
 * proportion to COUNT (at most 500 keys here).
 */
const READ_AHEAD = 2;

export class LeanBatcher {
  readonly state: PerKeyState = { memoryAllowed: true };
  private readonly exec: PerKeyExec;
  /** Started, not yet asked for, in cursor order. */
  private ahead: Started[] = [];
  /** The batch started last: the next one follows its cursor. */
  private tail: Started | undefined;
  /** The last request asked for: a batch read ahead takes its (adapted) COUNT. */
  private latest: BatchRequest | undefined;

  /**
   * @param continues whether the scan goes on after a cursor (not 0, not the end of its range);
   *   undefined turns reading ahead off (--rate, --limit: no work beyond what is taken).
   */
  constructor(
    private readonly pipe: RespPipe,
    private readonly continues?: (cursor: string) => boolean,
  ) {
    this.exec = (commands, keys) => pipe.sendKeyCommands(commands, keys);
  }

  get memoryAllowed(): boolean {
    return this.state.memoryAllowed;
  }

  run(request: BatchRequest): Promise<KeyBatch> {
    this.latest = request;
    // A batch read ahead is taken even if COUNT has been adapted since: COUNT only sizes a batch.
    let started = this.ahead[0]?.request.cursor === request.cursor ? this.ahead.shift() : undefined;
    if (started === undefined) {
      this.ahead = [];
      started = this.start(request);
    }
    this.extend();
    return started.batch;
  }

  /**
   * Sends the batch's SCAN; when its reply comes, the next batch's SCAN goes out first (up to
   * READ_AHEAD batches ahead), then this batch's per-key commands. The next SCAN's reply thus
   * arrives while the server works through this batch, and the next batch's per-key commands
   * queue behind this one's: the server does not wait for the client between batches.
   */
  private start(request: BatchRequest): Started {
    const started: Started = { request, followed: false, batch: Promise.resolve(undefined as unknown as KeyBatch) };
    this.tail = started;
    // TIME on either side of SCAN (they run back to back, as one client's buffered commands do):
    // SCAN is the batch's only call whose cost grows with COUNT, and its server time sizes the
    // next batches as a script's does (serverMicros), so no call holds the server past the target.
    started.batch = this.pipe.send([['TIME'], scanCommand(request), ['TIME']]).then(async ([before, reply, after]) => {
      const [cursor, keys] = scanReply(reply);
      started.next = cursor;
      this.extend();
      const batch = emptyBatch(cursor, ownKeys(keys));
      batch.serverMicros = microsBetween(before, after);
      await readPerKey(this.exec, request, batch, this.state);
      return batch;
    });
    // A batch read ahead may never be asked for (the scan stopped): its failure is nobody's.
    started.batch.catch(() => {});
    return started;
  }

  /** Starts the batch after the last one started, once its cursor is known and while fewer than READ_AHEAD wait. */
  private extend(): void {
    const tail = this.tail;
    if (tail === undefined || tail.next === undefined || tail.followed || this.continues === undefined || this.ahead.length >= READ_AHEAD) return;
    tail.followed = true;
    if (tail.next === '0' || !this.continues(tail.next)) return;
    this.ahead.push(this.start({ ...(this.latest ?? tail.request), cursor: tail.next }));
  }
}

/** Microseconds between two TIME replies ([seconds, microseconds] as bulk strings); UNKNOWN if unreadable. */
function microsBetween(before: RespValue | undefined, after: RespValue | undefined): number {
  const micros = (time: RespValue | undefined) => (Array.isArray(time) && time.length === 2 ? Number(String(time[0])) * 1e6 + Number(String(time[1])) : NaN);
  const elapsed = micros(after) - micros(before);
  return Number.isFinite(elapsed) && elapsed >= 0 ? elapsed : UNKNOWN;
}

function scanReply(reply: RespValue | undefined): [string, Buffer[]] {
  if (reply instanceof Error) throw reply;
  if (!Array.isArray(reply) || !Buffer.isBuffer(reply[0]) || !Array.isArray(reply[1])) throw new Error('Protocol error: SCAN reply is not [cursor, keys]');
  return [reply[0].toString('latin1'), reply[1] as Buffer[]];
}

/**
 * One copy of the batch's key bytes, and views into it: the keys arrived as views into socket
 * chunks, and a kept key (a top-N entry, the spool) would otherwise pin a whole chunk.
 */
function ownKeys(keys: Buffer[]): Buffer[] {
  let total = 0;
  for (const key of keys) total += key.length;
  const owned = Buffer.allocUnsafe(total);
  let at = 0;
  return keys.map((key) => {
    const start = at;
    at += key.copy(owned, at);
    return owned.subarray(start, at);
  });
}
