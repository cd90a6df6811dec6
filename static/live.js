/*
 * piboard live connection: the browser side of /b/{board}/ws (docs/protocol.md), on htmx 2 + htmx-ext-ws.
 *
 * DOM contract — what a board page must provide:
 *   <body data-board="{board id}" data-view="{view, e.g. program | team:{team id} | screen}"
 *         data-seq="{the event seq the page was rendered at}" data-role="{rte | pm | … | observer}">
 *   #conn-status (or #connection-status): the connection state. live.js sets data-state to one of
 *       connecting | live | reconnecting | catching-up | ended, and writes a short text into its
 *       .conn-text child (or into the element itself). <body> gets the class "live-reconnecting" while
 *       the page may be behind the board, and "live-ended" when the connection will not come back.
 *   #presence (optional): live.js fills it with who is connected (text only, never HTML from the wire).
 *   #main: the page content; after a "reset" (the page is too far behind) live.js fetches the page
 *       again and replaces #main with the fresh one. Nothing stale stays on screen.
 *   Forms/buttons that change the board: ws-send, with fields named type, target, base_version and
 *       args.<name> (htmx sends them as flat JSON). live.js gives each a client_op_id, marks the element
 *       with the class "op-pending" until the server acks it, resends it after a reconnect (the server
 *       applies it once), and on a refusal puts the reason in a .refusal element right after it and
 *       dispatches "piboard:refusal" on it (detail: the refusal frame).
 *   Live fragments arrive as HTML with hx-swap-oob (rendered by server/live_render.py); each starts
 *   with <div id="live-seq" data-seq="N">, so live.js knows the seq shown and drops anything older.
 *   Events dispatched on document.body: piboard:welcome, piboard:presence, piboard:ack, piboard:reset.
 */
