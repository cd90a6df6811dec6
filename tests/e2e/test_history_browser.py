"""History in a real browser: a card's story, the timeline scrubbed to the past while another person
keeps editing, compare, and undo of a feature move on every screen. Each board starts empty and is set
up through the pages a Release Train Engineer uses (home page, admin, team breakout)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from server.store.auth import session_cookie_name
from tests.axe import serious_violations
from tests.browser import CDN, LAPTOP, PageAs, screenshot, wait_until_held
from tests.conftest import BoardHandle, LiveServer
from tests.meeting.browser import wait_live

pytestmark = pytest.mark.e2e


@dataclass
class Train:
    """A board made in the browser: its RTE's page, and the ids the pages gave its parts."""

    board: BoardHandle
    rte: Page
    atlas: str
    iterations: list[str]
    feature: str
    story: str

    def url(self, path: str) -> str:
        return f"{self.board.server.url}/b/{self.board.id}{path}"

    def cell(self, iteration: int) -> str:
        return f".team-row .cell[data-team='{self.atlas}'][data-iteration='{self.iterations[iteration - 1]}']"


@pytest.fixture
def rte_context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
    yield context
    context.close()


@pytest.fixture
def train(e2e_server: LiveServer, rte_context: BrowserContext) -> Train:
    return make_train(e2e_server, rte_context)


@pytest.fixture
def train_a_minute_ago(
    e2e_server: LiveServer, rte_context: BrowserContext, monkeypatch: pytest.MonkeyPatch
) -> Train:
    """``train``, its events stamped a minute early by the op path's clock: all of them before the minute
    the test starts in, without waiting for the next minute (30 s on average)."""
    op_path = e2e_server.services.op_path
    real = op_path.clock
    with monkeypatch.context() as m:
        m.setattr(op_path, "clock", lambda: real() - 60)
        return make_train(e2e_server, rte_context)


def make_train(e2e_server: LiveServer, rte_context: BrowserContext) -> Train:
    """The RTE creates a board, a team and three iterations, then a feature with a story, by hand."""
    page = rte_context.new_page()
    page.set_default_timeout(15_000)
    page.goto(e2e_server.url + "/")
    page.get_by_label("Name of the ART").fill("History ART")
    page.get_by_role("button", name="Create the board").click()
    page.wait_for_url(re.compile(r"/b/[\w-]+/admin$"))
    board_id = page.url.split("/b/")[1].split("/")[0]
    session = next(c["value"] for c in rte_context.cookies() if c["name"] == session_cookie_name(board_id))
    board = BoardHandle(e2e_server, board_id, session)

    page.get_by_label("Team name").fill("Atlas")
    page.get_by_role("button", name="Add team").click()
    expect(page.locator("#admin-train")).to_contain_text("Atlas")
    for n in (1, 2, 3):
        page.locator("#admin-train").get_by_label("Name", exact=True).fill(f"Iteration {n}")
        page.get_by_role("button", name="Add iteration").click()
        expect(page.locator("#admin-train")).to_contain_text(f"Iteration {n}")

    page.reload()  # the navigation names a team page once there is a team
    page.get_by_role("link", name="Team", exact=True).click()
    page.wait_for_url(re.compile(r"/team/"))
    wait_live(page)  # set-up, not the test: the page has settled (early clicks have tests of their own)
    atlas = page.url.rsplit("/", 1)[1]
    columns = page.locator(".it-col")
    iterations = [str(columns.nth(n).get_attribute("data-iteration")) for n in range(3)]
    features = page.locator("#team-features")
    features.get_by_label("New feature title").fill("Checkout")
    features.get_by_label("Iteration").select_option(label="Iteration 1")
    features.get_by_role("button", name="Add").click()
    expect(features).to_contain_text("Checkout")
    first = page.locator(f"#col-{iterations[0]}")
    first.get_by_label("New story title").fill("Pay by card")
    first.get_by_label("Feature", exact=True).select_option(label="Checkout")
    first.get_by_role("button", name="Add story").click()
    story = first.locator(".story", has_text="Pay by card")
    expect(story).to_be_visible()
    story_id = str(story.get_attribute("data-story"))

    page.goto(f"{e2e_server.url}/b/{board_id}/program")
    card = page.locator(".card", has_text="Checkout")
    return Train(
        board,
        page,
        atlas,
        iterations,
        str(card.get_attribute("data-feature")),
        story_id,
    )


def move_feature(page: Page, train: Train, iteration: int) -> None:
    """Re-plan the feature with its card's editor, as a person does."""
    page.locator(f"#card-{train.feature}").click()
    editor = page.locator("#feature-editor")
    editor.locator(".move-feature").get_by_label("Iteration").select_option(label=f"Iteration {iteration}")
    editor.get_by_role("button", name="Move").click()
    page.get_by_role("button", name="Move with its stories").click()  # the board asks first
    expect(page.locator(f"{train.cell(iteration)} #card-{train.feature}")).to_be_visible()


