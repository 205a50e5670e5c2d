// Shared helpers for the end-to-end tests (every tests/e2e/*.test.mjs imports them):
// - a static server for the built dist/ on 127.0.0.1 (random port, optionally under a sub-path);
// - Debian Chromium (/usr/bin/chromium) driven by playwright-core, with a fresh profile per test file;
// - pages that collect console errors, uncaught exceptions, failed requests and HTTP errors;
// - screenshots under tests/e2e/screenshots/ (git-ignored): open them and look.
//
// Typical use:
//   import { test } from 'node:test';
//   import { useApp, screenshot, expectNoProblems } from './harness.mjs';
//   const app = useApp();                       // registers before/after hooks for this file
//   test('...', async () => {
//     const { page, problems } = await app.open();   // loads the page and waits for Yew to mount
//     ...
//     await screenshot(page, 'my-step');
//     expectNoProblems(problems);
//   });
//
// Environment: DIST_DIR (default: the repo's dist/), BASE_URL (test a running server such as
// `trunk serve` instead of dist/), CHROMIUM (default /usr/bin/chromium).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const DIST = path.resolve(process.env.DIST_DIR ?? path.join(ROOT, 'dist'));
export const SCREENSHOTS = path.join(HERE, 'screenshots');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** The crate version from Cargo.toml ([package] comes first there). */
export const VERSION = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8').match(/^version\s*=\s*"([^"]+)"/m)[1];

/** Desktop and phone sizes the UI must work at (the 390 px minimum). */
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.json': 'application/json', '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2', '.webmanifest': 'application/manifest+json',
};

/**
 * Serves `dir` on 127.0.0.1 at a random port, under `prefix` (e.g. '/some/sub/path/'), like a plain static
 * host: a directory gives its index.html, anything else that is missing is a 404.
 * Returns { url, close } where url ends with the prefix.
 */
export async function startServer({ dir = DIST, prefix = '/' } = {}) {
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`${dir}/index.html is missing: build first (trunk build --release --public-url ./)`);
  }
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    if (!pathname.startsWith(prefix)) { res.writeHead(404).end('outside the served prefix'); return; }
    let file = path.resolve(dir, '.' + path.posix.normalize('/' + pathname.slice(prefix.length)));
    if (file !== dir && !file.startsWith(dir + path.sep)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) { res.writeHead(404).end('not found'); return; }
      res.writeHead(200, {
        'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      }).end(body);
    });
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}${prefix}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Launches headless Chromium with a fresh profile. Returns { context, close }. */
export async function launchBrowser({ viewport = DESKTOP } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gangplank-chromium-'));
  // Playwright refuses --user-data-dir in args: a fresh profile goes through launchPersistentContext.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, viewport, args: CHROMIUM_ARGS,
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A new page that records everything that went wrong on it into `problems` (strings):
 * console errors, uncaught exceptions, failed requests, HTTP responses >= 400, Content-Security-Policy violations
 * and requests to another origin.
 */
export async function newPage(context, { viewport } = {}) {
  const page = await context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.stack ?? error}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
  page.on('response', (res) => { if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`); });
  // The page's Content-Security-Policy (index.html): every violation it reports, and every request that leaves the
  // page's own origin (the served app loads nothing from elsewhere), is a problem.
  await page.exposeFunction('__gangplankCspViolation', (v) => problems.push(`CSP violation: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const where = e.sourceFile ? ` at ${e.sourceFile}:${e.lineNumber}` : '';
      window.__gangplankCspViolation(`${e.effectiveDirective} refused ${e.blockedURI || 'inline'}${where}: ${e.sample}`);
    });
  });
  page.on('console', (msg) => {
    if (msg.type() !== 'error' && /^Refused to /.test(msg.text())) problems.push(`CSP console: ${msg.text()}`);
  });
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    // A main-frame navigation sets the origin; anything else must stay on it.
    if (req.isNavigationRequest() && req.frame() === page.mainFrame()) return;
    const origin = new URL(page.url()).origin;
    if (url.origin !== origin) problems.push(`off-origin request: ${req.url()} (page at ${origin})`);
  });
  return { page, problems };
}

/** Waits until the Yew app has mounted: the body holds an element other than the loader's script. */
export async function waitForApp(page, { timeout = 20_000 } = {}) {
  await page.waitForFunction(
    () => [...(document.body?.children ?? [])].some((el) => !['SCRIPT', 'LINK', 'STYLE', 'TEMPLATE', 'NOSCRIPT'].includes(el.tagName)),
    null, { timeout });
}

/** Saves a full-page screenshot as screenshots/<name>.png and returns its path. */
/** Plays at 10^`exp` × (the speed slider's exponent) until the clock reads `t` seconds, then pauses. */
export async function playTo(page, t, exp = 1) {
  await page.locator('[data-testid=speed]').fill(String(exp));
  await page.click('[data-testid=play]');
  await page.waitForFunction(
    (t) => parseFloat(document.querySelector('[data-testid=clock] .clock-t').textContent) >= t, t,
    { timeout: 60_000, polling: 'raf' });
  await page.click('[data-testid=play]');
}

export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' }); // transitions jump to their end
  return file;
}

/** Fails with the full list if anything went wrong on the page. */
export function expectNoProblems(problems) {
  assert.deepEqual(problems, [], `the page reported problems:\n  ${problems.join('\n  ')}`);
}

/**
 * One server and one browser for the calling test file (registered as node:test before/after hooks).
 * `app.open(route, { viewport })` loads `route` (relative to the served root, or an absolute URL) and waits for
 * Yew to mount.
 * With BASE_URL set, no server is started and `app.external` is true.
 */
export function useApp({ prefix = '/', viewport = DESKTOP } = {}) {
  const app = {
    url: undefined,
    external: Boolean(process.env.BASE_URL),
    context: undefined,
    async open(route = '', options = {}) {
      const { page, problems } = await newPage(app.context, options);
      await page.goto(new URL(route, app.url).href);
      await waitForApp(page);
      return { page, problems };
    },
  };
  let server, browser;
  before(async () => {
    if (app.external) {
      app.url = new URL(process.env.BASE_URL).href;
    } else {
      server = await startServer({ prefix });
      app.url = server.url;
    }
    browser = await launchBrowser({ viewport });
    app.context = browser.context;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  return app;
}
