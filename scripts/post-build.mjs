#!/usr/bin/env node
// Trunk post_build hook (Trunk.toml), in one process because Trunk starts a stage's hooks together and two hooks
// rewriting index.html would race: the inline scripts' hashes into the Content-Security-Policy (csp-hash.mjs; first, so
// that the lines it names are the file's), then the preloads to the top of <head> (preload-first.mjs; moving links
// changes no script text, so the hashes hold). Fails (exit 1, saying what and where, the file left as it was) rather
// than ship a page that would not start or whose wasm is not preloaded first. In release builds it then writes
// precompressed copies of the files (precompress.mjs; `trunk serve` rebuilds skip it: brotli 11 takes seconds).
//
//   node scripts/post-build.mjs [FILE]   FILE defaults to $TRUNK_STAGING_DIR/index.html
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashInlineScripts } from './csp-hash.mjs';
import { precompress } from './precompress.mjs';
import { preloadFirst } from './preload-first.mjs';

const file = process.argv[2] ?? (process.env.TRUNK_STAGING_DIR && join(process.env.TRUNK_STAGING_DIR, 'index.html'));
if (!file) {
  console.error('post-build: no file: pass one, or run as a Trunk hook (TRUNK_STAGING_DIR)');
  process.exit(2);
}
try {
  const csp = hashInlineScripts(readFileSync(file, 'utf8'), { file, publicUrl: process.env.TRUNK_PUBLIC_URL });
  const pre = preloadFirst(csp.html, { file });
  writeFileSync(file, pre.html);
  console.log(`post-build: ${file}: ${pre.moved} preload(s) moved to the top of <head>; ` +
    `${csp.hashes.length} inline script(s) allowed by hash: ${csp.hashes.join(' ')}`);
  if (process.env.TRUNK_PROFILE === 'release' && process.env.TRUNK_STAGING_DIR) {
    const written = precompress(process.env.TRUNK_STAGING_DIR);
    const wasm = written.filter((w) => w.name.endsWith('.wasm')).map((w) => `${w.name} ${w.raw} B -> ${w.br} B brotli`);
    console.log(`post-build: ${written.length} file(s) precompressed (.br, .gz): ${wasm.join(', ')}`);
  }
} catch (e) {
  console.error(`post-build FAILED: ${e.message}`);
  process.exit(1);
}
