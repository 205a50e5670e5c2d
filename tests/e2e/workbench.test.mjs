// The design-review workbench (issue 13), driven like a user by accessible names: import a Serve config and a
// KubeRay RayCluster through the file picker and see the gangs land and the notes; paste a bad Serve config and
// read Ray's message with its line and column while the session stays; edit the gang size and a node group's
// count, apply, see the new run, undo; export the Serve config, the cluster view as SVG and PNG.
// Screenshots go to screenshots/workbench-*.png: open them and look.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useApp, screenshot, expectNoProblems, ROOT, DIST, playTo } from './harness.mjs';

const app = useApp();
const FIXTURES = path.join(ROOT, 'tests', 'config_import');
const fixture = (name) => path.join(FIXTURES, name);

const clock = (page) => page.locator('[data-testid=clock] .clock-t').textContent().then(parseFloat);
const watchTitle = (page) => page.locator('details.watch summary').textContent();

async function load(route = '?preset=replica-crash') {
  const { page, problems } = await app.open(route);
  await page.waitForSelector('.app .cluster-svg');
  return { page, problems };
}

async function importGangs(page) {
  await page.getByRole('button', { name: 'Import your Ray config', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Import your Ray config' });
  await dialog.waitFor();
  await dialog.getByLabel('Choose Ray config files').setInputFiles([fixture('serve-gangs.yaml'), fixture('raycluster-gpu.yaml')]);
  await dialog.getByRole('status').filter({ hasText: 'Imported' }).waitFor();
  return dialog;
}

test('a Serve config and a RayCluster imported together: the gangs land, the notes say what was not simulated', async () => {
  const { page, problems } = await load();
  const dialog = await importGangs(page);
  const status = await dialog.getByRole('status').first().textContent();
  assert.match(status, /Imported Serve config from serve-gangs\.yaml \(2 applications\); RayCluster gpu-cluster from raycluster-gpu\.yaml/);
  // Notes grouped by kind, each with its file and line.
  const ignored = dialog.getByRole('region', { name: /^ignored by Ray \(1\)$/ });
  assert.match(await ignored.textContent(), /serve-gangs\.yaml:26 applications\[0\]\.deployments\[0\]\.num_replica: .*did you mean `num_replicas`\?/);
  assert.match(await dialog.getByRole('region', { name: /^not simulated/ }).textContent(), /serve-gangs\.yaml:9 applications\[0\]\.import_path/);
  assert.match(await dialog.getByRole('region', { name: /^assumed/ }).textContent(), /raycluster-gpu\.yaml:40 .*starts at replicas = 2/);
  await page.getByRole('button', { name: 'Close the import dialog' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.match(await watchTitle(page), /RayCluster gpu-cluster/);
  assert.equal(await clock(page), 0);
  // The gangs land: both LLMServer gangs RUNNING on the A100 nodes.
  await playTo(page, 15);
  const llm = page.locator('[data-deployment="llm/LLMServer"]');
  assert.equal(await llm.locator('[data-testid=running-vs-target]').textContent(), '4 / 4 running');
  assert.ok(await page.getByRole('button', { name: /^Node gpu-a100-1, alive/ }).count() === 1);
  // The notes can be opened again later.
  await page.getByRole('button', { name: /^Import notes \(\d+\)$/ }).click();
  const notes = page.getByRole('dialog', { name: 'Notes from your import' });
  assert.match(await notes.textContent(), /did you mean `num_replicas`/);
  await page.keyboard.press('Escape');
  await notes.waitFor({ state: 'detached' });
  expectNoProblems(problems);
  await page.close();
});

test('a pasted Serve config Ray would refuse: its message with line and column, the session and the text kept', async () => {
  const { page, problems } = await load();
  await playTo(page, 3);
  const before = { t: await clock(page), title: await watchTitle(page) };
  await page.getByRole('button', { name: 'Import your Ray config', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Import your Ray config' });
  const bad = fs.readFileSync(fixture('bad-gang.yaml'), 'utf8');
  await dialog.getByLabel('Paste a Serve config or KubeRay manifest').fill(bad);
  await dialog.getByRole('button', { name: 'Import pasted text' }).click();
  const alert = dialog.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(),
    /pasted-1\.yaml:6:\d+: applications\[0\]\.deployments\[0\]\.num_replicas: num_replicas \(3\) must be a multiple of gang_size \(2\)\./);
  assert.match(await alert.textContent(), /Your session is unchanged/);
  assert.equal(await dialog.getByLabel('Paste a Serve config or KubeRay manifest').inputValue(), bad, 'the pasted text is kept');
  await page.getByRole('button', { name: 'Close the import dialog' }).click();
  assert.deepEqual({ t: await clock(page), title: await watchTitle(page) }, before, 'the session is as it was');
  // Reopened, the text is still there.
  await page.getByRole('button', { name: 'Import your Ray config', exact: true }).click();
  assert.equal(await page.getByLabel('Paste a Serve config or KubeRay manifest').inputValue(), bad);
  expectNoProblems(problems);
  await page.close();
});

test('edit the gang size and a node group, apply a new run, undo it; export the Serve config and the view', async () => {
  const { page, problems } = await load();
  await importGangs(page);
  await page.getByRole('button', { name: 'Close the import dialog' }).click();
  await playTo(page, 5);
  const t0 = await clock(page);
  await page.getByRole('button', { name: 'Edit setup' }).click();
  const editor = page.getByRole('dialog', { name: 'Edit setup' });
  const gang = editor.getByLabel('gang_size of llm/LLMServer');
  assert.equal(await gang.inputValue(), '2');
  const apply = editor.getByRole('button', { name: 'Apply and start a new run' });
  // A gang size that does not divide num_replicas: Ray's words at the field, Apply off.
  await gang.fill('3');
  await gang.press('Tab');
  const field = gang.locator('xpath=..');
  assert.match(await field.locator('.wb-err').textContent(), /num_replicas \(4\) must be a multiple of gang_size \(3\)\./);
  assert.equal(await gang.getAttribute('aria-invalid'), 'true');
  assert.ok(await apply.isDisabled());
  await gang.fill('4');
  await gang.press('Tab');
  const count = editor.getByLabel('Nodes in group gpu-a100');
  assert.equal(await count.inputValue(), '3');
  await count.fill('4');
  await count.press('Tab');
  assert.match(await editor.locator('.wb-group[data-group=gpu-a100] .wb-ids').textContent(), /gpu-a100-4/);
  assert.ok(await apply.isEnabled());
  await apply.click();
  await editor.waitFor({ state: 'detached' });
  assert.match(await page.getByTestId('workbench-message').textContent(), /^Edit applied: a new run/);
  assert.equal(await clock(page), t0, 'the new run is shown at the same moment');
  assert.equal(await page.getByRole('button', { name: /^Node gpu-a100-4, alive/ }).count(), 1);
  await playTo(page, 15);
  assert.equal(await page.locator('[data-deployment="llm/LLMServer"] [data-testid=running-vs-target]').textContent(), '4 / 4 running');

  // The Serve config, exported: the edited gang size, over the imported file (route_prefix kept).
  await page.getByText('Export', { exact: true }).click();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export Serve config (YAML)' }).click()]);
  const yaml = fs.readFileSync(await dl.path(), 'utf8');
  assert.match(dl.suggestedFilename(), /\.serve\.yaml$/);
  assert.match(yaml, /gang_size: 4/);
  assert.match(yaml, /route_prefix: \/llm/);
  assert.match(yaml, /name: LLMServer/);
  // The Markdown report: the setup and the key events, with a link to this moment.
  const [mdDl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export Markdown report' }).click()]);
  const md = fs.readFileSync(await mdDl.path(), 'utf8');
  assert.match(md, /^# RayCluster gpu-cluster/);
  assert.match(md, /LLMServer/);
  assert.match(md, /\[Open this moment in Gangplank\]\(http:\/\/127\.0\.0\.1:\d+\/[^)]*#g1\./);
  // The cluster view as SVG and PNG.
  const [svgDl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export cluster view as SVG' }).click()]);
  const svg = fs.readFileSync(await svgDl.path(), 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /data-node="gpu-a100-4"/);
  assert.match(svg, />RUN</);
  const [pngDl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export cluster view as PNG' }).click()]);
  const png = fs.readFileSync(await pngDl.path());
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.ok(png.readUInt32BE(16) >= 2 * 600, `drawn at 2x: ${png.readUInt32BE(16)} px wide`);

  // Undo returns to the imported setup: its scenario, actions and cursor.
  await page.getByRole('button', { name: 'Undo edit' }).click();
  assert.match(await page.getByTestId('workbench-message').textContent(), /^Edit undone/);
  assert.equal(await page.getByRole('button', { name: /^Node gpu-a100-4, alive/ }).count(), 0);
  assert.equal(await clock(page), t0, 'back at the moment the edit was applied');
  await page.getByRole('button', { name: 'Edit setup' }).click();
  assert.equal(await page.getByLabel('gang_size of llm/LLMServer').inputValue(), '2');
  expectNoProblems(problems);
  await page.close();
});

// The YAML reader and Ray's schema rules load on demand, in the importer worker (BENCHMARKS-PAGE.md, issue 13): the
// page's own wasm must not carry them, the worker's must, and the worker must be what answered the imports above.
test('the Ray-config importer is not in the first download: it is the worker, fetched on the first import', async () => {
  const files = fs.readdirSync(DIST);
  const page = files.find((f) => /^gangplank-[0-9a-f]+_bg\.wasm$/.test(f));
  const worker = files.find((f) => f === 'gangplank-import-worker_bg.wasm');
  assert.ok(page && worker, `both wasm files in dist/: ${files.join(', ')}`);
  // A message only the YAML parser has (saphyr-parser's flow-sequence error).
  const marker = Buffer.from('while parsing a flow sequence');
  assert.equal(fs.readFileSync(path.join(DIST, page)).includes(marker), false, 'the page wasm has no YAML parser');
  assert.equal(fs.readFileSync(path.join(DIST, worker)).includes(marker), true, 'the worker wasm has it');

  const { page: p, problems } = await app.open('?preset=steady-pack');
  const fetched = [];
  p.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  await p.waitForTimeout(300);
  assert.ok(!fetched.some((f) => f.includes('import-worker')), 'nothing of the worker before an import');
  await p.getByRole('button', { name: 'Import your Ray config' }).first().click();
  const dialog = p.getByRole('dialog', { name: 'Import your Ray config' });
  await dialog.getByRole('textbox').first().fill(fs.readFileSync(fixture('rayservice-tpu.yaml'), 'utf8'));
  await dialog.getByRole('button', { name: 'Import pasted text' }).click();
  await p.getByText('Imported RayService tpu-serve', { exact: false }).first().waitFor();
  assert.ok(fetched.some((f) => f.endsWith('gangplank-import-worker_bg.wasm')), `the worker was fetched: ${fetched}`);
  expectNoProblems(problems);
});

// The design review's path in one go: bring the config, compare a change on the same clock with the same fault, and
// take the report (with the comparison table) to the design doc.
test('import → compare with a changed strategy → the Markdown report carries the comparison', async () => {
  const { page, problems } = await load();
  await importGangs(page);
  await page.getByRole('button', { name: 'Close the import dialog' }).click();
  await playTo(page, 12);
  // A fault in run A: the controller dies.
  await page.click('[data-testid=faults]');
  await page.waitForSelector('[data-testid=action-panel]');
  await page.click('[data-testid=kill-controller]');
  await page.getByRole('button', { name: 'Compare with…' }).click();
  const form = page.getByRole('form', { name: 'Changes for run B' });
  await form.getByLabel('Deployment').selectOption('llm/LLMServer');
  await form.getByLabel('Strategy').selectOption('SPREAD');
  await form.getByRole('button', { name: 'Compare' }).click();
  await page.getByRole('region', { name: /^Run B: llm\/LLMServer strategy SPREAD/ }).waitFor();
  const table = page.getByRole('table', { name: /^Run A .* against run B/ });
  await table.waitFor({ timeout: 30_000 });
  const rows = await table.locator('tbody th[scope=row]').allTextContents();
  assert.ok(rows.includes('final status llm/LLMServer'), rows.join(' | '));

  await page.getByText('Export', { exact: true }).click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Markdown report' }).click(),
  ]);
  const report = fs.readFileSync(await download.path(), 'utf8');
  assert.match(report, /^# RayCluster gpu-cluster/);
  assert.match(report, /\| gpu-a100 \| 3 \| 8 CPU, 2 GPU, 64\.0 GiB memory \|/);
  assert.match(report, /### Imported, not simulated/);
  assert.match(report, /## Comparison\n\n\*\*A\*\*: .*\| metric \| A \| B \|/s);
  assert.match(report, /final status llm\/LLMServer/);
  expectNoProblems(problems);
});

// When the importer cannot be loaded (a host that did not upload its files, a flaky link), the import says so and
// the session is untouched; nothing hangs on "Reading…".
test('an importer that cannot load: a clear refusal, the session and the pasted text kept', async () => {
  const { page, problems } = await load();
  await page.route('**/gangplank-import-worker*', (route) => route.abort());
  const before = await watchTitle(page);
  await page.getByRole('button', { name: 'Import your Ray config', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Import your Ray config' });
  const text = fs.readFileSync(fixture('rayservice-tpu.yaml'), 'utf8');
  await dialog.getByRole('textbox').first().fill(text);
  await dialog.getByRole('button', { name: 'Import pasted text' }).click();
  const alert = dialog.getByRole('alert');
  await alert.waitFor({ timeout: 30_000 });
  assert.match(await alert.textContent(), /the Ray-config importer (stopped|did not start)/);
  assert.equal(await watchTitle(page), before, 'the session is unchanged');
  assert.equal(await dialog.getByRole('textbox').first().inputValue(), text, 'the pasted text is still there');
  // The aborted requests are the test's own doing, not the page's problems.
  expectNoProblems(problems.filter((p) => !/import-worker/.test(p)));
});

test('an imported scenario is named, survives a reload, and picking a preset puts it aside with a way back', async () => {
  const { page, problems } = await load();
  await importGangs(page);
  await page.getByRole('button', { name: 'Close the import dialog' }).click();
  const picker = page.getByTestId('scenario');
  const shown = () => picker.locator('option:checked').textContent();
  assert.match(await shown(), /^Your scenario: .*RayCluster gpu-cluster/);
  assert.doesNotMatch(page.url(), /preset=/, 'the address no longer names the preset it was opened with');
  await page.reload();
  await page.waitForSelector('.app .cluster-svg');
  assert.match(await watchTitle(page), /RayCluster gpu-cluster/, 'a reload restores the import, not ?preset=');
  await picker.selectOption('node-failure');
  assert.match(page.url(), /\?preset=node-failure$/);
  const notice = page.getByTestId('replaced-notice');
  assert.match(await notice.textContent(), /Opening another scenario put aside your scenario “.*RayCluster gpu-cluster/);
  await screenshot(page, 'workbench-put-aside');
  await notice.getByRole('button', { name: 'Bring it back' }).click();
  assert.match(await watchTitle(page), /RayCluster gpu-cluster/);
  assert.equal(await notice.count(), 0);
  expectNoProblems(problems);
  await page.close();
});
