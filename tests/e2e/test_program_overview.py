"""The program board at ART size, in Chromium at 1920×1080: a generated 12-team ART with 200 dependencies.

The overview shows the whole ART across the screen at a size people read (every card title at least 10 px,
no scaling), each cell counting the cards it cannot show; following one team, or one dependency, draws
only its strings, also for a dependency another person adds while the page follows. One board and one
page for the module: each test goes on from where the one before left the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import FULL_HD, join_link, screenshot, wait_for_paint
from tests.conftest import BoardHandle, LiveServer, create_board
from tests.meeting.browser import wait_live
from tests.screen.big_art import FEATURES, build_big_art

pytestmark = pytest.mark.e2e

FOLLOWED = "t03"

# The overview as drawn: the grid against the window, each visible title's size as drawn (its computed
# size times any zoom of its ancestors), and each cell's shown cards and "+N" against what it holds.
OVERVIEW = """() => {
  const wrap = document.querySelector('.program-wrap');
  const grid = wrap.querySelector('.program-grid');
  const zoom = el => {
    let z = 1;
    for (let e = el; e; e = e.parentElement) z *= parseFloat(getComputedStyle(e).zoom) || 1;
    return z;
  };
  const titles = [...grid.querySelectorAll('.card-title')].filter(t => t.getClientRects().length);
  const cells = [...grid.querySelectorAll('.cell')].map(cell => {
    const more = cell.querySelector('[data-more]:not([hidden])');
    return {holds: parseInt(cell.dataset.cards, 10),
            shown: cell.querySelectorAll('.card:not([hidden])').length,
            counted: more ? parseInt(more.textContent.replace('+', ''), 10) : 0};
  });
  const cards = [...grid.querySelectorAll('.card:not([hidden])')].map(c => c.getBoundingClientRect());
  return {
    wrapScroll: wrap.scrollWidth, wrapWidth: wrap.clientWidth, gridRight: grid.getBoundingClientRect().right,
    smallest: Math.min(...titles.map(t => parseFloat(getComputedStyle(t).fontSize) * zoom(t))),
    titles: titles.length, cells,
    offScreen: cards.filter(r => r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth)
      .length,
  };
}"""

DRAWN = "() => [...document.querySelectorAll('#strings-layer g.str')].map(g => g.dataset.dep).sort()"


@pytest.fixture(scope="module")
def art(e2e_server: LiveServer) -> BoardHandle:
    board = create_board(e2e_server, name="Big ART")
    build_big_art(board)
    return board


@pytest.fixture(scope="module")
def rte(browser: Browser, art: BoardHandle) -> Iterator[Page]:
    context = browser.new_context(viewport=FULL_HD)  # type: ignore[arg-type]
    page = context.new_page()
    # A 12-team ART redraws 200 strings on each change: generous waits on a loaded machine.
    page.set_default_timeout(20_000)
    page.goto(join_link(art, "rte"))
    page.get_by_label("Your name").fill("Rita RTE")
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(rf"/b/{re.escape(art.id)}/"))
    page.goto(f"{art.server.url}/b/{art.id}/program")
    wait_live(page)
    yield page
    context.close()


def dependencies(art: BoardHandle) -> dict[str, dict[str, Any]]:
    return dict(art.read()["items"]["dependency"])


def drawn(page: Page) -> list[str]:
    wait_for_paint(page)
    return list(page.evaluate(DRAWN))


def test_the_overview_fits_the_art_across_a_1080p_screen_with_readable_titles(rte: Page) -> None:
    rte.get_by_label("overview").check()
    expect(rte.locator(".program-wrap")).to_have_class(re.compile(r"\boverview\b"))
    assert "overview=1" in rte.url
    seen = rte.evaluate(OVERVIEW)
    screenshot(rte, "program-overview-12-teams")
    assert seen["wrapScroll"] <= seen["wrapWidth"] and seen["gridRight"] <= FULL_HD["width"]
    assert seen["titles"] >= 100, "most of the ART is shown, not counted"
    assert seen["smallest"] >= 10, f"a card title is drawn at {seen['smallest']:.1f} px"
    assert seen["offScreen"] == 0
    # Nothing left out in silence: every cell shows or counts each of its cards.
    for cell in seen["cells"]:
        assert cell["shown"] + cell["counted"] == cell["holds"], cell
    assert sum(c["holds"] for c in seen["cells"]) == FEATURES
    assert len(drawn(rte)) == 200, "every string still drawn, to its card or to the count that holds it"


def test_following_a_team_draws_only_its_strings(rte: Page, art: BoardHandle) -> None:
    deps = dependencies(art)
    theirs = sorted(
        d for d, dep in deps.items() if FOLLOWED in (dep["requesting_team_id"], dep["provider_team_id"])
    )
    assert 0 < len(theirs) < len(deps)
    follow = rte.get_by_label("Follow strings of")
    follow.focus()
    follow.select_option(FOLLOWED)  # a select: reachable and changed from the keyboard
    expect(rte).to_have_url(re.compile(rf"[?&]follow={FOLLOWED}\b"))
    expect(rte.locator("#follow-status")).to_contain_text(f"{len(theirs)} strings drawn")
    assert drawn(rte) == theirs
    screenshot(rte, "program-overview-following-a-team")
    # The cards the team's strings do not reach fade; the ones they join do not.
    ends = {deps[d][k] for d in theirs for k in ("requesting_feature_id", "provider_feature_id")}
    faded = rte.evaluate(
        """() => [...document.querySelectorAll('.program-grid .card:not([hidden])')]
             .filter(c => getComputedStyle(c).opacity < 1).map(c => c.dataset.feature)"""
    )
    assert faded and not ends & set(faded)


def test_a_dependency_added_by_someone_else_respects_the_followed_team(rte: Page, art: BoardHandle) -> None:
    """Another person adds two dependencies while the page follows Team 03: only Team 03's is drawn."""
    other = art.join("rte", "Otto Other RTE")
    features = art.read()["items"]["feature"]
    first = {
        t: min(f for f, feature in features.items() if feature["team_id"] == t)
        for t in ("t03", "t05", "t06", "t07")
    }
    for dep_id, requester, provider in (("live-other", "t05", "t06"), ("live-ours", FOLLOWED, "t07")):
        r = art.op(
            other,
            "dependency.create",
            args={
                "id": dep_id,
                "need": f"Need {dep_id}",
                "requesting_team_id": requester,
                "requesting_feature_id": first[requester],
                "provider_team_id": provider,
                "provider_feature_id": first[provider],
            },
        )
        assert r.status_code == 200, r.text
    expect(rte.locator("#strings-layer g.str[data-dep='live-ours']")).to_have_count(1, timeout=20_000)
    expect(rte.locator("#dep-live-other")).to_be_attached()  # it arrived, and is not drawn
    deps = dependencies(art)
    assert drawn(rte) == sorted(
        d for d, dep in deps.items() if FOLLOWED in (dep["requesting_team_id"], dep["provider_team_id"])
    )
    assert "live-other" not in drawn(rte)


