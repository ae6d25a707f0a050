import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeMessage, encodeMessage, JupyterMessage, KernelClient } from '../tools/notebook/jupyter-client';
import { kernelSpec } from '../tools/notebook/kernelspec';
import { Notebook, parseNotebook } from '../tools/notebook/notebook';
import { errorHeadline, parseArgs, runNotebooks } from '../tools/notebook/run-notebooks';

const root = path.resolve(__dirname, '..');
const fixture = (name: string) => path.join(root, 'tests', 'fixtures', name);
let runDirTmp = '';
const savedEnv = { ...process.env };

before(() => {
  runDirTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-runner-test-'));
  process.env.RLHF_RUN_DIR = runDirTmp;
  process.env.RLHF_SMOKE = '1';
});
after(() => {
  process.env = savedEnv;
  fs.rmSync(runDirTmp, { recursive: true, force: true });
});

/** Runs notebooks in this process, collecting the report lines. */
async function run(files: string[], timeoutSeconds = 120) {
  const lines: string[] = [];
  const { results, summary } = await runNotebooks(files, { timeoutSeconds, echo: false, log: (l) => lines.push(l) });
  return { results, summary, text: lines.join('\n') };
}

function executed(name: string): Notebook {
  const file = path.join(runDirTmp, 'notebooks', name);
  return parseNotebook(fs.readFileSync(file, 'utf8'), file);
}

function outputText(nb: Notebook, cell: number): string {
  return (nb.cells[cell].outputs ?? []).map((o) => {
    if (o.output_type === 'stream') return Array.isArray(o.text) ? o.text.join('') : o.text ?? '';
    const plain = o.data?.['text/plain'];
    return Array.isArray(plain) ? plain.join('') : String(plain ?? '');
  }).join('');
}

