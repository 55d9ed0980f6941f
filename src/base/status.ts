// How a keyspace walk ended, and what that means for the exit code: decided once, here, for every
// command that scans (keys, audit-ttl, purge planning, the explorer's tree).
import { ExitCode } from './errors.js';
import type { ExitCodeValue } from './errors.js';

/** complete: every node walked; partial: interrupted by the user; incomplete: a node failed. */
export type RunStatus = 'complete' | 'partial' | 'incomplete';

/** An interruption wins over failures: the figures stop where the user stopped them. */
export function runStatus(aborted: boolean, failures: number): RunStatus {
  if (aborted) return 'partial';
  return failures > 0 ? 'incomplete' : 'complete';
}

/** partial → 130 (interrupted), incomplete → 2 (a node could not be read), complete → 0. */
export function exitCodeForStatus(status: RunStatus): ExitCodeValue {
  if (status === 'partial') return ExitCode.Interrupted;
  if (status === 'incomplete') return ExitCode.Error;
  return ExitCode.Ok;
}
