// The explorer's purge, inside the UI: plan (a scan, with progress) → show the plan → offer a
// backup file → confirm by typing the number of keys → delete with progress → summary. The plan,
// its guards and the deletion are the core's (the same as `cachectl purge`); this only asks.

import type { Key } from 'ink';
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { useEffect, useRef } from 'react';
import { formatBytes, formatShare } from '../../base/units.js';
import { answerConfirms } from '../../core/purge/confirm.js';
import { PROMPT_KEYS } from './bindings.js';
import { truncate } from '../../render/text.js';
import { formatCount } from './format.js';
import { helpLine, resolveKey } from '../shared/key-table.js';
import type { PurgeOutcome, PurgePlanView, PurgeProgress, PurgeSource, PurgeTarget } from '../../core/browse/source.js';
import { editText } from './text-input.js';
import { useSyncState } from '../shared/use-sync-state.js';
import { useKeystrokes } from '../shared/use-keystrokes.js';
import { throttle } from '../../base/throttle.js';

type Step =
  | { step: 'planning'; scanned: number }
  | { step: 'refused'; plan: PurgePlanView }
  | { step: 'empty'; plan: PurgePlanView }
  | { step: 'backup'; plan: PurgePlanView; path: string }
  | { step: 'confirm'; plan: PurgePlanView; backupPath: string | undefined; typed: string; mismatch?: string }
  | { step: 'running'; plan: PurgePlanView; backupPath: string | undefined; progress: PurgeProgress }
  | { step: 'done'; plan: PurgePlanView; outcome: PurgeOutcome }
  | { step: 'failed'; message: string };

export interface PurgeDialogProps {
  target: PurgeTarget;
  /** What the target is called in the dialog, e.g. `namespace app:v2:user:{id}`. */
  label: string;
  purge: PurgeSource;
  width: number;
  color: boolean;
  /** Called when the dialog closes; with the outcome when something ran. */
  onClose: (outcome: PurgeOutcome | undefined) => void;
  /** Ctrl-C outside a running deletion: quit the whole explorer. */
  onInterrupt: () => void;
}

