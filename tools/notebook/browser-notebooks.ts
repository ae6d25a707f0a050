import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { writeFileAtomic } from '../../lib/core/atomic';
import { repoRoot, runDir } from '../../lib/core/paths';
import { projectJupyterPath } from './kernelspec';
import { NotebookServer, startNotebookServer } from './notebook-server';

/**
 * The notebooks as people open them: Debian's classic Jupyter Notebook served on 127.0.0.1, driven in headless
 * Chromium (Debian's /usr/bin/chromium).
 *
 *   npx tsx tools/notebook/browser-notebooks.ts [--saved executed.ipynb] [notebook.ipynb ...]
 *
 * Each notebook given (default notebooks/00_introduction.ipynb and notebooks/04_ppo.ipynb) is opened, run
 * through the page (Kernel → Restart & Run All, confirmed in its dialog) and checked once every cell has run:
 * no cell unrun or with an error output, every Plotly chart drawn (an svg.main-svg with drawn trace paths), and
 * the progress bars (lib/progress.ts: an HTML <progress> re-drawn in place) drawn part-way, re-drawn and finished.
 * Autosave is switched off in the page, and the notebook files must be byte-for-byte unchanged afterwards.
 *
 * Then an executed notebook the pipeline saved (default <run folder>/notebooks/03_reward_model.ipynb) is opened
 * WITHOUT running it, as it is (its charts must be drawn when Jupyter trusts it, or show the "not trusted"
 * placeholder when not) and as an untrusted copy (a metadata field added, so no signature matches): there every
 * chart must show the placeholder. A chart that is neither drawn nor says why fails the check.
 *
 * The kernels see the environment (RLHF_SMOKE, RLHF_RUN_DIR; JUPYTER_PATH is set to the project's .jupyter), so
 * 04_ppo needs the earlier stages' artifacts in the same run folder. Full-page screenshots go to
 * <run folder>/browser/. One line per notebook, then "browser notebooks: N passed, M failed"; exit 1 on any
 * failure. Environment: CHROMIUM (default /usr/bin/chromium), JUPYTER_PYTHON (default /usr/bin/python3),
 * RLHF_BROWSER_TIMEOUT (seconds per notebook run, default 1800).
 */

