// What a snapshot must not carry out of the building: secrets in CONFIG, argument values in
// SLOWLOG, and (with --redact-keys) key names, hashed so equal names still match each other.

import { createHmac } from 'node:crypto';
import { isPlaceholder } from '../namespaces/namespace-key.js';
import { OVERFLOW_NAMESPACE } from '../namespaces/namespaces.js';

/** requirepass, masterauth, tls-key-file-pass, … and anything else whose name says pass or secret. */
const SECRET_CONFIG_NAME = /pass|secret|^masterauth$/i;

export const REDACTED = '(redacted)';

export interface RedactedConfig {
  values: Record<string, string>;
  /** Parameters whose values were removed. */
  removed: string[];
}

/** CONFIG GET's flat [name, value, …] reply (RESP2) or map (RESP3) as an object without secrets. */
export function redactConfig(reply: unknown): RedactedConfig {
  const values: Record<string, string> = {};
  const removed: string[] = [];
  const pairs: [unknown, unknown][] = [];
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) pairs.push([reply[i], reply[i + 1]]);
  } else if (reply instanceof Map) {
    for (const [name, value] of reply) pairs.push([name, value]);
  }
  for (const [rawName, rawValue] of pairs) {
    const name = String(rawName);
    if (SECRET_CONFIG_NAME.test(name)) {
      removed.push(name);
      continue;
    }
    values[name] = Buffer.isBuffer(rawValue) ? rawValue.toString('utf8') : String(rawValue);
  }
  removed.sort();
  return { values: Object.fromEntries(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), removed };
}

/** A SLOWLOG entry's arguments with only the command name left: values may hold personal data or secrets. */
export function redactArgs(args: readonly string[]): string[] {
  return args.map((arg, index) => (index === 0 ? arg : REDACTED));
}

/** Hashes key names with HMAC-SHA256 under one secret: the same name always gives the same token. */
export class KeyNameHasher {
  constructor(private readonly secret: Buffer) {}

  /** A whole key name as `key:` and the first 12 hex digits of its HMAC. */
  key(name: string): string {
    return `key:${this.digest(name)}`;
  }

  /** A namespace with each segment hashed; the placeholders (‹id›, ‹date›, ‹ip›, …) stay readable. */
  namespace(name: string, delimiter: string): string {
    return name
      .split(delimiter)
      .map((segment) => (isPlaceholder(segment) || segment === OVERFLOW_NAMESPACE ? segment : `#${this.digest(segment)}`))
      .join(delimiter);
  }

  private digest(text: string): string {
    return createHmac('sha256', this.secret).update(text).digest('hex').slice(0, 12);
  }
}


