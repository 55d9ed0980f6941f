// `cachectl top`'s screen: header, node table and charts, or the selected node's detail, or help —
// laid out to the terminal's size. It only renders snapshots and turns keys into actions through
// the keymap; the poller and the model (core) do all the work.

import { Box, useApp } from 'ink';
import type { ReactElement } from 'react';
import { useEffect } from 'react';
import type { DashboardSnapshot, NodeRow } from '../../core/dashboard/snapshot.js';
import type { NodeSort } from '../../core/dashboard/sort.js';
import { nextSort, NODE_SORT_LABELS, sortNodes } from '../../core/dashboard/sort.js';
import { Charts, CHARTS } from './Charts.js';
import type { ChartKind } from './Charts.js';
import { DetailView } from './DetailView.js';
import { Header } from './Header.js';
import { HelpView } from '../shared/HelpView.js';
import { topHelpNotes } from './help-notes.js';
import { Line } from '../shared/Line.js';
import { NodeTable } from './NodeTable.js';
import { TrafficPanel } from './TrafficPanel.js';
import type { LiveTraffic } from '../../core/traffic/live-traffic.js';
import type { SnapshotSource } from './use-snapshot.js';
import { useSnapshot } from './use-snapshot.js';
import { useTerminalSize } from '../shared/use-terminal-size.js';
import type { TopAction, TopView } from './bindings.js';
import { TOP_KEYS } from './bindings.js';
import { activeBindings, fitHelp, helpEntries, helpLine, resolveKey } from '../shared/key-table.js';
import { useKeystrokes } from '../shared/use-keystrokes.js';
import { useSyncState } from '../shared/use-sync-state.js';

/** The poller as the dashboard drives it. */
export interface DashboardSource extends SnapshotSource<DashboardSnapshot> {
  pause(): void;
  resume(): void;
  refreshNow(): void;
}

export interface TopAppProps {
  source: DashboardSource;
  /** Tells the model which node is selected and whether its detail is wanted. */
  onFocus?: (address: string | null, detail: boolean) => void;
  latencyLimitMs: number;
  color: boolean;
  initialSort?: NodeSort;
  /** Starts a traffic sampler on a node for the namespace panel (n); without it the panel says it is not available. */
  openTraffic?: (address: string) => LiveTraffic;
  /** The target in words, shown as a header line (see connection/target.ts). */
  target?: string;
}

/** Header lines above, the help line below (one more with a target line). */
const CHROME_LINES = 3;

interface UiState {
  view: TopView;
  /** The view help was opened from, to go back to. */
  helpFrom: TopView;
  selectedAddress: string | null;
  sort: NodeSort;
  chart: ChartKind;
  scope: 'total' | 'node';
}

const BINDINGS = activeBindings(TOP_KEYS, false);

