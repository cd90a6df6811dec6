// The big screen's stage. The board keeps its whole height: when the ART has more teams than rows of a
// legible height fit, the screen pages through them; the "team" scene shows one team and "rotate" each
// team in turn (breakouts). Every cell that cannot show all its cards hides the ones that do not fit
// and says how many it holds ("+5"; with no room for any card, "6 ▦"), so nothing is hidden silently.
// The → and ← keys turn the page on a screen that has a keyboard; nothing here needs a click.
"use strict";
(function () {
  var MIN_ROW_REM = 6.6; // a row shows at least its cell heads and one card with a two-line title
  var PAGE_SECONDS = 20;
  var page = 0;
  var pageTimer = null;
  var pageSeconds = 0;
  var pending = false;

  function screenEl() { return document.getElementById("screen"); }
  function rem() { return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16; }
  function teamRows() { return Array.prototype.slice.call(document.querySelectorAll("#screen-stage .team-row")); }

  function chunk(list, size) {
    var out = [];
    for (var i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
    return out;
  }

  // The pages of team rows for the current scene.
  function pages(screen) {
    var rows = teamRows();
    var scene = screen.dataset.scene;
    if (scene === "team") return [rows.filter(function (r) { return r.dataset.team === screen.dataset.team; })];
    if (scene === "rotate") return rows.map(function (r) { return [r]; });
    var wrap = screen.querySelector(".program-wrap");
    var grid = screen.querySelector(".program-grid");
    if (!wrap || !grid || !rows.length) return [rows];
    var fixed = 0;
    grid.querySelectorAll(".grid-head, .milestones-row").forEach(function (el) { fixed += el.offsetHeight + 3; });
    var perPage = Math.max(1, Math.floor((wrap.clientHeight - fixed) / (MIN_ROW_REM * rem())));
    if (perPage >= rows.length) return [rows];
    var count = Math.ceil(rows.length / perPage);
    return chunk(rows, Math.ceil(rows.length / count)); // pages of even size
  }

  // Hide the cards that do not fit their cell, and count them in the cell's head.
  function fit(cell) {
    var cards = cell.querySelectorAll(".card");
    var more = cell.querySelector("[data-more]");
    cards.forEach(function (c) { c.hidden = false; });
    if (more) more.hidden = true;
    var hidden = 0;
    for (var i = cards.length - 1; i >= 0 && cell.scrollHeight > cell.clientHeight + 1; i--) {
      cards[i].hidden = true;
      hidden += 1;
    }
    if (more && hidden) {
      more.hidden = false;
      more.textContent = hidden === cards.length ? cards.length + " ▦" : "+" + hidden;
      more.title = hidden === cards.length
        ? cards.length + " features; no room to show them at this size"
        : hidden + " more feature" + (hidden === 1 ? "" : "s") + " in this cell";
    }
    cell.dataset.hiddenCards = String(hidden);
  }

  // The solution's big screen fits its cells by this same rule (static/solution-screen.js).
  window.piboardFitCell = fit;

  function overflows(box) { return box.scrollHeight > box.clientHeight + 1; }

  // A list in a box of bounded height (the help queue, who is remote, a column of the one-team scene's
  // stories, the forecast scene's items): show the rows that fit, in order, and count the others in the box's own sign ("+4 more"),
  // so no row is cut mid-line or left out unsaid. A row that stands for several (a breakout's remote
  // people) says how many in its data-count.
  function fitList(box, rowSelector) {
    var rows = box.querySelectorAll(rowSelector);
    var more = box.querySelector("[data-more]");
    rows.forEach(function (r) { r.hidden = false; });
    if (!more) return;
    more.hidden = true;
    var hidden = 0;
    for (var i = rows.length - 1; i >= 0 && overflows(box); i--) {
      rows[i].hidden = true;
      hidden += parseInt(rows[i].dataset.count || "1", 10) || 1;
      more.hidden = false;
      more.textContent = "+" + hidden + " more";
    }
    more.title = hidden ? hidden + " more not shown for want of room" : "";
  }

  // The solution's big screen fits its Post-PI Planning lists by this same rule (static/solution-screen.js).
  window.piboardFitList = fitList;

  // The objectives scene: as many teams as fit whole, page by page ("Teams 1–6 of 12 · page 1 of 2").
  function objectivePages(box) {
    var sections = Array.prototype.slice.call(box.children);
    var out = [];
    var start = 0;
    while (start < sections.length) {
      sections.forEach(function (s, k) { s.hidden = k < start; });
      var bottom = box.getBoundingClientRect().top + box.clientTop + box.clientHeight + 1;
      var count = 0;
      while (start + count < sections.length && sections[start + count].getBoundingClientRect().bottom <= bottom) count++;
      count = Math.max(1, count);
      out.push(sections.slice(start, start + count));
      start += count;
    }
    return out;
  }

  function label(all, current, total) {
    var el = document.getElementById("screen-page");
    if (!el) return;
    var first = total.indexOf(current[0]) + 1;
    var text = all.length > 1
      ? "Teams " + first + "–" + (first + current.length - 1) + " of " + total.length + " · page " + (page + 1) + " of " + all.length
      : "";
    if (el.textContent !== text) el.textContent = text;
  }

  function showPages(screen, all, total, apply) {
    if (page >= all.length) page = 0;
    var current = all[page] || [];
    apply(current);
    screen.dataset.page = String(page + 1);
    screen.dataset.pages = String(all.length);
    label(all, current, total);
    schedulePaging(screen, all.length);
    return current;
  }

  function show() {
    var screen = screenEl();
    if (!screen) return;
    screen.querySelectorAll(".screen-help").forEach(function (box) { fitList(box, ".help-row"); });
    screen.querySelectorAll(".screen-remote").forEach(function (box) { fitList(box, ".remote-row"); });
    screen.querySelectorAll(".stage-forecast").forEach(function (box) { fitList(box, ".forecast-row"); });
    var goals = screen.querySelector(".stage-objectives");
    if (goals) {
      var sections = Array.prototype.slice.call(goals.children);
      // The page line takes its height before the teams are measured (it says "Teams 1–6 of 12").
      var line = document.getElementById("screen-page");
      if (line && !line.textContent) line.textContent = "\u00a0";
      showPages(screen, objectivePages(goals), sections, function (current) {
        sections.forEach(function (s) { s.hidden = current.indexOf(s) === -1; });
      });
      return;
    }
    var grid = screen.querySelector(".program-grid");
    if (!grid) return;
    var current = showPages(screen, pages(screen), teamRows(), function (current) {
      teamRows().forEach(function (row) { row.classList.toggle("off-page", current.indexOf(row) === -1); });
      grid.style.setProperty("--page-rows", String(Math.max(1, current.length)));
    });
    current.forEach(function (row) { row.querySelectorAll(".cell").forEach(fit); });
    screen.querySelectorAll(".story-cell").forEach(function (box) { fitList(box, ".story-line"); });
    document.dispatchEvent(new CustomEvent("piboard:layout"));
  }

  function schedulePaging(screen, count) {
    var seconds = count > 1 ? (screen.dataset.scene === "rotate" ? parseInt(screen.dataset.rotateSeconds, 10) || 30 : PAGE_SECONDS) : 0;
    if (seconds === pageSeconds) return;
    pageSeconds = seconds;
    if (pageTimer) clearInterval(pageTimer);
    pageTimer = seconds ? setInterval(function () { turn(1); }, seconds * 1000) : null;
  }

  function turn(by) {
    var screen = screenEl();
    if (!screen) return;
    var count = parseInt(screen.dataset.pages || "1", 10) || 1;
    page = (page + by + count) % count;
    show();
  }

  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; show(); });
  }

  var scene = "";
  new MutationObserver(function (mutations) {
    for (var i = 0; i < mutations.length; i++) {
      var t = mutations[i].target;
      if (!(t instanceof Element) || !t.closest("[data-more], #screen-page, #strings-layer, [data-timer]")) {
        var s = screenEl();
        var now = s ? s.dataset.scene + ":" + s.dataset.team : "";
        if (now !== scene) { scene = now; page = 0; } // a new scene starts on its first page
        schedule();
        return;
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
  window.addEventListener("resize", schedule);
  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight") turn(1);
    if (event.key === "ArrowLeft") turn(-1);
  });
  var first = screenEl();
  scene = first ? first.dataset.scene + ":" + first.dataset.team : "";
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(schedule);
  schedule();
})();
