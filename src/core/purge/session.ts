// One purge, start to end, for every front end: creates the backup file (header first, fsynced),
// opens the audit log, executes the plan, and always closes both before the summary is final, so
// the summary states the backup as it is on disk. Ends with one `done` event carrying the summary
// and, when the purge did not complete, the CachectlError that says why (exit code included).

import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import type { Topology } from '../../connection/topology.js';
import { CachectlError } from '../../base/errors.js';
import { encodeKeyForJson } from '../../base/key-format.js';
import { BACKUP_FORMAT_VERSION, BackupWriter } from './backup.js';
import type { ExecuteOptions } from './execute.js';
import { executePurge } from './execute.js';
import type { PurgePlan } from './plan.js';
import type { PurgeProgress, PurgeSummary } from './tally.js';

export interface PurgeSessionOptions extends Omit<ExecuteOptions, 'backup' | 'reportKeys'> {
  /** A new file to back every key up to before it is deleted. */
  backupFile?: string;
  /** A file to append one NDJSON line per deleted key to (deletes key by key). */
  logFile?: string;
  /** Written into the backup header, e.g. `cachectl 0.1.0`. */
  tool: string;
}

export type PurgeSessionEvent =
  | { kind: 'progress'; progress: PurgeProgress }
  | { kind: 'notice'; message: string }
  | { kind: 'done'; summary: PurgeSummary; error: CachectlError | null };

/**
 * Runs the plan. Throws (before anything is deleted) when the backup or the log cannot be created;
 * after that, every ending is a `done` event.
 */
export async function* purgeSession(topology: Topology, plan: PurgePlan, options: PurgeSessionOptions): AsyncGenerator<PurgeSessionEvent> {
  const { backupFile, logFile, tool, ...execute } = options;
  // A failing audit log stops the purge like a failing backup does.
  const stop = new AbortController();
  const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
  const backup = backupFile === undefined ? undefined : await BackupWriter.create(backupFile, {
    formatVersion: BACKUP_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    source: { topology: topology.kind, nodes: topology.masters().map((node) => node.address), db: topology.db },
    pattern: encodeKeyForJson(plan.pattern),
    tool,
  });
  let log: number | undefined;
  let logError: CachectlError | undefined;
  let summary: PurgeSummary | undefined;
  let error: CachectlError | null = null;
  try {
    if (logFile !== undefined) log = openLog(logFile);
    const executeOptions: ExecuteOptions = { ...execute, signal };
    if (backup !== undefined) executeOptions.backup = backup;
    if (log !== undefined) executeOptions.reportKeys = true;
    for await (const event of executePurge(topology, plan, executeOptions)) {
      if (event.kind === 'deleted') {
        if (log === undefined || logError !== undefined) continue;
        const at = new Date().toISOString();
        let lines = '';
        for (const key of event.keys) lines += `${JSON.stringify({ at, node: event.node, ...encodeKeyForJson(key) })}\n`;
        try {
          writeSync(log, lines);
        } catch (error) {
          logError = new CachectlError('IO', `--log ${logFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}; stopped deleting`, {
            hint: 'free space or choose another --log file; the summary counts every key deleted, logged or not',
            cause: error,
          });
          stop.abort();
        }
      } else if (event.kind === 'done') {
        summary = event.summary;
        error = event.error;
      } else {
        yield event;
      }
    }
  } finally {
    if (log !== undefined) closeSync(log);
    // Writes the end marker: restore can tell this file from one cut short.
    await backup?.close();
  }
  if (summary === undefined) throw new CachectlError('SERVER', 'the purge ended without a summary');
  if (backup !== undefined) summary = { ...summary, backup: { file: backup.file, records: backup.records, bytes: fileSize(backup.file) ?? backup.bytes } };
  if (logError !== undefined && summary.status !== 'failed') {
    summary = { ...summary, status: 'failed', error: { code: logError.code, message: logError.message, hint: logError.hint ?? null } };
    error = logError;
  }
  yield { kind: 'done', summary, error };
}

function fileSize(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

function openLog(file: string): number {
  try {
    return openSync(file, 'a', 0o600);
  } catch (error) {
    throw new CachectlError('IO', `--log ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { hint: 'choose another --log file', cause: error });
  }
}
