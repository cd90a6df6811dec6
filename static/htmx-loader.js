// Loads htmx and its ws extension without ever making the page wait on the CDN. The pinned CDN copy
// (with its SRI hash) is fetched first; if it has not arrived within DEADLINE_MS of the person's click
// (the navigation's start; at least MIN_WAIT_MS after this script runs), or fails, or does not match
// its hash, the vendored copy from /static/vendor (preloaded meanwhile, base.html) is used instead. The
// page is never blocked: it renders at once, and works within a second of the click in a room whose
// network cannot reach the CDN (tests/screen/test_cdn_blackhole.py).
// When both are in, it sets window.piboardHtmx ("cdn" or "vendored") and piboardHtmxAt, and dispatches
// "piboard:htmx-ready" on document (static/live.js starts then).
"use strict";
(function () {
  var DEADLINE_MS = 400;
  var MIN_WAIT_MS = 150;
  // performance.now() counts from the navigation's start: the time the HTML took is not the CDN's to use.
  var wait = Math.max(MIN_WAIT_MS, DEADLINE_MS - performance.now());
  var me = document.currentScript;
  var scripts = JSON.parse(me.dataset.scripts); // [{cdn, integrity, local}], htmx first
  var contentLoaded = false;
  document.addEventListener("DOMContentLoaded", function () { contentLoaded = true; });

  // A form htmx will send, submitted before htmx is in: held (not sent by the browser as a plain form),
  // and sent by htmx once it is there, so an early click is neither lost nor a page reload.
  // The button pressed is kept: its name and value are part of what the form says (a BV of 8, a ROAM column).
  var held = [];
  function hold(event) {
    var form = event.target;
    if (window.piboardHtmx || !form.matches || !form.matches("[hx-post], [hx-get], [hx-put], [hx-delete]")) return;
    event.preventDefault();
    held = held.filter(function (h) { return h.form !== form; });
    held.push({ form: form, submitter: event.submitter || null });
  }
  document.addEventListener("submit", hold, true);

  // Likewise an element htmx fetches on click (a card's "History"), clicked before htmx is in: the
  // click is remembered and given to htmx once it is there.
  var clicked = [];
  function holdClick(event) {
    if (window.piboardHtmx || !event.target.closest) return;
    var el = event.target.closest("[hx-get]:not(form), [hx-post]:not(form)");
    var trigger = el && el.getAttribute("hx-trigger");
    if (!el || (trigger && !/^\s*click\b/.test(trigger))) return;
    if (clicked.indexOf(el) === -1) clicked.push(el);
  }
  document.addEventListener("click", holdClick, true);

  function sendHeld() {
    document.removeEventListener("submit", hold, true);
    document.removeEventListener("click", holdClick, true);
    held.forEach(function (h) {
      if (!h.form.isConnected) return;
      // A click on the same button now goes through htmx, which sends that button's name and value.
      if (h.submitter && h.submitter.name && h.submitter.isConnected) h.submitter.click();
      else window.htmx.trigger(h.form, "submit");
    });
    clicked.forEach(function (el) { if (el.isConnected) window.htmx.trigger(el, "click"); });
    held = [];
    clicked = [];
  }

  function fromCdn(entry, signal) {
    return fetch(entry.cdn, { integrity: entry.integrity, mode: "cors", credentials: "omit", signal: signal })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      });
  }

  // A script element, so the page's Content-Security-Policy (script-src) applies as to any script.
  function load(src, integrity) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement("script");
      el.src = src;
      if (integrity) {
        el.integrity = integrity;
        el.crossOrigin = "anonymous";
      }
      el.async = false;
      el.onload = resolve;
      el.onerror = reject;
      document.head.appendChild(el);
    });
  }

  function inOrder(entries, srcOf, integrityOf) {
    return entries.reduce(function (chain, entry) {
      return chain.then(function () { return load(srcOf(entry), integrityOf(entry)); });
    }, Promise.resolve());
  }

  // htmx starts itself on DOMContentLoaded, or at once when the document is complete; loaded in
  // between, it would wait for an event that has passed. Its own start (the page processed, and the
  // listener that makes hx-sync's "replace" abort a request on its way) is kept here and run once
  // every script is in, the ws extension too.
  var lateStarts = [];
  var addListener = document.addEventListener;
  document.addEventListener = function (type, listener, options) {
    if (type === "DOMContentLoaded" && contentLoaded && document.readyState !== "complete") {
      lateStarts.push(listener);
      return;
    }
    return addListener.call(this, type, listener, options);
  };
  function ensureStarted() {
    document.addEventListener = addListener;
    var starts = lateStarts;
    lateStarts = [];
    starts.forEach(function (start) { start(); });
  }

  function ready(source) {
    window.piboardHtmx = source;
    window.piboardHtmxAt = performance.now(); // ms since the page was asked for
    try {
      ensureStarted();
    } finally {
      document.dispatchEvent(new CustomEvent("piboard:htmx-ready"));
    }
    // htmx takes over forms when it starts (at once, or on DOMContentLoaded): then send what was held.
    if (contentLoaded) sendHeld();
    else document.addEventListener("DOMContentLoaded", sendHeld);
  }

  function vendored() {
    return inOrder(scripts, function (e) { return e.local; }, function () { return ""; })
      .then(function () { ready("vendored"); });
  }

  // The CDN is asked first by fetch, which never holds up the page; once both files have arrived (and
  // match their hashes) they are run from the browser's cache, as the script elements they are.
  var controller = "AbortController" in window ? new AbortController() : null;
  var timer = setTimeout(function () { if (controller) controller.abort(); }, wait);
  var deadline = new Promise(function (_, reject) { setTimeout(reject, wait); });
  var fetched = Promise.all(scripts.map(function (e) { return fromCdn(e, controller && controller.signal); }));
  Promise.race([fetched, deadline])
    .then(function () {
      clearTimeout(timer);
      return inOrder(scripts, function (e) { return e.cdn; }, function (e) { return e.integrity; });
    })
    .then(function () { ready("cdn"); }, vendored);
})();
