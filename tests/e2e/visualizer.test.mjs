// The visualizer, driven like a user would: load a preset, play, inject faults by clicking (and, in one flow, by
// keyboard only), and check what the page shows. Every step saves a screenshot under screenshots/visualizer-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, screenshot, expectNoProblems, PHONE } from './harness.mjs';

const app = useApp();

// ---- page helpers -------------------------------------------------------------------------------------------

async function load(preset, options) {
  const { page, problems } = await app.open(`?preset=${preset}`, options);
  await page.waitForSelector('.app .cluster-svg');
  return { page, problems };
}

/** Speed as log10 (0 = 1×, 1 = 10×, 2 = 100×), through the slider. */
async function setSpeed(page, exp) {
  await page.locator('[data-testid=speed]').fill(String(exp));
}

const clock = (page) => page.locator('[data-testid=clock] .clock-t').textContent().then(parseFloat);

async function isPlaying(page) {
  return (await page.getAttribute('[data-testid=play]', 'aria-pressed')) === 'true';
}

/** Plays until `predicate(arg)` holds in the page, then pauses. */
async function playUntil(page, predicate, arg, timeout = 30_000) {
  if (!(await isPlaying(page))) await page.click('[data-testid=play]');
  await page.waitForFunction(predicate, arg, { timeout, polling: 'raf' });
  if (await isPlaying(page)) await page.click('[data-testid=play]');
}

/** Presses "Next event" until `predicate(arg)` holds; calls `each()` after every step. */
async function stepUntil(page, predicate, arg, each = async () => {}, max = 300) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate(predicate, arg)) return i;
    await page.click('[data-testid=step-event]');
    await each();
  }
  throw new Error(`not reached after ${max} events: ${predicate}`);
}

/** Whether the element matching `sel` is visible inside its scrolling ancestors and the window. */
function inView(sel) {
  const el = document.querySelector(sel);
  const r = el.getBoundingClientRect();
  for (let p = el.parentElement; p; p = p.parentElement) {
    const style = getComputedStyle(p);
    if (!/(auto|scroll)/.test(style.overflowY) || p.scrollHeight <= p.clientHeight) continue;
    const pr = p.getBoundingClientRect();
    if (r.top < pr.top - 1 || r.bottom > pr.bottom + 1) return false;
  }
  return r.top >= -1 && r.bottom <= window.innerHeight + 1;
}

/** The replicas drawn in node cards. */
function replicas(page) {
  return page.$$eval('.cluster-svg [data-replica]', (els) => els.map((e) => ({
    id: e.dataset.replica,
    state: e.dataset.state,
    gang: e.dataset.gang ?? null,
    rank: e.dataset.rank === undefined ? null : Number(e.dataset.rank),
    node: e.closest('[data-node]')?.dataset.node,
  })));
}

function byGang(list) {
  const gangs = {};
  for (const r of list) (gangs[r.gang] ??= []).push(r);
  for (const g of Object.values(gangs)) g.sort((a, b) => a.rank - b.rank);
  return gangs;
}

const healthy = (n) => document.querySelector('[data-testid=running-vs-target]')?.textContent === `${n} / ${n} running`
  && [...document.querySelectorAll('.cluster-svg [data-replica]')].every((e) => e.dataset.state === 'RUNNING');

const logText = (page) => page.locator('.events').textContent();

// ---- flows ------------------------------------------------------------------------------------------------

