// The meeting's pages' few behaviours HTML cannot do alone: clear a refusal after a success, copy a
// join link, and remember this person's own vote on this device only (the server never tells).
(function () {
  "use strict";
  var board = document.body.dataset.board || "";

  function voteKey(roundId) { return "piboard-vote:" + board + ":" + roundId; }

  function rememberVote(roundId, value) {
    try {
      if (value) sessionStorage.setItem(voteKey(roundId), value);
      else sessionStorage.removeItem(voteKey(roundId));
    } catch (e) {}
  }

  function myVote(roundId) {
    try { return parseInt(sessionStorage.getItem(voteKey(roundId)) || "", 10) || null; } catch (e) { return null; }
  }

  // Reflect the own vote, and ask low voters why after the reveal; re-run after every live swap.
  function markVotes() {
    var page = document.getElementById("meeting-page");
    var lowFromServer = page && page.dataset.lowRounds ? page.dataset.lowRounds.split(" ") : [];
    document.querySelectorAll("[data-round]").forEach(function (round) {
      var id = round.dataset.round;
      var mine = myVote(id);
      round.querySelectorAll("[data-fist-button]").forEach(function (b) {
        b.classList.toggle("chosen", mine !== null && String(mine) === b.dataset.fistButton);
        b.setAttribute("aria-pressed", mine !== null && String(mine) === b.dataset.fistButton ? "true" : "false");
      });
      var shown = round.querySelector("[data-my-vote]");
      if (shown) {
        if (shown.hidden !== (mine === null)) shown.hidden = mine === null;
        var strong = shown.querySelector("strong");
        // Only write on a difference: writes are mutations, and mutations call this again.
        if (mine !== null && strong.textContent !== String(mine)) strong.textContent = String(mine);
      }
      var explain = round.querySelector("form.explain");
      if (explain) {
        var low = (mine !== null && mine <= 2) || lowFromServer.indexOf(id) >= 0;
        var done = sessionStorage.getItem(voteKey(id) + ":explained") === "1";
        explain.classList.toggle("asked", low && !done);
      }
    });
  }

  document.addEventListener("click", function (ev) {
    var fist = ev.target.closest && ev.target.closest("[data-fist-button]");
    if (fist) {
      // Shown at once: a live update may replace this form before its answer arrives (and an
      // answer to a detached form reaches no listener). A refusal that does arrive undoes it.
      var roundId = fist.closest("[data-round]").dataset.round;
      var previous = myVote(roundId);
      fist.form.dataset.previousVote = previous === null ? "" : String(previous);
      fist.form.dataset.voteRound = roundId;
      rememberVote(roundId, fist.dataset.fistButton);
      markVotes();
    }
    var copy = ev.target.closest && ev.target.closest("[data-copy]");
    if (copy) {
      var input = copy.parentElement.querySelector("input.url");
      input.select();
      var done = function () { copy.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    }
  });

  // A refusal for a control this person cannot see (hidden for their role) is shown in the toast.
  function toast(form, xhr) {
    var slot = form.querySelector(".refusal-slot");
    if (slot && slot.offsetParent !== null) return;
    var box = document.getElementById("meeting-toast");
    if (!box) {
      box = document.createElement("div");
      box.id = "meeting-toast";
      box.className = "toast";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    box.textContent = (doc.body.textContent || "Not saved").trim();
    box.hidden = false;
    clearTimeout(box._pbTimer);
    box._pbTimer = setTimeout(function () { box.hidden = true; }, 8000);
  }

  // A form whose op was taken, ready for the next entry: unless the next is already being typed in it.
  function clearForNext(form) {
    if (window.piboardTyping.typedSinceSent(form)) return;
    form.reset();
    var hint = form.querySelector(".vague-hint");
    if (hint) hint.textContent = "";
  }

  document.body.addEventListener("htmx:afterRequest", function (ev) {
    // Only a form's own submission (not, say, the vague-objective check inside it) is an op sent.
    var form = ev.detail.elt && ev.detail.elt.tagName === "FORM" ? ev.detail.elt : null;
    if (!form) return;
    if (ev.detail.failed || (ev.detail.xhr && ev.detail.xhr.status >= 400)) {
      if (form.dataset.voteRound) { rememberVote(form.dataset.voteRound, form.dataset.previousVote); markVotes(); }
      toast(form, ev.detail.xhr);
      return;
    }
    if (!ev.detail.successful) return;
    var slot = form.querySelector(".refusal-slot");
    if (slot) slot.textContent = "";
    if (form.classList.contains("explain")) {
      var round = form.closest("[data-round]");
      try { sessionStorage.setItem(voteKey(round.dataset.round) + ":explained", "1"); } catch (e) {}
      clearForNext(form);
    }
    if (form.matches(".add-objective, .stacked")) clearForNext(form);
    markVotes();
  });

  // The agenda's start times are in the event's time zone; a remote viewer elsewhere also sees their own.
  function localTimes() {
    var days = document.getElementById("agenda-days");
    if (!days || typeof Intl === "undefined") return;
    var mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var differs = mine && mine !== days.dataset.timeZone;
    days.querySelectorAll("[data-starts-at]").forEach(function (el) {
      var out = el.parentNode.querySelector("[data-local-time]");
      if (!out) return;
      var text = differs
        ? new Date(parseInt(el.dataset.startsAt, 10) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }) + " your time"
        : "";
      if (out.textContent !== text) out.textContent = text;
    });
  }

  function refresh() { markVotes(); localTimes(); }
  new MutationObserver(refresh).observe(document.body, { childList: true, subtree: true });
  refresh();
})();
