// `cachectl top`'s screen: header, node table and charts, or the selected node's detail, or help —
// laid out to the terminal's size. It only renders snapshots and turns keys into actions through
// the keymap; the poller and the model (core) do all the work.

import { Box, useApp, useInput } from 'ink';
import type { ReactElement } from 'react';
import { useEffect, useRef, useState } from 'react';
import type { DashboardSnapshot } from '../../core/dashboard/snapshot.js';
import type { NodeSort } from '../../core/dashboard/sort.js';
import { nextSort, NODE_SORT_LABELS, sortNodes } from '../../core/dashboard/sort.js';
import { Charts, CHARTS } from './Charts.js';
import type { ChartKind } from './Charts.js';
import { DetailView } from './DetailView.js';
import { Header } from './Header.js';
import { HelpView } from './HelpView.js';
import { Line } from '../shared/Line.js';
import { NodeTable } from './NodeTable.js';
import type { SnapshotSource } from './use-snapshot.js';
import { useSnapshot } from './use-snapshot.js';
import { useTerminalSize } from '../shared/use-terminal-size.js';
import type { TopAction, TopView } from './keymap.js';
import { actionFor, helpLine } from './keymap.js';

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
}

/** Header lines above, the help line below. */
const CHROME_LINES = 3;

export function TopApp({ source, onFocus, latencyLimitMs, color, initialSort = 'topology' }: TopAppProps): ReactElement {
  const { exit } = useApp();
  const state = useSnapshot(source);
  const { columns, rows: terminalRows } = useTerminalSize();
  const [view, setView] = useState<TopView>('table');
  const [helpFrom, setHelpFrom] = useState<TopView>('table');
  const [selectedAddress, setSelectedAddress] = useState<string | null>(null);
  const [sort, setSort] = useState<NodeSort>(initialSort);
  const [chart, setChart] = useState<ChartKind>('ops');
  const [scope, setScope] = useState<'total' | 'node'>('total');

  const snapshot = state.value;
  const rows = snapshot === undefined ? [] : sortNodes(snapshot.nodes, sort);
  const found = rows.findIndex((row) => row.address === selectedAddress);
  const selected = found >= 0 ? found : 0;
  const selectedRow = rows[selected];

  useEffect(() => {
    onFocus?.(selectedRow?.address ?? null, view === 'detail');
  }, [onFocus, selectedRow?.address, view]);

  // ink re-registers the input handler after each render; a key arriving in between would see the
  // previous render's values. The handler reads the latest ones from here instead.
  const latest = useRef({ rows, selected, view, helpFrom, sort, chart, scope, paused: state.paused });
  latest.current = { rows, selected, view, helpFrom, sort, chart, scope, paused: state.paused };

  const act = (action: TopAction): void => {
    const { rows, selected, view, helpFrom, sort, chart, scope, paused } = latest.current;
    const selectedRow = rows[selected];
    switch (action) {
      case 'quit':
        exit();
        return;
      case 'pause':
        if (paused) source.resume();
        else source.pause();
        return;
      case 'sort':
        setSort(nextSort(sort));
        // Keep the same node selected across the re-sort.
        if (selectedRow !== undefined) setSelectedAddress(selectedRow.address);
        return;
      case 'up':
      case 'down': {
        if (rows.length === 0) return;
        const next = Math.min(rows.length - 1, Math.max(0, selected + (action === 'up' ? -1 : 1)));
        setSelectedAddress(rows[next]!.address);
        // A second key before the next render moves on from here.
        latest.current.selected = next;
        return;
      }
      case 'detail':
        if (selectedRow === undefined) return;
        setSelectedAddress(selectedRow.address);
        setView('detail');
        latest.current.view = 'detail';
        // Ask for the detail now rather than at the next tick.
        onFocus?.(selectedRow.address, true);
        source.refreshNow();
        return;
      case 'back':
        latest.current.view = view === 'help' ? helpFrom : 'table';
        setView(latest.current.view);
        return;
      case 'help':
        if (view === 'help') latest.current.view = helpFrom;
        else {
          setHelpFrom(view);
          latest.current.helpFrom = view;
          latest.current.view = 'help';
        }
        setView(latest.current.view);
        return;
      case 'chart-next':
        setChart(CHARTS[(CHARTS.indexOf(chart) + 1) % CHARTS.length]!);
        return;
      case 'chart-hit-rate':
        setChart('hit-rate');
        return;
      case 'chart-latency':
        setChart('p99');
        return;
      case 'chart-scope':
        setScope(scope === 'total' ? 'node' : 'total');
        return;
    }
  };

  useInput((input, key) => {
    const action = actionFor(input, key, latest.current.view);
    if (action !== undefined) act(action);
  });

  // One line short of the terminal: a frame as tall as the screen makes ink clear it on every render.
  const height = Math.max(CHROME_LINES + 2, terminalRows - 1);
  const body = height - CHROME_LINES;
  const error = state.error === null ? null : state.error instanceof Error ? state.error.message : String(state.error);

  let content: ReactElement;
  if (view === 'help') {
    content = <HelpView latencyLimitMs={latencyLimitMs} height={body} color={color} />;
  } else if (view === 'detail' && selectedRow !== undefined) {
    const detail = snapshot?.detail?.address === selectedRow.address ? snapshot.detail : null;
    content = <DetailView row={selectedRow} detail={detail} width={columns} height={body} latencyLimitMs={latencyLimitMs} color={color} />;
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
      <Header snapshot={snapshot} sortLabel={NODE_SORT_LABELS[sort]} paused={state.paused} error={error} latencyLimitMs={latencyLimitMs} color={color} />
      <Box flexDirection="column" flexGrow={1} overflow="hidden">
        {content}
      </Box>
      <Line segments={[{ text: helpLine(view, columns), tone: 'dim' }]} color={color} />
    </Box>
  );
}
