// The app shell: the built page loads, Yew mounts, the header names the app, the footer shows the version,
// nothing goes wrong on the way, at desktop and phone width, and from a sub-path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useApp, startServer, screenshot, expectNoProblems, DIST, PHONE, VERSION } from './harness.mjs';

const app = useApp();

test('the shell shows the name in the header and the version in the footer, without errors', async () => {
  const { page, problems } = await app.open();
  const header = await page.waitForSelector('header');
  assert.match(await header.textContent(), /Gangplank/);
  const footer = await page.waitForSelector('footer');
  const footerText = await footer.textContent();
  assert.ok(footerText.includes(VERSION), `footer ${JSON.stringify(footerText)} should show version ${VERSION}`);
  await screenshot(page, 'shell');
  expectNoProblems(problems);
});

test('the shell fits a phone-width screen without sideways scrolling', async () => {
  const { page, problems } = await app.open('', { viewport: PHONE });
  await page.waitForSelector('footer');
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= PHONE.width, `page is ${scrollWidth}px wide at a ${PHONE.width}px viewport`);
  await screenshot(page, 'shell-phone');
  expectNoProblems(problems);
});

// README: `trunk build --release --public-url ./` gives a dist/ that can be hosted under any sub-path.
// scripts/test.sh builds dist/ that way; this proves it.
test('the built dist/ also works when hosted under a sub-path', async (t) => {
  if (app.external) return t.skip('BASE_URL is set: no dist/ to serve');
  const index = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
  assert.doesNotMatch(index, /(src|href|from|module_or_path:)\s*=?\s*['"]\/[^/]/,
    'dist/index.html uses absolute asset URLs: build it with `trunk build --release --public-url ./`');
  const server = await startServer({ prefix: '/some/sub/path/' });
  try {
    const { page, problems } = await app.open(server.url);
    assert.match(await page.textContent('body'), /Gangplank/);
    expectNoProblems(problems);
    await page.close();
  } finally {
    await server.close();
  }
});