test('killing a gang member stops its sibling in the same tick and a new gang replaces it; the other gang stays', async () => {
  const { page, problems } = await load('steady-pack');
  await setSpeed(page, 1);
  await playUntil(page, healthy, 4);
  await screenshot(page, 'visualizer-kill-1-healthy');
  const gangs = byGang(await replicas(page));
  const [victimGang, otherGang] = Object.keys(gangs);
  assert.equal(Object.keys(gangs).length, 2, 'two gangs');
  const [victim, sibling] = gangs[victimGang];
  const others = gangs[otherGang];
  // Both members of a gang share a hue; the gang link is labelled with its id.
  const hue = async (id) => (await page.getAttribute(`[data-replica="${id}"]`, 'class')).match(/hue-\d/)[0];
  assert.equal(await hue(victim.id), await hue(sibling.id));
  assert.notEqual(await hue(victim.id), await hue(others[0].id));
  assert.equal(await page.textContent(`[data-gang-label="${victimGang}"]`), `gang ${victimGang}`);

  // Right-click the victim: the same action panel as a click.
  await page.click(`[data-replica="${victim.id}"]`, { button: 'right' });
  await page.waitForSelector('[data-testid=action-panel]');
  assert.match(await page.textContent('#action-title'), new RegExp(victim.id));
  await screenshot(page, 'visualizer-kill-2-action-panel');
  await page.click('[data-testid=kill-replica]');
  await page.waitForSelector('[data-testid=action-panel]', { state: 'detached' });
  // The actor is dead but the controller has not noticed yet: a dead mark, still RUNNING in the table.
  await page.waitForSelector(`[data-replica="${victim.id}"].actor-dead`);
  assert.match(await logText(page), new RegExp(`replica ${victim.id}'s actor process was killed`));
  await screenshot(page, 'visualizer-kill-3-actor-dead');

  // Step event by event: the other gang never leaves RUNNING; the sibling is stopped in the teardown's tick.
  const otherStates = new Set();
  const watchOthers = async () => {
    const now = await replicas(page);
    for (const o of others) otherStates.add(now.find((r) => r.id === o.id)?.state ?? 'GONE');
  };
  await stepUntil(page, (gang) => document.querySelector('.events').textContent.includes(`gang ${gang} torn down`),
    victimGang, watchOthers);
  const after = await replicas(page);
  const siblingNow = after.find((r) => r.id === sibling.id);
  assert.ok(!siblingNow || siblingNow.state === 'STOPPING',
    `the sibling is stopped in the teardown's tick (it is ${siblingNow?.state})`);
  assert.ok(await page.$(`[data-ghost="${victim.id}"]`), 'the killed member fades out where it was');
  assert.match(await page.textContent('[data-testid=live-region]'), new RegExp(`gang ${victimGang} torn down`),
    'screen readers hear about the teardown');
  await screenshot(page, 'visualizer-kill-4-teardown');

  // The teardown narrates its cause.
  await page.click('.events li.k-gang_teardown button');
  const detail = await page.textContent('.events li.selected');
  assert.match(detail, /RESTART_GANG/);
  assert.match(detail, /Caused by:.*crashed/);
  // The cause is one click away.
  await page.click('[data-testid=cause-link]');
  assert.match(await page.textContent('.events li.selected'), /k-health_check|health check|crashed/);
  // ... and the cause is scrolled into view and focused.
  await page.waitForFunction(() => document.activeElement?.closest('.events li')?.classList.contains('selected'));
  assert.ok(await page.evaluate(inView, '.events li.selected'), 'the cause is scrolled into view');
  await screenshot(page, 'visualizer-kill-5-teardown-selected');

  await stepUntil(page, healthy, 4, watchOthers);
  await screenshot(page, 'visualizer-kill-6-replaced');
  const final = byGang(await replicas(page));
  assert.equal(Object.keys(final).length, 2);
  assert.ok(!final[victimGang], 'the old gang is gone');
  const newGang = Object.keys(final).find((g) => g !== otherGang);
  assert.ok(newGang && newGang !== victimGang, 'a new gang id');
  assert.deepEqual(final[newGang].map((r) => r.rank), [0, 1]);
  assert.ok(final[newGang].every((r) => r.id !== victim.id && r.id !== sibling.id), 'new replica ids');
  assert.deepEqual(final[otherGang].map((r) => r.id), others.map((r) => r.id), 'the other gang kept its replicas');
  assert.deepEqual([...otherStates], ['RUNNING'], 'the other gang never left RUNNING');
  assert.equal(await page.textContent('[data-testid=deployment-status]'), 'HEALTHY');
  expectNoProblems(problems);
  await page.close();
});

