"""Role × control: every page, rendered for every role, offers exactly the controls the server takes.

Each page is fetched as each participant. Every control on it (a form naming an op, a card or
story that opens an editor or can be dragged) is tried against the board as that participant
with ``board.apply_op`` on a copy of the state, the server's own check: a control whose op the
role is refused must not be on the page, and every control the role is not refused must be.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from playwright.sync_api import expect

from board import Actor, apply_op
from board.errors import Forbidden, IllegalTransition, Refused
from board.ops import Context
from server.doors.op_input import op_from_fields
from tests.browser import PageAs
from tests.conftest import BoardHandle, LiveServer, create_board
from tests.e2e.conftest import build_plan

PARTICIPANTS = (
    ("rte", None),
    ("pm", None),
    ("architect", None),
    ("business_owner", None),
    ("team", "atlas"),
    ("team", "comet"),
    ("observer", None),
)
PAGES = (
    "program",
    "team/atlas",
    "team/comet",
    "objectives",
    "risks",
    "vote",
    "agenda",
    "admin",
    "screen",
    "sync",
)


@dataclass(frozen=True)
class Control:
    """One thing a page lets its viewer do: an op on a target (with the args the page fixed)."""

    op_type: str
    target: str | None
    base_version: int | None
    args: tuple[tuple[str, str], ...]

    @property
    def key(self) -> tuple[str, str | None, tuple[tuple[str, str], ...]]:
        # What a control is, whoever sees it: the op, its item, and the team/kind the page fixed.
        return self.op_type, self.target, tuple((k, v) for k, v in self.args if k in FIXED_ARGS)


FIXED_ARGS = {"team_id", "feature_kind"}


class _Controls(HTMLParser):
    """Collects the op forms (outside the one-for-all editors, which the cards govern) and the
    feature cards, stories and risks that say their viewer may edit, move or delete them."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[Control] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._editor_depth = 0
        self._depth = 0
        self._forms: list[dict[str, Any]] = []
        # Fields outside their form (a table row's inputs naming the row's form with form="…").
        self._outside: dict[str, dict[str, str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag not in {"input", "br", "img", "meta", "link"}:
            self._depth += 1
        if "editor-pop" in a.get("class", "").split() or tag == "dialog":
            self._editor_depth = self._depth
        if tag == "form" and not self._editor_depth and "/ops" in a.get("hx-post", ""):
            self._form = {"id": a.get("id", ""), "fields": {}, "choices": {}}
        if a.get("form") and a.get("name"):
            self._outside.setdefault(a["form"], {})[a["name"]] = a.get("value") or "x"
            return
        if self._form is None:
            self._card_controls(tag, a)
            return
        name = a.get("name", "")
        if tag == "input" and name:
            self._form["fields"].setdefault(name, a.get("value") or "x")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select:
            self._form["fields"].setdefault(self._select, a.get("value", ""))
            if self._select[5:] in FIXED_ARGS:
                self._form["choices"].setdefault(self._select[5:], []).append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._form["fields"].setdefault(name, "x")
        elif tag == "button" and name:
            self._form["fields"].setdefault(name, a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag == "form" and self._form is not None:
            self._forms.append(self._form)
            self._form = None
        if self._editor_depth and self._depth == self._editor_depth:
            self._editor_depth = 0
        if tag not in {"input", "br", "img", "meta", "link"}:
            self._depth -= 1

    def close(self) -> None:
        super().close()
        for form in self._forms:
            self._add_form(form)

    def _add_form(self, form: dict[str, Any]) -> None:
        fields: dict[str, str] = {**self._outside.get(form["id"], {}), **form["fields"]}
        version = fields.get("base_version")
        choices: dict[str, list[str]] = form["choices"]
        # A choice of team or kind the page offers is a control of its own (each may be refused).
        for picked in itertools.product(*choices.values()):
            args = {k[5:]: v for k, v in fields.items() if k.startswith("args.")}
            args.update(zip(choices, picked, strict=True))
            self.controls.append(
                Control(
                    fields["type"],
                    fields.get("target") or None,
                    int(version) if version else None,
                    tuple(sorted(args.items())),
                )
            )

    def _card_controls(self, tag: str, a: dict[str, str]) -> None:
        version = int(a["data-version"]) if a.get("data-version") else None
        card = "card" in a.get("class", "").split() and "data-feature" in a
        if card and a.get("data-may-edit") == "true":
            self.controls.append(Control("feature.update", a["data-feature"], version, (("title", "x"),)))
        if card and a.get("data-may-move") == "true":
            self.controls.append(Control("feature.move", a["data-feature"], version, (("rank", "1"),)))
        if card and a.get("data-may-delete") == "true":
            self.controls.append(Control("feature.delete", a["data-feature"], version, ()))
        risk = "risk-card" in a.get("class", "").split() and "data-risk" in a
        if risk and a.get("data-may-edit") == "true":
            self.controls.append(Control("risk.update", a["data-risk"], version, (("title", "x"),)))
        if risk and a.get("data-may-delete") == "true":
            self.controls.append(Control("risk.delete", a["data-risk"], version, ()))
        if "data-story" in a and a.get("data-may-edit") == "true":
            self.controls.append(Control("story.update", a["data-story"], version, (("title", "x"),)))


def controls_on(html: str) -> list[Control]:
    parser = _Controls()
    parser.feed(html)
    parser.close()
    return parser.controls


def refused_for_role(state: Any, control: Control, actor: Actor) -> bool:
    """Whether the server refuses this control's op to this participant for who they are (their
    role, team, or the lock) rather than for what was typed or the item's state."""
    ids = itertools.count()
    # The page's fields become an op the way the form door reads them.
    envelope = [
        ("type", control.op_type),
        ("target", control.target or ""),
        ("base_version", control.base_version),
    ]
    op = op_from_fields(envelope + [(f"args.{k}", v) for k, v in control.args]).to_op()
    ctx = Context(now=2_000_000_000.0, new_id=lambda: f"probe{next(ids)}", seq=state.seq + 1)
    try:
        apply_op(state.copy(), op, actor, ctx)
    except Forbidden:
        return True
    except IllegalTransition as exc:
        return "locked" in exc.reason
    except Refused:
        return False
    return False


def a_board_with_everything(server: LiveServer) -> BoardHandle:
    """The small ART, with risks of a team and of the ART, and vote rounds in every state."""
    board = create_board(server, name="Role ART")
    build_plan(board)
    rte = board.rte_session
    assert board.op(rte, "risk.create", args={"title": "ART-wide supplier risk"}).status_code == 200
    for team_id in ("comet", None, "atlas"):
        assert board.op(rte, "vote.open", args={"team_id": team_id}).status_code == 200
    round_of = {r["team_id"]: r["id"] for r in board.read()["items"]["vote"].values()}
    closed, revealed = round_of["comet"], round_of[None]
    assert board.op(rte, "vote.close", target=closed).status_code == 200
    assert board.op(rte, "vote.reveal", target=revealed).status_code == 200
    assert board.op(rte, "timer.start").status_code == 200
    return board


def sessions(board: BoardHandle) -> dict[tuple[str, str | None], str]:
    out = {("rte", None): board.rte_session}
    for role, team in PARTICIPANTS[1:]:
        out[(role, team)] = board.join(role, f"{role} {team or ''}".strip(), team)
    return out


def page_controls(board: BoardHandle, session: str) -> dict[str, list[Control]]:
    found = {}
    with board.server.client(session) as c:
        for page in PAGES:
            r = c.get(f"/b/{board.id}/{page}")
            assert r.status_code in (200, 403), (page, r.status_code)
            found[page] = controls_on(r.text) if r.status_code == 200 else []
    return found


def check_every_page(board: BoardHandle, locked: bool) -> None:
    services = board.server.services
    state = services.op_path.state(board.id)
    seen: dict[tuple[str, str | None], dict[str, list[Control]]] = {}
    actors: dict[tuple[str, str | None], Actor] = {}
    for who, session in sessions(board).items():
        actors[who] = services.auth.actor(board.id, session)
        seen[who] = page_controls(board, session)
    for page in PAGES:
        universe = {c.key: c for who in seen for c in seen[who][page]}
        for who, actor in actors.items():
            shown = {c.key for c in seen[who][page]}
            wrongly_shown = sorted(k for k in shown if refused_for_role(state, universe[k], actor))
            assert wrongly_shown == [], (page, who)
            if page == "admin" and who != ("rte", None):
                continue  # the admin page itself is the RTE's: others are refused the whole page
            # A control shown to this person in another shape (the RTE picks the team a team member's
            # form implies) is there.
            offered = {k[:2] for k in shown}
            missing = sorted(
                k
                for k, c in universe.items()
                if k not in shown and k[:2] not in offered and not refused_for_role(state, c, actor)
            )
            assert missing == [], (page, who)
    # The rule has teeth: somebody is refused something on every page that has controls.
    rte_controls = {c.op_type for page in PAGES for c in seen[("rte", None)][page]}
    atlas_controls = {c.key for page in PAGES for c in seen[("team", "atlas")][page]}
    lock = "plan.unlock" if locked else "plan.lock"
    assert {lock, "vote.open", "timer.pause", "roam.focus", "feature.move", "story.create"} <= rte_controls
    atlas_story = ("story.create", None, (("team_id", "atlas"),))
    assert (atlas_story in atlas_controls) is not locked
    assert not any(k[0] == "story.create" and ("team_id", "comet") in k[2] for k in atlas_controls)
    assert seen[("observer", None)] == {page: [] for page in PAGES}
    assert all(not controls for controls in seen[("rte", None)]["screen"])


@pytest.mark.parametrize("locked", [False, True], ids=["open plan", "locked plan"])
def test_every_page_offers_each_role_exactly_what_the_server_takes(
    e2e_server: LiveServer, locked: bool
) -> None:
    board = a_board_with_everything(e2e_server)
    if locked:
        assert board.op(board.rte_session, "plan.lock").status_code == 200
    check_every_page(board, locked)


def test_a_team_member_sees_controls_only_on_their_own_teams_items(e2e_server: LiveServer) -> None:
    board = a_board_with_everything(e2e_server)
    session = board.join("team", "Tess", "atlas")
    with board.server.client(session) as c:
        objectives = c.get(f"/b/{board.id}/objectives").text
        comet_page = c.get(f"/b/{board.id}/team/comet").text
    # Atlas's objectives have edit and delete; nobody's else, and no business value.
    atlas_part, rest = re.split(r'id="objectives-team-borealis"', objectives, maxsplit=1)
    assert 'value="objective.update"' in atlas_part
    assert 'value="objective.update"' not in rest
    assert 'value="objective.create"' not in rest
    assert 'value="objective.set_bv"' not in objectives
    # On another team's breakout: no story form, no story to edit, no card to drag.
    assert 'value="story.create"' not in comet_page
    assert 'data-may-edit="true"' not in comet_page


def test_a_team_member_lands_on_their_own_teams_part_of_every_page(e2e_server: LiveServer) -> None:
    board = a_board_with_everything(e2e_server)
    session = board.join("team", "Tess", "comet")
    with board.server.client(session) as c:
        program = c.get(f"/b/{board.id}/program").text
        objectives = c.get(f"/b/{board.id}/objectives").text
        team_page = c.get(f"/b/{board.id}/team/atlas").text
    assert f'href="/b/{board.id}/program#team-comet"' in program
    assert f'href="/b/{board.id}/objectives#objectives-team-comet"' in program
    jump = re.search(r'<nav class="team-jump".*?</nav>', objectives, re.S)
    assert jump is not None
    assert re.findall(r'href="#objectives-team-(\w+)"', jump.group(0)) == ["comet", "atlas", "borealis"]
    assert 'id="objectives-team-comet"' in objectives
    assert "Comet (your team)" in team_page


def test_a_team_member_narrows_the_risks_to_their_own_team(e2e_server: LiveServer, page_as: PageAs) -> None:
    board = a_board_with_everything(e2e_server)
    al = page_as(board, "team", "Al", "atlas", block_cdn=True)
    al.goto(f"{e2e_server.url}/b/{board.id}/risks")
    cards = al.locator(".roam-board .risk-card")
    expect(cards).to_have_count(2)  # Atlas's risk and the ART's
    al.get_by_label("Only Atlas").check()
    shown = al.locator(".roam-board .risk-card:visible")
    expect(shown).to_have_count(1)
    expect(shown).to_have_attribute("data-team", "atlas")
