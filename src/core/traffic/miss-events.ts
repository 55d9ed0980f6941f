// Key-miss notifications (notify-keyspace-events class `m`, published on __keyevent@<db>__:keymiss)
// are how traffic tells hits from misses. When the server has them off, cachectl may turn them on
// for the sampling window only, and must put back the exact previous setting on every way out —
// including a cachectl that is killed: every change is written to a state file first, and
// `cachectl traffic --restore-config` undoes what that file lists.

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';

/** The flags needed: `E` (keyevent channel) and `m` (key miss). */
const NEEDED = ['E', 'm'] as const;

export function missEventsOn(flags: string): boolean {
  return NEEDED.every((flag) => flags.includes(flag));
}

/** `flags` plus what key-miss events on the keyevent channel need, keeping everything already set. */
export function withMissEvents(flags: string): string {
  let out = flags;
  for (const flag of NEEDED) if (!out.includes(flag)) out += flag;
  return out;
}

export async function readNotifyFlags(client: Redis): Promise<string> {
  const reply = (await client.call('CONFIG', 'GET', 'notify-keyspace-events')) as unknown;
  if (!Array.isArray(reply) || reply.length < 2) throw new Error('CONFIG GET notify-keyspace-events returned no value');
  return String(reply[1]);
}

/** One node whose setting cachectl changed and has not yet put back. */
export interface ChangedSetting {
  address: string;
  /** The value before cachectl changed it: what to put back. */
  previous: string;
  /** The value cachectl set (as the server reports it back). */
  set: string;
  pid: number;
  startedAt: string;
}

/** The state file of changed settings; all writes are whole-file and atomic (write, then rename). */
export class RestoreState {
  constructor(readonly file: string) {}

  list(): ChangedSetting[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const parsed = JSON.parse(text) as { changed?: ChangedSetting[] };
    return Array.isArray(parsed.changed) ? parsed.changed : [];
  }

  add(entry: ChangedSetting): void {
    this.write([...this.list().filter((known) => known.address !== entry.address), entry]);
  }

  remove(address: string): void {
    this.write(this.list().filter((known) => known.address !== address));
  }

  private write(changed: ChangedSetting[]): void {
    if (changed.length === 0) {
      rmSync(this.file, { force: true });
      return;
    }
    mkdirSync(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify({ changed }, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, this.file);
  }
}

/** The command that puts a setting back by hand, for when cachectl cannot reach the node. */
export function manualRestoreCommand(entry: Pick<ChangedSetting, 'address' | 'previous'>): string {
  const at = entry.address.lastIndexOf(':');
  const host = entry.address.slice(0, at).replace(/^\[|\]$/g, '');
  const port = entry.address.slice(at + 1);
  return `redis-cli -h ${host} -p ${port} CONFIG SET notify-keyspace-events '${entry.previous}'`;
}

/** The server reports the flag letters in its own order: compare them as a set. */
function sameFlags(a: string, b: string): boolean {
  return [...a].sort().join('') === [...b].sort().join('');
}

export type RestoreOutcome = 'restored' | 'changed-since' | 'failed';

/**
 * Puts the previous setting back, unless someone changed it again since cachectl set it (their
 * change wins and the outcome says so). Never throws: 'failed' carries the reason.
 */
export async function restoreSetting(client: Redis, entry: ChangedSetting): Promise<{ outcome: RestoreOutcome; reason?: string }> {
  try {
    const current = await readNotifyFlags(client);
    if (!sameFlags(current, entry.set)) return { outcome: 'changed-since', reason: `it is now '${current}', not the '${entry.set}' cachectl set` };
    await client.call('CONFIG', 'SET', 'notify-keyspace-events', entry.previous);
    return { outcome: 'restored' };
  } catch (error) {
    return { outcome: 'failed', reason: error instanceof Error ? error.message : String(error) };
  }
}
