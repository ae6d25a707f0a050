import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../../lib/core/atomic';
import { removeStaleTemps } from '../../lib/core/atomicDir';
import { isSmoke, repoRoot, runDir } from '../../lib/core/paths';
import { JupyterMessage, KernelClient } from './jupyter-client';
import { kernelSpec } from './kernelspec';
import { trustNotebook } from './trust-notebook';
import { cellSource, formatNotebook, Notebook, NotebookOutput, readNotebook, toLines } from './notebook';

/**
 * Runs notebooks headless, without Python: one fresh kernel (the workbook's tslab kernel, started from the
 * repository root) per notebook, code cells in order, stopping at the first failing cell. Executed copies go
 * to <run folder>/notebooks/<name>.ipynb.
 *
 *   npx tsx tools/notebook/run-notebooks.ts [notebook.ipynb ...] [--timeout SECONDS] [--echo]
 *
 * Without paths it runs every notebooks/*.ipynb in name order. The kernel inherits the environment, so
 * RLHF_SMOKE=1 (smoke mode) and RLHF_RUN_DIR reach the notebooks. Executed copies are signed with Jupyter's
 * trust mechanism when Python's nbformat is there (tools/notebook/trust-notebook.ts). The last line is
 * "notebooks: N passed, M failed"; the exit code is 1 when any notebook failed.
 */

/** Default per-cell time limit: 5 minutes in smoke mode, 4 hours in full mode. */
export function defaultCellTimeoutSeconds(): number {
  return isSmoke() ? 300 : 4 * 3600;
}

/** Options of {@link runNotebook}. */
export interface RunOptions {
  /** Per-cell time limit in seconds (0 = none). */
  timeoutSeconds: number;
  /** Echo the cells' text output live (the pipeline does; tests do not). */
  echo: boolean;
  /** Where lines of the report go. */
  log: (line: string) => void;
  /** File name of the executed copy in <run folder>/notebooks (default: the notebook's own name). */
  executedName?: string;
}

/** The result of one notebook. */
export interface NotebookResult {
  file: string;
  ok: boolean;
  /** One line: why it failed (names the file and cell), or '' when it passed. */
  reason: string;
  /** Where the executed copy was written ('' when the notebook could not be read). */
  executedPath: string;
  seconds: number;
}

/** Turns iopub messages into nbformat outputs, following display ids across the whole notebook. */
class OutputCollector {
  private readonly displays = new Map<string, NotebookOutput[]>();
  private clearPending = false;

  constructor(private readonly outputs: NotebookOutput[][]) {}

  add(cellIndex: number, msg: JupyterMessage): void {
    const outs = this.outputs[cellIndex];
    const c = msg.content;
    const type = msg.header.msg_type;
    if (type === 'clear_output') {
      if (c.wait) this.clearPending = true;
      else outs.length = 0;
      return;
    }
    if (type === 'update_display_data') {
      const id = displayId(c);
      for (const o of (id && this.displays.get(id)) || []) {
        o.data = mimeLines(c.data);
        o.metadata = asRecord(c.metadata);
      }
      return;
    }
    if (this.clearPending && ['stream', 'display_data', 'execute_result', 'error'].includes(type)) {
      outs.length = 0;
      this.clearPending = false;
    }
    if (type === 'stream') {
      const name = String(c.name ?? 'stdout');
      const text = String(c.text ?? '');
      const last = outs[outs.length - 1];
      if (last && last.output_type === 'stream' && last.name === name) {
        last.text = toLines(joinText(last.text) + text);
      } else {
        outs.push({ output_type: 'stream', name, text: toLines(text) });
      }
    } else if (type === 'display_data' || type === 'execute_result') {
      const out: NotebookOutput = { output_type: type, data: mimeLines(c.data), metadata: asRecord(c.metadata) };
      if (type === 'execute_result') out.execution_count = typeof c.execution_count === 'number' ? c.execution_count : null;
      outs.push(out);
      const id = displayId(c);
      if (id) this.displays.set(id, [...(this.displays.get(id) ?? []), out]);
    } else if (type === 'error') {
      outs.push({
        output_type: 'error', ename: String(c.ename ?? 'Error'), evalue: String(c.evalue ?? ''),
        traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [],
      });
    }
  }
}

function asRecord(x: unknown): Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
}

