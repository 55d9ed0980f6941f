// What the explorer shows between its title and its status line: the namespace tree, a namespace's
// keys, or one key's preview, each cut to the screen and scrolled to keep the cursor in view.

import { Text } from 'ink';
import { displayKey } from '../../base/key-format.js';
import { formatBytes, formatShare } from '../../base/units.js';
import type { LiveTreeSnapshot } from '../../core/namespaces/live-namespaces.js';
import type { KeyEntry } from '../../core/namespaces/namespace-keys.js';
import type { NamespaceNode } from '../../core/namespaces/namespaces.js';
import { truncate } from '../../render/text.js';
import { formatCount, formatTtl, shareBar } from './format.js';
import type { KeyListState, PreviewState } from './hooks.js';
import type { TreeRow } from './model.js';
import { rowShare, scrollOffset } from './model.js';
import { previewShownNote, previewSummary, previewValueLines, wrapLines } from './preview-lines.js';

/** A key's identity in lists (keys are bytes). */
export function keyId(entry: KeyEntry): string {
  return entry.key.toString('latin1');
}

export interface TreeLayout {
  name: number;
  memory: number;
  percent: number;
  bar: number;
  keys: number;
  noTtl: number;
}

export function treeLayout(width: number): TreeLayout {
  const layout = { memory: 10, percent: 6, bar: 12, keys: 12, noTtl: 10, name: 0 };
  // Marker (2) and one space between columns.
  const fixed = 2 + layout.memory + layout.percent + layout.bar + layout.keys + layout.noTtl + 5;
  layout.name = Math.max(10, width - fixed - 1);
  return layout;
}

export function treeHeadings(layout: TreeLayout, memoryKnown: boolean): string {
  return `  ${'NAMESPACE'.padEnd(layout.name)} ${'MEMORY'.padStart(layout.memory)} ${(memoryKnown ? '%MEM' : '%KEYS').padStart(layout.percent)} ${''.padEnd(layout.bar)} ${'KEYS'.padStart(layout.keys)} ${'NO TTL'.padStart(layout.noTtl)}`;
}

interface TreeBodyProps {
  rows: TreeRow[];
  level: NamespaceNode;
  snapshot: LiveTreeSnapshot;
  cursor: number;
  height: number;
  layout: TreeLayout;
  delimiter: string;
  color: boolean;
  filter: string;
}

export function TreeBody({ rows, level, snapshot, cursor, height, layout, delimiter, color, filter }: TreeBodyProps) {
  if (rows.length === 0) {
    const why =
      filter !== ''
        ? `no namespace here contains "${filter}" (esc clears the filter)`
        : snapshot.status === 'scanning'
          ? 'scanning… namespaces appear here as keys are found'
          : snapshot.status === 'failed'
            ? 'the scan failed before finding any key'
            : 'no keys found';
    return <Text dimColor>{why}</Text>;
  }
  const first = scrollOffset(cursor, height, rows.length);
  const byMemory = snapshot.memoryKnown;
  return (
    <>
      {rows.slice(first, first + height).map((row, i) => {
        const selected = first + i === cursor;
        const share = rowShare(row, level, byMemory);
        const base = row.kind === 'namespace' && row.hasChildren ? `${row.label}${delimiter}` : row.label;
        const name = row.note === undefined ? base : `${base}  (${row.note})`;
        const text = `${selected ? '> ' : '  '}${truncate(name, layout.name).padEnd(layout.name)} ${(byMemory ? formatBytes(row.memory) : '-').padStart(layout.memory)} ${formatShare(share).padStart(layout.percent)} ${shareBar(share, layout.bar)} ${formatCount(row.keys).padStart(layout.keys)} ${formatCount(row.noTtl).padStart(layout.noTtl)}`;
        return (
          <Text key={row.id} inverse={selected} color={color && row.kind !== 'namespace' ? 'gray' : undefined} wrap="truncate-end">
            {text}
          </Text>
        );
      })}
    </>
  );
}

const KEY_COLUMNS = { type: 7, ttl: 10, size: 10 };

export function keyHeadings(width: number): string {
  return truncate(`  ${'TYPE'.padEnd(KEY_COLUMNS.type)} ${'TTL'.padStart(KEY_COLUMNS.ttl)} ${'SIZE'.padStart(KEY_COLUMNS.size)}  KEY`, width);
}

export function KeysBody({ rows, state, cursor, height, width }: { rows: KeyEntry[]; state: KeyListState | undefined; cursor: number; height: number; width: number }) {
  if (rows.length === 0) {
    const why = state === undefined || state.status === 'loading' ? (state?.biggest === true ? 'scanning for the biggest keys…' : 'listing keys…') : state.status === 'failed' ? `could not list keys: ${state.error ?? ''}` : 'no keys (they may have been deleted or expired since the scan)';
    return <Text dimColor>{why}</Text>;
  }
  const first = scrollOffset(cursor, height, rows.length);
  const nameWidth = Math.max(10, width - KEY_COLUMNS.type - KEY_COLUMNS.ttl - KEY_COLUMNS.size - 7);
  return (
    <>
      {rows.slice(first, first + height).map((entry, i) => {
        const selected = first + i === cursor;
        const size = entry.bytes === null ? '-' : formatBytes(entry.bytes);
        const text = `${selected ? '> ' : '  '}${entry.type.padEnd(KEY_COLUMNS.type)} ${formatTtl(entry.ttlMs).padStart(KEY_COLUMNS.ttl)} ${size.padStart(KEY_COLUMNS.size)}  ${truncate(displayKey(entry.key), nameWidth)}`;
        return (
          <Text key={keyId(entry)} inverse={selected} wrap="truncate-end">
            {text}
          </Text>
        );
      })}
    </>
  );
}

export function PreviewBody({ entry, state, scroll, height, width, color }: { entry: KeyEntry; state: PreviewState | undefined; scroll: number; height: number; width: number; color: boolean }) {
  const head = `key ${displayKey(entry.key)} · on ${entry.node}`;
  if (state === undefined || state.status === 'loading') return <Text>{truncate(head, width)}{'\n'}loading…</Text>;
  if (state.status === 'failed') {
    return (
      <Text color={color ? 'red' : undefined}>
        {truncate(head, width)}
        {'\n'}could not read the key: {state.error}
      </Text>
    );
  }
  const preview = state.preview;
  if (!preview.exists) {
    return (
      <Text color={color ? 'yellow' : undefined}>
        {truncate(head, width)}
        {'\n'}key no longer exists (deleted or expired since it was listed)
      </Text>
    );
  }
  const lines = wrapLines(previewValueLines(preview), width);
  const room = Math.max(1, height - 3);
  const first = Math.min(scroll, Math.max(0, lines.length - room));
  return (
    <>
      <Text wrap="truncate-end">{truncate(head, width)}</Text>
      <Text bold wrap="truncate-end">
        {truncate(previewSummary(preview), width)}
      </Text>
      {lines.slice(first, first + room).map((line, i) => (
        <Text key={first + i} wrap="truncate-end">
          {line === '' ? ' ' : line}
        </Text>
      ))}
      <Text dimColor wrap="truncate-end">
        {truncate(`${previewShownNote(preview)}${lines.length > room ? ` · lines ${first + 1}-${Math.min(lines.length, first + room)} of ${lines.length} (↑/↓ scroll)` : ''}`, width)}
      </Text>
    </>
  );
}
