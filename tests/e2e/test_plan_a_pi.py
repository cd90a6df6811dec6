"""From an empty database to a planned PI, in the browser only: no API call, no CLI.

Rita (RTE) makes the board on the home page and sets it up on the admin page: the PI, two teams,
iterations with dates, a milestone, join links. Ann (Atlas) and Carl (Comet) join with their links
and put their people, FTE and days off in. Both teams plan stories until Atlas's first iteration is
over capacity; Comet asks Atlas for the Payments API, Atlas accepts with a story; the story slips a
iteration and the promise turns late, a conflict on both team pages and the program board. Then
things are renamed and removed, and the plan leaves as a file. At each step the test looks at what
each person sees, without a reload.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser import screenshot
from tests.conftest import LiveServer
from tests.e2e.ui_setup import UiBoard, accept_dialogs, add_story, ask_for, new_board
from tests.e2e.ui_setup import iteration_column as column

pytestmark = pytest.mark.e2e


@pytest.fixture
def rita(browser: Browser, live_server: LiveServer) -> Iterator[UiBoard]:
    board = new_board(browser, live_server, name="Phoenix ART")
    yield board
    board.close()


def gaps(page: Page) -> Locator:
    return page.locator("#admin-checklist [data-gap]")


def add_person(page: Page, name: str, fte: str = "1") -> None:
    form = page.locator("#people form.add-member")
    form.get_by_label("New person's name").fill(name)
    form.get_by_label("New person's FTE").fill(fte)
    form.get_by_role("button", name="Add person").click()
    expect(
        page.locator("#people tr[data-member]", has_text=name).or_(
            page.locator(f"#people tr[data-member] input[value='{name}']")
        )
    ).to_have_count(1)


def person_row(page: Page, name: str) -> Locator:
    return page.locator("#people tr[data-member]", has=page.locator(f"input[value='{name}']"))


def test_an_rte_and_two_teams_plan_a_pi_from_an_empty_database(rita: UiBoard, browser: Browser) -> None:
    rte = rita.rte
    # --- the empty board: the checklist says what is missing ---
    expect(gaps(rte)).to_have_count(5)
    for key in ("pi-name", "pi-dates", "teams", "iterations", "features"):
        expect(rte.locator(f"#admin-checklist [data-gap={key}]")).to_be_visible()
    screenshot(rte, "scenario-admin-empty")

    # --- the PI, teams, iterations ---
    rita.set_pi("PI 2027.1", "2027-01-04", "2027-03-12")
    expect(rte.locator("#admin-checklist [data-gap=pi-name]")).to_have_count(0)
    rte.reload()
    expect(rte.locator(".topbar .pi-name")).to_have_text("PI 2027.1")

    for team in ("Atlas", "Comet"):
        rita.add_team(team)
    expect(rte.locator("#admin-checklist [data-gap^=people-]")).to_have_count(2)
    rte.goto(rita.url("admin"))
    rita.add_iteration("I1", "2027-01-04", "2027-01-15")
    rita.add_iteration("I2", "2027-01-18", "2027-01-29")
    rita.add_iteration("Spare", "2027-02-01", "2027-02-12")
    rita.add_iteration("IP", "2027-03-01", "2027-03-12", ip=True)
    expect(rte.locator("#admin-checklist [data-gap=iterations]")).to_have_count(0)
    expect(rte.locator("#admin-checklist [data-gap=ip]")).to_have_count(0)
    expect(rte.locator("#admin-checklist [data-gap=iteration-dates]")).to_have_count(0)

    # --- a milestone on the program board ---
    rte.goto(rita.url("program"))
    rte.locator("#add-milestone summary").click()
    add = rte.locator("#add-milestone form")
    add.get_by_label("Milestone title").fill("Beta <release>")
    add.get_by_label("Milestone date").fill("2027-01-27")
    add.get_by_label("Milestone kind").select_option(label="Release")
    add.get_by_role("button", name="Add milestone").click()
    # Placed by its date in I2, its title shown as text.
    i2_cell = rte.locator("#milestones .milestone-cell").nth(1)
    expect(i2_cell.locator(".milestone.kind-release")).to_contain_text("Beta <release>")

    # --- invite: join links, opened by the two team members in their own browsers ---
    ann = rita.join(browser, "team", "Ann Atlas", "Atlas")
    carl = rita.join(browser, "team", "Carl Comet", "Comet")
    rte.goto(rita.url("admin"))
    links = rte.locator("table.links tr", has_text="Team member")
    expect(links).to_have_count(2)
    expect(links.locator("[data-uses='1']")).to_have_count(2)
    expect(ann).to_have_url(re.compile(r"/team/"))
    atlas_id = ann.url.rsplit("/", 1)[1]
    comet_id = carl.url.rsplit("/", 1)[1]
    for page in (ann, carl):
        expect(page.locator("#conn-status")).to_have_attribute("data-state", "live")
    # Each sees their own team's page, and may change only their own team's people.
    expect(ann.locator("h1.page-title")).to_contain_text("Atlas")
    ann.goto(rita.url(f"team/{comet_id}"))
    expect(ann.locator("#people form.add-member")).to_have_count(0)
    ann.goto(rita.url(f"team/{atlas_id}"))

    # --- people, FTE and days off: capacity follows 8 pts × FTE − days off ---
    add_person(ann, "Ann")
    add_person(ann, "Bo", "0.5")
    add_person(ann, "Cy")
    row = person_row(ann, "Cy")
    row.get_by_label("Days off of Cy in I1").fill("3")
    row.get_by_role("button", name="Save Cy").click()
    i1 = column(ann, "I1")
    # Ann 8 + Bo 4 + Cy (8 − 3) = 17 points in I1; 20 in I2.
    expect(i1.locator(".loadbar")).to_have_attribute("aria-valuemax", "17")
    expect(column(ann, "I2").locator(".loadbar")).to_have_attribute("aria-valuemax", "20")
    expect(person_row(ann, "Cy").locator("[data-capacity]").first).to_have_text("5")
    add_person(carl, "Carl")
    add_person(carl, "Dee")
    expect(column(carl, "I1").locator(".loadbar")).to_have_attribute("aria-valuemax", "16")
    rte.goto(rita.url("admin"))
    expect(rte.locator("#admin-checklist [data-gap^=people-]")).to_have_count(0)

    # --- features, then stories until Atlas's I1 is over capacity ---
    rita.add_feature("Atlas", "Payments API", "I1")
    rita.add_feature("Comet", "Checkout v2", "I1")
    rte.goto(rita.url("admin"))
    expect(rte.locator("#admin-checklist [data-ready]")).to_be_visible()
    add_story(ann, "I1", "Payment intents", 8, feature="Payments API")
    add_story(ann, "I1", "Refunds", 5, feature="Payments API")
    expect(i1.locator(".loadbar")).not_to_have_class(re.compile(r"lvl-overloaded"))
    add_story(ann, "I1", "Webhooks", 8)
    expect(i1.locator(".loadbar")).to_have_class(re.compile(r"lvl-overloaded"))
    expect(i1.locator(".loadbar")).to_contain_text("over capacity")
    expect(ann.locator("#team-counters [data-counter=overloaded] .n")).to_have_text("1")
    add_story(carl, "I1", "Checkout UI", 8, feature="Checkout v2")
    expect(column(carl, "I1").locator(".loadbar")).not_to_have_class(re.compile(r"lvl-overloaded"))
    rte.goto(rita.url("program"))
    atlas_row = rte.locator(f"#row-{atlas_id}")
    expect(atlas_row.locator(".mark-over")).to_contain_text("1")
    expect(rte.locator(f"#row-{comet_id} .mark-over")).to_have_count(0)
    screenshot(ann, "scenario-team-overloaded")

    # --- Comet asks Atlas for the Payments API; Atlas accepts with its story and an iteration ---
    ask_for(carl, "Payments API", "Atlas", needed_by="I1", for_feature="Checkout v2")
    ours = carl.locator("#deps-out li.dep")
    theirs = ann.locator("#deps-in li.dep")
    expect(theirs).to_contain_text("Comet needs “Payments API” by I1 for Checkout v2")
    expect(ann.locator("#team-counters [data-counter=requests] .n")).to_have_text("1")
    accept = theirs.locator("form.accept-dep")
    accept.get_by_label("Deliver with story").select_option(label="Payment intents")
    accept.locator("select[name='args.promised_iteration_id']").select_option(label="I1")
    accept.get_by_role("button", name="Accept").click()
    expect(ours).to_have_class(re.compile(r"\bstate-committed\b"))
    expect(theirs).to_have_class(re.compile(r"\bstate-committed\b"))
    expect(rte.locator("#strings li")).to_have_attribute("data-state", "committed")

    # --- the promise slips: Atlas re-plans the story to I2, late for Comet ---
    ann.locator(".story", has_text="Payment intents").click()
    editor = ann.locator("#story-editor")
    editor.get_by_label("Iteration").select_option(label="I2")
    editor.get_by_role("button", name="Save").click()
    expect(column(ann, "I2").locator(".story", has_text="Payment intents")).to_be_visible()
    # Atlas's I1 is back under capacity; the dependency is a conflict for both teams and on the board.
    expect(i1.locator(".loadbar")).not_to_have_class(re.compile(r"lvl-overloaded"))
    expect(ours).to_have_class(re.compile(r"\bstate-conflict\b"))
    expect(theirs).to_have_class(re.compile(r"\bstate-conflict\b"))
    expect(carl.locator("#team-counters [data-counter=conflicts] .n")).to_have_text("1")
    expect(ann.locator("#team-counters [data-counter=conflicts] .n")).to_have_text("1")
    expect(rte.locator("#strings li")).to_have_attribute("data-state", "conflict")
    expect(rte.locator(".card", has_text="Checkout v2")).to_have_class(re.compile(r"\bis-conflict\b"))
    expect(rte.locator("[data-counter=conflicts] .n")).to_have_text("1")
    screenshot(rte, "scenario-program-conflict")

    # --- rename and remove ---
    rte.goto(rita.url("admin"))
    comet_setup = rte.locator(f"#admin-train li[data-team='{comet_id}']")
    comet_setup.get_by_label("Name of team Comet").fill("Comet Pay")
    comet_setup.get_by_role("button", name="Save").click()
    expect(carl.locator("#deps-in, #deps-out").first).to_be_visible()
    expect(ann.locator("#deps-in li.dep")).to_contain_text("Comet Pay needs “Payments API”")
    # Removing a team that still holds work says what holds it first; an empty iteration just goes.
    atlas_setup = rte.locator(f"#admin-train li[data-team='{atlas_id}']")
    atlas_setup.locator("summary", has_text="Remove").click()
    expect(atlas_setup.locator("[data-held]")).to_contain_text("3 people, 1 feature, 3 stories")
    expect(atlas_setup.get_by_role("button", name=re.compile("^Remove Atlas"))).to_have_count(0)
    spare = rte.locator("#admin-train li[data-iteration]", has=rte.locator("input[value='Spare']"))
    spare.locator("summary", has_text="Remove").click()
    spare.get_by_role("button", name="Remove Spare").click()
    expect(rte.locator("#admin-train li[data-iteration]")).to_have_count(3)
    expect(ann.locator(".it-col h2", has_text="Spare")).to_have_count(0)
    # Ann removes a story (after the page says what goes with it) and a person.
    ann.locator(".story", has_text="Webhooks").click()
    ann.locator("#story-editor").get_by_role("button", name="Delete story…").click()
    ann.locator("#confirm-op [data-choice=all]").click()
    expect(ann.locator(".story", has_text="Webhooks")).to_have_count(0)
    asked: list[str] = []
    accept_dialogs(ann, asked)
    person_row(ann, "Bo").get_by_role("button", name="Remove Bo").click()
    expect(person_row(ann, "Bo")).to_have_count(0)
    assert asked and "capacity drops" in asked[0]
    expect(column(ann, "I2").locator(".loadbar")).to_have_attribute("aria-valuemax", "16")

    # --- the plan leaves the room as a file ---
    rte.goto(rita.url("program"))
    rte.get_by_text("Download", exact=True).click()
    with rte.expect_download() as download:
        rte.get_by_role("link", name="Board (JSON)").click()
    exported = json.loads(download.value.path().read_text(encoding="utf-8"))
    text = json.dumps(exported)
    for shown in (
        "Phoenix ART",
        "PI 2027.1",
        "Comet Pay",
        "Payment intents",
        "Beta <release>",
        "Payments API",
    ):
        assert shown in text, shown
    assert "Webhooks" not in text and "Spare" not in text
