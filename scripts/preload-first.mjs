// Part of the Trunk post_build hook (scripts/post-build.mjs): moves Trunk's preloads of the app's wasm and its JS
// glue to the top of <head>, right after the Content-Security-Policy meta, so the browser asks for the wasm first.
//
// Why: Trunk appends `<link rel="modulepreload" …gangplank-….js>` and `<link rel="preload" …_bg.wasm as="fetch">` at
// the end of <head>, after the stylesheets and the synchronous static/boot.js. Measured on a 10 Mbit/s, 40 ms link
// (tests/e2e/bench/first-load.mjs, BENCHMARKS-PAGE.md "First load"), Chromium then starts the wasm download only once
// boot.js has arrived, 150 – 350 ms after the HTML; from the top of <head> it starts with the HTML's first bytes. The
// wasm is ~97 % of what crosses the link before the cluster can be drawn, so that wait is the first load's to lose.
// After the CSP meta (not before): the policy covers these fetches too.
//
// It throws (the hook then fails the build, saying what) rather than ship a page whose wasm is not preloaded where we think: no CSP meta, or
// not exactly one wasm preload (a worker's wasm is fetched by the worker, on demand, and is never preloaded).
/** `html` with the app's wasm and glue preloads moved to just after the CSP meta; throws an Error naming the problem. */
export function preloadFirst(html, { file = 'index.html' } = {}) {
  const meta = /<meta\s+http-equiv=["']Content-Security-Policy["'][^>]*>/i.exec(html);
  if (!meta) throw new Error(`${file}: no <meta http-equiv="Content-Security-Policy"> to put the preloads after`);
  const links = [...html.matchAll(/<link\b[^>]*\brel=["']?(?:modulepreload|preload)\b[^>]*>/gi)].map((m) => m[0]);
  const wasm = links.filter((l) => /\bhref=["'][^"']*\.wasm["']/i.test(l));
  if (wasm.length !== 1) {
    throw new Error(`${file}: expected one <link rel="preload"> of the app's wasm, found ${wasm.length}: did Trunk change how it emits it?`);
  }
  const glue = links.filter((l) => /\brel=["']?modulepreload\b/i.test(l) && /\bhref=["'][^"']*\.js["']/i.test(l));
  const moved = [...glue, ...wasm]; // the small glue first: it runs init, which then awaits the wasm
  let out = html;
  for (const l of moved) out = out.replace(l, '');
  const at = out.indexOf(meta[0]) + meta[0].length;
  return { html: `${out.slice(0, at)}\n    ${moved.join('\n    ')}${out.slice(at)}`, moved: moved.length };
}