def test_one_dependency_is_followed_from_its_string_and_escape_shows_them_all(
    rte: Page, art: BoardHandle
) -> None:
    # The string under a point of its own line, as a person clicks it.
    point = rte.evaluate(
        """() => {
          const base = document.querySelector('.program-wrap').getBoundingClientRect();
          for (const g of document.querySelectorAll('#strings-layer g.str')) {
            const line = g.querySelector('.line');
            const p = line.getPointAtLength(line.getTotalLength() / 3);
            const x = base.left + p.x, y = base.top + p.y;
            const hit = document.elementFromPoint(x, y);
            if (hit && hit.closest('g.str') === g) return {x, y, dep: g.dataset.dep};
          }
          return null;
        }"""
    )
    assert point, "no string can be clicked"
    rte.mouse.click(point["x"], point["y"])
    expect(rte).to_have_url(re.compile(rf"[?&]dep={point['dep']}\b"))
    assert drawn(rte) == [point["dep"]]
    expect(rte.get_by_label("Follow strings of")).to_have_value("")
    expect(rte.locator("#follow-status")).to_contain_text("Following one dependency")
    rte.keyboard.press("Escape")
    expect(rte).not_to_have_url(re.compile(r"[?&](dep|follow)="))
    assert len(drawn(rte)) == 202

    # From the list, by keyboard: its Follow button, and the status line's button back.
    rte.locator(".deps-panel > summary").click()
    button = rte.locator("#dep-live-other [data-follow-dep]")
    button.focus()
    rte.keyboard.press("Enter")
    expect(rte).to_have_url(re.compile(r"[?&]dep=live-other\b"))
    assert drawn(rte) == ["live-other"]
    dep = dependencies(art)["live-other"]
    ends = rte.evaluate("() => [...document.querySelectorAll('.program-grid .follow-end')].map(e => e.id)")
    assert sorted(ends) == sorted(f"card-{dep[k]}" for k in ("requesting_feature_id", "provider_feature_id"))
    rte.get_by_role("button", name="Show every string").click()
    assert len(drawn(rte)) == 202


def test_a_card_moved_by_someone_else_is_counted_in_the_cells_it_left_and_reached(
    rte: Page, art: BoardHandle
) -> None:
    """Live, a move sends the two cells alone (not their rows): the overview counts them again, and the
    row's marks and load badges are those of the board after the move."""
    expect(rte.locator(".program-wrap")).to_have_class(re.compile(r"\boverview\b"))
    features = art.read()["items"]["feature"]
    fid = min(f for f, x in features.items() if x["team_id"] == "t01" and x["iteration_id"] != "it1")
    source = f".cell[data-team='t01'][data-iteration='{features[fid]['iteration_id']}']"
    target = ".cell[data-team='t00'][data-iteration='it1']"
    holds = {cell: int(rte.locator(cell).get_attribute("data-cards") or 0) for cell in (source, target)}
    other = art.join("rte", "Otto Other RTE")
    args = {"team_id": "t00", "iteration_id": "it1"}
    moved = art.op(other, "feature.move", target=fid, base_version=features[fid]["version"], args=args)
    assert moved.status_code == 200, moved.text
    expect(rte.locator(f"{target} #card-{fid}")).to_be_attached()
    expect(rte.locator(target)).to_have_attribute("data-cards", str(holds[target] + 1))
    expect(rte.locator(source)).to_have_attribute("data-cards", str(holds[source] - 1))
    drawn(rte)  # the page's redraw after the swap
    seen = rte.evaluate(OVERVIEW)
    for cell in seen["cells"]:
        assert cell["shown"] + cell["counted"] == cell["holds"], cell
    crowded = rte.locator(f"{target} [data-more]")
    expect(crowded).to_be_visible()
    hidden = rte.locator(f"{target} .card[hidden]").count()
    expect(crowded).to_have_text(f"+{hidden}")
    # The rows' label and badges as a fresh page shows them.
    fresh = rte.context.new_page()
    fresh.goto(rte.url)
    for team in ("t00", "t01"):
        for part in (f"#team-{team} .row-marks", f".team-row[data-team='{team}'] .load-badge"):
            assert rte.locator(part).all_inner_texts() == fresh.locator(part).all_inner_texts(), part
    fresh.close()
