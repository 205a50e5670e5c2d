// Chromium trace of the page benchmark's playback (big-cluster at 10×, the same kill replica / kill node), split
// by what the renderer's main thread did in each long frame. NOT a node:test file; prints JSON, asserts nothing.
//
//   node tests/e2e/bench/trace.mjs      # PLAY_S (default 12), TRACE_OUT (keep the raw trace JSON there)
//
// For every gap between animation frames over 50 ms it prints the main thread's time by category: script
// (wasm: the model and Yew), style (UpdateLayoutTree / RecalcStyle), layout, paint (Paint, PrePaint, Layerize,
// commit), gc, and other.
import fs from 'node:fs';
import { startServer, launchBrowser } from '../harness.mjs';

const PLAY_S = Number(process.env.PLAY_S ?? 12);
const CATS = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink.user_timing', 'toplevel'];
const KIND = {
  FunctionCall: 'script', EvaluateScript: 'script', FireAnimationFrame: 'script', 'v8.callFunction': 'script',
  RunMicrotasks: 'script', EventDispatch: 'script', TimerFire: 'script', V8Console: 'script',
  UpdateLayoutTree: 'style', RecalculateStyles: 'style', ParseAuthorStyleSheet: 'style',
  Layout: 'layout', PrePaint: 'paint', Paint: 'paint', Layerize: 'paint', Commit: 'paint', UpdateLayer: 'paint',
  'MajorGC': 'gc', 'MinorGC': 'gc', 'V8.GC_SCAVENGER': 'gc', 'BlinkGC.AtomicPhase': 'gc', HitTest: 'other',
};

async function main() {
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}?preset=big-cluster`);
    // The big cluster opens in the overview (issue 14): this trace is of the node cards.
    await page.waitForSelector('.cluster-svg [data-node], [data-testid=show-cards]', { state: 'attached', timeout: 60_000 });
    if (await page.$('[data-testid=show-cards]')) await page.click('[data-testid=show-cards]');
    await page.waitForSelector('.cluster-svg [data-node]', { state: 'attached', timeout: 60_000 });
    await page.waitForTimeout(500);
    const cdp = await browser.context.newCDPSession(page);
    const events = [];
    cdp.on('Tracing.dataCollected', (d) => events.push(...d.value));
    const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.start', { traceConfig: { includedCategories: CATS }, transferMode: 'ReportEvents' });
    await page.locator('[data-testid=speed]').fill('1');
    const sync = await page.evaluate(() => {
      window.__frames = []; const f = (t) => { window.__frames.push(t); requestAnimationFrame(f); }; requestAnimationFrame(f);
      return performance.mark('gp-sync').startTime; // in the trace too: maps page time to trace time
    });
    await page.click('[data-testid=play]');
    const t0 = Date.now();
    const at = (s) => new Promise((r) => setTimeout(r, Math.max(0, t0 + s * 1000 - Date.now())));
    await at(5);
    const victim = await page.evaluate(() => {
      const els = [...document.querySelectorAll('.cluster-svg [data-replica][data-gang]')].filter((e) => e.dataset.state === 'RUNNING');
      return els.length ? els[Math.floor(els.length / 2)].dataset.replica : null;
    });
    if (victim) {
      await page.locator(`[data-replica="${victim}"]`).dispatchEvent('click');
      await page.locator('[data-testid=kill-replica]').dispatchEvent('click');
    }
    await at(10);
    await page.locator('[data-node="w050"] .node-header').dispatchEvent('click');
    await page.locator('[data-testid=kill-node]').dispatchEvent('click');
    await at(PLAY_S);
    await cdp.send('Tracing.end');
    await done;
    if (process.env.TRACE_OUT) fs.writeFileSync(process.env.TRACE_OUT, JSON.stringify({ traceEvents: events }));
    // The renderer main thread: the thread of the FireAnimationFrame events.
    const faf = events.find((e) => e.name === 'FireAnimationFrame');
    const main = events.filter((e) => e.pid === faf.pid && e.tid === faf.tid && e.ph === 'X' && e.dur);
    main.sort((a, b) => a.ts - b.ts);
    // Top-level-ish: count each event's self time by kind (nested events subtract from their parent).
    const frames = await page.evaluate(() => window.__frames);
    const mark = events.find((e) => e.name === 'gp-sync');
    const start = mark.ts / 1000 - sync; // trace ms - page ms
    const selfTime = (from, to) => {
      const out = {};
      const inWin = main.filter((e) => e.ts / 1000 >= from && e.ts / 1000 < to);
      const stack = [];
      for (const e of inWin) {
        while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
        const k = KIND[e.name] ?? null;
        if (stack.length && k) { const p = stack[stack.length - 1]; out[p.k] = (out[p.k] ?? 0) - e.dur / 1000; }
        if (k) { out[k] = (out[k] ?? 0) + e.dur / 1000; stack.push({ ts: e.ts, dur: e.dur, k }); }
      }
      for (const k in out) out[k] = Math.round(out[k] * 10) / 10;
      return out;
    };
    const long = [];
    for (let i = 1; i < frames.length; i++) {
      const gap = frames[i] - frames[i - 1];
      if (gap > 50) long.push({ at_s: Math.round((frames[i] - frames[0]) / 10) / 100, ms: Math.round(gap), ...selfTime(frames[i - 1] + start, frames[i] + start) });
    }
    const total = selfTime(frames[0] + start, frames[frames.length - 1] + start);
    console.log(JSON.stringify({ bench: 'trace', frames: frames.length, over_50: long.length, total_main_thread_ms: total }));
    for (const l of long) console.log(JSON.stringify(l));
  } finally {
    await browser.close();
    await server.close();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
