// The model benchmark in the browser: times `run_scenario` of src/bin/gangplank-wasm-bench.rs (release profile,
// wasm-opt -Oz: the app bundle's settings) in headless Chromium. Run through scripts/bench-wasm-model.sh, which
// builds the module and writes the scenarios into BENCH_DIR. Not a `node --test` file: the e2e suite ignores it.
//
// Env: BENCH_DIR (module + <case>.json), CASES (space-separated), RUNS (default 3), CHECKER ("on off" by default).
// Prints a table (median and [min … max] of the runs) and JSON lines.
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser } from '../harness.mjs';

const DIR = path.resolve(process.env.BENCH_DIR ?? '');
const CASES = (process.env.CASES ?? '1x-faults 10x-faults').split(/\s+/).filter(Boolean);
const RUNS = Number(process.env.RUNS ?? 3);
const CHECKER = (process.env.CHECKER ?? 'on off').split(/\s+/).filter(Boolean);

fs.writeFileSync(path.join(DIR, 'index.html'), '<!doctype html><meta charset="utf-8"><title>model bench</title>\n');
const server = await startServer({ dir: DIR });
const browser = await launchBrowser();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const page = await browser.context.newPage();
  await page.goto(server.url);
  await page.evaluate(async () => {
    const m = await import('./model_bench.js');
    await m.default();
    window.__bench = m;
  });
  console.log(`${'case'.padEnd(12)} ${'checker'.padEnd(8)} ${'wall s (median [min … max])'.padEnd(30)} ${'sim s / wall s'.padStart(15)} ${'events'.padStart(9)} ${'steps'.padStart(7)}`);
  for (const c of CASES) {
    const json = fs.readFileSync(path.join(DIR, `${c}.json`), 'utf8');
    for (const checker of CHECKER) {
      const walls = [];
      let run;
      for (let i = 0; i < RUNS; i++) {
        run = await page.evaluate(({ json, on }) => {
          const t0 = performance.now();
          const out = JSON.parse(window.__bench.run_scenario(json, on));
          return { ...out, wall_s: (performance.now() - t0) / 1000 };
        }, { json, on: checker === 'on' });
        if (run.error) throw new Error(`${c}: ${run.error}`);
        walls.push(run.wall_s);
        console.log(JSON.stringify({ bench: 'wasm-model', case: c, invariant_checks: checker === 'on', run: i + 1,
          wall_s: +run.wall_s.toFixed(4), sim_s: run.sim_s, sim_s_per_wall_s: +(run.sim_s / run.wall_s).toFixed(1),
          events: run.events, steps: run.steps, ticks: run.ticks, violations: run.violations }));
      }
      const m = median(walls);
      const range = `${m.toFixed(3)} [${Math.min(...walls).toFixed(3)} … ${Math.max(...walls).toFixed(3)}]`;
      console.log(`${c.padEnd(12)} ${checker.padEnd(8)} ${range.padEnd(30)} ${(run.sim_s / m).toFixed(0).padStart(15)} ${String(run.events).padStart(9)} ${String(run.steps).padStart(7)}`);
    }
  }
} finally {
  await browser.close();
  await server.close();
}
