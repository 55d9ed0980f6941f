// Runs a Lua script by its SHA1, computed here: no SCRIPT LOAD, so a server whose SCRIPT command is
// renamed or refused (managed services do this) still runs scripts as long as EVAL is allowed. The
// first call of each script on a server answers NOSCRIPT; EVAL then sends the source once and the
// server caches it under the same SHA.

import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export class ScriptRunner {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, keys: readonly Buffer[], args: readonly (string | Buffer)[] = []): Promise<unknown> {
    try {
      return await client.callBuffer('EVALSHA', this.sha, String(keys.length), ...keys, ...args);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return client.callBuffer('EVAL', this.source, String(keys.length), ...keys, ...args);
    }
  }
}

/**
 * A server error as one line fit for a notice: Redis appends the arguments of an unknown or
 * refused command ("with args beginning with: …"), which for EVAL is the script's source and for
 * other commands may be key names.
 */
export function serverErrorLine(error: unknown): string {
  const message = String((error as Error)?.message ?? error);
  return message.split('\n', 1)[0]!.replace(/,? with args beginning with:.*$/, '').trim();
}
