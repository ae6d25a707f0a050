import { Figure, PlotLayout, PlotTrace, showPlot } from './plot';

/**
 * The leaderboard's chart: gold (left) and the reward model's score, the proxy (right), against d = √KL to the SFT
 * model. Every method is a point with its 95 % intervals in both directions; best-of-n is a line of points (one per
 * n); fitted curves and training trajectories are drawn where given. Plain numbers in, a Plotly figure out.
 */

/** A method's mean over seeds, with the half-widths of its 95 % intervals. */
export interface GaoChartMethod {
  name: string;
  d: number;
  dHalf: number;
  gold: number;
  goldHalf: number;
  proxy: number;
  proxyHalf: number;
}

export interface GaoChartInput {
  methods: readonly GaoChartMethod[];
  /** Best-of-n for n = 1, 2, 4 …: its d, gold and proxy (one point per n). */
  bestOfN: readonly { n: number; d: number; gold: number; proxy: number }[];
  /** Fitted curves on the gold panel, already in gold units (start + gain). */
  curves: readonly { name: string; d: readonly number[]; gold: readonly number[] }[];
  /** Training trajectories (gold and proxy per logged step against d), drawn faint. */
  trajectories?: readonly { name: string; d: readonly number[]; gold: readonly number[]; proxy: readonly number[] }[];
}

/** One colour and marker per method, in order (best-of-n keeps Plotly's blue, the trajectories grey). */
const METHOD_COLOURS = ['#222222', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#393b79', '#637939'];
const METHOD_SYMBOLS = ['circle', 'square', 'diamond', 'triangle-up', 'triangle-down', 'pentagon', 'hexagon', 'star', 'cross', 'x', 'circle-open', 'square-open'];

export function gaoFigure(input: GaoChartInput, opts: { title?: string } = {}): Figure {
  const data: PlotTrace[] = [];
  const left = { xaxis: 'x', yaxis: 'y' };
  const right = { xaxis: 'x2', yaxis: 'y2' };
  for (const t of input.trajectories ?? []) {
    if (t.d.length !== t.gold.length || t.d.length !== t.proxy.length) throw new Error(`gaoFigure: trajectory "${t.name}" has unequal lengths`);
    const style = { type: 'scatter', mode: 'markers', marker: { size: 4, opacity: 0.25, color: '#7f7f7f' }, legendgroup: t.name };
    data.push({ ...style, name: t.name, x: [...t.d], y: [...t.gold], ...left });
    data.push({ ...style, name: t.name, x: [...t.d], y: [...t.proxy], showlegend: false, ...right });
  }
  if (input.bestOfN.length > 0) {
    const style = { type: 'scatter', mode: 'lines+markers', line: { color: '#1f77b4' }, legendgroup: 'bestOfN',
      text: input.bestOfN.map((p) => `n = ${p.n}`), hovertemplate: '%{text}: %{y:.3f} at √KL %{x:.2f}<extra></extra>' };
    data.push({ ...style, name: 'best-of-n', x: input.bestOfN.map((p) => p.d), y: input.bestOfN.map((p) => p.gold), ...left });
    data.push({ ...style, name: 'best-of-n', x: input.bestOfN.map((p) => p.d), y: input.bestOfN.map((p) => p.proxy), showlegend: false, ...right });
  }
  input.curves.forEach((c, i) => {
    if (c.d.length !== c.gold.length) throw new Error(`gaoFigure: curve "${c.name}" has unequal lengths`);
    // the first curve is best-of-n's law (its blue), the others dark grey
    data.push({ type: 'scatter', mode: 'lines', line: { dash: 'dash', color: i === 0 ? '#1f77b4' : '#555555' }, name: c.name, x: [...c.d], y: [...c.gold], ...left });
  });
  input.methods.forEach((m, i) => {
    const colour = METHOD_COLOURS[i % METHOD_COLOURS.length];
    const point = {
      type: 'scatter', mode: 'markers', marker: { size: 11, color: colour, symbol: METHOD_SYMBOLS[i % METHOD_SYMBOLS.length] }, legendgroup: m.name,
      error_x: { type: 'data', array: [m.dHalf], visible: true, color: colour }, hovertemplate: `${m.name}: %{y:.3f} at √KL %{x:.2f}<extra></extra>`,
    };
    data.push({ ...point, name: m.name, x: [m.d], y: [m.gold], error_y: { type: 'data', array: [m.goldHalf], visible: true, color: colour }, ...left });
    data.push({ ...point, name: m.name, x: [m.d], y: [m.proxy], error_y: { type: 'data', array: [m.proxyHalf], visible: true, color: colour }, showlegend: false, ...right });
  });
  const layout: PlotLayout = {
    height: 520,
    margin: { l: 60, r: 20, t: opts.title ? 50 : 20, b: 150 },
    grid: { rows: 1, columns: 2, pattern: 'independent', xgap: 0.15 },
    xaxis: { title: { text: '√KL to SFT (√nats)' }, rangemode: 'tozero', automargin: true },
    yaxis: { title: { text: 'gold Likert (1–7)' }, automargin: true },
    xaxis2: { title: { text: '√KL to SFT (√nats)' }, rangemode: 'tozero', automargin: true },
    yaxis2: { title: { text: 'RM score (the proxy)' }, automargin: true },
    legend: { orientation: 'h', y: -0.25, yanchor: 'top' },
  };
  if (opts.title) layout.title = { text: opts.title };
  return { data, layout };
}

/** Shows the leaderboard's chart (see gaoFigure). */
export function plotGao(input: GaoChartInput, opts: { title?: string } = {}): void {
  const fig = gaoFigure(input, opts);
  showPlot(fig.data, fig.layout);
}