(function () {
  "use strict";

  var body = document.body;
  if (!body || !body.dataset.board || typeof htmx === "undefined") {
    return;
  }
  var RECONNECTING_CODES = [1006, 1011, 1012, 1013]; // htmx-ext-ws reconnects on these only
  var RETRY_UNAVAILABLE_MS = 2000;
  var ENDED_REASONS = {
    1008: "Disconnected: too many messages. Reload the page.",
    4400: "Disconnected (protocol error). Reload the page.",
    4401: "Your session has ended: open your join link again.",
    4403: "This page may not connect to the board.",
    4404: "This board no longer exists."
  };

  var boardId = body.dataset.board;
  var seq = parseInt(body.dataset.seq || "0", 10) || 0;
  var unacked = new Map(); // client_op_id -> {message, elt}, in send order
  var opCounter = 0;
  var clientId = Math.random().toString(36).slice(2, 10);
  var refetching = false;
  var newestDuringRefetch = 0; // fragments dropped while a fresh page was on its way
  var socket = null; // the ws extension's public interface, once open

  function statusElement() {
    return document.getElementById("conn-status") || document.getElementById("connection-status");
  }

  function setStatus(state, text) {
    var el = statusElement();
    if (el) {
      el.dataset.state = state;
      var label = el.querySelector(".conn-text") || el;
      label.textContent = text;
    }
    body.classList.toggle("live-reconnecting", state !== "live");
    body.classList.toggle("live-ended", state === "ended");
    body.setAttribute("aria-busy", state === "live" ? "false" : "true");
  }

  function ensureSeqMarker() {
    if (!document.getElementById("live-seq")) {
      var marker = document.createElement("div");
      marker.id = "live-seq";
      marker.hidden = true;
      body.appendChild(marker);
    }
  }

  function setSeq(value) {
    if (value > seq) {
      seq = value;
      body.dataset.seq = String(seq);
    }
  }

  function hello() {
    return JSON.stringify({
      type: "hello",
      last_seq: seq,
      view: body.dataset.view || "program",
      mode: "html",
      name: (navigator.userAgent.indexOf("Mobile") >= 0 ? "mobile" : "browser")
    });
  }

  function showRefusal(elt, frame) {
    if (!elt || !elt.isConnected) {
      return;
    }
    elt.classList.remove("op-pending");
    var note = elt.nextElementSibling;
    if (!note || !note.classList.contains("refusal")) {
      note = document.createElement("p");
      note.className = "refusal";
      note.setAttribute("role", "alert");
      elt.insertAdjacentElement("afterend", note);
    }
    note.textContent = frame.reason || "Refused.";
    elt.dispatchEvent(new CustomEvent("piboard:refusal", { bubbles: true, detail: frame }));
  }

  function renderPresence(frame) {
    var box = document.getElementById("presence");
    if (!box) {
      return;
    }
    box.textContent = "";
    var count = document.createElement("span");
    count.className = "presence-count";
    count.textContent = frame.count + " here";
    box.appendChild(count);
    var list = document.createElement("ul");
    list.className = "presence-list";
    (frame.people || []).forEach(function (p) {
      var item = document.createElement("li");
      item.className = "presence-person role-" + String(p.role).replace(/[^a-z_]/g, "");
      item.textContent = p.name;
      var where = document.createElement("span");
      where.className = "presence-where";
      where.textContent = " · " + String(p.role).replace("_", " ") + " · " + String(p.view).split(":")[0];
      item.appendChild(where);
      item.title = p.name + " · " + String(p.role).replace("_", " ") + " · " + p.view +
        (p.device ? " · " + p.device : "");
      item.dataset.view = p.view;
      if (p.team_id) {
        item.dataset.team = p.team_id;
      }
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  // The page is too far behind (or the server could not render a change): fetch it again, replace #main.
  function refetchPage() {
    if (refetching) {
      return;
    }
    refetching = true;
    newestDuringRefetch = 0;
    setStatus("catching-up", "updating…");
    fetch(location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var freshMain = fresh.getElementById("main");
        var main = document.getElementById("main");
        if (!freshMain || !main) {
          location.reload();
          return;
        }
        main.replaceWith(freshMain);
        htmx.process(freshMain);
        var freshSeq = parseInt(fresh.body.dataset.seq || "0", 10) || 0;
        seq = freshSeq;
        body.dataset.seq = String(seq);
        refetching = false;
        if (newestDuringRefetch > seq) {
          refetchPage(); // a change arrived after the page was rendered: fetch once more
          return;
        }
        setStatus("live", "live");
      })
      .catch(function () {
        location.reload();
      });
  }

  function handleFrame(frame, wrapper) {
    switch (frame.type) {
      case "welcome":
        setStatus("live", "live");
        body.dispatchEvent(new CustomEvent("piboard:welcome", { detail: frame }));
        break;
      case "ack": {
        var sent = unacked.get(frame.client_op_id);
        unacked.delete(frame.client_op_id);
        if (sent && sent.elt) {
          sent.elt.classList.remove("op-pending");
          var note = sent.elt.nextElementSibling;
          if (note && note.classList.contains("refusal")) {
            note.remove();
          }
        }
        body.dispatchEvent(new CustomEvent("piboard:ack", { detail: frame }));
        break;
      }
      case "refusal": {
        var refused = unacked.get(frame.client_op_id);
        if (frame.error === "unavailable" && refused) {
          // The database is restarting: keep the op and send it again (it is applied once).
          setTimeout(function () {
            if (unacked.has(frame.client_op_id) && socket) {
              socket.send(refused.message);
            }
          }, RETRY_UNAVAILABLE_MS);
          break;
        }
        unacked.delete(frame.client_op_id);
        showRefusal(refused && refused.elt, frame);
        break;
      }
      case "reset":
        body.dispatchEvent(new CustomEvent("piboard:reset", { detail: frame }));
        refetchPage();
        break;
      case "presence":
        renderPresence(frame);
        body.dispatchEvent(new CustomEvent("piboard:presence", { detail: frame }));
        break;
      case "ping":
        wrapper.sendImmediately('{"type":"pong"}');
        break;
      case "error":
        if (window.console) {
          console.warn("piboard live:", frame.error, frame.reason);
        }
        break;
      default:
        break;
    }
  }

  body.addEventListener("htmx:wsConnecting", function () {
    setStatus(socket ? "reconnecting" : "connecting", socket ? "reconnecting…" : "connecting…");
  });

  body.addEventListener("htmx:wsOpen", function (evt) {
    socket = evt.detail.socketWrapper;
    // Ops typed while offline sit in the extension's queue and in `unacked`: resend from `unacked`
    // only, after the hello, so each goes once and in order (the server dedupes by client_op_id).
    socket.queue.length = 0;
    setStatus("catching-up", "catching up…");
    socket.sendImmediately(hello());
    unacked.forEach(function (sent) {
      socket.sendImmediately(sent.message);
    });
  });

  body.addEventListener("htmx:wsClose", function (evt) {
    var code = evt.detail.event && evt.detail.event.code;
    if (RECONNECTING_CODES.indexOf(code) >= 0) {
      setStatus("reconnecting", "reconnecting…");
    } else {
      setStatus("ended", ENDED_REASONS[code] || "Disconnected. Reload the page.");
    }
  });

  body.addEventListener("htmx:wsConfigSend", function (evt) {
    var detail = evt.detail;
    var message = Object.assign({}, detail.parameters);
    if (!message.client_op_id) {
      opCounter += 1;
      message.client_op_id = "web-" + clientId + "-" + opCounter;
    }
    if (detail.headers) {
      message.HEADERS = detail.headers;
    }
    detail.messageBody = JSON.stringify(message);
    unacked.set(message.client_op_id, { message: detail.messageBody, elt: evt.target });
    evt.target.classList.add("op-pending");
  });

  body.addEventListener("htmx:wsBeforeMessage", function (evt) {
    var message = evt.detail.message;
    if (typeof message !== "string") {
      evt.preventDefault();
      return;
    }
    var first = message.charAt(0);
    if (first === "{" || first === "[") {
      evt.preventDefault(); // control frames are ours, not htmx's
      var parsed;
      try {
        parsed = JSON.parse(message);
      } catch (e) {
        return;
      }
      (Array.isArray(parsed) ? parsed : [parsed]).forEach(function (frame) {
        handleFrame(frame, evt.detail.socketWrapper);
      });
      return;
    }
    var marker = /id="live-seq"[^>]*data-seq="(\d+)"/.exec(message);
    var fragmentSeq = marker ? parseInt(marker[1], 10) : 0;
    if (refetching) {
      newestDuringRefetch = Math.max(newestDuringRefetch, fragmentSeq);
      evt.preventDefault(); // a fresh page is on its way
      return;
    }
    if (marker && fragmentSeq <= seq) {
      evt.preventDefault(); // already in the page
      return;
    }
    setSeq(fragmentSeq);
    setStatus("live", "live");
  });

  ensureSeqMarker();
  setStatus("connecting", "connecting…");
  body.setAttribute("hx-ext", ((body.getAttribute("hx-ext") || "") + " ws").trim());
  body.setAttribute("ws-connect", "/b/" + encodeURIComponent(boardId) + "/ws");
  htmx.process(body);
})();
