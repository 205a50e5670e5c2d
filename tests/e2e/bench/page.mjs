// Page benchmark (issue 6, item 4; issue 14): the built dist/ in headless Chromium, played at 10× with faults.
// NOT a node:test file (it sits in bench/ and has no `.test.` in its name, so `node --test` in tests/e2e never
// picks it up). It prints figures and never asserts on timing.
//
//   node tests/e2e/bench/page.mjs            # or: bash scripts/bench-page.sh (builds dist/ first if needed)
//
// Cases (CASES, comma-separated, default `big:overview,huge:overview,big:cards`):
//   big:overview  the big-cluster preset (100 nodes / 1,000 replicas) as it opens, in the overview (issue 14)
//   huge:overview the generated 1,000 nodes / 10,000 replicas (bench/huge-scenario.mjs) imported through the
//                 import picker, in the overview; "first drawn" is from the import to its first cell
//   big:cards     the big-cluster preset as node cards (the "Cards" toggle, if the build has one): the figures of
//                 the earlier issues, and the random seeks
// Environment: RUNS (default 3), PLAY_S (seconds of measured playback per run, default 18), SEEKS (random seeks
// per run, default 10; SKIP_SEEK=1 skips the seek part), DIST_DIR / CHROMIUM as in ../harness.mjs, JSON_ONLY=1 to print only the JSON lines.
//
// Per run (a fresh browser profile each time, so no autosaved session leaks between runs):
//   1. navigation → app mounted → first node drawn (a card in the cluster SVG, or an overview cell; for the
//      imported case, from the import) (MutationObserver in the page, performance.now() is relative to navigation
//      start); JS heap after load (CDP Runtime.getHeapUsage).
//   2. the same scenario with until_s = 600 (playback stops at a scenario's end: 60 s would be 6 s of wall time),
//      imported through the import picker; speed 10× (the speed slider, log10 = 1), play; the scenario kills a node
//      at 20 s (2 s of wall time).
//      Cards: after ~5 s the bench kills a gang member (right click → action panel → kill replica) and after ~10 s
//      a node (node header → kill node). Overview: after ~10 s it opens a node's group from its cell, kills the node
//      from its card and goes back to the overview. requestAnimationFrame timestamps for PLAY_S seconds: median fps,
//      worst frame, frames over 50 ms; the same figures inside teardown windows (from 0.5 s before to 1.5 s
//      after a torn-down gang's ghost label, or its torn-down glyph in the overview, appears). JS heap at the end.
//   3. seek (big:cards only): the preset imported with until_s = 600 (a 10-minute run) through the import picker; a click at the
//      end of the scrub bar runs the model to 600 s (first run), then SEEKS clicks at random points (seeded, so
//      every run seeks to the same points) are timed from pointerdown to the first animation frame after the
//      clock shows the new time.
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, ROOT, DIST, CHROMIUM } from '../harness.mjs';
import { hugeScenario } from './huge-scenario.mjs';

const RUNS = Number(process.env.RUNS ?? 3);
const PLAY_S = Number(process.env.PLAY_S ?? 18);
const SEEKS = Number(process.env.SEEKS ?? 10);
const JSON_ONLY = process.env.JSON_ONLY === '1';
const PRESET = 'big-cluster';
const CASES = (process.env.CASES ?? 'big:overview,huge:overview,big:cards').split(',').map((c) => c.trim()).filter(Boolean);
const log = (...a) => { if (!JSON_ONLY) console.error(...a); };

/** Runs in the page before any of its scripts: records when the app mounts and the first node card appears, and
 *  when torn-down gangs' ghost labels appear (teardowns). */
