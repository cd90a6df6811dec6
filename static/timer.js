// The shared countdown. The server is the clock: every [data-timer] element carries
// {ends_at, paused, remaining} and the server's time when it was rendered (data-now). Every screen
// shows the same remaining time whatever its own clock says: once the live socket has asked the
// server the time (static/live.js, window.piboardClock), by that; until then by the offset between
// data-now and this browser's clock when the element is first seen.
(function () {
  "use strict";
  if (window.piboardTimer) return; // the top bar and the agenda page may both include this script

  function parse(value) {
    var n = parseFloat(value);
    return isNaN(n) ? null : n;
  }

  function format(seconds) {
    var over = seconds < 0;
    var whole = over ? Math.floor(-seconds) : Math.ceil(seconds);
    var h = Math.floor(whole / 3600);
    var m = Math.floor((whole % 3600) / 60);
    var s = whole % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var text = h ? h + ":" + pad(m) + ":" + pad(s) : pad(m) + ":" + pad(s);
    return over ? "+" + text : text;
  }

  // Remaining seconds of one timer element, on the server's clock; null when stopped.
  function remaining(el, clientNow) {
    if (el.dataset.status === "running") {
      var endsAt = parse(el.dataset.endsAt);
      if (endsAt === null) return null;
      var asked = window.piboardClock;
      if (asked && asked.offset !== null) return endsAt - (clientNow + asked.offset);
      if (el._pbOffset === undefined) {
        var serverNow = parse(el.dataset.now);
        el._pbOffset = serverNow === null ? 0 : serverNow - clientNow;
      }
      return endsAt - (clientNow + el._pbOffset);
    }
    if (el.dataset.status === "paused") return parse(el.dataset.remaining);
    return null;
  }

  // The moment a running countdown reaches zero, once per countdown (several timers may show it).
  var signalled = {};
  function signalEnd(el, left) {
    var key = el.dataset.endsAt;
    if (el.dataset.status !== "running" || !key || signalled[key]) return;
    var before = el._pbLeft;
    el._pbLeft = left;
    if (before === undefined || before <= 0 || left > 0) return;
    signalled[key] = true;
    var title = el.querySelector(".timer-title");
    document.dispatchEvent(new CustomEvent("piboard:time-up", {
      detail: { title: title ? title.textContent : "" }
    }));
  }

  function tick() {
    var clientNow = Date.now() / 1000;
    document.querySelectorAll("[data-timer]").forEach(function (el) {
      var left = remaining(el, clientNow);
      if (left !== null) signalEnd(el, left);
      var clock = el.querySelector("[data-timer-clock]");
      if (!clock) return;
      var text = left === null ? "--:--" : format(left);
      if (clock.textContent !== text) clock.textContent = text;
      el.dataset.remainingNow = left === null ? "" : left.toFixed(1);
      el.classList.toggle("timer-over", left !== null && left < 0);
      el.classList.toggle("timer-ending", left !== null && left >= 0 && left < 60);
    });
  }

  window.piboardTimer = { remaining: remaining, format: format };
  tick();
  setInterval(tick, 200);
})();
