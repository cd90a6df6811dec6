"""The solution board and its big screen in Chromium at 1920×1080, on a generated solution of 3 trains ×
8 teams (bench/solution_board.py's): the board shows every train's features across the window at a size
people read (each title at least 10 px, or counted in its cell's "+N"), a feature moved on a train's board
moves on the open board without a reload, and the big screen fits the window with nothing cut off unsaid
and no text under the big screen's 24 px (48 px at 2160p). One solution and one server for the module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.solution_board import GeneratedSolution, generated_solution
from board.cross_train import mirror_id
from board.model import Dependency, Feature
from board.solution_board import PARTIES
from server.store.solutions import solution_cookie_name
from tests.browser import FULL_HD, screenshot
from tests.conftest import LiveServer
from tests.screen.test_screen_fits import OFFENDERS, SMALL_TEXT, UHD, settle

pytestmark = pytest.mark.e2e

# The board as drawn: the window's scroll width, each card title's size, and each cell's shown cards and
# "+N" against what it holds.
DRAWN = """() => {
  const titles = [...document.querySelectorAll('#solution-board .card-title')]
    .filter(t => t.getClientRects().length);
  const cells = [...document.querySelectorAll('#solution-board .cell')].map(cell => {
    const more = cell.querySelector('[data-more]:not([hidden])');
    return {holds: parseInt(cell.dataset.cards, 10), train: cell.closest('.team-row').dataset.train,
            shown: [...cell.querySelectorAll('.card')].filter(c => c.getClientRects().length).length,
            counted: more ? parseInt(more.textContent.replace(/[^0-9]/g, ''), 10) || 0 : 0};
  });
  return {
    scrollWidth: document.documentElement.scrollWidth, width: innerWidth,
    smallest: Math.min(...titles.map(t => parseFloat(getComputedStyle(t).fontSize))),
    titles: titles.length, cells, strings: document.querySelectorAll('#strings-layer g.str').length,
  };
}"""


@pytest.fixture(scope="module")
def solution(e2e_server: LiveServer) -> GeneratedSolution:
    return generated_solution(e2e_server.services, 3)


def open_page(browser: Browser, server: LiveServer, solution: GeneratedSolution, path: str) -> Page:
    context = browser.new_context(viewport=FULL_HD)  # type: ignore[arg-type]
    context.add_cookies(
        [{"name": solution_cookie_name(solution.id), "value": solution.ste_session, "url": server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{server.url}/s/{solution.id}/{path}")
    expect(page.locator("#solution-live")).to_have_attribute("data-state", "live")
    return page


@pytest.fixture(scope="module")
def board_page(browser: Browser, e2e_server: LiveServer, solution: GeneratedSolution) -> Iterator[Page]:
    page = open_page(browser, e2e_server, solution, "board")
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def screen(browser: Browser, e2e_server: LiveServer, solution: GeneratedSolution) -> Iterator[Page]:
    page = open_page(browser, e2e_server, solution, "screen")
    yield page
    page.context.close()


def planned(server: LiveServer, solution: GeneratedSolution) -> int:
    total = 0
    for board_id, _ in solution.trains:
        state = server.services.op_path.state(board_id)
        numbers = {i.id for i in state.iterations}
        total += sum(1 for f in state.features if f.team_id and f.iteration_id in numbers)
    return total


def test_the_board_shows_every_train_across_the_window_at_a_readable_size(
    board_page: Page, e2e_server: LiveServer, solution: GeneratedSolution
) -> None:
    settle(board_page)
    seen: dict[str, Any] = board_page.evaluate(DRAWN)
    screenshot(board_page, "solution-board-3-trains")
    assert seen["scrollWidth"] <= seen["width"], "the board fits across the window"
    assert seen["smallest"] >= 10, f"a card title is drawn at {seen['smallest']:.1f} px"
    for cell in seen["cells"]:
        assert cell["shown"] + cell["counted"] == cell["holds"], cell
    features = sum(c["holds"] for c in seen["cells"] if c["train"] != PARTIES)
    assert features == planned(e2e_server, solution)
    assert seen["titles"] >= 100 and seen["strings"] > 0
    expect(board_page.locator(".sb-train-name")).to_have_text(
        ["Train 1", "Train 2", "Train 3", "Suppliers and other parties"]
    )
    expect(board_page.locator(".sb-capability").first).to_contain_text("⬡")


def test_a_feature_moved_on_a_trains_board_moves_on_the_open_board_and_screen(
    board_page: Page, screen: Page, e2e_server: LiveServer, solution: GeneratedSolution
) -> None:
    """Train 2 moves the feature it promised train 1 (the cross-train request cross-0) to its last
    iteration: the card moves and the string turns to a conflict on the open board, and the card moves
    on the big screen, without a reload."""
    (asking, _), (providing, rte_session) = solution.trains[:2]
    services = e2e_server.services
    mirror = services.op_path.state(providing).get(Dependency, mirror_id("cross-0"))
    assert mirror is not None and mirror.provider_feature_id
    feature = services.op_path.state(providing).get(Feature, mirror.provider_feature_id)
    assert feature is not None and feature.iteration_id != "it-5"
    card, string = f"#sb-{providing}-{feature.id}", f"#sb-{asking}-dep-cross-0"
    expect(board_page.locator(string)).not_to_have_attribute("data-state", "conflict")
    expect(board_page.locator(f"#strings-layer g.str[data-dep='{string[1:]}']")).to_have_count(1)
    with e2e_server.client(rte_session) as c:
        moved = c.post(
            f"/api/boards/{providing}/ops",
            json={
                "type": "feature.update",
                "target": feature.id,
                "base_version": feature.version,
                "args": {"iteration_id": "it-5"},
            },
        )
        assert moved.status_code == 200, moved.text
    for page in (board_page, screen):
        # No reload: the socket sent the board again.
        expect(page.locator(f".cell[aria-label$='Iteration 5'] {card}")).to_have_count(1)
    expect(board_page.locator(string)).to_have_attribute("data-state", "conflict")
    expect(board_page.locator(string)).to_contain_text("Train 2 ·")
    expect(board_page.locator(f"#strings-layer g.str.str-conflict[data-dep='{string[1:]}']")).to_have_count(1)


def test_the_big_screen_fits_1080p_with_nothing_cut_off_unsaid(screen: Page) -> None:
    settle(screen)
    screenshot(screen, "solution-screen-3-trains")
    found: list[dict[str, str]] = screen.evaluate(OFFENDERS)
    assert found == [], "\n".join(f"{o['what']} {o['el']} ({o['detail']}) {o['text']!r}" for o in found)
    small: list[str] = screen.evaluate(SMALL_TEXT, 24)
    assert small == [], small
    seen: dict[str, Any] = screen.evaluate(DRAWN)
    for cell in seen["cells"]:
        assert cell["shown"] + cell["counted"] == cell["holds"], cell
    assert seen["titles"] >= 48, "most cells show a card"
    assert seen["smallest"] >= 24
    screen.set_viewport_size(UHD)  # a 4K projector: the same board, every size doubled
    try:
        settle(screen)
        found = screen.evaluate(OFFENDERS)
        assert found == [], "\n".join(f"{o['what']} {o['el']} ({o['detail']})" for o in found)
        assert screen.evaluate(SMALL_TEXT, 48) == []
    finally:
        screen.set_viewport_size(FULL_HD)
