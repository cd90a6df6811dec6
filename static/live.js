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
 *   Live fragments arrive as HTML with hx-swap-oob (rendered by server/pages/renderer.py); each starts
 *   with <div id="live-seq" data-seq="N">, so live.js knows the seq shown and drops anything older.
 *   Events dispatched on document.body: piboard:welcome, piboard:presence, piboard:reset,
 *       and piboard:before-replace / piboard:replaced around a fresh #main (detail.region).
 *   htmx may arrive after this script (static/htmx-loader.js): the socket opens once it is there.
 *   Forms that post ops to the form door (hx-post="/b/{board}/ops") get a client_op_id; one that cannot
 *       reach the server is kept in the outbox (#outbox) and sent again (see "the outbox" below); it
 *       dispatches "piboard:queued" on the form, and marks the element named by the form's
 *       data-pending-for with the class "op-waiting" while it waits. #conn-status then says "offline".
 */
(function () {
  "use strict";

  // How long a page waits before its next try at reconnecting the socket, after `retries` failed tries
  // (htmx-ext-ws asks, on close codes 1006, 1011, 1012, 1013): a random moment ("full jitter") in a
  // window of 1 s, then 2 s from the second try on. When a server restarts, its whole room comes
  // back spread over a second or two rather than all at the same instant, and no page waits more than
  // 2 s once the server serves again (htmx's own delay doubles up to 64 s). `random` is for tests.
  var RECONNECT_FIRST_MS = 1000;
  var RECONNECT_MAX_MS = 2000;
  window.piboardReconnectDelay = function (retries, random) {
    var windowMs = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * Math.pow(2, Math.max(0, retries)));
    return Math.floor(windowMs * (random || Math.random)());
  };

  var body = document.body;
  if (!body || !body.dataset.board) {
    return;
  }
  var RECONNECTING_CODES = [1006, 1011, 1012, 1013]; // htmx-ext-ws reconnects on these only
  var ENDED_REASONS = {
    1008: "Disconnected: too many messages. Reload the page.",
    4400: "Disconnected (protocol error). Reload the page.",
    4401: "Your session has ended: open your join link again.",
    4403: "This page may not connect to the board.",
    4404: "This board no longer exists."
  };

  var boardId = body.dataset.board;
  var seq = parseInt(body.dataset.seq || "0", 10) || 0;
  var refetching = false;
  var newestDuringRefetch = 0; // fragments dropped while a fresh page was on its way
  var resetDuringRefetch = false; // a reset came while a fresh page was on its way
  var socket = null; // the ws extension's public interface, once open
  var requestsFailing = false; // the last request to the server did not reach it
  var shownState = "connecting"; // what the socket says, whatever the requests do
  var earlyHelloSent = false; // the socket taken over from static/live-early.js had sent its hello

  function statusElement() {
    return document.getElementById("conn-status") || document.getElementById("connection-status");
  }

  function setStatus(state, text) {
    if (state !== "offline") shownState = state;
    if (requestsFailing && (state === "live" || state === "catching-up")) {
      state = "offline";
      text = offlineText();
    }
    var el = statusElement();
    if (el) {
      el.dataset.state = state;
      var label = el.querySelector(".conn-text") || el;
      label.textContent = text;
    }
    body.classList.toggle("live-reconnecting", state !== "live" && state !== "offline");
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

  // A new story waiting in the outbox is shown by a stand-in (see showPending). Once its op is
  // committed the stand-in stays until the page shows that seq (the live update that brings the story
  // itself), then goes: a live update can arrive before the op's answer, so neither order leaves the
  // story twice. One refused goes at once. Element id → seq.
  var standIns = {};

  function dropStandIns() {
    Object.keys(standIns).forEach(function (id) {
      if (seq < standIns[id]) return;
      var standIn = document.getElementById(id);
      if (standIn) standIn.remove();
      delete standIns[id];
    });
  }

  function setSeq(value) {
    if (value > seq) {
      seq = value;
      body.dataset.seq = String(seq);
      dropStandIns();
    }
  }

  // What a hello says: static/live-early.js defines it (it sends the first one, before this script runs).
  function hello() {
    return window.piboardHello(seq, parseFloat(body.dataset.renderedAt) || null, body.dataset.view);
  }

  // Who is here, by entry key: a presence frame gives the whole list, a presence_change what changed
  // since (a reconnect's welcome is always followed by a whole list).
  var present = {};

  function presentPeople(frame) {
    if (frame.type === "presence") {
      present = {};
      (frame.people || []).forEach(function (p) { present[p.key] = p; });
    } else {
      (frame.removed || []).forEach(function (key) { delete present[key]; });
      (frame.added || []).forEach(function (p) { present[p.key] = p; });
    }
    var people = Object.keys(present).map(function (key) { return present[key]; });
    people.sort(function (a, b) {
      var x = [String(a.name).toLowerCase(), a.view, a.device];
      var y = [String(b.name).toLowerCase(), b.view, b.device];
      for (var i = 0; i < 3; i += 1) {
        if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
      }
      return 0;
    });
    return { count: frame.count, people: people };
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
      where.textContent = " · " + String(p.role).replace("_", " ") + " · " + String(p.view).split(":")[0] +
        (p.remote ? " · remote" : "");
      item.appendChild(where);
      item.title = p.name + " · " + String(p.role).replace("_", " ") + " · " + p.view +
        (p.device ? " · " + p.device : "") + (p.remote ? " · remote" : " · in the room");
      item.dataset.remote = p.remote ? "true" : "false";
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
      // A reset while a fresh page is on its way (the clock closed an iteration: no new seq) may
      // not be in it: fetch once more when it has arrived.
      resetDuringRefetch = true;
      return;
    }
    refetching = true;
    newestDuringRefetch = 0;
    resetDuringRefetch = false;
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
        body.dispatchEvent(new CustomEvent("piboard:before-replace", { detail: { region: main } }));
        main.replaceWith(freshMain);
        // What this person may do may have changed (the plan was locked or unlocked): take the fresh
        // page's data-can-* flags and its lock mark too, before the page's scripts hear of the change.
        Array.prototype.forEach.call(fresh.body.attributes, function (attr) {
          if (attr.name.indexOf("data-can-") === 0) body.setAttribute(attr.name, attr.value);
        });
        var freshLock = fresh.getElementById("plan-lock");
        var lock = document.getElementById("plan-lock");
        if (freshLock && lock) lock.replaceWith(freshLock);
        body.dispatchEvent(new CustomEvent("piboard:replaced", { detail: { region: freshMain } }));
        htmx.process(freshMain);
        var freshSeq = parseInt(fresh.body.dataset.seq || "0", 10) || 0;
        seq = freshSeq;
        body.dataset.seq = String(seq);
        if (fresh.body.dataset.renderedAt) body.dataset.renderedAt = fresh.body.dataset.renderedAt;
        refetching = false;
        if (newestDuringRefetch > seq || resetDuringRefetch) {
          refetchPage(); // a change arrived after the page was rendered: fetch once more
          return;
        }
        setStatus("live", "live");
      })
      .catch(function () {
        location.reload();
      });
  }

  // --- the server's clock --------------------------------------------------------------------------
  //
  // The countdown (static/timer.js) shows the time left on the server's clock. A page's data-now is the
  // server's clock when it was rendered, so a page that took seconds to arrive would run those seconds
  // behind the room. A ping after each welcome and with each heartbeat tells the server's clock to
  // within half its round trip; the quickest round trip since the welcome is the one kept (a new
  // connection may follow a sleep or a change of the computer's clock, so it starts afresh).
  var clock = (window.piboardClock = { offset: null, roundTrip: null });
  var clockPingAt = null;
  var CLOCK_ANSWER_WAIT = 30; // seconds: a ping unanswered for longer (one refused under the frame limit) is given up

  function askTheTime(wrapper) {
    var now = Date.now() / 1000;
    // One question at a time, so that each answer is timed against its own ping.
    if (clockPingAt !== null && now - clockPingAt < CLOCK_ANSWER_WAIT) return;
    clockPingAt = now;
    wrapper.sendImmediately('{"type":"ping"}');
  }

  function heardTheTime(frame) {
    var now = Date.now() / 1000;
    var sentAt = clockPingAt;
    clockPingAt = null;
    if (sentAt === null || typeof frame.now !== "number" || now < sentAt) return;
    if (clock.roundTrip === null || now - sentAt < clock.roundTrip) {
      clock.roundTrip = now - sentAt;
      clock.offset = frame.now - (sentAt + now) / 2;
    }
  }

  function handleFrame(frame, wrapper) {
    switch (frame.type) {
      case "welcome":
        clock.roundTrip = null;
        clockPingAt = null; // a question on the last connection gets no answer on this one
        askTheTime(wrapper);
        setStatus("live", "live");
        body.dispatchEvent(new CustomEvent("piboard:welcome", { detail: frame }));
        break;
      case "reset":
        body.dispatchEvent(new CustomEvent("piboard:reset", { detail: frame }));
        refetchPage();
        break;
      case "presence":
      case "presence_change":
        var people = presentPeople(frame);
        renderPresence(people);
        body.dispatchEvent(new CustomEvent("piboard:presence", { detail: people }));
        break;
      case "ping":
        wrapper.sendImmediately('{"type":"pong"}');
        askTheTime(wrapper);
        break;
      case "pong":
        heardTheTime(frame);
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
    setStatus("catching-up", "catching up…");
    if (earlyHelloSent) earlyHelloSent = false; // the early socket's hello, for the same seq
    else socket.sendImmediately(hello());
    flushOutbox();
  });

  body.addEventListener("htmx:wsClose", function (evt) {
    var code = evt.detail.event && evt.detail.event.code;
    if (RECONNECTING_CODES.indexOf(code) >= 0) {
      setStatus("reconnecting", "reconnecting…");
    } else {
      setStatus("ended", ENDED_REASONS[code] || "Disconnected. Reload the page.");
    }
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


  // --- the outbox: page edits that could not reach the server are kept and sent again ---------------
  //
  // Page forms post ops to the form door (POST /b/{board}/ops). Each gets a client_op_id before it
  // leaves, so sending it again is safe (the server applies an op once). One that does not reach the
  // server (offline, server down, 502–504) is kept here in order, shown as pending on the item it
  // edits (data-pending-for on the form names it) and in the outbox panel, and the badge says
  // "offline". It is sent again when the browser is back online, when the socket reconnects, and every
  // few seconds. A stale refusal offers "Reload and retry": the same text, on the item as it is now.
  var opsUrl = "/b/" + encodeURIComponent(boardId) + "/ops";
  var UNREACHED = [0, 502, 503, 504];
  var OUTBOX_RETRY_MS = 3000;
  var outbox = []; // {fields: URLSearchParams, anchorId, label}
  var opCounter = 0;
  var clientId = Math.random().toString(36).slice(2, 10);
  var flushing = false;
  var retryTimer = null;

  function newClientOpId() {
    opCounter += 1;
    return "web-" + clientId + "-" + opCounter;
  }

  function isOpPost(config) {
    return !!config && String(config.verb).toLowerCase() === "post" && config.path === opsUrl;
  }

  function offlineText() {
    return outbox.length ? "offline · " + outbox.length + " pending" : "offline";
  }

  function requestsReach(ok) {
    if (requestsFailing === !ok) {
      if (!ok) setStatus("offline", offlineText());
      return;
    }
    requestsFailing = !ok;
    if (ok) setStatus(shownState, shownState === "live" ? "live" : statusText(shownState));
    else setStatus("offline", offlineText());
  }

  function statusText(state) {
    return { connecting: "connecting…", reconnecting: "reconnecting…", "catching-up": "catching up…" }[state] || state;
  }

  var KIND_WORDS = { dependency: "dependency", feature: "feature", story: "story", milestone: "milestone", objective: "objective", risk: "risk" };

  function labelOf(fields) {
    var type = fields.get("type") || "";
    var kind = KIND_WORDS[type.split(".")[0]] || type.split(".")[0];
    var verb = type.split(".")[1];
    var text = fields.get("args.title") || fields.get("args.need") || fields.get("args.statement") || fields.get("args.name") || "";
    var what = verb === "create" ? "New " + kind : verb === "delete" ? "Delete " + kind : "Change to " + kind;
    return what + (text ? " “" + text + "”" : "");
  }

  // The outbox sits in the page's flow under the top bar (not over it): it covers no panel.
  function outboxPanel() {
    var panel = document.getElementById("outbox");
    if (!panel) {
      panel = document.createElement("aside");
      panel.id = "outbox";
      panel.className = "outbox";
      panel.setAttribute("aria-live", "polite");
      panel.setAttribute("aria-label", "Edits waiting to be sent");
      var main = document.getElementById("main");
      if (main) body.insertBefore(panel, main);
      else body.appendChild(panel);
    }
    return panel;
  }

  function renderOutbox() {
    var panel = outboxPanel();
    var refused = panel.querySelectorAll(".outbox-refused");
    panel.textContent = "";
    if (outbox.length) {
      var head = document.createElement("p");
      head.className = "outbox-head";
      head.textContent = outbox.length === 1 ? "1 edit is waiting to be sent:" : outbox.length + " edits are waiting to be sent:";
      panel.appendChild(head);
      var list = document.createElement("ul");
      outbox.forEach(function (entry) {
        var li = document.createElement("li");
        li.className = "outbox-item";
        li.textContent = "◷ " + entry.label;
        list.appendChild(li);
      });
      panel.appendChild(list);
    }
    refused.forEach(function (box) { panel.appendChild(box); });
    panel.hidden = !panel.firstChild;
    markPending();
  }

  // What a waiting edit will show is shown meanwhile, marked pending: the item's new title and points
  // on it, a new story in its iteration's column. The live update after it is sent replaces them.
  var PENDING_TEXT = { "args.title": ".story-title, .card-title", "args.points": ".points" };

  function standInId(fields) {
    return "pending-" + fields.get("client_op_id");
  }

  function showPending(entry, waiting) {
    var fields = entry.fields;
    var type = fields.get("type") || "";
    if (type === "story.create") {
      var column = document.getElementById("col-" + (fields.get("args.iteration_id") || ""));
      var list = column && column.querySelector("ul.stories");
      var id = standInId(fields);
      waiting[id] = true;
      if (!list || document.getElementById(id)) return;
      var story = document.createElement("li");
      story.id = id;
      story.className = "story";
      [["story-title", fields.get("args.title")], ["points", fields.get("args.points")]].forEach(function (part) {
        var span = document.createElement("span");
        span.className = part[0];
        span.textContent = part[1] || "";
        story.appendChild(span);
      });
      list.appendChild(story);
      return;
    }
    var item = entry.anchorId && /\.update$/.test(type) ? document.getElementById(entry.anchorId) : null;
    if (!item) return;
    Object.keys(PENDING_TEXT).forEach(function (name) {
      var value = fields.get(name);
      var shown = item.querySelector(PENDING_TEXT[name]);
      if (value !== null && shown && shown.textContent !== value) shown.textContent = value;
    });
  }

  // The items with an edit waiting are marked; live updates re-render them, so this runs after each.
  function markPending() {
    var waiting = {};
    outbox.forEach(function (entry) {
      if (entry.anchorId) waiting[entry.anchorId] = true;
      showPending(entry, waiting);
    });
    document.querySelectorAll(".op-waiting").forEach(function (el) {
      if (!waiting[el.id]) {
        el.classList.remove("op-waiting");
        el.removeAttribute("data-pending-note");
      }
    });
    Object.keys(waiting).forEach(function (id) {
      var el = document.getElementById(id);
      if (el && !el.classList.contains("op-waiting")) {
        el.classList.add("op-waiting");
        el.setAttribute("data-pending-note", "pending");
      }
    });
  }

  function keep(fields, elt) {
    if (!fields.get("client_op_id")) fields.set("client_op_id", newClientOpId());
    var anchorId = elt && elt.dataset ? elt.dataset.pendingFor || "" : "";
    outbox.push({ fields: fields, anchorId: anchorId, label: labelOf(fields) });
    requestsReach(false);
    renderOutbox();
    if (elt) elt.dispatchEvent(new CustomEvent("piboard:queued", { bubbles: true, detail: { label: labelOf(fields) } }));
    scheduleRetry();
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () {
      retryTimer = null;
      flushOutbox();
    }, OUTBOX_RETRY_MS);
  }

  function flushOutbox() {
    if (flushing || !outbox.length) return;
    flushing = true;
    var entry = outbox[0];
    fetch(opsUrl, { method: "POST", body: entry.fields, credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        if (UNREACHED.indexOf(response.status) >= 0) throw new Error("HTTP " + response.status);
        outbox.shift();
        requestsReach(true);
        var committed = response.status === 204 ? parseInt(response.headers.get("X-Piboard-Seq") || "0", 10) : 0;
        standIns[standInId(entry.fields)] = committed || 0;
        dropStandIns();
        if (response.status === 204) return null;
        return response.text().then(function (html) { refusedLater(entry, html); });
      })
      .then(function () {
        flushing = false;
        renderOutbox();
        if (outbox.length) flushOutbox();
      })
      .catch(function () {
        flushing = false;
        requestsReach(false);
        renderOutbox();
        scheduleRetry();
      });
  }

  // An edit sent again was refused (someone changed the item meanwhile, say): keep its text, say why.
  function refusedLater(entry, html) {
    var panel = outboxPanel();
    var box = document.createElement("div");
    box.className = "outbox-refused";
    box.setAttribute("role", "alert");
    var what = document.createElement("p");
    what.className = "outbox-what";
    what.textContent = entry.label;
    box.appendChild(what);
    var reason = document.createElement("div");
    reason.innerHTML = html; // the form door's refusal fragment, rendered (and escaped) by the server
    box.appendChild(reason);
    var retry = reason.querySelector("[data-reload-retry]");
    if (retry) {
      retry.addEventListener("click", function () {
        entry.fields.set("base_version", retry.dataset.version);
        entry.fields.set("client_op_id", newClientOpId());
        box.remove();
        outbox.push(entry);
        renderOutbox();
        flushOutbox();
      });
    }
    var drop = document.createElement("button");
    drop.type = "button";
    drop.textContent = "Discard";
    drop.addEventListener("click", function () {
      box.remove();
      renderOutbox();
    });
    box.appendChild(drop);
    panel.appendChild(box);
    panel.hidden = false;
    refetchPage(); // what this page showed of the refused edit gives way to the board as it is
  }

  // Every op a page form posts carries its client_op_id from the first try on.
  body.addEventListener("htmx:configRequest", function (evt) {
    if (!isOpPost(evt.detail)) return;
    var data = evt.detail.formData;
    if (data && !data.get("client_op_id")) data.set("client_op_id", newClientOpId());
    else if (!data && !evt.detail.parameters.client_op_id) evt.detail.parameters.client_op_id = newClientOpId();
  });

  // A proxy's error page is not a refusal: nothing to show in the form, the op goes to the outbox.
  body.addEventListener("htmx:beforeSwap", function (evt) {
    if (isOpPost(evt.detail.requestConfig) && UNREACHED.indexOf(evt.detail.xhr.status) >= 0) {
      evt.detail.shouldSwap = false;
    }
  });

  // Runs before the pages' own handlers (capture on window): an op that did not reach the server is
  // kept, not reported as refused.
  window.addEventListener("htmx:afterRequest", function (evt) {
    var detail = evt.detail;
    if (!isOpPost(detail.requestConfig)) return;
    var status = detail.xhr ? detail.xhr.status : 0;
    if (UNREACHED.indexOf(status) < 0) {
      requestsReach(true);
      if (status === 409 && detail.target) detail.target.piboardRefusedForm = detail.elt;
      return;
    }
    evt.stopImmediatePropagation();
    keep(new URLSearchParams(detail.requestConfig.formData), detail.elt);
  }, true);

  // "Reload and retry" next to a stale refusal in a form: the same text, on the current version.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-reload-retry]");
    if (!button || button.closest("#outbox")) return;
    var slot = button.closest(".refusal-slot");
    var form = slot && (slot.piboardRefusedForm || slot.closest("form"));
    if (!form) return;
    var version = form.querySelector("input[name=base_version]");
    if (version) version.value = button.dataset.version;
    slot.textContent = "";
    if (form.requestSubmit) form.requestSubmit();
    else htmx.trigger(form, "submit");
  });

  // "Write it to Jira" next to an edit refused because the tracker owns the field (write-back on): the
  // same fields go to the tracker instead; the change comes back with the next sync, by the tracker.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-write-back]");
    if (!button) return;
    var slot = button.closest(".refusal-slot");
    var form = slot && (slot.piboardRefusedForm || slot.closest("form"));
    if (!form) return;
    var fields = new FormData(form);
    if (!fields.get("client_op_id")) fields.set("client_op_id", newClientOpId());
    button.disabled = true;
    fetch(opsUrl.replace(/\/ops$/, "/tracker/write-back"), {
      method: "POST", body: fields, credentials: "same-origin", headers: { "HX-Request": "true" },
    })
      .then(function (response) { return response.text(); })
      .then(function (html) { slot.innerHTML = html; }) // the server's fragment, escaped there
      .catch(function () { button.disabled = false; });
  });

  window.addEventListener("online", flushOutbox);
  if (window.MutationObserver) {
    new MutationObserver(function () { if (outbox.length) markPending(); })
      .observe(body, { childList: true, subtree: true });
  }

  // Other scripts send ops outside htmx (a drag, an undo): through here, with the same outbox.
  // then(status, html) runs once the server answered; an op that did not reach it waits in the outbox.
  window.piboardSendOp = function (fields, pendingFor, then) {
    if (!fields.get("client_op_id")) fields.set("client_op_id", newClientOpId());
    fetch(opsUrl, { method: "POST", body: fields, credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        if (UNREACHED.indexOf(response.status) >= 0) throw new Error("HTTP " + response.status);
        requestsReach(true);
        return response.text().then(function (html) { then(response.status, html, response.headers.get("X-Piboard-Seq")); });
      })
      .catch(function () {
        var anchor = document.createElement("span");
        anchor.dataset.pendingFor = pendingFor || "";
        keep(fields, anchor);
        then(0, "", null);
      });
  };

  // The socket static/live-early.js opened while this script was on its way, given to htmx-ext-ws as
  // the first socket it asks for (a reconnect makes a new one). One that closed meanwhile is left: a
  // new socket says hello at the seq the page was rendered at, so nothing is missed either way.
  function takeEarlySocket() {
    var early = window.piboardEarlySocket;
    window.piboardEarlySocket = null;
    if (!early || early.socket.readyState > 1) return null; // CONNECTING (0) or OPEN (1) only
    var make = htmx.createWebSocket;
    htmx.createWebSocket = function () {
      htmx.createWebSocket = make;
      early.taken = true;
      return early.socket;
    };
    early.make = make;
    return early;
  }

  function connect() {
    htmx.config.wsReconnectDelay = window.piboardReconnectDelay;
    var early = takeEarlySocket();
    body.setAttribute("hx-ext", ((body.getAttribute("hx-ext") || "") + " ws").trim());
    body.setAttribute("ws-connect", "/b/" + encodeURIComponent(boardId) + "/ws");
    htmx.process(body);
    if (!early) return;
    htmx.createWebSocket = early.make;
    if (!early.taken) {
      early.socket.close(); // htmx made no socket: nor is this one wanted
      return;
    }
    // Still in this task, so no frame can come in between: htmx now listens on the socket; what came
    // before is played to it in order, after the "open" it missed.
    var socket = early.socket;
    early.adopted = true;
    socket.removeEventListener("message", early.keep);
    if (socket.readyState !== 1 || typeof socket.onopen !== "function") return;
    earlyHelloSent = early.helloSent;
    socket.onopen(new Event("open"));
    early.frames.forEach(function (data) {
      socket.dispatchEvent(new MessageEvent("message", { data: data }));
    });
    early.frames = [];
  }

  // After htmx has gone over the page once it is read (on DOMContentLoaded): htmx sets up again an
  // element whose attributes changed since, and a welcome played at once changes the body's (class,
  // aria-busy), which would make it open a second socket. A task later, so after every listener.
  var contentLoaded = document.readyState === "complete";
  document.addEventListener("DOMContentLoaded", function () { contentLoaded = true; });
  function connectOnceRead() {
    if (contentLoaded) connect();
    else document.addEventListener("DOMContentLoaded", function () { setTimeout(connect, 0); }, { once: true });
  }

  ensureSeqMarker();
  setStatus("connecting", "connecting…");
  if (typeof htmx === "undefined" || typeof htmx.createWebSocket !== "function") {
    // static/htmx-loader.js is still fetching htmx and its ws extension (from the CDN, or the vendored
    // copies): connect when both are in.
    document.addEventListener("piboard:htmx-ready", connectOnceRead, { once: true });
  } else {
    connectOnceRead();
  }
})();
