"""No refusal names a field or an op by its internal name: every refusal of the role table and of
the field schema is rendered and read for snake_case words ("blocked_reason") and op names
("dependency.accept"); the refusal texts written in board/ are read for them too."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from board.errors import Refused
from board.model import Role
from board.ops import FIELDS
from board.ops.schema import clean
from board.roles import PERMISSIONS, Actor, refusal
from board.wording import OP_ACTIONS, field_label

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
DOTTED = re.compile(r"\b[a-z]+\.[a-z_]+\b")
BOARD = Path(__file__).resolve().parents[2] / "board"
REFUSALS = {"Refused", "Invalid", "NotFound", "Stale", "Forbidden", "IllegalTransition"}
# Values no field takes: each field refuses some of them, and says why.
BAD_VALUES: list[Any] = [object(), 5, -1, 10**9, "", "zz", "x" * 5000, "x\x01", [object()], {"k": object()}]


def internal_names(text: str) -> list[str]:
    return SNAKE.findall(text) + DOTTED.findall(text)


def actors() -> list[Actor]:
    return [
        Actor(f"{role.value}-1", "Someone", role, "alpha" if role == Role.TEAM else None) for role in Role
    ]


def test_every_op_has_words_for_what_it_does() -> None:
    assert set(OP_ACTIONS) == set(PERMISSIONS)
    assert not [action for action in OP_ACTIONS.values() if internal_names(action)]


@pytest.mark.parametrize("op_type", sorted(PERMISSIONS))
def test_the_role_tables_refusals_say_things_as_people_do(op_type: str) -> None:
    texts = set()
    for actor in [*actors(), Actor("t-0", "Nobody's", Role.TEAM, None)]:
        for teams in ((), ("bravo",), ("alpha", "bravo")):
            for locked in (False, True):
                for enabler in (None, False):
                    for asked_for in (None, Role.ARCHITECT):
                        found = refusal(
                            actor, op_type, *teams, enabler=enabler, locked=locked, asked_for=asked_for
                        )
                        if found is not None:
                            texts.add(found.reason)
    texts.add(str(refusal(actors()[0], "no_such.op_type")))
    assert texts, "every op is refused to someone"
    assert [t for t in texts if internal_names(t)] == []


def field_refusals(kind: str, name: str) -> set[str]:
    texts = set()
    rule = FIELDS[kind][name]
    for value in BAD_VALUES:
        try:
            rule.clean(name, value)
        except Refused as refused:
            texts.add(refused.reason)
    for args in ({}, {name: None}):
        try:
            clean(kind, args, creating=True)
        except Refused as refused:
            texts.add(refused.reason)
    try:
        clean(kind, {name: "x", "no_such_field": 1}, creating=False, only={"no_such_field"})
    except Refused as refused:
        texts.add(refused.reason)
    return texts


@pytest.mark.parametrize(("kind", "name"), [(kind, name) for kind, spec in FIELDS.items() for name in spec])
def test_every_fields_refusals_say_it_as_people_do(kind: str, name: str) -> None:
    texts = field_refusals(kind, name)
    assert any(field_label(name) in text for text in texts), f"{name} is refused by its label"
    assert [t for t in texts if internal_names(t)] == []


def test_blocked_without_a_reason_is_refused_in_words() -> None:
    assert field_label("blocked_reason") == "the reason it is blocked"


def refusal_texts_in(path: Path) -> list[tuple[int, str]]:
    """The literal text of each refusal raised (and each ``only_args`` reason) in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        args = node.args[:1] if name in REFUSALS else node.args[2:3] if name == "only_args" else []
        for arg in args:
            parts = arg.values if isinstance(arg, ast.JoinedStr) else [arg]
            text = "".join(p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str))
            found.append((node.lineno, text))
    return found


def test_no_refusal_written_in_board_names_a_field_or_an_op() -> None:
    leaks = [
        f"{path.relative_to(BOARD)}:{line}: {text}"
        for path in sorted(BOARD.rglob("*.py"))
        for line, text in refusal_texts_in(path)
        if internal_names(text)
    ]
    assert leaks == []
