// Asserting on the CachectlError a synchronous call throws.
import { expect } from 'vitest';
import { CachectlError, type ErrorCode } from '../../src/base/errors.js';

/** The CachectlError `fn` throws, checked to carry `code` and exit code 2; fails the test otherwise. */
export function thrownCachectlError(fn: () => unknown, code: ErrorCode): CachectlError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CachectlError);
    const failure = error as CachectlError;
    expect(failure.code).toBe(code);
    expect(failure.exitCode).toBe(2);
    return failure;
  }
  throw new Error(`expected a ${code} error, nothing was thrown`);
}
