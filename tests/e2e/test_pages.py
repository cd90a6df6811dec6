"""The board in the browser, as two or more people see it: real server, real Chromium, no reloads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import FULL_HD, LAPTOP, PageAs, screenshot
from tests.conftest import BoardHandle, LiveServer, create_board, start_server
from tests.e2e.conftest import Plan, atlas_accepts_dep1, build_plan

pytestmark = pytest.mark.e2e


def cell(page: Page, team: str, iteration: str) -> str:
    return f".team-row .cell[data-team='{team}'][data-iteration='{iteration}']"


def item(board: BoardHandle, kind: str, item_id: str) -> dict:  # type: ignore[type-arg]
    return dict(board.read()["items"][kind][item_id])


def test_a_move_is_seen_by_another_person_with_its_string_and_loads(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    atlas_accepts_dep1(board)
    pm = page_as(board, "pm", "Paula PM", viewport=FULL_HD)
    other = page_as(board, "team", "Carl Comet", "comet")
    other.goto(other.url.replace("/team/comet", "/program"))
    expect(other.locator("#dep-dep1")).to_have_attribute("data-state", "committed")
    expect(other.locator(f"{cell(other, 'atlas', 'it2')} .load-badge")).to_contain_text("13/40")
    expect(other.locator("#strings-layer g.str-committed")).to_have_count(1)

    pm.drag_and_drop("#card-payapi", cell(pm, "atlas", "it4"))
    # Its story moves with it: the mover is told, with the loads, before it is applied.
    expect(pm.locator("#confirm-op")).to_contain_text("1 story moves with it")
    pm.locator("#confirm-op").get_by_role("button", name="Move with its stories").click()

    # The other person sees the card move and its red string turn to conflict, without reloading.
    expect(other.locator(f"{cell(other, 'atlas', 'it4')} #card-payapi")).to_be_visible()
    expect(other.locator("#dep-dep1")).to_have_attribute("data-state", "conflict")
    expect(other.locator("#card-checkout")).to_have_class(re.compile(r"\bis-conflict\b"))
    expect(other.locator("#strings-layer g.str-conflict .badge")).to_have_count(1)
    # The rows' labels count it (only their cells and labels are sent, not the rows).
    expect(other.locator("#team-comet .mark-conflict")).to_have_text("✖ 1")
    expect(other.locator("#team-atlas .mark-conflict")).to_have_text("✖ 1")
    expect(other.locator("[data-counter=conflicts] .n")).to_have_text("1")
    expect(other.locator("#deps-summary")).to_have_text("Dependencies: 1, 1 in conflict")
    assert item(board, "feature", "payapi")["iteration_id"] == "it4"

    # "Only conflicts" keeps the board from lighting up: the rest of the cards step aside.
    other.get_by_label("only conflicts").check()
    expect(other.locator("#card-ledger")).to_be_hidden()
    expect(other.locator("#card-payapi")).to_be_visible()
    expect(other.locator("#strings-layer g.str")).to_have_count(1)
    other.get_by_label("everything").check()
    expect(other.locator("#card-ledger")).to_be_visible()

    # The feature's story was re-planned with it: the load badges followed, with no other edit.
    expect(other.locator(f"{cell(other, 'atlas', 'it4')} .load-badge")).to_contain_text("13/40")
    expect(other.locator(f"{cell(other, 'atlas', 'it2')} .load-badge")).to_contain_text("0/40")
    assert item(board, "story", "pay1")["iteration_id"] == "it4"
    screenshot(other, "program-after-move")


def test_a_story_over_capacity_shows_the_overload_to_others(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    ann = page_as(board, "team", "Ann Atlas", "atlas")
    bob = page_as(board, "team", "Bob Atlas", "atlas", viewport=FULL_HD)
    rte = page_as(board, "rte", "Rita RTE", viewport=FULL_HD)
    column = "#col-it1"
    expect(bob.locator(f"{column} .loadbar")).to_have_class(re.compile(r"\blvl-ok\b"))
    expect(bob.locator(f"{column} .loadbar")).to_contain_text("30 / 40 pts · 75 % within target")

    add = ann.locator(f"{column} form.quick-add")

    def add_story(title: str, points: int) -> None:
        add.locator("input[name='args.title']").fill(title)
        add.locator("input[name='args.points']").fill(str(points))
        add.locator("input[name='args.title']").press("Enter")
        expect(add.locator("input[name='args.title']")).to_have_value("")

    # Over the planning target but within capacity: a warning, told apart by symbol and words.
    add_story("Ledger audit", 4)
    expect(bob.locator(f"{column} .loadbar")).to_have_class(re.compile(r"\blvl-above_target\b"))
    above = re.compile(r"▲\s*34 / 40 pts · 85 %\s*above the 80 % target")
    expect(bob.locator(f"{column} .loadbar")).to_contain_text(above)
    expect(rte.locator(f"{cell(rte, 'atlas', 'it1')} .load-badge.lvl-above_target")).to_contain_text("34/40")

    add_story("Ledger reconciliation", 16)

    expect(bob.locator(f"{column} .loadbar")).to_have_class(re.compile(r"\blvl-overloaded\b"))
    expect(bob.locator(f"{column} .loadbar")).to_contain_text("50 / 40 pts")
    expect(bob.locator(f"{column} .loadbar")).to_contain_text("over capacity")
    expect(bob.locator(f"{column} .story", has_text="Ledger reconciliation")).to_be_visible()
    expect(rte.locator(f"{cell(rte, 'atlas', 'it1')} .load-badge.lvl-overloaded")).to_contain_text("50/40")
    expect(rte.locator("[data-counter=overloaded] .n")).to_have_text("1")
    screenshot(bob, "team-overloaded")


def test_refused_edits_are_shown_where_they_happened_and_change_nothing(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    first = page_as(board, "pm", "Paula PM")
    second = page_as(board, "pm", "Peter PM")
    comet = page_as(board, "team", "Carl Comet", "comet")
    comet.goto(comet.url.replace("/team/comet", "/program"))

    # Both open the same card; the second saves an edit of a version that is no longer current.
    second.locator("#card-ledger").click()
    first.locator("#card-ledger").click()
    first.locator("#feature-editor input[name='args.title']").fill("Ledger export (CSV)")
    first.locator("#feature-editor input[name='args.title']").press("Enter")
    expect(first.locator("#feature-editor")).to_be_hidden()
    second.locator("#feature-editor input[name='args.title']").fill("Ledger export v2")
    second.locator("#feature-editor input[name='args.title']").press("Enter")
    refusal = second.locator("#feature-editor .refusal-slot .refusal")
    expect(refusal).to_contain_text("changed by someone else")
    expect(refusal).to_have_attribute("data-code", "stale")
    expect(second.locator("#feature-editor")).to_be_visible()
    assert item(board, "feature", "ledger")["title"] == "Ledger export (CSV)"
    screenshot(second, "program-refused-stale")
    second.keyboard.press("Escape")
    expect(second.locator("#feature-editor")).to_be_hidden()

    # A team member may not re-plan another team's feature: its card does not move (the server would
    # refuse it), while the team's own cards do.
    expect(comet.locator("#card-checkout")).to_have_attribute("draggable", "true")
    expect(comet.locator("#card-payapi")).to_have_attribute("data-may-move", "false")
    comet.drag_and_drop("#card-payapi", cell(comet, "atlas", "it3"))
    expect(comet.locator(f"{cell(comet, 'atlas', 'it2')} #card-payapi")).to_be_visible()
    assert item(board, "feature", "payapi")["iteration_id"] == "it2"
    # A move of another team's card sent anyway is refused next to the card, which stays.
    comet.drag_and_drop("#card-checkout", cell(comet, "atlas", "it3"))
    toast = comet.locator(".refusal-pop .refusal")
    expect(toast).to_contain_text("own team")
    expect(toast).to_have_attribute("data-code", "forbidden")
    expect(comet.locator(f"{cell(comet, 'comet', 'it3')} #card-checkout")).to_be_visible()
    assert item(board, "feature", "checkout")["team_id"] == "comet"


def test_the_big_screen_follows_another_persons_edit(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    atlas_accepts_dep1(board)
    screen = page_as(board, "observer", "Room screen", viewport=FULL_HD)
    assert screen.url.endswith("/screen")
    expect(screen.locator("[data-counter=conflicts] .n")).to_have_text("0")
    screenshot(screen, "screen-before")
    version = item(board, "feature", "payapi")["version"]
    moved = board.op(
        board.rte_session, "feature.move", target="payapi", base_version=version, args={"iteration_id": "it4"}
    )
    assert moved.status_code == 200, moved.text
    expect(screen.locator(f"{cell(screen, 'atlas', 'it4')} #card-payapi")).to_be_visible()
    expect(screen.locator("[data-counter=conflicts] .n")).to_have_text("1")
    expect(screen.locator("#strings-layer g.str-conflict")).to_have_count(1)
    # Read-only: nothing on the board itself is a control.
    controls = "#program-grid button, #program-grid input, #program-grid [draggable=true]"
    assert screen.locator(controls).count() == 0
    screenshot(screen, "screen-after")


def test_pages_work_from_the_vendored_htmx_when_the_cdn_is_unreachable(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    ann = page_as(board, "team", "Ann Atlas", "atlas", block_cdn=True)
    assert ann.evaluate("typeof window.htmx") == "object"
    assert ann.evaluate("window.piboardHtmx") == "vendored"
    assert ann.evaluate("typeof window.htmx.createWebSocket") == "function"
    add = ann.locator("#col-it3 form.quick-add")
    add.locator("input[name='args.title']").fill("Offline story")
    add.locator("input[name='args.title']").press("Enter")
    expect(add.locator("input[name='args.title']")).to_have_value("")
    stories = board.read()["items"]["story"].values()
    assert any(s["title"] == "Offline story" and s["iteration_id"] == "it3" for s in stories)


@pytest.mark.parametrize("viewport", [FULL_HD, LAPTOP], ids=["1920x1080", "1366x768"])
def test_screenshots_of_every_page(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs, viewport: dict[str, int]
) -> None:
    board, _ = planned_board
    rte = page_as(board, "rte", "Rita RTE", viewport=viewport)
    base = rte.url.rsplit("/", 1)[0]
    for name, path in (("program", "/program"), ("team", "/team/atlas"), ("screen", "/screen")):
        rte.goto(base + path)
        expect(rte.locator("#main")).to_be_visible()
        rte.wait_for_timeout(150)  # strings are drawn on the next animation frame
        screenshot(rte, name)
    rte.goto(base + "/program")
    rte.locator("#card-payapi").click()
    expect(rte.locator("#feature-editor")).to_be_visible()
    screenshot(rte, "program-editor")
    # Keyboard: Escape closes the editor and gives focus back to the card.
    rte.keyboard.press("Escape")
    expect(rte.locator("#card-payapi")).to_be_focused()
    rte.keyboard.press("Enter")
    expect(rte.locator("#feature-editor input[name='args.title']")).to_be_focused()
    rte.keyboard.press("Escape")
    # No horizontal scrollbar for the page itself at this size (the board may scroll inside its frame).
    assert rte.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("viewport", [FULL_HD, LAPTOP], ids=["1920x1080", "1366x768"])
def test_screenshots_of_the_demo_art(
    e2e_server: LiveServer, page_as: PageAs, viewport: dict[str, int]
) -> None:
    """The demo train (8 teams, about 40 features, conflicts that cascade): what a real board looks like."""
    board = create_board(e2e_server, name="Demo ART", demo=True)
    rte = page_as(board, "rte", "Rita RTE", viewport=viewport)
    base = rte.url.rsplit("/", 1)[0]
    first_team = rte.locator(".team-row").first.get_attribute("data-team")
    for name, path in (("program", "/program"), ("team", f"/team/{first_team}"), ("screen", "/screen")):
        rte.goto(base + path)
        expect(rte.locator("#main")).to_be_visible()
        rte.wait_for_timeout(150)
        screenshot(rte, f"demo-{name}")
    rte.goto(base + "/program")
    expect(rte.locator("#strings-layer g.str").first).to_be_attached()
    assert rte.locator("#strings-layer g.str-conflict .badge").count() >= 1
    rte.get_by_label("only conflicts").check()
    rte.wait_for_timeout(150)
    screenshot(rte, "demo-program-only-conflicts")


def test_the_big_screen_comes_back_by_itself_after_a_server_restart(tmp_path: Path, page_as: PageAs) -> None:
    database = f"sqlite:///{tmp_path / 'restart.db'}"
    server = start_server(database, ops_per_second=1000.0, ops_burst=1000)
    try:
        board = create_board(server, name="Restart ART")
        build_plan(board)
        screen = page_as(board, "observer", "Room screen", viewport=FULL_HD)
        expect(screen.locator("#conn-status")).to_have_attribute("data-state", "live")
    finally:
        server.stop()
    expect(screen.locator("#conn-status")).not_to_have_attribute("data-state", "live")

    port = int(server.url.rsplit(":", 1)[1])
    restarted = start_server(database, port=port, ops_per_second=1000.0, ops_burst=1000)
    try:
        board.server = restarted
        expect(screen.locator("#conn-status")).to_have_attribute("data-state", "live", timeout=30_000)
        version = item(board, "feature", "payapi")["version"]
        to_it3 = {"iteration_id": "it3"}
        rte = board.rte_session
        moved = board.op(rte, "feature.move", target="payapi", base_version=version, args=to_it3)
        assert moved.status_code == 200, moved.text
        expect(screen.locator(f"{cell(screen, 'atlas', 'it3')} #card-payapi")).to_be_visible()
    finally:
        restarted.stop()


def test_a_quick_add_refused_by_the_server_says_why_beside_the_form(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    ann = page_as(board, "team", "Ann Atlas", "atlas")
    stories_before = len(board.read()["items"]["story"])
    # A title of blanks passes the browser's "required" but not the server: refused beside the form.
    add = ann.locator("#col-it3 form.quick-add")
    add.locator("input[name='args.title']").fill("   ")
    add.locator("input[name='args.title']").press("Enter")
    refusal = add.locator(".refusal-slot .refusal")
    expect(refusal).to_contain_text("title must not be empty")
    expect(refusal).to_have_attribute("data-code", "invalid")
    assert len(board.read()["items"]["story"]) == stories_before
    screenshot(ann, "team-refused-quick-add")
    # Once the plan is locked, a team member's breakout offers no story or objective form (the page
    # reloads), only the risk form (risks go on); a story sent anyway is refused.
    assert board.op(board.rte_session, "plan.lock").status_code == 200
    expect(ann.locator("form.quick-add input[name=type][value='risk.create']")).to_have_count(1)
    expect(ann.locator("form.quick-add")).to_have_count(1)
    member = board.join("team", "Al Atlas", "atlas")
    refused = board.op(member, "story.create", args={"title": "Late", "team_id": "atlas", "points": 1})
    assert refused.status_code == 409 and "locked" in refused.json()["reason"]
    assert len(board.read()["items"]["story"]) == stories_before