test('killing the controller: it shows DEAD, comes back as incarnation 2 and recovers the same replicas', async () => {
  const { page, problems } = await load('steady-pack');
  await setSpeed(page, 1);
  await playUntil(page, healthy, 4);
  const before = await replicas(page);
  await page.click('[data-testid=faults]');
  await page.waitForSelector('[data-testid=action-panel]');
  await page.click('[data-testid=kill-controller]');
  await page.waitForSelector('.controller[data-controller=DEAD]');
  assert.match(await page.textContent('.controller'), /comes back at/);
  await screenshot(page, 'visualizer-controller-1-dead');
  const seen = new Set();
  await stepUntil(page, () => document.querySelector('.controller')?.dataset.controller === 'RUNNING'
      && document.querySelector('.controller').textContent.includes('incarnation 2'), null,
    async () => {
      for (const r of await replicas(page)) seen.add(r.state);
      if (seen.has('RECOVERING') && !seen.shot) { seen.shot = true; await screenshot(page, 'visualizer-controller-2-recovering'); }
    });
  assert.ok(seen.has('RECOVERING'), `replicas were RECOVERING on the way (saw ${[...seen]})`);
  await stepUntil(page, healthy, 4);
  await screenshot(page, 'visualizer-controller-3-recovered');
  const after = await replicas(page);
  const key = (l) => l.map((r) => `${r.id}/${r.gang}/${r.rank}/${r.node}`).sort();
  assert.deepEqual(key(after), key(before), 'same replicas, gangs, ranks and nodes');
  expectNoProblems(problems);
  await page.close();
});

test('a scale made while the controller is down shows as queued and the restarted controller serves it', async () => {
  const { page, problems } = await load('steady-pack');
  await setSpeed(page, 1);
  await playUntil(page, healthy, 4);
  await page.click('[data-testid=faults]');
  await page.waitForSelector('[data-testid=action-panel]');
  await page.click('[data-testid=kill-controller]');
  await page.waitForSelector('.controller[data-controller=DEAD]');
  // Scale the deployment from its row in the status panel while the controller is dead.
  await page.click('[data-testid=status-panel] [data-deployment] button');
  await page.waitForSelector('[data-testid=num-replicas]');
  await page.fill('[data-testid=num-replicas]', '6');
  await page.click('[data-testid=set-replicas]');
  await page.waitForSelector('.controller[data-queued="1"]');
  assert.match(await page.textContent('.controller'), /DEAD · 1 queued/);
  assert.match(await page.getAttribute('.controller', 'aria-label'), /set_num_replicas .* → 6/);
  assert.match(await logText(page), /set_num_replicas queued: the Serve controller is down/);
  assert.equal(await page.textContent('[data-testid=running-vs-target]'), '4 / 4 running', 'nothing changes while it is down');
  await screenshot(page, 'visualizer-queued-1-while-down');
  await stepUntil(page, () => document.querySelector('.controller')?.dataset.controller !== 'DEAD');
  assert.equal(await page.getAttribute('.controller', 'data-queued'), '0');
  assert.match(await logText(page), /set from 4 to 6 \(the call was made while the controller was down; the restarted controller serves it\)/);
  await playUntil(page, healthy, 6);
  await screenshot(page, 'visualizer-queued-2-served');
  expectNoProblems(problems);
  await page.close();
});

test('killing a node: it is marked killed, then dead and greyed, and its gang is rebuilt elsewhere', async () => {
  const { page, problems } = await load('steady-pack');
  await setSpeed(page, 1);
  await playUntil(page, healthy, 4);
  const before = await replicas(page);
  const node = before[0].node;
  const lost = before.filter((r) => r.node === node);
  const kept = before.filter((r) => r.node !== node);
  await page.click(`[data-node="${node}"] .node-header`);
  await page.waitForSelector('[data-testid=action-panel]');
  await page.click('[data-testid=kill-node]');
  await page.waitForSelector(`[data-node="${node}"].killed`);
  await screenshot(page, 'visualizer-node-1-killed');
  await setSpeed(page, 1.5);
  await playUntil(page, (n) => document.querySelector(`[data-node="${n}"]`).classList.contains('dead'), node);
  assert.equal(await page.textContent(`[data-node="${node}"] .status-badge`), 'DEAD');
  await screenshot(page, 'visualizer-node-2-dead');
  await playUntil(page, healthy, 4);
  await screenshot(page, 'visualizer-node-3-rebuilt');
  const after = await replicas(page);
  assert.ok(after.every((r) => r.node !== node), 'nothing runs on the dead node');
  for (const r of kept) assert.ok(after.some((a) => a.id === r.id), `replica ${r.id} on a live node survived`);
  for (const r of lost) assert.ok(!after.some((a) => a.id === r.id), `replica ${r.id} on the dead node was replaced`);
  expectNoProblems(problems);
  await page.close();
});

