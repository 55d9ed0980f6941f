// SLOWLOG GET replies as plain entries: the slowest recent commands a server logged, for the
// dashboard's detail view.

export interface SlowlogEntry {
  id: number;
  /** When the command ran (ISO 8601). */
  at: string;
  durationUs: number;
  /** The command and its arguments as the server logged them (it truncates long ones itself). */
  args: string[];
  /** `ip:port` of the client (Redis 4+); null when not reported. */
  client: string | null;
  /** CLIENT SETNAME of the client; null when empty or not reported. */
  clientName: string | null;
}

/** Parses a RESP2 SLOWLOG GET reply; malformed entries are skipped, never thrown on. */
export function parseSlowlog(reply: unknown): SlowlogEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: SlowlogEntry[] = [];
  for (const item of reply) {
    if (!Array.isArray(item) || item.length < 4) continue;
    const [id, timestamp, duration, args, client, name] = item as unknown[];
    const seconds = Number(timestamp);
    if (!Number.isFinite(Number(id)) || !Number.isFinite(seconds) || !Number.isFinite(Number(duration))) continue;
    entries.push({
      id: Number(id),
      at: new Date(seconds * 1000).toISOString(),
      durationUs: Number(duration),
      args: Array.isArray(args) ? args.map((arg) => (Buffer.isBuffer(arg) ? arg.toString('utf8') : String(arg))) : [],
      client: typeof client === 'string' && client !== '' ? client : null,
      clientName: typeof name === 'string' && name !== '' ? name : null,
    });
  }
  return entries;
}
