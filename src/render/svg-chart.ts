// Charts as inline SVG text, for HTML reports that must open without network access: a line chart
// of several series over time, and horizontal bars. No script; sizes in viewBox units.

import { xmlEscape } from './audit-junit.js';

export interface ChartSeries {
  label: string;
  /** [x, y] points in x order; a null y breaks the line. */
  points: readonly (readonly [number, number | null])[];
}

export interface LineChartOptions {
  title: string;
  series: readonly ChartSeries[];
  /** Text for a y value (axis labels). */
  formatY: (value: number) => string;
  /** Text for an x value (axis labels). */
  formatX: (value: number) => string;
  /** The y axis starts at 0 and reaches at least this (e.g. 1 for a ratio). */
  minYMax?: number;
  width?: number;
  height?: number;
}

/** Distinguishable on white and in greyscale print. */
export const SERIES_COLOURS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7ea4', '#6e7781'] as const;

const MARGIN = { left: 64, right: 12, top: 24, bottom: 28 };

/** The SVG path of one series, scaled into the plot; `M`…`L` runs broken at nulls, a lone point as a short tick. */
export function seriesPath(points: ChartSeries['points'], scaleX: (x: number) => number, scaleY: (y: number) => number): string {
  const parts: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length === 1) run.push("h3");
    parts.push(...run);
    run = [];
  };
  for (const [x, y] of points) {
    if (y === null || !Number.isFinite(y)) {
      flush();
      continue;
    }
    const sx = scaleX(x).toFixed(1);
    const sy = scaleY(y).toFixed(1);
    run.push(run.length === 0 ? `M${sx} ${sy}` : `L${sx} ${sy}`);
  }
  flush();
  return parts.join(' ');
}

export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 560;
  const height = options.height ?? 180;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const xs = options.series.flatMap((s) => s.points.map(([x]) => x));
  const ys = options.series.flatMap((s) => s.points.flatMap(([, y]) => (y === null || !Number.isFinite(y) ? [] : [y])));
  const xMin = xs.length === 0 ? 0 : Math.min(...xs);
  const xMax = xs.length === 0 ? 1 : Math.max(...xs, xMin + 1);
  const yMax = Math.max(options.minYMax ?? 0, ...ys) * 1.1 || 1;
  const scaleX = (x: number) => MARGIN.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const scaleY = (y: number) => MARGIN.top + plotH - (y / yMax) * plotH;
  const title = xmlEscape(options.title);
  const out: string[] = [
    `<svg class="chart" role="img" aria-label="${title}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
    `<text class="chart-title" x="${MARGIN.left}" y="16">${title}</text>`,
  ];
  for (const fraction of [0, 0.5, 1]) {
    const y = scaleY(yMax * fraction).toFixed(1);
    out.push(`<line class="grid" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${y}" y2="${y}"/>`);
    out.push(`<text class="axis" x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${xmlEscape(options.formatY(yMax * fraction))}</text>`);
  }
  out.push(`<text class="axis" x="${MARGIN.left}" y="${height - 8}">${xmlEscape(options.formatX(xMin))}</text>`);
  out.push(`<text class="axis" x="${width - MARGIN.right}" y="${height - 8}" text-anchor="end">${xmlEscape(options.formatX(xMax))}</text>`);
  if (ys.length === 0) {
    out.push(`<text class="no-data" x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH / 2}" text-anchor="middle">no data in the window</text>`);
  }
  options.series.forEach((series, index) => {
    const d = seriesPath(series.points, scaleX, scaleY);
    if (d === '') return;
    const colour = SERIES_COLOURS[index % SERIES_COLOURS.length]!;
    out.push(`<path class="series" d="${d}" stroke="${colour}" fill="none" stroke-width="1.8" stroke-linecap="round"><title>${xmlEscape(series.label)}</title></path>`);
  });
  out.push('</svg>');
  return out.join('');
}

export interface Bar {
  label: string;
  value: number;
  /** Shown right of the bar. */
  text: string;
  /** Indentation level of the label (a tree's depth). */
  indent?: number;
}

/** Horizontal bars scaled to the largest value. */
export function barChart(title: string, bars: readonly Bar[], width = 760): string {
  const rowH = 20;
  const labelW = 300;
  const textW = 150;
  const height = 28 + bars.length * rowH;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const escaped = xmlEscape(title);
  const out = [
    `<svg class="chart bars" role="img" aria-label="${escaped}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
    `<text class="chart-title" x="0" y="16">${escaped}</text>`,
  ];
  bars.forEach((bar, index) => {
    const y = 24 + index * rowH;
    const w = Math.max(1, (bar.value / max) * (width - labelW - textW));
    const label = bar.label.length > 44 ? `${bar.label.slice(0, 43)}…` : bar.label;
    out.push(`<text class="bar-label" x="${(bar.indent ?? 0) * 12}" y="${y + 14}">${xmlEscape(label)}<title>${xmlEscape(bar.label)}</title></text>`);
    out.push(`<rect class="bar" x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${SERIES_COLOURS[0]}"/>`);
    out.push(`<text class="axis" x="${labelW + w + 6}" y="${y + 14}">${xmlEscape(bar.text)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}