function pageProbe() {
  const marks = { appMounted: null, firstNode: null, firstReplica: null, firstCell: null, ghosts: [], watch: null };
  window.__bench = marks;
  // The app's own frame probe (src/ui/perf.rs): [start, after model, after render, cluster/card/token renders].
  window.__gpPerf = [];
  const seen = new Set();
  const check = () => {
    const now = performance.now();
    if (marks.appMounted === null && document.querySelector('.app')) marks.appMounted = now;
    if (marks.firstNode === null && document.querySelector('.cluster-svg [data-node]')) marks.firstNode = now;
    if (marks.firstReplica === null && document.querySelector('.cluster-svg [data-replica]')) marks.firstReplica = now;
    if (marks.firstCell === null && document.querySelector('.ov-cell')) marks.firstCell = now;
    // An imported scenario: when the first of its nodes is drawn (a card or a cell).
    if (marks.watch && marks.watch.at === null && document.querySelector(marks.watch.sel)) marks.watch.at = now;
    if (marks.recording) {
      for (const g of document.querySelectorAll('[data-ghost-gang], .ov-gang.torndown')) {
        const id = g.getAttribute('data-ghost-gang') ?? g.getAttribute('data-gang');
        if (!seen.has(id)) { seen.add(id); marks.ghosts.push(now); }
      }
    }
  };
  // The wasm linear memory is not in the JS heap: keep the instance's memory to report its size.
  for (const name of ['instantiateStreaming', 'instantiate']) {
    const orig = WebAssembly[name];
    WebAssembly[name] = async function (...args) {
      const out = await orig.apply(this, args);
      const inst = out.instance ?? out;
      if (inst && inst.exports && inst.exports.memory) marks.wasmMemory = inst.exports.memory;
      return out;
    };
  }
  marks.wasmBytes = () => (marks.wasmMemory ? marks.wasmMemory.buffer.byteLength : null);
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
  // rAF recorder, started and stopped by the bench.
  marks.frames = [];
  marks.startFrames = () => {
    marks.frames = []; marks.recording = true;
    const tick = (ts) => { if (!marks.recording) return; marks.frames.push(ts); requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  };
  marks.stopFrames = () => { marks.recording = false; };
}

const median = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? null : Number(x.toFixed(d)));
const MB = (b) => (typeof b === "number" ? round(b / 1048576, 1) : null);

/** fps figures from rAF timestamps (ms), optionally only frames ending inside the given windows. */
function frameStats(ts, windows) {
  const gaps = [];
  for (let i = 1; i < ts.length; i++) {
    if (windows && !windows.some(([a, b]) => ts[i] >= a && ts[i] <= b)) continue;
    gaps.push(ts[i] - ts[i - 1]);
  }
  if (!gaps.length) return { frames: 0 };
  // fps per whole second of the recording, then the median and the worst second.
  const perSecond = new Map();
  for (let i = 1; i < ts.length; i++) {
    if (windows && !windows.some(([a, b]) => ts[i] >= a && ts[i] <= b)) continue;
    const sec = Math.floor((ts[i] - ts[0]) / 1000);
    perSecond.set(sec, (perSecond.get(sec) ?? 0) + 1);
  }
  const lastFull = Math.floor((ts[ts.length - 1] - ts[0]) / 1000); // drop the partial last second
  const fpsSeconds = [...perSecond].filter(([s]) => s < lastFull || windows).map(([, n]) => n);
  return {
    frames: gaps.length,
    fps_mean: round(1000 / (gaps.reduce((a, b) => a + b, 0) / gaps.length)),
    fps_median: round(1000 / median(gaps)),
    fps_worst_second: windows ? null : (fpsSeconds.length ? Math.min(...fpsSeconds) : null),
    longest_ms: round(Math.max(...gaps)),
    over_50ms: gaps.filter((g) => g > 50).length,
    over_33ms: gaps.filter((g) => g > 33.4).length,
  };
}

/** JS heap (CDP Runtime.getHeapUsage after a GC) and the wasm linear memory (which the JS heap does not hold). */
async function heap(cdp, page) {
  await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
  const { usedSize, totalSize } = await cdp.send('Runtime.getHeapUsage');
  const wasm = await page.evaluate(() => window.__bench.wasmBytes());
  return { used: usedSize, total: totalSize, wasm_memory: wasm };
}

const clockOf = (page) => page.locator('[data-testid=clock] .clock-t').textContent().then(parseFloat);

