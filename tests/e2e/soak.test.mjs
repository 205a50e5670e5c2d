// Issue 16, long sessions: a short soak of the big cluster (100 nodes, 1,000 replicas) at 100× with a fault
// through the UI every 2 s for SOAK_S seconds (default 120). What must hold, as a user sees it: no console error
// and no invariant-violation banner, the page still answers a click (Pause stops the clock, Play starts it), the
// event log shows at most its 200 rows, and the JS heap after a forced GC at the end is not far above the heap at
// 30 s (bounded growth; no timing is asserted). The hour-long version is bench/soak.mjs (BENCHMARKS-PAGE.md).
// Screenshot: screenshots/soak-end.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useApp, newPage, screenshot, expectNoProblems, ROOT } from './harness.mjs';
import { Soak } from './bench/soak.mjs';

const app = useApp();
const SOAK_S = Number(process.env.SOAK_S ?? 120);
const clock = (page) => page.locator('[data-testid=clock] .clock-t').textContent().then(parseFloat);

test(`soak: the big cluster at 100× with a fault every 2 s for ${SOAK_S} s stays correct, responsive and bounded`, { timeout: (SOAK_S + 240) * 1000 }, async () => {
  const { page, problems } = await newPage(app.context);
  await page.addInitScript(Soak.probe);
  await page.goto(app.url + '?preset=big-cluster');
  const cdp = await app.context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const soak = new Soak(page, cdp);
  await soak.start();

  let at30 = null;
  while ((Date.now() - soak.t0) / 1000 < SOAK_S) {
    const due = soak.t0 + (soak.n + 1) * 2000;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    await soak.fault();
    if (at30 === null && (Date.now() - soak.t0) / 1000 >= 30) at30 = await soak.sample();
  }
  const end = await soak.sample();
  console.log(JSON.stringify({ at30, end, fault_errors: soak.errors }));

  // Faults went in through the page and the run went on (100× for two minutes: several simulated hours).
  const done = end.faults.kill_replica + end.faults.fail_health_check + end.faults.kill_node + end.faults.add_node;
  assert.ok(done >= SOAK_S / 6, `faults injected: ${JSON.stringify(end.faults)}; errors: ${soak.errors.join('; ')}`);
  assert.ok(end.faults.failed <= done / 10, `faults that could not be injected: ${soak.errors.join('; ')}`);
  assert.ok(end.sim_s > at30.sim_s + 1000, `the clock ran on: ${at30.sim_s} -> ${end.sim_s}`);
  assert.equal(end.violation_banner, false, 'no invariant-violation banner');

  // The event log: at most its 200 rows, and the count it states grew with the run.
  assert.ok(end.log_rows > 0 && end.log_rows <= 200, `${end.log_rows} rows in the event log`);
  assert.ok(end.events_total > at30.events_total, `events: ${at30.events_total} -> ${end.events_total}`);

  // Bounded growth: the JS heap after GC, and the DOM (a dead node keeps its cell; each added node adds one).
  assert.ok(end.js_heap_mb <= Math.max(3 * at30.js_heap_mb, at30.js_heap_mb + 20), `JS heap ${at30.js_heap_mb} MB at 30 s -> ${end.js_heap_mb} MB`);
  assert.ok(end.dom_nodes <= 1.5 * at30.dom_nodes, `DOM nodes ${at30.dom_nodes} at 30 s -> ${end.dom_nodes}`);

  // Still answers: Pause stops the clock, Play starts it again.
  await page.click('[data-testid=play]');
  const paused = await clock(page);
  await page.waitForTimeout(300);
  assert.equal(await clock(page), paused, 'paused: the clock stands');
  await page.click('[data-testid=play]');
  await page.waitForFunction((t) => parseFloat(document.querySelector('[data-testid=clock] .clock-t').textContent) > t, paused, { timeout: 30_000 });
  await page.click('[data-testid=play]');
  await screenshot(page, 'soak-end');
  expectNoProblems(problems);
  await page.close();
});

