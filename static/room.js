// The room on every board page: "bring everyone here" moves this page when the RTE asks for it, and the
// end of the countdown is signalled on every screen: the top bar flashes and the big screen shows
// "Time is up" and may play a short sound. (A change of the plan's lock fetches the page again: live.js.)
"use strict";
(function () {
  var body = document.body;
  if (!body || !body.dataset.board) return;
  var boardId = encodeURIComponent(body.dataset.board);

  function read(id, name) {
    var el = document.getElementById(id);
    return el ? el.getAttribute(name) || "" : "";
  }

  var gatheredAt = read("gather", "data-at"); // what the page was rendered with is never a request to move

  function here() { return (body.dataset.view || "").split(":")[0]; }

  function targetOf(view) {
    if (view === "team") {
      var team = body.dataset.myTeam;
      return team ? "/b/" + boardId + "/team/" + encodeURIComponent(team) : "/b/" + boardId + "/program";
    }
    return "/b/" + boardId + "/" + view;
  }

  function onChange() {
    var at = read("gather", "data-at");
    if (at && at !== gatheredAt) {
      gatheredAt = at;
      var view = read("gather", "data-view");
      // The big screen follows the RTE's scene instead; a page already there stays.
      if (view && here() !== "screen" && here() !== view) {
        location.assign(targetOf(view));
      }
    }
  }

  new MutationObserver(function (mutations) {
    for (var i = 0; i < mutations.length; i++) {
      var added = mutations[i].addedNodes;
      for (var j = 0; j < added.length; j++) {
        var id = added[j].id;
        if (id === "gather") {
          onChange();
          return;
        }
      }
    }
  }).observe(body, { childList: true, subtree: true });

  // --- the end of the countdown -----------------------------------------------------------------------

  function beep() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    try {
      var ctx = new Ctx();
      [0, 0.35, 0.7].forEach(function (start) {
        var osc = ctx.createOscillator();
        var gain = ctx.createGain();
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.25, ctx.currentTime + start);
        gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + start + 0.3);
        osc.connect(gain).connect(ctx.destination);
        osc.start(ctx.currentTime + start);
        osc.stop(ctx.currentTime + start + 0.3);
      });
    } catch (e) {
      // A browser that may not play sound without a click still shows the signal.
    }
  }

  document.addEventListener("piboard:time-up", function (event) {
    body.classList.add("time-is-up");
    body.dataset.timeUp = String(Date.now());
    var banner = document.getElementById("time-up");
    if (banner) {
      var title = banner.querySelector("[data-time-up-title]");
      if (title) title.textContent = (event.detail && event.detail.title) || "";
      banner.hidden = false;
      beep();
    }
    setTimeout(function () {
      body.classList.remove("time-is-up");
      if (banner) banner.hidden = true;
    }, 8000);
  });
})();
