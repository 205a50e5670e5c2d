// Presenter mode (issue 14) at projector sizes: type readable from the back of the room, the cluster filling the
// screen, clicker keys, a blank screen; the end of the scenario; no spoilers before the run gets there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, screenshot, expectNoProblems, playTo } from './harness.mjs';

const FULL_HD = { width: 1920, height: 1080 };
const HD = { width: 1280, height: 720 };
const app = useApp({ viewport: FULL_HD });

/** The clock, from the scrub bar (shown in both layouts). */
const clock = (page) => page.getAttribute('[data-testid=scrubber]', 'aria-valuenow').then(Number);
/** Waits for a clock change after a key press (the reducer runs before the next frame; this is not a timing test). */
async function pressAndRead(page, key, before) {
  await page.keyboard.press(key);
  await page.waitForFunction((b) => Number(document.querySelector('[data-testid=scrubber]').getAttribute('aria-valuenow')) !== b,
    before, { timeout: 10_000 }).catch(() => {});
  return clock(page);
}

/** Presenter mode is on and the cluster has been laid out for it (the resize it sends, the cards' transitions). */
async function waitForPresenter(page) {
  await page.waitForSelector('.app.presenter [data-testid=narration]');
  await page.waitForTimeout(700); // layout transitions (.45 s) end; the measurements below read final positions
}

/** Every visible text on screen with the size it is drawn at (SVG text scaled with its drawing), smallest first. */
function textSizes(page) {
  return page.evaluate(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const vw = innerWidth, vh = innerHeight;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim();
      const el = n.parentElement;
      if (!text || !el || el.closest('title, style, script, template, desc')) continue;
      if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const r = range.getBoundingClientRect();
      // Off screen, or clipped to a pixel (the screen reader's live region).
      if (r.width < 2 || r.height < 2 || r.right <= 0 || r.bottom <= 0 || r.left >= vw || r.top >= vh) continue;
      let size = parseFloat(getComputedStyle(el).fontSize);
      const svgText = el.closest('text');
      if (svgText) {
        // An SVG text is drawn at its font size times the scale of its drawing: screen height over user height.
        const box = svgText.getBBox();
        if (box.height > 0) size *= svgText.getBoundingClientRect().height / box.height;
      }
      out.push({ text: text.slice(0, 40), size: Math.round(size * 10) / 10, where: el.className?.baseVal ?? el.className });
    }
    return out.sort((a, b) => a.size - b.size);
  });
}

/** Share of the viewport taken by the cluster pane (its drawing area), and by the drawn scene itself. */
function clusterShare(page) {
  return page.evaluate(() => {
    const area = innerWidth * innerHeight;
    // The cluster pane above its control strip: the cards (or the big cluster's overview, its key and blast radius).
    const pane = document.querySelector('.cluster-pane').getBoundingClientRect();
    const strip = document.querySelector('[data-testid=timeline]').getBoundingClientRect();
    const svg = document.querySelector('.cluster-svg');
    const out = { pane: (pane.width * (strip.top - Math.max(0, pane.top))) / area, drawn: NaN, scale: NaN };
    if (svg) {
      const r = svg.getBoundingClientRect();
      const vb = svg.viewBox.baseVal;
      out.scale = Math.min(r.width / vb.width, r.height / vb.height);
      out.drawn = (vb.width * out.scale * vb.height * out.scale) / area;
    }
    return out;
  });
}

