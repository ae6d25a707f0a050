import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { chartPlaceholder, linesFigure, plotlyBundle, UNTRUSTED_CHART_TEXT } from '../lib/ui/plot';

test('a chart div holds a visible "not drawn" note until its script removes it', () => {
  const fig = linesFigure({ loss: [3, 2, 1] }, { title: 'L<1>' });
  const html = plotlyBundle(fig, { includeLibrary: false, divId: 'p9' })['text/html'] as string;
  const div = html.slice(0, html.indexOf('</div>'));
  assert.match(div, /^<div id="p9" class="rlhf-plot"[^>]*><p class="rlhf-plot-placeholder"/);
  assert.ok(div.includes('Chart not drawn: this notebook is not trusted'), 'says why the chart is missing');
  assert.ok(div.includes('[plot &quot;L&lt;1&gt;&quot;: 1 trace (loss), 3 points]'), 'and what it would show, escaped');
  assert.match(html, /if \(p\) p\.remove\(\); window\.Plotly\.newPlot\("p9"/, 'the drawing script removes the note first');
  assert.match(html, /plotly\.js did not load/, 'and replaces its text when plotly.js never appears');
});

test('chartPlaceholder escapes the summary', () => {
  const p = chartPlaceholder('<b>&</b>');
  assert.ok(p.includes('&lt;b&gt;&amp;&lt;/b&gt;'));
  assert.ok(!p.includes('<b>'));
  assert.ok(p.includes(UNTRUSTED_CHART_TEXT), 'the whole message, arrow included');
});
