// Parses the text of INFO (Redis 6.2 → 8.x, Valkey 8) into sections and typed values. Servers add,
// drop and move fields between versions, so nothing here requires a field: missing means undefined.

/** One section's `field → raw value`, fields in server order. */
export type InfoSection = ReadonlyMap<string, string>;
/** Sections by lower-case name (`server`, `keyspace`, ...); fields before any header go under `''`. */
export type InfoSections = ReadonlyMap<string, InfoSection>;

/**
 * Splits INFO text into sections (`# Name` headers) of `field:value` lines. Accepts CRLF or LF,
 * ignores blank and malformed lines, keeps everything after the first `:` as the value (so IPv6
 * addresses and paths survive), and lets a repeated field or section add to the earlier one.
 */
export function parseInfo(text: string): InfoSections {
  const sections = new Map<string, Map<string, string>>();
  let current = new Map<string, string>();
  sections.set('', current);

  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const name = line.slice(1).trim().toLowerCase();
      const existing = sections.get(name);
      current = existing ?? new Map<string, string>();
      if (!existing) sections.set(name, current);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    current.set(line.slice(0, colon).trim(), line.slice(colon + 1));
  }
  if (sections.get('')?.size === 0) sections.delete('');
  return sections;
}

/** A field's raw text, or undefined when the section or field is missing. Section names ignore case. */
export function infoString(info: InfoSections, section: string, field: string): string | undefined {
  return info.get(section.toLowerCase())?.get(field);
}

// Plain decimal numbers only: INFO also has `1.09M`, `100.15%`, `nan` and `-nan`, which are not numbers.
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** A field as a number, or undefined when it is missing or not a plain number (`1.09M`, `nan`). */
export function infoNumber(info: InfoSections, section: string, field: string): number | undefined {
  return toNumber(infoString(info, section, field));
}

function toNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  return NUMBER.test(trimmed) ? Number(trimmed) : undefined;
}

/** `a=1,b=2` → Map; a pair without `=` is skipped, later duplicates win. */
function parsePairs(value: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) pairs.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return pairs;
}

/**
 * The server's own version: `valkey_version` on Valkey (whose `redis_version` is a fixed
 * compatibility value, 7.2.4 on Valkey 8), else `redis_version`.
 */
export function serverVersion(info: InfoSections): string | undefined {
  return infoString(info, 'server', 'valkey_version')?.trim() ?? infoString(info, 'server', 'redis_version')?.trim();
}

/** `valkey 8.0.1`, `redis 7.4.1`: which server and version, one label for every report. */
export function serverLabel(info: InfoSections): string | undefined {
  const version = serverVersion(info);
  if (version === undefined) return undefined;
  const named = infoString(info, 'server', 'server_name')?.trim().toLowerCase();
  const name = named !== undefined && named !== '' ? named : infoString(info, 'server', 'valkey_version') !== undefined ? 'valkey' : 'redis';
  return `${name} ${version}`;
}

export interface KeyspaceEntry {
  db: number;
  keys: number;
  expires: number;
  /** Average TTL in milliseconds of keys with one (0 when none, or when the server does not say). */
  avgTtl: number;
  /** Hashes with fields that have their own expiry (Redis 7.4+ `subexpiry`); undefined on servers that do not report it. */
  subexpiry?: number;
}

/** The `# Keyspace` lines (`db0:keys=1,expires=0,avg_ttl=0,subexpiry=0`), ordered by db number. */
export function parseKeyspace(info: InfoSections): KeyspaceEntry[] {
  const entries: KeyspaceEntry[] = [];
  for (const [field, value] of info.get('keyspace') ?? []) {
    const db = /^db(\d+)$/.exec(field);
    if (!db) continue;
    const pairs = parsePairs(value);
    const entry: KeyspaceEntry = {
      db: Number(db[1]),
      keys: toNumber(pairs.get('keys')) ?? 0,
      expires: toNumber(pairs.get('expires')) ?? 0,
      avgTtl: toNumber(pairs.get('avg_ttl')) ?? 0,
    };
    const subexpiry = toNumber(pairs.get('subexpiry'));
    if (subexpiry !== undefined) entry.subexpiry = subexpiry;
    entries.push(entry);
  }
  return entries.sort((a, b) => a.db - b.db);
}

