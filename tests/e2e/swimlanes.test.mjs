// Swimlanes beside the cluster (issue 14), driven like a user: the lanes tell replica-crash's story, a mark jumps
// the clock to its event (click and Enter), the lanes fold and stay folded, and on the big cluster only the lanes in
// the scroll window are in the page. Screenshots: screenshots/swimlanes-*.png at 1400x900 and 1920x1080.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, screenshot, expectNoProblems, playTo } from './harness.mjs';

const app = useApp({ viewport: { width: 1400, height: 900 } });

const clock = (page) => page.locator('[data-testid=clock] .clock-t').textContent().then(parseFloat);
const laneKeys = (page) => page.$$eval('[data-testid=swimlanes] [data-lane]', (els) => els.map((e) => e.dataset.lane));

async function open(route, viewport) {
  const { page, problems } = await app.open(route, viewport ? { viewport } : {});
  await page.waitForSelector('.app .cluster-pane');
  return { page, problems };
}

test('replica-crash: the lanes tell the story, and the teardown mark jumps the clock to it', async () => {
  const { page, problems } = await open('?preset=replica-crash');
  await playTo(page, 15);
  const keys = await laneKeys(page);
  for (const k of ['controller', 'node:w1', 'node:w2', 'node:w3', 'deployment:app/G']) assert.ok(keys.includes(k), `${k} in ${keys}`);
  assert.equal(keys.filter((k) => k.startsWith('gang:')).length, 3, 'two gangs and the rebuilt one');

  // Beside the cluster at 1400 px: the lanes are a column to the right of the cluster, on the first screen.
  const cluster = await page.locator('.cluster-pane').boundingBox();
  const lanes = await page.locator('[data-testid=swimlanes]').boundingBox();
  assert.ok(lanes.x >= cluster.x + cluster.width - 1, `lanes at x=${lanes.x}, cluster ends at ${cluster.x + cluster.width}`);
  assert.ok(lanes.y < 900, 'on the first screen');

  // One teardown mark, on the crashed gang's lane, saying what caused it; its lane has ended, the survivor's runs.
  const teardown = page.locator('[data-testid=sl-mark][data-kind=mk-teardown]');
  assert.equal(await teardown.count(), 1);
  const text = await teardown.getAttribute('aria-label');
  assert.match(text, /gang torn down: actor crashed at 10\.\d+ s/);
  assert.match(text, /Caused by: replica \w+'s actor process was killed \(at 10\.00 s\)/);
  assert.match(text, /Also here: kill_replica at 10\.00 s/, 'the kill, merged under the teardown it caused');
  const tornLane = teardown.locator('xpath=ancestor::*[@data-lane][1]');
  assert.match(await tornLane.getAttribute('class'), /\bended\b/);
  assert.equal(await page.locator('.sl-gang:not(.ended) .ph-running').count(), 2, 'the survivor and the rebuilt gang run');

  await screenshot(page, 'swimlanes-replica-crash-1400');
  const seq = await teardown.getAttribute('data-seq');
  await teardown.click();
  assert.ok(Math.abs((await clock(page)) - 10.2) < 0.051, `clock ${await clock(page)}`);
  // The event log selects the teardown.
  await page.waitForSelector(`.event.selected button[data-seq="${seq}"]`);

  // By keyboard: on to 12 s, then Enter on the UNHEALTHY mark of the deployment jumps back to it.
  await playTo(page, 12);
  const unhealthy = page.locator('[data-lane="deployment:app/G"] [data-testid=sl-mark][data-kind=mk-status]');
  assert.match(await unhealthy.getAttribute('aria-label'), /^UNHEALTHY at 10\.\d+ s/);
  await unhealthy.focus();
  await page.keyboard.press('Enter');
  assert.ok(Math.abs((await clock(page)) - 10.2) < 0.051, `clock ${await clock(page)}`);
  expectNoProblems(problems);
});

test('a rolling update and a drain are marked on the lanes they changed', async () => {
  const { page, problems } = await open('?preset=drain-during-upgrade');
  await playTo(page, 40);
  const rollout = page.locator('[data-lane^="deployment:"] [data-testid=sl-mark][data-kind=mk-rollout]');
  assert.ok(await rollout.count() >= 1, 'the update batches on the deployment lane');
  assert.match(await rollout.first().getAttribute('aria-label'), /^rolling update to v2: (\d+ gangs|1 gang) stopped at \d+(\.\d+)? s/);
  const stopped = page.locator('[data-lane^="gang:"] [data-testid=sl-mark][data-kind=mk-rollout]');
  assert.ok(await stopped.count() >= 1, 'and on the gangs it stopped');
  const moved = page.locator('[data-lane^="gang:"] [data-testid=sl-mark][data-kind=mk-migration]');
  assert.ok(await moved.count() >= 1, 'a gang moving off the draining node');
  assert.match(await moved.first().getAttribute('aria-label'), /^migrating off w2 at /);
  await screenshot(page, 'swimlanes-rollout-drain');
  expectNoProblems(problems);
});

test('the lanes fold with their toggle and stay folded in the saved session', async () => {
  const { page, problems } = await open('?preset=node-failure');
  await playTo(page, 14);
  const w1 = page.locator('[data-lane="node:w1"]');
  assert.match(await w1.getAttribute('aria-label'), /w1 node: dead/);
  assert.equal(await w1.locator('.sl-seg').count(), 3, 'alive, killed, dead');
  await page.click('[data-testid=lanes-toggle]');
  assert.equal(await page.locator('[data-testid=swimlanes] [data-lane]').count(), 0);
  assert.equal(await page.getAttribute('[data-testid=lanes-toggle]', 'aria-expanded'), 'false');
  // A step saves the session (the autosave follows the clock); the page opened without ?preset= restores it.
  await page.click('[data-testid=forward-event]');
  await page.goto(app.url);
  await page.waitForSelector('[data-testid=lanes-toggle]');
  assert.equal(await page.locator('[data-lane]').count(), 0);
  assert.equal(await page.getAttribute('[data-testid=lanes-toggle]', 'aria-expanded'), 'false', 'kept in the view settings');
  await page.click('[data-testid=lanes-toggle]');
  await page.waitForSelector('[data-lane="node:w1"]');
  expectNoProblems(problems);
});

test('big-cluster: only the lanes in the scroll window are in the page', async () => {
  const { page, problems } = await open('?preset=big-cluster', { width: 1920, height: 1080 });
  await playTo(page, 25);
  const total = Number(await page.getAttribute('.sl-rows', 'data-rows'));
  assert.ok(total > 300, `${total} rows: 101 nodes, 200+ gangs`);
  const inDom = () => page.locator('.sl-rows .sl-row').count();
  const before = await inDom();
  assert.ok(before > 10 && before < 90, `${before} rows in the DOM of ${total}`);
  await screenshot(page, 'swimlanes-big-cluster-1920');
  // Scroll to the end: the last gangs are drawn, still only a window of rows.
  await page.locator('.sl-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await page.waitForFunction(() => document.querySelectorAll('.sl-rows .sl-gang').length > 20);
  const after = await inDom();
  assert.ok(after < 90, `${after} rows in the DOM after scrolling`);
  assert.ok(!(await laneKeys(page)).includes('controller'), 'the top lanes left the DOM');
  await screenshot(page, 'swimlanes-big-cluster-scrolled-1920');
  expectNoProblems(problems);
});