async function killGangMember(page) {
  // A RUNNING gang member away from the first nodes (w007 dies by the preset).
  const victim = await page.evaluate(() => {
    const els = [...document.querySelectorAll('.cluster-svg [data-replica][data-gang]')]
      .filter((e) => e.dataset.state === 'RUNNING');
    return els.length ? els[Math.floor(els.length / 2)].dataset.replica : null;
  });
  if (!victim) return null;
  // dispatchEvent: with 1,000 replicas the ghost links and the sticky toolbar cover parts of the SVG.
  await page.locator(`[data-replica="${victim}"]`).dispatchEvent('click');
  await page.waitForSelector('[data-testid=action-panel]');
  await page.locator('[data-testid=kill-replica]').dispatchEvent('click');
  await page.waitForSelector('[data-testid=action-panel]', { state: 'detached' }).catch(() => {});
  return victim;
}

async function killNode(page, node) {
  await page.locator(`[data-node="${node}"] .node-header`).dispatchEvent('click');
  await page.waitForSelector('[data-testid=action-panel]');
  await page.locator('[data-testid=kill-node]').dispatchEvent('click');
  await page.waitForSelector('[data-testid=action-panel]', { state: 'detached' }).catch(() => {});
}

/** Overview: open the node's group from its cell, kill it from its card, back to the overview. */
async function killNodeFromOverview(page, node) {
  await page.locator(`[data-cell="${node}"]`).dispatchEvent('click');
  await page.waitForSelector(`.cluster-svg [data-node="${node}"]`, { state: 'attached' });
  await killNode(page, node);
  await page.locator('[data-testid=overview-back]').dispatchEvent('click');
  await page.waitForSelector(`[data-cell="${node}"]`, { state: 'attached' });
}

