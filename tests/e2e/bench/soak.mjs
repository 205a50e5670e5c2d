// Long-session benchmark (issue 16, "Long sessions"): the big cluster played at 100× for SOAK_MIN minutes with a
// fault injected through the UI every FAULT_S seconds. NOT a node:test file (no `.test.` in its name); it prints
// figures and never asserts. The e2e suite's short version is ../soak.test.mjs (it imports `Soak` from here).
//
//   cd tests/e2e && DIST_DIR=/tmp/soak-dist node bench/soak.mjs     # or: bash scripts/bench-soak.sh
//
// Environment: SOAK_MIN (default 60), FAULT_S (default 3), SAMPLE_S (default 30), DIST_DIR / CHROMIUM as in
// ../harness.mjs, JSON_ONLY=1 for the JSON lines only, NODE_KILLS=0 for a mix without node kills (the cluster then
// does not grow: each node kill leaves a dead node).
// A dist built with `trunk build --features alloc-stats` also reports the wasm heap's live bytes (live_mb,
// peak_live_mb, live_blocks: src/ui/alloc_stats.rs), which tell a leak from the allocator's high-water mark.
//
// What it does: `?preset=big-cluster` (100 nodes, 1,000 replicas), then the same preset with until_s = 400,000
// (playback stops at a scenario's end) imported through the import picker; speed 100× (the slider at its top,
// log10 = 2); play. Faults, in turn, all through the page as a user would: from the overview, open a live node's
// group (its cell) and kill a RUNNING replica on it, or fail its health checks (3 times), or (one fault in 8) kill
// the node; after a node kill, the next fault adds a node back (the "Faults" button → Add a node, with the id it
// proposes), so the cluster keeps 100 live workers. Back to the overview after each. (Builds without the overview:
// the same on the node cards.)
// No ElementHandle is ever taken (page.$, waitForSelector): a handle keeps its element alive, and with it the whole
// detached tree once the view changes, which showed as a DOM "leak" of ~5,000 nodes per fault that was the
// benchmark's own (locators hold no element).
// Every SAMPLE_S seconds: wall and simulated time, JS heap after a forced GC (CDP HeapProfiler.collectGarbage,
// Runtime.getHeapUsage), the wasm linear memory (memory.buffer.byteLength: a high-water mark, wasm memory never
// shrinks), DOM nodes (CDP Performance.getMetrics), the event counts the event log shows, the checkpoints, a
// click on Pause→Play timed to the next animation frame, and frame times (median, p95) over the last SAMPLE_S.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser, ROOT, DIST, CHROMIUM } from '../harness.mjs';

const PRESET = 'big-cluster';
// The e2e soak (../soak.test.mjs) uses the default mix, node kills included.
const NODE_KILLS = process.env.NODE_KILLS !== '0';

/** Runs in the page before its scripts: keeps the wasm memory, and a rAF recorder of the last 60 s of frames. */
function soakProbe() {
  const marks = { frames: [], wasmMemory: null };
  window.__soak = marks;
  for (const name of ['instantiateStreaming', 'instantiate']) {
    const orig = WebAssembly[name];
    WebAssembly[name] = async function (...args) {
      const out = await orig.apply(this, args);
      const inst = out.instance ?? out;
      // The app's module has the bigger memory (the import worker's lives in its own worker).
      if (inst && inst.exports && inst.exports.memory) marks.wasmMemory = marks.wasmMemory ?? inst.exports.memory;
      return out;
    };
  }
  marks.wasmBytes = () => {
    // wasm-bindgen's glue also exposes the module's exports (window.wasmBindings) once the app runs.
    const m = (window.wasmBindings && window.wasmBindings.memory) || marks.wasmMemory;
    return m ? m.buffer.byteLength : null;
  };
  const tick = (ts) => {
    marks.frames.push(ts);
    if (marks.frames.length > 4000) marks.frames.splice(0, marks.frames.length - 3600);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  /** Frame gaps (ms) of the frames of the last `s` seconds: median and p95. */
  marks.frameStats = (s) => {
    const f = marks.frames;
    const from = performance.now() - s * 1000;
    const gaps = [];
    for (let i = 1; i < f.length; i++) if (f[i] >= from) gaps.push(f[i] - f[i - 1]);
    gaps.sort((a, b) => a - b);
    const q = (p) => (gaps.length ? gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))] : null);
    return { frames: gaps.length, median_ms: q(0.5), p95_ms: q(0.95), max_ms: gaps.length ? gaps[gaps.length - 1] : null };
  };
}

const round = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? null : Number(x.toFixed(d)));
const MB = (b) => (typeof b === 'number' ? round(b / 1048576, 1) : null);
const clockOf = (page) => page.locator('[data-testid=clock] .clock-t').textContent().then(parseFloat);

/** One long session on an open page. `fault()` injects the next fault; `sample()` takes the figures. */
export class Soak {
  constructor(page, cdp) {
    this.page = page;
    this.cdp = cdp;
    this.n = 0;
    this.addBack = 0;
    this.faults = { kill_replica: 0, fail_health_check: 0, kill_node: 0, add_node: 0, failed: 0 };
    this.errors = [];
  }

