"""What a page lets its viewer do, read from its HTML: the op forms and the cards, stories and risks that
say their viewer may edit, move or delete them (``controls_on``), and whether the server refuses such a
control to a participant for who they are (``refused_for_role``). A small ART with risks and vote rounds
in every state (``a_board_with_everything``) and a session for each kind of participant (``sessions``).
Shared by tests/e2e/test_role_controls.py and tests/e2e/test_every_op_has_a_control.py."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from board import Actor, apply_op
from board.errors import Forbidden, IllegalTransition, Refused
from board.ops import Context
from server.doors.op_input import op_from_fields
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

    def __init__(self, with_editors: bool = False) -> None:
        super().__init__()
        self.with_editors = with_editors
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
        if not self.with_editors and ("editor-pop" in a.get("class", "").split() or tag == "dialog"):
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
                    int(version) if version and version.isdigit() else None,  # editors: filled on open
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


def controls_on(html: str, with_editors: bool = False) -> list[Control]:
    """The controls of a page; ``with_editors``: also the forms of its one-for-all editors (the story,
    milestone and feature editors that a card opens), which otherwise count as the cards' controls."""
    parser = _Controls(with_editors)
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
