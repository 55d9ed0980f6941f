// A flat breakdown of a namespace tree that adds up: every namespace holding keys of its own is a
// row with those own keys (an inner namespace such as `bull:reports:‹id›`, whose job hashes have
// `:logs` children, included), the rows past `top` are summed in a remainder, and rows + remainder
// = the tree's keys. Used by the purge plan, where a breakdown that leaves keys out misleads.

import { ID_PLACEHOLDER } from './namespace-key.js';
import type { NamespaceNode } from './namespaces.js';

export interface BreakdownRow {
  namespace: string;
  /** Keys of exactly this namespace, not of its children. */
  keys: number;
  node: NamespaceNode;
}

export interface Breakdown {
  rows: BreakdownRow[];
  remainder: { namespaces: number; keys: number; rows: BreakdownRow[] } | null;
}

/** Own keys per namespace, largest first, `top` of them listed and the rest summed. */
export function namespaceBreakdown(root: NamespaceNode, top: number): Breakdown {
  const all: BreakdownRow[] = [];
  const visit = (node: NamespaceNode) => {
    let childKeys = 0;
    for (const child of node.children) {
      childKeys += child.stats.keys;
      visit(child);
    }
    const own = node.stats.keys - childKeys;
    if (node !== root && own > 0) all.push({ namespace: node.name, keys: own, node });
  };
  visit(root);
  // The root's own keys cannot exist (every key has a first segment), so rows add up to the root.
  all.sort((a, b) => b.keys - a.keys || (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
  const rows = all.slice(0, top);
  const rest = all.slice(top);
  return { rows, remainder: rest.length === 0 ? null : { namespaces: rest.length, keys: rest.reduce((sum, row) => sum + row.keys, 0), rows: rest } };
}

// Keys a BullMQ or Bull queue keeps about its jobs; deleting job hashes without them leaves the
// queue's lists and sorted sets pointing at jobs that are gone.
const QUEUE_STRUCTURE = ['wait', 'meta', 'id', 'events', 'active', 'completed', 'failed', 'delayed', 'marker', 'paused'];

/**
 * Warnings for a plan that deletes part of a known queue layout: job hashes (`<prefix>:<queue>:‹id›`
 * under a `bull` prefix) while the queue's own structure keys stay, so its lists and sorted sets
 * still reference job ids whose hashes are gone.
 */
export function queueLayoutWarnings(root: NamespaceNode): string[] {
  const warnings: string[] = [];
  const visit = (node: NamespaceNode) => {
    const jobs = node.children.find((child) => child.segment === ID_PLACEHOLDER);
    const prefix = node.name.slice(0, node.name.length - node.segment.length);
    if (node.depth >= 2 && jobs !== undefined && /bull/i.test(prefix)) {
      const structure = node.children.filter((child) => QUEUE_STRUCTURE.includes(child.segment));
      if (structure.length === 0) {
        warnings.push(
          `deletes ${jobs.stats.keys.toLocaleString('en-US')} job keys of the BullMQ/Bull queue "${node.segment}" (${node.name}:‹id›) but none of its lists and sorted sets: ` +
            'the queue will still list those job ids and find no job behind them (getJob returns null, workers skip or fail them); purge the whole queue or remove jobs with the library (queue.obliterate / job.remove)',
        );
      }
    }
    for (const child of node.children) visit(child);
  };
  visit(root);
  return warnings;
}