test('draining a node: its card says DRAINING with the time left, its gang migrates, then a new version rolls out', async () => {
  const { page, problems } = await load('steady-pack');
  await setSpeed(page, 1);
  await playUntil(page, healthy, 4);
  const before = await replicas(page);
  const node = before[0].node;
  const moving = before.filter((r) => r.node === node).map((r) => r.id);
  await page.click(`[data-node="${node}"] .node-header`);
  await page.waitForSelector('[data-testid=action-panel]');
  await page.click('[data-testid=drain-node]');
  await page.waitForSelector(`[data-node="${node}"].draining`);
  assert.equal(await page.textContent(`[data-node="${node}"] .drain-word`), 'DRAINING');
  assert.match(await page.textContent(`[data-node="${node}"] .drain-detail`), /^preemption · killed in \d+\.\d s$/);
  await screenshot(page, 'visualizer-drain-1-draining');
  await page.click(`[data-node="${node}"] .node-header`);
  await page.waitForSelector('[data-testid=action-panel]');
  assert.ok(await page.isDisabled('[data-testid=drain-node]'), 'a draining node cannot be drained again');
  await page.keyboard.press('Escape');
  // Its replicas go PENDING_MIGRATION, replacements start elsewhere, and the node ends up empty (still draining).
  await playUntil(page, ({ node, moving }) => {
    const on = [...document.querySelectorAll(`[data-node="${node}"] [data-replica]`)];
    return on.length === 0 && document.querySelector('[data-testid=running-vs-target]')?.textContent === '4 / 4 running'
      && moving.every((id) => !document.querySelector(`.cluster-svg [data-replica="${id}"]`));
  }, { node, moving });
  assert.match(await logText(page), /PENDING_MIGRATION|migrat/i);
  await screenshot(page, 'visualizer-drain-2-migrated');
  // Deploy a new version: the tokens show v2 (and v1 on the outdated ones while the rollout runs).
  await page.click('[data-deployment="app/G"] button[aria-label^="Actions for deployment"]');
  await page.waitForSelector('[data-testid=deploy-version]');
  assert.match(await page.textContent('[data-testid=deploy-version]'), /Deploy new version v2/);
  await page.click('[data-testid=deploy-version]');
  assert.equal(await page.textContent('[data-testid=deployment-version]'), 'v2');
  await playUntil(page, () => document.querySelector('.cluster-svg [data-replica][data-version="v2"] .version-mark') !== null);
  await screenshot(page, 'visualizer-drain-3-rollout');
  expectNoProblems(problems);
  await page.close();
});

test('adding a node unblocks a pending gang: the same placement group is placed and the gang starts', async () => {
  const { page, problems } = await load('not-enough-resources');
  await setSpeed(page, 1);
  await playUntil(page, () => parseFloat(document.querySelector('.clock-t').textContent) >= 6);
  const pgName = await page.getAttribute('[data-testid=pending-tray] [data-pg]', 'data-pg');
  assert.match(await page.textContent('[data-testid=pending-reason]'), /needs 2 × \{CPU: 1\}/);
  assert.equal(await page.textContent('[data-testid=app-status]'), 'DEPLOYING');
  await screenshot(page, 'visualizer-add-node-1-pending');
  await page.click('[data-testid=faults]');
  await page.fill('[data-testid=add-node-id]', 'big1');
  await page.fill('[data-testid=add-node-cpu]', '4');
  await screenshot(page, 'visualizer-add-node-2-form');
  await page.click('[data-testid=add-node]');
  await page.waitForSelector('[data-node="big1"]');
  await playUntil(page, healthy, 4);
  await screenshot(page, 'visualizer-add-node-3-running');
  assert.match(await page.textContent('[data-testid=pending-tray] h2'), /\(0\)/);
  const slots = await page.$$eval('[data-node="big1"] [data-slot]', (els) => els.length);
  assert.equal(slots, 2, 'the pending gang landed on the new node');
  assert.match(await logText(page), new RegExp(`${pgName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} placed atomically`));
  assert.equal(await page.textContent('[data-testid=app-status]'), 'RUNNING');
  expectNoProblems(problems);
  await page.close();
});

