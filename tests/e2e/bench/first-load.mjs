// First load on a throttled link (issue 16, "First load"): the built dist/ in headless Chromium with CDP
// Network.emulateNetworkConditions (10 Mbit/s down and up, 40 ms latency), the cache disabled and a fresh profile
// per run. NOT a node:test file; it prints figures and never asserts. Budget (the issue): the cluster drawn within
// 1.5 s.
//
//   cd tests/e2e && DIST_DIR=/tmp/soak-dist node bench/first-load.mjs
//
// Environment: RUNS (default 5), ROUTES (default `,?preset=big-cluster`: a comma-separated list of what follows the
// host, so by default the page as a first visitor opens it, on the default preset, and the big cluster's 101 nodes),
// CASES (default `gzip,brotli,identity`), DIST_DIR / CHROMIUM as in ../harness.mjs, JSON_ONLY=1 for the JSON lines
// only.
//
// What crosses the link depends on the host, hence the cases: `gzip` (every file gzip-compressed, level 6, as static
// hosts such as GitHub Pages, Netlify or nginx with gzip do on the fly), `brotli` (the build's precompressed
// `FILE.br`, quality 11, scripts/precompress.mjs, as hosts with static brotli send) and `identity` (a host that
// serves the files as they are). Each file is compressed once, before the first run, as a host's cache does
// (compressing 2.8 MB of wasm on the first request would charge the bench's own work to the first run). Per run:
// navigation start → the wasm asked for → the wasm received → app mounted → first node drawn (an overview cell or a
// node card) → every node drawn (all of the route's nodes, the head included) → every replica drawn where the view
// draws replicas (cards only); the bytes received (CDP Network.loadingFinished encodedDataLength). Median, min and
// max over the runs. Also the bundle: dist/*.wasm and *.js raw and `gzip -9`.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { launchBrowser, DIST, CHROMIUM } from '../harness.mjs';

const RUNS = Number(process.env.RUNS ?? 5);
const ROUTES = (process.env.ROUTES ?? ',?preset=big-cluster').split(',');
const CASES = (process.env.CASES ?? 'gzip,brotli,identity').split(',');
const JSON_ONLY = process.env.JSON_ONLY === '1';
const BUDGET_MS = 1500;
const log = (...a) => { if (!JSON_ONLY) console.error(...a); };

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css',
  '.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png', '.ico': 'image/x-icon',
};

/** The body `kind` sends for `file`: gzip level 6, the build's `.br` (brotli 11 if the build has none), or as is. */
function encoded(kind, file) {
  const body = fs.readFileSync(file);
  if (kind === 'gzip') return zlib.gzipSync(body, { level: 6 });
  if (fs.existsSync(`${file}.br`)) return fs.readFileSync(`${file}.br`);
  return zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
}

