// The one error type of cachectl: a stable code, the exit code it maps to, and a hint (the fix).
// The core throws these; only the CLI's top-level handler prints them and sets the exit code.

/** Exit codes, documented in README.md. */
export const ExitCode = {
  Ok: 0,
  /** Findings: audit violations, a report past --fail-on, a purge declined or refused by a guard. */
  Findings: 1,
  /** Usage, connection or server error. */
  Error: 2,
  /** Interrupted (Ctrl-C); partial results were printed and marked as such. */
  Interrupted: 130,
  /** Interrupted by SIGHUP (terminal closed), handled like Ctrl-C: 128 + 1. */
  Hangup: 129,
  /** Interrupted by SIGTERM (CI timeout, Kubernetes), handled like Ctrl-C: 128 + 15. */
  Terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode =
  | 'USAGE'
  | 'CONFIG'
  | 'CONNECT'
  | 'TIMEOUT'
  | 'AUTH'
  | 'NOPERM'
  | 'TLS'
  | 'SENTINEL'
  | 'CLUSTER'
  | 'SERVER'
  | 'IO'
  | 'BACKUP'
  | 'RESTORE'
  | 'GUARD'
  | 'DECLINED'
  | 'INTERRUPTED'
  | 'INCOMPLETE';

export interface CachectlErrorOptions {
  /** One line telling the user how to fix or get past the problem. */
  hint?: string;
  exitCode?: ExitCodeValue;
  cause?: unknown;
}

export class CachectlError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: CachectlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CachectlError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? defaultExitCode(code);
  }
}

function defaultExitCode(code: ErrorCode): ExitCodeValue {
  switch (code) {
    case 'GUARD':
    case 'DECLINED':
      return ExitCode.Findings;
    case 'INTERRUPTED':
      return ExitCode.Interrupted;
    default:
      return ExitCode.Error;
  }
}

/** A usage error naming the flag at fault, e.g. usageError('--depth', 'must be a whole number ≥ 1', 'got "-1"'). */
export function usageError(flag: string, problem: string, hint?: string): CachectlError {
  return new CachectlError('USAGE', `${flag} ${problem}`, hint === undefined ? {} : { hint });
}

export function isCachectlError(error: unknown): error is CachectlError {
  return error instanceof CachectlError;
}