test('presenter mode at 1920×1080: text ≥ 18 px, the cluster fills the screen, clicker keys, blank, Escape', async () => {
  const { page, problems } = await app.open('?preset=replica-crash');
  assert.equal(await page.locator('.app.presenter').count(), 0);
  await page.keyboard.press('p');
  await waitForPresenter(page);
  for (const hidden of ['.app-header', '.controls', '.watch', '.side-pane', '.legend', '.traffic-chart']) {
    assert.equal(await page.locator(hidden).first().isVisible(), false, `${hidden} is hidden in presenter mode`);
  }
  // Step to the teardown, so the cards carry every kind of label (stopping, ghosts, the torn gang's pill).
  let t = await clock(page);
  while (t < 10.1) t = await pressAndRead(page, 'PageDown', t);
  await page.waitForTimeout(500);
  const share = await clusterShare(page);
  console.log(`cluster pane ${(share.pane * 100).toFixed(1)}% of 1920×1080, drawn scene ${(share.drawn * 100).toFixed(1)}%, scale ${share.scale.toFixed(2)}`);
  assert.ok(share.pane >= 0.7, `the cluster pane takes ${(share.pane * 100).toFixed(1)}% of the screen`);
  const sizes = await textSizes(page);
  const small = sizes.filter((s) => s.size < 18);
  console.log(`${sizes.length} visible texts; smallest: ${sizes.slice(0, 5).map((s) => `${s.size}px "${s.text}" (${s.where})`).join('; ')}`);
  assert.deepEqual(small, [], 'no visible text under 18 px');
  await screenshot(page, 'presenter-1920-replica-crash-keys');

  // Clicker keys from anywhere: forward with PageDown, → and Space; back with PageUp and ←.
  const start = await clock(page);
  const a = await pressAndRead(page, 'PageDown', start);
  assert.ok(a > start, `PageDown goes forward (${start} → ${a})`);
  const b = await pressAndRead(page, 'ArrowRight', a);
  assert.ok(b > a, `→ goes forward (${a} → ${b})`);
  const c = await pressAndRead(page, ' ', b);
  assert.ok(c > b, `Space goes forward (${b} → ${c})`);
  assert.equal(await page.locator('[data-testid=embed-play]').getAttribute('aria-pressed'), 'false', 'Space stepped, it did not play');
  const d = await pressAndRead(page, 'PageUp', c);
  assert.equal(d, b, `PageUp goes back to the previous event (${c} → ${d})`);
  const e = await pressAndRead(page, 'ArrowLeft', d);
  assert.equal(e, a, `← goes back again (${d} → ${e})`);
  // Each step is the next event: the narration reads what happened at that instant.
  assert.match(await page.textContent('[data-testid=narration]'), /\S/);

  // b blanks to black, any key brings the page back (and does nothing else); w blanks to white, a click restores.
  await page.keyboard.press('b');
  const blank = page.locator('[data-testid=blank-screen]');
  assert.ok(await blank.isVisible());
  assert.equal(await blank.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(0, 0, 0)');
  await screenshot(page, 'presenter-blank');
  await page.keyboard.press('PageDown');
  assert.equal(await blank.count(), 0, 'a key un-blanks');
  assert.equal(await clock(page), e, 'the key that un-blanks does not also step');
  await page.keyboard.press('w');
  assert.equal(await blank.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(255, 255, 255)');
  await blank.click();
  assert.equal(await blank.count(), 0, 'a click un-blanks');

  // Anything that pops up goes with the clicker: the help overlay closes on PageDown.
  await page.keyboard.press('?');
  assert.ok(await page.locator('[data-testid=help-overlay]').isVisible());
  await page.keyboard.press('PageDown');
  assert.equal(await page.locator('[data-testid=help-overlay]').count(), 0, 'PageDown closes the overlay');

  // Escape leaves presenter mode; the button brings it back.
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('.app.presenter').count(), 0, 'Escape leaves presenter mode');
  assert.ok(await page.locator('.controls').isVisible());
  await page.click('[data-testid=present]');
  await waitForPresenter(page);
  await page.click('.narration-bar [data-testid=present]');
  assert.equal(await page.locator('.app.presenter').count(), 0, 'the button in the narration bar leaves it too');
  expectNoProblems(problems);
  await page.close();
});

test('outside presenter mode PageDown / PageUp step forward / back, also on the focused timeline', async () => {
  const { page, problems } = await app.open('?preset=replica-crash');
  const t0 = await clock(page);
  const t1 = await pressAndRead(page, 'PageDown', t0);
  assert.ok(t1 > t0, 'PageDown on the page goes forward');
  await page.focus('[data-testid=scrubber]');
  const t2 = await pressAndRead(page, 'PageDown', t1);
  assert.ok(t2 > t1, `PageDown on the focused timeline goes forward (${t1} → ${t2}; it went back before)`);
  const t3 = await pressAndRead(page, 'PageUp', t2);
  assert.equal(t3, t1, 'PageUp goes back');
  // Space still plays and pauses outside presenter mode.
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press(' ');
  assert.equal(await page.getAttribute('[data-testid=play]', 'aria-pressed'), 'true', 'Space plays');
  await page.keyboard.press(' ');
  assert.equal(await page.getAttribute('[data-testid=play]', 'aria-pressed'), 'false', 'Space pauses');
  expectNoProblems(problems);
  await page.close();
});

test('"Next event" stops at the end of the scenario and says so; playback pauses there; play at the end stays', async () => {
  const { page, problems } = await app.open('?preset=steady-pack');
  for (let i = 0; i < 300 && (await clock(page)) < 30; i++) await page.click('[data-testid=step-event]');
  assert.equal(await clock(page), 30, 'stepping reaches until_s');
  assert.equal(await page.textContent('[data-testid=scenario-end]'), 'End of the scenario (30 s).');
  await page.click('[data-testid=step-event]');
  await page.click('[data-testid=step-event]');
  assert.equal(await clock(page), 30, 'a press at the end does not move the clock (it went 60 s a press)');
  assert.equal(await page.getAttribute('[data-testid=scrubber]', 'aria-valuemax'), '30.00', 'the bar is not stretched');
  assert.ok(await page.locator('[data-testid=end-mark]').isVisible(), 'the end is marked on the bar');
  await screenshot(page, 'presenter-end-of-scenario');
  // Play at the end: nothing to play, it says so and stays paused.
  await page.click('[data-testid=play]');
  assert.equal(await page.getAttribute('[data-testid=play]', 'aria-pressed'), 'false');
  assert.equal(await clock(page), 30);
  // From the start at 100×: playback pauses by itself at the end.
  await page.focus('[data-testid=scrubber]');
  await page.keyboard.press('Home');
  await page.locator('[data-testid=speed]').fill('2');
  await page.click('[data-testid=play]');
  await page.waitForFunction(() => document.querySelector('[data-testid=play]').getAttribute('aria-pressed') === 'false',
    null, { timeout: 30_000 });
  assert.equal(await clock(page), 30, 'playback paused at until_s');
  assert.equal(await page.textContent('[data-testid=scenario-end]'), 'End of the scenario (30 s).');
  // "End" on the timeline goes to the scenario's end, running the model there.
  await page.focus('[data-testid=scrubber]');
  await page.keyboard.press('Home');
  await page.keyboard.press('End');
  assert.equal(await clock(page), 30, 'End goes to until_s');
  expectNoProblems(problems);
  await page.close();
});

test('no spoilers: the setup only, scripted faults marked ahead, no computed marker past the cursor', async () => {
  const { page, problems } = await app.open('?preset=replica-crash');
  const watch = await page.textContent('[data-testid=what-to-watch]');
  assert.equal(watch.trim(), 'At 10 s rank 0 of the oldest gang crashes.', 'only the setup shows before the run');
  assert.doesNotMatch(watch, /RESTART_GANG/);
  const marks = await page.$$eval('[data-testid=script-mark]', (els) => els.map((e) => e.dataset.t));
  assert.deepEqual(marks, ['10.00'], 'the scripted kill is marked at 10 s before the run gets there');
  assert.equal(await page.locator('.tl-marker.m-teardown').count(), 0);
  // Run past the teardown, then back to 5 s: the teardown marker is not shown ahead of the cursor.
  let t = await clock(page);
  while (t < 12) t = await pressAndRead(page, 'PageDown', t);
  assert.ok(await page.locator('.tl-marker.m-teardown').count() > 0, 'the teardown is marked once it happened');
  await page.focus('[data-testid=scrubber]');
  await page.keyboard.press('Home');
  for (let i = 0; i < 50; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await clock(page), 5);
  assert.equal(await page.locator('.tl-marker.m-teardown').count(), 0, 'the known future is not marked');
  assert.equal(await page.locator('[data-testid=script-mark]').count(), 1, 'the scripted fault still is');
  await page.click('[data-testid=show-outcome]');
  assert.match(await page.textContent('[data-testid=what-happens]'), /RESTART_GANG/, '"Show what happens" reveals the rest');
  await screenshot(page, 'presenter-no-spoilers');
  expectNoProblems(problems);
  await page.close();
});

// Free presenter mode (no lesson): the spotlight follows what the narration line reads, also when the step did not
// select an event ("event ▶" steps without selecting), and never dims what the line names.
test('free presenter mode: the spotlight lights what the narration line names, with no event selected', async () => {
  const { page, problems } = await app.open('?preset=replica-crash&present=1');
  await waitForPresenter(page);
  const line = () => page.textContent('[data-testid=narration]');
  for (let i = 0; i < 80 && !/torn down/.test(await line()); i++) await page.click('[data-testid=forward-event]');
  const text = await line();
  assert.match(text, /torn down/, 'stepped to the teardown');
  assert.equal(await page.locator('[data-testid=event-log] [aria-selected=true], .ev.selected').count(), 0, 'no event is selected');
  await page.waitForTimeout(500); // the dimming's transition
  const cards = await page.evaluate((text) => [...document.querySelectorAll('.cluster-pane .card-fo')].map((c) => {
    const ids = [...c.querySelectorAll('[data-gang], [data-replica]')].flatMap((e) => [e.getAttribute('data-gang'), e.getAttribute('data-replica')]);
    return { named: ids.some((id) => id && text.includes(id)), opacity: Number(getComputedStyle(c).opacity) };
  }), text);
  const named = cards.filter((c) => c.named);
  assert.ok(named.length >= 1, `the line names something drawn in a card: ${text}`);
  for (const c of named) assert.equal(c.opacity, 1, 'a card holding what the line names is lit');
  assert.ok(cards.some((c) => !c.named && c.opacity < 1), 'the other cards are dimmed: the spotlight is on');
  await screenshot(page, 'presenter-free-spotlight');
  expectNoProblems(problems);
  await page.close();
});

// Screenshots to look at: three presets at two projector sizes, at the moment their story turns.
for (const [preset, at] of [['replica-crash', 10.1], ['node-failure', 13], ['big-cluster', 20.1]]) {
  for (const viewport of [FULL_HD, HD]) {
    test(`screenshot: ${preset} in presenter mode at ${viewport.width}×${viewport.height}`, async () => {
      const { page, problems } = await app.open(`?preset=${preset}&present=1`, { viewport });
      await waitForPresenter(page);
      // Seek just before the moment on the bar, then one clicker step to the next event.
      const bar = await page.locator('[data-testid=scrubber]').boundingBox();
      const end = Number(await page.getAttribute('[data-testid=scrubber]', 'aria-valuemax'));
      await page.mouse.click(bar.x + (bar.width * (at - 0.2)) / end, bar.y + bar.height / 2);
      const t = await pressAndRead(page, 'PageDown', await clock(page));
      await page.waitForTimeout(600);
      const share = await clusterShare(page);
      const sizes = await textSizes(page);
      console.log(`${preset} ${viewport.width}×${viewport.height} at ${t} s: pane ${(share.pane * 100).toFixed(1)}%, drawn ${(share.drawn * 100).toFixed(1)}%, scale ${share.scale.toFixed(2)}, smallest text ${sizes[0]?.size} px ("${sizes[0]?.text}"), ${sizes.filter((s) => s.size < 18).length} texts under 18 px`);
      await screenshot(page, `presenter-${preset}-${viewport.width}`);
      assert.ok(share.pane >= 0.7, `${preset}: the cluster pane takes ${(share.pane * 100).toFixed(1)}%`);
      expectNoProblems(problems);
      await page.close();
    });
  }
}

/** Every bundle slot's key and where it is drawn (relative to the cluster drawing), and each card's height. */
function slotPlaces(page) {
  return page.evaluate(() => {
    const svg = document.querySelector('.cluster-svg').getBoundingClientRect();
    const out = {};
    for (const el of document.querySelectorAll('.cluster-svg [data-slot]')) {
      const r = el.getBoundingClientRect();
      out[el.getAttribute('data-slot')] = `${Math.round(r.x - svg.x)},${Math.round(r.y - svg.y)}`;
    }
    for (const el of document.querySelectorAll('.cluster-svg .card-bg')) {
      out[`card ${[...document.querySelectorAll('.cluster-svg .card-bg')].indexOf(el)}`] = Math.round(el.getBoundingClientRect().height);
    }
    return out;
  });
}

/** The share link of the moment shown. */
async function shareLink(page) {
  await page.click('[data-testid=copy-link]');
  return page.locator('[data-testid=share-link-field]').inputValue();
}

test('the same moment reached by playing, by stepping back and by a link draws every slot in the same place', async () => {
  // rolling-upgrade: two gangs per 4-CPU node, and the rollout replaces them one by one (a slot position that
  // depended on history left a hole where an old gang was, and moved the replacement after a step back).
  const { page, problems } = await app.open('?preset=rolling-upgrade');
  await page.emulateMedia({ reducedMotion: 'reduce' }); // no transitions: positions are final at once
  const end = Number(await page.getAttribute('[data-testid=scrubber]', 'aria-valuemax'));
  await playTo(page, Math.min(end, 40), 10);
  const played = await slotPlaces(page);
  const link = await shareLink(page);
  // Back a few events, as a presenter clicking back would.
  for (let i = 0; i < 3; i++) await pressAndRead(page, 'PageUp', await clock(page));
  const back = await slotPlaces(page);
  const backLink = await shareLink(page);
  assert.ok(Object.keys(played).some((k) => k.includes('#')), 'bundles are drawn');
  for (const [url, want, what] of [[link, played, 'played'], [backLink, back, 'stepped back']]) {
    const { page: opened, problems: p } = await app.open(url);
    await opened.emulateMedia({ reducedMotion: 'reduce' });
    await opened.locator('.cluster-svg [data-slot]').first().waitFor();
    assert.deepEqual(await slotPlaces(opened), want, `${what}: the link to that moment draws the same slots`);
    expectNoProblems(p);
    await opened.close();
  }
  expectNoProblems(problems);
  await page.close();
});
