import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildReport, outputHtml } from '../tools/commands/report';

test('the report renders prose, escaped code, tables, charts and metrics of a run folder', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-report-'));
  fs.mkdirSync(path.join(dir, 'notebooks'));
  fs.mkdirSync(path.join(dir, 'sft'));
  fs.writeFileSync(path.join(dir, 'sft', 'metrics.json'), JSON.stringify({ goldLikertMean: 3.14159, steps: 550 }));
  const nb = {
    nbformat: 4, nbformat_minor: 5, metadata: {},
    cells: [
      { cell_type: 'markdown', metadata: {}, source: ['# Title\n', 'Some *prose*.'] },
      { cell_type: 'code', metadata: {}, execution_count: 1, source: 'const a = 1 < 2;', outputs: [
        { output_type: 'stream', name: 'stdout', text: ['x < y\n'] },
        { output_type: 'display_data', metadata: {}, data: { 'application/vnd.plotly.v1+json': { data: [{ x: [1], y: [2] }], layout: {} }, 'text/plain': 'plot' } },
        { output_type: 'display_data', metadata: {}, data: { 'text/html': '<table><tr><td>cell</td></tr></table>', 'text/plain': 'cell' } },
      ] },
    ],
  };
  fs.writeFileSync(path.join(dir, 'notebooks', '01_x.ipynb'), JSON.stringify(nb));
  const html = fs.readFileSync(buildReport(dir), 'utf8');
  assert.match(html, /<h1>Title<\/h1>/);
  assert.match(html, /<em>prose<\/em>/);
  assert.match(html, /const a = 1 &lt; 2;/);
  assert.match(html, /x &lt; y/);
  assert.match(html, /<table><tr><td>cell<\/td><\/tr><\/table>/);
  assert.match(html, /Plotly\.newPlot/);
  assert.match(html, /gold Likert <b>3\.14<\/b> at temperature 1/, 'the report card');
  assert.match(html, /<b>goldLikertMean<\/b> 3\.142/, 'the full metrics');
  assert.equal(html.split('plotly.js (cartesian').length - 1, 1, 'plotly.js is inlined exactly once');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('errors and plain text outputs are escaped', () => {
  assert.equal(outputHtml({ output_type: 'error', ename: 'Error', evalue: '<b>' }), '<pre class="error">Error: &lt;b&gt;</pre>');
  assert.equal(outputHtml({ output_type: 'execute_result', data: { 'text/plain': 'a<b' }, metadata: {} }), '<pre>a&lt;b</pre>');
});
