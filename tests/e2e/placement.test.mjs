// "Explain every placement" (issue 13), driven like a user: a gang waits for resources in the
// not-enough-resources preset; the pending tray opens its explanation by accessible name (click and keyboard), the
// panel says why per node and in one summary line, follows the model when a node joins, and a replica opens its
// own explanation. In node-failure, the dead node is listed as not schedulable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, expectNoProblems } from './harness.mjs';

const app = useApp();

async function load(preset) {
  const { page, problems } = await app.open(`?preset=${preset}`);
  await page.waitForSelector('.app .cluster-svg');
  return { page, problems };
}

/** Presses "Next event" until `predicate(arg)` holds in the page. */
async function stepUntil(page, predicate, arg, max = 400) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate(predicate, arg)) return;
    await page.click('[data-testid=step-event]');
  }
  throw new Error(`not reached after ${max} events: ${predicate}`);
}

const panel = (page) => page.getByRole('region', { name: /^Placement of / });
const table = (page) => panel(page).getByRole('table', { name: /^Every node against / });
const row = (page, node) => table(page).locator(`tr[data-node="${node}"]`);

test('a waiting gang: the tray explains it per node, the panel follows the model, a replica explains itself', async () => {
  const { page, problems } = await load('not-enough-resources');
  // The second gang's placement group waits (one 2-CPU worker, two PACK gangs of 2 × {CPU: 1}).
  await stepUntil(page, () => !!document.querySelector('[data-testid=explain-pg]'));
  const explain = page.getByRole('button', { name: /^Explain placement of SERVE_GANG::app_G_/ });
  await explain.click();
  await panel(page).waitFor();
  assert.match(await panel(page).getByRole('heading').textContent(), /^Placement of placement group SERVE_GANG::app_G_/);
  assert.equal(await page.getByTestId('placement-summary').textContent(),
    'Not enough free resources on the schedulable nodes (CPU: 2 needed, 0 free). ' +
    'No single node has room for even one of bundles 0, 1 ({CPU: 1} each).');
  // One row per node: what a bundle needs against what is free, and the verdict.
  assert.equal(await table(page).locator('tbody tr').count(), 2);
  assert.equal(await row(page, 'w1').locator('td.pe-res').textContent(), '1 / 0');
  assert.equal(await row(page, 'w1').getByTestId('placement-verdict').textContent(), '✗ does not fit: CPU: needs 1, free 0');
  assert.equal(await row(page, 'head').getByTestId('placement-verdict').textContent(), '✗ does not fit: CPU: needs 1, free 0');
  assert.equal(await explain.getAttribute('aria-pressed'), 'true');
  // Its chain: the event that last changed it is marked in the narration.
  assert.ok(await page.locator('.events li.event.chain').count() >= 1, 'the chain is marked in the log');

  // Closed by its button (accessible name), reopened from the keyboard, closed again with Escape.
  await page.getByRole('button', { name: 'Close the placement explanation' }).click();
  assert.equal(await panel(page).count(), 0);
  await explain.focus();
  await page.keyboard.press('Enter');
  await panel(page).waitFor();
  assert.ok(await page.evaluate(() => document.activeElement?.id === 'placement-title'), 'focus moves to the panel');
  await page.keyboard.press('Escape');
  assert.equal(await panel(page).count(), 0);

  // Open, then let the model run: w2 joins at 15 s, the group is placed there, and the panel says so.
  await explain.click();
  await stepUntil(page, () => /^Placed \(PACK\)/.test(document.querySelector('[data-testid=placement-summary]')?.textContent ?? ''));
  assert.match(await page.getByTestId('placement-summary').textContent(), /^Placed \(PACK\) at 1[5-9]\.\d\d s \(event #\d+\): bundles 0, 1 on w2\./);
  assert.match(await row(page, 'w2').getByTestId('placement-verdict').textContent(), /^✓ holds bundles 0, 1; score /);
  assert.match(await panel(page).locator('.pe-notes').textContent(), /recomputed now .* given back/);

  // A replica (Enter on its token) explains where it is.
  const token = page.locator('g.replica[data-replica]').first();
  const id = await token.getAttribute('data-replica');
  await token.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => document.querySelector('#placement-title')?.textContent.includes(`replica ${id}`), id);
  assert.match(await page.getByTestId('placement-summary').textContent(), /^Its actor runs in bundle \d on w\d\. Placed \(PACK\)/);
  expectNoProblems(problems);
});

test('node-failure: the dead node is listed as not schedulable', async () => {
  const { page, problems } = await load('node-failure');
  // w1 is killed at 10 s and declared dead 3 s later.
  await stepUntil(page, () => document.querySelector('[data-node=w1]')?.classList.contains('dead'));
  await page.locator('[data-node=w3] g.replica[data-replica]').first().click();
  await panel(page).waitFor();
  assert.equal(await row(page, 'w1').getByTestId('placement-verdict').textContent(), '✗ does not fit: dead: declared dead by the GCS');
  assert.match(await row(page, 'w1').locator('th').textContent(), /^w1dead$/);
  expectNoProblems(problems);
});

test('hovering a replica lights its gang mate and marks its chain in the log; a bundle slot explains its group', async () => {
  const { page, problems } = await load('not-enough-resources');
  // The first gang runs on w1 (the second one waits): two members on a node, and events in the log.
  await stepUntil(page, () => document.querySelectorAll('[data-node=w1] g.replica[data-gang][data-state=RUNNING]').length >= 2);
  const token = page.locator('[data-node=w1] g.replica[data-gang]').first();
  const [id, gang] = [await token.getAttribute('data-replica'), await token.getAttribute('data-gang')];
  const mate = page.locator(`g.replica[data-gang="${gang}"]:not([data-replica="${id}"])`).first();
  const lit = (loc) => loc.evaluate((el) => el.classList.contains('hl'));
  const marked = page.locator('.events li.event.chain[data-chain=true]');
  assert.equal(await lit(mate), false);
  assert.equal(await marked.count(), 0);

  // Hover: the mate and the group's bundle slots light up, the event that last changed it is marked; nothing opens.
  await token.hover();
  await page.waitForFunction(({ gang, id }) => document.querySelector(
    `g.replica[data-gang="${gang}"]:not([data-replica="${id}"])`)?.classList.contains('hl'), { gang, id });
  assert.ok(await page.locator('[data-node=w1] g.slot.bundle.hl').count() >= 2, 'its bundles light up');
  assert.ok(await marked.count() >= 1, 'its chain is marked in the log');
  assert.equal(await panel(page).count(), 0, 'hovering opens nothing');

  // Leave: the highlight goes; keyboard focus gives the same as hover.
  await page.mouse.move(2, 2);
  await page.waitForFunction(() => !document.querySelector('g.replica.hl') && !document.querySelector('.events li.chain'));
  await mate.focus();
  await page.waitForFunction((id) => document.querySelector(`g.replica[data-replica="${id}"]`)?.classList.contains('hl'), id);
  await mate.evaluate((el) => el.blur());
  await page.waitForFunction(() => !document.querySelector('g.replica.hl'));

  // A bundle slot is a button named after its bundle, group and node: clicking its frame explains the group.
  const slot = page.getByRole('button', { name: /^Bundle \d of PG SERVE_GANG::app_G_\S+ on w1: replica / }).first();
  const pg = await slot.getAttribute('data-pg');
  const box = await slot.boundingBox();
  await slot.click({ position: { x: box.width * 0.08, y: box.height * 0.06 } }); // the frame's corner, not the token
  await panel(page).waitFor();
  assert.equal(await panel(page).getByRole('heading').textContent(), `Placement of placement group ${pg}`);
  assert.equal(await page.getByRole('region', { name: `Placement of placement group ${pg}` }).count(), 1);
  // And from the keyboard, after closing it.
  await page.getByRole('button', { name: 'Close the placement explanation' }).click();
  await slot.focus();
  await page.keyboard.press('Enter');
  await panel(page).waitFor();
  expectNoProblems(problems);
});
