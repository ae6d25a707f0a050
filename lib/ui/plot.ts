import * as fs from 'fs';
import * as path from 'path';
import { display, escapeHtml, inNotebook, MimeBundle, newDisplayId } from './display';

/**
 * Plotly charts that draw offline. Every figure is one MIME bundle with
 *   application/vnd.plotly.v1+json  (JupyterLab with the plotly extension, VS Code),
 *   text/html                       (a div and a script calling Plotly.newPlot: classic Jupyter, nbconvert HTML,
 *                                    VS Code), and
 *   text/plain                      (a one-line summary: terminals, tests, text exports).
 * plotly.js itself (the cartesian build, 1.5 MB) is inlined into the HTML of the first figure of each kernel
 * session, so executed notebooks and their HTML exports need no network.
 */

/** One Plotly trace, e.g. { type: 'scatter', x, y, name }. See plotly.js's reference for the fields. */
export type PlotTrace = Record<string, unknown>;

/** A Plotly layout, e.g. { title: { text: 'loss' }, xaxis: { title: { text: 'step' } } }. */
export type PlotLayout = Record<string, unknown>;

/** A whole figure as Plotly's JSON schema has it. */
export interface Figure {
  data: PlotTrace[];
  layout: PlotLayout;
  config?: Record<string, unknown>;
}

/** Labels shared by the chart helpers. */
export interface ChartOptions {
  /** Chart title. */
  title?: string;
  /** Label of the x axis. */
  xLabel?: string;
  /** Label of the y axis. */
  yLabel?: string;
  /** Height in pixels (default 380). */
  height?: number;
}

let plotlySource: string | null = null;
let libraryShown = false;

