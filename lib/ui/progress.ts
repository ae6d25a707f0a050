import { display, escapeHtml, inNotebook, newDisplayId } from './display';
import { formatDuration, formatMetrics } from './format';
import { requirePosInt } from '../core/validate';

/**
 * A progress bar for long loops: step/total, rate, ETA and the latest metrics.
 *
 *   const bar = progress(steps, 'pretrain');
 *   for (let step = 1; step <= steps; step++) { ...; bar.update(step, { loss }); }
 *   bar.done();
 *
 * In a notebook it is one output updated in place; in a terminal one line rewritten with '\r'; in a log that
 * is not a terminal (CI, the pipeline) a plain line at most every 10 seconds, plus the final one.
 */

/** What a bar knows at one moment. */
export interface ProgressState {
  label: string;
  step: number;
  total: number;
  /** Seconds since the bar was created. */
  elapsedSeconds: number;
  metrics: Record<string, number | string>;
  /** True once done() was called. */
  finished: boolean;
}

/** Where a bar draws itself. `render` is called at most as often as the sink's `minIntervalSeconds` allows. */
export interface ProgressSink {
  minIntervalSeconds: number;
  /** Draw the empty bar as soon as it is created (notebook and terminal; not log lines). */
  showStart: boolean;
  render(state: ProgressState): void;
}

/** Options of {@link progress}. */
export interface ProgressOptions {
  /** Where to draw (default: chosen from the environment, see the file comment). */
  sink?: ProgressSink;
  /** The clock in seconds (default: wall time); tests pass a fake one. */
  now?: () => number;
}

/** Steps per second as text: "12.5 it/s", or "3.2 s/it" when slower than one step per second. */
export function formatRate(stepsPerSecond: number): string {
  if (!Number.isFinite(stepsPerSecond) || stepsPerSecond <= 0) return '? it/s';
  return stepsPerSecond >= 1 ? `${stepsPerSecond.toFixed(1)} it/s` : `${(1 / stepsPerSecond).toFixed(1)} s/it`;
}

/**
 * The one-line text form, e.g.
 * "pretrain  50/100 [##########----------]  50% | 10.0 it/s | ETA 5s | loss=1.234".
 */
export function formatProgress(s: ProgressState, width = 20): string {
  const frac = s.total > 0 ? Math.min(1, Math.max(0, s.step / s.total)) : 0;
  const filled = Math.round(frac * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const counter = `${String(s.step).padStart(String(s.total).length)}/${s.total}`;
  const pct = `${String(Math.floor(frac * 100)).padStart(3)}%`;
  const rate = s.elapsedSeconds > 0 ? s.step / s.elapsedSeconds : NaN;
  const time = s.finished ? `${formatDuration(s.elapsedSeconds)} total`
    : `ETA ${s.step > 0 && Number.isFinite(rate) && rate > 0 ? formatDuration((s.total - s.step) / rate) : '?'}`;
  const parts = [`${s.label ? s.label + ' ' : ''}${counter} ${bar} ${pct}`, formatRate(rate), time];
  const m = formatMetrics(s.metrics);
  if (m) parts.push(m);
  return parts.join(' | ');
}

/** The HTML form: a <progress> element and the same facts as the text form. */
export function progressHtml(s: ProgressState): string {
  const text = formatProgress(s).replace(/ \[[#-]*\]/, '');
  return `<div style="font-family:monospace;white-space:pre"><progress value="${s.step}" max="${s.total}" ` +
    `style="width:220px;vertical-align:middle"></progress> ${escapeHtml(text)}</div>`;
}

/** Notebook sink: one display output, replaced in place (update_display_data). */
export function notebookSink(): ProgressSink {
  const displayId = newDisplayId();
  let shown = false;
  return {
    minIntervalSeconds: 0.25,
    showStart: true,
    render(s) {
      display({ 'text/html': progressHtml(s), 'text/plain': formatProgress(s) }, { displayId, update: shown });
      shown = true;
    },
  };
}

/** Terminal sink: the line is rewritten in place with '\r' (and cleared to its end). */
export function terminalSink(write: (text: string) => void = (t) => process.stdout.write(t)): ProgressSink {
  return {
    minIntervalSeconds: 0.1,
    showStart: true,
    render(s) {
      write(`\r${formatProgress(s)}\u001b[K${s.finished ? '\n' : ''}`);
    },
  };
}

/** Log sink (not a terminal): a plain line at most every `intervalSeconds`, and the final line. */
export function logSink(write: (text: string) => void = (t) => process.stdout.write(t), intervalSeconds = 10): ProgressSink {
  return {
    minIntervalSeconds: intervalSeconds,
    showStart: false,
    render(s) {
      write(`${formatProgress(s)}\n`);
    },
  };
}

/** A progress bar; see the file comment. */
export class ProgressBar {
  private readonly t0: number;
  private lastRender = -Infinity;
  private state: ProgressState;

  constructor(total: number, label: string, private readonly sink: ProgressSink, private readonly now: () => number) {
    requirePosInt(`progress(${total}, "${label}"): total`, total);
    this.t0 = now();
    this.state = { label, step: 0, total, elapsedSeconds: 0, metrics: {}, finished: false };
    if (sink.showStart) {
      this.lastRender = this.t0;
      sink.render(this.state);
    }
  }

  /** Records that `step` steps of `total` are done (and the latest metrics); redraws when due. */
  update(step: number, metrics: Record<string, number | string> = {}): void {
    if (this.state.finished) return;
    const t = this.now();
    this.state = { ...this.state, step, elapsedSeconds: t - this.t0, metrics: { ...this.state.metrics, ...metrics } };
    if (t - this.lastRender >= this.sink.minIntervalSeconds) {
      this.lastRender = t;
      this.sink.render(this.state);
    }
  }

  /** Marks the bar finished and draws it one last time (with total time instead of ETA). */
  done(metrics: Record<string, number | string> = {}): void {
    if (this.state.finished) return;
    const t = this.now();
    this.state = { ...this.state, elapsedSeconds: t - this.t0, metrics: { ...this.state.metrics, ...metrics }, finished: true };
    this.sink.render(this.state);
  }

  /** The current state (for tests and for logging elsewhere). */
  get current(): ProgressState {
    return { ...this.state, metrics: { ...this.state.metrics } };
  }

  /** The text form of the current state. */
  toString(): string {
    return formatProgress(this.state);
  }
}

/** The sink the environment calls for: notebook, terminal, or plain log lines. */
export function defaultSink(): ProgressSink {
  if (inNotebook()) return notebookSink();
  return process.stdout.isTTY ? terminalSink() : logSink();
}

/** Creates a progress bar over `total` steps (see the file comment). */
export function progress(total: number, label = '', opts: ProgressOptions = {}): ProgressBar {
  const sink = opts.sink ?? defaultSink();
  const now = opts.now ?? (() => Date.now() / 1000);
  return new ProgressBar(total, label, sink, now);
}
