// Storage faults (issue 16): the browser's local storage full, disabled, written by another tab, or holding
// corrupted and foreign entries. What a user must see each time: a clear message, the session still working, and
// nothing they made lost without being told. Screenshots: screenshots/storage-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { useApp, newPage, waitForApp, screenshot, expectNoProblems } from './harness.mjs';

const app = useApp();

const clock = (page) => page.locator('[data-testid=clock] .clock-t').textContent().then(parseFloat);
const notice = (page) => page.locator('[data-testid=storage-notice]');

async function stepEvents(page, n) {
  for (let i = 0; i < n; i++) await page.click('[data-testid=step-event]');
}

/** A page whose storage misbehaves as `initScript` says (run before the app, on every load of the page). */
async function openWith(route, initScript) {
  const { page, problems } = await newPage(app.context);
  if (initScript) await page.addInitScript(initScript);
  await page.goto(new URL(route, app.url).href);
  await waitForApp(page);
  await page.waitForSelector('.app .cluster-svg');
  return { page, problems };
}

/** Clears this origin's storage from a page of it (every test starts from an empty storage). */
async function clearStorage() {
  const { page } = await openWith('?preset=steady-spread');
  await page.evaluate(() => localStorage.clear());
  await page.close();
}

// Every write of a gangplank.* key throws QuotaExceededError while `window.__storageFull` is true.
const FULL = () => {
  window.__storageFull = true;
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key, value) {
    if (window.__storageFull && String(key).startsWith('gangplank.')) {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    }
    return setItem.call(this, key, value);
  };
};

// `localStorage` throws SecurityError, as in a browser that blocks site data.
const DISABLED = () => {
  Object.defineProperty(window, 'localStorage', {
    configurable: true,
    get() { throw new DOMException('Access is denied for this document.', 'SecurityError'); },
  });
};

