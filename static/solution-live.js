/*
 * The solution page's live socket: /s/{solution}/ws (server/doors/solution_socket.py), on htmx + its ws
 * extension like a board page's (static/live.js), speaking the same frames: hello, welcome, ping/pong,
 * error, and HTML parts swapped by id (hx-swap-oob). The hello names each train's seq the page shows
 * (#solution-seqs, which every update replaces); the server sends the parts again as soon as a train
 * moved on. #solution-live says whether the page is live.
 */
(function () {
  "use strict";

  var root = document.getElementById("solution");
  if (!root || !root.dataset.solution) {
    return;
  }
  var RECONNECTING_CODES = [1006, 1011, 1012, 1013]; // htmx-ext-ws reconnects on these only
  var ENDED = {
    4401: "Your session has ended: open your solution link again.",
    4403: "This page may not connect.",
    4404: "This solution no longer exists."
  };

  function setStatus(state, text) {
    var el = document.getElementById("solution-live");
    if (el) {
      el.dataset.state = state;
      el.textContent = text;
    }
  }

  function shownSeqs() {
    var marker = document.getElementById("solution-seqs");
    try {
      return JSON.parse((marker && marker.dataset.seqs) || "{}");
    } catch (e) {
      return {};
    }
  }

  root.addEventListener("htmx:wsConnecting", function () {
    setStatus("connecting", "connecting…");
  });

  root.addEventListener("htmx:wsOpen", function (evt) {
    var marker = document.getElementById("solution-seqs");
    var version = marker ? parseInt(marker.dataset.version || "", 10) : NaN;
    var hello = { type: "hello", seqs: shownSeqs() };
    if (version >= 0) hello.version = version;
    evt.detail.socketWrapper.sendImmediately(JSON.stringify(hello));
  });

  root.addEventListener("htmx:wsClose", function (evt) {
    var code = evt.detail.event && evt.detail.event.code;
    if (RECONNECTING_CODES.indexOf(code) >= 0) {
      setStatus("reconnecting", "reconnecting…");
    } else {
      setStatus("ended", ENDED[code] || "Disconnected. Reload the page.");
    }
  });

  root.addEventListener("htmx:wsBeforeMessage", function (evt) {
    var message = evt.detail.message;
    if (typeof message !== "string") {
      evt.preventDefault();
      return;
    }
    if (message.charAt(0) !== "{") {
      return; // the page's parts: htmx swaps them by id
    }
    evt.preventDefault(); // control frames are ours, not htmx's
    var frame;
    try {
      frame = JSON.parse(message);
    } catch (e) {
      return;
    }
    if (frame.type === "welcome") {
      setStatus("live", "live");
    } else if (frame.type === "ping") {
      evt.detail.socketWrapper.sendImmediately('{"type":"pong"}');
    } else if (frame.type === "error" && window.console) {
      console.warn("piboard solution live:", frame.error, frame.reason);
    }
  });

  // A live update swaps a whole part (the board's region with its dependency list): each <details>
  // with an id stays as the person left it, open or closed, rather than as the server renders it.
  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    var old = evt.detail.target;
    var fresh = evt.detail.fragment;
    if (!old || !fresh || !fresh.querySelectorAll) return;
    fresh.querySelectorAll("details[id]").forEach(function (details) {
      var was = old.id === details.id ? old : old.querySelector("details#" + CSS.escape(details.id));
      if (was) details.open = was.open;
    });
  });

  function connect() {
    root.setAttribute("hx-ext", "ws");
    // The solution's page, or its board or big screen (data-view): the socket renders the parts it shows.
    var view = root.dataset.view ? "?view=" + encodeURIComponent(root.dataset.view) : "";
    root.setAttribute("ws-connect", "/s/" + encodeURIComponent(root.dataset.solution) + "/ws" + view);
    htmx.process(root);
  }

  if (typeof htmx === "undefined" || typeof htmx.createWebSocket !== "function") {
    document.addEventListener("piboard:htmx-ready", connect, { once: true });
  } else {
    connect();
  }
})();
