import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium } from 'playwright-core';
import { runDir } from '../../lib/core/paths';

/**
 * Checks that Plotly charts in an executed notebook actually draw OFFLINE: the notebook is exported to HTML with
 * nbconvert (Debian's /usr/bin/python3 -m jupyter nbconvert), opened in headless Chromium (Debian's
 * /usr/bin/chromium, fresh profile, every non-file request blocked), and every plot div must contain an
 * `svg.main-svg` with drawn traces. Screenshots go to <run folder>/plot-check/.
 *
 *   npx tsx tools/notebook/check-plot-render.ts [executed.ipynb | exported.html]
 *
 * Default input: <run folder>/notebooks/00_introduction.ipynb (written by the notebook runner).
 * Environment: CHROMIUM (default /usr/bin/chromium), JUPYTER_PYTHON (default /usr/bin/python3).
 */

const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

/** What the page shows for one plot div. */
interface PlotReport {
  id: string;
  svg: boolean;
  traces: number;
  drawnPaths: number;
}

function exportHtml(notebook: string, outDir: string): string {
  const python = process.env.JUPYTER_PYTHON ?? '/usr/bin/python3';
  const r = spawnSync(python, ['-m', 'jupyter', 'nbconvert', '--to', 'html', '--output-dir', outDir, notebook], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`nbconvert --to html failed for ${notebook} (${python}):\n${(r.stderr || r.stdout || String(r.error)).trim()}`);
  }
  return path.join(outDir, path.basename(notebook).replace(/\.ipynb$/, '.html'));
}

async function main(): Promise<void> {
  const input = path.resolve(process.argv[2] ?? path.join(runDir(), 'notebooks', '00_introduction.ipynb'));
  if (!fs.existsSync(input)) throw new Error(`${input}: not found (run the notebooks first: npm run test:notebooks)`);
  const outDir = path.join(runDir(), 'plot-check');
  fs.mkdirSync(outDir, { recursive: true });
  const html = input.endsWith('.html') ? input : exportHtml(input, outDir);
  const name = path.basename(html, '.html');

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-chromium-'));
  const blocked: string[] = [];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1100, height: 900 },
  });
  try {
    // Offline for real: anything that is not a local file is refused, so a chart can only draw from inlined code.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`file://${html}`, { waitUntil: 'load', timeout: 60000 });
    const plots = await page.locator('div.rlhf-plot').count();
    if (plots === 0) throw new Error(`${html}: no plot divs (div.rlhf-plot) in the page — did the notebook show any chart?`);
    // Page-side code as strings: this project compiles without DOM types.
    try {
      await page.waitForFunction(`document.querySelectorAll('div.rlhf-plot svg.main-svg').length >= ${plots}`, undefined,
        { timeout: 30000, polling: 200 });
    } catch {
      // reported below, plot by plot
    }
    const reports = await page.evaluate<PlotReport[]>(`Array.from(document.querySelectorAll('div.rlhf-plot')).map((d) => ({
      id: d.id,
      svg: d.querySelector('svg.main-svg') !== null,
      traces: d.querySelectorAll('.cartesianlayer .trace').length,
      drawnPaths: Array.from(d.querySelectorAll('.cartesianlayer .trace path'))
        .filter((p) => (p.getAttribute('d') || '').length > 2).length,
    }))`);
    const first = page.locator('div.rlhf-plot').first();
    await first.scrollIntoViewIfNeeded();
    const shot = path.join(outDir, `${name}.plot1.png`);
    await first.screenshot({ path: shot });
    await page.screenshot({ path: path.join(outDir, `${name}.page.png`), fullPage: false });

    const bad = reports.filter((r) => !r.svg || r.traces === 0 || r.drawnPaths === 0);
    for (const r of reports) {
      console.log(`  ${r.id}: ${r.svg ? 'svg.main-svg' : 'NO svg'}, ${r.traces} traces, ${r.drawnPaths} drawn paths`);
    }
    if (blocked.length > 0) console.log(`  blocked ${blocked.length} network request(s), e.g. ${blocked[0]}`);
    if (pageErrors.length > 0) console.log(`  page errors: ${pageErrors.slice(0, 3).join(' | ')}`);
    if (bad.length > 0) {
      throw new Error(`${path.relative(process.cwd(), html)}: ${bad.length} of ${reports.length} plots not drawn (${bad.map((b) => b.id).join(', ')})`);
    }
    console.log(`plot check: ${reports.length}/${reports.length} Plotly charts drawn offline in ${path.relative(process.cwd(), html)}; screenshot ${path.relative(process.cwd(), shot)}`);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`plot check FAILED: ${(err as Error).message}`);
  process.exit(1);
});