  static probe = soakProbe;

  /** The big cluster with until_s = 400,000, at 100×, playing. */
  async start() {
    const { page } = this;
    await page.locator('.ov-cell, .cluster-svg [data-node]').first().waitFor({ state: 'attached', timeout: 60_000 });
    const sc = JSON.parse(fs.readFileSync(path.join(ROOT, 'scenarios', 'presets', `${PRESET}.json`), 'utf8'));
    Object.assign(sc, { until_s: 400_000, name: 'Big cluster (soak)' });
    await page.locator('[data-testid=import-file]').setInputFiles({
      name: 'big-cluster-soak.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(sc)) });
    await page.waitForFunction(() => document.body.textContent.includes('Big cluster (soak)'), null, { timeout: 30_000 });
    await page.locator('.ov-cell, .cluster-svg [data-node]').first().waitFor({ state: 'attached', timeout: 60_000 });
    this.overview = (await page.locator('.ov-cell').count()) > 0;
    await page.locator('[data-testid=speed]').fill('2');
    await page.click('[data-testid=play]');
    this.t0 = Date.now();
  }

  async closePanel() {
    if (await this.page.locator('[data-testid=action-panel]').count()) {
      await this.page.keyboard.press('Escape');
      await this.page.locator('[data-testid=action-panel]').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => {});
    }
  }

  /** Click the action `testid` in the panel that is open; wait for the panel to go. */
  async act(testid) {
    const { page } = this;
    await page.locator('[data-testid=action-panel]').first().waitFor({ timeout: 10_000 });
    await page.locator(`[data-testid=${testid}]`).dispatchEvent('click', undefined, { timeout: 10_000 });
    await page.locator('[data-testid=action-panel]').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => {});
  }

  /** Open a live node's group from the overview (or pick a live card without one); returns its id (or null). */
  async openLiveNode() {
    const { page } = this;
    if (!this.overview) {
      return page.evaluate((n) => {
        const cards = [...document.querySelectorAll('.cluster-svg .node-card[data-node]:not(.head):not(.dead):not(.killed)')];
        return cards.length ? cards[(n * 37) % cards.length].dataset.node : null;
      }, this.n);
    }
    const id = await page.evaluate((n) => {
      const cells = [...document.querySelectorAll('.ov-cell[data-health=alive]:not(.head)')];
      return cells.length ? cells[(n * 37) % cells.length].dataset.cell : null;
    }, this.n);
    if (!id) return null;
    await page.locator(`[data-cell="${id}"]`).dispatchEvent('click');
    await page.locator(`.cluster-svg [data-node="${id}"]`).first().waitFor({ state: 'attached', timeout: 15_000 });
    return id;
  }

  async backToOverview() {
    if (!this.overview) return;
    const back = this.page.locator('[data-testid=overview-back]');
    if (await back.count()) {
      await back.first().dispatchEvent('click');
      await this.page.locator('.ov-cell').first().waitFor({ state: 'attached', timeout: 15_000 });
    }
  }

  /** The next fault of a cycle of 8: kill a replica or fail its health checks (7 of 8), kill a node; after a node
   *  kill, add one. (A dead node keeps its cell, as Ray's GCS keeps dead nodes: node kills grow the cluster by one
   *  each, so they are the rarer fault.) */
  async fault() {
    const { page } = this;
    this.n += 1;
    let kind;
    try {
      await this.closePanel();
      if (this.addBack > 0) {
        kind = 'add_node';
        await page.locator('[data-testid=faults]').dispatchEvent('click');
        await this.act('add-node');
        this.addBack -= 1;
      } else {
        kind = this.n % 8 === 0 && NODE_KILLS ? 'kill_node' : ['kill_replica', 'fail_health_check'][this.n % 2];
        const node = await this.openLiveNode();
        if (!node) throw new Error('no live node in the overview');
        if (kind === 'kill_node') {
          await page.locator(`[data-node="${node}"] .node-header`).dispatchEvent('click');
          await this.act('kill-node');
          this.addBack += 1;
        } else {
          const replica = await page.evaluate((node) => {
            const card = document.querySelector(`.cluster-svg .node-card[data-node="${node}"]`);
            const rs = [...(card ?? document).querySelectorAll('[data-replica]')].filter((e) => e.dataset.state === 'RUNNING');
            return rs.length ? rs[0].dataset.replica : null;
          }, node);
          if (!replica) {
            kind = 'none_running';
          } else {
            await page.locator(`[data-replica="${replica}"]`).first().dispatchEvent('click');
            await this.act(kind === 'kill_replica' ? 'kill-replica' : 'fail-hc');
          }
        }
        await this.backToOverview();
      }
      this.faults[kind] = (this.faults[kind] ?? 0) + 1;
    } catch (e) {
      this.faults.failed += 1;
      this.errors.push(`fault ${this.n} (${kind}): ${e.message.split('\n')[0]}`);
      await this.closePanel().catch(() => {});
      await this.backToOverview().catch(() => {});
    }
    return kind;
  }

