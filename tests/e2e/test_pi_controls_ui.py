"""The controls of issue 22 in the browser: the baseline on Admin and ART sync, features on the program
board, the vote's privacy, and History's compare listing every kind of change."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser import PageAs
from tests.conftest import BoardHandle
from tests.e2e.conftest import Plan
from tests.e2e.ui_setup import accept_dialogs


def test_the_rte_takes_the_baseline_on_admin_told_first_what_it_freezes_then_starts_execution(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    rte = page_as(board, "rte", "Rita", block_cdn=True)
    asked: list[str] = []
    accept_dialogs(rte, asked)
    rte.goto(f"{board.server.url}/b/{board.id}/admin")
    part = rte.locator("#admin-lock")
    # Said first: the plan as it is now, counted (6 features, 5 in an iteration; 5 stories, 51 points).
    expect(part.locator(".baseline-freezes")).to_contain_text("freezes the plan as it is now: 6 features (5 in an")
    expect(part.locator(".baseline-freezes")).to_contain_text("5 stories (5 in an iteration, 51 points)")
    expect(part.locator(".baseline-freezes")).to_contain_text("1 dependency")
    expect(part.locator(".baseline-freezes")).to_contain_text("2 objectives (0 with business value)")
    part.get_by_role("button", name="Take the baseline").click()
    expect(part.locator(".baseline-taken")).to_contain_text(re.compile(r"Baseline taken \w{3} \d\d \w{3} \d\d:\d\d UTC by Rita"))
    assert asked and asked[0].startswith("Take the baseline? It freezes the plan as it is now: 6 features")
    # On ART sync: when and by whom, and now the execution can start.
    rte.get_by_role("link", name="Start the PI's execution on ART sync").click()
    expect(rte.locator("#execution-state .baseline-taken")).to_contain_text("by Rita")
    rte.get_by_role("button", name="Start the PI's execution").click()
    expect(rte.locator("#execution-state")).to_contain_text("The PI is running")


def test_the_rte_takes_the_baseline_on_art_sync(planned_board: tuple[BoardHandle, Plan], page_as: PageAs) -> None:
    board, _ = planned_board
    rte = page_as(board, "rte", "Rita", block_cdn=True)
    accept_dialogs(rte, [])
    rte.goto(f"{board.server.url}/b/{board.id}/sync")
    banner = rte.locator("#execution-state")
    expect(banner.get_by_role("button", name="Start the PI's execution")).to_have_count(0)
    expect(banner.locator(".baseline-freezes")).to_contain_text("freezes the plan as it is now")
    banner.get_by_role("button", name="Take the baseline").click()
    # The sync page has no live renderer: its browser fetches it again after the change.
    expect(banner.get_by_role("button", name="Start the PI's execution")).to_be_visible()
    expect(banner.locator(".baseline-taken")).to_contain_text("by Rita")
    assert board.read()["items"]["meta"]["meta"]["baseline_seq"] is not None


def test_only_the_rte_is_offered_the_baseline(planned_board: tuple[BoardHandle, Plan]) -> None:
    board, _ = planned_board
    pm = board.join("pm", "Pam")
    with board.server.client(pm) as c:
        sync = c.get(f"/b/{board.id}/sync").text
    assert 'value="baseline.take"' not in sync
    with board.rte() as c:
        assert 'value="baseline.take"' in c.get(f"/b/{board.id}/sync").text
