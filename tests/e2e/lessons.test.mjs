// Lessons (issue 14) in the page: the list, a question asked before the run goes on and answered by the model,
// links per step, resuming after a reload, a broken lesson file, and a lesson walked by keyboard only in
// presenter mode at 1920×1080 (font sizes, the cluster's share of the screen). Screenshots of every step of every
// built-in lesson: screenshots/lesson-<id>-<step>.png (and -revealed for a question's answer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, screenshot, expectNoProblems } from './harness.mjs';

const app = useApp();
const FULL_HD = { width: 1920, height: 1080 };

const clock = (page) => page.locator('[data-testid=timeline-clock]').textContent();
const step = async (page) => Number(await page.locator('[data-testid=lesson-panel]').getAttribute('data-step'));
const asking = (page) => page.locator('[data-testid=lesson-option]:not([disabled])').count();

/** Waits until a reveal has landed: the model's answer is marked. */
async function landed(page) {
  await page.locator('[data-testid=lesson-reveal]').waitFor();
  assert.equal(await page.locator('[data-testid=lesson-option][data-correct=true]').count(), 1, 'one answer is the model\'s');
}

/** The built-in lessons as the list shows them: [{ id, steps }]. */
async function lessonList(page) {
  await page.click('[data-testid=lessons]');
  const entries = page.locator('[data-testid=lesson-entry]');
  await entries.first().waitFor();
  const list = [];
  for (const e of await entries.all()) {
    list.push({ id: await e.getAttribute('data-lesson'), steps: Number(await e.getAttribute('data-steps')) });
  }
  await page.click('[data-testid=lesson-picker-close]');
  return list;
}

/** Every visible text as drawn (an SVG text scaled by its drawing): [{ size, text, cluster }] (cluster: in the
 * cluster's drawing). */
function visibleTexts(page) {
  return page.evaluate(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim();
      const el = n.parentElement;
      if (!text || !el || el.closest('style, script, title, template, desc')) continue;
      if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const r = range.getBoundingClientRect();
      // Off screen, or clipped to a pixel (the live region for screen readers).
      if (r.width < 2 || r.height < 2 || r.bottom <= 0 || r.top >= innerHeight || r.right <= 0 || r.left >= innerWidth) continue;
      let size = parseFloat(getComputedStyle(el).fontSize);
      const svgText = el.closest('text');
      if (svgText) {
        // Drawn at its font size times the drawing's scale: its height on screen over its height in user units.
        const box = svgText.getBBox();
        if (box.height > 0) size *= svgText.getBoundingClientRect().height / box.height;
      }
      out.push({ size, text: text.slice(0, 40), cluster: !!el.closest('.cluster-stack') });
    }
    return out;
  });
}

/** Visible text smaller than `min` px as drawn, as "size: text" lines. */
async function smallText(page, min) {
  return (await visibleTexts(page)).filter((t) => t.size < min - 0.05).map((t) => `${t.size.toFixed(1)}px: ${t.text}`);
}

/** The smallest visible text, all of it and in the cluster's drawing (px). */
async function textSizes(page) {
  const texts = await visibleTexts(page);
  const least = (list) => Math.min(...list.map((t) => t.size));
  return { all: least(texts), cluster: least(texts.filter((t) => t.cluster)) };
}

/** Text that does not fit its box, as "where: text" lines: an SVG label, pill or slot text past its own rect, a
 * label or pill cut short with "…", and a page text past the box that clips it or past the button it is in (an
 * ellipsis that says so is not counted: the narration line is one line by design). */
