// Known key layouts of popular Node.js libraries, recognised on the namespace tree so a row can say
// whose keys these are (`BullMQ queue "emails"`). Judged by the shape of a namespace and its
// children — names alone are not enough, since every prefix is configurable.

import { KEY_TYPES } from '../scan/scan-batch.js';
import { ID_PLACEHOLDER, IP_PLACEHOLDER, EMAIL_PLACEHOLDER, TOKEN_PLACEHOLDER, isInferred } from './namespace-key.js';
import type { NamespaceNode } from './namespaces.js';

/** Library names the labels use; also the names of the audit-ttl presets that know them. */
export const LIBRARIES = ['bullmq', 'bull', 'connect-redis', 'keyv', 'rate-limiter', 'redlock', 'kue', 'node-resque', 'bee-queue', 'bottleneck', 'socket.io'] as const;
export type Library = (typeof LIBRARIES)[number];

const QUEUE_KEYS = new Set(['wait', 'waiting', 'active', 'completed', 'failed', 'delayed', 'paused', 'meta', 'id', 'events', 'marker', 'prioritized', 'stalled', 'stalled-check', 'limiter', 'repeat', 'priority', 'de']);
const STREAM = KEY_TYPES.indexOf('stream');
const STRING = KEY_TYPES.indexOf('string');

function childSegments(node: NamespaceNode): Set<string> {
  return new Set(node.children.map((child) => child.segment));
}

function onlyType(node: NamespaceNode, type: number): boolean {
  return node.stats.types[type] === node.stats.keys;
}

/** The library a namespace belongs to and a label for it, or undefined. */
export function layoutOf(node: NamespaceNode): { library: Library; label: string } | undefined {
  const children = childSegments(node);
  const segment = node.segment;
  if (node.depth >= 2 && children.has(ID_PLACEHOLDER)) {
    let queueKeys = 0;
    for (const child of children) if (QUEUE_KEYS.has(child)) queueKeys += 1;
    if (queueKeys >= 2) {
      // BullMQ keeps its events in a stream and marks waiting jobs in a `marker` key; Bull (v3 API) does neither.
      const events = node.children.find((child) => child.segment === 'events');
      const bullmq = children.has('marker') || (events !== undefined && events.stats.types[STREAM]! > 0);
      return { library: bullmq ? 'bullmq' : 'bull', label: `${bullmq ? 'BullMQ' : 'Bull'} queue "${segment}"` };
    }
    // Bull (v3) job hashes alone, under a hash-tagged prefix such as `{bull}:<queue>`.
    if (node.depth === 2 && /^\{?bull\}?$/.test(node.name.split(':')[0] ?? '')) return { library: 'bull', label: `Bull queue "${segment}"` };
  }
  if (node.depth === 2 && node.name.startsWith('bq:') && (children.has('jobs') || children.has('id'))) {
    return { library: 'bee-queue', label: `bee-queue queue "${segment}"` };
  }
  if (node.depth === 1) {
    if (segment === 'sess' && children.has(TOKEN_PLACEHOLDER)) return { library: 'connect-redis', label: 'connect-redis sessions' };
    if (segment === 'q' && (children.has('job') || children.has('jobs'))) return { library: 'kue', label: 'kue jobs' };
    if (segment === 'resque' && (children.has('queue') || children.has('delayed') || children.has('timestamps'))) return { library: 'node-resque', label: 'node-resque' };
    if (segment === 'bq') return { library: 'bee-queue', label: 'bee-queue' };
    if (segment === 'socket.io' && onlyType(node, STREAM)) return { library: 'socket.io', label: 'socket.io streams adapter' };
    if (segment.startsWith('b_') && segment.includes(ID_PLACEHOLDER)) return { library: 'bottleneck', label: 'bottleneck limiter' };
    if (segment === 'locks' || segment === 'lock' || segment === 'redlock') return { library: 'redlock', label: 'redlock locks' };
    if ((segment === 'rl' || segment === 'rlflx') && onlyType(node, STRING)) return { library: 'rate-limiter', label: segment === 'rl' ? 'rate limiter (rate-limit-redis)' : 'rate limiter (rate-limiter-flexible)' };
    // Counters keyed by client address or user, every key a string with a TTL: a rate limiter's.
    const inferred = node.children.filter((child) => isInferred(child.segment));
    if (
      inferred.length > 0 &&
      node.children.every((child) => child.segment === IP_PLACEHOLDER || child.segment === EMAIL_PLACEHOLDER) &&
      onlyType(node, STRING) &&
      node.stats.noTtl === 0
    ) {
      return { library: 'rate-limiter', label: 'rate limiter' };
    }
  }
  // Keyv writes `<prefix>::<namespace>:<key>`: a first level reached through `::`.
  if (node.depth === 2 && node.name.slice(0, node.name.length - segment.length).endsWith('::')) {
    return { library: 'keyv', label: `Keyv namespace "${segment}"` };
  }
  return undefined;
}

export function layoutLabel(node: NamespaceNode): string | undefined {
  return layoutOf(node)?.label;
}
