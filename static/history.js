// The history pages (/b/{board}/history and /replay): landmarks jump the timeline, the timeline
// follows "now" while it is at the end, and the replay plays the event back at a chosen speed.
// The server renders every moment (GET /b/{board}/history/past?at=N&show=V); this only picks N.
(function () {
  "use strict";

  var slider = document.getElementById("timeline-at");
  var form = document.getElementById("timeline");
  if (!slider || !form) return;

  function newest() {
    var now = document.getElementById("history-now");
    return parseInt((now && now.dataset.seq) || slider.max, 10) || 1;
  }

  function show(at) {
    slider.value = String(at);
    slider.setAttribute("aria-valuetext", "event " + at);
    if (typeof htmx === "undefined") return Promise.resolve(); // start() shows it once htmx is in
    return htmx.ajax("GET", form.getAttribute("hx-get"), {
      source: form, target: "#past", swap: "outerHTML",
      values: { at: String(at), show: document.getElementById("timeline-show").value }
    });
  }

  // Listened to at once: a landmark clicked before htmx is in moves the slider, and is shown by start().
  form.addEventListener("click", function (event) {
    var mark = event.target.closest(".landmark");
    if (!mark || mark.disabled) return;
    show(mark.dataset.seq === "now" ? newest() : parseInt(mark.dataset.seq, 10));
  });

  // static/htmx-loader.js may still be fetching htmx: start when it is in (as static/live.js does).
  if (typeof htmx === "undefined") {
    document.addEventListener("piboard:htmx-ready", start, { once: true });
  } else {
    start();
  }

  function start() {

  // Live events move "now" on: the timeline grows, and a timeline left at the end keeps showing now.
  var following = parseInt(slider.value, 10) >= parseInt(slider.max, 10);
  slider.addEventListener("input", function () {
    following = parseInt(slider.value, 10) >= parseInt(slider.max, 10);
  });
  new MutationObserver(function () {
    var end = newest();
    if (String(end) === slider.max) return;
    slider.max = String(end);
    if (following && !playing) show(end);
  }).observe(document.getElementById("main"), { childList: true, subtree: true });

  // A moment picked before htmx was in (a landmark, or the slider's input with no listener yet) is shown now.
  var past = document.getElementById("past");
  if (past && past.dataset.at !== slider.value) show(parseInt(slider.value, 10) || newest());

  // --- replay ----------------------------------------------------------------------------------
  var play = document.getElementById("replay-play");
  var speed = document.getElementById("replay-speed");
  var playing = false;

  function wait(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // At most four moments a second are fetched (the server limits history reads); a faster speed
  // moves on by more events per step.
  var STEP_MS = 250;

  async function run() {
    var at = parseInt(slider.value, 10) || 1;
    if (at >= newest()) at = 1;
    while (playing && at <= newest()) {
      var perSecond = parseInt(speed.value, 10) || 1;
      var started = Date.now();
      await show(at);
      await wait(Math.max(0, Math.max(STEP_MS, 1000 / perSecond) - (Date.now() - started)));
      at += Math.max(1, Math.round((Date.now() - started) * perSecond / 1000));
    }
    if (at > newest()) await show(newest());
    setPlaying(false);
  }

  function setPlaying(on) {
    playing = on;
    if (!play) return;
    play.setAttribute("aria-pressed", on ? "true" : "false");
    play.textContent = on ? "❚❚ Pause" : "▶ Play";
  }

  if (play && speed) {
    play.addEventListener("click", function () {
      setPlaying(!playing);
      if (playing) run();
    });
  }
  }
})();
