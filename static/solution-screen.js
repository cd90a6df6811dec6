// The solution board's big screen (/s/{solution}/screen): every cell shows the cards that fit and counts
// the others in its "+N" (the train's big screen's rule, window.piboardFitCell from static/screen.js),
// after the page loads, each live update and each resize; then board.js draws the strings again. The
// Post-PI Planning column's lists show the rows that fit, by the same screen's rule (piboardFitList).
"use strict";
(function () {
  var pending = false;

  function show() {
    pending = false;
    var fit = window.piboardFitCell;
    var fitList = window.piboardFitList;
    if (!fit || !fitList) return;
    document.querySelectorAll(".sb-screen .cell").forEach(fit);
    // The Post-PI Planning column: each list shows the rows that fit and counts the others ("+3 more").
    document.querySelectorAll(".sb-plan .sb-plan-box").forEach(function (box) { fitList(box, ".sb-plan-row"); });
    document.dispatchEvent(new CustomEvent("piboard:layout"));
  }

  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(show);
  }

  new MutationObserver(function (mutations) {
    for (var i = 0; i < mutations.length; i++) {
      var t = mutations[i].target;
      if (!(t instanceof Element) || !t.closest("[data-more], #strings-layer")) {
        schedule();
        return;
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
  window.addEventListener("resize", schedule);
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(schedule);
  schedule();
})();