test('keyboard only: help, play, open a replica, kill it, kill the controller, recover, reset', async () => {
  const { page, problems } = await load('steady-pack');
  const kb = page.keyboard;
  await kb.press('?');
  await page.waitForSelector('[data-testid=help-overlay]');
  await screenshot(page, 'visualizer-keyboard-1-help');
  await kb.press('Escape');
  await page.waitForSelector('[data-testid=help-overlay]', { state: 'detached' });
  for (let i = 0; i < 4; i++) await kb.press('+');
  assert.equal(await page.textContent('.speed-value'), '10×');
  await kb.press(' ');
  await page.waitForFunction(healthy, 4, { polling: 'raf' });
  await kb.press(' ');
  assert.equal(await isPlaying(page), false);
  // Tab to the first replica and open its actions with Enter.
  let focused;
  for (let i = 0; i < 40 && !focused; i++) {
    await kb.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.dataset?.replica);
  }
  assert.ok(focused, 'a replica is reachable with Tab');
  await screenshot(page, 'visualizer-keyboard-2-focused');
  await kb.press('Enter');
  await page.waitForSelector('[data-testid=action-panel]');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset?.testid), 'kill-replica',
    'focus moves to the first action');
  await kb.press('Enter');
  await page.waitForSelector(`[data-replica="${focused}"].actor-dead`);
  // Step event by event until the teardown (stepping stops at the scenario's end, so a fixed count could overshoot).
  const tornDown = () => page.evaluate(() => document.querySelector('.events').textContent.includes('torn down'));
  for (let i = 0; i < 10 && !(await tornDown()); i++) await kb.press('n');
  assert.ok(await tornDown(), 'the gang is torn down');
  await screenshot(page, 'visualizer-keyboard-3-teardown');
  await kb.press('f');
  await page.waitForSelector('[data-testid=action-panel]');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset?.testid), 'kill-controller');
  await kb.press('Enter');
  await page.waitForSelector('.controller[data-controller=DEAD]');
  await kb.press(' ');
  await page.waitForFunction(() => document.querySelector('.controller').textContent.includes('incarnation 2')
    && document.querySelector('.controller').dataset.controller === 'RUNNING', null, { polling: 'raf' });
  await page.waitForFunction(healthy, 4, { polling: 'raf' });
  await kb.press(' ');
  await screenshot(page, 'visualizer-keyboard-4-recovered');
  await kb.press('r');
  await page.waitForFunction(() => document.querySelector('.clock-t').textContent === '0.00 s');
  expectNoProblems(problems);
  await page.close();
});

test('a new seed restarts the run, and the same seed gives the same run', async () => {
  const { page, problems } = await load('steady-pack');
  const idsAfterStart = async () => {
    await stepUntil(page, () => document.querySelectorAll('.cluster-svg [data-replica]').length === 4);
    return (await replicas(page)).map((r) => r.id).sort();
  };
  const first = await idsAfterStart();
  await page.fill('[data-testid=seed]', '42');
  await page.press('[data-testid=seed]', 'Enter');
  await page.waitForFunction(() => document.querySelector('.clock-t').textContent === '0.00 s');
  const other = await idsAfterStart();
  assert.notDeepEqual(other, first, 'another seed, other replica ids');
  await page.fill('[data-testid=seed]', '1');
  await page.press('[data-testid=seed]', 'Enter');
  await page.waitForFunction(() => document.querySelector('.clock-t').textContent === '0.00 s');
  assert.deepEqual(await idsAfterStart(), first, 'the same seed, the same run');
  expectNoProblems(problems);
  await page.close();
});

