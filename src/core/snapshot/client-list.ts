// CLIENT LIST as a summary someone can read mid-incident: who holds the biggest output buffers,
// who sits idle, what the clients are running, who is blocked, and totals per name and address.

export interface ClientEntry {
  id: string;
  addr: string;
  name: string;
  ageSeconds: number;
  idleSeconds: number;
  flags: string;
  db: number;
  cmd: string;
  /** Output buffer memory (omem), bytes. */
  outputBytes: number;
  /** Query buffer (qbuf), bytes. */
  queryBytes: number;
  /** Total memory the client uses (tot-mem, Redis 6+), bytes; null when not reported. */
  totalBytes: number | null;
  user: string | null;
  /** Every field as the server reported it. */
  fields: Record<string, string>;
}

export interface ClientGroup {
  /** The client name, or the address without its port. */
  group: string;
  clients: number;
  outputBytes: number;
  totalBytes: number;
}

export interface ClientSummary {
  total: number;
  blocked: number;
  /** Pub/sub subscribers (flag P). */
  pubsub: number;
  replicas: number;
  topByOutputBuffer: ClientEntry[];
  topByIdle: ClientEntry[];
  /** Clients per last command, most first. */
  byCommand: { cmd: string; clients: number }[];
  blockedClients: ClientEntry[];
  byName: ClientGroup[];
  byAddress: ClientGroup[];
}

/** Parses CLIENT LIST's text: one `field=value field=value …` line per client. */
export function parseClientList(text: string): ClientEntry[] {
  const entries: ClientEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const fields: Record<string, string> = {};
    for (const token of line.trim().split(' ')) {
      const eq = token.indexOf('=');
      if (eq > 0) fields[token.slice(0, eq)] = token.slice(eq + 1);
    }
    const number = (name: string): number => {
      const value = Number(fields[name]);
      return Number.isFinite(value) ? value : 0;
    };
    entries.push({
      id: fields.id ?? '',
      addr: fields.addr ?? '',
      name: fields.name ?? '',
      ageSeconds: number('age'),
      idleSeconds: number('idle'),
      flags: fields.flags ?? '',
      db: number('db'),
      cmd: fields.cmd ?? '',
      outputBytes: number('omem'),
      queryBytes: number('qbuf'),
      totalBytes: fields['tot-mem'] === undefined ? null : number('tot-mem'),
      user: fields.user ?? null,
      fields,
    });
  }
  return entries;
}

/** The address a client connects from, without its port (`10.0.0.5:51234` → `10.0.0.5`, `[::1]:5` → `[::1]`). */
export function clientHost(addr: string): string {
  const colon = addr.lastIndexOf(':');
  return colon > 0 ? addr.slice(0, colon) : addr;
}

export function summariseClients(entries: readonly ClientEntry[], top = 10): ClientSummary {
  const blocked = entries.filter((entry) => entry.flags.includes('b'));
  const byCommand = new Map<string, number>();
  for (const entry of entries) byCommand.set(entry.cmd, (byCommand.get(entry.cmd) ?? 0) + 1);
  return {
    total: entries.length,
    blocked: blocked.length,
    pubsub: entries.filter((entry) => entry.flags.includes('P')).length,
    replicas: entries.filter((entry) => entry.flags.includes('S')).length,
    topByOutputBuffer: [...entries].filter((entry) => entry.outputBytes > 0).sort((a, b) => b.outputBytes - a.outputBytes).slice(0, top),
    topByIdle: [...entries].sort((a, b) => b.idleSeconds - a.idleSeconds).slice(0, top),
    byCommand: [...byCommand].map(([cmd, clients]) => ({ cmd, clients })).sort((a, b) => b.clients - a.clients || a.cmd.localeCompare(b.cmd)),
    blockedClients: blocked.slice(0, top),
    byName: groupBy(entries, (entry) => (entry.name === '' ? '(no name)' : entry.name)).slice(0, top),
    byAddress: groupBy(entries, (entry) => clientHost(entry.addr)).slice(0, top),
  };
}

function groupBy(entries: readonly ClientEntry[], keyOf: (entry: ClientEntry) => string): ClientGroup[] {
  const groups = new Map<string, ClientGroup>();
  for (const entry of entries) {
    const key = keyOf(entry);
    const group = groups.get(key) ?? { group: key, clients: 0, outputBytes: 0, totalBytes: 0 };
    group.clients += 1;
    group.outputBytes += entry.outputBytes;
    group.totalBytes += entry.totalBytes ?? 0;
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b.clients - a.clients || b.totalBytes - a.totalBytes || a.group.localeCompare(b.group));
}
