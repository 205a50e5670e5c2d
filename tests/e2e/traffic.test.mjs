// Traffic and autoscaling, driven like a user: the presets autoscale-ramp and teardown-under-load played in the
// page, the chart under the timeline, the status panel's traffic lines, and Set traffic in the action panel.
// Screenshots go to screenshots/traffic-*.png: open them and look.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, screenshot, expectNoProblems, playTo } from './harness.mjs';

const app = useApp();

async function load(preset) {
  const { page, problems } = await app.open(`?preset=${preset}`);
  await page.waitForSelector('.app .cluster-svg');
  return { page, problems };
}

const clock = (page) => page.locator('[data-testid=clock] .clock-t').textContent().then(parseFloat);

/** Presses "Next event" until `predicate(arg)` holds in the page. */
async function stepUntil(page, predicate, arg, max = 400) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate(predicate, arg)) return;
    await page.click('[data-testid=step-event]');
  }
  throw new Error(`not reached after ${max} events: ${predicate}`);
}

const chartLabel = (page) => page.getAttribute('[data-testid=traffic-plot]', 'aria-label');
const deployment = (page, key) => page.locator(`[data-deployment="${key}"]`);

test('autoscale-ramp: the load climbs, the autoscaler adds whole gangs up to 8 and the chart says so', async () => {
  const { page, problems } = await load('autoscale-ramp');
  // Before the ramp: the minimum of 2 replicas, one gang, a chart with the first samples.
  await playTo(page, 15);
  assert.match(await chartLabel(page), /^llm\/Model at 1[5-9] s: offered 2 req\/s, served [\d.]+, failed 0; 2 of 2 replicas routable, 1 whole gang;/);
  assert.match(await deployment(page, 'llm/Model').locator('[data-testid=autoscaling-line]').textContent(),
    /^autoscaling 2–8 · target_ongoing_requests 2 · last decision: /);
  // The target is always a whole number of gangs while it climbs (the members of a new gang finish starting one
  // by one, so the running count may be odd for a moment).
  const seen = new Set();
  await page.locator('[data-testid=speed]').fill('1');
  await page.click('[data-testid=play]');
  while ((await clock(page)) < 70) {
    seen.add(await deployment(page, 'llm/Model').locator('[data-testid=running-vs-target]').textContent());
    await page.waitForTimeout(20);
  }
  await page.click('[data-testid=play]');
  const targets = [...seen].map((s) => Number(s.match(/\/ (\d+) running/)[1]));
  targets.forEach((n, i) => assert.equal(n % 2, 0, `targets are whole gangs of 2: ${[...seen][i]}`));
  assert.ok(new Set(targets).size >= 3, `the target climbed: ${[...seen].join(', ')}`);
  const dep = deployment(page, 'llm/Model');
  assert.equal(await dep.locator('[data-testid=running-vs-target]').textContent(), '8 / 8 running');
  assert.match(await dep.locator('.trigger').textContent(), /UPSCALE_COMPLETED/);
  assert.match(await chartLabel(page), /offered 30 req\/s, .*; 8 of 8 replicas routable, 4 whole gangs;/);
  // Each autoscaling decision is a marker on the timeline and on the chart, at the same place.
  const bar = await page.$$eval('.tl-track .tl-marker.m-scaling', (els) => els.map((e) => parseFloat(e.style.left)));
  assert.ok(bar.length >= 3, `2 → 4 → 6 → 8 is three decisions at least: ${bar}`);
  const chart = await page.$$eval('.tc-svg line.tc-marker.m-scaling', (els) => els.map((e) => {
    const w = e.ownerSVGElement.viewBox.baseVal.width;
    return (parseFloat(e.getAttribute('x1')) / w) * 100;
  }));
  assert.equal(chart.length, bar.length);
  chart.forEach((x, i) => assert.ok(Math.abs(x - bar[i]) < 0.2, `chart marker at ${x}% vs bar at ${bar[i]}%`));
  // Routable replicas show their load: one gauge each, at their deployment's level.
  const gauges = await page.locator('[data-testid=load-layer] [data-load-deployment="llm/Model"]');
  assert.ok(Number(await gauges.getAttribute('data-gauges')) >= 8);
  const level = Number(await gauges.getAttribute('data-level'));
  assert.ok(level > 0 && level <= 1, `load level ${level}`);
  // The log's traffic filter lists the autoscaler's decisions.
  await page.selectOption('.log-filters select', 'traffic');
  const tags = await page.locator('.events li .ev-tag').allTextContents();
  assert.ok(tags.includes('autoscale'), tags.join(', '));
  await screenshot(page, 'traffic-1-autoscaled-to-8');
  // Manual scaling is off for an autoscaled deployment, in Ray's words.
  await dep.getByRole('button', { name: 'Actions for deployment llm/Model' }).click();
  assert.ok(await page.locator('[data-testid=num-replicas]').isDisabled());
  assert.equal(await page.locator('[data-testid=scale-disabled-reason]').textContent(),
    'Manually setting num_replicas is not allowed when autoscaling_config is provided.');
  expectNoProblems(problems);
});

