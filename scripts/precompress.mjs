// Part of the Trunk post_build hook (scripts/post-build.mjs), release builds only: writes `FILE.br` (brotli, quality
// 11) and `FILE.gz` (gzip -9) beside each of the app's wasm, JS, CSS, SVG and HTML files, for hosts that serve
// precompressed files (nginx `brotli_static` / `gzip_static`, Caddy `file_server { precompressed br gzip }`, …).
// A host that compresses on the fly sends gzip at level 6 (1.08 MB of wasm); brotli 11 sends 0.82 MB, about a quarter
// less on the first load's critical path (BENCHMARKS-PAGE.md, "First load"). Hosts that ignore the files lose nothing.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const COMPRESSIBLE = /\.(wasm|js|css|svg|html)$/;

/** Writes the `.br` and `.gz` of every compressible file in `dir` (not in subfolders); returns what it wrote. */
export function precompress(dir) {
  const written = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (!COMPRESSIBLE.test(name) || !statSync(file).isFile()) continue;
    const body = readFileSync(file);
    const br = brotliCompressSync(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    });
    writeFileSync(`${file}.br`, br);
    writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
    written.push({ name, raw: body.length, br: br.length });
  }
  return written;
}
