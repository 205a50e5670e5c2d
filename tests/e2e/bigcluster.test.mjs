// The big-cluster preset (100 nodes, 1,000 replicas) while playing at 10×: the frame-time work (issue 6: a model
// time budget per frame, node cards redrawn a few per frame, animations in an overlay SVG) must not change what
// the user sees: every replica is drawn, a teardown flashes and fades and is narrated, and once paused the cards
// show exactly the paused state. Screenshots under screenshots/bigcluster-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, screenshot, expectNoProblems, playTo } from './harness.mjs';

const app = useApp();

/** Every replica token in the node cards, as `id:state`, sorted. */
const tokens = (page) => page.$$eval('.cluster-svg [data-replica]', (els) => els.map((e) => `${e.dataset.replica}:${e.dataset.state}`).sort());

test('big cluster at 10×: the start-up wave is drawn in full, a teardown flashes, fades and is narrated, pausing shows the exact state', async () => {
  const { page, problems } = await app.open('?preset=big-cluster');
  // It opens in the overview (issue 14); the toggle shows every node as a card.
  await page.click('[data-testid=show-cards]');
  await page.waitForSelector('.cluster-svg [data-node]', { state: 'attached' });
  assert.equal(await page.locator(".cluster-svg [data-node]").count(), 101); // the head and 100 workers
  await page.locator('[data-testid=speed]').fill('1'); // 10×
  await page.click('[data-testid=play]');
  // The start-up wave: the cards fill in over a few frames, and all 1,000 replicas end up drawn.
  await page.waitForFunction(() => document.querySelectorAll('.cluster-svg [data-replica]').length === 1000,
    null, { timeout: 30_000, polling: 'raf' });
  await page.waitForFunction(() => [...document.querySelectorAll('.cluster-svg [data-replica]')]
    .filter((e) => e.dataset.state === 'RUNNING').length > 900, null, { timeout: 30_000 });

  // Kill a running gang member through the action panel, while playing.
  const victim = await page.evaluate(() => {
    const els = [...document.querySelectorAll('.cluster-svg [data-replica][data-gang]')].filter((e) => e.dataset.state === 'RUNNING');
    return els[Math.floor(els.length / 3)].dataset.replica;
  });
  const gang = await page.getAttribute(`[data-replica="${victim}"]`, 'data-gang');
  // Ghosts last 2.5 s of simulated time (issue 14), a quarter of a second at 10×: pause, kill, step into the teardown.
  await page.click('[data-testid=play]');
  await page.locator(`[data-replica="${victim}"]`).dispatchEvent('click');
  await page.locator('[data-testid=kill-replica]').dispatchEvent('click');
  for (let i = 0; i < 80 && !(await page.$(`.cluster-overlay [data-ghost="${victim}"]`)); i++) {
    await page.click('[data-testid=step-event]');
  }
  // Its gang is torn down: the members leave as ghosts (in the overlay) that flash together and fade out, joined by
  // an orange link, with a pill in the card naming the cause.
  const label = await page.waitForSelector(`.cluster-overlay [data-teardown-pill][data-gangs~="${gang}"]`, { state: 'attached' });
  assert.match(await label.textContent(), /torn down.*RESTART_GANG/);
  const ghost = await page.waitForSelector(`.cluster-overlay [data-ghost="${victim}"]`, { state: 'attached' });
  // It fades over simulated time (issue 14): its opacity is set from the clock, not by a wall-clock animation.
  assert.match(await ghost.getAttribute('style'), /--fade: [\d.]+/);
  assert.equal(await ghost.evaluate((e) => getComputedStyle(e.querySelector('.body')).animationName), 'flash');
  assert.ok(await ghost.evaluate((e) => e.classList.contains('torn')));
  await screenshot(page, 'bigcluster-1-teardown-ghosts');
  // Narrated: in the event log and for screen readers.
  await page.waitForSelector('.events li.k-gang_teardown', { state: 'attached' });

  // Paused, every card shows the paused state at once: the drawing does not change while time stands still.
  if ((await page.getAttribute('[data-testid=play]', 'aria-pressed')) === 'true') await page.click('[data-testid=play]');
  await page.waitForFunction(() => !document.querySelector('[data-testid=catching-up]'));
  const t = await page.locator('[data-testid=clock] .clock-t').textContent();
  const first = await tokens(page);
  await page.waitForTimeout(300);
  assert.deepEqual(await tokens(page), first, 'no card catches up after the pause: they were all drawn');
  assert.equal(await page.locator('[data-testid=clock] .clock-t').textContent(), t);
  // And it agrees with the model: per deployment, the RUNNING tokens drawn are the "N / M running" of the status
  // panel (read from the same snapshot, never held back).
  const drawn = await page.$$eval('.cluster-svg [data-replica]', (els) => {
    const out = {};
    for (const e of els) {
      const dep = e.getAttribute('aria-label').match(/ of ([^,]+),/)[1];
      if (e.dataset.state === 'RUNNING') out[dep] = (out[dep] ?? 0) + 1;
    }
    return out;
  });
  const listed = await page.$$eval('[data-deployment]', (els) => Object.fromEntries(els.map((e) => [
    e.dataset.deployment, parseInt(e.querySelector('[data-testid=running-vs-target]').textContent, 10)])));
  assert.ok(Object.keys(listed).length >= 2, JSON.stringify(listed));
  for (const [dep, n] of Object.entries(listed)) assert.equal(drawn[dep] ?? 0, n, `RUNNING tokens of ${dep}`);
  expectNoProblems(problems);
});

