// Compare two variants (issue 13), driven like a user: open a preset, inject a fault, "Compare with…" a changed
// strategy, see both runs and the difference table by their accessible names; run "Many seeds" over 20 seeds and
// read the outcome counts; a comparison is a share link too. Screenshots: screenshots/compare-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, screenshot, expectNoProblems, playTo } from './harness.mjs';

const app = useApp();

async function load(preset) {
  const { page, problems } = await app.open(`?preset=${preset}`);
  await page.waitForSelector('.app .cluster-svg');
  return { page, problems };
}

test('compare with a changed strategy: two cluster views on one clock, the same fault, a difference table', async () => {
  const { page, problems } = await load('steady-pack');
  await playTo(page, 5, 0);
  // Inject a fault in run A: kill the controller.
  await page.click('[data-testid=faults]');
  await page.waitForSelector('[data-testid=action-panel]');
  await page.click('[data-testid=kill-controller]');
  await page.waitForSelector('.controller[data-controller=DEAD]');

  await page.getByRole('button', { name: 'Compare with…' }).click();
  const form = page.getByRole('form', { name: 'Changes for run B' });
  await form.getByLabel('Deployment').selectOption('app/G');
  await form.getByLabel('Strategy').selectOption('SPREAD');
  await form.getByRole('button', { name: 'Compare' }).click();

  const runB = page.getByRole('region', { name: /^Run B: app\/G strategy SPREAD/ });
  await runB.waitFor();
  assert.ok(await page.getByRole('region', { name: /^Run A: Steady state: PACK/ }).isVisible());
  // Run B got the same fault at the same time: its controller is dead too.
  await runB.locator('.controller[data-controller=DEAD]').waitFor();

  // The table, by its caption, with its rows.
  const table = page.getByRole('table', { name: /^Run A .* against run B/ });
  await table.waitFor({ timeout: 30_000 });
  const metrics = await table.locator('tbody th[scope=row]').allTextContents();
  for (const m of ['time until every gang first RUNNING', 'gang teardowns', 'replicas restarted',
    'replica-seconds lost', 'PGs left pending', 'final status app/G', 'requests failed', 'invariant violations']) {
    assert.ok(metrics.includes(m), `row ${m} in ${metrics.join(' | ')}`);
  }
  assert.ok(metrics.some((m) => /^recovery after kill_controller at [5-6](\.\d+)? s$/.test(m)), metrics.join(' | '));
  const header = await table.locator('thead th').allTextContents();
  assert.deepEqual(header, ['Metric', 'A', 'B', 'B − A', 'Better']);
  await screenshot(page, 'compare-1-desktop');

  // Both runs share the clock: seeking moves both.
  await page.click('[data-testid=step-event]');
  await runB.locator('.controller').waitFor();

  // The comparison is a share link: opening it opens run B again.
  await page.getByRole('button', { name: 'Copy comparison link' }).click();
  const link = await page.locator('[data-testid=compare-link]').inputValue();
  assert.match(link, /#g1\./);
  await page.getByRole('button', { name: 'Close comparison' }).click();
  assert.equal(await page.locator('[data-testid=compare-pair]').count(), 0);
  await page.goto(link);
  await page.waitForSelector('.app .cluster-svg');
  await page.getByRole('region', { name: /^Run B: app\/G strategy SPREAD/ }).waitFor();
  expectNoProblems(problems);
});

test('many seeds: 20 seeds of replica-crash run without freezing, with outcome counts and a seed to load', async () => {
  const { page, problems } = await load('replica-crash');
  await page.getByRole('button', { name: 'Many seeds…' }).click();
  await page.getByLabel('Seeds', { exact: true }).fill('20');
  await page.getByRole('button', { name: 'Run 20 seeds' }).click();
  const outcomes = page.getByRole('table', { name: 'Outcomes over 20 seeds' });
  await outcomes.waitFor({ timeout: 60_000 });
  const healthy = outcomes.locator('tr[data-outcome="HEALTHY at the end"] td').first();
  assert.equal(await healthy.textContent(), '20');
  assert.equal(await outcomes.locator('tr[data-outcome="DEPLOY_FAILED at the end"] td').first().textContent(), '0');
  assert.ok(await page.getByRole('img', { name: /^Time to recover .*: histogram of 20 runs in 10 bins$/ }).isVisible());
  // The sweep's longest frame is reported (the figure itself goes to BENCHMARKS-PAGE.md, not into a timed test).
  const longest = await page.locator('[data-testid=sweep-longest-frame]').textContent();
  assert.match(longest, /^\d+ ms$/);
  const reported = await page.evaluate(() => window.__gpSweepLongestFrameMs);
  assert.equal(typeof reported, 'number');
  console.log(`sweep of 20 seeds: longest frame ${reported.toFixed(1)} ms`);
  await screenshot(page, 'compare-2-sweep');
  // The first healthy seed loads (with the scenario's own seed, 7, first).
  await page.getByRole('button', { name: 'Load seed 7 (HEALTHY at the end)' }).click();
  assert.equal(await page.locator('[data-testid=seed]').inputValue(), '7');
  expectNoProblems(problems);
});

test('many seeds: Cancel stops a sweep', async () => {
  const { page, problems } = await load('node-failure');
  await page.getByRole('button', { name: 'Many seeds…' }).click();
  await page.getByLabel('Seeds', { exact: true }).fill('3000');
  await page.getByRole('button', { name: 'Run 3000 seeds' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  assert.match(await page.locator('[data-testid=sweep-cancelled]').textContent(), /^Cancelled after \d+ seeds\.$/);
  expectNoProblems(problems);
});