const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** What the page shows of one notebook (read from classic Notebook's own model and its DOM). */
interface PageReport {
  trusted: boolean;
  codeCells: number;
  /** 1-based numbers of non-empty code cells without an execution count. */
  unrun: number[];
  /** "cell N: ename: evalue" for every error output. */
  errors: string[];
  /** Outputs carrying a Plotly figure, in the notebook's model. */
  plotlyOutputs: number;
  /** Chart divs in the page, each drawn, showing the placeholder, or neither (blank). */
  charts: { drawn: number; placeholder: number; blank: number };
  progressBars: number;
  progressFinished: number;
}

const INSPECT = `(() => {
  const nb = Jupyter.notebook;
  const cells = nb.get_cells().map((c, i) => ({ c, n: i + 1 })).filter((x) => x.c.cell_type === 'code');
  const unrun = cells.filter((x) => x.c.get_text().trim() !== '' && typeof x.c.input_prompt_number !== 'number').map((x) => x.n);
  const errors = [];
  let plotlyOutputs = 0;
  for (const x of cells) {
    for (const o of x.c.output_area.outputs) {
      if (o.output_type === 'error') errors.push('cell ' + x.n + ': ' + o.ename + ': ' + o.evalue);
      if (o.data && o.data['application/vnd.plotly.v1+json']) plotlyOutputs++;
    }
  }
  const charts = { drawn: 0, placeholder: 0, blank: 0 };
  for (const d of document.querySelectorAll('#notebook .output_area div.rlhf-plot')) {
    const paths = Array.from(d.querySelectorAll('.cartesianlayer .trace path')).filter((p) => (p.getAttribute('d') || '').length > 2);
    const note = d.querySelector('.rlhf-plot-placeholder');
    if (d.querySelector('svg.main-svg') && paths.length > 0) charts.drawn++;
    else if (note && note.offsetHeight > 0 && /Chart not drawn/.test(note.textContent)) charts.placeholder++;
    else charts.blank++;
  }
  const bars = Array.from(document.querySelectorAll('#notebook .output_area progress'));
  return {
    trusted: nb.trusted === true, codeCells: cells.length, unrun, errors, plotlyOutputs, charts,
    progressBars: bars.length,
    progressFinished: bars.filter((b) => b.max > 0 && b.value >= b.max).length,
  };
})()`;

/** True while the kernel works or any cell waits to run ("*" prompt). */
const BUSY = `(() => {
  const busy = Jupyter.notebook.kernel_busy === true || document.querySelector('#kernel_indicator_icon.kernel_busy_icon') !== null;
  const queued = Jupyter.notebook.get_cells().some((c) => c.cell_type === 'code' && c.input_prompt_number === '*');
  return busy || queued;
})()`;

/**
 * Counts every <progress> the page draws from now on (a notebook bar's display is re-rendered on each update):
 * all of them, and those part-way (value below max; a bar is first drawn empty).
 */
const WATCH_REPLIES = `(() => {
  const failed = [];
  window.rlhfFailedReplies = failed;
  const cell = Jupyter.notebook.get_cells().find((c) => c.cell_type === 'code');
  if (!cell) return;
  const proto = Object.getPrototypeOf(cell);
  const original = proto._handle_execute_reply;
  proto._handle_execute_reply = function (msg) {
    const status = msg && msg.content ? msg.content.status : 'no reply';
    if (status !== 'ok') failed.push('cell ' + (Jupyter.notebook.find_cell_index(this) + 1) + ': the kernel replied ' + status +
      (status === 'error' ? ' (' + (msg.content.ename || '') + ': ' + (msg.content.evalue || '') + ')' : ''));
    return original.apply(this, arguments);
  };
})()`;

const WATCH_PROGRESS = `(() => {
  const seen = { renders: 0, partway: 0 };
  window.rlhfProgressSeen = seen;
  new MutationObserver((mutations) => {
    for (const m of mutations) for (const n of m.addedNodes) {
      if (n.nodeType !== 1) continue;
      const bars = n.matches('progress') ? [n] : Array.from(n.querySelectorAll('progress'));
      for (const b of bars) { seen.renders++; if (b.value < b.max) seen.partway++; }
    }
  }).observe(document.getElementById('notebook'), { childList: true, subtree: true });
})()`;

function rel(file: string): string {
  const r = path.relative(process.cwd(), file);
  return r.startsWith('..') ? file : r;
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Opens a notebook page and waits until classic Notebook has loaded it; autosave off (nothing is written). */
async function openNotebook(page: Page, server: NotebookServer, file: string): Promise<void> {
  await page.goto(server.notebookUrl(file), { waitUntil: 'load', timeout: 120000 });
  await page.waitForFunction(`window.Jupyter !== undefined && Jupyter.notebook !== undefined && Jupyter.notebook._fully_loaded === true`,
    undefined, { timeout: 120000, polling: 250 });
  await page.evaluate(`Jupyter.notebook.set_autosave_interval(0)`);
}

/** What the page drew of progress bars while the notebook ran. */
interface ProgressSeen {
  renders: number;
  partway: number;
}

/** Kernel → Restart & Run All, confirmed; waits until every cell has run. Returns the progress bars drawn. */
async function restartAndRunAll(page: Page, timeoutMs: number): Promise<ProgressSeen> {
  await page.waitForFunction(`Jupyter.notebook.kernel !== null && Jupyter.notebook.kernel.is_connected()`, undefined,
    { timeout: 120000, polling: 250 });
  await page.evaluate(WATCH_PROGRESS);
  await page.evaluate(WATCH_REPLIES);
  await page.click('#kernellink');
  await page.click('#restart_run_all > a');
  await page.click('.modal-dialog .modal-footer button.btn-danger', { timeout: 30000 });
  const t0 = Date.now();
  let idleSince = 0;
  // Done when the kernel is idle, no cell is queued, and that holds for 3 s (between cells it is briefly idle).
  while (Date.now() - t0 < timeoutMs) {
    await sleep(500);
    if (Date.now() - t0 < 3000) continue; // the restart itself
    if (await page.evaluate<boolean>(BUSY)) { idleSince = 0; continue; }
    if (idleSince === 0) idleSince = Date.now();
    if (Date.now() - idleSince >= 3000) return page.evaluate<ProgressSeen>(`window.rlhfProgressSeen`);
  }
  throw new Error(`still running after ${timeoutMs / 1000} s`);
}

/** A screenshot of the first chart's output alone (readable, unlike a full page of a long notebook). */
async function chartScreenshot(page: Page, file: string): Promise<void> {
  const first = page.locator('#notebook .output_area:has(div.rlhf-plot)').first();
  if ((await first.count()) === 0) return;
  await first.scrollIntoViewIfNeeded({ timeout: 10000 }).catch(() => undefined);
  await first.screenshot({ path: file, timeout: 10000 }).catch(() => undefined); // a blank chart may have no size
}

/** Lets the page grow to its full height (classic Notebook scrolls inside #site), then a full-page screenshot. */
async function screenshot(page: Page, file: string): Promise<void> {
  await page.evaluate(`(() => {
    document.body.style.position = 'static'; document.body.style.overflow = 'visible'; document.body.style.height = 'auto';
    const site = document.getElementById('site'); site.style.height = 'auto'; site.style.overflow = 'visible';
  })()`);
  await sleep(500);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
}

function chartText(r: PageReport): string {
  return `${r.charts.drawn} charts drawn, ${r.charts.placeholder} placeholders, ${r.charts.blank} blank`;
}

/** Runs one notebook through the page; returns the problems found ('' when none) and a one-line summary. */
async function checkRunNotebook(context: BrowserContext, server: NotebookServer, file: string, outDir: string,
  timeoutMs: number): Promise<{ problems: string[]; line: string }> {
  const before = fs.readFileSync(file);
  const page = await context.newPage();
  const t0 = Date.now();
  try {
    await openNotebook(page, server, file);
    const seen = await restartAndRunAll(page, timeoutMs);
    const r = await page.evaluate<PageReport>(INSPECT);
    const failedReplies = await page.evaluate<string[]>(`window.rlhfFailedReplies || []`);
    const problems: string[] = [];
    // tslab reports a failing cell on stderr and in its execute reply, not as an error output: both are checked.
    problems.push(...failedReplies);
    if (r.unrun.length > 0) problems.push(`cells not run: ${r.unrun.join(', ')}`);
    problems.push(...r.errors);
    if (r.plotlyOutputs === 0) problems.push('no Plotly chart output at all');
    if (r.charts.drawn !== r.plotlyOutputs || r.charts.blank + r.charts.placeholder > 0) {
      problems.push(`${r.plotlyOutputs} chart outputs but ${chartText(r)}`);
    }
    if (r.progressBars === 0) problems.push('no progress bar shown');
    else if (r.progressFinished !== r.progressBars) problems.push(`${r.progressBars - r.progressFinished} progress bars not finished`);
    else if (seen.partway === 0 || seen.renders <= r.progressBars) {
      problems.push(`progress bars not updated in place (${seen.renders} drawn, ${seen.partway} part-way, ${r.progressBars} at the end)`);
    }
    const shot = path.join(outDir, `${path.basename(file, '.ipynb')}.run.png`);
    await chartScreenshot(page, shot.replace(/\.png$/, '.chart1.png'));
    await screenshot(page, shot);
    if (!fs.readFileSync(file).equals(before)) problems.push(`${rel(file)} was changed by the page (it must not be saved)`);
    const secs = ((Date.now() - t0) / 1000).toFixed(0);
    return {
      problems,
      line: `${rel(file)}: run in the page (${r.codeCells} code cells, ${secs} s): ${chartText(r)}, ` +
        `${r.progressBars} progress bars (${r.progressFinished} finished; ${seen.renders} drawn in place, ${seen.partway} part-way), ` +
        `${r.errors.length + failedReplies.length} errors; screenshot ${rel(shot)}`,
    };
  } finally {
    await page.close();
  }
}

/** Opens a saved executed notebook without running it; `expectUntrusted` for the copy whose signature cannot match. */
async function checkSavedNotebook(context: BrowserContext, server: NotebookServer, file: string, outDir: string,
  shotName: string, expectUntrusted: boolean): Promise<{ problems: string[]; line: string }> {
  const page = await context.newPage();
  try {
    await openNotebook(page, server, file);
    await sleep(3000); // the first chart's output carries plotly.js; give the drawing scripts time to run
    const r = await page.evaluate<PageReport>(INSPECT);
    const problems: string[] = [];
    const total = r.charts.drawn + r.charts.placeholder + r.charts.blank;
    if (r.plotlyOutputs === 0) problems.push('no Plotly chart output at all');
    if (total !== r.plotlyOutputs) problems.push(`${r.plotlyOutputs} chart outputs but ${total} chart divs in the page`);
    if (r.charts.blank > 0) problems.push(`${r.charts.blank} charts silently blank (neither drawn nor a placeholder)`);
    if (expectUntrusted && r.trusted) problems.push('the copy with a changed signature opened as trusted');
    if (r.trusted && r.charts.placeholder > 0) problems.push(`trusted, yet ${r.charts.placeholder} charts not drawn`);
    if (!r.trusted && r.charts.drawn > 0) problems.push(`untrusted, yet ${r.charts.drawn} charts drawn (scripts ran?)`);
    const shot = path.join(outDir, `${shotName}.png`);
    await chartScreenshot(page, shot.replace(/\.png$/, '.chart1.png'));
    await screenshot(page, shot);
    return {
      problems,
      line: `${rel(file)}: opened without running, ${r.trusted ? 'trusted' : 'NOT trusted'}: ${chartText(r)}; screenshot ${rel(shot)}`,
    };
  } finally {
    await page.close();
  }
}

/** A copy of an executed notebook that no trust signature matches (one metadata field added). */
function untrustedCopy(file: string, outDir: string): string {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { metadata?: Record<string, unknown> };
  nb.metadata = { ...(nb.metadata ?? {}), rlhf_browser_check: 'a copy no trust signature matches' };
  const copy = path.join(outDir, `untrusted-${path.basename(file)}`);
  writeFileAtomic(copy, JSON.stringify(nb, null, 1) + '\n');
  return copy;
}

/** Parses the command line; throws with a usage message on bad arguments. */
export function parseArgs(argv: string[]): { run: string[]; saved: string } {
  const run: string[] = [];
  let saved = path.join(runDir(), 'notebooks', '03_reward_model.ipynb');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--saved' && i + 1 < argv.length) saved = path.resolve(argv[++i]);
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}\nusage: tsx tools/notebook/browser-notebooks.ts [--saved executed.ipynb] [notebook.ipynb ...]`);
    else run.push(path.resolve(a));
  }
  const defaults = ['00_introduction.ipynb', '04_ppo.ipynb'].map((n) => path.join(repoRoot, 'notebooks', n));
  return { run: run.length > 0 ? run : defaults, saved };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  for (const f of [...args.run, args.saved]) {
    if (!fs.existsSync(f)) throw new Error(`${f}: not found${f === args.saved ? ' (run the notebooks first: npx tsx tools/notebook/run-notebooks.ts ...)' : ''}`);
  }
  const timeoutMs = Number(process.env.RLHF_BROWSER_TIMEOUT ?? 1800) * 1000;
  const outDir = path.join(runDir(), 'browser');
  fs.mkdirSync(outDir, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-browser-'));
  const profile = path.join(scratch, 'chromium');
  let server: NotebookServer | undefined;
  let passed = 0;
  let failed = 0;
  const report = (name: string, r: { problems: string[]; line: string }) => {
    if (r.problems.length === 0) passed++;
    else failed++;
    console.log(`${r.problems.length === 0 ? 'ok  ' : 'FAIL'} ${r.line}`);
    for (const p of r.problems) console.log(`     ${name}: ${p}`);
  };
  const guarded = async (name: string, f: () => Promise<{ problems: string[]; line: string }>) => {
    try {
      report(name, await f());
    } catch (err) {
      report(name, { problems: [(err as Error).message.split('\n')[0]], line: `${name}: the check could not finish` });
    }
  };
  try {
    server = await startNotebookServer({ ...process.env, JUPYTER_PATH: projectJupyterPath, RLHF_RUN_DIR: runDir() },
      path.join(scratch, 'checkpoints'));
    const running = server;
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1200, height: 900 },
    });
    try {
      for (const f of args.run) await guarded(rel(f), () => checkRunNotebook(context, running, f, outDir, timeoutMs));
      const name = path.basename(args.saved, '.ipynb');
      await guarded(rel(args.saved), () => checkSavedNotebook(context, running, args.saved, outDir, `${name}.saved`, false));
      const copy = untrustedCopy(args.saved, outDir);
      await guarded(rel(copy), () => checkSavedNotebook(context, running, copy, outDir, `${name}.untrusted`, true));
    } finally {
      await context.close();
    }
  } finally {
    await server?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`browser notebooks: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`browser notebooks: ${(err as Error).message}`);
    process.exit(1);
  });
}
