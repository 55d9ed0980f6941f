// `cachectl snapshot`: capture everything an incident review needs, from every node, in one bounded
// run — one self-contained HTML file (-f) and the same data as one JSON document (-o json).

import { formatTarget } from '../../connection/target.js';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { parseDuration } from '../../base/duration.js';
import { CachectlError, ExitCode, usageError } from '../../base/errors.js';
import type { ExitCodeValue } from '../../base/errors.js';
import type { SnapshotOptions } from '../../core/snapshot/snapshot.js';
import { AUTO_KEYS_LIMIT, DEFAULT_SNAPSHOT_DURATION_MS, DEFAULT_SNAPSHOT_MAX_MS, SNAPSHOT_SCHEMA_VERSION, takeSnapshot } from '../../core/snapshot/snapshot.js';
import { renderJson, renderNdjsonLine } from '../../render/json.js';
import { renderSnapshotHtml } from '../../render/snapshot-html.js';
import { renderSnapshotSummary } from '../../render/snapshot-text.js';
import type { NamespaceFlags } from '../namespace-flags.js';
import { addNamespaceFlags, namespaceOptionsFrom } from '../namespace-flags.js';
import type { Runtime } from '../runtime.js';
import { cliVersion } from '../version.js';

interface SnapshotFlags extends NamespaceFlags {
  out?: string;
  duration?: string;
  maxTime?: string;
  keys?: boolean;
  keepArgs?: boolean;
  redactKeys?: boolean;
}

export interface SnapshotCommandOptions {
  snapshot: Omit<SnapshotOptions, 'signal'>;
  file: string | null;
}

/** The environment variable holding the HMAC secret for --redact-keys (stable hashes across snapshots). */
export const REDACT_SECRET_ENV = 'CACHECTL_REDACT_SECRET';

/** Validates the flags before anything connects. */
export function parseSnapshotFlags(flags: SnapshotFlags, env: Record<string, string | undefined>): SnapshotCommandOptions {
  const durationMs = flags.duration === undefined ? DEFAULT_SNAPSHOT_DURATION_MS : parseDuration(flags.duration, '--duration');
  const maxMs = flags.maxTime === undefined ? DEFAULT_SNAPSHOT_MAX_MS : parseDuration(flags.maxTime, '--max-time');
  if (durationMs < 1000) throw usageError('--duration', `must be at least 1s, got ${JSON.stringify(flags.duration)}`, 'the live window needs two samples for rates');
  if (durationMs + 2000 > maxMs) {
    throw usageError('--duration', `leaves no time within --max-time ${Math.round(maxMs / 1000)}s for the rest of the snapshot`, 'keep --duration at least 2s below --max-time, or raise --max-time');
  }
  if (flags.out === '') throw usageError('--out', 'needs a file name', 'e.g. -f incident.html');
  const secret = env[REDACT_SECRET_ENV];
  return {
    snapshot: {
      durationMs,
      maxMs,
      keys: flags.keys === true ? 'always' : flags.keys === false ? 'never' : 'auto',
      namespaces: namespaceOptionsFrom(flags),
      keepArgs: flags.keepArgs === true,
      redactKeys: flags.redactKeys === true ? (secret !== undefined && secret !== '' ? Buffer.from(secret, 'utf8') : randomBytes(32)) : null,
    },
    file: flags.out ?? null,
  };
}

export function snapshotCommand(runtime: Runtime): Command {
  return addNamespaceFlags(
    new Command('snapshot')
      .description('capture INFO, CONFIG, SLOWLOG, LATENCY, clients, topology, a live recording and the keyspace into one HTML file')
      .option('-f, --out <file>', 'write the self-contained HTML report here')
      .option('--duration <duration>', `live recording window (default ${DEFAULT_SNAPSHOT_DURATION_MS / 1000}s)`)
      .option('--max-time <duration>', `bound on the whole run; a keyspace scan is cut short to stay within it (default ${DEFAULT_SNAPSHOT_MAX_MS / 1000}s)`)
      .option('--keys', `scan the keyspace for the namespace report even when it has ${AUTO_KEYS_LIMIT} keys or more`)
      .option('--no-keys', 'never scan the keyspace')
      .option('--keep-args', 'keep SLOWLOG argument values (redacted by default)')
      .option('--redact-keys', `hash key names (HMAC-SHA256; secret from $${REDACT_SECRET_ENV}, random otherwise) for sharing outside the team`),
  )
    .addHelpText(
      'after',
      `
Examples:
  cachectl snapshot -f incident.html                  everything, 10s of live recording
  cachectl snapshot -f incident.html --duration 20s --keys
  cachectl snapshot -o json > incident.json           the same data as JSON (schemaVersion ${SNAPSHOT_SCHEMA_VERSION})
  cachectl snapshot -f share.html --redact-keys       key names hashed, for sharing outside the team

The file never contains key values; it contains key names unless --redact-keys. Secrets in CONFIG
(requirepass, masterauth, masterauth and anything named *pass* or *secret*) are removed. Whatever a server
refuses (CONFIG under ACL, say) is recorded as "not available: reason".
Exit codes: 0 captured (even with nodes down: they are in the file), 2 usage or connection error, 130 interrupted.`,
    )
    .action(
      runtime.action<SnapshotFlags>(async (ctx, flags): Promise<ExitCodeValue> => {
        const options = parseSnapshotFlags(flags, ctx.io.env);
        const topology = await ctx.connect();
        ctx.status(`recording for ${Math.round(options.snapshot.durationMs / 1000)}s…`);
        // The bound counts from the process start, as the person waiting for it does.
        const startedAt = Date.now() - Math.round(process.uptime() * 1000);
        const doc = await takeSnapshot(topology, { ...options.snapshot, startedAt, signal: ctx.signal });
        if (options.file !== null) {
          try {
            const target = ctx.target();
            writeFileSync(options.file, renderSnapshotHtml(doc, { generator: `cachectl ${cliVersion()}`, ...(target === undefined ? {} : { target: formatTarget(target) }) }));
          } catch (error) {
            throw new CachectlError('IO', `cannot write ${options.file}: ${(error as Error).message}`, { hint: 'pick a writable path with -f' });
          }
        }
        if (ctx.output === 'table') ctx.write(renderSnapshotSummary(doc, options.file));
        else if (ctx.output === 'ndjson') ctx.write(renderNdjsonLine(ctx.withTarget({ generator: `cachectl ${cliVersion()}`, ...doc })));
        else ctx.write(renderJson(ctx.withTarget({ generator: `cachectl ${cliVersion()}`, ...doc })));
        for (const node of doc.nodes) if (node.status === 'down') ctx.warn(`${node.role} ${node.address} is down: ${node.error ?? 'no answer'}`);
        return ctx.signal.aborted ? ExitCode.Interrupted : ExitCode.Ok;
      }),
    );
}