function displayId(content: Record<string, unknown>): string | undefined {
  const id = asRecord(content.transient).display_id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function joinText(t: string | string[] | undefined): string {
  return Array.isArray(t) ? t.join('') : t ?? '';
}

/** nbformat stores text/* values as lists of lines; JSON values stay as they are. */
function mimeLines(data: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [mime, v] of Object.entries(asRecord(data))) {
    out[mime] = typeof v === 'string' && (mime.startsWith('text/') || mime === 'image/svg+xml') ? toLines(v) : v;
  }
  return out;
}

/** The text a failing cell left on stderr (tslab prints errors there) and in error outputs. */
export function errorText(outputs: NotebookOutput[]): string {
  const parts: string[] = [];
  for (const o of outputs) {
    if (o.output_type === 'stream' && o.name === 'stderr') parts.push(joinText(o.text));
    if (o.output_type === 'error') parts.push(`${o.ename}: ${o.evalue}\n${(o.traceback ?? []).join('\n')}`);
  }
  return parts.join('').replace(/\u001b\[[0-9;]*m/g, '').trim();
}

/** The line of an error text that says what went wrong (an "...Error: ..." line or a TypeScript diagnostic). */
export function errorHeadline(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const hit = lines.find((l) => /^(\S+ )?\d+:\d+ - /.test(l) || /^(Uncaught )?[\w$.]*(Error|Exception)\b/.test(l)) ??
    lines.find((l) => /\b\w*(Error|Exception)\b/.test(l));
  return hit ?? lines[lines.length - 1] ?? '(the kernel reported an error without a message)';
}

/** Drops stack frames inside tslab and node:vm, which say nothing about the notebook. */
function withoutKernelFrames(text: string): string {
  return text.split('\n').filter((l) => !/^\s+at .*(node_modules[\\/]tslab|node:vm|sigintHandlersWrap)/.test(l)).join('\n');
}

function rel(file: string): string {
  const r = path.relative(process.cwd(), file);
  return r.startsWith('..') ? file : r;
}

function indent(text: string): string {
  return text.split('\n').map((l) => `    ${l}`).join('\n');
}

/** Prints cell output live (pipeline mode): streams as they come, display text at most every 15 s per display. */
class Echo {
  private lastUpdate = new Map<string, number>();
  constructor(private readonly write: (s: string) => void) {}

  show(msg: JupyterMessage): void {
    const c = msg.content;
    const type = msg.header.msg_type;
    if (type === 'stream') this.write(String(c.text ?? ''));
    if (type !== 'display_data' && type !== 'update_display_data' && type !== 'execute_result') return;
    const text = asRecord(c.data)['text/plain'];
    if (typeof text !== 'string') return;
    const id = displayId(c);
    if (type === 'update_display_data' && id) {
      const now = Date.now();
      if (now - (this.lastUpdate.get(id) ?? 0) < 15000 && !/\bdone\b|100%/.test(text)) return;
      this.lastUpdate.set(id, now);
    }
    this.write(text.endsWith('\n') ? text : text + '\n');
  }
}

/** Executes one notebook in a fresh kernel and writes the executed copy (also when a cell fails). */
export async function runNotebook(file: string, opts: RunOptions): Promise<NotebookResult> {
  const t0 = Date.now();
  const name = rel(file);
  const fail = (reason: string, executedPath = ''): NotebookResult =>
    ({ file, ok: false, reason, executedPath, seconds: (Date.now() - t0) / 1000 });
  let nb: Notebook;
  try {
    nb = readNotebook(file);
  } catch (err) {
    return fail(`${name}: ${(err as Error).message.replace(`${file}: `, '')}`);
  }
  const executedPath = path.join(runDir(), 'notebooks', opts.executedName ?? path.basename(file));
  removeStaleTemps(path.dirname(executedPath)); // what a killed run left half-written
  const outputs: NotebookOutput[][] = nb.cells.map(() => []);
  const counts: (number | null)[] = nb.cells.map(() => null);
  const collector = new OutputCollector(outputs);
  const echo = opts.echo ? new Echo((s) => process.stdout.write(s)) : null;
  const save = () => {
    const executed: Notebook = {
      ...nb,
      cells: nb.cells.map((c, i) => (c.cell_type === 'code' ? { ...c, outputs: outputs[i], execution_count: counts[i] } : c)),
    };
    writeFileAtomic(executedPath, formatNotebook(executed));
    // Trusted where it ran, so classic Jupyter draws its charts; elsewhere they show a "not trusted" note.
    const trust = trustNotebook(executedPath);
    if (trust.status === 'failed') opts.log(`note: the executed copy is not trusted (${trust.reason})`);
  };

  let kernel: KernelClient;
  try {
    kernel = await KernelClient.start({ argv: kernelSpec().argv, cwd: repoRoot, env: process.env });
  } catch (err) {
    return fail(`${name}: ${(err as Error).message}`);
  }
  try {
    const codeCells = nb.cells.filter((c) => c.cell_type === 'code').length;
    let done = 0;
    for (let i = 0; i < nb.cells.length; i++) {
      const cell = nb.cells[i];
      const source = cellSource(cell);
      if (cell.cell_type !== 'code' || source.trim() === '') continue;
      done++;
      if (opts.echo) opts.log(`── ${name} cell ${i + 1} (code cell ${done}/${codeCells})`);
      const r = await kernel.execute(source, {
        timeoutMs: opts.timeoutSeconds * 1000,
        onOutput: (msg) => { collector.add(i, msg); echo?.show(msg); },
      });
      counts[i] = r.executionCount;
      if (r.status === 'ok') continue;
      save();
      const where = `${name}: cell ${i + 1}`;
      let reason: string;
      let detail = '';
      if (r.status === 'timeout') {
        reason = `${where} timed out after ${opts.timeoutSeconds} s (kernel stopped)`;
      } else if (r.status === 'died') {
        reason = `${where}: the kernel died (${kernel.exited ?? 'no reply'})`;
        detail = kernel.kernelLog.trim();
      } else if (r.status === 'abort') {
        reason = `${where} was aborted by the kernel`;
      } else {
        detail = errorText(outputs[i]);
        reason = `${where} failed: ${errorHeadline(detail)}`;
      }
      opts.log(`FAIL ${reason}`);
      opts.log(`  --- source of cell ${i + 1} ---\n${indent(source.trimEnd())}`);
      if (detail) opts.log(`  --- error output ---\n${indent(withoutKernelFrames(detail))}`);
      opts.log(`  executed copy (up to the failure): ${rel(executedPath)}`);
      return fail(reason, executedPath);
    }
    save();
    const seconds = (Date.now() - t0) / 1000;
    opts.log(`ok   ${name} (${codeCells} code cells, ${seconds.toFixed(1)} s) → ${rel(executedPath)}`);
    return { file, ok: true, reason: '', executedPath, seconds };
  } finally {
    await kernel.shutdown();
  }
}

/** Runs notebooks one after another (each in its own kernel); a failing notebook does not stop the others
 *  unless `stopOnFailure` is set. Prints and returns the summary line. */
export async function runNotebooks(files: string[], opts: RunOptions & { stopOnFailure?: boolean }):
  Promise<{ results: NotebookResult[]; summary: string }> {
  const results: NotebookResult[] = [];
  for (const f of files) {
    const r = await runNotebook(f, opts);
    if (!r.ok && !r.executedPath) opts.log(`FAIL ${r.reason}`);
    results.push(r);
    if (!r.ok && opts.stopOnFailure) break;
  }
  const passed = results.filter((r) => r.ok).length;
  const summary = `notebooks: ${passed} passed, ${results.length - passed} failed`;
  opts.log(summary);
  return { results, summary };
}

/** Every notebooks/*.ipynb in name order. */
export function allNotebooks(): string[] {
  const dir = path.join(repoRoot, 'notebooks');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort().map((f) => path.join(dir, f));
}

/** Parses the command line; throws with a usage message on bad arguments. */
export function parseArgs(argv: string[]): { files: string[]; timeoutSeconds: number; echo: boolean } {
  const files: string[] = [];
  let timeoutSeconds = defaultCellTimeoutSeconds();
  let echo = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--timeout') {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`--timeout needs a number of seconds ≥ 0 (0 = none), got ${argv[i]}`);
      timeoutSeconds = v;
    } else if (a === '--echo') {
      echo = true;
    } else if (a.startsWith('--')) {
      throw new Error(`unknown option ${a}\nusage: tsx tools/notebook/run-notebooks.ts [notebook.ipynb ...] [--timeout SECONDS] [--echo]`);
    } else {
      files.push(path.resolve(a));
    }
  }
  return { files: files.length > 0 ? files : allNotebooks(), timeoutSeconds, echo };
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  if (args.files.length === 0) {
    console.log('no notebooks found in notebooks/');
  }
  const { results } = await runNotebooks(args.files, { ...args, log: (l) => console.log(l) });
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`run-notebooks: ${(err as Error).stack ?? err}`);
    process.exit(1);
  });
}
