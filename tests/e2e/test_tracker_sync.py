"""A board synced with its tracker, in the browser: the RTE connects an empty board on Admin to the Jira (or
Azure DevOps) emulator, previews the first sync (changing a mapping choice), applies it, takes the baseline
and starts the PI's execution through the pages. Then the teams work in the tracker: a story marked done
and another moved to the next sprint show on the team page, the program board, the big screen and the
ART sync view without a reload, within 2 s by the tracker's webhook (registered with the URL and secret
the Admin page shows), and within the poll's interval (10 s, the least) with the webhook off. When the
tracker is down past the client's retries, every page says so. A non-RTE never sees the tracker's panel.

The trackers are the emulators of tests/trackers (real HTTP servers); only they are driven from here, as
the teams would change their issues. The sync's actor is the tracker: every change on the board is its op.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.axe import serious_violations
from tests.browser import PageAs, screenshot
from tests.conftest import LiveServer, create_board
from tests.e2e.ui_setup import (
    UiBoard,
    accept_dialogs,
    add_story,
    iteration_column,
    navigations,
    new_board,
)
from tests.meeting.browser import wait_live
from tests.phone import PHONE, page_width, sticking_out
from tests.trackers.azure_emulator import AzureEmulator
from tests.trackers.jira_emulator import JiraEmulator

# The emulated trackers listen on loopback (tests/conftest.py: the one allow-list of the tests).
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("outbound_to_loopback")]

INTERVAL_S = 10  # the least a board polls at
BY_WEBHOOK_S = 2.0
# A poll falls due within the interval; the watch looks once a second, and the pages redraw after it.
BY_POLLING_S = INTERVAL_S + 3.0
SPRINT_START = date.today() - timedelta(days=3)  # sprint 1 runs today; sprint 2 follows

# The plan in the tracker: Atlas's feature "Checkout" with four stories (points), and a bug to leave out.
STORIES = {"card": ("Pay by card", 5), "invoice": ("Pay by invoice", 3), "refunds": ("Refunds", 2)}
LATER = ("Receipts", 1)  # already in sprint 2: the board gets both iterations at the first sync


@dataclass
class Tracker:
    """One tracker as a test drives it: what the RTE types on Admin, and the teams' changes."""

    product: str  # as the board names it: "Jira", "Azure DevOps"
    connect: Callable[[Locator], None]  # fills Admin's form (the product's own fields)
    keys: dict[str, str]  # story -> the board's external key
    set_done: Callable[[str], None]
    move_to_sprint_2: Callable[[str], None]
    hooks_on: Callable[[Locator], None]  # registers the webhook with what Admin's panel shows
    hooks_off: Callable[[], None]
    delivered: Callable[[], int]  # webhook calls the board answered 202


@pytest.fixture
def jira_tracker() -> Iterator[tuple[Tracker, JiraEmulator]]:
    jira = JiraEmulator("cloud")
    jira.add_project("ATL")
    sprints = [
        jira.add_sprint(
            name,
            state=state,
            start=SPRINT_START + timedelta(14 * n),
            end=SPRINT_START + timedelta(14 * n + 13),
        )
        for n, (name, state) in enumerate((("Sprint 1", "active"), ("Sprint 2", "future")))
    ]
    with jira.running():
        epic = jira.add_issue("ATL", "Checkout", issue_type="Epic", team="Atlas")
        keys = {
            name: jira.add_issue("ATL", title, points=points, team="Atlas", sprint=sprints[0], parent=epic)
            for name, (title, points) in STORIES.items()
        }
        keys["receipts"] = jira.add_issue(
            "ATL", LATER[0], points=LATER[1], team="Atlas", sprint=sprints[1], parent=epic
        )
        jira.add_issue("ATL", "Flaky login test", issue_type="Bug", team="Atlas", sprint=sprints[0])

        def connect(form: Locator) -> None:
            expect(form.locator("select[name=product]")).to_have_value("jira_cloud")  # the first offered
            form.get_by_label("URL (the Jira site").fill(jira.base_url)
            form.get_by_label("Account e-mail").fill(jira.email)
            form.get_by_label("Token").fill(jira.token)
            form.get_by_label("JQL query").fill("project = ATL")

        def hooks_on(panel: Locator) -> None:
            url, secret = (panel.locator(f"[data-webhook={n}]").input_value() for n in ("url", "secret"))
            jira.register(url, secret)

        def hooks_off() -> None:
            for hook in jira.webhooks:
                hook.enabled = False

        yield (
            Tracker(
                product="Jira",
                connect=connect,
                keys=keys,
                set_done=lambda key: jira.set_status(key, "Done", "done"),
                move_to_sprint_2=lambda key: jira.move_to_sprint(key, sprints[1]),
                hooks_on=hooks_on,
                hooks_off=hooks_off,
                delivered=lambda: sum(1 for d in jira.deliveries if d.status == 202),
            ),
            jira,
        )


