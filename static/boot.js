// Runs before the app's wasm starts (a classic script in <head>, loaded from a file: the page's Content-Security-Policy
// allows no inline script but Trunk's loader, by its hash). If the app cannot start (no WebAssembly, a failed
// download) or dies, say so instead of a blank page. The Rust panic hook fills the same panel (src/ui/panic.rs).
(function () {
  'use strict';

  function showFatal(message) {
    var panel = document.getElementById('fatal');
    if (!panel) {
      panel = document.createElement('div');
      panel.id = 'fatal';
      panel.className = 'fatal';
      panel.setAttribute('role', 'alert');
      var title = document.createElement('h1');
      title.textContent = 'Gangplank stopped';
      var text = document.createElement('p');
      text.textContent = 'Something went wrong. Reloading starts the app again.';
      var pre = document.createElement('pre');
      pre.id = 'fatal-message';
      var button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Reload Gangplank';
      // Not an onclick= attribute: the policy refuses inline handlers.
      button.addEventListener('click', function () { location.reload(); });
      panel.append(title, text, pre, button);
      document.body.appendChild(panel);
    }
    var m = document.getElementById('fatal-message');
    if (m && !m.textContent) m.textContent = message;
    panel.hidden = false;
  }

  function mounted() { return !!document.querySelector('.app'); }

  // The error may come before <body> exists (this script runs in <head>).
  function whenBody(f) {
    if (document.body) f();
    else window.addEventListener('DOMContentLoaded', f);
  }

  window.addEventListener('error', function (e) {
    var wasmTrap = e.error && e.error.name === 'RuntimeError';
    if (!mounted() || wasmTrap) {
      var message = String(e.message || e.error);
      whenBody(function () { showFatal(message); });
    }
  });
  window.addEventListener('unhandledrejection', function (e) {
    if (!mounted()) {
      var message = 'Gangplank could not start: ' + String(e.reason);
      whenBody(function () { showFatal(message); });
    }
  });
  if (typeof WebAssembly !== 'object') {
    whenBody(function () { showFatal('This browser cannot run WebAssembly.'); });
  }
})();