export function TopApp({ source, onFocus, latencyLimitMs, color, initialSort = 'topology', openTraffic, target }: TopAppProps): ReactElement {
  const chromeLines = CHROME_LINES + (target === undefined ? 0 : 1);
  const { exit } = useApp();
  const state = useSnapshot(source);
  const { columns, rows: terminalRows } = useTerminalSize();
  // Input handlers read the latest state, never their render's: a burst of keys acts key by key.
  const [ui, setUi, latestUi] = useSyncState<UiState>(() => ({ view: 'table', helpFrom: 'table', selectedAddress: null, sort: initialSort, chart: 'ops', scope: 'total' }));
  const { view, sort, chart, scope } = ui;

  const rowsOf = (snapshot: DashboardSnapshot | undefined, by: NodeSort) => (snapshot === undefined ? [] : sortNodes(snapshot.nodes, by));
  const selectedIn = (rows: readonly NodeRow[], address: string | null) => Math.max(0, rows.findIndex((row) => row.address === address));
  const snapshot = state.value;
  const rows = rowsOf(snapshot, sort);
  const selected = selectedIn(rows, ui.selectedAddress);
  const selectedRow = rows[selected];

  useEffect(() => {
    onFocus?.(selectedRow?.address ?? null, view === 'detail');
  }, [onFocus, selectedRow?.address, view]);

  const act = (action: TopAction): void => {
    const ui = latestUi();
    const rows = rowsOf(source.current.value, ui.sort);
    const selected = selectedIn(rows, ui.selectedAddress);
    const selectedRow = rows[selected];
    const set = (change: Partial<UiState>) => setUi((previous) => ({ ...previous, ...change }));
    switch (action) {
      case 'quit':
        exit();
        return;
      case 'pause':
        if (source.current.paused) source.resume();
        else source.pause();
        return;
      case 'sort':
        // Keep the same node selected across the re-sort.
        set({ sort: nextSort(ui.sort), selectedAddress: selectedRow?.address ?? ui.selectedAddress });
        return;
      case 'up':
      case 'down': {
        if (rows.length === 0) return;
        const next = Math.min(rows.length - 1, Math.max(0, selected + (action === 'up' ? -1 : 1)));
        set({ selectedAddress: rows[next]!.address });
        return;
      }
      case 'detail':
        if (selectedRow === undefined) return;
        set({ selectedAddress: selectedRow.address, view: 'detail' });
        // Ask for the detail now rather than at the next tick.
        onFocus?.(selectedRow.address, true);
        source.refreshNow();
        return;
      case 'traffic':
        if (ui.view === 'traffic') {
          set({ view: 'table' });
          return;
        }
        if (selectedRow === undefined) return;
        set({ selectedAddress: selectedRow.address, view: 'traffic' });
        return;
      case 'back':
        set({ view: ui.view === 'help' ? ui.helpFrom : 'table' });
        return;
      case 'help':
        set(ui.view === 'help' ? { view: ui.helpFrom } : { view: 'help', helpFrom: ui.view });
        return;
      case 'chart-next':
        set({ chart: CHARTS[(CHARTS.indexOf(ui.chart) + 1) % CHARTS.length]! });
        return;
      case 'chart-hit-rate':
        set({ chart: 'hit-rate' });
        return;
      case 'chart-latency':
        set({ chart: 'p99' });
        return;
      case 'chart-scope':
        set({ scope: ui.scope === 'total' ? 'node' : 'total' });
        return;
    }
  };

  useKeystrokes((input, key) => {
    const action = resolveKey(BINDINGS, latestUi().view, input, key);
    if (action !== undefined) act(action);
  });

  // One line short of the terminal: a frame as tall as the screen makes ink clear it on every render.
  const height = Math.max(chromeLines + 2, terminalRows - 1);
  const body = height - chromeLines;
  const error = state.error === null ? null : state.error instanceof Error ? state.error.message : String(state.error);

  let content: ReactElement;
  if (view === 'help') {
    content = <HelpView entries={helpEntries(BINDINGS)} notes={topHelpNotes(latencyLimitMs)} height={body} color={color} />;
  } else if (view === 'detail' && selectedRow !== undefined) {
    const detail = snapshot?.detail?.address === selectedRow.address ? snapshot.detail : null;
    content = <DetailView row={selectedRow} detail={detail} width={columns} height={body} latencyLimitMs={latencyLimitMs} color={color} />;
  } else if (view === 'traffic' && selectedRow !== undefined) {
    content =
      openTraffic === undefined ? (
        <Line segments={[{ text: 'the namespace panel is not available here', tone: 'dim' }]} color={color} />
      ) : (
        <TrafficPanel address={selectedRow.address} open={openTraffic} width={columns} height={body} color={color} />
      );
  } else {
    // The table takes what it needs (header, rows, maybe a "more" line) but leaves room for one chart.
    const wanted = rows.length + 1;
    const tableHeight = Math.max(2, Math.min(wanted, body - 3));
    const chartHeight = body - tableHeight - 1;
    const history =
      snapshot === undefined
        ? { opsPerSec: [], hitRate: [], p99Ms: [] }
        : scope === 'node' && selectedRow !== undefined
          ? (snapshot.history.nodes[selectedRow.address] ?? snapshot.history.total)
          : snapshot.history.total;
    content = (
      <Box flexDirection="column">
        <NodeTable rows={rows} selected={selected} width={columns} height={tableHeight} latencyLimitMs={latencyLimitMs} color={color} />
        <Line segments={[{ text: ' ' }]} color={color} />
        <Charts history={history} first={chart} scope={scope === 'node' && selectedRow !== undefined ? selectedRow.address : 'total'} width={columns} height={chartHeight} color={color} />
      </Box>
    );
  }

  return (
    <Box flexDirection="column" width={columns} height={height}>
      <Header snapshot={snapshot} sortLabel={NODE_SORT_LABELS[sort]} paused={state.paused} error={error} latencyLimitMs={latencyLimitMs} color={color} target={target} />
      <Box flexDirection="column" flexGrow={1} overflow="hidden">
        {content}
      </Box>
      <Line segments={[{ text: fitHelp(helpLine(BINDINGS, view), columns), tone: 'dim' }]} color={color} />
    </Box>
  );
}
