"""Argument validation: each field kind accepts its range and refuses the rest with Invalid."""

from __future__ import annotations

import math
from typing import Any

import pytest

from board.errors import Invalid
from board.fields import Bool, Choice, Color, Date, DaysOff, Float, Int, Ref, RefList, Text
from board.model import Roam


def test_text_strips_and_defaults_none_to_empty() -> None:
    assert Text().clean("t", "  hello  ") == "hello"
    assert Text().clean("t", None) == ""
    assert Text().clean("t", "line one\n\tline two") == "line one\n\tline two"


@pytest.mark.parametrize(
    ("rule", "value"),
    [
        (Text(required=True), "   "),
        (Text(required=True), None),
        (Text(max_len=5), "abcdef"),
        (Text(), 42),
        (Text(), "bell\x07"),
        (Text(), "nul\x00"),
    ],
)
def test_text_refusals(rule: Text, value: Any) -> None:
    with pytest.raises(Invalid):
        rule.clean("t", value)


@pytest.mark.parametrize(("value", "expected"), [(3, 3), ("7", 7), (" 2 ", 2), (5.0, 5), (1, 1), (10, 10)])
def test_int_accepts(value: Any, expected: int) -> None:
    assert Int(1, 10).clean("n", value) == expected


@pytest.mark.parametrize("value", [0, 11, -1, 2.5, "two", True, False, None, "", [3]])
def test_int_refusals(value: Any) -> None:
    with pytest.raises(Invalid):
        Int(1, 10).clean("n", value)


def test_nullable_int_accepts_none_and_empty() -> None:
    assert Int(1, 10, nullable=True).clean("n", None) is None
    assert Int(1, 10, nullable=True).clean("n", "") is None


def test_float_range() -> None:
    assert Float(0.0, 1.0).clean("fte", "0.5") == 0.5
    assert Float(0.0, 1.0).clean("fte", 1) == 1.0
    for bad in (1.01, -0.1, "x", None, True, math.nan, math.inf):
        with pytest.raises(Invalid):
            Float(0.0, 1.0).clean("fte", bad)


@pytest.mark.parametrize(("value", "expected"), [(True, True), ("on", True), ("1", True), (1, True)])
def test_bool_truthy(value: Any, expected: bool) -> None:
    assert Bool().clean("b", value) is expected


@pytest.mark.parametrize("value", [False, "off", "false", "0", 0, "", None])
def test_bool_falsy(value: Any) -> None:
    assert Bool().clean("b", value) is False


@pytest.mark.parametrize("value", ["yes please", 2, [1]])
def test_bool_refusals(value: Any) -> None:
    with pytest.raises(Invalid):
        Bool().clean("b", value)


def test_choice() -> None:
    assert Choice(Roam).clean("roam", "owned") is Roam.OWNED
    for bad in ("Owned", "nope", None, ["owned"]):
        with pytest.raises(Invalid, match="must be one of"):
            Choice(Roam).clean("roam", bad)


def test_date() -> None:
    assert Date().clean("d", "2027-01-04") == "2027-01-04"
    assert Date().clean("d", "") is None
    assert Date().clean("d", None) is None


@pytest.mark.parametrize(
    "value",
    ["2027-1-4", "04/01/2027", "2027-13-01", "2027-02-30", "2027-01-04\n", "2027-01-04T10:00", 20270104],
)
def test_date_refusals(value: Any) -> None:
    with pytest.raises(Invalid):
        Date().clean("d", value)


def test_color() -> None:
    assert Color().clean("c", "#A1b2C3") == "#A1b2C3"
    for bad in ("red", "#abc", "#abcdeg", "#aabbcc\n", None, "aabbcc"):
        with pytest.raises(Invalid):
            Color().clean("c", bad)


def test_ref() -> None:
    assert Ref("team").clean("team_id", "t1") == "t1"
    assert Ref("team").clean("team_id", "") is None
    with pytest.raises(Invalid, match="required"):
        Ref("team", nullable=False).clean("team_id", None)
    for bad in (7, "x" * 65):
        with pytest.raises(Invalid):
            Ref("team").clean("team_id", bad)


def test_ref_list_dedupes_and_splits() -> None:
    assert RefList("feature").clean("f", ["a", "b", "a"]) == ["a", "b"]
    assert RefList("feature").clean("f", "a,b,,c") == ["a", "b", "c"]
    assert RefList("feature").clean("f", None) == []
    with pytest.raises(Invalid):
        RefList("feature").clean("f", [1, 2])
    with pytest.raises(Invalid):
        RefList("feature", max_items=2).clean("f", ["a", "b", "c"])
    with pytest.raises(Invalid):
        RefList("feature").clean("f", {"a": 1})


def test_days_off() -> None:
    assert DaysOff().clean("days_off", {"i1": 2, "i2": "3"}) == {"i1": 2, "i2": 3}
    assert DaysOff().clean("days_off", None) == {}
    for bad in ({"i1": 11}, {"i1": -1}, ["i1"], {f"i{n}": 1 for n in range(21)}):
        with pytest.raises(Invalid):
            DaysOff().clean("days_off", bad)