def open_history(page: Page, train: Train) -> None:
    page.locator(f"#card-{train.feature}").click()
    editor = page.locator("#feature-editor")
    editor.get_by_role("button", name="History").click()
    expect(editor.locator(".activity")).to_be_visible()


def moved_by(page_as: PageAs, train: Train, name: str) -> Page:
    """Another person (Product Management) moves the feature from Iteration 1 to Iteration 2."""
    pm = page_as(train.board, "pm", name)
    pm.goto(train.url("/program"))
    move_feature(pm, train, 2)
    return pm


def test_a_person_reads_in_a_cards_history_who_moved_it_where(train: Train, page_as: PageAs) -> None:
    moved_by(page_as, train, "Paula")
    rte = train.rte
    expect(rte.locator(f"{train.cell(2)} #card-{train.feature}")).to_be_visible()  # live, no reload
    open_history(rte, train)
    activity = rte.locator("#feature-editor .activity")
    expect(activity).to_contain_text("Paula moved it from Iteration 1 to Iteration 2")
    expect(activity).to_contain_text("RTE created it")
    screenshot(rte, "card-history")


def test_the_rte_scrubs_to_before_a_move_while_another_person_keeps_editing(
    train: Train, page_as: PageAs
) -> None:
    pm = moved_by(page_as, train, "Paula")
    rte = train.rte
    open_history(rte, train)
    move_seq = int(str(rte.locator("#feature-editor .activity li").first.get_attribute("data-seq")))

    rte.get_by_role("link", name="History").click()
    rte.wait_for_url(re.compile(r"/history"))
    rte.locator("#timeline-at").fill(str(move_seq - 1))
    past = rte.locator("#past")
    expect(past).to_have_attribute("data-at", str(move_seq - 1))
    expect(past.locator(".past-banner")).to_contain_text("The past")
    expect(past.locator(f"{train.cell(1)} #card-{train.feature}")).to_be_visible()
    expect(past.locator(".past-view")).to_have_attribute("inert", "")

    # Paula goes on planning: the timeline's end moves on, the past on screen stays where it was.
    move_feature(pm, train, 3)
    expect(rte.locator("#history-now")).to_contain_text(f"Now: event {move_seq + 1}")
    expect(past.locator(f"{train.cell(1)} #card-{train.feature}")).to_be_visible()
    screenshot(rte, "history-past")

    # Nothing of hers was lost: back at now, the feature is where she put it last.
    rte.get_by_role("button", name="Now").click()
    expect(past).to_have_attribute("data-at", str(move_seq + 1))
    expect(past.locator(f"{train.cell(3)} #card-{train.feature}")).to_be_visible()


def hold_htmx(page: Page) -> list[Route]:
    """A slow link: the CDN never answers and the vendored htmx is held until the test lets it go."""
    held: list[Route] = []
    page.route(CDN, lambda route: None)
    page.route(re.compile(r"/static/vendor/htmx-\d"), lambda route: held.append(route))
    return held


def test_a_moment_picked_before_htmx_has_arrived_is_shown_once_it_has(train: Train, page_as: PageAs) -> None:
    """On a slow link the timeline is on screen before htmx: a moment picked then is not lost."""
    moved_by(page_as, train, "Paula")
    rte = train.rte
    held = hold_htmx(rte)
    # Not "load": a script the loader adds before the page's load event holds that event back.
    rte.goto(train.url("/history"), wait_until="domcontentloaded")
    past = rte.locator("#past")
    newest = str(past.get_attribute("data-newest"))
    expect(past).to_have_attribute("data-at", newest)
    rte.locator("#timeline-at").fill("1")
    wait_until_held(rte, held)
    expect(past).to_have_attribute("data-at", newest)
    for route in held:
        route.continue_()
    expect(past).to_have_attribute("data-at", "1")
    expect(past.locator(".past-banner")).to_contain_text("The past")


def test_a_cards_history_asked_for_before_htmx_has_arrived_opens_once_it_has(
    train: Train, page_as: PageAs
) -> None:
    moved_by(page_as, train, "Paula")
    rte = train.rte
    held = hold_htmx(rte)
    # The held htmx holds the load event back: wait for the DOM only.
    rte.goto(train.url("/program"), wait_until="domcontentloaded")
    wait_until_held(rte, held)
    # The card's editor is board.js's, which the page asks for once it is read (static/live-early.js).
    rte.wait_for_function("() => !!window.piboardConfirm")
    open_history_button = rte.locator("#feature-editor").get_by_role("button", name="History")
    rte.locator(f"#card-{train.feature}").click()
    open_history_button.click()
    for route in held:
        route.continue_()
    activity = rte.locator("#feature-editor .activity")
    expect(activity).to_contain_text("Paula moved it from Iteration 1 to Iteration 2")


