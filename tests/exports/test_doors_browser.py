"""The download menu every board page carries, and its Jira import form, in a real Chromium."""

from __future__ import annotations

import datetime as dt

import pytest
from test_doors_jira import by_key, jira_target
from test_jira import ROWS, jira_csv

from tests.browser import PageAs
from tests.conftest import LiveServer

pytestmark = pytest.mark.e2e


def test_download_menu_and_jira_import_in_the_browser(e2e_server: LiveServer, page_as: PageAs) -> None:
    board = jira_target(e2e_server)
    page = page_as(board, "rte", "Rita", block_cdn=True)

    page.get_by_text("Download", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("menuitem", name="Board (JSON)").click()
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert download.value.suggested_filename == f"jira-target-{today}.json"

    data, _ = jira_csv(ROWS)
    page.set_input_files(
        "#jira-import input[type=file]", files=[{"name": "jira.csv", "mimeType": "text/csv", "buffer": data}]
    )
    seq = board.read()["seq"]
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("#jira-result .jira-preview")
    assert "Will create: 0 teams, 2 features, 6 stories, 2 dependencies" in page.inner_text("#jira-result")
    assert "Ghost Team" in page.inner_text("#jira-result .jira-skipped")
    assert board.read()["seq"] == seq, "the preview changed nothing"

    page.get_by_role("button", name="Import these 10 items").click()
    page.wait_for_selector("#jira-result .jira-done")
    assert "Imported 2 features, 6 stories, 2 dependencies" in page.inner_text("#jira-result")
    assert {"PAY-1", "PAY-2", "PAY-4"} <= set(by_key(board.read()))


def test_the_jira_form_is_for_the_rte_and_product_management(e2e_server: LiveServer, page_as: PageAs) -> None:
    board = jira_target(e2e_server)
    team_id = next(iter(board.read()["items"]["team"]))
    for role, team, shown in (("team", team_id, False), ("pm", None, True), ("observer", None, False)):
        page = page_as(board, role, f"A {role}", team, block_cdn=True)
        if role == "observer":  # an observer lands on the big screen, which takes no clicks
            assert not page.get_by_text("Download", exact=True).is_visible()
            page.goto(page.url.replace("/screen", "/program"))
        page.get_by_text("Download", exact=True).click()
        assert page.get_by_role("menuitem", name="PI report (PDF)").is_visible()
        assert page.locator(".downloads-jira").is_visible() == shown, role
        assert not page.locator(".downloads-rte-only").is_visible()