/** A small seeded generator, so that every run seeks to the same points. */
function lcg(seed) {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

/** Clicks the scrub bar at fraction f; returns ms from pointerdown (in the page) to the first frame after the
 *  scrubber shows a new value, and the clock reached. */
async function timedSeek(page, f) {
  const before = await page.getAttribute('[data-testid=scrubber]', 'aria-valuenow');
  await page.evaluate((old) => {
    window.__seek = { t0: null, t1: null };
    const sc = document.querySelector('[data-testid=scrubber]');
    document.addEventListener('pointerdown', () => {
      window.__seek.t0 = performance.now();
      const poll = () => {
        if (sc.getAttribute('aria-valuenow') !== old) {
          requestAnimationFrame(() => { window.__seek.t1 = performance.now(); });
        } else requestAnimationFrame(poll);
      };
      // The seek runs inside the pointerdown handler; the new value is in the DOM after Yew's render.
      queueMicrotask(poll);
    }, { capture: true, once: true });
  }, before);
  // The bar sits under 100 node cards; the layout moves as the cluster changes, so scroll to it every time.
  await page.locator('[data-testid=scrubber]').scrollIntoViewIfNeeded();
  const box = await page.locator('[data-testid=scrubber]').boundingBox();
  await page.mouse.click(box.x + Math.min(box.width - 1, Math.max(1, box.width * f)), box.y + box.height / 2);
  await page.waitForFunction(() => window.__seek.t1 !== null, null, { timeout: 120_000 });
  const { t0, t1 } = await page.evaluate(() => window.__seek);
  return { ms: t1 - t0, clock: await clockOf(page) };
}

async function oneRun(server, run, kase) {
  const browser = await launchBrowser();
  try {
    return await measure(browser, server, run, kase);
  } finally {
    await browser.close();
  }
}

async function measure(browser, server, run, kase) {
  const [scenario, view] = kase.split(':');
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.addInitScript(pageProbe);
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const result = { run, case: kase };
  const drawn = view === 'overview' ? '.ov-cell' : '.cluster-svg [data-node]';

  // 1. Load.
  await page.goto(`${server.url}?preset=${scenario === 'huge' ? 'steady-pack' : PRESET}`);
  await page.waitForSelector('.cluster-svg [data-node], .ov-cell', { state: 'attached', timeout: 60_000 });
  if (scenario === 'huge') {
    // Imported through the page's import picker; first drawn is timed from the import.
    const first = view === 'overview' ? '[data-cell="r01-w001"]' : '.cluster-svg [data-node="r01-w001"]';
    await page.evaluate((sel) => { window.__bench.watch = { sel, from: performance.now(), at: null }; }, first);
    await page.locator('[data-testid=import-file]').setInputFiles({
      name: 'huge-cluster.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(hugeScenario({ untilS: 600 }))) });
    if (view === 'cards') await page.locator('[data-testid=show-cards]').click({ timeout: 60_000 }).catch(() => {});
    await page.waitForSelector(first, { state: 'attached', timeout: 120_000 });
  } else if (view === 'cards' && await page.$('[data-testid=show-cards]')) {
    await page.click('[data-testid=show-cards]');
  }
  await page.waitForSelector(drawn, { state: 'attached', timeout: 60_000 });
  await page.waitForTimeout(500);
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    const wasm = performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm'));
    const w = window.__bench.watch;
    return {
      first_node_ms: window.__bench.firstNode, first_replica_ms: window.__bench.firstReplica,
      first_cell_ms: window.__bench.firstCell, first_drawn_after_import_ms: w && w.at !== null ? w.at - w.from : null,
      app_mounted_ms: window.__bench.appMounted, dom_content_loaded_ms: n.domContentLoadedEventEnd,
      wasm_fetched_ms: wasm ? wasm.responseEnd : null,
      nodes: document.querySelectorAll('.cluster-svg [data-node]').length,
      cells: document.querySelectorAll('.ov-cell').length,
      replicas: document.querySelectorAll('.cluster-svg [data-replica]').length,
      dom_elements: document.getElementsByTagName('*').length,
    };
  });
  Object.assign(result, nav);
  result.first_drawn_ms = scenario === 'huge' ? nav.first_drawn_after_import_ms
    : (view === 'overview' ? nav.first_cell_ms : nav.first_node_ms);
  result.heap_after_load = await heap(cdp, page);

  // Playback stops at the scenario's end (60 s: 6 s of wall time at 10×): play a 10-minute copy of the preset.
  if (scenario !== 'huge') {
    const sc = JSON.parse(fs.readFileSync(path.join(ROOT, 'scenarios', 'presets', `${PRESET}.json`), 'utf8'));
    Object.assign(sc, { until_s: 600, name: 'Big cluster (page benchmark, 10 minutes)' });
    await page.locator('[data-testid=import-file]').setInputFiles({
      name: 'big-cluster-play.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(sc)) });
    await page.waitForFunction(() => document.body.textContent.includes('page benchmark, 10 minutes'), null, { timeout: 30_000 });
    await page.waitForSelector(drawn, { state: 'attached', timeout: 60_000 });
    await page.waitForTimeout(300);
  }

  // 2. Play at 10× with faults.
  await page.locator('[data-testid=speed]').fill('1'); // log10(speed) = 1 → 10×
  const speedText = await page.locator('.speed-value').textContent();
  await page.evaluate(() => window.__bench.startFrames());
  await page.click('[data-testid=play]');
  const t0 = Date.now();
  const faults = [];
  const at = (s) => new Promise((r) => setTimeout(r, Math.max(0, t0 + s * 1000 - Date.now())));
  if (view === 'cards') {
    await at(5);
    const victim = await killGangMember(page).catch((e) => { errors.push(`kill replica: ${e.message}`); return null; });
    faults.push({ kind: 'kill_replica', id: victim, sim_s: await clockOf(page) });
  }
  await at(10);
  const node = scenario === 'huge' ? 'r10-w025' : 'w050';
  const kill = view === 'overview' ? killNodeFromOverview(page, node) : killNode(page, node);
  await kill.catch((e) => errors.push(`kill node: ${e.message}`));
  faults.push({ kind: 'kill_node', id: node, sim_s: await clockOf(page) });
  await at(PLAY_S);
  await page.evaluate(() => window.__bench.stopFrames());
  const { frames, ghosts, perf } = await page.evaluate(() => ({ frames: window.__bench.frames, ghosts: window.__bench.ghosts,
    perf: window.__gpPerf }));
  result.speed = speedText;
  result.sim_s_reached = await clockOf(page);
  result.faults = faults;
  result.play = frameStats(frames);
  // When the worst frames happened (seconds after play was pressed; faults at ~5 s and ~10 s, w007 dies at ~2 s).
  // Each with the app's own split (src/ui/perf.rs) of the frame that ran in it: model_ms (the reducer: model step
  // and the views' refresh), render_ms (Yew: view functions, diff, DOM changes), other_ms (the rest of the gap:
  // style, layout, paint, GC, other tasks), and how many ClusterView / NodeCard / ReplicaToken renders it did.
  const split = (a, b) => {
    const rows = (perf ?? []).filter((r) => r[0] >= a && r[0] < b);
    if (!rows.length) return {};
    const model = rows.reduce((s, r) => s + r[1] - r[0], 0), render = rows.reduce((s, r) => s + r[2] - r[1], 0);
    return { model_ms: round(model), render_ms: round(render), other_ms: round(b - a - model - render),
      renders: rows.map((r) => `${r[3]}/${r[4]}/${r[5]}`).join(' '), cluster_view_ms: round(rows.reduce((s, r) => s + (r[6] ?? 0), 0)) };
  };
  result.worst_frames = frames.slice(1).map((t, i) => ({ at_s: round((t - frames[0]) / 1000, 2), ms: round(t - frames[i]),
    ...split(frames[i], t) })).sort((a, b) => b.ms - a.ms).slice(0, 8);
  if (perf && perf.length) {
    const inPlay = perf.filter((r) => r[0] >= frames[0]);
    const sum = (f) => round(inPlay.reduce((s, r) => s + f(r), 0));
    result.app_frames = { n: inPlay.length, model_ms_total: sum((r) => r[1] - r[0]), render_ms_total: sum((r) => r[2] - r[1]),
      card_renders_total: sum((r) => r[4]), cluster_view_ms_total: sum((r) => r[6] ?? 0), token_renders_total: sum((r) => r[5]),
      frames_with_card_renders: inPlay.filter((r) => r[4] > 0).length,
      max_cards_in_a_frame: Math.max(...inPlay.map((r) => r[4])) };
  }
  const windows = ghosts.map((g) => [g - 500, g + 1500]);
  result.teardowns_seen = ghosts.length;
  result.teardown = ghosts.length ? frameStats(frames, windows) : { frames: 0 };
  result.heap_after_play = await heap(cdp, page);
  const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  result.dom_nodes = metrics.Nodes;
  await page.click('[data-testid=play]'); // pause

  // 3. Seek in a 10-minute run (SKIP_SEEK=1 skips it).
  if (process.env.SKIP_SEEK !== '1' && kase === 'big:cards') try {
    const sc = JSON.parse(fs.readFileSync(path.join(ROOT, 'scenarios', 'presets', `${PRESET}.json`), 'utf8'));
    sc.until_s = 600;
    sc.name = 'Big cluster, 10 minutes (page benchmark)';
    await page.locator('[data-testid=import-file]').setInputFiles({
      name: 'big-cluster-600.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(sc)) });
    await page.waitForFunction(() => document.body.textContent.includes('Big cluster, 10 minutes'), null, { timeout: 30_000 });
    await page.waitForFunction(() => parseFloat(document.querySelector('[data-testid=clock] .clock-t').textContent) === 0);
    await page.locator('[data-testid=scrubber]').scrollIntoViewIfNeeded();
    const first = await timedSeek(page, 1.0);
    result.seek_first_run_to_end = { ms: round(first.ms), clock_s: first.clock };
    const rnd = lcg(6);
    const seeks = [];
    for (let i = 0; i < SEEKS; i++) {
      const s = await timedSeek(page, 0.02 + rnd() * 0.96);
      seeks.push(s.ms);
    }
    result.seek_random = { n: seeks.length, median_ms: round(median(seeks)), max_ms: round(Math.max(...seeks)),
      min_ms: round(Math.min(...seeks)) };
    result.heap_after_seeks = await heap(cdp, page);
  } catch (e) {
    errors.push(`seek: ${e.message}`);
  }
  result.errors = errors;
  return result;
}

function summary(runs, pick) {
  const xs = runs.map(pick).filter((x) => typeof x === 'number');
  if (!xs.length) return { median: null, min: null, max: null };
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

async function main() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    console.error(`${DIST}/index.html is missing: run bash scripts/bench-page.sh (it builds dist/ first)`);
    process.exit(2);
  }
  const server = await startServer();
  log(`page benchmark: cases ${CASES.join(', ')}; ${RUNS} runs of ${PLAY_S} s at 10×, ${SEEKS} seeks; Chromium ${CHROMIUM}`);
  const byCase = new Map(CASES.map((c) => [c, []]));
  try {
    for (const kase of CASES) {
      for (let i = 1; i <= RUNS; i++) {
        const r = await oneRun(server, i, kase);
        byCase.get(kase).push(r);
        console.log(JSON.stringify({ bench: 'page', ...r }));
      }
    }
  } finally {
    await server.close();
  }
  const rows = [
    ['first drawn (ms; from navigation, or the import)', (r) => r.first_drawn_ms, 0],
    ['first node card drawn (ms from navigation)', (r) => r.first_node_ms, 0],
    ['first overview cell drawn (ms from navigation)', (r) => r.first_cell_ms, 0],
    ['app mounted (ms from navigation)', (r) => r.app_mounted_ms, 0],
    ['wasm fetched (ms from navigation)', (r) => r.wasm_fetched_ms, 0],
    ['JS heap after load (MB)', (r) => r.heap_after_load && MB(r.heap_after_load.used), 1],
    ['play 10×: median fps', (r) => r.play.fps_median, 1],
    ['play 10×: mean fps', (r) => r.play.fps_mean, 1],
    ['play 10×: worst 1-second fps', (r) => r.play.fps_worst_second, 0],
    ['play 10×: longest frame (ms)', (r) => r.play.longest_ms, 1],
    ['play 10×: frames over 50 ms', (r) => r.play.over_50ms, 0],
    ['teardown windows: median fps', (r) => r.teardown.fps_median, 1],
    ['teardown windows: longest frame (ms)', (r) => r.teardown.longest_ms, 1],
    ['teardown windows: frames over 50 ms', (r) => r.teardown.over_50ms, 0],
    ['teardowns seen (ghost labels)', (r) => r.teardowns_seen, 0],
    ['simulated seconds reached', (r) => r.sim_s_reached, 1],
    ['JS heap after play (MB)', (r) => r.heap_after_play && MB(r.heap_after_play.used), 1],
    ['wasm memory after load (MB)', (r) => r.heap_after_load && MB(r.heap_after_load.wasm_memory), 1],
    ['wasm memory after play (MB)', (r) => r.heap_after_play && MB(r.heap_after_play.wasm_memory), 1],
    ['DOM nodes after play', (r) => r.dom_nodes, 0],
    ['seek: first run to 600 s (ms)', (r) => r.seek_first_run_to_end?.ms, 0],
    ['seek: random point, median (ms)', (r) => r.seek_random?.median_ms, 1],
    ['seek: random point, max (ms)', (r) => r.seek_random?.max_ms, 1],
    ['JS heap after seeks (MB)', (r) => r.heap_after_seeks && MB(r.heap_after_seeks.used), 1],
    ['wasm memory after seeks (MB)', (r) => r.heap_after_seeks && MB(r.heap_after_seeks.wasm_memory), 1],
  ];
  const runsAll = [];
  for (const [kase, runs] of byCase) {
    runsAll.push(...runs);
    if (!JSON_ONLY) console.log(`\n==== ${kase}`);
    if (!JSON_ONLY) console.log(`${'metric'.padEnd(44)} ${'median'.padStart(9)}   [min … max] over ${runs.length} runs`);
    for (const [name, pick, d] of rows) {
      const s = summary(runs, pick);
      if (s.median === null) continue;
      console.log(JSON.stringify({ bench: 'page-summary', case: kase, metric: name, runs: runs.length, ...s }));
      if (!JSON_ONLY) {
        const f = (x) => (x === null ? '—' : x.toFixed(d));
        console.log(`${name.padEnd(44)} ${f(s.median).padStart(9)}   [${f(s.min)} … ${f(s.max)}]`);
      }
    }
  }
  const errs = runsAll.flatMap((r) => r.errors);
  if (errs.length) console.error(`page errors/warnings during the runs:\n  ${errs.join('\n  ')}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
