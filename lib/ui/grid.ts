import { Figure, PlotLayout, PlotTrace, Series, showPlot } from './plot';

/**
 * Charts of several quantities that share an x axis, one quantity per panel: each panel has its own y axis titled
 * with its quantity and unit, so a Likert score near 5 and a normalised score near 1 never share a scale.
 */

/** One panel: the title of its y axis (the quantity and its unit) and the series drawn on it. */
export interface GridPanel {
  yLabel: string;
  series: Record<string, Series>;
  /** 'lines' (default), 'markers' or 'lines+markers'. */
  mode?: 'lines' | 'markers' | 'lines+markers';
}

/** Options of a grid of panels. */
export interface GridOptions {
  title?: string;
  /** Title of every panel's x axis. */
  xLabel?: string;
  /** Panels per row (default: 2, or 1 for a single panel). */
  columns?: number;
  /** Height of one row of panels, in pixels. */
  rowHeight?: number;
}

/** A figure of panels on a grid (Plotly's layout.grid, independent axes x/y, x2/y2 …). Throws on bad series. */
export function gridFigure(panels: readonly GridPanel[], opts: GridOptions = {}): Figure {
  if (panels.length === 0) throw new Error('gridFigure: no panels');
  const columns = Math.min(panels.length, opts.columns ?? 2);
  if (!(Number.isInteger(columns) && columns >= 1)) throw new Error(`gridFigure: columns must be a positive integer, got ${opts.columns}`);
  const rows = Math.ceil(panels.length / columns);
  const panelsHeight = rows * (opts.rowHeight ?? 300);
  const layout: PlotLayout = {
    height: panelsHeight + 160,
    margin: { l: 60, r: 20, t: opts.title ? 50 : 20, b: 110 },
    grid: { rows, columns, pattern: 'independent', xgap: 0.15, ygap: 0.3 },
    // below the bottom row's tick labels and axis title, whatever the number of rows
    legend: { orientation: 'h', y: -70 / panelsHeight, yanchor: 'top' },
  };
  if (opts.title) layout.title = { text: opts.title };
  const data: PlotTrace[] = [];
  panels.forEach((panel, i) => {
    const k = i === 0 ? '' : String(i + 1);
    layout[`xaxis${k}`] = { title: { text: opts.xLabel ?? '' }, automargin: true };
    layout[`yaxis${k}`] = { title: { text: panel.yLabel }, automargin: true };
    for (const [name, s] of Object.entries(panel.series)) {
      const y = Array.isArray(s) ? s : s.y;
      const x = Array.isArray(s) ? y.map((_, j) => j) : s.x;
      if (x.length !== y.length) throw new Error(`gridFigure: series "${name}" has ${x.length} x values and ${y.length} y values`);
      data.push({ type: 'scatter', mode: panel.mode ?? 'lines', name, x, y, xaxis: `x${k}`, yaxis: `y${k}` });
    }
  });
  return { data, layout };
}

/**
 * Shows panels on a grid, e.g. plotGrid([{ yLabel: 'gold Likert (1–7)', series: { gold } }, { yLabel: 'RM score',
 * series: { rm } }], { title: 'Proxy and gold', xLabel: 'iteration' }).
 */
export function plotGrid(panels: readonly GridPanel[], opts: GridOptions = {}): void {
  const fig = gridFigure(panels, opts);
  showPlot(fig.data, fig.layout);
}
