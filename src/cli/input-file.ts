// Files a command reads (a backup, a policy, a keyspace document): a path that does not exist or
// names a directory is a usage error said in one line, before anything connects or reads.

import { statSync } from 'node:fs';
import { CachectlError } from '../base/errors.js';

/**
 * Throws a usage error (exit 2) when `file` is missing or is a directory. `label` names it in the
 * message ("policy file", "backup"), `hint` says what to give instead, `shown` is the path as the
 * user wrote it when `file` was resolved against another directory.
 */
export function assertInputFile(file: string, label: string, hint: string, shown = file): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(file).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CachectlError('USAGE', `${label} ${shown} does not exist`, { hint, cause: error });
    return; // permissions and the like: the read that follows says what went wrong
  }
  if (isDirectory) throw new CachectlError('USAGE', `${label} ${shown} is a directory, not a file`, { hint });
}
