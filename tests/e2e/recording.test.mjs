// Replay a recording of a real Ray 2.60 cluster (issue 15), driven like a user: import a recording from
// tests/recordings/ with the share panel's file input, see the "recorded on a real cluster" mark and the cluster
// drawn, scrub to after the kill and see the killed replica's gang torn down (the other gang untouched), predict
// with the model and see both sides and the difference list, go back to the session as it was. A broken recording
// shows its field path in the import dialog and keeps what was on the page. Screenshots: screenshots/recording-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useApp, screenshot, expectNoProblems, ROOT } from './harness.mjs';

const app = useApp();
const FIXTURE = path.join(ROOT, 'tests', 'recordings', 'pack_replica_kill.json');
const recording = JSON.parse(fs.readFileSync(FIXTURE, 'utf8'));

/** Who the user killed, their gang, when the gang was gone, and the replicas of the other gangs before the kill. */
function theKill() {
  const killed = recording.events.find((e) => e.kind === 'replica_actor_died' && e.by_controller === false);
  assert.ok(killed, 'the fixture records a replica killed by the user');
  const removed = recording.events.filter((e) => e.kind === 'replica_removed' && e.gang_id === killed.gang_id);
  const goneAt = Math.max(...removed.map((e) => e.t));
  const before = recording.samples.filter((s) => s.t < killed.t).at(-1);
  const replicas = before.applications.flatMap((a) => a.deployments.flatMap((d) => d.replicas));
  const gang = replicas.filter((r) => r.gang_id === killed.gang_id).map((r) => r.replica_id);
  const others = replicas.filter((r) => r.gang_id !== killed.gang_id).map((r) => r.replica_id);
  return { killed, gang, others, goneAt, before: before.t };
}

const clock = (page) => page.locator('[data-testid=clock] .clock-t').textContent();
const replayClock = async (page) => parseFloat(await page.locator('[data-testid=replay-clock]').textContent());

async function importFile(page, name, buffer) {
  await page.locator('[data-testid=import-file]').setInputFiles({ name, mimeType: 'application/json', buffer });
}

async function scrubTo(page, t) {
  await page.locator('[data-testid=replay-scrub]').fill(String(t));
  await page.waitForFunction((t) => Math.abs(parseFloat(document.querySelector('[data-testid=replay-clock]').textContent) - t) < 0.06, t);
}