test('storage full: autosave and Save say so, the session keeps working, and autosaving comes back', async () => {
  await clearStorage();
  const { page, problems } = await openWith('?preset=node-failure', FULL);
  await notice(page).waitFor();
  const off = await notice(page).textContent();
  assert.match(off, /not being autosaved: the browser's storage for this site is full/);
  assert.match(off, /Copy link/, 'the notice says how to keep the session');
  assert.equal(await notice(page).getAttribute('role'), 'alert');
  await stepEvents(page, 6);
  assert.ok((await clock(page)) > 0, 'the session runs on');
  await screenshot(page, 'storage-1-full');

  // Saving by name fails with the reason; the list is unchanged.
  await page.click('[data-testid=saved-sessions] summary');
  await page.fill('[data-testid=save-name]', 'kept?');
  await page.click('[data-testid=save-session]');
  assert.match(await page.textContent('[data-testid=share-message]'), /Not saved: the browser's storage for this site is full/);
  assert.equal(await page.locator('[aria-label="Open kept?"]').count(), 0);
  // Copy link needs no storage.
  await page.click('[data-testid=copy-link]');
  assert.match(await page.locator('[data-testid=share-link-field]').inputValue(), /#g1\./);

  // Space again: the next change autosaves, the notice says so, and a reload restores this moment.
  await page.evaluate(() => { window.__storageFull = false; });
  await stepEvents(page, 2);
  await page.waitForFunction(() => /works again/.test(document.querySelector('[data-testid=storage-notice]')?.textContent ?? ''));
  assert.equal(await notice(page).getAttribute('role'), 'status');
  const here = await clock(page);
  await page.goto(new URL('./', app.url).href);
  await page.waitForSelector('.app .cluster-svg');
  assert.equal(await clock(page), here, 'the autosave written after the fault restores the same moment');
  expectNoProblems(problems);
  await page.close();
});

test('storage disabled: the page works, says autosave is off and why, and Save is off with the reason', async () => {
  const { page, problems } = await openWith('?preset=replica-crash', DISABLED);
  await notice(page).waitFor();
  assert.match(await notice(page).textContent(), /not being autosaved: this browser does not allow this page to use local storage/);
  await page.click('[data-testid=saved-sessions] summary');
  assert.match(await page.textContent('[data-testid=saved-error]'), /needs the browser's local storage/);
  assert.ok(await page.isDisabled('[data-testid=save-session]'));
  await page.click('[data-testid=play]');
  await page.waitForFunction(() => parseFloat(document.querySelector('[data-testid=clock] .clock-t').textContent) > 2);
  await page.click('[data-testid=play]');
  await screenshot(page, 'storage-2-disabled');
  // Dismissed, it stays away while nothing new is to be said.
  await page.click('[data-testid=storage-notice] .dismiss');
  await stepEvents(page, 3);
  assert.equal(await notice(page).count(), 0);
  expectNoProblems(problems);
  await page.close();
});

test('another tab autosaving into the same entry is told, not silently overwritten', async () => {
  await clearStorage();
  const a = await openWith('?preset=node-failure');
  const b = await openWith('?preset=replica-crash');
  await stepEvents(b.page, 3);
  await a.page.waitForFunction(() => /open in another tab/.test(document.querySelector('[data-testid=storage-notice]')?.textContent ?? ''));
  assert.match(await notice(a.page).textContent(), /save it by name or Copy link/);
  assert.equal(await notice(b.page).count(), 0, 'a tab is not warned about its own writes');
  expectNoProblems(a.problems);
  expectNoProblems(b.problems);
  await a.page.close();
  await b.page.close();
});

test('an unreadable saved list can be downloaded and a new one started; nothing else is touched', async () => {
  await clearStorage();
  const broken = '[{"name": "mine", "link": "g1.abc"}, {"name": ';
  const { page, problems } = await openWith('?preset=steady-spread');
  await page.evaluate((b) => {
    localStorage.setItem('gangplank.saved', b);
    localStorage.setItem('someone-else.settings', '{"theme":"dark"}'); // another app on the same origin
  }, broken);
  await page.reload();
  await page.waitForSelector('.app .cluster-svg');
  await page.click('[data-testid=saved-sessions] summary');
  assert.match(await page.textContent('[data-testid=saved-error]'), /could not be read \(line 1, column \d+.*left untouched/s);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=saved-reset]')]);
  assert.equal(dl.suggestedFilename(), 'gangplank-saved-sessions-unreadable.json');
  assert.equal(fs.readFileSync(await dl.path(), 'utf8'), broken, 'the download is the stored list, byte for byte');
  assert.match(await page.textContent('[data-testid=share-message]'), /downloaded .* new, empty list started/);
  await page.fill('[data-testid=save-name]', 'fresh');
  await page.click('[data-testid=save-session]');
  await page.waitForSelector('[aria-label="Open fresh"]');
  assert.equal(await page.evaluate(() => localStorage.getItem('someone-else.settings')), '{"theme":"dark"}');
  await screenshot(page, 'storage-3-saved-reset');
  expectNoProblems(problems);
  await page.close();
});

test('corrupted and foreign autosaves are each kept aside under their own key, never over another', async () => {
  await clearStorage();
  const { page, problems } = await openWith('?preset=steady-spread');
  const reopen = async (autosave) => {
    await page.evaluate((v) => localStorage.setItem('gangplank.autosave', v), autosave);
    await page.goto(new URL('./', app.url).href);
    await page.waitForSelector('.app .cluster-svg');
    return page.textContent('.error-banner');
  };
  const first = await reopen('g1.garbage!');
  assert.match(first, /could not be restored .*kept unchanged in local storage as "gangplank\.autosave\.unreadable"/s);
  // A foreign entry (another app's JSON under our key): its own message, and its own key.
  const second = await reopen('{"theme":"dark"}');
  assert.match(second, /could not be restored \(.*g<version>\.<data>.*\).*as "gangplank\.autosave\.unreadable\.2"/s);
  const kept = await page.evaluate(() => [localStorage.getItem('gangplank.autosave.unreadable'),
    localStorage.getItem('gangplank.autosave.unreadable.2')]);
  assert.deepEqual(kept, ['g1.garbage!', '{"theme":"dark"}']);
  // The page goes on with the default scenario, and autosaves again.
  await stepEvents(page, 2);
  await page.waitForFunction(() => (localStorage.getItem('gangplank.autosave') ?? '').startsWith('g1.'));
  await screenshot(page, 'storage-4-kept-aside');
  expectNoProblems(problems);
  await page.close();
});

test('an unreadable lesson progress is kept aside and the lesson list says so; counting starts afresh', async () => {
  await clearStorage();
  const { page, problems } = await openWith('?preset=steady-spread');
  await page.evaluate(() => localStorage.setItem('gangplank.lessons.progress', '{"what-is-a-gang": "three"'));
  await page.click('[data-testid=lessons]');
  const said = await page.locator('[data-testid=lesson-progress-problem]').textContent();
  assert.match(said, /lesson progress could not be read \(.*\)\. It was kept unchanged in local storage as "gangplank\.lessons\.progress\.unreadable"/);
  await screenshot(page, 'storage-5-lesson-progress');
  // The next step reached is counted afresh; the old entry stays where the message said.
  await page.locator('[data-testid=lesson-start]').first().click();
  await page.click('[data-testid=lesson-next]');
  await page.waitForFunction(() => /^\{".*":1\}$/.test(localStorage.getItem('gangplank.lessons.progress') ?? ''));
  assert.equal(await page.evaluate(() => localStorage.getItem('gangplank.lessons.progress.unreadable')), '{"what-is-a-gang": "three"');
  expectNoProblems(problems);
  await page.close();
});