function overflowing(page) {
  return page.evaluate(() => {
    const out = [];
    const outside = (r, box) => r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1;
    const seen = (el) => el.checkVisibility({ opacityProperty: true, visibilityProperty: true });
    // The cluster's drawing: each label's text inside its own rect, a slot's texts inside the slot, a card's inside the card.
    for (const g of document.querySelectorAll('.cluster-pane :is(.teardown-pill, .replace-label, .leak-label, .gang-label, [data-slot])')) {
      const rect = g.querySelector(':scope > rect, :scope > .slot-frame, :scope > g > rect.slot-frame');
      if (!rect || !seen(g)) continue;
      const box = rect.getBoundingClientRect();
      for (const t of g.querySelectorAll(':scope > text, :scope > g > text')) {
        if (t.textContent.trim() && seen(t) && outside(t.getBoundingClientRect(), box)) out.push(`${g.getAttribute('class') ?? 'slot'}: ${t.textContent.trim().slice(0, 40)}`);
        // A label or pill cut short with "…" (a projected one cannot be hovered for its title).
        if (!g.matches('[data-slot]') && seen(t) && t.textContent.trim().endsWith('…')) out.push(`cut: ${t.textContent.trim().slice(0, 40)}`);
      }
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!n.textContent.trim() || !el || el.closest('svg, style, script, title, template, desc') || !seen(el)) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const r = range.getBoundingClientRect();
      if (r.width < 2 || r.height < 2) continue;
      for (let a = el; a && a !== document.body; a = a.parentElement) {
        const cs = getComputedStyle(a);
        const clips = cs.overflowX !== 'visible' || cs.overflowY !== 'visible';
        if (!clips && a.tagName !== 'BUTTON') continue;
        // A scrolling box shows the rest when scrolled; only a box that cuts is counted.
        if (clips && (cs.overflowX === 'auto' || cs.overflowX === 'scroll' || cs.overflowY === 'auto' || cs.overflowY === 'scroll')) break;
        // Cut with an ellipsis that says so (the narration line, clamped to its lines by design), or hidden for
        // screen readers only.
        if (cs.textOverflow === 'ellipsis' || cs.webkitLineClamp !== 'none' || a.classList.contains('visually-hidden')) break;
        if (outside(r, a.getBoundingClientRect())) out.push(`${a.tagName.toLowerCase()}.${[...a.classList].join('.')}: ${n.textContent.trim().slice(0, 40)}`);
        break;
      }
    }
    return out;
  });
}

test('the lesson list, lesson 1, a question answered and the model\'s answer shown', async () => {
  const { page, problems } = await app.open('?preset=replica-crash');
  const lessons = await lessonList(page);
  assert.ok(lessons.length >= 1, 'built-in lessons are listed');
  await page.click('[data-testid=lessons]');
  const first = page.locator('[data-testid=lesson-entry]').first();
  assert.match(await first.textContent(), /\d+ steps/);
  await screenshot(page, 'lessons-list');
  await first.locator('[data-testid=lesson-start]').click();
  await page.locator('[data-testid=lesson-panel]').waitFor();
  assert.match(await page.locator('[data-testid=lesson-progress]').textContent(), new RegExp(`Step 1 of ${lessons[0].steps}`));
  // On to the first question.
  while (!(await asking(page))) await page.click('[data-testid=lesson-next]');
  await screenshot(page, 'lessons-question');
  assert.equal(await page.locator('[data-testid=lesson-mark]').count(), 0, 'no answer before the reveal');
  assert.equal(await page.locator('[data-testid=lesson-reveal]').count(), 0);
  // Nothing of the future: no event in the log after the clock, no timeline marker after the cursor.
  const askedAt = await clock(page);
  const future = await page.evaluate(() => {
    const now = parseFloat(document.querySelector('[data-testid=timeline-clock]').textContent);
    const times = [...document.querySelectorAll('[data-testid=event-log] [data-t], [data-testid=event-log] .ev-t')]
      .map((e) => parseFloat(e.getAttribute('data-t') ?? e.textContent)).filter((t) => !Number.isNaN(t));
    return times.filter((t) => t > now + 1e-6);
  });
  assert.deepEqual(future, [], 'the event log shows nothing after now');
  await page.locator('[data-testid=lesson-option]').nth(1).click();
  await landed(page);
  assert.notEqual(await clock(page), askedAt, 'the run went on to the step\'s end');
  assert.equal(await page.locator('[data-testid=lesson-option][data-chosen=true]').count(), 1, 'the choice is marked');
  assert.match(await page.locator('[data-testid=lesson-reveal]').textContent(), /Right|Not this time/);
  await screenshot(page, 'lessons-revealed');
  // Back and forward again land on the same picture.
  const revealedAt = await clock(page);
  await page.click('[data-testid=lesson-next]');
  await page.click('[data-testid=lesson-back]');
  assert.equal(await clock(page), revealedAt, 'Back shows the previous step at its end');
  await landed(page);
  // Leaving keeps the moment.
  await page.click('[data-testid=lesson-leave]');
  assert.equal(await page.locator('[data-testid=lesson-panel]').count(), 0);
  assert.equal(await clock(page), revealedAt);
  expectNoProblems(problems);
});