test('teardown-under-load: a few in-flight requests fail, and the surviving gang keeps serving', async () => {
  const { page, problems } = await load('teardown-under-load');
  const roomy = deployment(page, 'roomy/Model');
  // Step into roomy's gang restart: the replacement gang is starting while the other gang serves.
  await stepUntil(page, () => document.querySelector('[data-deployment="roomy/Model"] [data-testid=zero-downtime]'));
  const t = await clock(page);
  assert.ok(t >= 20 && t < 23, `the restart follows the kill at 20 s (now ${t})`);
  assert.equal(await roomy.locator('[data-testid=zero-downtime]').textContent(),
    'zero downtime: traffic kept flowing on 1 gang');
  const failed = await roomy.locator('[data-testid=requests-failed]').textContent();
  const n = Number(failed.match(/^(\d+) requests? failed/)[1]);
  assert.ok(n > 0 && n <= 5, `only the requests in flight at the torn-down gang fail: ${failed}`);
  assert.match(failed, /actor died/);
  await screenshot(page, 'traffic-2-restart-zero-downtime');
  // Once the new gang runs, the badge goes; the failures stay counted, and the chart shows their spike.
  await stepUntil(page, () => document.querySelector('[data-deployment="roomy/Model"] [data-testid=running-vs-target]')
    .textContent === '4 / 4 running');
  assert.equal(await roomy.locator('[data-testid=zero-downtime]').count(), 0);
  assert.equal(await roomy.locator('[data-testid=requests-failed]').textContent(), failed);
  await playTo(page, 26);
  assert.notEqual(await page.getAttribute('.tc-svg path.tc-failed', 'd'), '', 'a red spike at the kill');
  assert.match(await chartLabel(page), /^roomy\/Model at 2\d s: offered 8 req\/s, served \d+(\.\d)?, failed 0; 4 of 4 replicas routable, 2 whole gangs;/);
  // The other deployment, through the chart's selector.
  await page.selectOption('[data-testid=traffic-deployment]', 'tight/Model');
  assert.match(await chartLabel(page), /^tight\/Model at /);
  await screenshot(page, 'traffic-3-after-restart');
  // The chart is scrubbed with the timeline: back to 10 s it shows ten samples and the numbers of then.
  const samples = () => page.getAttribute('.tc-svg', 'data-samples').then(Number);
  assert.equal(await samples(), Math.floor(await clock(page)), 'one sample a simulated second');
  await page.focus('[data-testid=scrubber]');
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.querySelector('.tc-svg').dataset.samples === '0');
  assert.equal(await chartLabel(page), 'tight/Model: no traffic sample yet');
  for (let i = 0; i < 100; i++) await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.querySelector('.tc-svg').dataset.samples === '10');
  assert.match(await chartLabel(page), /^tight\/Model at 10 s: .*failed 0; 4 of 4 replicas routable, 2 whole gangs;/);
  assert.equal(await page.getAttribute('.tc-svg path.tc-failed', 'd'), '', 'no failure before the kill');
  expectNoProblems(problems);
});

test('Set traffic in the action panel changes the offered load the page shows', async () => {
  const { page, problems } = await load('teardown-under-load');
  await playTo(page, 10);
  const offered = async (key) => Number((await deployment(page, key).locator('[data-testid=traffic-line]').textContent())
    .match(/^offered ([\d.]+) req\/s/)[1]);
  const [before, other] = [await offered('roomy/Model'), await offered('tight/Model')];
  const wanted = before + 12;
  await deployment(page, 'roomy/Model').getByRole('button', { name: 'Actions for deployment roomy/Model' }).click();
  const rps = page.locator('[data-testid=traffic-rps]');
  assert.equal(Number(await rps.inputValue()), before, 'the field starts at the offered load');
  // A rate out of range is said inline and cannot be sent.
  await rps.fill('-5');
  assert.equal(await page.locator('[data-testid=traffic-rps-error]').textContent(),
    'Requests per second is a number from 0 to 10,000,000.');
  assert.ok(await page.locator('[data-testid=set-traffic]').isDisabled());
  await rps.fill(String(wanted));
  assert.equal(await page.locator('[data-testid=traffic-rps-error]').count(), 0);
  await page.click('[data-testid=set-traffic]');
  await page.waitForSelector('[data-testid=action-panel]', { state: 'detached' });
  await playTo(page, 14);
  assert.equal(await offered('roomy/Model'), wanted);
  assert.match(await chartLabel(page), new RegExp(`^roomy/Model at 1\\d s: offered ${wanted} req/s`));
  assert.equal(await offered('tight/Model'), other, 'the other deployment is untouched');
  await screenshot(page, 'traffic-4-set-traffic');
  expectNoProblems(problems);
});

test('a scenario without traffic has no chart and no load gauges', async () => {
  const { page, problems } = await load('steady-pack');
  await playTo(page, 5);
  assert.equal(await page.locator('[data-testid=traffic-chart]').count(), 0);
  assert.equal(await page.locator('[data-testid=load-layer]').count(), 0);
  assert.ok((await page.locator('.cluster-svg [data-replica]').count()) > 0);
  assert.equal(await page.locator('[data-testid=traffic-line]').count(), 0);
  expectNoProblems(problems);
});
