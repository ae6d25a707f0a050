import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as dfd from 'danfojs-node';
import { formatCell, tableBundle, toHtmlTable, toTextTable } from '../lib/ui/table';

test('records become an HTML table with every cell escaped', () => {
  const html = toHtmlTable([{ prompt: '<b>hi</b> & bye', score: 0.123456 }, { prompt: 'x', score: 7, extra: true }]);
  assert.match(html, /<th style="text-align:left">prompt<\/th><th style="text-align:left">score<\/th><th style="text-align:left">extra<\/th>/);
  assert.ok(html.includes('&lt;b&gt;hi&lt;/b&gt; &amp; bye'));
  assert.ok(!html.includes('<b>hi'));
  assert.match(html, /text-align:right;[^>]*>0\.1235<\/td>/);
  assert.match(html, /<td[^>]*><\/td><\/tr>/, 'a missing value is an empty cell');
});

test('the text fallback is aligned: numbers right, text left', () => {
  const text = toTextTable([{ name: 'a', n: 1 }, { name: 'bbb', n: 100 }]);
  assert.equal(text, ['name    n', '----  ---', 'a       1', 'bbb   100'].join('\n'));
});

test('long tables are cut at maxRows with a note', () => {
  const rows = Array.from({ length: 5 }, (_, i) => ({ i }));
  assert.match(toHtmlTable(rows, { maxRows: 2 }), /… 3 more rows \(5 in all\)/);
  assert.equal(toTextTable(rows, { maxRows: 2 }).split('\n').length, 5);
});

test('formatCell: numbers, arrays, empty values', () => {
  assert.equal(formatCell(2 / 3), '0.6667');
  assert.equal(formatCell([1, 'a']), '[1,"a"]');
  assert.equal(formatCell(new Float32Array([0.5])), '[0.5]');
  assert.equal(formatCell(null), '');
});

test('danfo DataFrames and Series show as tables with their row labels', () => {
  const df = new dfd.DataFrame([{ kind: 'capital', n: 236 }, { kind: 'symbol', n: 100 }]);
  const b = tableBundle(df);
  assert.equal(b['text/plain'], ['   kind       n', '-  -------  ---', '0  capital  236', '1  symbol   100'].join('\n'));
  assert.match(b['text/html'] as string, /<tr><th>1<\/th><td[^>]*>symbol<\/td><td[^>]*>100<\/td><\/tr>/);
  const s = df['n'] as dfd.Series;
  assert.equal(toTextTable(s), ['     n', '-  ---', '0  236', '1  100'].join('\n'));
});

test('danfo and the workbook share ONE tfjs engine and backend', async () => {
  // danfojs-node requires @tensorflow/tfjs-node, which package.json overrides with shims/tfjs-node.
  assert.equal(require('@tensorflow/tfjs-node'), require('@tensorflow/tfjs'));
  assert.equal(dfd.tensorflow.engine(), tf.engine());
  await tf.setBackend('cpu');
  assert.equal(dfd.tensorflow.getBackend(), 'cpu');
  const before = tf.memory().numTensors;
  const t = new dfd.DataFrame([{ a: 1, b: 2 }]).tensor;
  assert.ok(t instanceof tf.Tensor, "danfo's tensors are our Tensor class");
  assert.equal(tf.memory().numTensors, before + 1, "danfo's tensor is counted by our engine");
  t.dispose();
});
