import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, formatMetrics, formatNumber } from '../lib/ui/format';
import { formatProgress, formatRate, logSink, progress, progressHtml, ProgressSink, ProgressState, terminalSink } from '../lib/ui/progress';

test('formatNumber / formatDuration / formatMetrics', () => {
  assert.deepEqual([0.123456, 1234.5678, 3, 1.5e-7, 12345.6, -0.5, 0.1 + 0.2].map((x) => formatNumber(x)),
    ['0.1235', '1235', '3', '1.5e-7', '12346', '-0.5', '0.3']);
  assert.deepEqual([5, 185, 3725, -1].map(formatDuration), ['5s', '3m05s', '1h02m', '?']);
  assert.equal(formatMetrics({ loss: 1.23456, kl: 0.01, note: 'ok' }), 'loss=1.235 kl=0.01 note=ok');
});

test('formatProgress: counter, bar, percent, rate, ETA, metrics', () => {
  const s: ProgressState = { label: 'pretrain', step: 50, total: 100, elapsedSeconds: 5, metrics: { loss: 1.2346 }, finished: false };
  assert.equal(formatProgress(s), 'pretrain  50/100 [##########----------]  50% | 10.0 it/s | ETA 5s | loss=1.235');
  assert.equal(formatProgress({ ...s, step: 100, elapsedSeconds: 10, finished: true, metrics: {} }),
    'pretrain 100/100 [####################] 100% | 10.0 it/s | 10s total');
  assert.equal(formatRate(0.25), '4.0 s/it');
  assert.match(progressHtml({ ...s, metrics: { note: '<x>' } }), /<progress value="50" max="100"[^>]*><\/progress> pretrain  50\/100  50% .*note=&lt;x&gt;/);
});

/** A sink that records every state it is asked to draw. */
function recorder(minIntervalSeconds: number, showStart = false): ProgressSink & { seen: ProgressState[] } {
  const seen: ProgressState[] = [];
  return { minIntervalSeconds, showStart, seen, render: (s) => { seen.push(s); } };
}

test('the bar redraws at most once per interval, and always when done', () => {
  let now = 100;
  const sink = recorder(10);
  const bar = progress(6, 'x', { sink, now: () => now });
  for (let step = 1; step <= 6; step++) {
    now += 4; // 4 s per step → draws at t = 104, 116 (12 s after), then done at 124
    bar.update(step, { loss: 1 / step });
  }
  bar.done();
  assert.deepEqual(sink.seen.map((s) => [s.step, s.elapsedSeconds, s.finished]), [[1, 4, false], [4, 16, false], [6, 24, true]]);
  assert.equal(sink.seen[2].metrics.loss, 1 / 6, 'the latest metrics');
  bar.update(7);
  bar.done();
  assert.equal(sink.seen.length, 3, 'nothing after done');
});

test('notebook and terminal sinks draw the empty bar at once; a log does not', () => {
  const shown = recorder(0.1, true);
  progress(3, 'y', { sink: shown, now: () => 0 });
  assert.deepEqual(shown.seen.map((s) => s.step), [0]);
  const log = recorder(10, false);
  progress(3, 'y', { sink: log, now: () => 0 });
  assert.deepEqual(log.seen, []);
});

test('terminal sink rewrites one line; log sink writes whole lines', () => {
  const out: string[] = [];
  let now = 0;
  const tty = progress(2, 't', { sink: terminalSink((t) => out.push(t)), now: () => now });
  now = 1; tty.update(1);
  now = 2; tty.done();
  assert.deepEqual(out.map((s) => s.slice(0, 8)), ['\rt 0/2 [', '\rt 1/2 [', '\rt 1/2 [']);
  assert.ok(out.every((s) => s.startsWith('\r') && s.includes('\u001b[K')));
  assert.ok(out[2].endsWith('\n') && !out[1].endsWith('\n'));
  const lines: string[] = [];
  const lg = progress(2, 'l', { sink: logSink((t) => lines.push(t), 10), now: () => 0 });
  lg.update(1);
  lg.update(2);
  lg.done();
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => l.endsWith('\n') && !l.includes('\r')));
});

test('a bad total is refused with the label in the message', () => {
  assert.throws(() => progress(0, 'ppo'), /progress\(0, "ppo"\): total must be a positive integer/);
  assert.throws(() => progress(2.5), /total must be a positive integer/);
});
