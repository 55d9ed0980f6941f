// `cachectl restore <file>`: put back the keys a `purge --backup` saved — plan (the whole file is
// read and verified first), show, confirm, then RESTORE each key on its master with its original
// expiry, never overwriting an existing key unless --replace.

import { Command } from 'commander';
import { CachectlError, ExitCode } from '../../base/errors.js';
import type { ExitCodeValue } from '../../base/errors.js';
import type { RestorePlan, RestoreSummary } from '../../core/purge/restore.js';
import { executeRestore, planRestore } from '../../core/purge/restore.js';
import { rdbRefusal } from '../../core/purge/rdb-version.js';
import { assertWritable } from '../../core/purge/master-watch.js';
import { formatRestoreProgress, renderRestorePlan, renderRestoreSummary } from '../../render/purge.js';
import type { DocumentError } from '../destructive.js';
import { confirmByTyping, documentFinisher } from '../destructive.js';
import { assertInputFile } from '../input-file.js';
import type { CommandContext, Runtime } from '../runtime.js';
import { throttle } from '../../base/throttle.js';
import { parseRate } from '../../base/units.js';

interface RestoreFlags {
  dryRun?: boolean;
  yes?: boolean;
  replace?: boolean;
  allowTruncated?: boolean;
  rate?: string;
}

export function restoreCommand(runtime: Runtime): Command {
  return new Command('restore')
    .description('restore the keys a purge saved with --backup (with their remaining TTL)')
    .argument('<file>', 'backup file written by cachectl purge --backup')
    .option('--dry-run', 'read and check the file, show the plan, restore nothing')
    .option('-y, --yes', 'do not ask for confirmation (needed without a terminal)')
    .option('--replace', 'overwrite keys that exist now (default: leave them alone and count them)')
    .option('--allow-truncated', 'restore the intact records of a file without its end marker (a purge that was killed)')
    .option('--rate <keys/s>', "restore at most this many keys per second; a big key's chunks count one key per element (per KiB of a string)")
    .addHelpText(
      'after',
      `
Examples:
  cachectl restore jobs.bak --dry-run        check the file, count what would come back
  cachectl restore jobs.bak --yes            restore, leaving keys that exist alone
  cachectl restore jobs.bak --replace        overwrite keys written since the purge
  cachectl restore jobs.bak --yes --rate 5000   gentle: 5,000 keys/s

Keys whose TTL ran out since the backup are skipped and counted. The whole file is verified before
anything is restored: a damaged file restores nothing and names the byte offset.
Exit codes: 0 restored, 1 declined or some keys left alone because they exist, 2 error (damaged file, refused payload), 130 interrupted.`,
    )
    .action(runtime.action<RestoreFlags>(async (ctx, flags, args) => runRestore(runtime, ctx, flags, args[0]!)));
}

interface RestoreDocument {
  file: string;
  dryRun: boolean;
  plan: RestorePlan | null;
  summary: RestoreSummary | null;
  error: DocumentError | null;
}

async function runRestore(runtime: Runtime, ctx: CommandContext, flags: RestoreFlags, file: string): Promise<ExitCodeValue> {
  const doc: RestoreDocument = { file, dryRun: flags.dryRun === true, plan: null, summary: null, error: null };
  const finish = documentFinisher(runtime, ctx, doc);

  const rate = flags.rate === undefined ? undefined : parseRate(flags.rate, '--rate');
  assertInputFile(file, 'backup', 'give the file a purge wrote with --backup');
  const topology = await ctx.connect();
  await assertWritable(topology, 'restore');
  const plan = await planRestore(topology, file, {
    allowTruncated: flags.allowTruncated === true,
    signal: ctx.signal,
    onProgress: (read) => ctx.status(`reading the backup… ${read.toLocaleString('en-US')} records`),
  });
  doc.plan = plan;
  for (const notice of plan.notices) ctx.warn(notice);
  if (ctx.output === 'table') ctx.write(renderRestorePlan(plan, flags.replace === true, ctx.color));
  const refusal = rdbRefusal(plan.rdb);
  if (refusal !== undefined) return finish(refusal.exitCode, refusal);
  if (flags.dryRun === true) return finish(ExitCode.Ok);
  if (plan.toRestore === 0) {
    if (ctx.output === 'table') ctx.write('nothing to restore\n');
    return finish(ExitCode.Ok);
  }
  if (flags.yes !== true) {
    if (!ctx.interactive) {
      return finish(ExitCode.Findings, new CachectlError('DECLINED', 'there is no terminal to confirm on, so nothing was restored', {
        hint: 'pass --yes to confirm non-interactively (check the plan with --dry-run first)',
      }));
    }
    const servers = { verb: 'restores onto', addresses: topology.masters().map((node) => node.address) };
    const confirmed = await confirmByTyping(ctx, plan.toRestore, undefined, `to restore ${plan.toRestore.toLocaleString('en-US')} keys`, servers);
    if (!confirmed) return finish(ExitCode.Findings, new CachectlError('DECLINED', 'the confirmation did not match, so nothing was restored'));
  }

  let summary: RestoreSummary | undefined;
  let error: CachectlError | null = null;
  const due = throttle();
  const options = { replace: flags.replace === true, allowTruncated: flags.allowTruncated === true, signal: ctx.signal, ...(rate === undefined ? {} : { rate }) };
  for await (const event of executeRestore(topology, plan, options)) {
    if (event.kind === 'progress') {
      if (due()) {
        ctx.status(formatRestoreProgress(event.progress));
      }
    } else {
      summary = event.summary;
      error = event.error;
    }
  }
  if (summary === undefined) throw new CachectlError('SERVER', 'the restore ended without a summary');
  doc.summary = summary;
  if (ctx.output === 'table') ctx.write(renderRestoreSummary(summary, ctx.color));
  if (error !== null) return finish(error.exitCode, error);
  if (summary.existing > 0) {
    return finish(ExitCode.Findings, new CachectlError('RESTORE', `${summary.existing.toLocaleString('en-US')} keys exist already and were left alone`, {
      hint: 'run again with --replace to overwrite them with the backed-up values',
      exitCode: ExitCode.Findings,
    }));
  }
  return finish(ExitCode.Ok);
}
