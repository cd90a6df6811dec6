"""Every state the board shows is the true one, and nothing a person typed is lost (issue 22): a
dependency is *requested* on every page until the providing team answers; an editor open when the plan
locks keeps its text and says why; the small things of the admin page, the dependency dialog, the
people panel and the outbox."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import APIResponse, Locator, Page, Route, expect

from tests.browser import FULL_HD, LAPTOP, PageAs, screenshot
from tests.conftest import BoardHandle
from tests.e2e.conftest import Plan
from tests.e2e.ui_setup import accept_dialogs, add_story, expect_drawn, iteration_column
from tests.meeting.browser import wait_live

pytestmark = pytest.mark.e2e

VIEWPORTS = pytest.mark.parametrize("viewport", [FULL_HD, LAPTOP], ids=["1920x1080", "1366x768"])


def team_page(page_as: PageAs, board: BoardHandle, name: str, team: str) -> Page:
    page = page_as(board, "team", name, team)
    wait_live(page)
    return page


def test_a_string_drawn_by_one_team_is_requested_everywhere_until_the_other_answers(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    # Borealis (team A) needs Comet's "Loyalty points" (team B) for its "Search runway".
    bea = team_page(page_as, board, "Bea Borealis", "borealis")
    carl = team_page(page_as, board, "Carl Comet", "comet")
    rte = page_as(board, "rte", "Rita RTE", viewport=FULL_HD)
    rte.goto(rte.url.rsplit("/", 1)[0] + "/program")
    wait_live(rte)
    drawer = page_as(board, "team", "Bo Borealis", "borealis", viewport=FULL_HD)
    drawer.goto(drawer.url.rsplit("/", 2)[0] + "/program")
    wait_live(drawer)
    requests = carl.locator("#team-counters [data-counter=requests] .n")
    expect(requests).to_have_text("0")

    drawer.locator("#card-search .string-handle").drag_to(drawer.locator("#card-loyalty"))
    dialog = drawer.locator("#dep-editor")
    expect(dialog).to_be_visible()
    # "Needed by" says which iteration its default is, and the option's text is not cut.
    needed_by = dialog.get_by_label("Needed by")
    expect(needed_by.locator("option").first).to_have_text("Our feature’s iteration (I1)")
    assert option_fits(needed_by), "the default of Needed by is cut"
    needed_by.select_option(label="I3")
    dialog.get_by_role("button", name="Ask for it").click()
    expect(dialog).to_be_hidden()

    # Requested everywhere: dotted on the program board, "requested" on both teams' pages, counted
    # once among Comet's requests to answer, never committed.
    asked = drawer.locator("#strings li", has_text="Loyalty points")
    expect(asked).to_have_count(1)
    drawn = f"#strings-layer g[data-dep='{asked.get_attribute('data-dep')}']"
    for page in (rte, drawer):
        string = page.locator("#strings li", has_text="Loyalty points")
        expect(string).to_have_attribute("data-state", "requested")
        expect(string).to_contain_text("requested")
        expect(page.locator(drawn)).to_have_class(re.compile(r"\bstr-requested\b"))
        expect_drawn(page.locator(f"{drawn} .line"), dotted=True)
        expect(page.locator("#strings-layer g.str-committed")).to_have_count(0)
    theirs = carl.locator("#deps-in li.dep", has_text="Loyalty points")
    expect(theirs).to_have_class(re.compile(r"\bstate-requested\b"))
    expect(theirs.locator(".dep-state")).to_have_text(re.compile(r"requested", re.I))
    expect(theirs).to_contain_text("Waiting for our answer")
    expect(theirs).not_to_contain_text(re.compile("committed", re.I))
    expect(requests).to_have_text("1")
    ours = bea.locator("#deps-out li.dep", has_text="Loyalty points")
    expect(ours).to_have_class(re.compile(r"\bstate-requested\b"))
    expect(ours).to_contain_text("Waiting for Comet’s answer")

    # Comet answers: it delivers with its Loyalty points feature (I2, in time for I3). Committed
    # everywhere, solid; nothing left to answer.
    accept = theirs.locator("form.accept-dep")
    accept.get_by_label("or feature").select_option(label="Loyalty points")
    accept.get_by_role("button", name="Accept").click()
    expect(theirs).to_have_class(re.compile(r"\bstate-committed\b"))
    expect(requests).to_have_text("0")
    expect(ours).to_have_class(re.compile(r"\bstate-committed\b"))
    expect(ours).to_contain_text("Planned in I2 with Loyalty points")
    for page in (rte, drawer):
        expect(page.locator("#strings li", has_text="Loyalty points")).to_have_attribute(
            "data-state", "committed"
        )
        expect(page.locator(drawn)).to_have_class(re.compile(r"\bstr-committed\b"))
        expect_drawn(page.locator(f"{drawn} .line"), dotted=False)
    screenshot(rte, "program-request-answered")


def option_fits(select: Locator) -> bool:
    """Whether the select's chosen option's text fits in it (the browser cuts what does not)."""
    return bool(
        select.evaluate(
            """el => {
                const style = getComputedStyle(el);
                const ctx = document.createElement("canvas").getContext("2d");
                ctx.font = style.font;
                const text = ctx.measureText(el.selectedOptions[0].textContent).width;
                const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
                const room = el.clientWidth - padding - 20;
                return text <= room;
            }"""
        )
    )


def test_the_needed_by_default_fits_in_the_we_need_form(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    carl = team_page(page_as, board, "Carl Comet", "comet")
    carl.locator("#deps-out summary", has_text="We need").click()
    needed_by = carl.locator("#deps-out form.add-dep").get_by_label("Needed by")
    expect(needed_by.locator("option").first).to_have_text("Our feature’s iteration")
    assert option_fits(needed_by), "the default of Needed by is cut"


def test_a_lock_arriving_while_a_story_is_edited_keeps_the_typed_points_and_says_why(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    ann = team_page(page_as, board, "Ann Atlas", "atlas")
    rte = page_as(board, "rte", "Rita RTE")
    rte.goto(rte.url.rsplit("/", 1)[0] + "/admin")

    ann.locator(".story", has_text="Payment intents").click()
    editor = ann.locator("#story-editor")
    editor.get_by_label("Points").fill("8")
    editor.get_by_label("Title").fill("Payment intents (3DS)")

    rte.locator("#admin-lock").get_by_role("button", name="Lock the plan").click()
    expect(ann.locator("#plan-lock")).to_be_visible()

    # The editor is still open, with what Ann typed, and says the plan is locked.
    expect(editor).to_be_visible()
    expect(editor.get_by_label("Points")).to_have_value("8")
    expect(editor.get_by_label("Title")).to_have_value("Payment intents (3DS)")
    expect(editor.locator(".lock-note")).to_contain_text("The plan is locked for the final plan review")

    # Save is refused, in words, beside the form; the text stays.
    editor.get_by_role("button", name="Save").click()
    expect(editor.locator(".refusal-slot .refusal")).to_contain_text("Not saved: the plan is locked")
    expect(editor).to_be_visible()
    expect(editor.get_by_label("Points")).to_have_value("8")
    expect(editor.get_by_label("Title")).to_have_value("Payment intents (3DS)")
    screenshot(ann, "team-editor-kept-when-locked")
    story = board.read()["items"]["story"]["pay1"]
    assert (story["points"], story["title"]) == (13, "Payment intents")


@VIEWPORTS
def test_the_admin_reorder_buttons_stay_on_the_iterations_line(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs, viewport: dict[str, int]
) -> None:
    board, _ = planned_board
    rte = page_as(board, "rte", "Rita RTE", viewport=viewport)
    rte.goto(rte.url.rsplit("/", 1)[0] + "/admin")
    rows = rte.locator(".iterations-setup > li")
    expect(rows).to_have_count(5)
    for n in range(5):
        row = rows.nth(n)
        name = row.locator("input[name='args.name']").bounding_box()
        arrows = row.locator(".reorder button")
        assert name and arrows.count() >= 1
        for a in range(arrows.count()):
            box = arrows.nth(a).bounding_box()
            assert box, "a reorder button is not shown"
            # On the name's line (the button's middle within the name field's height), and leading
            # it: however the fields wrap on a narrow screen, ▲▼ cannot be pushed to another line.
            middle = box["y"] + box["height"] / 2
            assert name["y"] <= middle <= name["y"] + name["height"], f"▲▼ of row {n + 1} wrapped"
            assert box["x"] + box["width"] <= name["x"], f"▲▼ of row {n + 1} do not lead its line"
    # ▲ and ▼ keep their places (a lone ▼ on the first line, a lone ▲ on the last): the names align.
    names = rte.locator(".iterations-setup input[name='args.name']")
    lefts = names.evaluate_all("es => es.map(e => e.offsetLeft)")
    assert len(set(lefts)) == 1, lefts


def test_merge_has_no_default_and_asks_naming_both_people(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    board, _ = planned_board
    page_as(board, "team", "Ann Atlas", "atlas")
    twin = page_as(board, "team", "Ann A.", "atlas")
    rte = page_as(board, "rte", "Rita RTE")
    rte.goto(rte.url.rsplit("/", 1)[0] + "/admin")
    name = re.compile(r"^Ann A\.")
    row = rte.locator("#people tr", has=rte.locator("td:first-child", has_text=name))
    into = row.locator("select[name=into]")
    expect(into).to_have_value("")
    expect(into.locator("option:checked")).to_have_text("choose…")
    assert into.evaluate("el => el.required")

    # Nothing chosen: nothing merged, nothing asked.
    asked: list[str] = []
    accept_dialogs(rte, asked)
    row.locator("[data-action=merge]").click()
    assert into.evaluate("el => !el.validity.valid")
    assert asked == []

    into.select_option(label="Ann Atlas · Team member · Atlas")
    row.locator("[data-action=merge]").click()
    expect(rte.locator("#people td:first-child", has_text=name)).to_have_count(0)
    assert len(asked) == 1 and "Ann A." in asked[0] and "Ann Atlas" in asked[0], asked
    twin.context.close()


def test_the_people_panel_lists_the_rte_from_its_first_rendering(
    planned_board: tuple[BoardHandle, Plan],
) -> None:
    board, _ = planned_board
    # No page of the RTE is connected: the panel answered to them still lists them online.
    with board.rte() as client:
        panel = client.get(f"/b/{board.id}/admin/people", headers={"HX-Request": "true"})
        online = client.get(f"/b/{board.id}/admin/people/online", headers={"HX-Request": "true"})
    for html in (panel.text, online.text):
        assert "Nobody is online" not in html
        assert 'data-online-count="1"' in html


@VIEWPORTS
def test_an_offline_edit_shows_its_text_pending_and_the_outbox_covers_no_panel(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs, viewport: dict[str, int]
) -> None:
    board, _ = planned_board
    ann = page_as(board, "team", "Ann Atlas", "atlas", viewport=viewport)
    wait_live(ann)
    ann.context.set_offline(True)

    ann.locator(".story", has_text="Payment intents").click()
    editor = ann.locator("#story-editor")
    editor.get_by_label("Title").fill("Payment intents (3DS)")
    editor.get_by_label("Points").fill("8")
    editor.get_by_role("button", name="Save").click()
    add_story(ann, "I3", "Refunds", 3, wait=False)

    # The story shows its new text and points, marked pending; the new story is in its column.
    story = ann.locator("#story-pay1")
    expect(story).to_have_class(re.compile(r"\bop-waiting\b"))
    expect(story.locator(".story-title")).to_have_text("Payment intents (3DS)")
    expect(story.locator(".points")).to_have_text("8")
    new = iteration_column(ann, "I3").locator(".story", has_text="Refunds")
    expect(new).to_have_class(re.compile(r"\bop-waiting\b"))
    expect(new.locator(".points")).to_have_text("3")
    outbox = ann.locator("#outbox")
    expect(outbox).to_contain_text("2 edits are waiting to be sent")

    # The outbox covers none of the team's panels, wherever the page is scrolled.
    for panel in ("#deps-in", "#deps-out", "#objectives", "#risks"):
        ann.locator(panel).scroll_into_view_if_needed()
        a, b = outbox.bounding_box(), ann.locator(panel).bounding_box()
        assert a and b
        apart = a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
        apart = apart or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
        assert apart, f"the outbox covers {panel}"
    screenshot(ann, "team-offline-pending-text")

    ann.context.set_offline(False)
    expect(outbox).to_be_hidden(timeout=15_000)
    expect(ann.locator(".op-waiting")).to_have_count(0)
    expect(iteration_column(ann, "I3").locator(".story", has_text="Refunds")).to_have_count(1)
    expect(story.locator(".story-title")).to_have_text("Payment intents (3DS)")


def test_a_story_sent_from_the_outbox_shows_once_when_its_live_update_comes_before_the_answer(
    planned_board: tuple[BoardHandle, Plan], page_as: PageAs
) -> None:
    """The live update that brings a new story may reach the page before the answer to its post (a
    loaded server, a slow link): the story's pending stand-in must not stay beside it."""
    board, _ = planned_board
    ann = team_page(page_as, board, "Ann Atlas", "atlas")
    ann.context.set_offline(True)
    add_story(ann, "I3", "Chargebacks", 5, wait=False)
    stories = iteration_column(ann, "I3").locator(".story", has_text="Chargebacks")
    expect(stories).to_have_class(re.compile(r"\bop-waiting\b"))

    # The post reaches the server (committed, sent live) but its answer is held back.
    held: list[tuple[Route, APIResponse]] = []

    def hold(route: Route) -> None:
        held.append((route, route.fetch()))

    ann.route("**/ops", hold)
    ann.context.set_offline(False)
    arrived = stories.and_(ann.locator(".story:not([id^='pending-'])"))
    expect(arrived).to_have_count(1, timeout=15_000)
    assert len(held) == 1
    route, answer = held[0]
    route.fulfill(response=answer)

    expect(ann.locator("#outbox")).to_be_hidden()
    expect(ann.locator(".op-waiting")).to_have_count(0)
    expect(stories).to_have_count(1)
    expect(stories.locator(".points")).to_have_text("5")