def test_a_risks_history_opened_before_htmx_has_arrived_loads_once_it_has(train: Train) -> None:
    rte = train.rte
    rte.goto(train.url("/risks"))
    rte.get_by_text("Raise a risk").click()
    rte.get_by_label("Risk", exact=True).fill("Payment provider late")
    rte.get_by_role("button", name="Raise").click()
    card = rte.locator(".risk-card", has_text="Payment provider late")
    expect(card).to_be_visible()

    held = hold_htmx(rte)
    # Not "load": on a loaded machine the loader adds the held htmx before the load event, holding it back.
    rte.reload(wait_until="domcontentloaded")
    wait_until_held(rte, held)
    card.locator("summary", has_text="History").click()
    for route in held:
        route.continue_()
    expect(card.locator(".activity")).to_contain_text("RTE created it")


def test_compare_shows_what_moved_between_two_moments(train: Train, page_as: PageAs) -> None:
    moved_by(page_as, train, "Paula")
    rte = train.rte
    open_history(rte, train)
    move_seq = int(str(rte.locator("#feature-editor .activity li").first.get_attribute("data-seq")))
    rte.goto(train.url("/history"))
    rte.get_by_label("From", exact=True).fill(str(move_seq - 1))
    rte.get_by_label("To", exact=True).fill("now")
    rte.get_by_role("button", name="Compare").click()
    result = rte.locator("#compare-result")
    expect(result).to_contain_text("Moved (2)")
    expect(result.locator("li[data-kind=feature]")).to_contain_text("Checkout")
    expect(result.locator("li[data-kind=feature]")).to_contain_text(
        "moved from Atlas / Iteration 1 to Atlas / Iteration 2"
    )
    expect(result.locator("li[data-kind=story]")).to_contain_text("Pay by card")
    screenshot(rte, "history-compare")


def test_undoing_a_feature_move_puts_the_feature_and_its_stories_back_on_every_screen(
    train: Train, page_as: PageAs
) -> None:
    pm = moved_by(page_as, train, "Paula")
    team = page_as(train.board, "team", "Tom", train.atlas)
    team.goto(train.url(f"/team/{train.atlas}"))
    expect(team.locator(f"#col-{train.iterations[1]} #story-{train.story}")).to_be_visible()

    open_history(pm, train)
    line = pm.locator("#feature-editor .activity li", has_text="Paula moved it")
    line.get_by_role("button", name="Undo").click()

    for page in (pm, train.rte):
        expect(page.locator(f"{train.cell(1)} #card-{train.feature}")).to_be_visible()
    expect(team.locator(f"#col-{train.iterations[0]} #story-{train.story}")).to_be_visible()
    expect(team.locator(f"#col-{train.iterations[1]} #story-{train.story}")).to_have_count(0)

    # The undo is itself in the card's story, and undoable (a redo) by whoever may.
    open_history(train.rte, train)
    expect(train.rte.locator("#feature-editor .activity li").first).to_contain_text("Paula undid event")
    screenshot(train.rte, "history-undone")


def test_an_agenda_landmark_shows_the_board_as_it_was_when_that_item_was_due(
    train_a_minute_ago: Train,
) -> None:
    """The RTE sets the event's first day and start (this very minute, UTC) on the agenda page, then
    moves the feature on. On the timeline, the first agenda item opens the board as it was when that
    item was due (the feature still in Iteration 1); the items still to come are there, disabled."""
    train = train_a_minute_ago  # what it set up happened before the minute the first item is due at
    rte = train.rte
    due = datetime.now(UTC)
    rte.goto(train.url("/agenda"))
    times = rte.locator("form.event-times")
    times.get_by_label("First day").fill(due.date().isoformat())
    times.get_by_label("Days start at").fill(due.strftime("%H:%M"))
    times.get_by_label("Time zone").fill("UTC")
    times.get_by_role("button", name="Set times").click()
    expect(rte.locator("#agenda-days time.starts").first).to_have_attribute(
        "data-starts", due.strftime("%H:%M")
    )

    rte.goto(train.url("/program"))
    move_feature(rte, train, 2)

    rte.goto(train.url("/history"))
    marks = rte.locator("#timeline .landmarks")
    first_item = marks.get_by_role("button", name=re.compile("Day 1 Business context"))
    expect(first_item).to_be_enabled()
    expect(marks.get_by_role("button", name=re.compile("Day 1 Product vision"))).to_be_disabled()
    expect(marks.get_by_role("button", name=re.compile("Day 2 Planning retrospective"))).to_be_disabled()
    wait_live(rte)  # audited as people see it: the page is dimmed until its socket is connected
    assert serious_violations(rte) == []
    first_item.click()
    past = rte.locator("#past")
    expect(past).to_have_attribute("data-at", str(first_item.get_attribute("data-seq")))
    expect(past.locator(".past-banner")).to_contain_text("The past")
    expect(past.locator(f"{train.cell(1)} #card-{train.feature}")).to_be_visible()
    screenshot(rte, "history-agenda-landmark")