test('a link to a step opens there with the same clock, and a reload resumes', async () => {
  const { page, problems } = await app.open('?preset=replica-crash');
  const [lesson] = await lessonList(page);
  const n = Math.min(3, lesson.steps);
  const { page: linked, problems: p2 } = await app.open(`?lesson=${lesson.id}&step=${n}`);
  await linked.locator('[data-testid=lesson-panel]').waitFor();
  assert.equal(await step(linked), n - 1);
  // Walked to the same step by hand: the same clock.
  await page.click('[data-testid=lessons]');
  await page.locator('[data-testid=lesson-start]').first().click();
  for (let i = 1; i < n; i++) {
    if (await asking(page)) { await page.click('[data-testid=lesson-next]'); await landed(page); }
    await page.click('[data-testid=lesson-next]');
  }
  assert.equal(await step(page), n - 1);
  assert.equal(await clock(linked), await clock(page), 'the link shows the same moment');
  // The copied share link carries lesson and step (and the phase).
  if (await asking(page)) { await page.click('[data-testid=lesson-next]'); await landed(page); }
  await page.click('[data-testid=copy-link]');
  const link = await page.locator('[data-testid=share-link-field]').inputValue();
  const at = await clock(page);
  const { page: shared, problems: p3 } = await app.open(link);
  await shared.locator('[data-testid=lesson-panel]').waitFor();
  assert.equal(await step(shared), n - 1);
  assert.equal(await clock(shared), at, 'the share link opens at the same clock');
  // A reload resumes the lesson where it was.
  await page.click('[data-testid=lesson-next]');
  const before = { step: await step(page), clock: await clock(page) };
  await page.waitForTimeout(300); // the autosave is written after the render (an effect), not on a timer
  await page.reload();
  await page.locator('[data-testid=lesson-panel]').waitFor();
  assert.deepEqual({ step: await step(page), clock: await clock(page) }, before, 'reload resumes');
  // The list offers to continue.
  await page.click('[data-testid=lessons]');
  assert.match(await page.locator('[data-testid=lesson-continue]').first().textContent(), new RegExp(`step ${before.step + 1}`));
  for (const p of [problems, p2, p3]) expectNoProblems(p);
});

test('a broken lesson file shows its field paths and keeps the session', async () => {
  const { page, problems } = await app.open('?preset=replica-crash');
  await page.click('[data-testid=forward-event]');
  const at = await clock(page);
  const broken = JSON.stringify({
    format: 'gangplank.lesson/v1', id: 'broken', title: 'Broken', summary: '',
    scenario: { preset: 'replica-crash' },
    steps: [{ title: 'a', narration: 'b', run_to: { t_s: 1 }, question: { prompt: 'q', options: [{ text: 'x', holds: { count: { kind: 'no_such_kind', n: 1 } } }] } }],
  });
  await page.click('[data-testid=lessons]');
  await page.locator('[data-testid=lesson-file]').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(broken) });
  const box = page.locator('[data-testid=lesson-problems]');
  await box.waitFor();
  assert.match(await box.textContent(), /steps\[0\]\.question\.options\[0\]\.holds\.count\.kind/);
  assert.match(await box.textContent(), /session is unchanged/);
  await screenshot(page, 'lessons-broken-file');
  await page.click('[data-testid=lesson-problems-dismiss]');
  assert.equal(await clock(page), at, 'the session is kept');
  assert.equal(await page.locator('[data-testid=lesson-panel]').count(), 0);
  // A good file opens as a lesson (by the share panel's import too).
  const good = JSON.stringify({
    format: 'gangplank.lesson/v1', id: 'mine', title: 'My lesson', summary: 'Mine.',
    scenario: { preset: 'replica-crash' },
    steps: [{ title: 'Start', narration: 'Look.', run_to: { t_s: 1 } }, { title: 'Later', narration: 'More.', run_to: { t_s: 5 } }],
  });
  await page.locator('[data-testid=import-file]').setInputFiles({ name: 'mine.json', mimeType: 'application/json', buffer: Buffer.from(good) });
  await page.locator('[data-testid=lesson-panel]').waitFor();
  assert.match(await page.locator('[data-testid=lesson-progress]').textContent(), /My lesson.*Step 1 of 2/);
  expectNoProblems(problems);
});