/** The plotly.js bundle's source, read once from node_modules (never fetched). */
export function plotlyLibrarySource(): string {
  if (plotlySource === null) {
    const dir = path.dirname(require.resolve('plotly.js-cartesian-dist-min/package.json'));
    // '</script' cannot appear inside an inline script; the bundle has none, but stay safe.
    plotlySource = fs.readFileSync(path.join(dir, 'plotly-cartesian.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script');
  }
  return plotlySource;
}

/** JSON that can sit inside an inline <script> (no '</script>', no line separators that break JS). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A one-line description of a figure for text/plain. */
export function figureSummary(fig: Figure): string {
  const layoutTitle = fig.layout.title;
  const title = typeof layoutTitle === 'string' ? layoutTitle
    : typeof layoutTitle === 'object' && layoutTitle !== null && typeof (layoutTitle as { text?: unknown }).text === 'string'
      ? (layoutTitle as { text: string }).text : '';
  const names = fig.data.map((t, i) => (typeof t.name === 'string' ? t.name : `trace ${i + 1}`));
  const points = fig.data.reduce((n, t) => n + (Array.isArray(t.y) ? t.y.length : Array.isArray(t.x) ? t.x.length : 0), 0);
  return `[plot${title ? ` "${title}"` : ''}: ${fig.data.length} trace${fig.data.length === 1 ? '' : 's'}` +
    ` (${names.join(', ')}), ${points} points]`;
}

/**
 * The layout with every title as { text }: plotly.js dropped the older string form (`title: 'loss'`), which now
 * draws no title at all, for the chart and for its axes (xaxis, yaxis2, ...). Other fields are kept as given.
 */
export function normaliseTitles(layout: PlotLayout): PlotLayout {
  const asObject = (t: unknown) => (typeof t === 'string' ? { text: t } : t);
  const out: PlotLayout = { ...layout };
  if ('title' in out) out.title = asObject(out.title);
  for (const [k, v] of Object.entries(out)) {
    if (/^[xy]axis\d*$/.test(k) && typeof v === 'object' && v !== null && 'title' in v) {
      out[k] = { ...(v as Record<string, unknown>), title: asObject((v as Record<string, unknown>).title) };
    }
  }
  return out;
}

/** What a chart's HTML shows until its script draws it (and for good where scripts do not run). */
export const UNTRUSTED_CHART_TEXT =
  'Chart not drawn: this notebook is not trusted, so its chart scripts did not run. ' +
  'In Jupyter: File \u2192 Trust Notebook (or run the cell again).';

/**
 * The visible placeholder inside a chart's div. Classic Jupyter shows the HTML of an untrusted notebook
 * sanitized (scripts and styles removed, text kept) and ignores the Plotly JSON, so without this text an
 * untrusted notebook's charts are silently blank; the drawing script removes it.
 */
export function chartPlaceholder(summary: string): string {
  return `<p class="rlhf-plot-placeholder" style="margin:0;padding:8px;border:1px dashed #c00;color:#900;">` +
    `${escapeHtml(UNTRUSTED_CHART_TEXT)} ${escapeHtml(summary)}</p>`;
}

/**
 * The MIME bundle of a figure. `includeLibrary` puts plotly.js itself into the HTML (needed once per page);
 * the drawing script waits for Plotly to appear, so figure order in a page does not matter.
 */
export function plotlyBundle(fig: Figure, opts: { includeLibrary: boolean; divId?: string }): MimeBundle {
  const id = opts.divId ?? `rlhf-plot-${newDisplayId()}`;
  const config = { responsive: true, displaylogo: false, ...(fig.config ?? {}) };
  const full: Figure = { data: fig.data, layout: normaliseTitles(fig.layout), config };
  const height = typeof fig.layout.height === 'number' ? fig.layout.height : 380;
  const library = opts.includeLibrary
    ? `<script type="text/javascript">/* plotly.js (cartesian), inlined for offline use */\n${plotlyLibrarySource()}\n</script>\n`
    : '';
  const html =
    `<div id="${escapeHtml(id)}" class="rlhf-plot" style="width:100%;max-width:900px;height:${height}px;">` +
    `${chartPlaceholder(figureSummary(fig))}</div>\n` +
    library +
    `<script type="text/javascript">\n(function () {\n` +
    `  var fig = ${scriptJson(full)};\n` +
    `  function note() { var d = document.getElementById(${scriptJson(id)}); return d && d.querySelector('.rlhf-plot-placeholder'); }\n` +
    `  function draw() { var p = note(); if (p) p.remove(); window.Plotly.newPlot(${scriptJson(id)}, fig.data, fig.layout, fig.config); }\n` +
    `  if (window.Plotly) { draw(); return; }\n` +
    `  var tries = 0, timer = setInterval(function () {\n` +
    `    if (window.Plotly) { clearInterval(timer); draw(); } else if (++tries > 200) {\n` +
    `      clearInterval(timer); var p = note(); if (p) p.textContent = 'Chart not drawn: plotly.js did not load on this page.';\n` +
    `    }\n` +
    `  }, 50);\n})();\n</script>`;
  return {
    'application/vnd.plotly.v1+json': { data: fig.data, layout: full.layout, config },
    'text/html': html,
    'text/plain': figureSummary(fig),
  };
}

/** Shows any Plotly figure (data + layout), e.g. showPlot([{ type: 'scatter', x, y }], { title: { text: 't' } }). */
export function showPlot(data: PlotTrace[], layout: PlotLayout = {}, config: Record<string, unknown> = {}): void {
  const fig: Figure = { data, layout, config };
  const includeLibrary = inNotebook() && !libraryShown;
  display(plotlyBundle(fig, { includeLibrary }));
  if (includeLibrary) libraryShown = true;
}

/** The layout the chart helpers share: title, axis labels, compact margins. */
export function baseLayout(opts: ChartOptions): PlotLayout {
  const layout: PlotLayout = {
    height: opts.height ?? 380,
    margin: { l: 60, r: 20, t: opts.title ? 50 : 20, b: 50 },
    xaxis: { title: { text: opts.xLabel ?? '' }, automargin: true },
    yaxis: { title: { text: opts.yLabel ?? '' }, automargin: true },
    legend: { orientation: 'h', y: -0.2 },
  };
  if (opts.title) layout.title = { text: opts.title };
  return layout;
}

/** A series: y values (x = 0, 1, 2, ...) or explicit x and y of the same length. */
export type Series = number[] | { x: number[]; y: number[] };

/** A line chart figure: one line per named series. Throws when x and y lengths differ. */
export function linesFigure(series: Record<string, Series>, opts: ChartOptions = {}): Figure {
  const data = Object.entries(series).map(([name, s]) => {
    const y = Array.isArray(s) ? s : s.y;
    const x = Array.isArray(s) ? y.map((_, i) => i) : s.x;
    if (x.length !== y.length) throw new Error(`plotLines: series "${name}" has ${x.length} x values and ${y.length} y values`);
    return { type: 'scatter', mode: 'lines', name, x, y };
  });
  return { data, layout: baseLayout(opts) };
}

/** Shows a line chart, e.g. plotLines({ train: losses, eval: { x: evalSteps, y: evalLosses } }, { title: 'loss' }). */
export function plotLines(series: Record<string, Series>, opts: ChartOptions = {}): void {
  const fig = linesFigure(series, opts);
  showPlot(fig.data, fig.layout);
}

/**
 * A bar chart figure. `values` maps a category to a number ({ capital: 236, symbol: 100 }), or a group name to
 * such a map for grouped bars ({ sft: { gold: 0.4 }, ppo: { gold: 0.7 } }).
 */
export function barsFigure(values: Record<string, number> | Record<string, Record<string, number>>, opts: ChartOptions = {}): Figure {
  const entries = Object.entries(values);
  const grouped = entries.length > 0 && typeof entries[0][1] === 'object';
  const data = grouped
    ? entries.map(([name, m]) => {
      const byKey = m as Record<string, number>;
      return { type: 'bar', name, x: Object.keys(byKey), y: Object.values(byKey) };
    })
    : [{ type: 'bar', name: opts.yLabel ?? 'value', x: entries.map(([k]) => k), y: entries.map(([, v]) => v as number) }];
  const layout = baseLayout(opts);
  if (grouped) layout.barmode = 'group';
  return { data, layout };
}

/** Shows a bar chart, e.g. plotBars({ capital: 236, symbol: 100 }, { title: 'facts by kind' }). */
export function plotBars(values: Record<string, number> | Record<string, Record<string, number>>, opts: ChartOptions = {}): void {
  const fig = barsFigure(values, opts);
  showPlot(fig.data, fig.layout);
}

/** A histogram figure: one overlaid histogram per named sample (or one unnamed sample). */
export function histogramFigure(values: number[] | Record<string, number[]>, opts: ChartOptions & { bins?: number } = {}): Figure {
  const samples = Array.isArray(values) ? { values } : values;
  const data = Object.entries(samples).map(([name, x]) => {
    const trace: PlotTrace = { type: 'histogram', name, x, opacity: Array.isArray(values) ? 1 : 0.6 };
    if (opts.bins) trace.nbinsx = opts.bins;
    return trace;
  });
  const layout = baseLayout(opts);
  layout.barmode = 'overlay';
  return { data, layout };
}

/** Shows a histogram, e.g. plotHistogram({ chosen: rChosen, rejected: rRejected }, { title: 'rewards', bins: 30 }). */
export function plotHistogram(values: number[] | Record<string, number[]>, opts: ChartOptions & { bins?: number } = {}): void {
  const fig = histogramFigure(values, opts);
  showPlot(fig.data, fig.layout);
}
