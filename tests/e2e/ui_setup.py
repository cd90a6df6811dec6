"""Setting up a board the way a Release Train Engineer does it, in the browser only: the home page, the
admin page's forms and join links, the team pages' quick-add forms. No API call, no CLI."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import APIResponse, Browser, BrowserContext, Dialog, Locator, Page, Route, expect

from server.store.auth import session_cookie_name
from tests.browser import CDN, LAPTOP, wait_until_held
from tests.conftest import LiveServer
from tests.meeting.browser import wait_live


@dataclass
class UiBoard:
    """A board made in the browser: its id, its server and the RTE's page."""

    id: str
    server: LiveServer
    rte: Page
    contexts: list[BrowserContext]

    def url(self, path: str) -> str:
        return f"{self.server.url}/b/{self.id}/{path}"

    def team_id(self, name: str) -> str:
        self.rte.goto(self.url("program"))
        href = self.rte.locator(".team-row .team-name", has_text=name).get_attribute("href") or ""
        return href.rsplit("/", 1)[1]

    def add_team(self, name: str) -> None:
        self.rte.goto(self.url("admin"))
        form = self.rte.locator("form", has=self.rte.get_by_role("button", name="Add team"))
        form.get_by_label("Team name").fill(name)
        form.get_by_role("button", name="Add team").click()
        expect(self.rte.locator("#admin-train")).to_contain_text(name)

    def set_pi(self, name: str, start: str, end: str) -> None:
        """The RTE names the PI and dates it on the admin page (and stays there)."""
        self.rte.goto(self.url("admin"))
        pi = self.rte.locator("#admin-pi form")
        pi.get_by_label("PI", exact=True).fill(name)
        pi.get_by_label("Starts").fill(start)
        pi.get_by_label("Ends").fill(end)
        pi.get_by_role("button", name="Save").click()
        expect(self.rte.locator("#admin-checklist [data-gap=pi-dates]")).to_have_count(0)

    def add_iteration(self, name: str, start: str = "", end: str = "", *, ip: bool = False) -> None:
        """The RTE adds an iteration on the admin page (and stays there), dated if ``start`` and ``end``."""
        if not self.rte.url.endswith("/admin"):
            self.rte.goto(self.url("admin"))
        form = self.rte.locator("form.add-iteration")
        form.get_by_label("Name", exact=True).fill(name)
        if start:
            form.get_by_label("Start", exact=True).fill(start)
            form.get_by_label("End", exact=True).fill(end)
        if ip:
            form.get_by_label("Kind", exact=True).select_option(label="IP iteration")
        form.get_by_role("button", name="Add iteration").click()
        expect(self.rte.locator(f"#admin-train li[data-iteration] input[value='{name}']")).to_have_count(1)

    def add_feature(self, team: str, title: str, iteration: str) -> None:
        """The RTE adds a feature from the team's page."""
        self.rte.goto(self.url(f"team/{self.team_id(team)}"))
        form = self.rte.locator("#team-features form.quick-add")
        form.get_by_label("New feature title").fill(title)
        form.get_by_label("Iteration").select_option(label=iteration)
        form.get_by_role("button", name="Add").click()
        expect(self.rte.locator("#team-features .feature-list")).to_contain_text(title)

    def join(
        self, browser: Browser, role: str, name: str, team: str | None = None, *, remote: bool = False
    ) -> Page:
        """The RTE makes a join link on the admin page; a new person opens it, gives their name and
        says they are in the room (or ``remote``)."""
        return self.open_link(browser, self.make_link(role, team), name, remote=remote)

    def make_link(self, role: str, team: str | None = None) -> str:
        """The RTE makes a join link on the admin page (and stays there); returns its address."""
        self.rte.goto(self.url("admin"))
        form = self.rte.locator("form.make-link")
        form.locator("select[name=role]").select_option(value=role)
        if team:
            form.locator("select[name=team_id]").select_option(label=team)
        form.get_by_role("button", name="Make link").click()
        return self.rte.locator("[data-fresh-url]").last.input_value()

    def open_link(
        self, browser: Browser, url: str, name: str, *, remote: bool = False, hang_cdn: bool = False
    ) -> Page:
        """A new person, in a browser of their own, opens a join link and joins with their name. No
        network here: the CDN fails at once and the vendored htmx loads (``hang_cdn``: it never answers)."""
        context = laptop(browser, hang_cdn=hang_cdn)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(url)
        page.get_by_label("Your name").fill(name)
        page.get_by_label("I'm remote" if remote else "I'm in the room").check()
        page.get_by_role("button", name="Join").click()
        page.wait_for_url(re.compile(rf"/b/{re.escape(self.id)}/"))
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def laptop(browser: Browser, *, hang_cdn: bool = False) -> BrowserContext:
    """A person's browser on a laptop. No network here: the CDN fails at once and the vendored htmx
    loads (``hang_cdn``: the CDN never answers)."""
    context = browser.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
    if hang_cdn:
        context.route(CDN, lambda route: None)  # the requests stay open
    else:
        context.route(CDN, lambda route: route.abort("internetdisconnected"))
    return context


