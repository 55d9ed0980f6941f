// Purge and restore for humans: the plan before confirmation, the summary after, and the one-line
// progress bar. Plain data in (the same objects the JSON output prints), text out.

import { formatDuration } from '../base/duration.js';
import type { PurgePlanJson, GuardRefusal } from '../core/purge/plan.js';
import type { PurgeProgress, PurgeSummary } from '../core/purge/execute.js';
import type { RestorePlan, RestoreProgress, RestoreSummary } from '../core/purge/restore.js';
import { formatBytes, formatShare } from '../base/units.js';
import type { Cell } from './table.js';
import { palette, renderTable } from './table.js';

const n = (value: number): string => value.toLocaleString('en-US');


const bytes = (value: number | null): string => (value === null ? '-' : formatBytes(value));

/** The plan, as shown before anything is deleted (and all of `--dry-run`). */
export function renderPurgePlan(
  plan: PurgePlanJson,
  shown: { pattern: string; samples: string[]; wholeDumpKeys?: string[] },
  refusals: readonly GuardRefusal[],
  color: boolean,
): string {
  const chalk = palette(color);
  const lines: string[] = [];
  const sampleKeys = shown.samples;
  lines.push(chalk.bold(`Purge plan for ${shown.pattern}`));
  if (plan.matched === 0) {
    lines.push(`  no keys match (${n(plan.keyspace)} keys in the keyspace); nothing to delete`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`  keys      ${chalk.bold(n(plan.matched))} of ${n(plan.keyspace)} (${formatShare(plan.share)} of the keyspace)`);
  const how =
    plan.memoryBytes === null ? ' (not measured)' : plan.memoryEstimated ? ` (estimated from ${n(plan.memoryMeasured)} sampled keys; --exact-memory measures all)` : '';
  lines.push(`  memory    ${plan.memoryEstimated ? '~' : ''}${bytes(plan.memoryBytes)}${how}`);
  if (plan.slot !== null) lines.push(`  routing   every match is in slot ${plan.slot}: only its master was scanned`);
  lines.push(`  planned   in ${formatDuration(plan.durationMs)}`);
  lines.push('');
  const namespaceRows: Cell[][] = plan.namespaces.map((row) => [row.namespace, n(row.keys), bytes(row.memoryBytes)]);
  const rest = plan.namespaceRemainder;
  if (rest !== null) namespaceRows.push([{ text: `… ${n(rest.namespaces)} more namespaces: ${n(rest.keys)} keys${rest.memoryBytes === null ? '' : `, ${bytes(rest.memoryBytes)}`}`, tone: 'dim' }, n(rest.keys), bytes(rest.memoryBytes)]);
  lines.push(renderTable([{ header: 'NAMESPACE' }, { header: 'KEYS', align: 'right' }, { header: 'MEMORY', align: 'right' }], namespaceRows, color));
  if (plan.nodes.length > 1) {
    lines.push('');
    const nodeRows: Cell[][] = plan.nodes.map((row) => [row.node, n(row.keys), bytes(row.memoryBytes)]);
    lines.push(renderTable([{ header: 'NODE' }, { header: 'KEYS', align: 'right' }, { header: 'MEMORY', align: 'right' }], nodeRows, color));
  }
  if (sampleKeys.length > 0) {
    lines.push('');
    lines.push(`Sample of the keys (${sampleKeys.length}):`);
    for (const key of sampleKeys) lines.push(`  ${key}`);
  }
  const whole = plan.wholeDump;
  if (whole !== null) {
    lines.push('');
    lines.push(chalk.yellow.bold(`Only a whole DUMP can back up ${n(whole.keys)} of these keys (${formatBytes(whole.bytes)}):`));
    const rows: Cell[][] = whole.largest.map((item, i) => [shown.wholeDumpKeys?.[i] ?? item.key, item.node, item.type, formatBytes(item.bytes), item.stallMs === null ? 'not known' : `~${n(item.stallMs)} ms`]);
    if (whole.keys > whole.largest.length) rows.push([{ text: `… ${n(whole.keys - whole.largest.length)} more`, tone: 'dim' }, '', '', '', '']);
    lines.push(renderTable([{ header: 'KEY' }, { header: 'NODE' }, { header: 'TYPE' }, { header: 'MEMORY', align: 'right' }, { header: 'DUMP STALL', align: 'right' }], rows, color));
    const stall = whole.longestStallMs === null ? 'for a time not known ahead' : `about ${n(whole.longestStallMs)} ms${whole.keys === 1 ? '' : ' for the largest'}`;
    const keep = `left in place, not deleted; the purge ends INCOMPLETE (exit 2) naming ${whole.keys === 1 ? 'it' : 'them'}`;
    const dump = `each backed up with one DUMP, which holds the server ${stall}, then deleted`;
    if (whole.action === 'keep') {
      lines.push(`  with these flags: ${chalk.bold(keep)}`);
      lines.push(chalk.dim(`  with --allow-whole-dump: ${dump}`));
    } else {
      lines.push(`  with these flags (--allow-whole-dump): ${chalk.bold(dump)}`);
      lines.push(chalk.dim(`  without --allow-whole-dump: ${keep}`));
    }
  }
  for (const refusal of refusals) {
    lines.push('');
    lines.push(`${chalk.red.bold('REFUSED:')} ${refusal.message}`);
    lines.push(chalk.dim(`  ${refusal.hint}`));
  }
  return `${lines.join('\n')}\n`;
}

/** `Purge complete`, `Restore INTERRUPTED`…, coloured by how it ended. */
function statusTitle(what: string, status: 'complete' | 'interrupted' | 'failed', color: boolean): string {
  const chalk = palette(color);
  if (status === 'complete') return chalk.green.bold(`${what} complete`);
  return status === 'interrupted' ? chalk.yellow.bold(`${what} INTERRUPTED`) : chalk.red.bold(`${what} FAILED`);
}

export function renderPurgeSummary(summary: PurgeSummary, color: boolean): string {
  const title = statusTitle('Purge', summary.status, color);
  const lines = [`${title}: ${n(summary.deleted + summary.redeleted)} of ${n(summary.planned)} planned keys deleted in ${formatDuration(summary.durationMs)}`];
  const parts = [
    `already gone ${n(summary.alreadyGone)}`,
    `not reached ${n(summary.notReached)}`,
    summary.unknown > 0 ? `unknown ${n(summary.unknown)} (no reply came; they may or may not be deleted)` : undefined,
    summary.skipped > 0 ? `skipped ${n(summary.skipped)} (failed the client-side pattern check)` : undefined,
    summary.kept > 0 ? `kept ${n(summary.kept)} (only one whole-key DUMP could back them up: --allow-whole-dump)` : undefined,
    summary.redeleted > 0 ? `deleted again after a failover ${n(summary.redeleted)} (a failover had undone their deletion)` : undefined,
    summary.left > 0 ? `STILL THERE ${n(summary.left)} (${summary.nodes.filter((node) => node.left > 0).map((node) => `${n(node.left)} on ${node.node}`).join(', ')})` : undefined,
    summary.bytesFreed === null ? undefined : `memory freed (as planned) ${formatBytes(summary.bytesFreed)}`,
  ].filter((part): part is string => part !== undefined);
  lines.push(`  ${parts.join(' · ')}`);
  if (summary.nodes.length > 1) {
    lines.push('');
    const rows: Cell[][] = summary.nodes.map((row) => [row.node, n(row.deleted), n(row.alreadyGone)]);
    lines.push(renderTable([{ header: 'NODE' }, { header: 'DELETED', align: 'right' }, { header: 'ALREADY GONE', align: 'right' }], rows, color));
  }
  if (summary.backup !== null) {
    lines.push(`  backup: ${summary.backup.file} (${n(summary.backup.records)} keys, ${formatBytes(summary.backup.bytes)}) — undo with: cachectl restore ${shellQuote(summary.backup.file)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `deleting [#####.....] 45,000/100,000 45% · 120,000 keys/s · ETA 1s` */
export function formatPurgeProgress(progress: PurgeProgress, width = 24): string {
  const done = Math.min(progress.planned, progress.processed);
  const fraction = progress.planned > 0 ? done / progress.planned : 1;
  const filled = Math.round(fraction * width);
  const rate = progress.keysPerSecond;
  const eta = rate > 0 && done < progress.planned ? ` · ETA ${formatDuration(((progress.planned - done) / rate) * 1000)}` : '';
  return `deleting [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n(progress.deleted)}/${n(progress.planned)} ${Math.floor(fraction * 100)}% · ${n(Math.round(rate))} keys/s${eta}`;
}

export function renderRestorePlan(plan: RestorePlan, replace: boolean, color: boolean): string {
  const chalk = palette(color);
  const header = plan.header;
  const lines = [chalk.bold(`Restore plan for ${plan.file}`)];
  lines.push(`  backup    of ${header.pattern.key} from ${header.source.topology} ${header.source.nodes.join(',')} (db ${header.source.db}), taken ${header.createdAt}`);
  lines.push(`  records   ${n(plan.records)} (${formatBytes(plan.payloadBytes)} of DUMP payloads)${plan.ending.kind === 'complete' ? '' : chalk.yellow(' — file is incomplete')}`);
  lines.push(`  restore   ${chalk.bold(n(plan.toRestore))} keys with their remaining TTL`);
  if (plan.expired > 0) lines.push(`  expired   ${n(plan.expired)} keys expired since the backup: skipped`);
  if (plan.existing !== null && plan.existing > 0) {
    lines.push(`  existing  ${n(plan.existing)} keys exist now: ${replace ? chalk.yellow('they will be OVERWRITTEN (--replace)') : 'left alone (add --replace to overwrite them)'}`);
  }
  if (plan.nodes.length > 1) {
    lines.push('');
    lines.push(renderTable([{ header: 'NODE' }, { header: 'KEYS', align: 'right' }], plan.nodes.map((row) => [row.node, n(row.keys)]), color));
  }
  return `${lines.join('\n')}\n`;
}

export function renderRestoreSummary(summary: RestoreSummary, color: boolean): string {
  const title = statusTitle('Restore', summary.status, color);
  const lines = [`${title}: ${n(summary.restored)} of ${n(summary.records)} keys restored in ${formatDuration(summary.durationMs)}`];
  const parts = [
    `expired ${n(summary.expired)}`,
    `existing (left alone) ${n(summary.existing)}`,
    `not reached ${n(summary.notReached)}`,
    summary.failed > 0 ? `refused by the server ${n(summary.failed)}` : undefined,
    summary.unknown > 0 ? `unknown ${n(summary.unknown)} (no reply came)` : undefined,
  ].filter((part): part is string => part !== undefined);
  lines.push(`  ${parts.join(' · ')}`);
  if (summary.nodes.length > 1) {
    lines.push('');
    lines.push(renderTable([{ header: 'NODE' }, { header: 'RESTORED', align: 'right' }], summary.nodes.map((row) => [row.node, n(row.restored)]), color));
  }
  return `${lines.join('\n')}\n`;
}

export function formatRestoreProgress(progress: RestoreProgress, width = 24): string {
  const fraction = progress.records > 0 ? Math.min(1, progress.processed / progress.records) : 1;
  const filled = Math.round(fraction * width);
  const rate = progress.elapsedMs > 0 ? (progress.processed * 1000) / progress.elapsedMs : 0;
  return `restoring [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n(progress.restored)}/${n(progress.records)} ${Math.floor(fraction * 100)}% · ${n(Math.round(rate))} keys/s`;
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}
