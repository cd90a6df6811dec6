"""Edits never fail silently: made offline or while the server is down, they are shown as pending,
kept, and applied exactly once when the connection returns; a refused one says why and keeps the text.
Every board here is set up in the browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import screenshot
from tests.conftest import LiveServer, start_server
from tests.e2e.ui_setup import UiBoard, add_story, new_board

pytestmark = pytest.mark.e2e


def plan_atlas(board: UiBoard) -> None:
    board.add_team("Atlas")
    for iteration in ("I1", "I2"):
        board.add_iteration(iteration)
    board.add_feature("Atlas", "Payments API", "I1")
    add_story(board.rte, "I1", "Intents", 5, feature="Payments API")


@pytest.fixture(scope="module")
def set_up(browser: Browser, live_server: LiveServer) -> Iterator[UiBoard]:
    """Atlas planned in the browser once: each test plays on a copy (``art``)."""
    board = new_board(browser, live_server)
    plan_atlas(board)
    yield board
    board.close()


def atlas_member(board: UiBoard, browser: Browser) -> Page:
    page = board.join(browser, "team", "Ann Atlas", "Atlas")
    page.goto(board.url(f"team/{board.team_id('Atlas')}"))
    expect(page.locator("#conn-status")).to_have_attribute("data-state", "live")
    return page


def rename_story(page: Page, old: str, new: str) -> None:
    page.locator(".story", has_text=old).click()
    editor = page.locator("#story-editor")
    editor.get_by_label("Title").fill(new)
    editor.get_by_role("button", name="Save").click()


def stories_named(page: Page, title: str) -> int:
    return page.locator(".story .story-title", has_text=re.compile(rf"^{re.escape(title)}$")).count()


def test_edits_made_offline_are_pending_then_applied_once_when_back(art: UiBoard, browser: Browser) -> None:
    ann = atlas_member(art, browser)
    ann.context.set_offline(True)

    rename_story(ann, "Intents", "Payment intents")
    add_story(ann, "I2", "Refunds", 3, wait=False)

    # Nothing silent: the edited story is marked, the outbox lists both, the badge says offline.
    expect(ann.locator("#story-editor")).to_be_hidden()
    expect(ann.locator(".story", has_text="Intents")).to_have_class(re.compile(r"\bop-waiting\b"))
    outbox = ann.locator("#outbox")
    expect(outbox).to_contain_text("2 edits are waiting to be sent")
    expect(outbox).to_contain_text("Change to story “Payment intents”")
    expect(outbox).to_contain_text("New story “Refunds”")
    expect(ann.locator("#conn-status")).to_have_attribute("data-state", "offline")
    expect(ann.locator("#conn-status")).to_contain_text("offline · 2 pending")
    screenshot(ann, "team-offline-pending")

    # The others do not see it yet.
    rte = art.rte
    rte.goto(art.url(f"team/{art.team_id('Atlas')}"))
    expect(rte.locator(".story", has_text="Intents")).to_be_visible()
    assert stories_named(rte, "Refunds") == 0

    ann.context.set_offline(False)
    expect(outbox).to_be_hidden(timeout=15_000)
    expect(ann.locator("#conn-status")).to_have_attribute("data-state", "live")
    expect(ann.locator(".story", has_text="Payment intents")).to_be_visible()
    expect(ann.locator(".op-waiting")).to_have_count(0)
    expect(rte.locator(".story", has_text="Payment intents")).to_be_visible()
    expect(rte.locator(".story", has_text="Refunds")).to_be_visible()

    # Applied exactly once, even though the browser may have tried more than once.
    rte.reload()
    expect(rte.locator(".story", has_text="Refunds")).to_have_count(1)
    assert stories_named(rte, "Payment intents") == 1


def test_edits_made_while_the_server_is_down_are_sent_when_it_is_back(
    tmp_path: Path, browser: Browser
) -> None:
    database = f"sqlite:///{tmp_path / 'down.db'}"
    server = start_server(database, ops_per_second=1000.0, ops_burst=1000)
    board = new_board(browser, server)
    try:
        plan_atlas(board)
        ann = atlas_member(board, browser)
        team_url = ann.url
    finally:
        server.stop()
    try:
        rename_story(ann, "Intents", "Intents (SCA)")
        expect(ann.locator("#outbox")).to_contain_text("Change to story “Intents (SCA)”")
        expect(ann.locator(".story", has_text="Intents")).to_have_class(re.compile(r"\bop-waiting\b"))
        expect(ann.locator("#conn-status")).not_to_have_attribute("data-state", "live")

        port = int(server.url.rsplit(":", 1)[1])
        restarted = start_server(database, port=port, ops_per_second=1000.0, ops_burst=1000)
        try:
            expect(ann.locator("#outbox")).to_be_hidden(timeout=30_000)
            expect(ann.locator("#conn-status")).to_have_attribute("data-state", "live", timeout=30_000)
            expect(ann.locator(".story", has_text="Intents (SCA)")).to_be_visible()
            ann.goto(team_url)
            assert stories_named(ann, "Intents (SCA)") == 1
        finally:
            restarted.stop()
    finally:
        board.close()


def test_an_edit_refused_on_its_return_says_why_keeps_the_text_and_retries(
    art: UiBoard, browser: Browser
) -> None:
    ann = atlas_member(art, browser)
    ann.context.set_offline(True)
    rename_story(ann, "Intents", "Intents by Ann")
    expect(ann.locator("#outbox")).to_contain_text("Change to story “Intents by Ann”")

    # Meanwhile the RTE renames the same story.
    art.rte.goto(art.url(f"team/{art.team_id('Atlas')}"))
    rename_story(art.rte, "Intents", "Intents by Rita")
    expect(art.rte.locator(".story", has_text="Intents by Rita")).to_be_visible()

    ann.context.set_offline(False)
    refused = ann.locator("#outbox .outbox-refused")
    expect(refused).to_contain_text("Change to story “Intents by Ann”")
    expect(refused).to_contain_text("changed by someone else")
    expect(ann.locator(".story", has_text="Intents by Rita")).to_be_visible()
    refused.get_by_role("button", name="Reload and retry").click()
    expect(ann.locator(".story", has_text="Intents by Ann")).to_be_visible()
    expect(art.rte.locator(".story", has_text="Intents by Ann")).to_be_visible()
    expect(ann.locator("#outbox")).to_be_hidden()


def test_after_a_stale_refusal_reload_and_retry_saves_the_text(art: UiBoard, browser: Browser) -> None:
    ann = atlas_member(art, browser)
    rte = art.rte
    rte.goto(art.url(f"team/{art.team_id('Atlas')}"))
    # Both open the same story; the RTE saves first.
    ann.locator(".story", has_text="Intents").click()
    rename_story(rte, "Intents", "Intents (RTE)")
    expect(ann.locator(".story", has_text="Intents (RTE)")).to_be_visible()
    editor = ann.locator("#story-editor")
    editor.get_by_label("Title").fill("Intents (Ann)")
    editor.get_by_role("button", name="Save").click()
    refusal = editor.locator(".refusal")
    expect(refusal).to_contain_text("changed by someone else")
    expect(editor.get_by_label("Title")).to_have_value("Intents (Ann)")
    refusal.get_by_role("button", name="Reload and retry").click()
    expect(editor).to_be_hidden()
    expect(rte.locator(".story", has_text="Intents (Ann)")).to_be_visible()
