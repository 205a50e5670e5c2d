// Time travel, sharing, import/export, autosave and embed mode (issue 5), driven like a user. Screenshots go to
// screenshots/timetravel-*.png (desktop 1280 wide and phone 390 wide): open them and look.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useApp, screenshot, expectNoProblems, PHONE, ROOT, SCREENSHOTS } from './harness.mjs';

const app = useApp();

const clock = (page) => page.locator('[data-testid=clock] .clock-t').textContent().then(parseFloat);
const undoCount = (page) => page.locator('[data-testid=undo]').textContent().then((t) => Number(t.match(/\d+/)[0]));

function replicas(page) {
  return page.$$eval('.cluster-svg [data-replica]', (els) => els.map((e) => `${e.dataset.replica}:${e.dataset.state}`).sort());
}

/** What a viewer sees: the clock, the replicas and their states, the newest narration and the status panel. */
async function view(page) {
  return {
    clock: await clock(page),
    replicas: await replicas(page),
    log: (await page.locator('.events li .ev-reason').allTextContents()).slice(0, 30),
    undo: await undoCount(page),
    scrub: await page.getAttribute('[data-testid=scrubber]', 'aria-valuenow'),
  };
}

async function load(route, options) {
  const { page, problems } = await app.open(route, options);
  await page.waitForSelector('.app .cluster-svg');
  return { page, problems };
}

async function stepEvents(page, n) {
  for (let i = 0; i < n; i++) await page.click('[data-testid=step-event]');
}

/** Builds a situation by clicking: run to a healthy steady state, kill a gang member, step into the teardown. */
async function buildSituation(page) {
  for (let i = 0; i < 200; i++) {
    const ok = await page.evaluate(() => [...document.querySelectorAll('.cluster-svg [data-replica]')].length >= 4
      && [...document.querySelectorAll('.cluster-svg [data-replica]')].every((e) => e.dataset.state === 'RUNNING'));
    if (ok) break;
    await page.click('[data-testid=step-event]');
  }
  const victim = await page.getAttribute('.cluster-svg [data-replica]', 'data-replica');
  await page.click(`[data-replica="${victim}"]`);
  await page.click('[data-testid=kill-replica]');
  await page.waitForSelector('[data-testid=action-panel]', { state: 'detached' });
  await stepEvents(page, 6);
  return victim;
}

async function copyLink(page) {
  await page.click('[data-testid=copy-link]');
  const field = page.locator('[data-testid=share-link-field]');
  await field.waitFor();
  await page.waitForSelector('[data-testid=share-message]');
  return field.inputValue();
}