test('on a phone the cluster fits the width and the action panel is a sheet within the screen', async () => {
  const { page, problems } = await load('steady-spread', { viewport: PHONE });
  await setSpeed(page, 1);
  await playUntil(page, healthy, 4);
  await screenshot(page, 'visualizer-phone-1');
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= PHONE.width, `page is ${scrollWidth}px wide`);
  assert.equal(await page.getAttribute('.cluster-view', 'data-columns'), '1');
  const first = (await replicas(page))[0];
  await page.click(`[data-replica="${first.id}"]`);
  const box = await page.locator('[data-testid=action-panel]').boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width && box.y + box.height <= PHONE.height, JSON.stringify(box));
  await screenshot(page, 'visualizer-phone-2-panel');
  expectNoProblems(problems);
  await page.close();
});

test('with reduced motion nothing animates, and the teardown still shows', async () => {
  const { page, problems } = await load('replica-crash');
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.click('[data-testid=step-event]');
  const starting = await page.waitForSelector('.cluster-svg [data-state=STARTING] .body');
  assert.equal(await starting.evaluate((e) => getComputedStyle(e).animationDuration), '0s');
  // Ghosts last 2.5 s of simulated time (issue 14): step to the crash, then play at 1× until they show.
  await stepUntil(page, () => parseFloat(document.querySelector('[data-testid=clock] .clock-t').textContent) >= 9.9);
  await setSpeed(page, 0);
  await playUntil(page, () => document.querySelector('.cluster-overlay .ghost'));
  const ghost = await page.waitForSelector('.cluster-overlay .ghost');
  assert.equal(await ghost.evaluate((e) => getComputedStyle(e).opacity), '0.85');
  await screenshot(page, 'visualizer-reduced-motion-teardown');
  expectNoProblems(problems);
  await page.close();
});

test('every preset plays without errors or invariant violations', async () => {
  const { page, problems } = await load('steady-pack');
  const presets = await page.$$eval('[data-testid=scenario] option', (os) => os.map((o) => o.value));
  assert.ok(presets.length >= 13, `${presets.length} presets`);
  for (const preset of presets) {
    await page.selectOption('[data-testid=scenario]', preset);
    await page.waitForFunction(() => document.querySelector('.clock-t').textContent === '0.00 s');
    assert.ok((await page.textContent('[data-testid=what-to-watch]')).length > 40, `${preset} says what to watch`);
    await setSpeed(page, 2);
    // To 30 s, or to the scenario's end if it is shorter (playback pauses there: delete-app ends at 20 s).
    await playUntil(page, () => parseFloat(document.querySelector('.clock-t').textContent) >= 30
      || document.querySelector('[data-testid=scenario-end]') !== null, null, 60_000);
    await screenshot(page, `visualizer-preset-${preset}`);
    assert.equal(await page.$('[data-testid=violations]'), null, `${preset}: no invariant violation`);
  }
  expectNoProblems(problems);
  await page.close();
});

test('a crash shows an error screen with a reload button, never a blank page', async () => {
  const { page, problems } = await app.open('?crash-test');
  await page.waitForSelector('#fatal:not([hidden])');
  assert.match(await page.textContent('#fatal'), /Gangplank stopped/);
  assert.match(await page.textContent('#fatal-message'), /crash test requested/);
  await screenshot(page, 'visualizer-crash');
  await page.click('#fatal button');
  await page.waitForLoadState('load');
  assert.ok(problems.some((p) => /RuntimeError|panicked|crash test/.test(p)), 'the crash was reported');
  await page.close();
});

