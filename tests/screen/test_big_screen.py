"""The big screen in a room, in Debian's Chromium at 1920×1080 and 3840×2160.

What a room needs from it: the board keeps its full height whatever else is going on (a vote, the
ROAM session, the countdown), every card is inside its cell, text is legible from 10 m, and a cell
that cannot show all its cards says how many it holds, at every size of ART.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser import FULL_HD, PageAs, screenshot, wait_for_paint
from tests.conftest import BoardHandle, LiveServer, create_board
from tests.e2e.conftest import Plan
from tests.meeting.browser import goto, wait_live
from tests.screen.big_art import FEATURES, build_big_art

pytestmark = pytest.mark.e2e

UHD = {"width": 3840, "height": 2160}

# Everything the test reads of the stage in one pass: rows, cells, visible cards and their boxes.
MEASURE = """() => {
  const box = el => {
    const r = el.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height};
  };
  const px = (el, prop) => parseFloat(getComputedStyle(el)[prop]);
  const rows = [...document.querySelectorAll('#screen-stage .team-row:not(.off-page)')].map(row => ({
    team: row.dataset.team,
    box: box(row),
    label: px(row.querySelector('.team-name'), 'fontSize'),
    cells: [...row.querySelectorAll('.cell')].map(cell => ({
      iteration: cell.dataset.iteration,
      box: box(cell),
      holds: parseInt(cell.dataset.cards, 10),
      hidden: parseInt(cell.dataset.hiddenCards || '0', 10),
      more: (cell.querySelector('[data-more]:not([hidden])') || {}).textContent || '',
      cards: [...cell.querySelectorAll('.card:not([hidden])')].map(card => ({
        id: card.id, box: box(card), title: px(card.querySelector('.card-title'), 'fontSize'),
        titleBox: box(card.querySelector('.card-title')),
        lineHeight: px(card.querySelector('.card-title'), 'lineHeight'),
      })),
    })),
  }));
  const stage = box(document.getElementById('screen-stage'));
  return {rows, stage, page: document.getElementById('screen').dataset.page,
          pages: document.getElementById('screen').dataset.pages};
}"""


def measure(screen: Page) -> dict[str, Any]:
    wait_for_paint(screen)  # the screen fits its cells on the animation frame after any change
    return screen.evaluate(MEASURE)


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    slack = 0.5
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["w"] <= outer["x"] + outer["w"] + slack
        and inner["y"] + inner["h"] <= outer["y"] + outer["h"] + slack
    )


def check_layout(stage: dict[str, Any], scale: float) -> None:
    """Every card fully inside its cell, every cell inside its row and the stage, titles ≥ 24 px at 1080p."""
    assert stage["rows"], "no team rows on the stage"
    for row in stage["rows"]:
        assert inside(row["box"], stage["stage"]), f"{row['team']} row leaves the stage"
        assert row["box"]["h"] >= 100 * scale, f"{row['team']} row is {row['box']['h']} px high"
        assert row["label"] >= 24 * scale
        for cell in row["cells"]:
            assert inside(cell["box"], row["box"])
            assert len(cell["cards"]) + cell["hidden"] == cell["holds"], cell
            if cell["hidden"]:
                assert cell["more"], f"cell {row['team']}/{cell['iteration']} hides cards silently"
            for card in cell["cards"]:
                assert inside(card["box"], cell["box"]), f"{card['id']} leaves its cell"
                assert card["title"] >= 24 * scale, f"{card['id']} title is {card['title']} px"
                # A title wraps to two lines before it is cut.
                assert card["titleBox"]["h"] <= 2 * card["lineHeight"] + 1


def row_heights(stage: dict[str, Any]) -> dict[str, float]:
    return {row["team"]: round(row["box"]["h"], 1) for row in stage["rows"]}


@pytest.mark.parametrize("viewport", [FULL_HD, UHD], ids=["1080p", "2160p"])
def test_the_board_keeps_its_height_with_a_vote_the_roam_session_and_the_timer(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs, viewport: dict[str, int]
) -> None:
    board, _ = planned_board
    scale = viewport["height"] / 1080
    screen = goto(page_as(board, "observer", "Room screen", viewport=viewport), board, "screen")
    rte = page_as(board, "rte", "Rita RTE")
    wait_live(screen)
    quiet = measure(screen)
    check_layout(quiet, scale)
    heights = row_heights(quiet)

    def after(view: str, action: str, shown: Locator, text: str) -> dict[str, Any]:
        """The RTE does ``action`` on their ``view`` page; once the screen shows it, the stage as it is."""
        goto(rte, board, view)
        wait_live(rte)
        rte.locator(action).click()
        expect(shown).to_have_text(text)
        stage = measure(screen)
        check_layout(stage, scale)
        return stage

    # The RTE opens the ART's vote; the screen shows it beside the board. Then the ROAM session, then
    # the countdown of the first agenda item (at least 120 px at 1080p).
    vote = after("vote", "[data-action=open-round]", screen.locator("#screen-vote [data-vote-count]"), "0")
    assert row_heights(vote) == heights
    focus = screen.locator("#screen-roam .roam-focus h2")
    roam = after("risks", "[data-action=start-session]", focus, "Card network certification may slip")
    assert row_heights(roam) == heights
    timer = after(
        "agenda",
        "[data-action=start]",
        screen.locator("#screen-timer .timer-title"),
        "Day 1 · Business context",
    )
    assert row_heights(timer) == heights
    clock = screen.locator("#screen-timer .timer-clock")
    assert float(clock.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")) >= 120 * scale
    clock_box = clock.bounding_box()
    side_box = screen.locator(".screen-side").bounding_box()
    assert clock_box and side_box and clock_box["x"] + clock_box["width"] <= side_box["x"] + side_box["width"]
    screenshot(screen, "screen-vote-roam-timer")


@pytest.mark.parametrize("viewport", [FULL_HD, UHD], ids=["1080p", "2160p"])
def test_a_twelve_team_art_shows_or_counts_every_feature_in_every_cell(
    e2e_server: LiveServer, page_as: PageAs, viewport: dict[str, int]
) -> None:
    board = create_board(e2e_server, name="Big ART")
    cells = build_big_art(board)
    scale = viewport["height"] / 1080
    screen = goto(page_as(board, "observer", "Room screen", viewport=viewport), board, "screen")
    wait_live(screen)
    first = measure(screen)
    pages = int(first["pages"])
    seen: dict[tuple[str, str], int] = {}
    for n in range(pages):
        stage = measure(screen)
        assert stage["page"] == str(n + 1)
        check_layout(stage, scale)
        for row in stage["rows"]:
            for cell in row["cells"]:
                key = (row["team"], cell["iteration"])
                assert key not in seen, f"{key} on two pages"
                # Every feature of the plan is visible in its cell or counted in its "+N".
                seen[key] = len(cell["cards"]) + cell["hidden"]
                assert seen[key] == cells.get(key, 0), key
        if n == 0:
            screenshot(screen, "screen-12-teams")
            crowded = next(
                c for r in stage["rows"] if r["team"] == "t00" for c in r["cells"] if c["iteration"] == "it1"
            )
            assert crowded["holds"] >= 6 and crowded["hidden"] > 0  # more than fit: counted
        screen.keyboard.press("ArrowRight")
    assert len(seen) == 12 * 5
    assert sum(seen.values()) == FEATURES
    if pages > 1:
        expect(screen.locator("#screen-page")).to_contain_text("of 12")