@pytest.fixture
def azure_tracker() -> Iterator[Tracker]:
    azure = AzureEmulator()
    sprints = ["Rocket\\PI 1\\Sprint 1", "Rocket\\PI 1\\Sprint 2"]
    for n, path in enumerate(sprints):
        azure.add_iteration(path, SPRINT_START + timedelta(14 * n), SPRINT_START + timedelta(14 * n + 13))
    with azure.running():
        area = "Rocket\\Atlas"
        feature = azure.add("Checkout", type="Feature", area=area, iteration=sprints[0])
        keys = {
            name: str(azure.add(title, area=area, iteration=sprints[0], points=points, parent=feature))
            for name, (title, points) in STORIES.items()
        }
        keys["receipts"] = str(
            azure.add(LATER[0], area=area, iteration=sprints[1], points=LATER[1], parent=feature)
        )
        azure.add("Flaky login test", type="Bug", area=area, iteration=sprints[0])

        def connect(form: Locator) -> None:
            form.locator("select[name=product]").select_option(label="Azure DevOps Services / Server")
            form.get_by_label("URL (the Jira site").fill(azure.url)
            form.get_by_label("Token").fill(azure.token or "")
            form.get_by_label("Project").fill(azure.project)  # once the product's own fields came in
            form.get_by_label("Area paths").fill(area)

        def hooks_on(panel: Locator) -> None:
            url, user, secret = (
                panel.locator(f"[data-webhook={n}]").input_value() for n in ("url", "user", "secret")
            )
            azure.subscribe(url, user, secret)

        def hooks_off() -> None:
            azure.subscriptions.clear()

        yield Tracker(
            product="Azure DevOps",
            connect=connect,
            keys=keys,
            set_done=lambda key: azure.set_state(int(key), "Closed"),
            move_to_sprint_2=lambda key: azure.move_iteration(int(key), sprints[1]),
            hooks_on=hooks_on,
            hooks_off=hooks_off,
            delivered=lambda: sum(1 for d in azure.deliveries if d.status == 202),
        )


@pytest.fixture
def rocket(browser: Browser, e2e_server: LiveServer) -> Iterator[UiBoard]:
    board = new_board(browser, e2e_server, "Rocket ART", rte_name="Rita Rossi")
    yield board
    board.close()


# --- what the RTE does on the pages -----------------------------------------------------------------------


def ready(within: Page | Locator, selector: str) -> Locator:
    """What htmx swapped in, once it is live: htmx binds new content's controls a moment after it shows
    (the settle), and until then it marks it "htmx-added"; a click before that would be lost."""
    return within.locator(f"{selector}:not(.htmx-added)")


def tracker_panel(page: Page) -> Locator:
    """Admin's tracker panel once loaded (it replaces an empty placeholder) and live."""
    return ready(page, "#tracker-panel.tracker-panel")


