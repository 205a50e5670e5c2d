// Part of the Trunk post_build hook (scripts/post-build.mjs): writes the sha256 hashes of the built index.html's
// inline scripts into its Content-Security-Policy meta, in place of CSP_SCRIPT_HASHES. Static hosts cannot add
// nonces, so the one inline script the page needs, Trunk's module loader (`<script type="module">import init … from
// './gangplank-….js'`), is allowed by its hash. Under `trunk serve` Trunk also inlines its live-reload script, whose
// host and path it fills in per request; this pins them first (the page's own host, the serve base), so the hashed
// text is what is served.
//
// It throws (the hook then fails the build, saying what and where) rather than ship a page that would not start: no
// CSP meta or no placeholder, the meta after a script, no loader found, any other inline script, a <style> element or
// an inline event handler (the policy refuses those; move them to a file).
import { createHash } from 'node:crypto';

const PLACEHOLDER = 'CSP_SCRIPT_HASHES';

/** The path part of Trunk's public URL, as `trunk serve` derives its WebSocket base from it: "/", "/app/". */
export function serveBase(publicUrl) {
  let path = publicUrl || '/';
  try {
    path = new URL(path).pathname; // an absolute URL: its path
  } catch {
    // a path: "./", "/app", "app/"
  }
  if (path.startsWith('.')) path = path.slice(1);
  if (!path.startsWith('/')) path = `/${path}`;
  if (!path.endsWith('/')) path += '/';
  return path;
}

/** `html` with its inline scripts' hashes in the CSP meta; throws an Error naming the problem otherwise. */
export function hashInlineScripts(html, { file = 'index.html', publicUrl = '/' } = {}) {
  const meta = /<meta\s+http-equiv=["']Content-Security-Policy["'][^>]*>/i.exec(html);
  if (!meta) throw new Error(`${file}: no <meta http-equiv="Content-Security-Policy"> to write the hashes into`);
  if (!meta[0].includes(PLACEHOLDER)) {
    throw new Error(`${file}: the Content-Security-Policy meta has no ${PLACEHOLDER} placeholder (hashed twice?)`);
  }
  const firstScript = html.search(/<script\b/i);
  if (firstScript !== -1 && firstScript < meta.index) {
    throw new Error(`${file}: the Content-Security-Policy meta must come before the first <script> (line ${lineOf(html, firstScript)})`);
  }
  // Markup only: comments and script text blanked (newlines kept, for line numbers).
  const blank = (m) => m.replace(/[^\n]/g, ' ');
  const markup = html.replace(/<!--[\s\S]*?-->/g, blank).replace(/(<script\b[^>]*>)([\s\S]*?)(?=<\/script)/gi, (_, o, t) => o + blank(t));
  const style = /<style\b/i.exec(markup);
  if (style) throw new Error(`${file}: an inline <style> element at line ${lineOf(html, style.index)}: the policy refuses it; use a stylesheet file`);
  const handler = /<[a-z][^>]*\son[a-z]+\s*=/i.exec(markup);
  if (handler) throw new Error(`${file}: an inline event handler (on…=) at line ${lineOf(html, handler.index)}: the policy refuses it; use addEventListener in a file`);

  const hashes = [];
  let loaders = 0;
  const out = html.replace(/(<script\b([^>]*)>)([\s\S]*?)(<\/script\s*>)/gi, (whole, open, attrs, text, close, at) => {
    if (/\ssrc\s*=/i.test(` ${attrs}`)) {
      if (text.trim()) throw new Error(`${file}: a <script src> with text inside at line ${lineOf(html, at)}`);
      return whole;
    }
    let body = text;
    if (/^\s*module\s*$/i.test(attrValue(attrs, 'type') ?? '') && /\bimport\s+init\b[^;]*\bfrom\s*['"][^'"]+\.js['"]/.test(text)) {
      loaders += 1;
    } else if (text.includes('{{__TRUNK_ADDRESS__}}') || text.includes('{{__TRUNK_WS_BASE__}}')) {
      // Trunk's live reload (`trunk serve` only): fill in what Trunk would fill per request, so the text is fixed.
      // window.location.host is Trunk's own fallback when a request has no Host header.
      body = text
        .replaceAll("'{{__TRUNK_ADDRESS__}}'", 'window.location.host')
        .replaceAll('`{{__TRUNK_ADDRESS__}}`', 'window.location.host')
        .replaceAll('{{__TRUNK_WS_BASE__}}', serveBase(publicUrl));
      if (body.includes('{{__TRUNK_')) throw new Error(`${file}: Trunk's reload script has a placeholder this hook does not know (line ${lineOf(html, at)})`);
    } else {
      throw new Error(`${file}: an inline <script> at line ${lineOf(html, at)} that is neither Trunk's loader nor its reload script: the policy refuses it; move it to a file (static/boot.js)`);
    }
    hashes.push(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
    return open + body + close;
  });
  if (loaders !== 1) {
    throw new Error(`${file}: expected Trunk's module loader (<script type="module">import init … from '….js'), found ${loaders}: ` +
      'did Trunk change how it emits it? The page would not start under its Content-Security-Policy');
  }
  // In the meta only (a comment may name the placeholder); the meta comes before every script, so the text is as found.
  return { html: out.replace(meta[0], meta[0].replace(PLACEHOLDER, hashes.join(' '))), hashes };
}

function attrValue(attrs, name) {
  const m = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attrs);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

function lineOf(text, index) {
  return text.slice(0, index).split('\n').length;
}