test('a real recording replays with its mark; after the kill the gang is torn down; the model beside it', async () => {
  const { page, problems } = await app.open('?preset=replica-crash');
  await page.click('[data-testid=forward-event]');
  const at = await clock(page);
  await importFile(page, 'pack_replica_kill.json', fs.readFileSync(FIXTURE));

  // The mark cannot be missed: Ray's version, the date, the length.
  const mark = page.locator('[data-testid=replay-mark-text]');
  await mark.waitFor();
  assert.match(await mark.textContent(), /^Recorded on a real cluster — Ray 2\.60\.0, \d{4}-\d\d-\d\d \d\d:\d\d UTC, [\d.]+ s$/);
  assert.equal(await page.locator('[data-testid=action-panel]').count(), 0, 'no fault injection offered');
  assert.match(await page.locator('[data-testid=replay-note]').textContent(), /read-only/);

  // Playback at 10×: the replay's clock runs, then pauses.
  await page.getByLabel('Replay speed').selectOption({ label: '10×' });
  await page.click('[data-testid=replay-play]');
  await page.waitForFunction(() => parseFloat(document.querySelector('[data-testid=replay-clock]').textContent) >= 2, null, { polling: 'raf' });
  await page.click('[data-testid=replay-play]');
  assert.match(await page.locator('[data-testid=replay-play]').textContent(), /Play/);

  // Before the kill: every replica drawn, RUNNING.
  const { killed, gang, others, goneAt, before } = theKill();
  const real = page.locator('[data-testid=replay-real]');
  await scrubTo(page, before);
  for (const id of [...gang, ...others]) {
    await real.locator(`[data-replica="${id}"][data-state=RUNNING]`).waitFor();
  }
  await screenshot(page, 'recording-before-kill');

  // After the kill: the killed replica's whole gang is gone, the other gangs untouched; the log says so.
  await scrubTo(page, goneAt);
  for (const id of gang) assert.equal(await real.locator(`[data-replica="${id}"]`).count(), 0, `${id} torn down`);
  for (const id of others) await real.locator(`[data-replica="${id}"][data-state=RUNNING]`).waitFor();
  const log = page.locator('[data-testid=replay-log]');
  assert.match(await log.textContent(), new RegExp(killed.replica));
  await screenshot(page, 'recording-after-kill');

  // The keyboard drives the replay's clock: n is the next recorded event.
  await page.locator('[data-testid=replay-mark-text]').click();
  const t0 = await replayClock(page);
  await page.keyboard.press('n');
  await page.waitForFunction((t0) => parseFloat(document.querySelector('[data-testid=replay-clock]').textContent) > t0, t0);

  // Predict with the model: real Ray on the left, the model on the right, and the differences.
  await page.getByRole('button', { name: 'Predict with the model' }).click();
  const left = page.getByRole('region', { name: /^Real Ray/ });
  const right = page.getByRole('region', { name: /^Model/ });
  await right.waitFor();
  assert.ok(await left.isVisible());
  const diffs = page.locator('[data-testid=replay-diffs]');
  await diffs.waitFor();
  assert.match(await page.locator('[data-testid=replay-diff-summary]').textContent(), /model/i);
  await scrubTo(page, before);
  await right.locator('[data-replica]').first().waitFor();
  const rows = page.locator('[data-testid=replay-diff-row]');
  if (await rows.count() > 0) {
    // A row takes the clock to its time.
    const label = await rows.first().locator('.replay-diff-t').textContent();
    await rows.first().locator('button').click();
    await page.waitForFunction((t) => Math.abs(parseFloat(document.querySelector('[data-testid=replay-clock]').textContent) - t) < 0.06, parseFloat(label));
  }
  await screenshot(page, 'recording-predict-1280');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await screenshot(page, 'recording-predict-1920');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'recording-predict-phone');
  await page.setViewportSize({ width: 1280, height: 800 });

  // Back to the plain replay, then to the session, as it was.
  await page.click('[data-testid=replay-plain]');
  await page.locator('[data-testid=replay-predict]').waitFor();
  await page.click('[data-testid=replay-close]');
  await page.locator('[data-testid=clock]').waitFor();
  assert.equal(await page.locator('[data-testid=replay-mark]').count(), 0);
  assert.equal(await clock(page), at, 'the session is back where it was');
  expectNoProblems(problems);
});

test('a broken recording shows its field path in the import dialog and keeps the page as it was', async () => {
  const { page, problems } = await app.open('?preset=replica-crash');
  await page.click('[data-testid=forward-event]');
  const at = await clock(page);
  // A typo in one replica's state, in the first sample that has replicas.
  const broken = structuredClone(recording);
  const i = broken.samples.findIndex((s) => s.applications[0]?.deployments[0]?.replicas.length > 0);
  broken.samples[i].applications[0].deployments[0].replicas[0].state = 'RUNING';
  await importFile(page, 'broken.json', Buffer.from(JSON.stringify(broken)));
  const box = page.locator('[data-testid=import-problems]');
  await box.waitFor();
  const text = await box.textContent();
  assert.ok(text.includes(`samples[${i}].applications[0].deployments[0].replicas[0].state`), text);
  assert.match(text, /RUNING/);
  assert.match(text, /session is unchanged/);
  await screenshot(page, 'recording-broken');
  await page.getByRole('button', { name: 'Close the import dialog' }).click();
  assert.equal(await page.locator('[data-testid=replay-mark]').count(), 0, 'no replay opened');
  assert.equal(await clock(page), at, 'the session is kept');
  expectNoProblems(problems);
});