/** A static server for DIST on 127.0.0.1, sending `kind` (`gzip`, `brotli` or `identity`) to browsers that accept it. */
async function serve(kind) {
  const encoding = { gzip: 'gzip', brotli: 'br' }[kind];
  const cache = new Map();
  if (encoding) {
    for (const f of fs.readdirSync(DIST).filter((f) => !/\.(br|gz)$/.test(f))) {
      const file = path.join(DIST, f);
      if (fs.statSync(file).isFile()) cache.set(file, encoded(kind, file));
    }
  }
  const accepts = new RegExp(`\\b${encoding}\\b`);
  const server = http.createServer((req, res) => {
    let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (p.endsWith('/')) p += 'index.html';
    const file = path.resolve(DIST, '.' + path.posix.normalize(p));
    if (!file.startsWith(DIST) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404).end(); return; }
    let body = fs.readFileSync(file);
    const headers = { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
    if (cache.has(file) && accepts.test(req.headers['accept-encoding'] ?? '')) {
      body = cache.get(file);
      headers['content-encoding'] = encoding;
    }
    headers['content-length'] = body.length;
    res.writeHead(200, headers).end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

/** Nodes the route's preset has, the head included (the default preset without `?preset=`): "every node drawn"
 *  waits for this many. */
function nodesOf(route) {
  const id = new URLSearchParams(route.replace(/^\?/, '')).get('preset') ?? 'replica-crash';
  const file = path.join(import.meta.dirname, '..', '..', '..', 'scenarios', 'presets', `${id}.json`);
  return JSON.parse(fs.readFileSync(file, 'utf8')).cluster.nodes.length + 1;
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

async function oneRun(server, run, kase, route) {
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
    await page.addInitScript(probe, nodesOf(route));
    await page.goto(server.url + route, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__load && window.__load.allNodes !== null, null, { timeout: 60_000, polling: 50 });
    await page.waitForTimeout(300);
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const wasm = performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.wasm'));
      return { ...window.__load, domContentLoaded: nav.domContentLoadedEventEnd,
        wasmAsked: wasm.length ? Math.min(...wasm.map((r) => r.startTime)) : null,
        wasmFetched: wasm.length ? Math.max(...wasm.map((r) => r.responseEnd)) : null };
    });
    return { run, case: kase, route, first_node_ms: t.firstNode, all_nodes_ms: t.allNodes, all_replicas_ms: t.allReplicas,
      app_mounted_ms: t.mounted, wasm_asked_ms: t.wasmAsked, wasm_fetched_ms: t.wasmFetched,
      dom_content_loaded_ms: t.domContentLoaded, bytes_received: bytes, files, errors };
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
    out.push({ bench: 'bundle', file: f, raw_bytes: raw.length, gzip9_bytes: zlib.gzipSync(raw, { level: 9 }).length,
      brotli11_bytes: encoded('brotli', path.join(DIST, f)).length });
  }
  return out;
}

async function main() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    console.error(`${DIST}/index.html is missing: build first`);
    process.exit(2);
  }
  log(`first load: ${RUNS} runs per case of ${ROUTES.map((r) => r || '(no query)').join(', ')}, 10 Mbit/s, 40 ms, ` +
    `cache off; Chromium ${CHROMIUM}; dist ${DIST}`);
  for (const b of bundle()) console.log(JSON.stringify(b));
  const summary = [];
  for (const kase of CASES) {
    const server = await serve(kase);
    try {
      for (const route of ROUTES) {
        const runs = [];
        for (let i = 1; i <= RUNS; i++) {
          const r = await oneRun(server, i, kase, route);
          runs.push(r);
          console.log(JSON.stringify({ bench: 'first-load', ...r }));
        }
        for (const k of ['first_node_ms', 'all_nodes_ms', 'app_mounted_ms', 'wasm_asked_ms', 'wasm_fetched_ms', 'bytes_received']) {
          const xs = runs.map((r) => r[k]).filter((x) => typeof x === 'number');
          if (!xs.length) continue;
          const s = { bench: 'first-load-summary', case: kase, route, metric: k, runs: xs.length, median: median(xs),
            min: Math.min(...xs), max: Math.max(...xs) };
          summary.push(s);
          console.log(JSON.stringify(s));
        }
      }
    } finally {
      await server.close();
    }
  }
  if (!JSON_ONLY) {
    const pad = (x, n) => String(x).padStart(n);
    console.log(`\n${'case'.padEnd(10)}${'route'.padEnd(22)}${'metric'.padEnd(18)}${pad('median', 10)}${pad('min', 10)}${pad('max', 10)}`);
    for (const s of summary) {
      const f = (x) => (s.metric === 'bytes_received' ? String(x) : x.toFixed(0));
      const verdict = s.metric !== 'all_nodes_ms' ? '' : s.median <= BUDGET_MS ? '  within 1.5 s' : '  OVER 1.5 s';
      console.log(`${s.case.padEnd(10)}${(s.route || '(no query)').padEnd(22)}${s.metric.padEnd(18)}${pad(f(s.median), 10)}` +
        `${pad(f(s.min), 10)}${pad(f(s.max), 10)}${verdict}`);
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
