import assert from 'node:assert/strict';
import { test } from 'node:test';
import { display, escapeHtml, inNotebook } from '../lib/ui/display';
import { barsFigure, figureSummary, histogramFigure, linesFigure, normaliseTitles, plotlyBundle, plotlyLibrarySource } from '../lib/ui/plot';
import { gridFigure } from '../lib/ui/grid';

test('outside a kernel, display prints the text/plain entry', () => {
  assert.equal(inNotebook(), false);
  const printed: unknown[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => { printed.push(...args); };
  try {
    display({ 'text/html': '<b>x</b>', 'text/plain': 'x' });
    display({ 'image/png': 'AAAA' });
  } finally {
    console.log = log;
  }
  assert.deepEqual(printed, ['x', '[output of type image/png]']);
});

test('escapeHtml escapes the five special characters', () => {
  assert.equal(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`), '&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;');
});

test('linesFigure: one scatter trace per series, x defaults to 0..n-1, lengths checked', () => {
  const fig = linesFigure({ train: [3, 2, 1], eval: { x: [0, 10], y: [2.5, 1.5] } }, { title: 'loss', xLabel: 'step' });
  assert.deepEqual(fig.data[0], { type: 'scatter', mode: 'lines', name: 'train', x: [0, 1, 2], y: [3, 2, 1] });
  assert.deepEqual(fig.data[1].x, [0, 10]);
  assert.deepEqual(fig.layout.title, { text: 'loss' });
  assert.deepEqual(fig.layout.xaxis, { title: { text: 'step' }, automargin: true });
  assert.throws(() => linesFigure({ bad: { x: [1, 2], y: [1] } }), /series "bad" has 2 x values and 1 y values/);
});

test('barsFigure: plain and grouped bars', () => {
  assert.deepEqual(barsFigure({ capital: 236, symbol: 100 }).data, [{ type: 'bar', name: 'value', x: ['capital', 'symbol'], y: [236, 100] }]);
  const g = barsFigure({ sft: { gold: 0.4, rm: 0.5 }, ppo: { gold: 0.7, rm: 0.9 } });
  assert.equal(g.layout.barmode, 'group');
  assert.deepEqual(g.data.map((t) => [t.name, t.x, t.y]), [['sft', ['gold', 'rm'], [0.4, 0.5]], ['ppo', ['gold', 'rm'], [0.7, 0.9]]]);
});

test('histogramFigure: overlaid samples with a bin count', () => {
  const h = histogramFigure({ chosen: [1, 2], rejected: [0] }, { bins: 10 });
  assert.equal(h.layout.barmode, 'overlay');
  assert.deepEqual(h.data.map((t) => [t.type, t.name, t.nbinsx]), [['histogram', 'chosen', 10], ['histogram', 'rejected', 10]]);
});

test('plotlyBundle: three MIME types; the library only when asked; no way out of the <script>', () => {
  const fig = linesFigure({ 'evil</script><script>alert(1)</script>': [1, 2] }, { title: 'T' });
  const without = plotlyBundle(fig, { includeLibrary: false, divId: 'p1' });
  assert.deepEqual(Object.keys(without).sort(), ['application/vnd.plotly.v1+json', 'text/html', 'text/plain']);
  const html = without['text/html'] as string;
  assert.match(html, /^<div id="p1" class="rlhf-plot"/);
  assert.match(html, /Plotly\.newPlot\("p1", fig\.data, fig\.layout, fig\.config\)/);
  assert.equal(html.split('</script>').length - 1, 1, 'the only </script> is the closing tag of the drawing script');
  const json = without['application/vnd.plotly.v1+json'] as { data: unknown[]; config: Record<string, unknown> };
  assert.equal(json.data.length, 1);
  assert.equal(json.config.displaylogo, false);
  const withLib = plotlyBundle(fig, { includeLibrary: true, divId: 'p1' })['text/html'] as string;
  assert.ok(withLib.includes(plotlyLibrarySource()), 'plotly.js inlined from node_modules');
  assert.match(plotlyLibrarySource().slice(0, 200), /plotly\.js \(cartesian - minified\)/);
});

test('plotlyBundle: string titles (of the chart and its axes) become { text }, which plotly.js draws', () => {
  const layout = { title: 'T', xaxis: { title: 'x', range: [0, 1] }, yaxis2: { title: { text: 'y2' } }, legend: { title: 'kept' } };
  assert.deepEqual(normaliseTitles(layout), { title: { text: 'T' }, xaxis: { title: { text: 'x' }, range: [0, 1] }, yaxis2: { title: { text: 'y2' } }, legend: { title: 'kept' } });
  assert.equal(layout.title, 'T', 'the given layout is not changed');
  const bundle = plotlyBundle({ data: [], layout }, { includeLibrary: false, divId: 'p2' });
  const json = bundle['application/vnd.plotly.v1+json'] as { layout: Record<string, unknown> };
  assert.deepEqual(json.layout.title, { text: 'T' });
  assert.match(bundle['text/html'] as string, /"title":\{"text":"T"\}/);
  assert.equal(bundle['text/plain'], '[plot "T": 0 traces (), 0 points]');
});

test('figureSummary says what the chart holds', () => {
  assert.equal(figureSummary(linesFigure({ a: [1, 2, 3], b: [4] }, { title: 'loss' })), '[plot "loss": 2 traces (a, b), 4 points]');
  assert.equal(figureSummary(barsFigure({ x: 1 })), '[plot: 1 trace (value), 1 points]');
});

test('gridFigure: one panel per quantity, each trace on its own panel\'s axes, the y axes titled', () => {
  const fig = gridFigure([
    { yLabel: 'gold Likert (1–7)', series: { rollouts: [5, 6], validation: { x: [1], y: [5.5] } } },
    { yLabel: 'RM score', series: { rm: [0.9, 1.1] }, mode: 'markers' },
    { yLabel: 'KL (nats)', series: { kl: [1, 2] } },
  ], { title: 'PPO', xLabel: 'iteration' });
  assert.deepEqual(fig.data.map((t) => [t.name, t.xaxis, t.yaxis, t.mode]), [
    ['rollouts', 'x', 'y', 'lines'], ['validation', 'x', 'y', 'lines'], ['rm', 'x2', 'y2', 'markers'], ['kl', 'x3', 'y3', 'lines'],
  ]);
  assert.deepEqual(fig.data[0].x, [0, 1]);
  assert.deepEqual(fig.layout.grid, { rows: 2, columns: 2, pattern: 'independent', xgap: 0.15, ygap: 0.3 });
  assert.deepEqual((fig.layout.yaxis2 as { title: unknown }).title, { text: 'RM score' });
  assert.deepEqual((fig.layout.xaxis3 as { title: unknown }).title, { text: 'iteration' });
  assert.equal((gridFigure([{ yLabel: 'a', series: { a: [1] } }]).layout.grid as { columns: number }).columns, 1);
  assert.throws(() => gridFigure([]), /no panels/);
  assert.throws(() => gridFigure([{ yLabel: 'a', series: { bad: { x: [1, 2], y: [1] } } }]), /series "bad" has 2 x values and 1 y values/);
});
