"""Nothing on the big screen is cut off in silence: every element against its container and the viewport,
in every scene, at 1920×1080 and 3840×2160, on the demo ART and a generated 12-team ART, while a vote,
a ROAM session, the countdown and ten help requests run at once.

One ``page.evaluate`` walks the DOM and answers the offenders: an element whose content overflows a box
that hides it (``overflow`` not visible), or an element that leaves the viewport or the box of an
ancestor that clips it. Either is allowed only where the container announces what it hides with a
visible ``[data-more]`` sign ("+3", "+2 more"); a line-clamped or ellipsed text shows its "…".
On the same pass: every text is at least 24 px at 1080p (48 px at 2160p), strings and their badges
grow with the screen, and two different cards never read the same (the characters of their titles drawn).
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from board import Op
from board.forecast import forecast
from board.room import SCENES
from server.clock import CLOCK
from tests.browser import FULL_HD, PageAs, screenshot, wait_for_paint
from tests.conftest import BoardHandle, LiveServer, create_board
from tests.live.client import LiveClient
from tests.meeting.browser import goto, wait_live
from tests.screen.big_art import TEAMS, build_big_art

pytestmark = pytest.mark.e2e

UHD = {"width": 3840, "height": 2160}
HELP_NOTES = [
    "Checkout needs a decision on the payments API v2 before the draft plan review",
    "Two features depend on the ledger and nobody owns it yet",
    "Is the loyalty programme in scope for this PI or the next one?",
    "We need the architecture runway for search before iteration 2",
    "",
]
OBJECTIVES = [
    "Customers pay for a saved basket in one click on web and app",
    "Search answers in under a second for the whole catalogue",
    "The ledger is ready for the yearly audit",
    "Loyalty points are earned on every order",
    "Payments API v2 is used by two partners",
]
NEEDS = ["architect", "business_owner", "pm", "rte"]

# The walk: every rendered element under <body>, against the viewport and every ancestor that clips it.
OFFENDERS = """() => {
  const SLACK = 1;
  const vw = window.innerWidth, vh = window.innerHeight;
  const clips = el => {
    const s = getComputedStyle(el); return s.overflowX !== 'visible' || s.overflowY !== 'visible';
  };
  const name = el => el.id ? '#' + el.id
    : el.tagName.toLowerCase() + (el.classList.length ? '.' + [...el.classList].join('.') : '')
      + (el.dataset.team ? `[team=${el.dataset.team}]` : '')
      + (el.dataset.iteration ? `[it=${el.dataset.iteration}]` : '');
  const path = el => {
    const out = [];
    for (let e = el; e && e !== document.body; e = e.parentElement) out.unshift(name(e));
    return out.join(' > ');
  };
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  // A visible sign that says what the box hides: "+3", "+2 more", "6 ▦".
  // The box's own sign: one that the box itself clips (a cell's "+3", not the help list's "+4 more"
  // inside the side column).
  const clipperOf = el => {
    let a = el.parentElement;
    while (a && a !== document.body && !clips(a)) a = a.parentElement;
    return a;
  };
  const announced = box => [...box.querySelectorAll('[data-more]')].some(m => {
    if (!shown(m) || !m.textContent.trim() || clipperOf(m) !== box) return false;
    const r = m.getBoundingClientRect(), b = box.getBoundingClientRect();  // the sign itself is whole
    return r.top >= b.top - SLACK && r.bottom <= b.top + box.clientTop + box.clientHeight + SLACK;
  });
  // A text that draws its own "…" where it is cut.
  const ellipsed = el => { const s = getComputedStyle(el);
    return s.textOverflow === 'ellipsis' || (s.webkitLineClamp && s.webkitLineClamp !== 'none'); };
  const srOnly = r => r.width <= 1 && r.height <= 1;
  const out = [];
  const bad = new Set();
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;  // drawings: their box counts
    if (['script', 'style', 'template'].includes(el.tagName.toLowerCase()) || !shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (srOnly(r)) continue;
    const text = (el.innerText || '').trim().slice(0, 60);
    if (clips(el) && !ellipsed(el) && !announced(el)
        && (el.scrollHeight > el.clientHeight + SLACK || el.scrollWidth > el.clientWidth + SLACK)) {
      out.push({what: 'overflows', el: path(el), text,
        detail: `content ${el.scrollWidth}×${el.scrollHeight} in ${el.clientWidth}×${el.clientHeight}`});
      bad.add(el);
    }
    if (r.width === 0 && r.height === 0) continue;
    const parentBad = el.parentElement && bad.has(el.parentElement);
    // The nearest ancestor that clips this element, if any: it hides it, said or unsaid.
    let clipper = null;
    for (let a = el.parentElement; a && a !== document.body && !clipper; a = a.parentElement) {
      if (!clips(a)) continue;
      const b = a.getBoundingClientRect();
      const left = b.left + a.clientLeft, top = b.top + a.clientTop;
      const inside = r.left >= left - SLACK && r.top >= top - SLACK
        && r.right <= left + a.clientWidth + SLACK && r.bottom <= top + a.clientHeight + SLACK;
      if (!inside) clipper = a;
    }
    if (clipper) {
      if (!announced(clipper) && !ellipsed(clipper)) {
        if (!bad.has(clipper) && !parentBad) {
          out.push({what: 'clipped', el: path(el), text, detail: `outside ${name(clipper)}`});
        }
        bad.add(el);
      }
      continue;
    }
    if (r.left < -SLACK || r.top < -SLACK || r.right > vw + SLACK || r.bottom > vh + SLACK) {
      if (!parentBad) {
        out.push({what: 'off screen', el: path(el), text,
          detail: [r.left, r.top, r.right, r.bottom].map(Math.round).join(',') + ` in ${vw}×${vh}`});
      }
      bad.add(el);
    }
  }
  return out;
}"""


# The cards on screen as they read: the characters of each title drawn inside its box (a clamped title
# loses its last one or two to the "…"), grouped by what they read.
SAME_READING = """() => {
  const read = title => {
    const box = title.getBoundingClientRect();
    const text = title.textContent;
    const node = title.firstChild;
    if (!node || node.nodeType !== Node.TEXT_NODE) return text;
    const range = document.createRange();
    let out = '';
    for (let i = 0; i < text.length; i++) {
      range.setStart(node, i); range.setEnd(node, i + 1);
      const r = range.getBoundingClientRect();
      if (r.bottom <= box.bottom + 0.5 && r.right <= box.right + 0.5) out += text[i];
    }
    const cut = title.scrollHeight > title.clientHeight + 1 || out.length < text.length;
    return cut ? out.slice(0, -2).trim() + '…' : out;
  };
  const seen = {};
  document.querySelectorAll('#screen-stage .card:not([hidden])').forEach(card => {
    if (!card.getClientRects().length) return;
    const title = card.querySelector('.card-title');
    const key = read(title);
    (seen[key] = seen[key] || []).push(card.id);
  });
  return Object.entries(seen).filter(([, ids]) => ids.length > 1);
}"""

# Text too small to read from the back of the room: under 24 px at 1080p (scaled with the screen's height),
# each kind of element once, with its size. Text for screen readers only (1 px boxes) is not drawn.
SMALL_TEXT = """(least) => {
  const found = {};
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!own || !el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 && r.height <= 1) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size >= least - 0.05) continue;
    const key = el.tagName.toLowerCase() + (el.classList.length ? '.' + [...el.classList].join('.') : '');
    const text = JSON.stringify(el.textContent.trim().slice(0, 30));
    found[key] = found[key] || `${key} ${size.toFixed(1)} px: ${text}`;
  }
  return Object.values(found);
}"""

# Strings and their conflict badges, drawn to the screen's scale: a line at least 1.5 px wide at 1080p
# (the done ones; others more), a badge at least 20 px across; both double at 2160p.
THIN_STRINGS = """(scale) => {
  const out = [];
  document.querySelectorAll('#strings-layer .str').forEach(str => {
    const line = str.querySelector('.line');
    const width = parseFloat(getComputedStyle(line).strokeWidth);
    if (width < 1.5 * scale - 0.05) out.push(`string ${str.dataset.dep} is ${width} px wide`);
    const badge = str.querySelector('.badge circle');
    const across = badge ? badge.getBoundingClientRect().width : Infinity;
    if (across < 20 * scale - 0.5) out.push(`badge of ${str.dataset.dep}: ${across.toFixed(1)} px across`);
  });
  return out;
}"""

# The help requests on screen, and how many its "+N more" counts.
HELP_SHOWN = """() => {
  const help = document.getElementById('screen-help');
  const shown = [...help.querySelectorAll('.help-row')].filter(r => r.getClientRects().length).length;
  const more = help.querySelector('[data-more]:not([hidden])');
  return [shown, more ? parseInt(more.textContent.replace(/[^0-9]/g, ''), 10) || 0 : 0];
}"""


# The one-team scene's stories, column by column: [iteration, stories in it, shown, counted by "+N"].
STORIES_SHOWN = """() => [...document.querySelectorAll('#screen-stories .story-cell')].map(cell => {
  const lines = [...cell.querySelectorAll('.story-line')];
  const more = cell.querySelector('[data-more]:not([hidden])');
  return [cell.dataset.iteration, lines.length, lines.filter(l => l.getClientRects().length).length,
          more ? parseInt(more.textContent.replace(/[^0-9]/g, ''), 10) || 0 : 0];
})"""


# The forecast scene's open items: [in the list, shown, counted by its "+N more"].
FORECAST_SHOWN = """() => {
  const box = document.getElementById('screen-forecast');
  const rows = [...box.querySelectorAll('.forecast-row')];
  const more = box.querySelector('[data-more]:not([hidden])');
  return [rows.length, rows.filter(r => r.getClientRects().length).length,
          more ? parseInt(more.textContent.replace(/[^0-9]/g, ''), 10) || 0 : 0];
}"""


# The remote people the help scene shows, and how many its "+N more" counts.
REMOTE_SHOWN = """() => {
  const box = document.getElementById('screen-remote');
  const shown = [...box.querySelectorAll('.remote-person')].filter(p => p.getClientRects().length).length;
  const more = box.querySelector('[data-more]:not([hidden])');
  return [shown, more ? parseInt(more.textContent.replace(/[^0-9]/g, ''), 10) || 0 : 0];
}"""


def offenders(screen: Page, where: str) -> list[str]:
    wait_for_paint(screen)
    found: list[dict[str, str]] = screen.evaluate(OFFENDERS)
    return [f"{where}: {o['what']} {o['el']} ({o['detail']}) {o['text']!r}" for o in found]


def run(board: BoardHandle, *ops: Op) -> None:
    services = board.server.services
    services.op_path.submit_batch(board.id, list(ops), services.auth.actor(board.id, board.rte_session))


def busy_room(board: BoardHandle) -> None:
    """A vote open, a ROAM session on a risk, the countdown running, ten help requests waiting."""
    state = board.server.services.op_path.state(board.id)
    teams = [t.id for t in state.teams]
    risk = next(iter(state.items["risk"]), None)
    ops = [Op("vote.open"), Op("timer.start")]
    if risk is None:
        ops.append(
            Op("risk.create", args={"id": "r-room", "title": "Ledger vendor may slip", "team_id": teams[0]})
        )
    ops.append(Op("roam.focus", target=risk or "r-room"))
    for n in range(10):
        note = HELP_NOTES[n % len(HELP_NOTES)]
        ops.append(
            Op(
                "help.ask",
                args={"team_id": teams[n % len(teams)], "needs": NEEDS[n // len(teams)], "note": note},
            )
        )
    run(board, *ops)


# People taking part remotely, online, in the teams' breakouts: on the demo ART more than the help scene
# shows (its six breakouts hold 16 each).
REMOTE = {"demo": 96, "12 teams": 24}


def remote_sessions(board: BoardHandle, count: int) -> list[tuple[str, str]]:
    """Sessions of ``count`` people who joined saying "I'm remote", each with the team page they have open."""
    teams = [t.id for t in board.server.services.op_path.state(board.id).teams]
    out = []
    with board.rte() as c:
        for n in range(count):
            team = teams[n % len(teams)]
            r = c.post(f"/api/boards/{board.id}/links", json={"role": "team", "team_id": team})
            r.raise_for_status()
            token = r.json()["join_url"].rsplit("/", 1)[1]
            joined = c.post("/api/join", json={"token": token, "name": f"Remote {n:02d}", "remote": True})
            joined.raise_for_status()
            out.append((joined.json()["session"], f"team:{team}"))
    return out


@contextmanager
def online(boards: dict[str, BoardHandle]) -> Iterator[None]:
    """Each board's remote people online (a live socket each, on a loop of its own) while the block runs."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def connect() -> list[LiveClient]:
        return [
            await LiveClient.connect(b.server.ws_url, b.id, session, last_seq=None, view=view, name=view)
            for art, b in boards.items()
            for session, view in remote_sessions(b, REMOTE[art])
        ]

    clients = asyncio.run_coroutine_threadsafe(connect(), loop).result(60)
    try:
        yield
    finally:

        async def close() -> None:
            await asyncio.gather(*(c.close() for c in clients))

        asyncio.run_coroutine_threadsafe(close(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


@pytest.fixture(scope="module")
def arts(e2e_server: LiveServer) -> Iterator[dict[str, BoardHandle]]:
    demo = create_board(e2e_server, name="Demo ART", demo=True)
    big = create_board(e2e_server, name="Big ART")
    build_big_art(big)
    # Objectives for every team of the big ART, so the Objectives scene has twelve teams to show.
    run(
        big,
        *(
            Op(
                "objective.create",
                args={
                    "id": f"o{t:02d}{k}",
                    "team_id": f"t{t:02d}",
                    "statement": statement,
                    "committed": k < 3,
                },
            )
            for t in range(TEAMS)
            for k, statement in enumerate(OBJECTIVES)
        ),
    )
    for art in (demo, big):
        busy_room(art)
    boards = {"demo": demo, "12 teams": big}
    with online(boards):
        yield boards


def scenes(board: BoardHandle) -> list[dict[str, Any]]:
    """Every scene of board.room.SCENES, as the RTE's op would show it."""
    team = board.server.services.op_path.state(board.id).teams[0].id
    with board.rte() as c:
        r = c.post(f"/api/boards/{board.id}/links", json={"role": "observer", "team_id": None})
        r.raise_for_status()
        link = r.json()["id"]
    # The scenes that take more than their name; every other one is shown by its name alone, so a scene
    # added to SCENES is walked here without a word.
    given: dict[str, dict[str, Any]] = {
        "team": {"scene": f"team:{team}"},
        "rotate": {"scene": "rotate", "seconds": 600},
        "join": {"scene": "join", "link": link},
    }
    return [given.get(name, {"scene": name}) for name in SCENES]


@pytest.mark.parametrize("viewport", [FULL_HD, UHD], ids=["1080p", "2160p"])
@pytest.mark.parametrize("art", ["demo", "12 teams"])
def test_nothing_on_the_big_screen_is_cut_off_without_a_sign(
    arts: dict[str, BoardHandle], page_as: PageAs, art: str, viewport: dict[str, int]
) -> None:
    board = arts[art]
    screen = goto(page_as(board, "observer", "Room screen", viewport=viewport), board, "screen")
    wait_live(screen)
    found: list[str] = []
    least = 24 * viewport["height"] / 1080
    for args in scenes(board):
        run(board, Op("screen.show", args=args))
        name = args["scene"].partition(":")[0]
        expect(screen.locator("#screen")).to_have_attribute("data-scene", name)
        if name == "help":
            expect(screen.locator("#screen-remote h2")).to_be_visible()
            # Who takes part remotely: each shown, or counted in the list's "+N more".
            wait_for_paint(screen)
            shown, counted = screen.evaluate(REMOTE_SHOWN)
            if shown + counted != REMOTE[art] or not shown:
                found.append(f"help: {shown} remote people shown and {counted} counted, of {REMOTE[art]}")
        if name == "forecast":
            # Every open dependency and feature the forecast has a chance for: shown, least likely first,
            # or counted in the list's "+N more".
            wait_for_paint(screen)
            total, shown, counted = screen.evaluate(FORECAST_SHOWN)
            found_now = forecast(board.server.services.op_path.state(board.id), CLOCK.today())
            open_items = [
                o
                for o in [*found_now.dependencies.values(), *found_now.features.values()]
                if o.probability is not None and o.why != "done"
            ]
            assert total == len(open_items) > 0, (total, len(open_items))
            if shown + counted != total or not shown:
                found.append(f"forecast: {shown} items shown and {counted} counted, of {total}")
            chances = [
                int(c)
                for c in screen.locator(".forecast-row").evaluate_all(
                    "rows => rows.map(r => r.dataset.chance)"
                )
            ]
            assert chances == sorted(chances), chances
        if name == "join":
            expect(screen.locator(".stage-join img")).to_have_js_property("complete", True)
        if name in ("team", "rotate"):
            # One team on the whole stage: its titles have the height to be read whole.
            cut = screen.evaluate(
                """() => [...document.querySelectorAll('#screen-stage .team-row:not(.off-page) .card-title')]
                    .filter(t => t.getClientRects().length && t.scrollHeight > t.clientHeight + 1)
                    .map(t => t.textContent)"""
            )
            found += [f"{name}: title cut on a one-team stage: {title!r}" for title in cut]
        if name == "team":
            # The team's stories under its row, in every iteration: each shown or counted.
            team = args["scene"].partition(":")[2]
            stories = Counter(
                s.iteration_id
                for s in board.server.services.op_path.state(board.id).stories
                if s.team_id == team
            )
            columns = screen.evaluate(STORIES_SHOWN)
            assert {it: count for it, count, _, _ in columns if count} == dict(stories), columns
            found += [
                f"team: {shown} stories of {it} shown and {counted} counted, of {count}"
                for it, count, shown, counted in columns
                if shown + counted != count or (count and not shown)
            ]
        if name == "agenda":
            # The room reads when each item starts, not only how long it lasts.
            starts = screen.locator(".stage-agenda li .starts").all_inner_texts()
            assert starts and all(re.fullmatch(r"\d\d:\d\d", t) for t in starts), starts
            assert len(starts) == screen.locator(".stage-agenda li").count()
        wait_for_paint(screen)
        pages = int(screen.locator("#screen").get_attribute("data-pages") or "1")
        for n in range(1 if name == "rotate" else pages):
            found += offenders(screen, f"{name} page {n + 1}")
            found += [
                f"{name} page {n + 1}: small text {small}" for small in screen.evaluate(SMALL_TEXT, least)
            ]
            thin = screen.evaluate(THIN_STRINGS, viewport["height"] / 1080)
            found += [f"{name} page {n + 1}: {what}" for what in thin[:3]]
            # Two different cards never read the same.
            for reading, ids in screen.evaluate(SAME_READING):
                found.append(f"{name} page {n + 1}: {', '.join(ids)} all read {reading!r}")
            # The help queue, in the side column or on the stage: every request shown or counted.
            shown, counted = screen.evaluate(HELP_SHOWN)
            if shown + counted != 10:
                found.append(f"{name} page {n + 1}: {shown} help requests shown and {counted} counted, of 10")
            if shown < 2:
                found.append(f"{name} page {n + 1}: only {shown} of 10 help requests shown")
            if n + 1 < pages:
                screen.keyboard.press("ArrowRight")
        screenshot(screen, f"screen-busy-{art.replace(' ', '-')}-{name}")
    assert not found, "\n".join([f"{len(found)} wrong on the big screen:", *found])


# The replay as the room sees it: where the board as it was sits, and how far the page reaches.
REPLAY_BOX = """() => {
  const r = document.getElementById('past').getBoundingClientRect();
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
          wide: document.documentElement.scrollWidth, high: document.documentElement.scrollHeight};
}"""


@pytest.mark.parametrize("viewport", [FULL_HD, UHD], ids=["1080p", "2160p"])
def test_the_replay_fills_the_big_screen_in_text_the_room_reads(
    arts: dict[str, BoardHandle], page_as: PageAs, viewport: dict[str, int]
) -> None:
    board = arts["demo"]
    seq = board.read()["seq"]
    replay = goto(page_as(board, "observer", "Room screen", viewport=viewport), board, f"replay?at={seq}")
    wait_for_paint(replay)
    width, height = viewport["width"], viewport["height"]
    box = replay.evaluate(REPLAY_BOX)
    # The board as it was takes the screen's width and every pixel of height the controls leave, and
    # the page itself never reaches past the screen (a projector has no scroll bar to drag).
    assert box["left"] <= 0.02 * width and box["right"] >= 0.98 * width, box
    assert height - 0.03 * height <= box["bottom"] <= height + 1, box
    assert box["bottom"] - box["top"] >= 0.55 * height, box
    assert box["wide"] <= width and box["high"] <= height, box
    small = replay.evaluate(SMALL_TEXT, 24 * height / 1080)
    screenshot(replay, "screen-replay")
    assert not small, "\n".join(["text too small to read from the room on the replay:", *small])
