// Edits INFO text the way a different server state would print it, so unit tests can start from a
// real sample of each version and change only the fields a case is about.

import { readFileSync } from 'node:fs';
import { parseInfo } from '../../src/base/info.js';
import { readCounters } from '../../src/core/memory/info-rates.js';

export type InfoEdits = Record<string, Record<string, string | number | null>>;

/** The sample files under test/unit/info-samples, one per server version. */
export const INFO_SAMPLES = ['redis-6.2', 'redis-7.0', 'redis-7.0-full', 'redis-7.2', 'redis-7.4', 'redis-8.0', 'valkey-8.0'] as const;
export type InfoSampleName = (typeof INFO_SAMPLES)[number];

export function readInfoSample(name: InfoSampleName): string {
  return readFileSync(new URL(`../unit/info-samples/${name}.txt`, import.meta.url), 'utf8');
}

/**
 * Sets fields (a number or string), removes them (null), or adds them at the end of their section,
 * creating the section (`# Name`) at the end of the text when it is missing. Section names ignore case.
 */
export function editInfo(text: string, edits: InfoEdits): string {
  const pending = new Map(Object.entries(edits).map(([section, fields]) => [section.toLowerCase(), { name: section, fields: new Map(Object.entries(fields)) }]));
  const out: string[] = [];
  let current: string | null = null;
  const flush = (): void => {
    const edit = current === null ? undefined : pending.get(current);
    if (edit === undefined) return;
    // Keep the section's blank separator line after the added fields.
    const trailingBlank = out.length > 0 && out[out.length - 1] === '' ? out.pop() : undefined;
    for (const [field, value] of edit.fields) if (value !== null) out.push(`${field}:${value}`);
    if (trailingBlank !== undefined) out.push(trailingBlank);
    pending.delete(current!);
  };
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (line.startsWith('#')) {
      flush();
      current = line.slice(1).trim().toLowerCase();
      out.push(line);
      continue;
    }
    const colon = line.indexOf(':');
    const edit = current === null ? undefined : pending.get(current);
    if (edit !== undefined && colon > 0 && edit.fields.has(line.slice(0, colon))) {
      const field = line.slice(0, colon);
      const value = edit.fields.get(field);
      edit.fields.delete(field);
      if (value !== null && value !== undefined) out.push(`${field}:${value}`);
      continue;
    }
    out.push(line);
  }
  flush();
  for (const { name, fields } of pending.values()) {
    out.push('', `# ${name[0]!.toUpperCase()}${name.slice(1)}`);
    for (const [field, value] of fields) if (value !== null) out.push(`${field}:${value}`);
  }
  return out.join('\n');
}

export interface CounterAdvance {
  commands?: number;
  hits?: number;
  misses?: number;
  evicted?: number;
  expired?: number;
}

/** A later sample of the same server: its counters advanced by `by` and its clock (server_time_usec) by `ms`. */
export function advanceInfo(text: string, ms: number, by: CounterAdvance): string {
  const info = parseInfo(text);
  const counters = readCounters(info);
  const clock = Number(info.get('server')?.get('server_time_usec'));
  const add = (value: number | null, delta = 0): number | null => (value === null ? null : value + delta);
  return editInfo(text, {
    server: { server_time_usec: clock + ms * 1000 },
    stats: {
      total_commands_processed: add(counters.commands, by.commands),
      keyspace_hits: add(counters.hits, by.hits),
      keyspace_misses: add(counters.misses, by.misses),
      evicted_keys: add(counters.evicted, by.evicted),
      expired_keys: add(counters.expired, by.expired),
    },
  });
}