export function PurgeDialog({ target, label, purge, width, color, onClose, onInterrupt }: PurgeDialogProps) {
  // Input reads the latest step, not its render's: `⏎30⏎` typed in one burst goes step by step.
  const [state, setState, latest] = useSyncState<Step>({ step: 'planning', scanned: 0 });
  const planning = useRef(new AbortController());
  const running = useRef<AbortController | undefined>(undefined);
  const outcome = useRef<PurgeOutcome | undefined>(undefined);
  const planned = useRef<PurgePlanView | undefined>(undefined);
  // A plan that was never executed holds its keys (maybe in a temporary file): free it on the way out.
  const closed = useRef(false);
  const close = (result: PurgeOutcome | undefined) => {
    if (closed.current) return;
    closed.current = true;
    if (planned.current !== undefined) purge.release?.(planned.current);
    onClose(result);
  };

  useEffect(() => {
    const controller = planning.current;
    const due = throttle();
    purge
      .plan(target, controller.signal, (scanned) => {
        if (!due()) return;
        setState((previous) => (previous.step === 'planning' ? { step: 'planning', scanned } : previous));
      })
      .then(
        (plan) => {
          planned.current = plan;
          if (controller.signal.aborted) {
            purge.release?.(plan);
            return;
          }
          if (plan.refusal !== undefined) setState({ step: 'refused', plan });
          else if (plan.keys === 0) setState({ step: 'empty', plan });
          else setState({ step: 'backup', plan, path: purge.defaultBackupPath(target) });
        },
        (error: unknown) => {
          if (!controller.signal.aborted) setState({ step: 'failed', message: messageOf(error) });
        },
      );
    return () => controller.abort();
  }, [purge, target]);

  // Leaving the explorer while deleting (a signal from outside) stops after the batch in flight.
  useEffect(() => () => running.current?.abort(), []);

  const run = (plan: PurgePlanView, backupPath: string | undefined) => {
    planned.current = undefined;
    const controller = new AbortController();
    running.current = controller;
    setState({ step: 'running', plan, backupPath, progress: { deleted: 0, alreadyGone: 0, planned: plan.keys, keysPerSecond: 0 } });
    const due = throttle();
    purge
      .execute(plan, backupPath, controller.signal, (progress) => {
        if (!due()) return;
        setState((previous) => (previous.step === 'running' ? { ...previous, progress } : previous));
      })
      .then(
        (result) => {
          outcome.current = result;
          setState({ step: 'done', plan, outcome: result });
        },
        (error: unknown) => setState({ step: 'failed', message: messageOf(error) }),
      )
      .finally(() => {
        running.current = undefined;
      });
  };

  const handleKey = (input: string, key: Key) => {
    const state = latest();
    const action = resolveKey(PROMPT_KEYS, 'prompt', input, key);
    if (state.step === 'running') {
      // Stopping a deletion waits for the batch in flight; the summary then says exactly what happened.
      if (action === 'cancel' || action === 'interrupt') running.current?.abort();
      return;
    }
    if (action === 'interrupt') {
      planning.current.abort();
      if (planned.current !== undefined) purge.release?.(planned.current);
      onInterrupt();
      return;
    }
    switch (state.step) {
      case 'planning':
        if (action === 'cancel') {
          planning.current.abort();
          close(undefined);
        }
        return;
      case 'refused':
      case 'empty':
      case 'failed':
      case 'done':
        if (action === 'submit' || action === 'cancel') close(outcome.current);
        return;
      case 'backup':
        if (action === 'cancel') close(undefined);
        else if (action === 'submit') setState({ step: 'confirm', plan: state.plan, backupPath: state.path.trim() === '' ? undefined : state.path.trim(), typed: '' });
        else setState({ ...state, path: editText(state.path, input, key) });
        return;
      case 'confirm':
        if (action === 'cancel') close(undefined);
        else if (action === 'submit') {
          if (answerConfirms(state.typed, state.plan.keys, undefined)) run(state.plan, state.backupPath);
          else setState({ ...state, typed: '', mismatch: `"${state.typed}" is not ${formatCount(state.plan.keys)}; nothing was deleted. Type the number of keys, or esc to cancel.` });
        } else setState({ ...state, typed: editText(state.typed, input, key), mismatch: undefined });
        return;
    }
  };

  // Whatever else was typed in the same burst is not for the screen behind the dialog.
  useKeystrokes((input, key) => (closed.current ? 'stop' : handleKey(input, key)));

  const accent = color ? 'cyan' : undefined;
  const danger = color ? 'red' : undefined;
  const lines: ReactNode[] = [];
  const inner = Math.max(10, width - 4);
  const line = (text: string, props: { color?: string | undefined; bold?: boolean; wrap?: boolean } = {}) =>
    lines.push(
      <Text key={lines.length} color={props.color} bold={props.bold} wrap={props.wrap === true ? 'wrap' : 'truncate-end'}>
        {props.wrap === true ? text : truncate(text, inner)}
      </Text>,
    );

  line(`Delete ${label}`, { bold: true, color: danger });
  if (state.step === 'planning') {
    line(`planning… ${formatCount(state.scanned)} matching keys found so far`);
    line('esc cancels; nothing is deleted while planning', { color: accent });
  } else if (state.step === 'failed') {
    line(`failed: ${state.message}`, { color: danger, wrap: true });
    line('enter closes', { color: accent });
  } else {
    const plan = state.plan;
    line(`pattern ${plan.pattern}`);
    const memory = plan.memoryBytes === null ? '' : ` · ${plan.memoryEstimated === true ? '~' : ''}${formatBytes(plan.memoryBytes)}`;
    line(`${formatCount(plan.keys)} keys${memory} · ${formatShare(plan.share)} of the keyspace`, { bold: true });
    if (plan.nodes.length > 1) line(`per node: ${plan.nodes.map((node) => `${node.node} ${formatCount(node.keys)}`).join(', ')}`);
    if (plan.sample.length > 0) line(`e.g. ${plan.sample.slice(0, 3).join(', ')}`);
    switch (state.step) {
      case 'refused':
        line(`refused: ${plan.refusal ?? ''}`, { color: danger, wrap: true });
        line('nothing was deleted · enter closes', { color: accent });
        break;
      case 'empty':
        line('no key matches any more: nothing to delete · enter closes', { color: accent });
        break;
      case 'backup':
        line('Back up the keys first (DUMP + TTL, restorable with cachectl restore)?');
        line(`backup file: ${state.path}▏`, { color: accent });
        line('(clear the path to delete without a backup)');
        break;
      case 'confirm':
        line(`backup: ${state.backupPath ?? 'none'}`);
        line(`Type ${formatCount(plan.keys)} and press enter to delete them: ${state.typed}▏`, { bold: true, color: danger });
        if (state.mismatch !== undefined) line(state.mismatch, { color: danger });
        break;
      case 'running': {
        const { deleted, alreadyGone, planned, keysPerSecond } = state.progress;
        const done = deleted + alreadyGone;
        line(`deleting… ${formatCount(done)} / ${formatCount(planned)} (${formatShare(planned > 0 ? done / planned : 1)}) · ${formatCount(Math.round(keysPerSecond))} keys/s`, { color: danger });
        if (state.backupPath !== undefined) line(`backing up to ${state.backupPath}`);
        line('esc stops after the current batch', { color: accent });
        break;
      }
      case 'done': {
        const result = state.outcome;
        const parts = [`deleted ${formatCount(result.deleted)}`, `already gone ${formatCount(result.alreadyGone)}`];
        if (result.notReached > 0) parts.push(`not reached ${formatCount(result.notReached)}`);
        line(`${result.interrupted ? 'stopped' : 'done'}: ${parts.join(' · ')}`, { bold: true });
        if (result.backupPath !== undefined) line(`backup: ${result.backupPath}`);
        if (result.error !== undefined) line(`error: ${result.error}`, { color: danger, wrap: true });
        line('enter closes', { color: accent });
        break;
      }
    }
  }
  const keys = state.step === 'backup' || state.step === 'confirm' ? helpLine(PROMPT_KEYS, 'prompt') : '';
  return (
    <Box flexDirection="column" borderStyle="single" borderColor={danger} paddingX={1}>
      {lines}
      {keys === '' ? null : <Text dimColor>{keys}</Text>}
    </Box>
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