def connect_and_apply(board: UiBoard, tracker: Tracker) -> Locator:
    """On Admin: connect, preview (leaving the bug out by its mapping choice), apply. Returns the panel."""
    rita = board.rte
    rita.goto(board.url("admin"))
    panel = tracker_panel(rita)
    expect(panel.get_by_role("heading", name="Tracker")).to_be_visible()
    form = panel.locator("form.tracker-connect")
    tracker.connect(form)
    form.get_by_label("Poll every").fill(str(INTERVAL_S))
    form.get_by_role("button", name="Connect").click()
    expect(panel.locator(".tracker-note")).to_contain_text(f"Connected to {tracker.product}")

    panel.get_by_role("button", name="Preview").click()
    expect(panel.locator(".tracker-read")).to_contain_text(f"6 issues read from {tracker.product}")
    rows = panel.locator(".jira-rows tbody tr")
    expect(rows.filter(has_text="Pay by card")).to_have_attribute("data-fate", "create")
    bug = rows.filter(has_text="Flaky login test")
    expect(bug).not_to_have_attribute("data-fate", "skip")
    panel.locator("select[data-choice='type:Bug']").select_option(label="skip")  # the preview follows
    expect(bug).to_have_attribute("data-fate", "skip")
    assert serious_violations(rita) == [], "Admin's tracker panel with its preview"

    ready(panel, ".tracker-preview-rows").get_by_role("button", name="Apply the first sync").click()
    expect(panel.locator("[data-tracker-state=syncing]")).to_be_visible()
    expect(panel.locator(".tracker-log tr[data-kind=first-sync]")).to_contain_text("issues read")
    expect(panel.locator("#sync-line")).to_contain_text(f"{tracker.product} · last synced just now")
    return panel


def start_execution(board: UiBoard) -> None:
    """On ART sync: the baseline (it asks first), then the PI's execution."""
    rita = board.rte
    accept_dialogs(rita, [])
    rita.goto(board.url("sync"))
    wait_live(rita)
    rita.get_by_role("button", name="Take the baseline").click()
    expect(rita.locator(".baseline-taken")).to_contain_text("by Rita Rossi")
    rita.get_by_role("button", name="Start the PI's execution").click()
    expect(rita.locator("#execution-state")).to_contain_text("The PI is running")


def open_pages(board: UiBoard) -> dict[str, Page]:
    """The four pages that show execution, each in a tab of the RTE's browser, live."""
    atlas = board.team_id("Atlas")
    pages = {}
    for name, view in (
        ("team", f"team/{atlas}"),
        ("program", "program"),
        ("screen", "screen"),
        ("sync", "sync"),
    ):
        page = board.rte.context.new_page()
        page.set_default_timeout(10_000)
        page.goto(board.url(view))
        wait_live(page)
        pages[name] = page
    return pages


def sync_now(board: UiBoard) -> Locator:
    """The RTE presses Sync now on Admin: a poll at once, and the next one a whole interval later."""
    rita = board.rte
    if not rita.url.endswith("/admin"):
        rita.goto(board.url("admin"))
    panel = tracker_panel(rita)
    with rita.expect_response(lambda answer: answer.url.endswith("/tracker/sync")) as answer:
        panel.get_by_role("button", name="Sync now").click()
    assert answer.value.ok
    return panel


def expect_in_time(seconds: float, *checks: Callable[[float], None]) -> None:
    """Every check holds before ``seconds`` from now (each is given the milliseconds left)."""
    deadline = time.monotonic() + seconds
    for check in checks:
        check(max((deadline - time.monotonic()) * 1000, 1))


def story(page: Page, title: str) -> Locator:
    return page.locator(".story", has_text=title)


def load(page: Page, iteration: str) -> Locator:
    return page.locator(f".cell[aria-label='Atlas, {iteration}'] .load-badge .num")


def expect_load(page: Page, iteration: str, points: int, ms: float) -> None:
    """Atlas's load in ``iteration`` on the program board (or the big screen's); no one has capacity."""
    expect(load(page, iteration)).to_have_text(f"{points}/0", timeout=ms)


def shows_on_every_page(
    pages: dict[str, Page], done: str, moved: str, loads: tuple[int, int], progress: str
) -> list[Callable[[float], None]]:
    """The checks that ``done`` is done and ``moved`` in sprint 2, as each page shows it."""
    team = pages["team"]
    sprint_1, sprint_2 = loads
    checks: list[Callable[[float], None]] = [
        lambda ms: expect(story(team, done)).to_have_attribute("data-status", "done", timeout=ms),
        lambda ms: expect(iteration_column(team, "Sprint 2").locator(".story", has_text=moved)).to_be_visible(
            timeout=ms
        ),
        lambda ms: expect(pages["sync"].locator("#art-progress")).to_contain_text(progress, timeout=ms),
    ]
    for name in ("program", "screen"):
        for iteration, points in (("Sprint 1", sprint_1), ("Sprint 2", sprint_2)):
            checks.append(partial(expect_load, pages[name], iteration, points))
    return checks


