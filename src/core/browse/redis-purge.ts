// The explorer's `d` on a real topology: the same target (purgeTarget), plan (planPurge), guards
// (planRefusals) and purge session (execution, backup) as `cachectl purge`. A namespace is planned with its
// glob and an exact membership filter, a key with its escaped name, so nothing outside what the
// row shows can be planned, let alone deleted.

import path from 'node:path';
import type { Topology } from '../../connection/topology.js';
import type { CachectlError } from '../../base/errors.js';
import { displayKey, reprKey } from '../../base/key-format.js';
import type { NamespaceOptions } from '../namespaces/namespace-key.js';
import type { NamespaceNode } from '../namespaces/namespaces.js';
import { namespaceName } from '../namespaces/namespace-key.js';
import type { GuardLimits, PurgePlan } from '../purge/plan.js';
import { disposePlan, planPurge, planRefusals } from '../purge/plan.js';
import type { PurgeSummary } from '../purge/tally.js';
import type { PurgeSessionOptions } from '../purge/session.js';
import { purgeSession } from '../purge/session.js';
import type { PurgeTargetSpec } from '../purge/target.js';
import { purgeTarget } from '../purge/target.js';
import { assertWritable } from '../purge/master-watch.js';
import { KEY_TYPES, UNKNOWN } from '../scan/scan-batch.js';
import type { PurgeOutcome, PurgePlanView, PurgeSource, PurgeTarget } from './source.js';

export interface RedisPurgeOptions {
  namespaces: NamespaceOptions;
  /** The pattern the tree was scanned with: a namespace is only what the tree counted. */
  within?: Buffer;
  limits: Omit<GuardLimits, 'allowBroad'>;
  /** Deletes per second (and gentler planning), as --rate. */
  rate?: number;
  noScripts?: boolean;
  /** Where default backup files go. @default the current directory */
  backupDir?: string;
  /** Written into backup headers, e.g. `cachectl 0.1.0`. */
  tool: string;
  /** The tree the explorer shows: a ‹var› row is planned as exactly the values rolled into it. */
  tree?: () => NamespaceNode;
  /** Keeps the live tree in step with what was deleted. */
  onDeleted: (target: PurgeTarget) => void;
}

export function createRedisPurge(topology: Topology, options: RedisPurgeOptions): PurgeSource {
  const plans = new WeakMap<PurgePlanView, PurgePlan>();
  const running = new Set<Promise<unknown>>();

  const patternOf = (target: PurgeTarget) => {
    if (target.kind === 'key') return purgeTarget({ kind: 'key', key: target.entry.key });
    const spec: PurgeTargetSpec = { kind: 'namespace', name: target.name, ownOnly: target.ownOnly, namespaces: options.namespaces };
    if (options.within !== undefined) spec.within = options.within;
    if (options.tree !== undefined) spec.tree = options.tree();
    return purgeTarget(spec);
  };

  return {
    async plan(target, signal, onProgress) {
      const { pattern, keyFilter } = patternOf(target);
      await assertWritable(topology, 'purge');
      const plan = await planPurge(topology, pattern, {
        delimiter: options.namespaces.delimiter,
        sampleKeys: 3,
        ...(keyFilter === undefined ? {} : { keyFilter }),
        ...(options.rate === undefined ? {} : { targetBatchMicros: 250 }),
        ...(options.noScripts === true ? { noScripts: true } : {}),
        signal,
        onProgress: (progress) => onProgress(progress.scanned),
      });
      const view: PurgePlanView = {
        target,
        pattern: reprKey(pattern),
        keys: plan.matched,
        memoryBytes: plan.memoryBytes,
        memoryEstimated: plan.memoryEstimated,
        share: plan.share,
        nodes: plan.nodes.filter((node) => node.keys > 0).map((node) => ({ node: node.node, keys: node.keys })),
        sample: plan.samples.map(displayKey),
      };
      // The broad-pattern guard is for typed patterns that can reach any namespace; here every
      // key was checked for membership, so only the size guards apply.
      const refusal = plan.status === 'incomplete'
        ? `the plan is incomplete, so nothing can be deleted: ${plan.failures.join('; ')}`
        : planRefusals(plan, { ...options.limits, allowBroad: true }).map((found) => `${found.message} — ${found.hint}`)[0];
      if (refusal !== undefined || plan.status !== 'complete') {
        disposePlan(plan);
        if (refusal !== undefined) view.refusal = refusal;
        else view.refusal = 'planning was interrupted: nothing was deleted';
        return view;
      }
      plans.set(view, plan);
      return view;
    },

    defaultBackupPath(target) {
      const name = target.kind === 'key' ? displayKey(target.entry.key) : target.name;
      const slug = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'keys';
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      return path.join(options.backupDir ?? process.cwd(), `cachectl-backup-${slug}-${stamp}.bak`);
    },

    release(view) {
      const plan = plans.get(view);
      if (plan !== undefined) disposePlan(plan);
      plans.delete(view);
    },

    async execute(view, backupPath, signal, onProgress) {
      const plan = plans.get(view);
      if (plan === undefined) throw new Error('this plan was already used or released; plan again');
      plans.delete(view);
      const work = run(plan, view, backupPath, signal, onProgress);
      running.add(work);
      try {
        return await work;
      } finally {
        running.delete(work);
        disposePlan(plan);
      }
    },

    async settled() {
      await Promise.allSettled([...running]);
    },
  };

  async function run(plan: PurgePlan, view: PurgePlanView, backupPath: string | undefined, signal: AbortSignal, onProgress: Parameters<PurgeSource['execute']>[3]): Promise<PurgeOutcome> {
    const session: PurgeSessionOptions = { signal, tool: options.tool };
    if (options.rate !== undefined) session.rate = options.rate;
    if (backupPath !== undefined) session.backupFile = backupPath;
    if (options.noScripts === true) session.noScripts = true;
    let summary: PurgeSummary | undefined;
    let error: CachectlError | null = null;
    for await (const event of purgeSession(topology, plan, session)) {
      if (event.kind === 'progress') {
        const { deleted, alreadyGone, planned, keysPerSecond } = event.progress;
        onProgress({ deleted, alreadyGone, planned, keysPerSecond });
      } else if (event.kind === 'done') {
        summary = event.summary;
        error = event.error;
      }
    }
    if (summary === undefined) throw new Error('the purge ended without a summary');
    if (summary.status === 'complete') options.onDeleted(view.target);
    const outcome: PurgeOutcome = {
      deleted: summary.deleted + summary.redeleted,
      alreadyGone: summary.alreadyGone,
      notReached: summary.notReached + summary.unknown + summary.left,
      interrupted: summary.status === 'interrupted',
    };
    if (summary.backup !== null) outcome.backupPath = summary.backup.file;
    if (error !== null && summary.status !== 'interrupted') outcome.error = error.message;
    else if (summary.unknown > 0) outcome.error = `${summary.unknown} keys got no reply and may or may not be deleted`;
    return outcome;
  }
}

/** What removing a deleted key from the live tree needs: its namespace and figures as listed. */
export function deletedKeyStats(target: Extract<PurgeTarget, { kind: 'key' }>, namespaces: NamespaceOptions) {
  const entry = target.entry;
  return {
    namespace: namespaceName(entry.key, namespaces),
    key: entry.key,
    type: Math.max(0, KEY_TYPES.indexOf(entry.type)),
    memory: entry.bytes ?? UNKNOWN,
    ttl: entry.ttlMs,
  };
}
