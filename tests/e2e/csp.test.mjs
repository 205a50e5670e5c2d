// The strict Content-Security-Policy (issue 16): the built page carries it (no 'unsafe-inline'; Trunk's loader
// allowed by its hash), it is in force (an injected inline script and an inline style are refused), and a walk
// through the main features reports no violation (the harness fails any test on a violation or an off-origin
// request). Also: the post-build hook (scripts/post-build.mjs: csp-hash.mjs, preload-first.mjs) fails loudly rather than ship a
// page that cannot start, and puts the wasm's preload first.
// Screenshot: screenshots/csp-walk.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useApp, screenshot, expectNoProblems, playTo, ROOT, DIST } from './harness.mjs';

const app = useApp();
const HOOK = path.join(ROOT, 'scripts', 'post-build.mjs');
const sha256 = (text) => `'sha256-${crypto.createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The policy's directives: { 'script-src': ["'self'", …], … }. */
function directives(policy) {
  return Object.fromEntries(policy.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([k, ...v]) => [k, v]));
}

function builtPolicy() {
  const html = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html);
  assert.ok(meta, 'the built index.html has a Content-Security-Policy meta');
  return { html, meta, policy: directives(meta[1]) };
}

test('the built page carries the policy: own files only, no unsafe-inline, Trunk\'s loader by its hash', () => {
  const { html, meta, policy } = builtPolicy();
  assert.ok(meta.index < html.search(/<script\b/), 'the policy comes before the first script');
  for (const [name, sources] of Object.entries(policy)) {
    assert.ok(!sources.includes("'unsafe-inline'"), `${name} has no 'unsafe-inline'`);
    assert.ok(!sources.includes("'unsafe-eval'"), `${name} has no 'unsafe-eval'`);
    assert.ok(!sources.includes('*') && !sources.some((s) => /^https?:/.test(s)), `${name} names no other site`);
  }
  assert.deepEqual(policy['default-src'], ["'self'"]);
  assert.deepEqual(policy['style-src'], ["'self'"]);
  assert.deepEqual(policy['object-src'], ["'none'"]);
  assert.deepEqual(policy['base-uri'], ["'none'"]);
  const script = policy['script-src'];
  assert.deepEqual(script.slice(0, 2), ["'self'", "'wasm-unsafe-eval'"]);
  // Exactly the inline scripts of the page, each by its hash (the built page has one: Trunk's loader).
  const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].filter((m) => !/\bsrc=/.test(m[1]));
  assert.equal(inline.length, 1, 'one inline script');
  assert.match(inline[0][2], /import init, \* as bindings from '\.\/gangplank-[0-9a-f]+\.js'/);
  assert.deepEqual(script.slice(2), [sha256(inline[0][2])], 'the hash is the loader\'s');
  assert.ok(!/\sstyle=|<style\b|\son[a-z]+=/i.test(html.replace(/<!--[\s\S]*?-->/g, '')), 'no inline style or handler');
});

test('the policy is in force: an injected inline script and an inline style are refused, and reported', async () => {
  const { page, problems } = await app.open('?preset=replica-crash');
  await page.waitForSelector('.app .cluster-svg');
  const result = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true;';
    document.head.append(s);
    const p = document.createElement('p');
    p.setAttribute('style', 'color: rgb(255, 0, 0)');
    document.body.append(p);
    await new Promise((r) => setTimeout(r, 100)); // violation events are queued as tasks
    return { ran: window.__injected === true, color: getComputedStyle(p).color };
  });
  assert.equal(result.ran, false, 'the inline script did not run');
  assert.notEqual(result.color, 'rgb(255, 0, 0)', 'the inline style was not applied');
  const csp = problems.filter((p) => p.startsWith('CSP violation'));
  assert.ok(csp.some((p) => /^CSP violation: script-src-elem refused inline/.test(p)), csp.join('\n'));
  assert.ok(csp.some((p) => /^CSP violation: style-src-attr refused inline/.test(p)), csp.join('\n'));
  // What the harness caught: this test's own injections, nothing else.
  expectNoProblems(problems.filter((p) => !p.startsWith('CSP violation') && !/Refused to|Content Security Policy/.test(p)));
  await page.close();
});

test('a walk through the main features under the policy: play, a fault, swimlanes, the import worker, export, presenter, a lesson', async () => {
  const { page, problems } = await app.open('?preset=steady-pack');
  await page.waitForSelector('.app .cluster-svg');
  // Play, then kill a gang member: ghosts fade (--fade), cards and labels move (transforms), markers appear.
  await playTo(page, 4);
  const victim = await page.getAttribute('[data-replica]', 'data-replica');
  await page.click(`[data-replica="${victim}"]`);
  await page.click('[data-testid=kill-replica]');
  await playTo(page, 8);
  // Inline styles come from the CSSOM: positions are set (and not as refused attributes).
  const thumb = await page.$eval('.tl-thumb', (e) => e.style.left);
  assert.match(thumb, /^[\d.]+%$/, 'the timeline thumb is placed');
  assert.ok(await page.locator('[data-testid=swimlanes] [data-lane]').count() > 0, 'swimlanes drawn');
  const lanesTop = await page.$eval('[data-testid=swimlanes] [data-lane]', (e) => e.style.top);
  assert.match(lanesTop, /^\d+px$/, 'a lane is placed');
  await screenshot(page, 'csp-walk');

  // The Ray-config importer runs in its Web Worker (worker-src 'self').
  await page.getByRole('button', { name: 'Import your Ray config', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Import your Ray config' });
  await dialog.getByLabel('Choose Ray config files').setInputFiles([path.join(ROOT, 'tests', 'config_import', 'serve-gangs.yaml')]);
  await dialog.getByRole('status').filter({ hasText: 'Imported' }).waitFor();
  await page.getByRole('button', { name: 'Close the import dialog' }).click();

  // Downloads through blob: URLs, and the PNG export (an image drawn from the SVG: img-src data: blob:).
  await page.getByText('Export', { exact: true }).click();
  const [svg] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export cluster view as SVG' }).click()]);
  assert.match(fs.readFileSync(await svg.path(), 'utf8'), /^<svg|^<\?xml/);
  const [png] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export cluster view as PNG' }).click()]);
  assert.equal(fs.readFileSync(await png.path()).subarray(1, 4).toString(), 'PNG');

  // Presenter mode: the spotlight's computed style sheet.
  await page.click('[data-testid=present]');
  await page.locator('.app.presenter').waitFor();
  await page.keyboard.press('Escape');

  // A lesson: its Markdown narration and the ring around the panels it names.
  await page.click('[data-testid=lessons]');
  await page.locator('[data-testid=lesson-entry]').first().locator('[data-testid=lesson-start]').click();
  await page.locator('[data-testid=lesson-panel]').waitFor();
  for (let i = 0; i < 3 && await page.locator('[data-testid=lesson-next]:not([disabled])').count(); i++) {
    await page.click('[data-testid=lesson-next]');
  }
  expectNoProblems(problems);
  await page.close();
});

test('a page that cannot start says so (static/boot.js, under the policy), and its button reloads', async () => {
  const wasm = /gangplank-[0-9a-f]+_bg\.wasm$/;
  await app.context.route(wasm, (route) => route.abort());
  try {
    const { page, problems } = await app.open('?preset=replica-crash');
    await page.waitForSelector('#fatal:not([hidden])');
    assert.match(await page.textContent('#fatal h1'), /Gangplank stopped/);
    assert.notEqual((await page.textContent('#fatal-message')).trim(), '', 'it says what went wrong');
    await app.context.unroute(wasm);
    await page.click('#fatal button');
    await page.waitForSelector('.app .cluster-svg');
    // The refused download is the test's own doing; nothing else, and no CSP violation.
    expectNoProblems(problems.filter((p) => !/_bg\.wasm|Failed to fetch|WebAssembly/.test(p)));
    await page.close();
  } finally {
    await app.context.unroute(wasm);
  }
});

test('the built page asks for its wasm first: the preloads come right after the policy (first load, issue 16)', () => {
  const { html, meta } = builtPolicy();
  const after = html.slice(meta.index + meta[0].length).replace(/^\s*\/?>/, '').trimStart(); // past the meta's end
  assert.match(after, /^<link rel="modulepreload" href="\.\/gangplank-[0-9a-f]+\.js"[^>]*>\s*<link rel="preload" href="\.\/gangplank-[0-9a-f]+_bg\.wasm"[^>]*as="fetch"/,
    'the glue and wasm preloads are the first elements after the Content-Security-Policy meta');
});

/** Runs the hook on `html` in a scratch file: { status, stderr, out }. */
function runHook(html, env = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gangplank-csp-'));
  const file = path.join(dir, 'index.html');
  fs.writeFileSync(file, html);
  const r = spawnSync(process.execPath, [HOOK, file], { encoding: 'utf8', env: { ...process.env, ...env } });
  const out = fs.readFileSync(file, 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  return { status: r.status, stderr: r.stderr, out };
}

const META = `<meta http-equiv="Content-Security-Policy" content="script-src 'self' 'wasm-unsafe-eval' CSP_SCRIPT_HASHES" />`;
const LOADER = `<script type="module">\nimport init, * as bindings from './gangplank-0123.js';\nconst wasm = await init({ module_or_path: './gangplank-0123_bg.wasm' });\n</script>`;
// Trunk's preloads, which it appends at the end of <head>.
const PRELOADS = `<link rel="modulepreload" href="./gangplank-0123.js" crossorigin="anonymous" integrity="sha384-a">` +
  `<link rel="preload" href="./gangplank-0123_bg.wasm" crossorigin="anonymous" integrity="sha384-b" as="fetch" type="application/wasm">`;
const page = (head, body = '') => `<!DOCTYPE html><html><head>${head}${PRELOADS}</head><body>${body}</body></html>`;

test('the hook writes the loader\'s hash, and fails loudly when the page would not start', () => {
  const ok = runHook(page(`<!-- CSP_SCRIPT_HASHES is replaced -->${META}${LOADER}`));
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(ok.out.includes('<!-- CSP_SCRIPT_HASHES is replaced -->'), 'only the meta is written');
  // Trunk's minified HTML (`minify` in Trunk.toml) still has a loader the hook finds.
  const min = `<script type=module>import init,*as bindings from"./gangplank-0123.js";await init()</script>`;
  assert.equal(runHook(page(META + min)).status, 0, 'a minified loader is found');
  const loaderText = /<script type="module">([\s\S]*?)<\/script>/.exec(LOADER)[1];
  assert.ok(ok.out.includes(`'wasm-unsafe-eval' ${sha256(loaderText)}"`), ok.out);

  // The preloads, glue then wasm, right after the policy (before the loader, the stylesheets and boot.js).
  const css = '<link rel="stylesheet" href="./style-1.css">';
  const moved = runHook(page(`${META}${LOADER}${css}`));
  assert.equal(moved.status, 0, moved.stderr);
  const at = (s) => moved.out.indexOf(s);
  assert.ok(at('"./gangplank-0123.js"') > at('Content-Security-Policy') && at('_bg.wasm" crossorigin') > at('"./gangplank-0123.js"'), moved.out);
  assert.ok(at('_bg.wasm" crossorigin') < at('<script type="module">') && at('_bg.wasm" crossorigin') < at(css), moved.out);
  assert.equal(moved.out.split('rel="preload"').length, 2, 'moved, not copied');

  const cases = [
    [page(META), /expected Trunk's module loader .* found 0/],
    [page(META + LOADER).replace(/<link rel="preload"[^>]*>/, ''), /expected one <link rel="preload"> of the app's wasm, found 0/],
    [page(META + LOADER.replace('import init', 'import start')), /neither Trunk's loader nor its reload script/],
    [page(`<!-- ${META} -->` + META), /expected Trunk's module loader .* found 0/],
    [page(LOADER), /no <meta http-equiv="Content-Security-Policy">/],
    [page(META.replace('CSP_SCRIPT_HASHES', '') + LOADER), /no CSP_SCRIPT_HASHES placeholder/],
    [page(LOADER + META), /must come before the first <script>/],
    [page(META + LOADER + '<script>alert(1)</script>'), /inline <script> at line 4 .* move it to a file/],
    [page(META + LOADER + '<style>p{}</style>'), /inline <style> element/],
    [page(META + LOADER, '<button onclick="x()">'), /inline event handler/],
  ];
  for (const [html, message] of cases) {
    const r = runHook(html);
    assert.equal(r.status, 1, `fails: ${html}`);
    assert.match(r.stderr, message);
    assert.equal(r.out, html, 'the file is left as it was');
  }
});

test('under trunk serve the hook pins the live-reload script\'s placeholders, so its hash holds', () => {
  const reload = `<script>"use strict";\nconst address = '{{__TRUNK_ADDRESS__}}';\nconst base = '{{__TRUNK_WS_BASE__}}';\n</script>`;
  const r = runHook(page(META + LOADER, reload), { TRUNK_PUBLIC_URL: '/' });
  assert.equal(r.status, 0, r.stderr);
  const pinned = `"use strict";\nconst address = window.location.host;\nconst base = '/';\n`;
  assert.ok(r.out.includes(`<script>${pinned}</script>`), r.out);
  assert.ok(r.out.includes(sha256(pinned)), 'the pinned text is hashed');
  assert.ok(!r.out.includes('{{__TRUNK_'), 'nothing left for trunk serve to change');
});
