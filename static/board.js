// The little the board needs that HTML cannot do: card and story editors that open in place,
// drag & drop of cards between cells, the red strings drawn as SVG between cards, and filters.
// Everything else is server-rendered HTML and htmx; every edit goes to the form door
// (POST /b/{board}/ops), and every change reaches the page as live fragments that replace
// whole regions, so this script re-applies itself after any change of the DOM.
"use strict";

(function () {
  var body = document.body;
  var boardId = body.dataset.board;
  var SVG = "http://www.w3.org/2000/svg";
  var openEditor = null; // {pop, anchor}

  // --- editors ----------------------------------------------------------------------------------

  function setField(form, name, value) {
    var el = form.elements.namedItem(name);
    if (el) el.value = value == null ? "" : value;
  }

  function place(pop, anchor) {
    var r = anchor.getBoundingClientRect();
    pop.hidden = false;
    var w = pop.offsetWidth;
    var h = pop.offsetHeight;
    var left = Math.min(window.scrollX + r.left, window.scrollX + document.documentElement.clientWidth - w - 8);
    var top = window.scrollY + r.bottom + 4;
    if (r.bottom + h + 8 > window.innerHeight && r.top - h - 4 > 0) top = window.scrollY + r.top - h - 4;
    pop.style.left = Math.max(window.scrollX + 4, left) + "px";
    pop.style.top = Math.max(window.scrollY + 4, top) + "px";
  }

  function open(pop, anchor, fill) {
    close(false);
    pop.querySelectorAll(".refusal-slot, .activity-slot").forEach(function (s) { s.textContent = ""; });
    pop.querySelectorAll("form").forEach(function (form) {
      form.dataset.pendingFor = anchor.id || "";
      fill(form);
    });
    openEditor = { pop: pop, anchor: anchor };
    anchor.classList.add("editing");
    // The person has moved on to another edit: an undo toast would only cover the editor.
    document.dispatchEvent(new CustomEvent("piboard:editor-open"));
    pop.querySelectorAll(".lock-note").forEach(function (n) { n.remove(); });
    place(pop, anchor);
    var first = pop.querySelector("form:not([hidden]) input:not([type=hidden]), form:not([hidden]) select");
    var visible = Array.prototype.filter.call(pop.querySelectorAll("input:not([type=hidden]), select, button"),
      function (el) { return el.offsetParent !== null; });
    (visible[0] || first || pop).focus();
  }

  function close(restoreFocus) {
    if (!openEditor) return;
    var anchor = openEditor.anchor;
    openEditor.pop.hidden = true;
    anchor.classList.remove("editing");
    openEditor = null;
    if (restoreFocus) {
      // The card may have been re-rendered meanwhile: focus its current element.
      var current = anchor.id ? document.getElementById(anchor.id) : null;
      (current || anchor).focus();
    }
  }

  function openFeature(card) {
    var pop = document.getElementById("feature-editor");
    // Each card says what its viewer may do with it (the server's role rule, asked as it rendered).
    var mayEdit = card.dataset.mayEdit === "true";
    var mayMove = card.dataset.mayMove === "true";
    var mayDelete = card.dataset.mayDelete === "true";
    if (!pop || !(mayEdit || mayMove || mayDelete)) return;
    pop.querySelector("form.edit-feature").hidden = !mayEdit;
    pop.querySelector("form.move-feature").hidden = !mayMove;
    pop.querySelector("form.delete-feature").hidden = !mayDelete;
    var fill = fillFrom(card, {
      target: "feature", base_version: "version", "args.title": "title", "args.feature_kind": "kind",
      "args.rank": "rank", "args.team_id": "team", "args.iteration_id": "iteration",
    });
    open(pop, card, function (form) {
      form.dataset.undoText = "Moved “" + card.dataset.title + "”.";
      fill(form);
    });
  }

  function openStory(item) {
    var pop = document.getElementById("story-editor");
    if (!pop || item.dataset.mayEdit !== "true") return;
    open(pop, item, fillFrom(item, {
      target: "story", base_version: "version", "args.title": "title", "args.points": "points",
      "args.iteration_id": "iteration", "args.status": "status", "args.blocked_reason": "blockedReason",
    }));
  }

  // A milestone is a button only for those who may change it (the server's role rule, asked as it rendered).
  function openMilestone(mark) {
    var pop = document.getElementById("milestone-editor");
    if (!pop) return;
    open(pop, mark, fillFrom(mark, {
      target: "milestone", base_version: "version", "args.title": "title", "args.date": "date",
      "args.milestone_kind": "kind", "args.iteration_id": "iteration",
    }));
  }

  // An editor's forms take their fields from the element it edits: field name -> data-* key.
  function fillFrom(el, fields) {
    return function (form) {
      Object.keys(fields).forEach(function (name) { setField(form, name, el.dataset[fields[name]]); });
    };
  }

  // --- dependencies: ask for one from a card, change or delete one from the list ------------------

  function cardById(featureId) {
    return featureId ? document.getElementById("card-" + featureId) : null;
  }

  function teamName(teamId) {
    var label = teamId ? document.querySelector("#team-" + CSS.escape(teamId) + " .team-name") : null;
    return label ? label.textContent.trim() : "";
  }

  // spec: {requestingTeam, requestingFeature, providerTeam, providerFeature, externalParty, need, neededBy}
  // plus, to change an existing one, {dep, version}.
  function openDep(anchor, spec) {
    var pop = document.getElementById("dep-editor");
    if (!pop) return;
    var editing = !!spec.dep;
    var requester = cardById(spec.requestingFeature);
    pop.querySelector(".editor-title").textContent = editing ? "Change the dependency" : "Ask for a dependency";
    pop.querySelector(".dep-editor-from").textContent =
      (teamName(spec.requestingTeam) || "A team") + (requester ? " needs, for “" + requester.dataset.title + "”:" : " needs:");
    open(pop, anchor, function (form) {
      if (form.classList.contains("delete-dependency")) {
        form.hidden = !editing;
        setField(form, "target", spec.dep);
        setField(form, "base_version", spec.version);
        return;
      }
      setField(form, "type", editing ? "dependency.update" : "dependency.create");
      setField(form, "target", spec.dep);
      setField(form, "base_version", spec.version);
      setField(form, "args.requesting_team_id", spec.requestingTeam);
      setField(form, "args.requesting_feature_id", spec.requestingFeature);
      setField(form, "args.need", spec.need);
      setField(form, "args.provider_team_id", spec.providerTeam);
      setField(form, "args.provider_feature_id", spec.providerFeature);
      setField(form, "args.external_party", spec.externalParty);
      setField(form, "args.needed_by_iteration_id", spec.neededBy);
      ourIteration(form, requester);
      form.querySelector("button[type=submit]").textContent = editing ? "Save" : "Ask for it";
    });
    var need = pop.querySelector("input[name='args.need']");
    if (need) need.focus();
  }

  // "Needed by" defaults to the requesting feature's iteration, and says which one it is.
  function ourIteration(form, requester) {
    var option = form.querySelector("option[data-our-iteration]");
    if (!option) return;
    var select = option.parentElement;
    var its = requester && requester.dataset.iteration
      ? select.querySelector("option[value='" + CSS.escape(requester.dataset.iteration) + "']") : null;
    option.textContent = "Our feature’s iteration" + (its ? " (" + its.textContent.trim() + ")" : "");
  }

  function askFrom(card, provider) {
    var providerCard = provider && provider.matches(".card[data-feature]") ? provider : null;
    openDep(card, {
      requestingTeam: card.dataset.team,
      requestingFeature: card.dataset.feature,
      providerTeam: providerCard ? providerCard.dataset.team : provider ? provider.dataset.team : "",
      providerFeature: providerCard ? providerCard.dataset.feature : "",
      need: providerCard ? providerCard.dataset.title : "",
    });
  }

  function editDep(button) {
    var li = document.getElementById("dep-" + button.dataset.editDep);
    if (!li) return;
    var d = li.dataset;
    openDep(button, {
      dep: d.dep, version: d.version, need: d.need, requestingTeam: d.requestingTeam,
      // Another train's team is chosen in the provider list as "<board>/<team>" (parts/dep_fields.html).
      requestingFeature: d.requestingFeature, providerTeam: d.providerTeam || d.providerTrain,
      providerFeature: d.providerFeature,
      externalParty: d.externalParty, neededBy: d.neededBy,
    });
  }

  // Choosing their feature names their team too.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[name='args.provider_feature_id']")) return;
    var chosen = select.selectedOptions[0];
    if (chosen && chosen.dataset.team) setField(select.form, "args.provider_team_id", chosen.dataset.team);
  });

  // A button that deletes (or merges) asks first, and says what goes with it. A question with {}
  // names the choice made in the form's field data-confirm-with (the person merged into, say).
  document.addEventListener("htmx:confirm", function (event) {
    var trigger = event.detail.triggeringEvent;
    var button = trigger && trigger.submitter;
    var question = button && button.dataset.confirm;
    var choice = question && button.dataset.confirmWith && button.form.elements.namedItem(button.dataset.confirmWith);
    if (choice && choice.selectedOptions && choice.selectedOptions[0]) {
      question = question.replace("{}", choice.selectedOptions[0].textContent.trim());
    }
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // The page fetched again (a lock or unlock changes every control, static/live.js) keeps the editor
  // that is open, with what the person typed (it is one element: its fields, its refusal, its place),
  // and says in it why the plan cannot be changed now (the lock mark's reason, from the server).
  var keptEditor = null;
  body.addEventListener("piboard:before-replace", function (event) {
    var region = event.detail.region;
    keptEditor = openEditor && region.contains(openEditor.pop) ? openEditor : null;
  });
  body.addEventListener("piboard:replaced", function (event) {
    var kept = keptEditor;
    keptEditor = null;
    if (!kept) return;
    var fresh = event.detail.region.querySelector("#" + CSS.escape(kept.pop.id));
    if (!fresh) return;
    fresh.replaceWith(kept.pop);
    var anchor = (kept.anchor.id && document.getElementById(kept.anchor.id)) || kept.anchor;
    anchor.classList.add("editing");
    openEditor = { pop: kept.pop, anchor: anchor };
    sayLock(kept.pop);
  });

  function sayLock(pop) {
    var mark = document.getElementById("plan-lock");
    var reason = mark && mark.dataset.locked === "true" ? mark.dataset.reason || "" : "";
    var note = pop.querySelector(".lock-note");
    if (!reason) {
      if (note) note.remove();
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.className = "lock-note";
      note.setAttribute("role", "status");
      pop.insertBefore(note, pop.querySelector(".refusal-slot"));
    }
    note.textContent = "🔒 " + reason + " What you typed stays here.";
  }

  function editableAt(target) {
    if (target.closest(".editor-pop, form, a, button")) return null;
    var card = target.closest(".card[data-feature]");
    if (card && !card.classList.contains("compact")) return card;
    return target.closest(".story[data-story]");
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.closest("[data-action=cancel]")) {
      close(true);
      return;
    }
    var handle = target.closest(".string-handle");
    if (handle) {
      askFrom(handle.closest(".card[data-feature]"), null);
      return;
    }
    var featureItem = target.closest("button.feature-item[data-feature]");
    if (featureItem) {
      openFeature(featureItem);
      return;
    }
    var milestone = target.closest("button.milestone[data-milestone]");
    if (milestone) {
      openMilestone(milestone);
      return;
    }
    var depButton = target.closest("[data-edit-dep]");
    if (depButton) {
      editDep(depButton);
      return;
    }
    var item = editableAt(target);
    if (item) {
      if (item.dataset.story === undefined) openFeature(item);
      else openStory(item);
      return;
    }
    if (openEditor && !target.closest(".editor-pop")) close(false);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && openEditor) {
      event.preventDefault();
      close(true);
      return;
    }
    // Escape, with no editor open, shows every string again (the status line's button does too).
    var f = currentFilter();
    if (event.key === "Escape" && (f.follow || f.dep) && document.getElementById("follow-status")) {
      event.preventDefault();
      clearFollow();
      return;
    }
    if (event.key === "Enter" && !event.target.closest(".editor-pop, form")) {
      var item = event.target.matches(".card[data-feature], .story[data-story]") ? event.target : null;
      if (item && !item.classList.contains("compact")) {
        event.preventDefault();
        if (item.dataset.story === undefined) openFeature(item);
        else openStory(item);
      }
    }
  });

  // A saved edit answers 204: close the editor, or clear a quick-add form for the next entry. An edit
  // that could not reach the server waits in the outbox (static/live.js) and is treated the same way.
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || xhr.status !== 204) return;
    saved(event.detail.elt);
  });
  document.addEventListener("piboard:queued", function (event) {
    saved(event.target);
  });

  function saved(form) {
    if (!form || form.tagName !== "FORM") return;
    form.querySelectorAll(".refusal-slot").forEach(function (s) { s.textContent = ""; });
    // The live update may have come first, and the person moved on to the next edit in this same form
    // (the editor opened on another card): this answer is not theirs to close or clear.
    if (window.piboardTyping.typedSinceSent(form)) return;
    if (form.closest(".editor-pop")) {
      close(true);
    } else if (form.classList.contains("quick-add")) {
      var text = form.querySelector("input[name='args.title'], input[name='args.statement']");
      if (text) {
        text.value = "";
        text.focus();
      }
    }
  }

  // --- drag & drop --------------------------------------------------------------------------------

  var dragged = null;

  // Drawing a string: drag a card's → handle onto the card (or the team row) that provides it.
  var drawing = null; // the requesting card

  function stringTarget(event) {
    if (!drawing || !event.target.closest) return null;
    var card = event.target.closest(".card[data-feature]");
    if (card && card !== drawing && card.dataset.team) return card;
    return card ? null : event.target.closest(".team-row[data-team]");
  }

  document.addEventListener("dragstart", function (event) {
    var handle = event.target.closest && event.target.closest(".string-handle");
    if (!handle) return;
    event.stopPropagation();
    close(false);
    drawing = handle.closest(".card[data-feature]");
    event.dataTransfer.effectAllowed = "link";
    event.dataTransfer.setData("text/plain", "needs:" + drawing.dataset.feature);
    drawing.classList.add("drawing-string");
  }, true);

  document.addEventListener("dragover", function (event) {
    var target = stringTarget(event);
    if (!target) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "link";
    document.querySelectorAll(".string-over").forEach(function (el) {
      if (el !== target) el.classList.remove("string-over");
    });
    target.classList.add("string-over");
  });

  document.addEventListener("drop", function (event) {
    var target = stringTarget(event);
    if (!target) return;
    event.preventDefault();
    var card = drawing;
    endDrawing();
    askFrom(card, target);
  });

  function endDrawing() {
    if (drawing) drawing.classList.remove("drawing-string");
    drawing = null;
    document.querySelectorAll(".string-over").forEach(function (el) { el.classList.remove("string-over"); });
  }
  document.addEventListener("dragend", endDrawing);

  document.addEventListener("dragstart", function (event) {
    if (drawing) return;
    var card = event.target.closest && event.target.closest(".card[data-feature]");
    if (!card || card.dataset.mayMove !== "true") return;
    close(false);
    dragged = { card: card, from: card.parentElement, next: card.nextSibling };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.feature);
    card.classList.add("dragging");
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.card.classList.remove("dragging");
    document.querySelectorAll(".cell.drop-here").forEach(function (c) { c.classList.remove("drop-here"); });
  });

  document.addEventListener("dragover", function (event) {
    var cell = dragged && event.target.closest && event.target.closest(".cell[data-iteration]");
    if (!cell) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".cell.drop-here").forEach(function (c) {
      if (c !== cell) c.classList.remove("drop-here");
    });
    cell.classList.add("drop-here");
  });

  document.addEventListener("drop", function (event) {
    var cell = dragged && event.target.closest && event.target.closest(".cell[data-iteration]");
    if (!cell) return;
    event.preventDefault();
    cell.classList.remove("drop-here");
    var move = dragged;
    dragged = null;
    move.card.classList.remove("dragging");
    if (cell === move.from) return;
    cell.appendChild(move.card); // shown at once; the live update confirms it, a refusal undoes it
    scheduleRedraw();
    sendMove(move, cell);
  });

  function sendMove(move, cell) {
    var card = move.card;
    var fields = new URLSearchParams();
    fields.set("type", "feature.move");
    fields.set("target", card.dataset.feature);
    fields.set("base_version", card.dataset.version);
    fields.set("args.team_id", cell.dataset.team);
    fields.set("args.iteration_id", cell.dataset.iteration);
    card.classList.add("pending");
    // Say first what the move takes with it (its stories, the loads they change); then send it.
    window.piboardConfirm.previewThen(fields, "move", function (choice) {
      if (choice === "cancel") {
        card.classList.remove("pending");
        undoMove(move);
        return;
      }
      if (choice === "alone") fields.set("args.carry_stories", "false");
      fields.set("client_op_id", "drag-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 8));
      postMove(move, cell, fields);
    }, function (refusal) {
      card.classList.remove("pending");
      undoMove(move);
      showRefusal(move.card, refusal, 409);
    });
  }

  function postMove(move, cell, fields) {
    var card = move.card;
    window.piboardSendOp(fields, card.id, function (status, html, seq) {
      card.classList.remove("pending");
      if (status === 0) return; // not reached the server: it waits in the outbox, shown as pending
      if (status === 204) {
        if (seq) window.piboardConfirm.offerUndo(seq, "Moved “" + card.dataset.title + "” to " + cellName(cell) + ".");
        return;
      }
      undoMove(move);
      showRefusal(move.card, html, status);
    });
  }

  function cellName(cell) {
    return cell.getAttribute("aria-label") || "the backlog";
  }

  function undoMove(move) {
    if (!move.card.isConnected || !move.from.isConnected) return; // re-rendered since: the server's view wins
    move.from.insertBefore(move.card, move.next && move.next.parentElement === move.from ? move.next : null);
    scheduleRedraw();
  }

  function showRefusal(anchor, html, status) {
    var slot = document.getElementById("toast-slot");
    if (!slot) return;
    var toast = document.createElement("div");
    toast.className = "refusal-pop";
    toast.setAttribute("role", "alert");
    if (html && status >= 400 && status < 500) {
      toast.innerHTML = html; // the form door's refusal fragment, rendered (and escaped) by the server
    } else {
      var p = document.createElement("p");
      p.className = "refusal";
      p.textContent = "Not saved: the server could not be reached. Try again.";
      toast.appendChild(p);
    }
    slot.appendChild(toast);
    var target = anchor.isConnected ? anchor : document.getElementById(anchor.id) || anchor;
    target.classList.add("refused");
    place(toast, target);
    setTimeout(function () {
      toast.remove();
      target.classList.remove("refused");
    }, 6000);
  }

  // --- filters --------------------------------------------------------------------------------------

  // The filter form can be replaced (a reset re-renders #main), so it is looked up every time and
  // its state lives in the URL (?team=…&only=…), which also makes a filtered board shareable.
  var wrap = function () { return document.querySelector(".program-wrap"); };
  var filterForm = function () { return document.querySelector("form.filters"); };

  function currentFilter() {
    var params = new URLSearchParams(window.location.search);
    return {
      team: params.get("team") || "",
      only: (params.get("only") || "").replace(/[^a-z-]/g, ""),
      overview: params.get("overview") === "1",
      follow: params.get("follow") || "",
      dep: params.get("dep") || "",
    };
  }

  function showFilterInForm() {
    var form = filterForm();
    if (!form || form.dataset.synced === "true") return;
    var f = currentFilter();
    form.elements.namedItem("team").value = f.team;
    var only = form.querySelector("input[name=only][value='" + f.only + "']");
    if (only) only.checked = true;
    var overview = document.getElementById("overview-toggle");
    if (overview) overview.checked = f.overview;
    var follow = document.getElementById("follow-team");
    if (follow) follow.value = f.follow;
    form.dataset.synced = "true";
  }

  // The filters live in the URL, so a filtered (or followed) board is a link that can be shared.
  function setFilter(change) {
    var f = currentFilter();
    Object.keys(change).forEach(function (key) { f[key] = change[key]; });
    var q = new URLSearchParams();
    if (f.team) q.set("team", f.team);
    if (f.only) q.set("only", f.only);
    if (f.overview) q.set("overview", "1");
    if (f.follow) q.set("follow", f.follow);
    if (f.dep) q.set("dep", f.dep);
    history.replaceState(null, "", window.location.pathname + (q.toString() ? "?" + q : ""));
    var form = filterForm();
    if (form) form.dataset.synced = "false";
    applyFilters();
    scheduleRedraw();
  }

  // What the strings follow: one dependency (?dep=), else one team (?follow=), else nothing. A name
  // that is not (or no longer) on the board follows nothing, and the status line says so.
  function following() {
    var f = currentFilter();
    // Only the program page follows (the history's past boards and the big screen draw every string).
    if (!document.getElementById("follow-status")) return { kind: "" };
    if (f.dep) {
      var li = document.getElementById("dep-" + f.dep);
      if (li && li.matches("#strings li[data-from]")) {
        return {
          kind: "dep", id: f.dep,
          shows: function (item) { return item === li; },
          label: "Following one dependency: " + li.querySelector(".dep-text").textContent.replace(/\s+/g, " ").trim(),
        };
      }
      return { kind: "", missing: "That dependency is no longer on the board." };
    }
    if (f.follow) {
      var option = document.querySelector("#follow-team option[value='" + CSS.escape(f.follow) + "']");
      if (option && f.follow) {
        return {
          kind: "team", id: f.follow,
          shows: function (item) { return (" " + item.dataset.teams + " ").indexOf(" " + f.follow + " ") !== -1; },
          label: "Following " + option.textContent.trim() + "’s strings",
        };
      }
      return { kind: "", missing: "That team is not on the board." };
    }
    return { kind: "" };
  }

  // The elements a followed string ends at (cards, or a team's label), by id.
  function followedEnds(follow) {
    var ends = {};
    if (!follow.kind) return ends;
    document.querySelectorAll("#strings li[data-from]").forEach(function (li) {
      if (!follow.shows(li)) return;
      ends[li.dataset.from] = true;
      if (li.dataset.to) ends[li.dataset.to] = true;
    });
    return ends;
  }

  // The overview: the whole ART on one screen, drawn at a size people read (no scaling). The columns
  // share the width; each team row gets its share of the height left in the window, and a cell shows
  // the cards that fit in it, one line each, and counts the others ("+3", their titles on hover).
  // Cards at the end of a followed string are shown first.
  function applyOverview(ends) {
    var w = wrap();
    var toggle = document.getElementById("overview-toggle");
    var grid = w && w.querySelector(".program-grid");
    // Only the program page has the overview; the big screen counts its cells' cards itself.
    if (!grid || !toggle) return;
    var on = toggle.checked;
    w.classList.toggle("overview", on);
    grid.querySelectorAll(".card.ov-hidden").forEach(function (card) {
      card.classList.remove("ov-hidden");
      card.hidden = false;
    });
    grid.querySelectorAll(".cell-head .more").forEach(function (more) {
      if (!more.hidden) more.hidden = true;
    });
    // A one-line card cut with a "…" says its whole title on hover.
    grid.querySelectorAll(".card[data-title]").forEach(function (card) {
      var title = on ? card.dataset.title : null;
      if (card.getAttribute("title") !== title) {
        if (title) card.setAttribute("title", title);
        else card.removeAttribute("title");
      }
    });
    if (!on) return;
    var rows = grid.querySelectorAll(".team-row:not(.filtered-out)");
    if (!rows.length) return;
    // The rows' share of the window below where they start on the page scrolled to its top.
    var room = window.innerHeight - (rows[0].getBoundingClientRect().top + window.scrollY) - 8;
    var share = (room - 3 * (rows.length - 1)) / rows.length;
    // Measure every cell first, then hide: one layout, not one a cell.
    var plans = [];
    rows.forEach(function (row) {
      row.querySelectorAll(".cell").forEach(function (cell) {
        var plan = cellPlan(cell, share, ends);
        if (plan) plans.push(plan);
      });
    });
    plans.forEach(applyPlan);
  }

  // Which cards of a cell its height shows, and which it counts.
  function cellPlan(cell, height, ends) {
    var cards = Array.prototype.filter.call(cell.querySelectorAll(".card"), function (c) { return c.offsetParent !== null; });
    if (!cards.length) return null;
    var style = getComputedStyle(cell);
    var inner = height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)
      - parseFloat(style.borderTopWidth) - parseFloat(style.borderBottomWidth);
    var gap = parseFloat(style.rowGap) || 0;
    var line = Math.max.apply(null, cards.map(function (c) { return c.offsetHeight; })) + gap;
    // Two lines at least: a window too low for that scrolls rather than hide a whole cell. The count
    // needs no line of its own: the cell head floats beside the first card.
    var fit = Math.max(2, Math.floor((inner + gap) / line));
    if (cards.length <= fit) return null;
    var order = cards.filter(function (c) { return ends[c.id]; }).concat(cards.filter(function (c) { return !ends[c.id]; }));
    return { cell: cell, hidden: order.slice(fit) };
  }

  function applyPlan(plan) {
    var hidden = plan.hidden;
    hidden.forEach(function (card) {
      card.classList.add("ov-hidden");
      card.hidden = true;
    });
    var more = plan.cell.querySelector(".cell-head .more");
    if (!more) return;
    var text = "+" + hidden.length;
    // Only a changed text is written: the page redraws on every change of its DOM's children.
    if (more.textContent !== text) more.textContent = text;
    var names = hidden.length + " more: " + hidden.map(function (c) { return c.dataset.title; }).join("; ");
    if (more.title !== names) more.title = names;
    more.hidden = false;
  }

  function showFollowing(follow, drawn) {
    var status = document.getElementById("follow-status");
    var w = wrap();
    if (w) w.classList.toggle("following", !!follow.kind);
    if (!status) return;
    var text = follow.kind ? follow.label + " (" + drawn + (drawn === 1 ? " string" : " strings") + " drawn)." : follow.missing || "";
    var what = status.querySelector(".follow-what");
    if (what.textContent !== text) what.textContent = text;
    var clear = document.getElementById("follow-clear");
    var any = !!(currentFilter().follow || currentFilter().dep);
    if (clear.hidden === any) clear.hidden = !any;
    var select = document.getElementById("follow-team");
    if (select && select.value !== (follow.kind === "team" ? follow.id : "")) {
      select.value = follow.kind === "team" ? follow.id : "";
    }
  }

  function applyFilters() {
    showFilterInForm();
    var f = currentFilter();
    document.querySelectorAll(".program-wrap, .backlog").forEach(function (el) {
      el.dataset.only = f.only;
    });
    document.querySelectorAll(".team-row").forEach(function (row) {
      row.classList.toggle("filtered-out", !!f.team && row.dataset.team !== f.team);
    });
    applyOverview(followedEnds(following()));
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form.filters");
    if (!form) return;
    var only = form.querySelector("input[name=only]:checked");
    var overview = document.getElementById("overview-toggle");
    var follow = document.getElementById("follow-team");
    var change = {
      team: form.elements.namedItem("team").value,
      only: only ? only.value : "",
      overview: !!(overview && overview.checked),
    };
    // Choosing a team to follow (or every team) replaces a followed dependency.
    if (follow && event.target === follow) {
      change.follow = follow.value;
      change.dep = "";
    }
    form.dataset.synced = "true";
    setFilter(change);
  });

  function followDep(depId) {
    setFilter({ dep: depId, follow: "" });
  }

  function clearFollow() {
    setFilter({ dep: "", follow: "" });
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) return;
    var str = target.closest("#strings-layer g.str[data-dep]");
    var button = target.closest("[data-follow-dep]");
    if (str || button) {
      followDep(str ? str.getAttribute("data-dep") : button.dataset.followDep);
      // From the list below the grid: bring the string's requesting end into view.
      if (button) {
        var li = document.getElementById("dep-" + button.dataset.followDep);
        var end = li && document.getElementById(li.dataset.from);
        if (end && end.scrollIntoView) end.scrollIntoView({ block: "center" });
      }
      return;
    }
    if (target.closest("#follow-clear")) clearFollow();
  });
  document.addEventListener("submit", function (event) {
    if (event.target.matches && event.target.matches("form.filters")) event.preventDefault();
  });

  // --- red strings ------------------------------------------------------------------------------------

  function visible(el) {
    return el && el.offsetParent !== null && !el.closest(".filtered-out");
  }

  function anchorPoint(rect, base, side) {
    return {
      x: rect.left - base.left + (side === "right" ? rect.width : side === "left" ? 0 : rect.width / 2),
      y: rect.top - base.top + rect.height / 2,
    };
  }

  // The big screen sizes everything in rem (16 px at 1080p, 32 px at 2160p): its badges grow with it,
  // as its strokes do (static/piboard.css). The overview's one-line cards take smaller badges and strokes.
  function screenScale() {
    var w = wrap();
    if (w && w.classList.contains("overview")) return 0.6;
    if (!document.body.classList.contains("big-screen")) return 1;
    return (parseFloat(getComputedStyle(document.documentElement).fontSize) || 16) / 16;
  }

  // Where a string ends: its card, or the "+N" of the overview's cell that counts the card.
  function stringEnd(id) {
    var el = id ? document.getElementById(id) : null;
    if (el && el.classList.contains("ov-hidden")) {
      return el.closest(".cell").querySelector(".cell-head .more") || el;
    }
    return el;
  }

  function countsAnEnd(more, ends) {
    return Array.prototype.some.call(more.closest(".cell").querySelectorAll(".card.ov-hidden"), function (card) {
      return !!ends[card.id];
    });
  }

  // Following a team or one dependency: the cards at the followed strings' ends (and the followed
  // team's own) stay as they are, the others fade.
  function markFollowed(follow, ends) {
    var w = wrap();
    if (!w) return;
    w.querySelectorAll(".card[id], .team-label[id], .cell-head .more").forEach(function (el) {
      var end = !!follow.kind && (el.matches(".more") ? countsAnEnd(el, ends) : !!ends[el.id]);
      if (el.classList.contains("follow-end") !== end) el.classList.toggle("follow-end", end);
      var own = follow.kind === "team" && el.matches(".card") && el.dataset.team === follow.id;
      if (el.classList.contains("follow-own") !== own) el.classList.toggle("follow-own", own);
    });
  }

  function drawStrings() {
    var w = wrap();
    var svg = document.getElementById("strings-layer");
    var list = document.getElementById("strings");
    if (!w || !svg || !list) return;
    var only = currentFilter().only;
    var follow = following();
    var drawn = 0;
    markFollowed(follow, followedEnds(follow));
    var base = w.getBoundingClientRect();
    // The layer's old size is part of the wrap's scroll size: drop it first, or a wrap that shrank
    // (the big screen's page line appeared) keeps a layer taller than itself.
    svg.setAttribute("width", 0);
    svg.setAttribute("height", 0);
    var width = w.scrollWidth, height = w.scrollHeight;
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.appendChild(markerDefs());
    list.querySelectorAll("li[data-from]").forEach(function (li) {
      var state = li.dataset.state;
      var atRisk = li.classList.contains("at-risk");
      // Counted among the conflicts (a conflict, or declined) as the server says: data-conflict.
      var conflict = li.dataset.conflict === "true";
      if (follow.kind && !follow.shows(li)) return;
      // One dependency followed is drawn whatever the other filters say: it was chosen.
      var chosen = follow.kind === "dep";
      if (!chosen && only === "conflicts" && !conflict) return;
      if (!chosen && only === "at-risk" && !conflict && !atRisk) return;
      if (!chosen && state === "done" && only) return;
      var from = stringEnd(li.dataset.from);
      var to = stringEnd(li.dataset.to);
      // Another train's end is not on this board: the string goes to a marker at the board's right
      // edge that names the other train and team (a cross-train dependency, data-other-train).
      var edge = "";
      if (li.dataset.otherTrain && visible(from) !== visible(to)) edge = visible(from) ? "to" : "from";
      if (!edge && (!visible(from) || !visible(to) || from === to)) return;
      // A string to a team's label means nothing is planned for it yet: worth a line only in conflict.
      var cardToCard = [from, to].every(function (end) { return !end || !end.classList.contains("team-label"); });
      if (!chosen && !cardToCard && !conflict) return;
      drawn += 1;
      var a = edge === "from" ? edgeRect(to.getBoundingClientRect(), base, width) : from.getBoundingClientRect();
      var b = edge === "to" ? edgeRect(a, base, width) : to.getBoundingClientRect();
      var leftToRight = a.left + a.width / 2 <= b.left + b.width / 2;
      var p = anchorPoint(b, base, leftToRight ? "left" : "right"); // provider
      var q = anchorPoint(a, base, leftToRight ? "right" : "left"); // requester
      if (Math.abs(a.left - b.left) < 4) {
        p = anchorPoint(b, base, "right");
        q = anchorPoint(a, base, "right");
      }
      var dx = Math.max(40, Math.abs(q.x - p.x) / 2);
      var sameColumn = Math.abs(a.left - b.left) < 4;
      var c1x = sameColumn ? p.x + dx : p.x + (leftToRight ? -dx : dx);
      var c2x = sameColumn ? q.x + dx : q.x + (leftToRight ? dx : -dx);
      var d = "M" + p.x + "," + p.y + " C" + c1x + "," + p.y + " " + c2x + "," + q.y + " " + q.x + "," + q.y;
      var group = document.createElementNS(SVG, "g");
      group.setAttribute("class", "str str-" + state + (atRisk ? " str-at-risk" : ""));
      group.setAttribute("data-dep", li.id.replace(/^dep-/, ""));
      group.setAttribute("data-ends", li.dataset.from + " " + (li.dataset.to || ""));
      var title = document.createElementNS(SVG, "title");
      title.textContent = li.textContent.replace(/\s+/g, " ").trim();
      var halo = document.createElementNS(SVG, "path");
      halo.setAttribute("d", d);
      halo.setAttribute("class", "halo");
      var path = document.createElementNS(SVG, "path");
      path.setAttribute("d", d);
      path.setAttribute("class", "line");
      path.setAttribute("marker-end", "url(#pb-arrow-" + state + ")");
      group.appendChild(title);
      group.appendChild(halo);
      group.appendChild(path);
      if (edge) group.appendChild(edgeMarker(edge === "to" ? p : q, width, li.dataset.otherTrain));
      if (state === "conflict") {
        // Not colour alone: a conflicted string is dashed and carries a ✖ badge at its middle.
        var mid = path.getPointAtLength(path.getTotalLength() / 2);
        var badge = document.createElementNS(SVG, "g");
        badge.setAttribute("class", "badge");
        badge.setAttribute("transform", "translate(" + mid.x + "," + mid.y + ") scale(" + screenScale() + ")");
        var circle = document.createElementNS(SVG, "circle");
        circle.setAttribute("r", "10");
        var cross = document.createElementNS(SVG, "path");
        cross.setAttribute("d", "M-4,-4 L4,4 M4,-4 L-4,4");
        badge.appendChild(circle);
        badge.appendChild(cross);
        group.appendChild(badge);
      }
      svg.appendChild(group);
    });
    showFollowing(follow, drawn);
  }

  // Where a string to another train ends: the board's right edge, level with the end on this board.
  function edgeRect(near, base, width) {
    return { left: base.left + width - 10, top: near.top, width: 10, height: near.height };
  }

  function edgeMarker(point, width, words) {
    var marker = document.createElementNS(SVG, "g");
    marker.setAttribute("class", "edge-marker");
    var dot = document.createElementNS(SVG, "circle");
    dot.setAttribute("cx", point.x);
    dot.setAttribute("cy", point.y);
    dot.setAttribute("r", "5");
    var label = document.createElementNS(SVG, "text");
    label.setAttribute("x", width - 14);
    label.setAttribute("y", point.y - 9);
    label.setAttribute("text-anchor", "end");
    label.textContent = words;
    marker.appendChild(dot);
    marker.appendChild(label);
    return marker;
  }

  function markerDefs() {
    var defs = document.createElementNS(SVG, "defs");
    ["conflict", "committed", "requested", "proposed", "declined", "late", "done"].forEach(function (state) {
      var marker = document.createElementNS(SVG, "marker");
      marker.setAttribute("id", "pb-arrow-" + state);
      marker.setAttribute("viewBox", "0 0 10 10");
      marker.setAttribute("refX", "9");
      marker.setAttribute("refY", "5");
      marker.setAttribute("markerWidth", "7");
      marker.setAttribute("markerHeight", "7");
      marker.setAttribute("orient", "auto-start-reverse");
      marker.setAttribute("class", "arrow arrow-" + state);
      var tip = document.createElementNS(SVG, "path");
      tip.setAttribute("d", "M0,0 L10,5 L0,10 z");
      marker.appendChild(tip);
      defs.appendChild(marker);
    });
    return defs;
  }

  // Pointing at (or focusing) a card brings its strings forward and fades the others.
  function highlight(card) {
    var svg = document.getElementById("strings-layer");
    if (!svg) return;
    var any = false;
    svg.querySelectorAll("g.str").forEach(function (g) {
      var on = !!card && (" " + g.getAttribute("data-ends") + " ").indexOf(" " + card.id + " ") !== -1;
      g.classList.toggle("hl", on);
      any = any || on;
    });
    svg.classList.toggle("has-hl", any);
  }
  ["mouseover", "focusin"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var card = event.target.closest && event.target.closest(".program-wrap .card[id]");
      highlight(card || null);
    });
  });

  var redrawPending = false;
  function scheduleRedraw() {
    if (redrawPending) return;
    redrawPending = true;
    requestAnimationFrame(function () {
      redrawPending = false;
      applyFilters();
      drawStrings();
      if (openEditor && openEditor.pop.hidden === false && openEditor.anchor.id) {
        var fresh = document.getElementById(openEditor.anchor.id);
        if (fresh && fresh !== openEditor.anchor) {
          fresh.classList.add("editing");
          openEditor.anchor = fresh;
        }
      }
    });
  }

  // Live fragments replace whole regions, and a reset replaces #main itself (static/live.js): watch
  // the whole body, not a particular element or event.
  if (window.MutationObserver) {
    new MutationObserver(function (mutations) {
      for (var i = 0; i < mutations.length; i++) {
        var t = mutations[i].target;
        if (!(t instanceof Element) || !t.closest("#strings-layer, .editor-pop, .toast-slot")) {
          scheduleRedraw();
          return;
        }
      }
    }).observe(body, { childList: true, subtree: true });
  }
  window.addEventListener("resize", scheduleRedraw);
  window.addEventListener("load", scheduleRedraw);
  document.addEventListener("piboard:layout", scheduleRedraw); // the big screen turned a page or fitted cells
  scheduleRedraw();
})();