describe('notebook runner (a real tslab kernel per notebook)', () => {
  test('runs a good notebook and writes the executed copy with outputs', async () => {
    const { results, summary } = await run([fixture('ok.ipynb')]);
    assert.equal(summary, 'notebooks: 1 passed, 0 failed');
    assert.equal(results[0].ok, true);
    const nb = executed('ok.ipynb');
    assert.equal(outputText(nb, 1), 'smoke=true\n', 'RLHF_SMOKE reaches the kernel; ./lib imports work');
    assert.equal(outputText(nb, 2), '42\n', 'the value of the last expression is printed');
    assert.deepEqual(nb.cells[3].outputs?.[0].data, { 'text/html': ['<b>bold</b>'] });
    assert.deepEqual(nb.cells.map((c) => c.execution_count ?? null), [null, 1, 2, 3, 4, 5]);
  });

  test('plots are full MIME bundles and plotly.js is inlined only into the first one', async () => {
    const nb = executed('ok.ipynb');
    const [first, second] = nb.cells[4].outputs ?? [];
    for (const o of [first, second]) {
      assert.equal(o.output_type, 'display_data');
      assert.deepEqual(Object.keys(o.data ?? {}).sort(), ['application/vnd.plotly.v1+json', 'text/html', 'text/plain']);
    }
    const html = (o: typeof first) => (o.data?.['text/html'] as string[]).join('');
    assert.match(html(first), /plotly\.js \(cartesian\), inlined/);
    assert.ok(html(first).length > 1_000_000, 'the first figure carries the 1.5 MB library');
    assert.ok(html(second).length < 10_000, 'later figures do not');
    assert.match(html(second), /Plotly\.newPlot/);
  });

  test('a progress bar is one output, updated in place to its final state', async () => {
    const outs = executed('ok.ipynb').cells[5].outputs ?? [];
    assert.equal(outs.length, 1);
    assert.match(outputText(executed('ok.ipynb'), 5), /^fixture 5\/5 \[#{20}\] 100% \| .* \| loss=0\.2$/);
  });

  test('a throwing cell fails the notebook with that cell\'s number, source and error, and stops there', async () => {
    const { results, summary, text } = await run([fixture('throws.ipynb')]);
    assert.equal(results[0].ok, false);
    assert.equal(results[0].reason, 'tests/fixtures/throws.ipynb: cell 2 failed: Error: deliberately broken: 41');
    assert.match(text, /--- source of cell 2 ---\n {4}const answer = 41;\n {4}throw new Error/);
    assert.match(text, /--- error output ---[\s\S]*Error: deliberately broken: 41/);
    assert.equal(summary, 'notebooks: 0 passed, 1 failed');
    const nb = executed('throws.ipynb');
    assert.equal(outputText(nb, 0), 'before\n');
    assert.deepEqual(nb.cells[2].outputs, [], 'the cell after the failure is not executed');
    assert.equal(nb.cells[2].execution_count, null);
  });

  test('a type error fails with the TypeScript diagnostic', async () => {
    const { results } = await run([fixture('type-error.ipynb')]);
    assert.equal(results[0].reason,
      "tests/fixtures/type-error.ipynb: cell 1 failed: 1:7 - Type 'string' is not assignable to type 'number'.");
  });

  test('a hanging cell is stopped at the timeout', async () => {
    const { results } = await run([fixture('hangs.ipynb')], 2);
    assert.equal(results[0].reason, 'tests/fixtures/hangs.ipynb: cell 2 timed out after 2 s (kernel stopped)');
    assert.equal(outputText(executed('hangs.ipynb'), 0), 'start\n');
  });

  test('a missing file and a file that is not JSON give one-line reasons; other notebooks still run', async () => {
    const { results, summary, text } = await run([fixture('missing.ipynb'), fixture('not-json.ipynb'), fixture('type-error.ipynb')]);
    assert.equal(results[0].reason, 'tests/fixtures/missing.ipynb: not found');
    assert.match(results[1].reason, /^tests\/fixtures\/not-json\.ipynb: not valid JSON \(.+\)$/);
    assert.match(text, /^FAIL tests\/fixtures\/missing\.ipynb: not found$/m);
    assert.equal(results.length, 3);
    assert.equal(summary, 'notebooks: 0 passed, 3 failed');
  });

  test('with stopOnFailure (the pipeline) nothing runs after a failing notebook', async () => {
    const lines: string[] = [];
    const { results, summary } = await runNotebooks([fixture('missing.ipynb'), fixture('ok.ipynb')],
      { timeoutSeconds: 60, echo: false, stopOnFailure: true, log: (l) => lines.push(l) });
    assert.equal(results.length, 1);
    assert.equal(summary, 'notebooks: 0 passed, 1 failed');
  });

  test('the command line exits non-zero and ends with the summary line', () => {
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
    const r = spawnSync(tsx, ['tools/notebook/run-notebooks.ts', fixture('throws.ipynb')], { cwd: root, encoding: 'utf8', env: process.env });
    assert.equal(r.status, 1);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'FAIL tests/fixtures/throws.ipynb: cell 2 failed: Error: deliberately broken: 41');
    assert.equal(lines[lines.length - 1], 'notebooks: 0 passed, 1 failed');
    const bad = spawnSync(tsx, ['tools/notebook/run-notebooks.ts', '--timeout', 'soon'], { cwd: root, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--timeout needs a number of seconds/);
  });
});

describe('the kernel (tools/notebook/kernel.js) spoken to directly', () => {
  test('a notebook outside the kernel\'s checkout (a copied or moved checkout) is refused, naming both folders and the fix', async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-other-checkout-'));
    const k = await KernelClient.start({ argv: kernelSpec().argv, cwd: elsewhere });
    try {
      const r = await k.execute('console.log("ran");', { timeoutMs: 60000 });
      assert.equal(r.status, 'error');
      assert.equal(r.reply?.ename, 'WrongCheckout');
      assert.ok(String(r.reply?.evalue).includes(elsewhere) && String(r.reply?.evalue).includes(root), String(r.reply?.evalue));
      assert.match(String(r.reply?.evalue), /npm install/);
      assert.ok(!r.outputs.some((m) => m.content.text === 'ran\n'), 'the cell did not run');
    } finally {
      await k.shutdown();
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test('a failing cell\'s reply carries ename, evalue and traceback, so Jupyter clients can report it', async () => {
    const k = await KernelClient.start({ argv: kernelSpec().argv, cwd: root });
    try {
      const ok = await k.execute('const a: number = 20 + 1;\nconsole.log(a * 2);', { timeoutMs: 60000 });
      assert.equal(ok.status, 'ok');
      assert.deepEqual(ok.outputs.map((m) => [m.header.msg_type, m.content.name, m.content.text]), [['stream', 'stdout', '42\n']]);
      const bad = await k.execute('throw new RangeError("too far");', { timeoutMs: 60000 });
      assert.equal(bad.status, 'error');
      assert.equal(bad.reply?.ename, 'RangeError');
      assert.equal(bad.reply?.evalue, 'too far');
      assert.ok(Array.isArray(bad.reply?.traceback));
      await new Promise((r) => setTimeout(r, 300)); // tslab aborts requests that arrive within 200 ms of an error
      const typeErr = await k.execute('const s: string = 1;', { timeoutMs: 60000 });
      assert.equal(typeErr.reply?.ename, 'TypeScriptError');
      assert.equal(typeErr.reply?.evalue, "1:7 - Type 'number' is not assignable to type 'string'.");
    } finally {
      await k.shutdown();
    }
    assert.notEqual(k.exited, null, 'the kernel process is gone after shutdown');
  });
});

describe('runner pieces', () => {
  test('parseArgs: paths, --timeout, defaults to notebooks/*.ipynb in name order', () => {
    const a = parseArgs(['x.ipynb', '--timeout', '7']);
    assert.deepEqual(a.files, [path.resolve('x.ipynb')]);
    assert.equal(a.timeoutSeconds, 7);
    const d = parseArgs([]);
    assert.deepEqual(d.files.map((f) => path.relative(root, f)), [...d.files.map((f) => path.relative(root, f))].sort());
    assert.ok(d.files.every((f) => f.startsWith(path.join(root, 'notebooks')) && f.endsWith('.ipynb')));
    assert.throws(() => parseArgs(['--bogus']), /unknown option --bogus/);
  });

  test('errorHeadline picks the error line out of a stack or a diagnostic', () => {
    assert.equal(errorHeadline('evalmachine.<anonymous>:5\nthrow x;\n^\n\nRangeError: too big\n    at f (a.ts:1:1)'), 'RangeError: too big');
    assert.equal(errorHeadline("3:9 - Cannot find name 'foo'."), "3:9 - Cannot find name 'foo'.");
    assert.equal(errorHeadline(''), '(the kernel reported an error without a message)');
  });

  test('parseNotebook names the file and the bad cell', () => {
    assert.throws(() => parseNotebook('[]', 'a.ipynb'), /^Error: a\.ipynb: not a notebook \(expected a JSON object\)$/);
    assert.throws(() => parseNotebook('{"nbformat":4}', 'a.ipynb'), /a\.ipynb: not a notebook \(no "cells" array\)/);
    assert.throws(() => parseNotebook('{"nbformat":3,"cells":[]}', 'a.ipynb'), /nbformat 3 is not supported/);
    assert.throws(() => parseNotebook('{"nbformat":4,"cells":[{"cell_type":"code"}]}', 'a.ipynb'), /a\.ipynb: cell 1 is malformed/);
  });

  test('messages are signed with HMAC-SHA256 and a bad signature is refused', () => {
    const msg: JupyterMessage = {
      header: { msg_id: 'm1', msg_type: 'execute_request', session: 's', username: 'u', date: 'd', version: '5.3' },
      parent_header: {}, metadata: {}, content: { code: '1 + 1' },
    };
    const frames = encodeMessage('secret', msg).map((f) => Buffer.from(f));
    assert.equal(frames[0].toString(), '<IDS|MSG>');
    assert.equal(frames[1].toString().length, 64, 'hex SHA-256');
    assert.deepEqual(decodeMessage('secret', [Buffer.from('routing-id'), ...frames]), msg);
    assert.throws(() => decodeMessage('other key', frames), /bad HMAC signature/);
  });
});
