// The top bar's menu on a phone: the views, downloads, help, the room and the person's own menu fold
// into one "Menu" button (templates/base.html; static/piboard.css shows the button only on narrow
// screens). It opens and closes on a tap, closes on Escape (focus back on the button) and on a tap
// outside it, and closes when a link in it is followed.
"use strict";
(function () {
  var toggle = document.getElementById("menu-toggle");
  var menu = document.getElementById("topbar-menu");
  if (!toggle || !menu) return;

  function isOpen() { return toggle.getAttribute("aria-expanded") === "true"; }
  function setOpen(open) { toggle.setAttribute("aria-expanded", open ? "true" : "false"); }

  toggle.addEventListener("click", function () { setOpen(!isOpen()); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen()) {
      setOpen(false);
      toggle.focus();
    }
  });
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!isOpen() || !(target instanceof Node)) return;
    if (toggle.contains(target)) return;
    if (!menu.contains(target) || (target instanceof Element && target.closest("a[href]"))) setOpen(false);
  });
})();
