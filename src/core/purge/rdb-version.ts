// Which servers can RESTORE a backup's DUMP payloads. A payload ends with the RDB version it was
// written in (u16 little-endian) and a CRC64, and a server refuses every version newer than its own,
// so a restore plan can tell before writing anything which records the target will refuse.

import type { NodeHandle } from '../../connection/topology.js';
import { CachectlError } from '../../base/errors.js';
import { parseInfo, serverLabel } from '../../base/info.js';
import { payloadRdbVersion } from './backup.js';

/**
 * The newest RDB version each server release loads. No command reports it, so it is a table keyed on
 * the server's name and major.minor version; a server not in it is "unknown" and the real run tells.
 * Checked by DUMP on each build and RESTORE across them (Redis 6.2.16, 7.0.15, 7.4.1, Valkey 8.0.1:
 * 9, 10, 12, 11; each refuses every newer payload with "DUMP payload version or checksum are
 * wrong"); Redis 7.2 and Valkey 7.2 from their sources' RDB_VERSION (11). Rows are in release order.
 */
const NEWEST_LOADABLE: readonly { name: 'redis' | 'valkey'; release: string; rdb: number }[] = [
  { name: 'redis', release: '6.2', rdb: 9 },
  { name: 'redis', release: '7.0', rdb: 10 },
  { name: 'redis', release: '7.2', rdb: 11 },
  { name: 'redis', release: '7.4', rdb: 12 },
  { name: 'valkey', release: '7.2', rdb: 11 },
  { name: 'valkey', release: '8.0', rdb: 11 },
];

const DISPLAY_NAME = { redis: 'Redis', valkey: 'Valkey' } as const;

/** The newest RDB version a server loads, from its label (`redis 7.0.15`, `valkey 8.0.1`); undefined when not known. */
export function newestLoadableRdb(label: string): number | undefined {
  const match = /^(\S+) (\d+)\.(\d+)\./.exec(label);
  if (match === null) return undefined;
  const release = `${match[2]}.${match[3]}`;
  return NEWEST_LOADABLE.find((row) => row.name === match[1] && row.release === release)?.rdb;
}

/** "Redis 7.4 or newer, and on no Valkey release cachectl knows of (up to 8.0)": exactly which servers load this RDB version. */
export function rdbLoadableBy(version: number): string {
  const parts = (['redis', 'valkey'] as const).map((name) => {
    const rows = NEWEST_LOADABLE.filter((row) => row.name === name);
    const first = rows.find((row) => row.rdb >= version);
    if (first !== undefined) return `${DISPLAY_NAME[name]} ${first.release} or newer`;
    return `no ${DISPLAY_NAME[name]} release cachectl knows of (up to ${rows[rows.length - 1]!.release})`;
  });
  return `RDB version ${version} loads on ${parts[0]!}, and on ${parts[1]!}`;
}

/** Records per RDB version. */
export interface RdbVersionCount {
  rdbVersion: number;
  records: number;
}

/** What one target node can load of the records routed to it. */
export interface RdbTarget {
  node: string;
  /** `redis 7.0.15`; null when the node did not say (INFO refused). */
  server: string | null;
  /** The newest RDB version it loads; null when not known. */
  newestLoadable: number | null;
  records: RdbVersionCount[];
  /** Of `records`, the versions newer than `newestLoadable`. */
  unloadable: RdbVersionCount[];
}

export interface RdbCompatibility {
  targets: RdbTarget[];
  /** Targets whose newest loadable version is not known: the real run will tell. */
  notices: string[];
}

/** Collects the RDB versions of the records a restore plan routes to each node, then asks each node what it is. */
export class RdbVersionCheck {
  private readonly perNode = new Map<string, { node: NodeHandle; versions: Map<number, number> }>();

  note(node: NodeHandle | undefined, payload: Buffer): void {
    const version = payloadRdbVersion(payload);
    if (node === undefined || version === undefined) return;
    let entry = this.perNode.get(node.address);
    if (entry === undefined) {
      entry = { node, versions: new Map() };
      this.perNode.set(node.address, entry);
    }
    entry.versions.set(version, (entry.versions.get(version) ?? 0) + 1);
  }

  async finish(): Promise<RdbCompatibility> {
    const targets = await Promise.all([...this.perNode.values()].map(async ({ node, versions }) => {
      const server = await askServer(node);
      const newest = server === null ? undefined : newestLoadableRdb(server);
      const records = [...versions].map(([rdbVersion, n]) => ({ rdbVersion, records: n })).sort((a, b) => a.rdbVersion - b.rdbVersion);
      return {
        node: node.address,
        server,
        newestLoadable: newest ?? null,
        records,
        unloadable: newest === undefined ? [] : records.filter((entry) => entry.rdbVersion > newest),
      };
    }));
    const notices = targets
      .filter((target) => target.newestLoadable === null)
      .map((target) => `${target.server ?? 'the server'} at ${target.node} is not one whose newest loadable RDB version cachectl knows; ` +
        `the records for it are ${listVersions(target.records)}: the real run will tell whether it loads them`);
    return { targets, notices };
  }
}

async function askServer(node: NodeHandle): Promise<string | null> {
  try {
    const client = await node.ready();
    return serverLabel(parseInfo(await client.info('server'))) ?? null;
  } catch {
    return null; // INFO refused (a restricted ACL user): unknown, and the real run will tell
  }
}

function listVersions(counts: readonly RdbVersionCount[]): string {
  const plural = (n: number) => `${n.toLocaleString('en-US')} record${n === 1 ? '' : 's'}`;
  return counts.map((entry) => `RDB version ${entry.rdbVersion} (${plural(entry.records)})`).join(', ');
}

/**
 * The error a restore stops with, before writing anything, when a target cannot load some records:
 * it names each such server, the records per RDB version, and which servers can load them.
 */
export function rdbRefusal(compatibility: RdbCompatibility | undefined): CachectlError | undefined {
  const refusing = (compatibility?.targets ?? []).filter((target) => target.unloadable.length > 0);
  if (refusing.length === 0) return undefined;
  const phrases = refusing.map((target) => {
    const total = target.records.reduce((sum, entry) => sum + entry.records, 0);
    const cannot = target.unloadable.reduce((sum, entry) => sum + entry.records, 0);
    return `${target.server!} at ${target.node} cannot load ${cannot.toLocaleString('en-US')} of the ${total.toLocaleString('en-US')} records for it: ` +
      `${listVersions(target.unloadable)}, newer than the RDB version ${target.newestLoadable!} it loads`;
  });
  const newest = Math.max(...refusing.flatMap((target) => target.unloadable.map((entry) => entry.rdbVersion)));
  return new CachectlError('RESTORE', phrases.join('; '), {
    hint: `${rdbLoadableBy(newest)}: restore into one of those (nothing was restored)`,
  });
}

/**
 * The hint for a payload a server refused ("DUMP payload version or checksum are wrong"): which
 * servers load its RDB version, or, when this server loads that version, that the checksum is at fault.
 */
export function refusedPayloadHint(compatibility: RdbCompatibility | undefined, node: string, payload: Buffer): string {
  const version = payloadRdbVersion(payload);
  if (version === undefined) return 'the payload is too short to carry an RDB version: it was damaged before it was backed up';
  const newest = compatibility?.targets.find((target) => target.node === node)?.newestLoadable ?? null;
  if (newest !== null && version <= newest) {
    return `its RDB version ${version} loads on this server, so its CRC64 is wrong: the payload was damaged before it was backed up`;
  }
  return rdbLoadableBy(version);
}
