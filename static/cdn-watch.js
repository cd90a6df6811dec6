// Runs before the CDN scripts: remembers which of them failed to load (offline room, blocked CDN,
// integrity mismatch) so that cdn-fallback.js can load the vendored copy in their place.
"use strict";
window.piboardFailedScripts = [];
window.addEventListener(
  "error",
  function (event) {
    var el = event.target;
    if (el && el.tagName === "SCRIPT" && el.dataset && el.dataset.fallback) {
      window.piboardFailedScripts.push(el.dataset.fallback);
    }
  },
  true
);
