// The ROAM board's behaviours: drag a risk card to another column, and edit a risk's text in the editor.
//
// A drop presses the target column's button in the card's "Move to…" menu: the same form, op and refusal
// as the keyboard's way through that menu, so only cards this person may ROAM are draggable. Owned needs
// an owner: a card without one dropped on Owned opens its menu at the owner's field instead of being
// refused. The editor (#risk-editor, outside the live regions) is filled from the card's data-* and sends
// risk.update through the form door; it closes once the server took it and shows a refusal in place.
"use strict";
(function () {
  function cardOf(riskId) {
    return document.querySelector(".roam-column .risk-card[data-risk='" + CSS.escape(riskId) + "']");
  }

  // Draggable once htmx is in: a drop before then would be a form htmx has not taken over yet.
  function markDraggable() {
    if (!window.piboardHtmx) return;
    document.querySelectorAll(".roam-column .risk-card").forEach(function (card) {
      var movable = !!card.querySelector("form.roam-move");
      if (movable !== (card.getAttribute("draggable") === "true")) card.setAttribute("draggable", movable ? "true" : "false");
    });
  }

  var dragged = null;
  document.addEventListener("dragstart", function (ev) {
    var card = ev.target.closest && ev.target.closest(".roam-column .risk-card[draggable=true]");
    if (!card) return;
    dragged = card.dataset.risk;
    ev.dataTransfer.setData("text/plain", dragged);
    ev.dataTransfer.effectAllowed = "move";
    card.classList.add("dragging");
  });
  document.addEventListener("dragover", function (ev) {
    var column = ev.target.closest && ev.target.closest(".roam-column");
    if (!column || !dragged) return;
    ev.preventDefault();
    document.querySelectorAll(".roam-column.drop-here").forEach(function (c) { if (c !== column) c.classList.remove("drop-here"); });
    column.classList.add("drop-here");
  });
  function endDrag() {
    document.querySelectorAll(".drop-here, .dragging").forEach(function (el) { el.classList.remove("drop-here", "dragging"); });
    dragged = null;
  }
  document.addEventListener("drop", function (ev) {
    var column = ev.target.closest && ev.target.closest(".roam-column");
    if (!column || !dragged) return;
    ev.preventDefault();
    var card = cardOf(dragged);
    endDrag();
    if (card) moveTo(card, column.dataset.column);
  });
  document.addEventListener("dragend", endDrag);

  function moveTo(card, roam) {
    var button = card.querySelector("form.roam-move [data-roam-to='" + CSS.escape(roam) + "']");
    if (!button) return; // dropped on its own column
    var owner = card.querySelector("form.roam-move input[name='args.owner']");
    if (roam === "owned" && owner && !owner.value.trim()) {
      var menu = card.querySelector("details.roam-menu");
      if (menu) menu.open = true;
      var slot = card.querySelector("form.roam-move .refusal-slot");
      if (slot) slot.textContent = "Owned needs an owner: name who owns it, then press Owned.";
      owner.focus();
      return;
    }
    button.click();
  }

  // --- the editor -------------------------------------------------------------------------------------

  // Looked up each time: a page fetched again (too far behind) brings a new #main and a new editor with it.
  function editorOf() { return document.getElementById("risk-editor"); }
  function field(editor, name) { return editor.querySelector("[name='" + name + "']"); }

  function openEditor(editor, card) {
    editor.querySelectorAll("input[name=target]").forEach(function (i) { i.value = card.dataset.risk; });
    editor.querySelectorAll("input[name=base_version]").forEach(function (i) { i.value = card.dataset.version; });
    field(editor, "args.title").value = card.dataset.title || "";
    field(editor, "args.description").value = card.dataset.description || "";
    field(editor, "args.owner").value = card.dataset.owner || "";
    editor.querySelector(".refusal-slot").textContent = "";
    var remove = editor.querySelector("form.delete-risk");
    if (remove) remove.hidden = card.dataset.mayDelete !== "true";
    editor.dataset.risk = card.dataset.risk;
    editor.showModal();
    field(editor, "args.title").focus();
  }

  // Focus goes back to the card's Edit once the editor closes, also when the saved change re-renders
  // the card a moment later (the old button, and its focus, are gone then) or already did while the
  // editor was open (the browser then leaves focus on the closed editor's Save, which it drops soon after).
  var returnTo = null;
  var returnTimer = null;
  function restoreFocus() {
    if (!returnTo) return;
    var editor = editorOf();
    if (editor && editor.open) return;
    var active = document.activeElement;
    var lost = !active || active === document.body || !active.isConnected || (editor && editor.contains(active));
    if (!lost) return;
    var card = cardOf(returnTo);
    var button = card && card.querySelector("[data-edit-risk]");
    if (button) button.focus();
  }

  document.addEventListener("click", function (ev) {
    var editor = editorOf();
    if (!editor || !ev.target.closest) return;
    var button = ev.target.closest("[data-edit-risk]");
    if (button) openEditor(editor, button.closest(".risk-card"));
    else if (ev.target.closest("#risk-editor [data-action=cancel]")) editor.close();
  });
  // "close" does not bubble: listened for on the way down.
  document.addEventListener("close", function (ev) {
    if (ev.target.id !== "risk-editor") return;
    returnTo = ev.target.dataset.risk || null;
    clearTimeout(returnTimer);
    returnTimer = setTimeout(function () { returnTo = null; }, 30000); // a live update may come late
    restoreFocus();
  }, true);
  // Someone moving on elsewhere (a click anywhere, focus elsewhere) ends the wait to give focus back.
  document.addEventListener("focusin", function (ev) {
    if (returnTo && !(ev.target.dataset && ev.target.dataset.editRisk === returnTo)) returnTo = null;
  });
  document.addEventListener("pointerdown", function () { returnTo = null; }, true);
  document.addEventListener("htmx:afterRequest", function (ev) {
    var editor = ev.detail.elt.closest && ev.detail.elt.closest("#risk-editor");
    if (!editor || ev.detail.elt.tagName !== "FORM" || !ev.detail.xhr || ev.detail.xhr.status !== 204) return;
    var typing = window.piboardTyping; // static/typing.js, in the bundle of the editors
    if (typing && typing.typedSinceSent(ev.detail.elt)) return; // another risk opened in it meanwhile
    if (editor.open) editor.close();
  });

  new MutationObserver(function () { markDraggable(); restoreFocus(); }).observe(document.body, { childList: true, subtree: true });
  document.addEventListener("piboard:htmx-ready", markDraggable);
  markDraggable();
})();