def run_the_pi_in_the_tracker(board: UiBoard, tracker: Tracker) -> dict[str, Page]:
    """Connect, execute, then two rounds of the teams' changes: by webhook, then by polling alone."""
    panel = connect_and_apply(board, tracker)
    start_execution(board)
    pages = open_pages(board)
    reloads = {name: navigations(page) for name, page in pages.items()}
    for page in (pages["program"], pages["screen"]):  # sprint 1: 5 + 3 + 2 points, sprint 2: 1
        expect(load(page, "Sprint 1")).to_have_text("10/0")
    for page in pages.values():
        expect(page.locator("#sync-line")).to_contain_text(f"{tracker.product} · last synced")

    # By webhook: right after a poll, so the next one is a whole interval away.
    board.rte.goto(board.url("admin"))
    tracker.hooks_on(panel)
    sync_now(board)
    tracker.set_done(tracker.keys["card"])
    tracker.move_to_sprint_2(tracker.keys["invoice"])
    expect_in_time(
        BY_WEBHOOK_S, *shows_on_every_page(pages, "Pay by card", "Pay by invoice", (7, 4), "5 / 11 pts done")
    )
    assert tracker.delivered() >= 2, "the tracker called the board's webhook"

    # With the webhook off: the next poll brings the changes in, within the interval.
    tracker.hooks_off()
    tracker.set_done(tracker.keys["refunds"])
    tracker.move_to_sprint_2(tracker.keys["card"])
    expect_in_time(
        BY_POLLING_S, *shows_on_every_page(pages, "Refunds", "Pay by card", (2, 9), "7 / 11 pts done")
    )
    assert all(seen == [] for seen in reloads.values()), f"no page reloaded: {reloads}"
    return pages


# --- the tests ----------------------------------------------------------------------------------------------


def test_jira_changes_reach_every_page_by_webhook_and_by_polling_and_an_outage_is_said(
    rocket: UiBoard, jira_tracker: tuple[Tracker, JiraEmulator], browser: Browser
) -> None:
    tracker, jira = jira_tracker
    pages = run_the_pi_in_the_tracker(rocket, tracker)

    # Jira goes down: the RTE's Sync now tries (and retries) and says so; every page says it at once.
    jira.outage(None)
    panel = sync_now(rocket)
    expect(panel.locator(".tracker-message")).to_contain_text("Jira unreachable")
    for page in pages.values():
        expect(page.locator("#sync-line")).to_contain_text(re.compile(r"last synced .+ \(Jira unreachable\)"))
    screenshot(pages["screen"], "tracker-sync-screen-unreachable")
    panel.scroll_into_view_if_needed()
    screenshot(rocket.rte, "tracker-sync-admin-unreachable")
    jira.clear_faults()
    expect_fits_a_phone(browser, rocket)


def test_azure_devops_changes_reach_every_page_by_service_hook_and_by_polling(
    rocket: UiBoard, azure_tracker: Tracker
) -> None:
    run_the_pi_in_the_tracker(rocket, azure_tracker)


def test_only_the_rte_sees_the_tracker_panel(e2e_server: LiveServer, page_as: PageAs) -> None:
    board = create_board(e2e_server, "Guarded ART")
    rte = page_as(board, "rte", "Rita")
    rte.goto(f"{e2e_server.url}/b/{board.id}/admin")
    expect(rte.locator("#tracker-panel h2")).to_have_text("Tracker")
    for role in ("pm", "observer"):
        other = page_as(board, role, "Sam")
        other.goto(f"{e2e_server.url}/b/{board.id}/admin")
        expect(other.locator("body")).to_contain_text("only the RTE")
        expect(other.locator("#tracker-panel")).to_have_count(0)
        answer = other.request.get(f"{e2e_server.url}/b/{board.id}/tracker", headers={"HX-Request": "true"})
        assert answer.status == 403 and "only the RTE" in answer.text()