test('a run longer than the log keeps: the lanes shade the time no longer kept and hold only the gangs of the kept events', { timeout: 180_000 }, async () => {
  // teardown-under-load (two gang deployments under traffic) with a scripted replica kill every 10 s for 8 hours:
  // ~2,900 faults, each a gang of "roomy" torn down and rebuilt, far more events than the log keeps
  // (model::log::EVENTS_KEPT). The gangs of "tight" are never touched: their reservations are dropped early.
  const scenario = JSON.parse(fs.readFileSync(path.join(ROOT, 'scenarios', 'presets', 'teardown-under-load.json'), 'utf8'));
  scenario.name = 'Eight hours of replica kills';
  scenario.until_s = 29_000;
  scenario.actions = Array.from({ length: 2_890 }, (_, i) => ({ at_s: 20 + 10 * i, do: 'kill_replica',
    replica: { app: 'roomy', deployment: 'Model', gang: i % 2, rank: 1 } }));
  const { page, problems } = await newPage(app.context);
  await page.goto(app.url + '?preset=steady-pack');
  await page.locator('[data-testid=import-file]').setInputFiles({ name: 'long.json', mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(scenario)) });
  await page.waitForFunction(() => /Eight hours/.test(document.querySelector('[data-testid=scenario]')?.selectedOptions[0]?.textContent ?? ''));
  await page.locator('[data-testid=scrubber]').focus();
  await page.keyboard.press('End');
  await page.waitForFunction(() => parseFloat(document.querySelector('[data-testid=clock] .clock-t').textContent) >= 28_999,
    null, { timeout: 120_000 });
  const shade = page.locator('[data-testid=lanes-forgotten]');
  await shade.waitFor();
  const title = await shade.getAttribute('title');
  const from = parseFloat(/^Lanes before t = ([\d.]+) s are no longer kept; seeking there replays them\.$/.exec(title)?.[1]);
  assert.ok(from > 10_000 && from < 29_000, title);
  assert.match(await page.textContent('.app'), new RegExp(`Events before t = ${Math.floor(from)}[\\d.]* s are no longer kept`));
  const box = await shade.boundingBox();
  const track = await page.locator('.sl-axis .sl-track').boundingBox();
  assert.ok(box.width > 0.3 * track.width && box.width < track.width, `the shade spans the forgotten time: ${box.width} of ${track.width}`);
  // The lanes hold the gangs of the kept events: a few hundred, not one per gang of the run (~2,900 rebuilt).
  const lanes = Number(/^(\d+) lanes/.exec(await page.getAttribute('.sl-rows', 'aria-label'))[1]);
  assert.ok(lanes > 10 && lanes < 1_500, `${lanes} lanes`);
  await screenshot(page, 'soak-lanes-forgotten');

  // Back to a moment long before the kept events: the run there is replayed from a checkpoint whose log no longer
  // holds the reservations of tight's gangs, yet every gang keeps the colour it has when that moment is opened
  // afresh (a share link replays the run to it).
  const scrub = await page.locator('[data-testid=scrubber]').boundingBox();
  await page.mouse.click(scrub.x + scrub.width * (3_000 / 29_000), scrub.y + scrub.height / 2);
  await page.waitForFunction(() => parseFloat(document.querySelector('[data-testid=clock] .clock-t').textContent) < 5_000);
  const at = await clock(page);
  assert.ok(at < from, `${at} s is before the kept events (${from} s)`);
  const seeked = await gangHues(page);
  assert.ok(Object.keys(seeked).length >= 2, JSON.stringify(seeked));
  await page.click('[data-testid=copy-link]');
  const link = await page.locator('[data-testid=share-link-field]').inputValue();
  const { page: fresh, problems: freshProblems } = await newPage(app.context);
  await fresh.goto(link);
  const shown = await page.locator('[data-testid=clock] .clock-t').textContent();
  await fresh.waitForFunction((shown) => document.querySelector('[data-testid=clock] .clock-t')?.textContent === shown,
    shown, { timeout: 120_000 });
  assert.deepEqual(await gangHues(fresh), seeked, `gang colours at ${at} s: seeked back vs opened from a link`);
  expectNoProblems(freshProblems);
  await fresh.close();
  expectNoProblems(problems);
  await page.close();
});

/** Gang → hue class of every gang drawn in the cards. */
function gangHues(page) {
  return page.$$eval('.cluster-svg [data-replica][data-gang]', (els) => Object.fromEntries(
    els.map((e) => [e.dataset.gang, [...e.classList].find((c) => /^hue-\d+$/.test(c))])));
}
