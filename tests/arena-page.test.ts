/**
 * End-to-end test of the arena page in headless Chromium (Debian's `chromium` at /usr/bin/chromium, driven by
 * playwright-core, as the ranking page's test does), against a tiny run folder of random-weight policies: take an
 * evaluation prompt, vote with the keyboard, see who wrote which and the tally; ask an own question, vote with the
 * mouse; a refused question shows the server's sentence. The page names no policy before the vote.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { initEngine } from '../lib/engine/engine';
import { loadArenaVotes } from '../lib/eval/arena';
import { ARENA_POLICIES, startArenaServer, type ArenaServer } from '../lib/io/arenaServer';
import { makeTinyRun } from './arena-helpers';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

let dir = '';
let savedEnv: string | undefined;
let server: ArenaServer;
let browser: Browser;

before(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium package (apt-get install -y chromium)`);
  await initEngine({ quiet: true });
  savedEnv = process.env.RLHF_RUN_DIR;
  ({ dir } = makeTinyRun('arena-page-', ['sft', 'ppo', 'online-dpo']));
  process.env.RLHF_RUN_DIR = dir;
  server = await startArenaServer({ port: 0, seed: 3, voter: 'tester' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (savedEnv === undefined) delete process.env.RLHF_RUN_DIR;
  else process.env.RLHF_RUN_DIR = savedEnv;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function openPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => {
    throw err;
  });
  await page.goto(server.url);
  await page.locator('#question').waitFor();
  return page;
}

const labels = Object.values(ARENA_POLICIES);

test('take an evaluation prompt, vote B with the keyboard: the page reveals the authors, the line is in the file', async () => {
  const page = await openPage();
  assert.equal(await page.locator('#tally-empty').isVisible(), true);
  await page.click('#take');
  await page.locator('#round').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#prompt-source').textContent(), 'From the evaluation set');
  const text = (await page.locator('main').innerText()).replace(/Votes are saved to .*/, '');
  for (const label of labels) assert.ok(!text.includes(label), `no policy is named before the vote (${label})`);
  assert.equal(await page.locator('#author-a').textContent(), '');

  await page.keyboard.press('b');
  await page.locator('#after').waitFor({ state: 'visible' });
  const [line] = loadArenaVotes(server.votesFile);
  assert.equal(line.vote, 'b');
  assert.equal(line.voter, 'human:tester');
  assert.equal(await page.locator('#prompt-text').textContent(), line.prompt);
  assert.equal(await page.locator('#author-a').textContent(), ARENA_POLICIES[line.a.policy]);
  assert.equal(await page.locator('#author-b').textContent(), ARENA_POLICIES[line.b.policy]);
  assert.equal(await page.locator('#verdict').textContent(), `You preferred ${ARENA_POLICIES[line.b.policy]} over ${ARENA_POLICIES[line.a.policy]}.`);
  assert.match((await page.locator('#reply-b').getAttribute('class')) ?? '', /winner/);
  assert.deepEqual(await page.locator('#tally-body tr td:first-child').allTextContents(), [ARENA_POLICIES[line.b.policy], ARENA_POLICIES[line.a.policy]]);
  assert.deepEqual(await page.locator('#tally-body tr td:nth-child(2)').allTextContents(), ['1–0–0', '0–0–1']);
  assert.equal(await page.locator('#count').textContent(), '1 vote');
  // A second key press does not vote again; N brings the next pair, with no author shown.
  await page.keyboard.press('a');
  assert.equal(loadArenaVotes(server.votesFile).length, 1);
  await page.keyboard.press('n');
  await page.locator('#after').waitFor({ state: 'hidden' });
  assert.equal(await page.locator('#author-a').textContent(), '');
  assert.equal(await page.locator('button.vote[data-vote="a"]').isEnabled(), true);
  await page.close();
});

test('an own question, a tie by mouse; a question the server refuses shows its sentence', async () => {
  const page = await openPage();
  assert.equal(await page.locator('#count').textContent(), '1 vote', 'the tally is read back from the votes file');
  await page.fill('#question', 'x'.repeat(200));
  await page.press('#question', 'Enter');
  await page.locator('#message').waitFor({ state: 'visible' });
  assert.match((await page.locator('#message').textContent()) ?? '', /^Your question is too long for the models/);
  await page.fill('#question', 'What is the capital of Peru?');
  await page.click('#ask');
  await page.locator('#round').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#prompt-source').textContent(), 'You ask');
  assert.equal(await page.locator('#message').isVisible(), false);
  await page.click('button.vote[data-vote="tie"]');
  await page.locator('#after').waitFor({ state: 'visible' });
  const votes = loadArenaVotes(server.votesFile);
  assert.equal(votes.length, 2);
  assert.deepEqual([votes[1].prompt, votes[1].factId, votes[1].vote], ['What is the capital of Peru?', null, 'tie']);
  assert.match((await page.locator('#verdict').textContent()) ?? '', /^You called it a tie between /);
  assert.equal(await page.locator('#count').textContent(), '2 votes');
  await page.close();
});
