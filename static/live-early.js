// The board's live socket, opened as soon as the page's head is read (issue 28): on a slow link its
// handshake and welcome take place while the styles and scripts are still on their way, not after
// them. It runs inline (base.html; the Content-Security-Policy allows it by its hash) and keeps
// whatever the server sends until static/live.js takes the socket over: live.js then plays the kept
// frames, in order, as if they had just come. It also says what a hello is (live.js sends the same),
// and asks for the page's other scripts (data-later: editors, drag and drop, strings, menus, timer)
// once the page is read, not before: on a slow link they would share it with the styles, htmx and
// live.js, which the page waits for to be live, and a deferred script would hold back
// DOMContentLoaded, on which htmx starts (issue 28). Added then, they still come before the load event.
(function () {
  "use strict";
  var data = document.currentScript.dataset;
  window.piboardHello = function (lastSeq, renderedAt, view) {
    return JSON.stringify({
      type: "hello",
      last_seq: lastSeq,
      rendered_at: renderedAt,
      view: view || "program",
      mode: "html",
      name: navigator.userAgent.indexOf("Mobile") >= 0 ? "mobile" : "browser"
    });
  };
  document.addEventListener("DOMContentLoaded", function () {
    var later = document.createElement("script");
    later.src = data.later;
    document.head.appendChild(later);
  }, { once: true });
  if (typeof WebSocket === "undefined") return;
  var socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + data.ws, []);
  var early = { socket: socket, frames: [], helloSent: false, adopted: false };
  early.keep = function (event) { early.frames.push(event.data); };
  socket.addEventListener("message", early.keep);
  socket.addEventListener("open", function () {
    if (early.adopted) return; // live.js has it: its own hello goes
    socket.send(window.piboardHello(parseInt(data.seq, 10) || 0, parseFloat(data.renderedAt) || null, data.view));
    early.helloSent = true;
  });
  window.piboardEarlySocket = early;
})();
