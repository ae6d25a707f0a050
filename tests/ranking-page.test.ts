/**
 * End-to-end test of the ranking page in headless Chromium (Debian's `chromium` package at /usr/bin/chromium,
 * driven by playwright-core; nothing downloads a browser): rate and rank one prompt with mouse and keyboard,
 * submit, check the rankings file; invalid submissions are refused; a new visit resumes where the person stopped.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startRankingServer, type RankingServer } from '../lib/labels/rankingServer';
import { loadCandidates, loadRankings, type CandidateSet } from '../lib/labels/preferences';
import { writeJsonl } from '../lib/core/jsonl';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

let dir: string;
let candidates: CandidateSet[];
let candidatesFile: string;
let rankingsFile: string;
let server: RankingServer;
let browser: Browser;

before(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium package (apt-get install -y chromium)`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranking-page-'));
  candidates = loadCandidates(path.join(__dirname, '..', 'data', 'world', 'candidates_sample.jsonl')).slice(0, 2);
  candidatesFile = path.join(dir, 'candidates.jsonl');
  rankingsFile = path.join(dir, 'rankings.jsonl');
  writeJsonl(candidatesFile, candidates);
  server = await startRankingServer({ candidatesFile, rankingsFile, labeler: 'tester', port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function openPage(url = server.url): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => {
    throw err;
  });
  await page.goto(url);
  await page.locator('.response').first().waitFor();
  return page;
}

async function rate(page: Page, response: number, values: [number, number, number]): Promise<void> {
  const keys = ['factualness', 'harmlessness', 'humanLikeness'];
  for (let c = 0; c < 3; c++) await page.click(`label[for="r${response}-${keys[c]}-${values[c]}"]`);
}

test('rate with mouse and keyboard, reorder with the keyboard, submit: one line in the rankings file', async () => {
  const page = await openPage();
  assert.equal(await page.locator('#prompt-text').textContent(), candidates[0].prompt);
  assert.equal(await page.locator('#progress-text').textContent(), '0 of 2 ranked');

  // Submitting before rating everything is stopped with a message, and nothing is written.
  await page.click('#submit');
  assert.match((await page.locator('#message').textContent()) ?? '', /Still to rate: A, B, C, D/);
  assert.equal(fs.existsSync(rankingsFile), false);

  await rate(page, 0, [7, 7, 7]); // sum 21
  await rate(page, 1, [7, 7, 3]); // sum 17
  await rate(page, 2, [7, 7, 7]); // sum 21: tied with A in the automatic order
  // Reply D by keyboard: focus its first rating row, type 1, 7, 4 (each digit moves to the next row).
  await page.focus('#r3-factualness-1');
  await page.keyboard.press('1');
  await page.keyboard.press('7');
  await page.keyboard.press('4'); // sum 12
  const letters = async (): Promise<string[]> => page.locator('.rank-item .letter').allTextContents();
  assert.deepEqual(await letters(), ['A', 'C', 'B', 'D']);
  assert.deepEqual(await page.locator('.rank-item .place').allTextContents(), ['1', '=', '2', '3']);

  // Move B below D with Alt+↓ (ties belong to places: A and C stay tied at place 1).
  await page.locator('.rank-item').nth(2).focus();
  await page.keyboard.press('Alt+ArrowDown');
  assert.deepEqual(await letters(), ['A', 'C', 'D', 'B']);
  assert.equal(await page.locator('#auto-note').textContent(), 'Your own order');

  await page.keyboard.press('Control+Enter');
  await page.locator('#progress-text', { hasText: '1 of 2 ranked' }).waitFor();
  assert.equal(await page.locator('#prompt-text').textContent(), candidates[1].prompt);

  const records = loadRankings(rankingsFile);
  assert.equal(records.length, 1);
  const r = records[0];
  assert.equal(r.prompt, candidates[0].prompt);
  assert.equal(r.factId, candidates[0].factId);
  assert.deepEqual(r.responses, candidates[0].responses);
  assert.equal(r.labels.length, 1);
  assert.equal(r.labels[0].labeler, 'human:tester');
  assert.deepEqual(r.labels[0].ratings, [
    { factualness: 7, harmlessness: 7, humanLikeness: 7 },
    { factualness: 7, harmlessness: 7, humanLikeness: 3 },
    { factualness: 7, harmlessness: 7, humanLikeness: 7 },
    { factualness: 1, harmlessness: 7, humanLikeness: 4 },
  ]);
  assert.deepEqual(r.labels[0].ranking, [[0, 2], [3], [1]]);
  assert.ok(r.labels[0].createdAt && !Number.isNaN(Date.parse(r.labels[0].createdAt)));
  await page.close();
});

test('invalid submissions are refused with a message and nothing is appended', async () => {
  const page = await openPage();
  const before = fs.readFileSync(rankingsFile, 'utf8');
  const post = async (body: unknown): Promise<{ status: number; error: string }> => {
    const res = await page.request.post(`${server.url}api/submit`, { data: body });
    return { status: res.status(), error: ((await res.json()) as { error: string }).error };
  };
  const full = { factualness: 5, harmlessness: 5, humanLikeness: 5 };
  const ok = { index: 1, prompt: candidates[1].prompt, ratings: [full, full, full, full], ranking: [[0], [1], [2], [3]] };

  let res = await post({ ...ok, ratings: [full, { factualness: 5, humanLikeness: 5 }, full, full] });
  assert.equal(res.status, 400);
  assert.equal(res.error, 'Response B has no Harmless rating (1–7).');

  res = await post({ ...ok, ratings: [full, full, { ...full, factualness: 9 }, full] });
  assert.equal(res.status, 400);
  assert.equal(res.error, 'Response C: Factual must be a whole number from 1 to 7.');

  res = await post({ ...ok, ranking: [[0, 1], [1], [2, 3]] });
  assert.equal(res.status, 400);
  assert.match(res.error, /appears twice/);

  res = await post({ ...ok, ranking: [[0], [1], [2]] });
  assert.equal(res.status, 400);
  assert.equal(res.error, 'Response D is missing from your ranking.');

  res = await post({ ...ok, index: 0, prompt: candidates[0].prompt });
  assert.equal(res.status, 400);
  assert.match(res.error, /already ranked this prompt/);

  res = await post({ ...ok, prompt: 'What is the capital of Atlantis?' });
  assert.equal(res.status, 400);
  assert.match(res.error, /does not match/);

  const raw = await page.request.post(`${server.url}api/submit`, { data: '{not json', headers: { 'content-type': 'application/json' } });
  assert.equal(raw.status(), 400);

  assert.equal(fs.readFileSync(rankingsFile, 'utf8'), before);
  await page.close();
});

test('coming back (new browser session, restarted server) resumes at the first prompt not yet ranked', async () => {
  await server.close();
  server = await startRankingServer({ candidatesFile, rankingsFile, labeler: 'tester', port: 0 });
  const page = await openPage();
  assert.equal(await page.locator('#progress-text').textContent(), '1 of 2 ranked');
  assert.equal(await page.locator('#prompt-text').textContent(), candidates[1].prompt);

  // Finish the last prompt with the ↑ / = buttons; the page then says it is done.
  for (let i = 0; i < 4; i++) await rate(page, i, [4, 4, 4]);
  assert.deepEqual(await page.locator('.rank-item .place').allTextContents(), ['1', '=', '=', '=']);
  await page.locator('.rank-item').nth(1).getByRole('button', { name: /^Tie/ }).click(); // untie B from A
  await page.locator('.rank-item').nth(3).getByRole('button', { name: /up$/ }).click(); // D up one place
  await page.click('#submit');
  await page.locator('#finished').waitFor({ state: 'visible' });
  const records = loadRankings(rankingsFile);
  assert.equal(records.length, 2);
  assert.deepEqual(records[1].labels[0].ranking, [[0], [1, 3, 2]]);
  await page.close();
});
