"""The solution board and its big screen in Chromium at 1920×1080, on a generated solution of 3 trains ×
8 teams (bench/solution_board.py's): the board shows every train's features across the window at a size
people read (each title at least 10 px, or counted in its cell's "+N"), a feature moved on a train's board
moves on the open board without a reload, and the big screen fits the window with nothing cut off unsaid
and no text under the big screen's 24 px (48 px at 2160p), its Post-PI Planning column too. A second,
small solution (2 trains × 1 team) shows a train's head as a narrow band and the Post-PI Planning column
live: a vote cast on the solution page, its reveal, objectives with their BV, risks by ROAM. One server
for the module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.solution_board import GeneratedSolution, generated_solution
from board import Op
from board.cross_train import mirror_id
from board.model import Dependency, Feature
from board.solution_board import PARTIES
from server.store.provision import FOUNDER, create_board_with_rte
from server.store.solutions import solution_cookie_name
from tests.browser import FULL_HD, screenshot, wait_for_paint
from tests.conftest import LiveServer
from tests.screen.test_screen_fits import OFFENDERS, SMALL_TEXT, UHD

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


@pytest.fixture(scope="module")
def small(e2e_server: LiveServer) -> GeneratedSolution:
    """The Post-PI Planning room of a small solution: 2 trains of one team each."""
    storage = e2e_server.services
    solution_id, _, session = storage.solutions.create("Nova", "PI 2027.2", "Sofia STE")
    trains = []
    for n in (1, 2):
        board_id, _, rte_session = create_board_with_rte(storage, f"Train {n}")
        storage.op_path.submit(board_id, Op("team.create", args={"id": "t1", "name": f"Team {n}"}), FOUNDER)
        storage.solutions.join_train(
            storage.solutions.create_link(solution_id, "train", f"Train {n}"), board_id, "RTE"
        )
        trains.append((board_id, rte_session))
    return GeneratedSolution(solution_id, session, tuple(trains))


@pytest.fixture(scope="module")
def small_screen(browser: Browser, e2e_server: LiveServer, small: GeneratedSolution) -> Iterator[Page]:
    page = open_page(browser, e2e_server, small, "screen")
    yield page
    page.context.close()


def join_as(server: LiveServer, solution: GeneratedSolution, kind: str, name: str) -> str:
    """A session of ``solution`` in the role ``kind``, joined with the STE's link for it."""
    with server.client(solution.ste_session) as c:
        made = c.post(f"/api/solutions/{solution.id}/links", json={"kind": kind})
        assert made.status_code == 201, made.text
        joined = c.post(
            "/api/solutions/join", json={"token": made.json()["url"].rsplit("/", 1)[-1], "name": name}
        )
        assert joined.status_code == 200, joined.text
        return str(joined.json()["session"])


def fit_problems(screen: Page, least: int) -> list[str]:
    """What is cut off unsaid on the big screen, or drawn under ``least`` px."""
    wait_for_paint(screen)
    found: list[dict[str, str]] = screen.evaluate(OFFENDERS)
    return [f"{o['what']} {o['el']} ({o['detail']}) {o['text']!r}" for o in found] + screen.evaluate(
        SMALL_TEXT, least
    )


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
    wait_for_paint(board_page)
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
    board_page.locator("#sb-deps > summary").click()  # the dependency list, open to watch it
    expect(board_page.locator(string)).to_be_visible()
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
    # The region was swapped whole: the list stays open as the person left it.
    expect(board_page.locator("#sb-deps")).to_have_attribute("open", "")
    expect(board_page.locator(string)).to_be_visible()
    expect(board_page.locator(string)).to_contain_text("Train 2 ·")
    expect(board_page.locator(f"#strings-layer g.str.str-conflict[data-dep='{string[1:]}']")).to_have_count(1)


def test_the_big_screen_fits_1080p_with_nothing_cut_off_unsaid(
    screen: Page, e2e_server: LiveServer, solution: GeneratedSolution
) -> None:
    """With a Post-PI Planning of more objectives and risks than its column holds, and a vote open."""
    with e2e_server.client(solution.ste_session) as c:
        for n in range(14):
            title = (
                f"Objective {n}: instant payments live in every country of the eurozone for retail clients"
            )
            assert (
                c.post(f"/api/solutions/{solution.id}/objectives", json={"title": title}).status_code == 201
            )
        for n in range(20):
            title = f"Risk {n}: the clearing house's certification of the new message format comes late"
            made = c.post(f"/api/solutions/{solution.id}/risks", json={"title": title})
            assert made.status_code == 201, made.text
            if n % 3 == 0:
                roam = {"roam": "owned", "owner": "Ana Architect"}
                assert (
                    c.put(
                        f"/api/solutions/{solution.id}/risks/{made.json()['id']}/roam", json=roam
                    ).status_code
                    == 200
                )
        assert c.post(f"/api/solutions/{solution.id}/vote").status_code == 201
    expect(screen.locator("#sb-plan [data-risk]")).to_have_count(20)
    expect(screen.locator("#sb-plan [data-vote-count]")).to_have_text("0")  # live: no reload
    expect(
        screen.locator("#sb-plan .sb-objectives [data-more]")
    ).to_be_visible()  # "+N more": it counts the others
    expect(screen.locator("#sb-plan .sb-risks [data-more]")).to_be_visible()
    wait_for_paint(screen)
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
        wait_for_paint(screen)
        found = screen.evaluate(OFFENDERS)
        assert found == [], "\n".join(f"{o['what']} {o['el']} ({o['detail']})" for o in found)
        assert screen.evaluate(SMALL_TEXT, 48) == []
    finally:
        screen.set_viewport_size(FULL_HD)