test('stepping into a teardown: the STOPPING members flash together in the overlay, over their tokens', async () => {
  const { page, problems } = await app.open('?preset=replica-crash');
  await page.waitForSelector('.cluster-svg [data-node]', { state: 'attached' });
  for (let i = 0; i < 400 && !(await page.$('.cluster-svg .replica.teardown')); i++) {
    await page.click('[data-testid=step-event]');
  }
  const member = await page.getAttribute('.cluster-svg .replica.teardown', 'data-replica');
  assert.equal(await page.getAttribute(`[data-replica="${member}"]`, 'data-state'), 'STOPPING');
  const flash = await page.waitForSelector(`.cluster-overlay [data-flash="${member}"]`, { state: 'attached' });
  assert.equal(await flash.evaluate((e) => getComputedStyle(e).animationName), 'flash-on');
  // Over the token: the same centre on the screen (in a small cluster a card may still be sliding to its new place
  // for up to 0.45 s after a step, so allow the slide to end while the flash is still there).
  const centre = (r) => [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)];
  let a, b;
  for (let i = 0; i < 20; i++) {
    a = centre(await flash.boundingBox());
    b = centre(await page.locator(`[data-replica="${member}"] .body`).boundingBox());
    if (Math.abs(a[0] - b[0]) <= 2 && Math.abs(a[1] - b[1]) <= 2) break;
    await page.waitForTimeout(50);
  }
  assert.ok(Math.abs(a[0] - b[0]) <= 2 && Math.abs(a[1] - b[1]) <= 2, `flash at ${a}, token at ${b}`);
  await screenshot(page, 'bigcluster-3-stepped-flash');
  expectNoProblems(problems);
});

// ===== overview (issue 14): the big cluster readable on one screen, the blast radius of a node failure, zoom =====

/** Scrolls the overview's top just under the sticky controls; returns how many cells then lie wholly on screen
 *  (inside the viewport and not under the controls). */
const cellsOnScreen = (page) => page.evaluate(() => {
  const bar = document.querySelector('.controls').getBoundingClientRect().height;
  const top = document.querySelector('[data-testid=overview]').getBoundingClientRect().top + scrollY;
  scrollTo(0, top - bar);
  const under = document.querySelector('.controls').getBoundingClientRect().bottom;
  return [...document.querySelectorAll('.ov-cell')].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.top >= under && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth && r.width > 0;
  }).length;
});

test('the big cluster opens as an overview: all 100 nodes on one screen at 1400×900 and 1920×1080, and on a phone', async () => {
  for (const [w, h] of [[1400, 900], [1920, 1080]]) {
    const { page, problems } = await app.open('?preset=big-cluster', { viewport: { width: w, height: h } });
    await page.waitForSelector('[data-testid=overview] .ov-cell');
    assert.equal(await page.locator('.ov-cell').count(), 101, 'the head and 100 workers, one cell each');
    assert.equal(await page.locator('.cluster-svg [data-node]').count(), 0, 'no node cards while the overview shows');
    assert.equal(await page.getAttribute('[data-testid=show-overview]', 'aria-pressed'), 'true');
    await playTo(page, 8); // every gang reserved and running
    assert.equal(await cellsOnScreen(page), 101, `every cell wholly on screen at ${w}×${h}`);
    // A worker's cell: name, fill bar of its GPUs, its gangs as glyphs in their colours, and an accessible name.
    const w012 = page.locator('[data-cell=w012]');
    assert.match(await w012.getAttribute('aria-label'), /^w012: alive, GPU \d+(\.\d+)? of 4 reserved, [\d.]+ used, \d+ gangs \(\d+ running\)/);
    assert.ok(await w012.locator('.ov-gang.running[class*=hue-]').count() >= 1);
    const smallest = await page.$$eval('.ov-cell .ov-name', (els) => Math.min(...els.map((e) => parseFloat(getComputedStyle(e).fontSize))));
    assert.ok(smallest >= 12, `cell names are at least 12 px (${smallest})`);
    await screenshot(page, `bigcluster-overview-${w}x${h}`);
    if (w === 1400) {
      // "Add a node" offers a node like the cluster's workers (16 CPU, 4 GPU), not a 2-CPU one no GPU replica fits.
      await page.click('[data-testid=faults]');
      assert.equal(await page.inputValue('[data-testid=add-node-cpu]'), '16');
      assert.equal(await page.inputValue('[data-testid=add-node-gpu]'), '4');
      await page.keyboard.press('Escape');
    }
    expectNoProblems(problems);
    await page.close();
  }
  const { page, problems } = await app.open('?preset=big-cluster', { viewport: { width: 390, height: 844 } });
  await page.waitForSelector('[data-testid=overview] .ov-cell');
  await playTo(page, 8);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  assert.ok(overflow <= 0, `no sideways scroll on a phone (${overflow} px)`);
  await screenshot(page, 'bigcluster-overview-phone');
  expectNoProblems(problems);
  await page.close();
});