export interface CommandStat {
  calls: number;
  /** Total microseconds spent executing the command. */
  usec: number;
  usecPerCall: number;
  /** Rejected before running (ACL, OOM, wrong arity...); Redis 6.2+. */
  rejectedCalls?: number;
  /** Ran and returned an error; Redis 6.2+. */
  failedCalls?: number;
}

/**
 * `# Commandstats` by command name as the server writes it, lower case, with subcommands as
 * `client|list` (Redis 7+; 6.2 reports `client` as a whole).
 */
export function parseCommandStats(info: InfoSections): Map<string, CommandStat> {
  const stats = new Map<string, CommandStat>();
  for (const [field, value] of info.get('commandstats') ?? []) {
    if (!field.startsWith('cmdstat_')) continue;
    const pairs = parsePairs(value);
    const calls = toNumber(pairs.get('calls')) ?? 0;
    const usec = toNumber(pairs.get('usec')) ?? 0;
    const stat: CommandStat = {
      calls,
      usec,
      usecPerCall: toNumber(pairs.get('usec_per_call')) ?? (calls > 0 ? usec / calls : 0),
    };
    const rejected = toNumber(pairs.get('rejected_calls'));
    if (rejected !== undefined) stat.rejectedCalls = rejected;
    const failed = toNumber(pairs.get('failed_calls'));
    if (failed !== undefined) stat.failedCalls = failed;
    stats.set(field.slice('cmdstat_'.length), stat);
  }
  return stats;
}

/**
 * Latency percentiles in microseconds, keyed `p50`, `p99`, `p99.9` by default; servers configured
 * with other `latency-tracking-info-percentiles` report other keys (`p95`, `p100`), kept as given.
 */
export interface LatencyPercentiles {
  p50?: number;
  p99?: number;
  'p99.9'?: number;
  [percentile: string]: number | undefined;
}

/** `# Latencystats` (Redis 7+) by command name, as in parseCommandStats. Empty on older servers. */
export function parseLatencyStats(info: InfoSections): Map<string, LatencyPercentiles> {
  const prefix = 'latency_percentiles_usec_';
  const stats = new Map<string, LatencyPercentiles>();
  for (const [field, value] of info.get('latencystats') ?? []) {
    if (!field.startsWith(prefix)) continue;
    const percentiles: LatencyPercentiles = {};
    for (const [name, text] of parsePairs(value)) {
      const usec = toNumber(text);
      if (/^p\d+(?:\.\d+)?$/.test(name) && usec !== undefined) percentiles[name] = usec;
    }
    stats.set(field.slice(prefix.length), percentiles);
  }
  return stats;
}

export interface ReplicaInfo {
  /** The field name, `slave0`, `slave1`... (Valkey and Redis still use "slave" here). */
  name: string;
  ip?: string;
  port?: number;
  /** `online`, `wait_bgsave`, `send_bulk`... */
  state?: string;
  /** Replication offset the replica has acknowledged. */
  offset?: number;
  /** Seconds since the replica last acknowledged. */
  lag?: number;
}

/** The replicas a primary reports in `# Replication` (`slave0:ip=..,port=..,state=online,offset=..,lag=..`). */
export function parseReplicas(info: InfoSections): ReplicaInfo[] {
  const replicas: { index: number; replica: ReplicaInfo }[] = [];
  for (const [field, value] of info.get('replication') ?? []) {
    // `replicaN` is accepted too in case a server renames the field one day.
    const match = /^(?:slave|replica)(\d+)$/.exec(field);
    if (!match) continue;
    const pairs = parsePairs(value);
    const replica: ReplicaInfo = { name: field };
    const ip = pairs.get('ip');
    if (ip !== undefined) replica.ip = ip;
    const port = toNumber(pairs.get('port'));
    if (port !== undefined) replica.port = port;
    const state = pairs.get('state');
    if (state !== undefined) replica.state = state;
    const offset = toNumber(pairs.get('offset'));
    if (offset !== undefined) replica.offset = offset;
    const lag = toNumber(pairs.get('lag'));
    if (lag !== undefined) replica.lag = lag;
    replicas.push({ index: Number(match[1]), replica });
  }
  return replicas.sort((a, b) => a.index - b.index).map((entry) => entry.replica);
}