test('the help overlay is a modal: focus moves in, Tab stays inside, Escape returns focus to the ? button', async () => {
  for (const viewport of [undefined, PHONE]) {
    const { page, problems } = await load('steady-pack', viewport && { viewport });
    await page.focus('[data-testid=help]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=help-overlay]');
    const dialog = page.locator('[data-testid=help-overlay] [role=dialog]');
    assert.equal(await dialog.getAttribute('aria-modal'), 'true');
    assert.equal(await page.textContent(`#${await dialog.getAttribute('aria-labelledby')}`), 'Keyboard shortcuts');
    const inside = () => page.evaluate(() => !!document.activeElement?.closest('[data-testid=help-overlay] [role=dialog]'));
    assert.ok(await inside(), 'focus moves into the overlay');
    for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      assert.ok(await inside(), `focus stays inside the overlay after ${key}`);
    }
    // The page's shortcuts are inert behind the modal: step (.), next event (n) and play (k) do nothing.
    const clock = await page.textContent('[data-testid=clock]');
    for (const key of ['.', 'n', 'k']) await page.keyboard.press(key);
    await page.waitForTimeout(200);
    assert.equal(await page.textContent('[data-testid=clock]'), clock, 'no shortcut reached the page behind the overlay');
    assert.match(await page.textContent('[data-testid=play]'), /Play/);
    await screenshot(page, `visualizer-help-modal-${viewport ? 'phone' : 'desktop'}`);
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=help-overlay]', { state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.dataset?.testid), 'help',
      'focus returns to the ? button');
    // The action panel (a non-modal dialog) also gives focus back to the replica that opened it.
    await stepUntil(page, () => !!document.querySelector('.cluster-svg [data-replica]'));
    const replica = await page.$eval('.cluster-svg [data-replica]', (e) => e.dataset.replica);
    await page.focus(`[data-replica="${replica}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=action-panel]');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset?.testid), 'kill-replica');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=action-panel]', { state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.dataset?.replica), replica,
      'focus returns to the replica');
    expectNoProblems(problems);
    await page.close();
  }
});

// ---- picture (issue 14): colours that stay, a replacement you can see, the cause on the picture ----------------

/** Gang → hue class of every gang drawn in the cards. */
function gangHues(page) {
  return page.$$eval('.cluster-svg [data-replica][data-gang]', (els) => Object.fromEntries(
    els.map((e) => [e.dataset.gang, [...e.classList].find((c) => /^hue-\d+$/.test(c))])));
}

/** The bounding boxes of a teardown pill, its card and the card's resource bars. */
function pillBoxes(page, card) {
  return page.evaluate((card) => {
    const box = (e) => { const r = e.getBoundingClientRect(); return { l: r.left, t: r.top, r: r.right, b: r.bottom }; };
    const node = document.querySelector(`.cluster-svg [data-node="${card}"]`);
    return {
      pill: box(document.querySelector(`[data-teardown-pill="${card}"] rect`)),
      card: box(node.closest('svg')),
      bars: [...node.querySelectorAll('.resource-bar')].map(box),
    };
  }, card);
}

test('replica-crash: the pill names the cause inside its card, the rebuilt gang is linked to the old one, colours survive a step back', async () => {
  const { page, problems } = await load('replica-crash');
  await stepUntil(page, () => document.querySelectorAll('.cluster-svg [data-state=RUNNING][data-gang]').length >= 4);
  const before = await gangHues(page);
  assert.equal(new Set(Object.values(before)).size, Object.keys(before).length, `live gangs differ: ${JSON.stringify(before)}`);

  // The teardown: one pill, inside its card and below its bars, saying why in words.
  await stepUntil(page, () => document.querySelector('[data-teardown-pill]'));
  const pill = page.locator('[data-teardown-pill]').first();
  const card = await pill.getAttribute('data-teardown-pill');
  const torn = await pill.getAttribute('data-gangs');
  assert.match(await pill.locator('text').textContent(), /^torn down: actor of r\d died$/);
  assert.match(await pill.locator('title').textContent(), /RESTART_GANG/);
  const b = await pillBoxes(page, card);
  assert.ok(b.pill.l >= b.card.l && b.pill.r <= b.card.r && b.pill.t >= b.card.t && b.pill.b <= b.card.b,
    `the pill stays inside its card: ${JSON.stringify(b)}`);
  for (const bar of b.bars) assert.ok(b.pill.t >= bar.b - 0.5, `the pill is under the bars: ${JSON.stringify(b)}`);
  // The member that failed is told apart from the sibling stopped with it.
  assert.equal(await page.locator(`.cluster-svg [data-gang="${torn}"].failed, [data-ghost].failed`).count(), 1);
  await screenshot(page, 'picture-rc-1-pill');

  // The replacement: a link from the torn-down gang's place to the new gang, "replaces …".
  await stepUntil(page, (g) => document.querySelector(`.replace-arc[data-replaces="${g}"]`), torn);
  const arc = page.locator(`.replace-arc[data-replaces="${torn}"]`);
  const fresh = await arc.getAttribute('data-gang');
  assert.match(await arc.textContent(), new RegExp(`replaces ${torn.slice(0, 4)}`));
  assert.ok(await page.locator(`.cluster-svg [data-replica][data-gang="${fresh}"]`).count() >= 2, 'the new gang is drawn');
  await screenshot(page, 'picture-rc-2-replaces');

  // Colours belong to the gang: the same after a step back, and after more steps forward.
  await stepUntil(page, (g) => [...document.querySelectorAll(`.cluster-svg [data-replica][data-gang="${g}"]`)]
    .every((e) => e.dataset.state === 'RUNNING'), fresh);
  const after = await gangHues(page);
  assert.equal(new Set(Object.values(after)).size, Object.keys(after).length, `live gangs differ: ${JSON.stringify(after)}`);
  for (const [g, h] of Object.entries(before)) if (after[g]) assert.equal(after[g], h, `survivor ${g} keeps its colour`);
  await page.click('[data-testid=back-event]');
  await page.click('[data-testid=back-event]');
  const back = await gangHues(page);
  for (const [g, h] of Object.entries(back)) assert.equal(h, after[g] ?? before[g], `${g} keeps its colour after a step back`);
  await screenshot(page, 'picture-rc-3-stepped-back');

  // Ghosts belong to simulated time: some seconds later they are gone.
  const t0 = await clock(page);
  await stepUntil(page, (t) => parseFloat(document.querySelector('[data-testid=clock] .clock-t').textContent) > t + 3, t0);
  assert.equal(await page.locator('[data-ghost], [data-teardown-pill]').count(), 0, 'no ghost or pill outlives its span');
  expectNoProblems(problems);
  await page.close();
});

test('startup-failure: the pill says start-up failure of the failing rank', async () => {
  const { page, problems } = await load('startup-failure');
  await stepUntil(page, () => document.querySelector('[data-teardown-pill]'));
  assert.match(await page.locator('[data-teardown-pill] text').first().textContent(), /start-up failure of r\d|gangs torn down/);
  await screenshot(page, 'picture-startup-failure');
  expectNoProblems(problems);
  await page.close();
});

test('delete-app: a graceful stop drains instead of being crossed out', async () => {
  const { page, problems } = await load('delete-app');
  await stepUntil(page, () => document.querySelector('.cluster-svg [data-state=STOPPING].graceful'));
  const token = page.locator('.cluster-svg [data-state=STOPPING].graceful').first();
  assert.equal(await token.locator('.cross').count(), 0);
  assert.equal(await token.locator('.drain').count(), 1);
  assert.match(await token.getAttribute('aria-label'), /stopping gracefully/);
  await screenshot(page, 'picture-delete-app-graceful');
  expectNoProblems(problems);
  await page.close();
});

test('constructor-always-fails: the start-up failure counter stops at its threshold and says so', async () => {
  const { page, problems } = await load('constructor-always-fails');
  await setSpeed(page, 2);
  await playUntil(page, () => /threshold \d+ reached/.test(document.querySelector('[data-testid=startup-failures]')?.textContent ?? ''));
  const counter = page.locator('[data-testid=startup-failures]').first();
  assert.doesNotMatch(await counter.textContent(), /\d+\/\d+/, 'no "13/12"');
  assert.match(await counter.getAttribute('title'), /max_constructor_retry_count/);
  expectNoProblems(problems);
  await page.close();
});
