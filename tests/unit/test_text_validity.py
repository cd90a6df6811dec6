"""F1: text that cannot be stored and sent as UTF-8 (lone surrogates, NUL) is refused by the domain,
for every text field of every item kind and anywhere in every op's arguments."""

from __future__ import annotations

import re
from typing import Any

import pytest
from plan_builder import RTE, Session

from board.core import Op
from board.errors import Invalid
from board.fields import Text, repaired, require_texts, text_problem
from board.model import Role
from board.ops import FIELDS, HANDLERS
from board.roles import SOLUTION_OPS, Actor
from board.wording import field_label

BROKEN = ["x \ud800 y", "\udfff", "pair reversed \udc00\ud800", "nul \x00"]
TEXT_FIELDS = [
    (kind, name) for kind, spec in FIELDS.items() for name, rule in spec.items() if isinstance(rule, Text)
]


@pytest.mark.parametrize(("kind", "name"), TEXT_FIELDS)
@pytest.mark.parametrize("value", BROKEN)
def test_every_text_field_refuses_broken_text(kind: str, name: str, value: str) -> None:
    with pytest.raises(Invalid, match=re.escape(field_label(name))):  # as people say the field
        FIELDS[kind][name].clean(name, value)


# C0 but tab, newline and carriage return; DEL; C1 (issue 24: these passed every text field).
CONTROLS = ["bell \x07 x", "esc \x1b[31m x", "vt \x0b x", "del \x7f x", "nel \x85 x", "last C1 \x9f x"]


@pytest.mark.parametrize(("kind", "name"), TEXT_FIELDS)
@pytest.mark.parametrize("value", CONTROLS)
def test_every_text_field_refuses_control_characters(kind: str, name: str, value: str) -> None:
    with pytest.raises(Invalid, match=re.escape(field_label(name)) + ".*control character"):
        FIELDS[kind][name].clean(name, value)


@pytest.mark.parametrize("value", CONTROLS)
def test_control_characters_are_refused_anywhere_in_an_op(value: str) -> None:
    with pytest.raises(Invalid, match="control character"):
        require_texts("args", {"note": {"deep": ["ok", value]}})
    with pytest.raises(Invalid, match="control character"):
        require_texts("args", {value: 1})


def test_valid_text_from_every_plane_is_kept() -> None:
    text = "Ünïcödé ✓ 日本 😀 \U0010fffd \ufeff \u00a0 tab\tnewline\ncarriage return\r\nend"
    assert text_problem(text) is None
    assert Text(max_len=100).clean("t", text) == text.strip()


@pytest.mark.parametrize("op_type", sorted(HANDLERS))
@pytest.mark.parametrize(
    "args",
    [
        {"extra": "x \ud800 y"},
        {"nested": {"deep": ["ok", "\udfff"]}},
        {"key \ud800": 1},
    ],
)
def test_every_op_refuses_broken_text_anywhere_in_its_arguments(op_type: str, args: dict[str, Any]) -> None:
    """Not only the fields a handler reads: the whole op is stored in its event."""
    session = Session().create_board()
    before = session.snapshot()
    # What only the solution sends is checked as the solution sends it (anyone else is refused first).
    by = Actor("solution", "the solution", Role.RTE, solution=True) if op_type in SOLUTION_OPS else RTE
    with pytest.raises(Invalid, match="broken character"):
        session.apply(Op(op_type, target="t", base_version=1, args=args), by)
    assert session.snapshot() == before


def test_a_broken_target_or_client_op_id_is_refused() -> None:
    session = Session().create_board()
    with pytest.raises(Invalid, match="what the edit is about"):
        session.apply(Op("risk.delete", target="\ud800", base_version=1), RTE)
    with pytest.raises(Invalid, match="the edit's id"):
        session.apply(Op("risk.create", args={"title": "ok"}, client_op_id="\udc00"), RTE)


def test_arguments_nested_too_deep_are_refused() -> None:
    value: Any = "leaf"
    for _ in range(50):
        value = [value]
    with pytest.raises(Invalid, match="nested"):
        require_texts("args", {"x": value})


def test_repaired_replaces_broken_characters_and_says_where() -> None:
    stored = {"title": "x \ud800 y", "tags": ["ok", "\udfff"], "n": 3, "k\ud800": "v", "fine": "é"}
    fixed, places = repaired(stored)
    assert fixed == {"title": "x \ufffd y", "tags": ["ok", "\ufffd"], "n": 3, "k\ufffd": "v", "fine": "é"}
    assert sorted(places) == ["k\ufffd", "tags.1", "title"]
    assert repaired({"a": ["b"]}) == ({"a": ["b"]}, [])