  /** ms from a click on Pause (then on Play) to the next animation frame after it; the clock must have moved on. */
  async clickLatency() {
    const { page } = this;
    const one = async () => {
      await page.evaluate(() => {
        window.__click = { t0: null, t1: null };
        document.addEventListener('click', () => {
          window.__click.t0 = performance.now();
          requestAnimationFrame(() => { window.__click.t1 = performance.now(); });
        }, { capture: true, once: true });
      });
      await page.click('[data-testid=play]');
      await page.waitForFunction(() => window.__click.t1 !== null, null, { timeout: 60_000 });
      return page.evaluate(() => window.__click.t1 - window.__click.t0);
    };
    const pause = await one();
    const play = await one();
    return { pause_ms: round(pause), play_ms: round(play) };
  }

  /** The event counts as the event log states them ("… of N events", "(N in all)"), and its note on dropped events. */
  async eventCounts() {
    return this.page.evaluate(() => {
      const text = document.querySelector('.event-log .log-count')?.textContent ?? '';
      const all = text.match(/\(([\d,]+) in all\)/) ?? text.match(/of ([\d,]+) events/);
      const kept = document.querySelector('[data-testid=log-kept]');
      return { shown_total: all ? Number(all[1].replace(/,/g, '')) : null, rows: document.querySelectorAll('.event-log ol.events > li').length,
        kept_note: kept ? kept.textContent : null };
    });
  }

  async sample() {
    const { page, cdp } = this;
    const frames = await page.evaluate(() => window.__soak.frameStats(30));
    const click = await this.clickLatency();
    await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const wasm = await page.evaluate(() => window.__soak.wasmBytes());
    const heap = await page.evaluate(() => window.wasmBindings?.gangplank_alloc_stats?.() ?? null);
    const events = await this.eventCounts();
    const banner = (await page.locator('[data-testid=violations]').count()) > 0;
    return {
      wall_s: round((Date.now() - this.t0) / 1000, 0), sim_s: await clockOf(page),
      js_heap_mb: MB(usedSize), wasm_mb: MB(wasm),
      ...(heap ? { live_mb: MB(heap[0]), peak_live_mb: MB(heap[1]), live_blocks: heap[2] } : {}), dom_nodes: metrics.Nodes, listeners: metrics.JSEventListeners,
      events_total: events.shown_total, log_rows: events.rows, log_kept_note: events.kept_note,
      click_pause_ms: click.pause_ms, click_play_ms: click.play_ms,
      frame_median_ms: round(frames.median_ms), frame_p95_ms: round(frames.p95_ms), frame_max_ms: round(frames.max_ms),
      frames_30s: frames.frames, violation_banner: Boolean(banner), faults: { ...this.faults },
    };
  }
}

async function main() {
  const SOAK_MIN = Number(process.env.SOAK_MIN ?? 60);
  const FAULT_S = Number(process.env.FAULT_S ?? 3);
  const SAMPLE_S = Number(process.env.SAMPLE_S ?? 30);
  const JSON_ONLY = process.env.JSON_ONLY === '1';
  const log = (...a) => { if (!JSON_ONLY) console.error(...a); };
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    console.error(`${DIST}/index.html is missing: build first (see scripts/bench-soak.sh)`);
    process.exit(2);
  }
  const server = await startServer();
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`uncaught: ${e}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  await page.addInitScript(soakProbe);
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Performance.enable');
  log(`soak: ${SOAK_MIN} min at 100×, a fault every ${FAULT_S} s, a sample every ${SAMPLE_S} s; Chromium ${CHROMIUM}; dist ${DIST}`);
  const rows = [];
  try {
    await page.goto(`${server.url}?preset=${PRESET}`);
    const soak = new Soak(page, cdp);
    await soak.start();
    const first = { bench: 'soak', ...(await soak.sample()) };
    rows.push(first);
    console.log(JSON.stringify(first));
    let nextSample = SAMPLE_S;
    while ((Date.now() - soak.t0) / 1000 < SOAK_MIN * 60) {
      const due = soak.t0 + (soak.n + 1) * FAULT_S * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      await soak.fault();
      if ((Date.now() - soak.t0) / 1000 >= nextSample) {
        nextSample += SAMPLE_S;
        const s = { bench: 'soak', ...(await soak.sample()), problems: problems.length };
        rows.push(s);
        console.log(JSON.stringify(s));
      }
    }
    const last = { bench: 'soak-end', ...(await soak.sample()), problems, fault_errors: soak.errors.slice(0, 20),
      fault_errors_n: soak.errors.length };
    console.log(JSON.stringify(last));
    rows.push(last);
  } finally {
    await browser.close();
    await server.close();
  }
  if (!JSON_ONLY) {
    const cols = ['wall_s', 'sim_s', 'js_heap_mb', 'wasm_mb', ...(rows[0]?.live_mb !== undefined ? ['live_mb'] : []), 'dom_nodes', 'events_total', 'click_pause_ms', 'click_play_ms',
      'frame_median_ms', 'frame_p95_ms'];
    console.log(`\n${cols.map((c) => c.padStart(15)).join('')}`);
    for (const r of rows) console.log(cols.map((c) => String(r[c] ?? '—').padStart(15)).join(''));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main().catch((e) => { console.error(e); process.exit(1); });