test('a node failure shows in its cell and as a blast radius; a selected event lights the cells it touches', async () => {
  const { page, problems } = await app.open('?preset=big-cluster', { viewport: { width: 1400, height: 900 } });
  await page.waitForSelector('[data-testid=overview] .ov-cell');
  await playTo(page, 15);
  await playTo(page, 20.2, 0); // at 1×: the preset kills w007 at 20 s, the GCS declares it dead at 23 s
  assert.equal(await page.getAttribute('[data-cell=w007]', 'data-health'), 'killed');
  assert.match(await page.locator('[data-cell=w007] .ov-badge').textContent(), /KILLED/);
  assert.match(await page.textContent('[data-testid=blast-latest]'), /^w007 was killed at 20\.0 s: it held \d+ gangs/);
  await playTo(page, 30); // declared dead at 23 s; its gangs torn down and rebuilt elsewhere
  const label = await page.getAttribute('[data-cell=w007]', 'aria-label');
  const m = label.match(/^w007: dead, (\d+) gangs torn down/);
  assert.ok(m && Number(m[1]) >= 2, label);
  assert.equal(await page.locator('[data-cell=w007] .ov-torn').textContent(), `✕${m[1]}`);
  const blast = await page.textContent('[data-testid=blast-latest]');
  const b = blast.match(/^w007 died at 20\.0 s: it held (\d+) gangs(?: and \d+ other replicas?)?; (\d+) torn down; (\d+) replacement gangs reserved on \d+ nodes: w\d+/);
  assert.ok(b, blast);
  assert.equal(b[2], m[1], 'the cell and the blast radius agree');
  assert.equal(b[3], b[2], 'every torn-down gang has a replacement by 30 s');
  assert.ok(!/w007[,:]? /.test(blast.split('nodes: ')[1]), `no replacement on the dead node: ${blast}`);
  // Select a teardown in the event log: the cells holding its gang light up.
  await page.locator('.events li.k-gang_teardown > button').first().click();
  await page.waitForSelector('.ov-cell.hl');
  const lit = await page.$$eval('.ov-cell.hl', (els) => els.map((e) => e.dataset.cell));
  assert.ok(lit.length >= 1 && lit.length <= 5, `a gang of 4 and its node: ${lit}`);
  await screenshot(page, 'bigcluster-overview-blast-radius');
  expectNoProblems(problems);
  await page.close();
});

test('zoom into a node group shows its nodes as cards; back returns to the overview; keyboard only', async () => {
  const { page, problems } = await app.open('?preset=big-cluster', { viewport: { width: 1400, height: 900 } });
  await page.waitForSelector('[data-testid=overview] .ov-cell');
  await playTo(page, 5);
  // The group's header names it and its size.
  const head = page.locator('[data-group="w021–w040"] .ov-zoom');
  assert.match(await head.getAttribute('aria-label'), /^Zoom into node group w021–w040: 20 nodes/);
  await head.focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('.cluster-svg [data-node]', { state: 'attached' });
  const cards = await page.$$eval('.cluster-svg [data-node]', (els) => els.map((e) => e.dataset.node));
  assert.deepEqual(cards, Array.from({ length: 20 }, (_, i) => `w0${21 + i}`), 'the group\'s 20 nodes, as cards');
  assert.ok(await page.locator('.cluster-svg [data-replica]').count() >= 20, 'their replicas are drawn');
  assert.equal(await page.locator('.ov-cell').count(), 0);
  assert.match(await page.textContent('.ov-crumbs [aria-current=page]'), /Node group w021–w040/);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'overview-back', 'the focus is on the way back');
  await screenshot(page, 'bigcluster-overview-zoomed');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.ov-cell');
  assert.equal(await page.locator('.cluster-svg [data-node]').count(), 0);
  assert.equal(await page.locator('.ov-cell').count(), 101);
  assert.equal(await page.evaluate(() => document.activeElement?.closest('[data-group]')?.dataset.group), 'w021–w040',
    'the focus goes back to the group left');
  // A cell opens its own group too (click).
  await page.click('[data-cell=w077]');
  await page.waitForSelector('.cluster-svg [data-node=w077]', { state: 'attached' });
  assert.equal(await page.locator('.cluster-svg [data-node]').count(), 20);
  await page.click('[data-testid=overview-back]');
  // Cards for the whole cluster, and back.
  await page.click('[data-testid=show-cards]');
  await page.waitForFunction(() => document.querySelectorAll('.cluster-svg [data-node]').length === 101);
  await page.click('[data-testid=show-overview]');
  await page.waitForSelector('.ov-cell');
  expectNoProblems(problems);
  await page.close();
});