test('keyboard only in presenter mode at 1920×1080: a lesson to its end, type ≥ 18 px, the cluster takes most of the screen', async () => {
  const { page, problems } = await app.open('?preset=replica-crash', { viewport: FULL_HD });
  await page.keyboard.press('p');
  await page.locator('.app.presenter').waitFor();
  await page.keyboard.press('l');
  await page.locator('[data-testid=lesson-picker]').waitFor();
  // The first lesson's Start takes the focus once the list is drawn; Enter before that would go elsewhere.
  await page.waitForFunction(() => document.activeElement?.closest('[data-testid=lesson-picker]')
    && document.activeElement.tagName === 'BUTTON' && /Start|Continue/.test(document.activeElement.textContent));
  await page.keyboard.press('Enter');
  await page.locator('[data-testid=lesson-panel]').waitFor();
  const count = Number((await page.locator('[data-testid=lesson-progress]').textContent()).match(/of (\d+)/)[1]);
  let answered = 0;
  for (let guard = 0; guard < 4 * count; guard++) {
    const i = await step(page);
    // Every visible text, the bundles' own labels too (the cluster's columns are chosen for the pane beside the
    // step card, so the drawing is as large as that pane allows).
    assert.deepEqual(await smallText(page, 18), [], `step ${i + 1}: no visible text under 18 px`);
    const share = await page.evaluate(() => {
      const r = document.querySelector('.cluster-pane').getBoundingClientRect();
      return (r.width * r.height) / (innerWidth * innerHeight);
    });
    assert.ok(share > 0.5, `step ${i + 1}: the cluster pane takes ${Math.round(share * 100)}% of the screen`);
    assert.match(await page.locator('[data-testid=narration]').textContent(),
      new RegExp((await page.locator('.lesson-title').textContent()).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
      'the narration bar carries the step');
    if (await asking(page)) {
      // Alternate: a number key answers, PageDown reveals without an answer.
      if (answered++ % 2 === 0) await page.keyboard.press('1');
      else await page.keyboard.press('PageDown');
      await landed(page);
      continue;
    }
    if (i === count - 1) break;
    await page.keyboard.press(i % 2 ? 'PageDown' : 'ArrowRight');
    await page.waitForFunction((i) => Number(document.querySelector('[data-testid=lesson-panel]').dataset.step) === i + 1, i);
  }
  assert.equal(await step(page), count - 1, 'walked to the last step');
  await page.keyboard.press('PageUp');
  assert.equal(await step(page), count - 2, 'PageUp goes back');
  expectNoProblems(problems);
});

test('screenshots of every step of every built-in lesson (presenter mode, 1920×1080), type sizes measured', async () => {
  const { page, problems } = await app.open('?preset=replica-crash');
  const list = await lessonList(page);
  assert.ok(list.length >= 1);
  const small = [];
  const over = [];
  const sizes = [];
  const clusterSizes = [];
  const check = async (p, name) => {
    await p.waitForTimeout(600); // the cards' layout transitions (.45 s) end; sizes are read at their final scale
    for (const t of await smallText(p, 18)) small.push(`${name}: ${t}`);
    for (const t of await overflowing(p)) over.push(`${name}: ${t}`);
    const least = await textSizes(p);
    sizes.push(least.all);
    if (least.cluster < Infinity) clusterSizes.push(least.cluster);
  };
  for (const { id, steps } of list) {
    const { page: p, problems: pp } = await app.open(`?lesson=${id}&step=1&present=1`, { viewport: FULL_HD });
    await p.locator('[data-testid=lesson-panel]').waitFor();
    for (let i = 0; i < steps; i++) {
      assert.equal(await step(p), i);
      await check(p, `${id} ${i + 1}`);
      await screenshot(p, `lesson-${id}-${i + 1}`);
      if (await asking(p)) {
        await p.keyboard.press('PageDown');
        await landed(p);
        await check(p, `${id} ${i + 1} revealed`);
        await screenshot(p, `lesson-${id}-${i + 1}-revealed`);
      }
      if (i + 1 < steps) {
        await p.keyboard.press('PageDown');
        await p.waitForFunction((i) => Number(document.querySelector('[data-testid=lesson-panel]').dataset.step) === i + 1, i);
      }
    }
    await p.close();
    expectNoProblems(pp);
  }
  // Every text at 18 px or more at every step, the bundles' own labels too: presenter mode draws the cluster's type at
  // 12 units or more with short bundle labels ("#0", "RUN"), and beside the step card a five-node cluster is drawn at
  // about 1.57x. The smallest sizes measured are printed.
  const smallest = Math.min(...sizes);
  if (over.length) console.log(`past their box at 1920×1080:\n${over.join('\n')}`);
  console.log(`smallest text at 1920×1080 in presenter mode: ${smallest.toFixed(1)} px (cluster ${Math.min(...clusterSizes).toFixed(1)} px) over ${sizes.length} screens`);
  assert.deepEqual(small, [], 'no visible text under 18 px at any step');
  // Whole: a teardown pill's cause in as many lines as it takes, no label past its pill.
  assert.deepEqual(over, [], 'no text past its box at any step');
  expectNoProblems(problems);
});

// The same at 1280×720 (a projector's other common size): the 18 px floor is for 1920×1080; here nothing under
// 12 px and nothing cut or past its box. The smallest sizes are printed.
test('presenter mode at 1280×720: every step of every lesson, type ≥ 12 px, nothing past its box', async () => {
  const { page, problems } = await app.open('?preset=replica-crash');
  const list = await lessonList(page);
  const small = [];
  const over = [];
  const under14 = new Set();
  const sizes = [];
  const clusterSizes = [];
  const check = async (p, name) => {
    await p.waitForTimeout(600); // the cards' layout transitions end
    for (const t of await smallText(p, 12)) small.push(`${name}: ${t}`);
    for (const t of await overflowing(p)) over.push(`${name}: ${t}`);
    for (const t of await smallText(p, 14)) under14.add(t.replace(/: .*/, '') + ' ' + t.replace(/^[^:]*: /, '').slice(0, 24));
    const least = await textSizes(p);
    sizes.push(least.all);
    if (least.cluster < Infinity) clusterSizes.push(least.cluster);
  };
  for (const { id, steps } of list) {
    const { page: p, problems: pp } = await app.open(`?lesson=${id}&step=1&present=1`, { viewport: { width: 1280, height: 720 } });
    await p.locator('[data-testid=lesson-panel]').waitFor();
    for (let i = 0; i < steps; i++) {
      await check(p, `${id} ${i + 1}`);
      await screenshot(p, `lesson-720-${id}-${i + 1}`);
      if (await asking(p)) {
        await p.keyboard.press('PageDown');
        await landed(p);
        await check(p, `${id} ${i + 1} revealed`);
        await screenshot(p, `lesson-720-${id}-${i + 1}-revealed`);
      }
      if (i + 1 < steps) {
        await p.keyboard.press('PageDown');
        await p.waitForFunction((i) => Number(document.querySelector('[data-testid=lesson-panel]').dataset.step) === i + 1, i);
      }
    }
    await p.close();
    expectNoProblems(pp);
  }
  if (over.length) console.log(`past their box at 1280×720:\n${over.join('\n')}`);
  console.log(`texts under 14 px at 1280×720 (size, start):\n${[...under14].sort().slice(0, 40).join('\n')}`);
  console.log(`smallest text at 1280×720 in presenter mode: ${Math.min(...sizes).toFixed(1)} px (cluster ${Math.min(...clusterSizes).toFixed(1)} px) over ${sizes.length} screens; ${over.length} texts past their box`);
  assert.deepEqual(small, [], 'no visible text under 12 px at any step');
  assert.deepEqual(over, [], 'no text past its box at any step');
  expectNoProblems(problems);
});

// A step that names a panel (status, event log) and asks a question: in presenter mode the panel waits for the
// answer, so the options are in view without scrolling the step card, at 1920×1080 and at 1280×720.
const PANEL_QUESTIONS = [['restart-gang', 6], ['controller-dies', 5], ['scaling-whole-gangs', 4], ['rolling-upgrade', 2], ['startup-failures', 4]];
for (const viewport of [FULL_HD, { width: 1280, height: 720 }]) {
  test(`presenter mode at ${viewport.width}×${viewport.height}: a question's options in view, the panel shown after the answer`, async () => {
    for (const [id, n] of PANEL_QUESTIONS) {
      const { page: p, problems } = await app.open(`?lesson=${id}&step=${n}&present=1`, { viewport });
      await p.locator('[data-testid=lesson-panel]').waitFor();
      assert.ok(await asking(p), `${id} ${n} asks a question`);
      const at = await p.evaluate(() => {
        const card = document.querySelector('[data-testid=lesson-panel]');
        const box = (el) => el.getBoundingClientRect();
        return {
          card: box(card).top, nav: box(card.querySelector('.lesson-nav')).top, vh: innerHeight, scrolled: card.scrollTop,
          options: [...card.querySelectorAll('[data-testid=lesson-option]')].map((o) => [box(o).top, box(o).bottom]),
        };
      });
      await screenshot(p, `lesson-options-${viewport.width}-${id}-${n}`);
      assert.equal(at.scrolled, 0);
      for (const [top, bottom] of at.options) {
        assert.ok(top >= at.card && bottom <= Math.min(at.nav, at.vh) + 0.5,
          `${id} ${n}: an option at ${Math.round(top)}-${Math.round(bottom)} px; the card's buttons start at ${Math.round(at.nav)} px`);
      }
      assert.match(await p.locator('[data-testid=lesson-look]').textContent(), /once you have answered/);
      await p.keyboard.press('1');
      await landed(p);
      assert.doesNotMatch(await p.locator('[data-testid=lesson-look]').textContent(), /once you have answered/);
      assert.ok(await p.locator('[data-testid=lesson-panel] :is(.status-panel, [data-testid=lesson-recent])').count() >= 1,
        `${id} ${n}: the panel is in the card after the answer`);
      await p.close();
      expectNoProblems(problems);
    }
  });
}