def expect_fits_a_phone(browser: Browser, board: UiBoard) -> None:
    """The RTE's pages with the tracker panel and the sync line on a phone: nothing past the screen's edge."""
    context = browser.new_context(**PHONE)
    context.add_cookies(board.rte.context.cookies())  # type: ignore[arg-type]
    try:
        phone = context.new_page()
        found = {}
        for view in ("admin", "program", "sync", f"team/{board.team_id('Atlas')}"):
            phone.goto(board.url(view))
            if view == "admin":
                # Jira answers again: once the sync says so, the panel is drawn for good (a change of
                # standing redraws it, which would detach what this looks at).
                expect(phone.locator("#sync-line").first).not_to_contain_text("unreachable", timeout=20_000)
                tracker_panel(phone).locator("details.tracker-settings summary").click()
                tracker_panel(phone).locator("form.tracker-connect").scroll_into_view_if_needed()
                screenshot(phone, "phone-tracker-settings")
            expect(phone.locator("#sync-line").first).to_be_visible()
            width, viewport = page_width(phone)
            found[view] = sticking_out(phone) + (
                [f"{width} px wide in {viewport} px"] if width > viewport else []
            )
        assert not any(found.values()), found
    finally:
        context.close()


def test_a_team_writes_a_refused_edit_back_and_the_rte_writes_the_plan_to_jira(
    rocket: UiBoard, jira_tracker: tuple[Tracker, JiraEmulator], browser: Browser
) -> None:
    """With write-back on: a team member's points edit of a Jira story is refused on the board and offered
    as a write to Jira, which comes back by the sync; the RTE previews and writes the plan (a story born
    on the board becomes an issue), and a second preview has nothing left to write."""
    tracker, jira = jira_tracker
    panel = connect_and_apply(rocket, tracker)
    panel.locator("details.tracker-settings summary").click()
    settings = panel.locator("form.tracker-connect")
    settings.get_by_label("Offer to write a board edit").check()
    settings.get_by_role("button", name="Save and check").click()
    expect(tracker_panel(rocket.rte).locator("[data-tracker-state=syncing]")).to_contain_text("writing back")

    tess = rocket.join(browser, "team", "Tess Atlas", team="Atlas")
    tess.goto(rocket.url(f"team/{rocket.team_id('Atlas')}"))
    wait_live(tess)
    story(tess, "Refunds").click()
    editor = tess.locator("#story-editor")
    editor.get_by_label("Points").fill("8")
    editor.get_by_role("button", name="Save").click()
    expect(editor.locator(".refusal-slot .refusal")).to_contain_text("points of ATL-4 is Jira's")
    editor.get_by_role("button", name="Write it to Jira").click()
    expect(editor.locator(".written-back")).to_contain_text("Written to Jira: the points of ATL-4")
    assert jira.issue(tracker.keys["refunds"])["fields"]["customfield_10016"] == 8
    expect(story(tess, "Refunds").locator(".points, .pts").first).to_contain_text("8")

    # A story born on the board: the push makes its issue and links it.
    add_story(tess, "Sprint 1", "Export receipts", 2)
    rita = rocket.rte
    rita.goto(rocket.url("admin"))
    push = tracker_panel(rita).locator(".tracker-push")
    accept_dialogs(rita, ["", ""])
    for locked in (False, True):
        push.get_by_role("button", name="Preview the writes").click()
        writes = push.locator(".tracker-writes li")
        expect(writes.filter(has_text="create")).to_contain_text("Export receipts")
        push.get_by_role("button", name=re.compile(r"Write \d+ changes to Jira")).click()
        if not locked:  # the plan is written once the final review has it
            expect(push.locator(".refusal")).to_contain_text("lock the plan first")
            rita.locator("#admin-lock").get_by_role("button", name="Lock the plan").click()
            expect(rita.locator("#plan-lock")).to_be_visible()
            rita.goto(rocket.url("admin"))  # the panel as it is now, settled
            push = tracker_panel(rita).locator(".tracker-push")
    expect(push.locator(".tracker-push-report")).to_contain_text("writes made in Jira")
    summaries = [jira.issue(key)["fields"]["summary"] for key in jira.keys()]  # noqa: SIM118 (a method)
    assert "Export receipts" in summaries
    push.get_by_role("button", name="Preview the writes").click()
    expect(push.locator(".tracker-push-preview-result")).to_contain_text("nothing to write")
