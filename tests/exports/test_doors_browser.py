"""The download menu every board page carries, and the Jira import's mapping step, in a real Chromium."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from playwright.sync_api import Browser, Route, expect
from playwright.sync_api import Error as PlaywrightError
from test_doors_jira import jira_target
from test_jira import FIXTURES

from tests.browser import PageAs, board_from_home, wait_until_held
from tests.conftest import LiveServer

pytestmark = pytest.mark.e2e


def test_download_menu(e2e_server: LiveServer, page_as: PageAs) -> None:
    board = jira_target(e2e_server)
    page = page_as(board, "rte", "Rita", block_cdn=True)
    page.get_by_text("Download", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Board (JSON)").click()
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert download.value.suggested_filename == f"jira-target-{today}.json"


def test_a_new_board_from_a_jira_export_through_the_mapping_step(
    browser: Browser, e2e_server: LiveServer
) -> None:
    context, page = board_from_home(browser, e2e_server, "Orbit ART", "PI 24.2")
    board_url = page.url.rsplit("/", 1)[0]

    page.get_by_text("Download", exact=True).click()
    page.set_input_files("#jira-import input[type=file]", str(FIXTURES / "cloud_team_managed.csv"))
    page.get_by_role("button", name="Preview").click()
    result = page.locator("#jira-result")
    expect(result.locator("tr[data-key='OM-3']")).to_have_attribute("data-fate", "create")
    expect(result.locator(".jira-points")).to_contain_text("35 in the file, 35 onto the board")
    expect(result).to_contain_text("OM Sprint 0 — Setup")

    # The RTE clicks Preview again and, while that answer is still on its way (a slow link), skips
    # Tasks: the newer choice wins, the older answer does not reset it (CI: it came back "create").
    held: list[Route] = []

    def hold_the_first(route: Route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/import/jira?preview=true", hold_the_first)
    page.get_by_role("button", name="Preview").click()
    wait_until_held(page, held)
    result.locator("select[data-choice='type:Task']").select_option("type:Task=skip")
    with contextlib.suppress(PlaywrightError):  # the browser dropped that request: nothing to answer
        held[0].continue_()
    # The preview follows the choice, and says why for each Task.
    expect(result.locator("tr[data-key='OM-3']")).to_have_attribute("data-fate", "skip")
    expect(result.locator("tr[data-key='OM-3']")).to_contain_text("issue type 'Task' is mapped to skip")
    expect(result.locator(".jira-points")).to_contain_text("3 with skipped rows")
    expect(result.locator("select[data-choice='type:Task']")).to_have_value("type:Task=skip")

    result.get_by_role("button", name="Import").click()
    expect(result.locator(".jira-done")).to_contain_text("Imported: 7 created")

    page.goto(board_url + "/program")
    expect(page.locator("body")).to_contain_text("Onboarding flow")
    expect(page.locator("body")).to_contain_text("OM Sprint 1")
    expect(page.locator("body")).not_to_contain_text("Set up CI pipeline")
    context.close()


def test_the_jira_form_is_for_the_rte_and_product_management(e2e_server: LiveServer, page_as: PageAs) -> None:
    board = jira_target(e2e_server)
    team_id = next(iter(board.read()["items"]["team"]))
    for role, team, shown in (("team", team_id, False), ("pm", None, True), ("observer", None, False)):
        page = page_as(board, role, f"A {role}", team, block_cdn=True)
        if role == "observer":  # an observer lands on the big screen, which takes no clicks
            assert not page.get_by_text("Download", exact=True).is_visible()
            page.goto(page.url.replace("/screen", "/program"))
        page.get_by_text("Download", exact=True).click()
        assert page.get_by_role("link", name="PI report (PDF)").is_visible()
        assert page.locator(".downloads-jira").is_visible() == shown, role
