// First load on a throttled link (issue 16, "First load"): the built dist/ in headless Chromium with CDP
// Network.emulateNetworkConditions (10 Mbit/s down and up, 40 ms latency), the cache disabled and a fresh profile
// per run. NOT a node:test file; it prints figures and never asserts. Budget (the issue): the cluster drawn within
// 1.5 s.
//
//   cd tests/e2e && DIST_DIR=/tmp/soak-dist node bench/first-load.mjs
//
// Environment: RUNS (default 5), ROUTE (default `?preset=big-cluster`), DIST_DIR / CHROMIUM as in ../harness.mjs,
// JSON_ONLY=1 for the JSON lines only.
//
// Two cases, because what crosses the link depends on the host: `gzip` (the files gzip-compressed on the fly, as
// static hosts such as GitHub Pages, Netlify or nginx with gzip on serve text and wasm) and `identity` (a host that
// serves the files as they are). Per run: navigation start → app mounted → first node drawn (an overview cell or a
// node card) → every node drawn (all of the preset's nodes, 101 with the head) → every replica drawn where the
// view draws replicas (cards only); the bytes received (CDP Network.loadingFinished encodedDataLength). Median, min
// and max over the runs. Also the bundle: dist/*.wasm and *.js raw and `gzip -9`.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { launchBrowser, DIST, CHROMIUM } from '../harness.mjs';

const RUNS = Number(process.env.RUNS ?? 5);
const ROUTE = process.env.ROUTE ?? '?preset=big-cluster';
const JSON_ONLY = process.env.JSON_ONLY === '1';
const NODES = 101;
const log = (...a) => { if (!JSON_ONLY) console.error(...a); };

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css',
  '.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png', '.ico': 'image/x-icon',
};

/** A static server for DIST on 127.0.0.1; `gzip`: compress every response (level 6, as nginx and most hosts do). */
async function serve(gzip) {
  const cache = new Map();
  const server = http.createServer((req, res) => {
    let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (p.endsWith('/')) p += 'index.html';
    const file = path.resolve(DIST, '.' + path.posix.normalize(p));
    if (!file.startsWith(DIST) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404).end(); return; }
    let body = fs.readFileSync(file);
    const headers = { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
    if (gzip && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
      if (!cache.has(file)) cache.set(file, zlib.gzipSync(body, { level: 6 }));
      body = cache.get(file);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = body.length;
    res.writeHead(200, headers).end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

/** In the page before its scripts: when the app mounts, the first node is drawn, every node, every replica. */
function probe(nodes) {
  const m = { mounted: null, firstNode: null, allNodes: null, allReplicas: null };
  window.__load = m;
  const check = () => {
    const now = performance.now();
    if (m.mounted === null && document.querySelector('.app')) m.mounted = now;
    const n = document.querySelectorAll('.ov-cell, .cluster-svg .node-card[data-node]').length;
    if (m.firstNode === null && n > 0) m.firstNode = now;
    if (m.allNodes === null && n >= nodes) m.allNodes = now;
    if (m.allReplicas === null && document.querySelectorAll('.cluster-svg [data-replica]').length >= 1000) m.allReplicas = now;
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: false });
}

async function oneRun(server, run, kase) {
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 40, downloadThroughput: 10e6 / 8, uploadThroughput: 10e6 / 8 });
    let bytes = 0;
    const files = {};
    const urls = new Map();
    cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
    cdp.on('Network.loadingFinished', (e) => {
      bytes += e.encodedDataLength;
      const u = urls.get(e.requestId);
      if (u) files[path.basename(new URL(u).pathname) || 'index.html'] = e.encodedDataLength;
    });
    await page.addInitScript(probe, NODES);
    await page.goto(server.url + ROUTE, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__load && window.__load.allNodes !== null, null, { timeout: 60_000, polling: 50 });
    await page.waitForTimeout(300);
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const res = performance.getEntriesByType('resource');
      const wasm = res.filter((r) => r.name.endsWith('.wasm')).map((r) => r.responseEnd);
      return { ...window.__load, domContentLoaded: nav.domContentLoadedEventEnd, wasmFetched: wasm.length ? Math.max(...wasm) : null };
    });
    return { run, case: kase, first_node_ms: t.firstNode, all_nodes_ms: t.allNodes, all_replicas_ms: t.allReplicas,
      app_mounted_ms: t.mounted, wasm_fetched_ms: t.wasmFetched, dom_content_loaded_ms: t.domContentLoaded,
      bytes_received: bytes, files, errors };
  } finally {
    await browser.close();
  }
}

const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function bundle() {
  const out = [];
  for (const f of fs.readdirSync(DIST).filter((f) => /\.(wasm|js)$/.test(f))) {
    const raw = fs.readFileSync(path.join(DIST, f));
    out.push({ bench: 'bundle', file: f, raw_bytes: raw.length, gzip9_bytes: zlib.gzipSync(raw, { level: 9 }).length });
  }
  return out;
}

async function main() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    console.error(`${DIST}/index.html is missing: build first`);
    process.exit(2);
  }
  log(`first load: ${RUNS} runs per case of ${ROUTE}, 10 Mbit/s, 40 ms, cache off; Chromium ${CHROMIUM}; dist ${DIST}`);
  for (const b of bundle()) console.log(JSON.stringify(b));
  const summary = [];
  for (const kase of ['gzip', 'identity']) {
    const server = await serve(kase === 'gzip');
    const runs = [];
    try {
      for (let i = 1; i <= RUNS; i++) {
        const r = await oneRun(server, i, kase);
        runs.push(r);
        console.log(JSON.stringify({ bench: 'first-load', ...r }));
      }
    } finally {
      await server.close();
    }
    for (const k of ['first_node_ms', 'all_nodes_ms', 'app_mounted_ms', 'wasm_fetched_ms', 'bytes_received']) {
      const xs = runs.map((r) => r[k]).filter((x) => typeof x === 'number');
      if (!xs.length) continue;
      const s = { bench: 'first-load-summary', case: kase, metric: k, runs: xs.length, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
      summary.push(s);
      console.log(JSON.stringify(s));
    }
  }
  if (!JSON_ONLY) {
    console.log(`\n${'case'.padEnd(10)}${'metric'.padEnd(20)}${'median'.padStart(12)}${'min'.padStart(12)}${'max'.padStart(12)}`);
    for (const s of summary) {
      const f = (x) => (s.metric === 'bytes_received' ? String(x) : x.toFixed(0));
      console.log(`${s.case.padEnd(10)}${s.metric.padEnd(20)}${f(s.median).padStart(12)}${f(s.min).padStart(12)}${f(s.max).padStart(12)}`);
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