test('a copied link opens the same view in a new page; the page reload restores the session', async () => {
  const { page, problems } = await load('?preset=steady-pack');
  const victim = await buildSituation(page);
  await screenshot(page, 'timetravel-1-situation');
  const before = await view(page);
  assert.equal(before.undo, 1);
  const url = await copyLink(page);
  assert.match(url, /#g1\.[A-Za-z0-9_-]+$/);
  assert.ok(url.length < 250, `a preset link stays short: ${url.length} characters`);
  assert.match(await page.textContent('[data-testid=share-message]'), /copied|field below/i);
  await screenshot(page, 'timetravel-2-link-copied');

  const other = await app.open(url);
  await other.page.waitForSelector('.app .cluster-svg');
  const opened = await view(other.page);
  assert.deepEqual(opened, before, 'the link shows exactly what the author saw');
  assert.ok((await other.page.textContent('.events')).includes(victim), 'the kill is in the narration');
  await screenshot(other.page, 'timetravel-3-link-opened');
  await other.page.close();
  expectNoProblems(other.problems);

  // Reload (no fragment): the autosave brings the same session back.
  await page.goto(url.split('#')[0].replace(/\?.*$/, ''));
  await page.waitForSelector('.app .cluster-svg');
  assert.deepEqual(await view(page), before, 'the autosaved session is restored after a reload');
  expectNoProblems(problems);
  await page.close();
});

test('scrub back, fork with a new fault, undo; keyboard on the scrub bar', async () => {
  const { page, problems } = await load('?preset=replica-crash');
  await page.locator('[data-testid=speed]').fill('2');
  await page.click('[data-testid=play]');
  // Playback pauses by itself at the scenario's end (30 s).
  await page.waitForFunction(() => parseFloat(document.querySelector('[data-testid=clock] .clock-t').textContent) >= 30);
  await page.click('[data-testid=play]');
  const end = await clock(page);
  const markers = await page.$$eval('.tl-marker', (els) => els.map((e) => e.className));
  assert.ok(markers.some((c) => c.includes('m-teardown')), 'the crash preset shows a teardown marker');
  assert.ok(markers.some((c) => c.includes('m-reserved')), 'and reservations');
  await screenshot(page, 'timetravel-4-played');

  // Click a quarter of the way along the bar: the view goes back in time.
  let box = await page.locator('[data-testid=scrubber]').boundingBox();
  await page.mouse.click(box.x + box.width * 0.1, box.y + box.height / 2);
  const back = await clock(page);
  assert.ok(back < end / 2, `scrubbed back to ${back} s (from ${end} s)`);
  assert.equal(Number(await page.getAttribute('[data-testid=scrubber]', 'aria-valuenow')), back);
  await screenshot(page, 'timetravel-5-scrubbed-back');

  // Drag to the end: the recorded future comes back.
  await page.locator('[data-testid=scrubber]').scrollIntoViewIfNeeded();
  box = await page.locator('[data-testid=scrubber]').boundingBox();
  await page.mouse.move(box.x + box.width * 0.1, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width + 40, box.y + box.height / 2, { steps: 3 });
  await page.mouse.up();
  assert.ok(Math.abs((await clock(page)) - end) < 0.2, `dragged to the end (${await clock(page)} vs ${end})`);

  // Keyboard: Home, then arrows step ticks, Shift+arrow steps events.
  await page.focus('[data-testid=scrubber]');
  await page.keyboard.press('Home');
  assert.equal(await clock(page), 0);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal(await clock(page), 0.2);
  await page.keyboard.press('ArrowLeft');
  assert.equal(await clock(page), 0.1);
  await page.keyboard.press('Shift+ArrowRight');
  const atEvent = await clock(page);
  assert.ok(atEvent > 0.1, 'Shift+→ moves to the next event');
  await page.keyboard.press('Shift+ArrowLeft');
  assert.ok((await clock(page)) < atEvent, 'Shift+← moves back to the previous event');

  // Fork: go to 5 s, inject a controller kill; later the future differs; undo takes it back.
  await page.keyboard.press('End');
  await page.click('[data-testid=faults]');
  await page.click('[data-testid=kill-controller]');
  assert.equal(await undoCount(page), 1);
  await page.focus('[data-testid=scrubber]');
  await page.keyboard.press('Home');
  for (let i = 0; i < 50; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await clock(page), 5);
  assert.equal(await undoCount(page), 1, 'looking at the past keeps the recorded future');
  await page.click('[data-testid=faults]');
  await page.fill('[data-testid=gcs-for]', '4');
  await page.click('[data-testid=fail-gcs]');
  assert.equal(await undoCount(page), 1, 'the fork dropped the old future (the later controller kill)');
  await screenshot(page, 'timetravel-6-forked');
  const forkedLog = await page.locator('.events').textContent();
  await page.click('[data-testid=undo]');
  assert.equal(await undoCount(page), 0);
  assert.equal(await clock(page), 5, 'undo keeps the cursor');
  assert.notEqual(await page.locator('.events').textContent(), forkedLog, 'the undone action left the narration');
  await screenshot(page, 'timetravel-7-undone');

  // Clicking an event in the narration jumps there.
  await page.click('[data-testid=forward-event]');
  await page.click('[data-testid=forward-event]');
  const rows = page.locator('.events li button[data-seq]');
  const target = rows.nth(3);
  const t = parseFloat(await target.locator('.ev-time').textContent());
  await target.click();
  assert.ok(Math.abs((await clock(page)) - t) < 0.01, `jumped to ${t} s`);
  expectNoProblems(problems);
  await page.close();
});

test('a bad import says what and where, and leaves the session as it was; a good one loads', async () => {
  const { page, problems } = await load('?preset=steady-pack');
  await stepEvents(page, 5);
  const before = await view(page);
  const input = page.locator('[data-testid=import-file]');
  await input.setInputFiles({ name: 'broken.json', mimeType: 'application/json',
    buffer: Buffer.from('{\n  "format": "gangplank.scenario/v1",\n  "name": oops\n}') });
  const msg = page.locator('[data-testid=share-message]');
  await msg.waitFor();
  assert.match(await msg.textContent(), /broken\.json.*line 3, column \d+.*unchanged/s);
  assert.deepEqual(await view(page), before, 'the session is intact');
  await screenshot(page, 'timetravel-8-bad-import');

  const preset = JSON.parse(fs.readFileSync(`${ROOT}/scenarios/presets/steady-pack.json`, 'utf8'));
  preset.applications[0].deployments[0].num_replicas = -2;
  await input.setInputFiles({ name: 'invalid.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(preset)) });
  await page.waitForFunction(() => document.querySelector('[data-testid=share-message]').textContent.includes('invalid.json'));
  assert.match(await msg.textContent(), /applications\[0\]\.deployments\[0\]\.num_replicas/);

  await input.setInputFiles({ name: 'huge.json', mimeType: 'application/json', buffer: Buffer.alloc(11 * 1024 * 1024, 32) });
  await page.waitForFunction(() => document.querySelector('[data-testid=share-message]').textContent.includes('huge.json'));
  assert.match(await msg.textContent(), /limit is 10 MB/);
  assert.deepEqual(await view(page), before, 'still intact');

  const good = JSON.parse(fs.readFileSync(`${ROOT}/scenarios/presets/steady-pack.json`, 'utf8'));
  good.name = 'Imported by the e2e test';
  await input.setInputFiles({ name: 'good.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(good)) });
  await page.waitForFunction(() => document.body.textContent.includes('Imported by the e2e test'));
  assert.equal(await clock(page), 0);
  await screenshot(page, 'timetravel-9-imported');

  // Exports: scenario, trace, and a Perfetto trace with node and gang tracks.
  await stepEvents(page, 30);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-perfetto]')]);
  const perfetto = JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
  const names = perfetto.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => e.args.name);
  assert.ok(names.some((n) => /node/i.test(n)) && names.some((n) => /gang/i.test(n)), names.join(', '));
  const [dl2] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-scenario]')]);
  assert.equal(JSON.parse(fs.readFileSync(await dl2.path(), 'utf8')).name, 'Imported by the e2e test');
  const [dl3] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-trace]')]);
  assert.equal(JSON.parse(fs.readFileSync(await dl3.path(), 'utf8')).format, 'gangplank.trace/v1');
  expectNoProblems(problems);
  await page.close();
});

test('saved sessions: save, rename, open, delete; a corrupted list is reported and left untouched', async () => {
  const { page, problems } = await load('?preset=node-failure');
  await stepEvents(page, 8);
  const here = await view(page);
  await page.click('[data-testid=saved-sessions] summary');
  await page.fill('[data-testid=save-name]', 'before the node dies');
  await page.click('[data-testid=save-session]');
  await page.click('[aria-label="Rename before the node dies"]');
  await page.fill('[data-testid=rename-input]', 'renamed moment');
  await page.press('[data-testid=rename-input]', 'Enter');
  await page.waitForSelector('[aria-label="Open renamed moment"]');
  await stepEvents(page, 10);
  await page.click('[aria-label="Open renamed moment"]');
  assert.deepEqual(await view(page), here, 'opening a saved session shows that moment');
  await screenshot(page, 'timetravel-10-saved');
  await page.click('[aria-label="Delete renamed moment"]');
  await page.waitForSelector('[aria-label="Open renamed moment"]', { state: 'detached' });

  await page.evaluate(() => localStorage.setItem('gangplank.saved', '[{"name": "x", "link": '));
  await page.reload();
  await page.waitForSelector('.app .cluster-svg');
  await page.click('[data-testid=saved-sessions] summary');
  assert.match(await page.textContent('[data-testid=saved-error]'), /could not be read.*left untouched/s);
  assert.ok(await page.isDisabled('[data-testid=save-session]'));
  assert.equal(await page.evaluate(() => localStorage.getItem('gangplank.saved')), '[{"name": "x", "link": ');
  await page.evaluate(() => localStorage.removeItem('gangplank.saved'));
  expectNoProblems(problems);
  await page.close();
});

test('a malformed link shows a clear message and a working session; a corrupted autosave too', async () => {
  const { page, problems } = await load('#g1.this-is-not-a-session');
  assert.match(await page.textContent('.error-banner'), /could not be opened: the link is damaged or cut short/);
  assert.ok((await replicas(page)).length > 0 || (await page.$('.cluster-svg')), 'a session is shown');
  await screenshot(page, 'timetravel-11-bad-link');
  await page.close();
  const newer = await load('#g7.abcdef');
  assert.match(await newer.page.textContent('.error-banner'), /newer Gangplank/);
  await newer.page.evaluate(() => localStorage.setItem('gangplank.autosave', 'g1.garbage!'));
  await newer.page.goto(new URL('./', newer.page.url()).href.split('#')[0]);
  await newer.page.waitForSelector('.app .cluster-svg');
  assert.match(await newer.page.textContent('.error-banner'), /autosaved session could not be restored/);
  assert.equal(await newer.page.evaluate(() => localStorage.getItem('gangplank.autosave.unreadable')), 'g1.garbage!');
  await newer.page.evaluate(() => localStorage.removeItem('gangplank.autosave.unreadable'));
  expectNoProblems(problems);
  expectNoProblems(newer.problems);
  await newer.page.close();
});

test('embed mode shows only the cluster view and minimal controls', async () => {
  const { page, problems } = await load('?embed=1&preset=steady-spread');
  assert.ok(await page.isVisible('.cluster-svg'));
  assert.ok(await page.isVisible('[data-testid=embed-play]'));
  assert.ok(await page.isVisible('[data-testid=scrubber]'));
  for (const hidden of ['.side-pane', '[data-testid=share-panel]', '.controls', '[data-testid=undo]']) {
    assert.ok(!(await page.isVisible(hidden)), `${hidden} is hidden in embed mode`);
  }
  await page.click('[data-testid=embed-play]');
  await page.waitForFunction(() => parseFloat(document.querySelector('[data-testid=timeline-clock]').textContent) > 1);
  await page.click('[data-testid=embed-play]');
  await screenshot(page, 'timetravel-12-embed');
  expectNoProblems(problems);
  await page.close();
});

test('phone: the timeline and share panel fit 390 px', async () => {
  const { page, problems } = await load('?preset=replica-crash', { viewport: PHONE });
  await stepEvents(page, 12);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling (${width}px)`);
  const box = await page.locator('[data-testid=scrubber]').boundingBox();
  assert.ok(box.width > 250, `the scrub bar is usable (${box.width}px)`);
  await copyLink(page);
  await screenshot(page, 'timetravel-13-phone');
  // What the phone shows around the scrub bar (the full-page shot is long).
  await page.$eval('[data-testid=timeline]', (el) => el.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: path.join(SCREENSHOTS, 'timetravel-14-phone-timeline.png') });
  await page.locator('[data-testid=share-panel]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'timetravel-15-phone-share.png') });
  expectNoProblems(problems);
  await page.close();
});

test('"Next event" on an idle run stops at the scenario end (30 s) and stays there', async () => {
  const { page, problems } = await load('?preset=steady-pack');
  for (let i = 0; i < 200 && (await clock(page)) < 30; i++) await page.click('[data-testid=step-event]');
  assert.equal(await clock(page), 30, 'the idle jump ends at until_s, not 600 s later');
  assert.equal(await page.getAttribute('[data-testid=scrubber]', 'aria-valuemax'), '30.00', 'the bar is not stretched');
  await page.click('[data-testid=step-event]');
  assert.equal(await clock(page), 30, 'past the end a press does not move the clock (issue 14: it went 60 s a press)');
  assert.equal(await page.getAttribute('[data-testid=scrubber]', 'aria-valuemax'), '30.00', 'the bar is still not stretched');
  await screenshot(page, 'timetravel-idle-next-event');
  expectNoProblems(problems);
  await page.close();
});

test('dragging the scrub bar on the big cluster coalesces seeks and always lands on the final position', async () => {
  // The big cluster opens in its overview (issue 14), not as cards.
  const { page, problems } = await app.open('?preset=big-cluster');
  await page.waitForSelector('[data-testid=scrubber]');
  await page.locator('[data-testid=scrubber]').scrollIntoViewIfNeeded();
  /** Pointer events on the bar at fractions of its width, all in one task (as if the page were busy); ms taken. */
  const gesture = (steps) => page.evaluate((steps) => {
    const bar = document.querySelector('[data-testid=scrubber]');
    const r = bar.getBoundingClientRect();
    const t0 = performance.now();
    for (const [type, f] of steps) {
      bar.dispatchEvent(new PointerEvent(type, { bubbles: true, pointerId: 1, isPrimary: true,
        clientX: r.left + r.width * f, clientY: r.top + r.height / 2 }));
    }
    return performance.now() - t0;
  }, steps);
  const valueNow = () => page.getAttribute('[data-testid=scrubber]', 'aria-valuenow').then(Number);
  await gesture([['pointerdown', 1], ['pointerup', 1]]); // run the whole scenario once (60 s)
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=scrubber]').getAttribute('aria-valuenow')) > 50);
  const end = Number(await page.getAttribute('[data-testid=scrubber]', 'aria-valuemax'));
  const oneSeekMs = await gesture([['pointerdown', 0.5], ['pointerup', 0.5]]);
  // A fast drag: 60 moves arrive before the page gets a frame; only the latest is sought, and the release lands.
  const moves = Array.from({ length: 60 }, (_, i) => ['pointermove', 0.9 - i * 0.013]);
  const dragMs = await gesture([['pointerdown', 0.9], ...moves, ['pointerup', 0.2]]);
  await page.waitForFunction((want) => Math.abs(Number(
    document.querySelector('[data-testid=scrubber]').getAttribute('aria-valuenow')) - want) < 0.2, end * 0.2);
  assert.ok(Math.abs((await valueNow()) - end * 0.2) < 0.2, `the final position is applied (${await valueNow()})`);
  assert.ok(dragMs < Math.max(oneSeekMs, 5) * 12 + 100, `60 moves cost about two seeks, not 60 (${dragMs} ms; one seek ${oneSeekMs} ms)`);
  await screenshot(page, 'timetravel-drag-big-cluster');
  expectNoProblems(problems);
  await page.close();
});