# Each train's head band and its teams' rows, as drawn.
HEADS = """() => ({
  heads: [...document.querySelectorAll('.sb-train')].map(r => r.getBoundingClientRect().height),
  lanes: [...document.querySelectorAll('.sb-lane')].map(r => r.getBoundingClientRect().height),
})"""


def test_a_trains_head_is_a_narrow_band_and_its_teams_take_the_screen(small_screen: Page) -> None:
    """2 trains × 1 team: the teams' rows have the height, not the trains' names."""
    wait_for_paint(small_screen)
    drawn: dict[str, list[float]] = small_screen.evaluate(HEADS)
    assert len(drawn["heads"]) == 2 and len(drawn["lanes"]) == 2
    assert max(drawn["heads"]) <= 2.5 * 16, drawn  # a line of 24 px text
    assert min(drawn["lanes"]) >= 8 * max(drawn["heads"]), drawn
    assert fit_problems(small_screen, 24) == []


def test_the_vote_shows_on_the_big_screen_live_how_many_then_the_revealed_average(
    browser: Browser, small_screen: Page, e2e_server: LiveServer, small: GeneratedSolution
) -> None:
    """The STE opens a round and votes on the solution page: the big screen says how many voted (never
    what), then, once the STE closes the round, the distribution and average; all without a reload."""
    vote = small_screen.locator("#sb-plan .sb-vote")
    expect(vote).to_contain_text("No round yet.")
    with e2e_server.client(small.ste_session) as c:
        assert c.post(f"/api/solutions/{small.id}/vote").status_code == 201
    expect(vote.locator("[data-vote-count]")).to_have_text("0")
    page = open_page(browser, e2e_server, small, "")
    try:
        page.get_by_role("button", name="Vote 4").click()
        expect(page.locator("#plan .your-vote")).to_have_text("4")
        expect(vote.locator("[data-vote-count]")).to_have_text("1")
        expect(vote).to_contain_text("1 voted · voting is open")
        expect(vote.locator("[data-fist], [data-average]")).to_have_count(0)  # nothing of what was voted
        page.get_by_role("button", name="Close and reveal").click()
        expect(vote.locator("[data-average]")).to_have_text("4.00")
        expect(vote.locator("[data-fist='4']")).to_have_attribute("data-votes", "1")
        expect(vote.locator("[data-vote-count]")).to_have_count(0)
    finally:
        page.context.close()
    assert fit_problems(small_screen, 24) == []


def test_objectives_with_their_bv_and_risks_by_roam_show_on_the_big_screen_live(
    small_screen: Page, e2e_server: LiveServer, small: GeneratedSolution
) -> None:
    owner = join_as(e2e_server, small, "business_owner", "Bea Owner")
    with e2e_server.client(small.ste_session) as c:
        made = [
            c.post(f"/api/solutions/{small.id}/objectives", json={"title": title, "committed": committed})
            for title, committed in (
                ("Instant payments in 3 countries", True),
                ("Open banking sandbox", False),
            )
        ]
        assert all(m.status_code == 201 for m in made), [m.text for m in made]
        risk = c.post(f"/api/solutions/{small.id}/risks", json={"title": "Clearing certification late"})
        assert (
            c.post(f"/api/solutions/{small.id}/risks", json={"title": "Two vendors, one API"}).status_code
            == 201
        )
    objectives = small_screen.locator("#sb-plan .sb-objectives")
    expect(objectives.locator(".sb-plan-row .sb-row-title")).to_have_text(
        ["Instant payments in 3 countries", "Open banking sandbox"]
    )
    expect(objectives.locator("[data-committed='no']")).to_contain_text("uncommitted")
    with e2e_server.client(owner) as c:
        for objective, bv in zip(made, (8, 3), strict=True):
            given = c.put(
                f"/api/solutions/{small.id}/objectives/{objective.json()['id']}/bv", json={"planned_bv": bv}
            )
            assert given.status_code == 200, given.text
    expect(objectives.locator("[data-planned-bv]")).to_have_text(["8", "3"])
    expect(objectives.locator("[data-bv-total]")).to_have_text("8")  # the committed objectives' BV
    risks = small_screen.locator("#sb-plan .sb-risks")
    expect(risks.locator(".sb-plan-row")).to_have_count(2)
    with e2e_server.client(small.ste_session) as c:
        roam = {"roam": "owned", "owner": "Ana"}
        assert (
            c.put(f"/api/solutions/{small.id}/risks/{risk.json()['id']}/roam", json=roam).status_code == 200
        )
    # Grouped by ROAM: the one not ROAMed yet first, then the owned one.
    expect(risks.locator(".sb-plan-row")).to_have_text(
        [re.compile("Un-ROAMed.*Two vendors", re.S), re.compile("Owned.*Clearing certification late", re.S)]
    )
    expect(risks.locator(".sb-roam-counts")).to_have_text(re.compile("Un-ROAMed 1.*Owned 1"))
    screenshot(small_screen, "solution-screen-post-pi-planning")
    assert fit_problems(small_screen, 24) == []