def new_board(
    browser: Browser, server: LiveServer, name: str = "Phoenix ART", rte_name: str | None = None
) -> UiBoard:
    """An empty board made from the home page; the maker is its RTE (by ``rte_name``, else "RTE")."""
    context = laptop(browser)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(server.url + "/")
    page.get_by_label("Name of the ART").fill(name)
    if rte_name:
        page.get_by_label("Your name (you are its RTE)").fill(rte_name)
    page.get_by_role("button", name="Create the board").click()
    page.wait_for_url(re.compile(r"/b/[\w-]+/admin$"))
    board_id = page.url.rstrip("/").split("/")[-2]
    return UiBoard(board_id, server, page, [context])


def copy_of(board: UiBoard, browser: Browser) -> UiBoard:
    """A new board like ``board`` (its JSON export imported), its RTE's page on the copy's admin page: a
    module sets its board up through the pages once, and each test gets a copy of its own (the set-up
    takes seconds in a browser)."""
    cookie = session_cookie_name(board.id)
    session = next(c["value"] for c in board.rte.context.cookies() if c["name"] == cookie)
    with board.server.client(session) as rte:
        exported = rte.get(f"/api/boards/{board.id}/export.json")
        exported.raise_for_status()
        made = rte.post(
            "/api/boards/import", content=exported.content, headers={"content-type": "application/json"}
        )
        made.raise_for_status()
    copy_id, copy_session = str(made.json()["board"]["id"]), str(made.json()["rte_session"])
    context = laptop(browser)
    context.add_cookies(
        [{"name": session_cookie_name(copy_id), "value": copy_session, "url": board.server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    copy = UiBoard(copy_id, board.server, page, [context])
    page.goto(copy.url("admin"))
    return copy


def iteration_column(page: Page, iteration: str) -> Locator:
    """One iteration's column on a team page, by the name in its heading."""
    return page.locator(".it-col", has=page.locator("h2", has_text=iteration))


def add_story(
    page: Page, iteration: str, title: str, points: int, feature: str | None = None, *, wait: bool = True
) -> None:
    """A team member (or the RTE) adds a story to one of a team's iterations on its team page; ``wait``
    for it to show (not when the browser is offline)."""
    column = iteration_column(page, iteration)
    form = column.locator("form.quick-add")
    form.get_by_label("New story title").fill(title)
    form.get_by_label("Points").fill(str(points))
    if feature:
        form.get_by_label("Feature").select_option(label=feature)
    form.get_by_role("button", name="Add story").click()
    if wait:
        expect(column.locator(".story", has_text=title)).to_be_visible()


def ask_for(page: Page, need: str, provider: str, needed_by: str, for_feature: str) -> None:
    """A team member asks another team for something on their team page ("We need…")."""
    page.locator("#deps-out summary", has_text="We need").click()
    ask = page.locator("#deps-out form.add-dep")
    ask.get_by_label("What we need").fill(need)
    ask.get_by_label("From team").select_option(label=provider)
    ask.get_by_label("Needed by").select_option(label=needed_by)
    ask.get_by_label("For our feature").select_option(label=for_feature)
    ask.get_by_role("button", name="Ask for it").click()


def add_feature_on_board(page: Page, title: str, team: str, iteration: str) -> None:
    """Product Management (or the RTE, the Architect) adds a feature on the program board, to a team's
    iteration ("no team yet" and "not planned" leave it unplanned), and waits for it to show."""
    add = page.locator("#add-feature")
    if add.get_attribute("open") is None:
        add.locator("summary").click()
    form = add.locator("form")
    form.get_by_label("Feature title").fill(title)
    form.get_by_label("Feature team").select_option(label=team)
    form.get_by_label("Feature iteration").select_option(label=iteration)
    form.get_by_role("button", name="Add feature").click()
    expect(page.locator(".card", has_text=title)).to_be_visible()


def set_status(page: Page, story: str, status: str) -> None:
    """A team member sets a story's status in its editor on the team page ("todo", "in progress",
    "done" or "blocked")."""
    page.locator(".story", has_text=story).click()
    editor = page.locator("#story-editor")
    editor.get_by_label("Status").select_option(label=status)
    editor.get_by_role("button", name="Save").click()
    expect(page.locator(".story", has_text=story)).to_have_attribute("data-status", status.replace(" ", "_"))


def open_live(page: Page, board: UiBoard, view: str) -> Page:
    """``page`` goes to one of the board's pages and waits until it is live."""
    page.goto(board.url(view))
    wait_live(page)
    return page


def add_objective(page: Page, team: str, statement: str, *, committed: bool = True) -> None:
    """A team member writes an objective on the objectives page."""
    form = page.locator(".team-block", has=page.locator("h2", has_text=team)).locator("form.add-objective")
    form.get_by_label(f"New objective for {team}").fill(statement)
    form.get_by_label("Commitment").select_option("true" if committed else "false")
    form.get_by_role("button", name="Add objective").click()
    expect(page.locator(".objective-card", has_text=statement)).to_be_visible()


def objective_card(page: Page, statement: str) -> Locator:
    return page.locator(".objective-card", has_text=statement)


def expect_drawn(line: Locator, *, dotted: bool) -> None:
    """Wait until a drawn string is dotted or dashed (``dotted``), or solid, as the browser draws it
    (the strings layer is redrawn after a live update, so one look could see the old line)."""
    if dotted:
        expect(line).to_have_css("stroke-dasharray", re.compile(r"\d"))
    else:
        expect(line).to_have_css("stroke-dasharray", "none")


def navigations(page: Page) -> list[str]:
    """Every full navigation of the page's main frame from now on (a reload would add one)."""
    seen: list[str] = []
    page.on("framenavigated", lambda frame: seen.append(frame.url) if frame == page.main_frame else None)
    return seen


def accept_dialogs(page: Page, answers: list[str]) -> None:
    """Say yes to every confirmation, and keep what was asked."""

    def answer(dialog: Dialog) -> None:
        answers.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)


@pytest.fixture
def art(set_up: UiBoard, browser: Browser) -> Iterator[UiBoard]:
    """A copy, for each test, of the board its module's ``set_up`` made once in the browser."""
    board = copy_of(set_up, browser)
    yield board
    board.close()


@pytest.fixture
def ui_board(browser: Browser, e2e_server: LiveServer) -> Iterator[UiBoard]:
    """An empty board made on the home page, for a test that sets it up through the UI."""
    board = new_board(browser, e2e_server, "Phoenix ART")
    yield board
    board.close()


class HeldAnswer:
    """A page's next op request (a POST to its board's ops) reaches the server, so its live update goes
    out, but the page hears the answer only once :meth:`release` lets it through: as on a slow link,
    where the live update often comes first."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.held: list[tuple[Route, APIResponse]] = []
        page.route("**/ops", self._hold)

    def _hold(self, route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        self.held.append((route, route.fetch()))  # the op reaches the server; its answer waits here

    def wait_until_held(self) -> None:
        """Until the answer is held: the page may show the op's live update before the request's own
        round trip has finished (which is the point), so seeing the update does not mean it is held."""
        wait_until_held(self.page, self.held)

    def release(self) -> None:
        """Let the one held answer through, hold no more, and wait until the page has handled it (htmx's
        ``afterRequest`` for its form)."""
        assert len(self.held) == 1, self.held
        self.page.evaluate(
            """() => { window.answered = 0; document.addEventListener("htmx:afterRequest", (e) => {
                 if (e.detail.elt.tagName === "FORM") window.answered += 1; }); }"""
        )
        route, answer = self.held.pop()
        route.fulfill(response=answer)
        self.page.unroute("**/ops", self._hold)
        self.page.wait_for_function("() => window.answered >= 1")
