// Runs right after the CDN scripts, while the page is still being parsed: any that did not load is
// replaced by its vendored copy from /static/vendor, in the same order (the ws extension needs htmx).
// document.write keeps the scripts parser-blocking, so later scripts still find window.htmx.
"use strict";
(function () {
  var cdnScripts = document.querySelectorAll("script[data-fallback]");
  var failed = window.piboardFailedScripts || [];
  var htmxMissing = typeof window.htmx === "undefined";
  var wsMissing = htmxMissing || typeof window.htmx.createWebSocket !== "function";
  for (var i = 0; i < cdnScripts.length; i++) {
    var local = cdnScripts[i].dataset.fallback;
    var isWs = local.indexOf("ext-ws") !== -1;
    if (failed.indexOf(local) !== -1 || (isWs ? wsMissing : htmxMissing)) {
      document.write('<script src="' + local + '"><\/script>');
      window.piboardVendored = true;
    }
  }
})();
