// Say what an edit takes with it before it is applied, and offer to take a move back afterwards.
//
// A form (or a drag) whose op may take more with it asks the preview door (POST /b/{board}/ops/preview,
// the same fields as the op) and shows its answer in a dialog: a deletion always asks; a move asks only
// when stories move with the feature or loads change, and can then move the feature alone. A move that
// went through offers "Undo" for a while: an event.undo op naming the move's seq, sent through the same
// form door as every edit (the server refuses it, with a reason, if the items changed since).
"use strict";

(function () {
  var body = document.body;
  var boardId = body.dataset.board;
  if (!boardId) return;
  var base = "/b/" + encodeURIComponent(boardId) + "/ops";
  var UNDO_SECONDS = 15;

  function dialog() {
    var box = document.getElementById("confirm-op");
    if (box) return box;
    box = document.createElement("dialog");
    box.id = "confirm-op";
    box.className = "confirm-op";
    box.setAttribute("aria-labelledby", "confirm-op-title");
    box.innerHTML =
      '<h2 id="confirm-op-title" class="editor-title">Before it is done</h2>' +
      '<div class="confirm-body"></div>' +
      '<div class="buttons"><button type="button" data-choice="all" class="primary"></button> ' +
      '<button type="button" data-choice="alone" hidden>Move only the feature</button> ' +
      '<button type="button" data-choice="cancel">Cancel</button></div>';
    body.appendChild(box);
    return box;
  }

  // choices: {all: label, alone: bool}; then(choice) with "all" | "alone" | "cancel".
  function ask(html, choices, then) {
    var box = dialog();
    // The preview door's fragment: rendered, with every user text escaped, by the server.
    box.querySelector(".confirm-body").innerHTML = html;
    box.querySelector("[data-choice=all]").textContent = choices.all;
    box.querySelector("[data-choice=alone]").hidden = !choices.alone;
    var done = false;
    function finish(choice) {
      if (done) return;
      done = true;
      box.removeEventListener("click", onClick);
      box.removeEventListener("close", onClose);
      if (box.open) box.close();
      then(choice);
    }
    function onClick(event) {
      var button = event.target.closest("[data-choice]");
      if (button) finish(button.dataset.choice);
    }
    function onClose() { finish("cancel"); }
    box.addEventListener("click", onClick);
    box.addEventListener("close", onClose);
    box.showModal();
    box.querySelector("[data-choice=all]").focus();
  }

  // fields: URLSearchParams of the op. kind: "delete" | "move". then(choice) as in ask(); a move that takes
  // nothing else with it, or a preview the server cannot give now (offline), goes on without asking.
  function previewThen(fields, kind, then, onRefusal) {
    fetch(base + "/preview", { method: "POST", body: fields, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (html) { return { status: response.status, html: html }; });
      })
      .then(function (answer) {
        if (answer.status >= 400 && answer.status < 500) {
          onRefusal(answer.html);
          return;
        }
        if (answer.status !== 200) throw new Error("HTTP " + answer.status);
        var parsed = new DOMParser().parseFromString(answer.html, "text/html").querySelector(".consequences");
        var movesMore = parsed && (parsed.dataset.storiesMoved !== "0" || parsed.dataset.loads !== "0");
        if (kind === "move" && !movesMore) {
          then("all");
          return;
        }
        ask(answer.html, kind === "move" ? { all: "Move with its stories", alone: true } : { all: "Delete" }, then);
      })
      .catch(function () {
        if (kind === "move") then("all");
        else then(window.confirm("Delete it? (What goes with it could not be checked: the server is not reachable.)") ? "all" : "cancel");
      });
  }

  function fieldsOf(form) {
    return new URLSearchParams(new FormData(form));
  }

  // Forms marked data-preview="delete" or "move" ask first (htmx waits for the answer).
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt;
    var kind = form && form.dataset && form.dataset.preview;
    if (!kind) return;
    event.preventDefault();
    var slot = form.querySelector(".refusal-slot") || (form.closest(".editor-pop") || form).querySelector(".refusal-slot");
    previewThen(fieldsOf(form), kind, function (choice) {
      if (choice === "cancel") return;
      var alone = form.querySelector("input[name='args.carry_stories']");
      if (alone) alone.value = choice === "alone" ? "false" : "true";
      event.detail.issueRequest(true);
    }, function (refusal) {
      if (slot) slot.innerHTML = refusal;
    });
  });

  // --- undo right after a move ----------------------------------------------------------------------

  function offerUndo(seq, text) {
    var slot = document.getElementById("toast-slot") || body;
    var old = document.getElementById("undo-toast");
    if (old) old.remove();
    var toast = document.createElement("div");
    toast.id = "undo-toast";
    toast.className = "undo-toast";
    toast.setAttribute("role", "status");
    var label = document.createElement("span");
    label.textContent = text + " ";
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "Undo";
    button.dataset.undoSeq = String(seq);
    toast.appendChild(label);
    toast.appendChild(button);
    slot.appendChild(toast);
    var timer = setTimeout(function () { toast.remove(); }, UNDO_SECONDS * 1000);
    // Opening an editor puts the toast away (its undo stays in the item's History).
    document.addEventListener("piboard:editor-open", function () {
      if (!button.disabled) toast.remove();
    }, { once: true });
    button.addEventListener("click", function () {
      clearTimeout(timer);
      var fields = new URLSearchParams();
      fields.set("type", "event.undo");
      fields.set("target", String(seq));
      button.disabled = true;
      window.piboardSendOp(fields, "", function (status, html) {
        if (status === 0) {
          label.textContent = "The undo waits to be sent. ";
          button.remove();
          return;
        }
        if (status === 204) {
          label.textContent = "Undone. ";
          button.remove();
          setTimeout(function () { toast.remove(); }, 3000);
          return;
        }
        toast.innerHTML = html; // the form door's refusal fragment, escaped by the server
        toast.setAttribute("role", "alert");
        setTimeout(function () { toast.remove(); }, 8000);
      });
    });
  }

  // A move made with a form (the card editor's Move) offers its undo too.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    var xhr = event.detail.xhr;
    if (!form || !form.dataset || form.dataset.preview !== "move" || !xhr || xhr.status !== 204) return;
    var seq = xhr.getResponseHeader("X-Piboard-Seq");
    if (seq) offerUndo(seq, form.dataset.undoText || "Moved.");
  });

  window.piboardConfirm = { previewThen: previewThen, offerUndo: offerUndo };
})();
