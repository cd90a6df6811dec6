"""The one reader of the JSON people and programs send: every way Python's decoder fails or takes what
JSON cannot hold is a refusal that says why."""

from __future__ import annotations

import json
from typing import Any

import pytest

from board.errors import Invalid
from board.json_input import MAX_JSON_DEPTH, nested_deeper, read_json


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"a": NaN}', "the body holds NaN, which is not a number JSON can hold"),
        ("[Infinity]", "holds Infinity"),
        ("-Infinity", "holds -Infinity"),
        ('{"a": 1e999}', "holds a number too large to read (1e999)"),
        ("1" * 5000, "holds a number of more than 4,300 digits"),
        ('{"a": -' + "9" * 4301 + "}", "holds a number of more than 4,300 digits"),
        ("[" * 100_000 + "]" * 100_000, f"nested deeper than {MAX_JSON_DEPTH} levels"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, f"nested deeper than {MAX_JSON_DEPTH} levels"),
        ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), "nested deeper than"),
        ("{not json", "the body is not valid JSON: Expecting property name enclosed in double quotes"),
        ("", "not valid JSON"),
        (b'{"a": "\xff"}', "the body is not UTF-8 text"),
    ],
)
def test_what_python_would_fail_on_or_misread_is_refused_in_words(text: str | bytes, why: str) -> None:
    with pytest.raises(Invalid) as refused:
        read_json(text, "the body")
    assert why in refused.value.reason


def test_where_json_breaks_is_said() -> None:
    with pytest.raises(Invalid) as refused:
        read_json('{"a": 1,\n "b": }', "the body")
    assert refused.value.reason == "the body is not valid JSON: Expecting value"
    assert refused.value.detail == {"line": 2, "column": 7}


@pytest.mark.parametrize(
    "value",
    [
        {"a": [1, 2.5, "x", None, True], "b": {"c": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}},
        int("9" * 4300),
        1e308,
        "\ud800 is read; whether it is stored is the op's rule",
    ],
)
def test_json_within_the_limits_reads_as_python_reads_it(value: Any) -> None:
    assert read_json(json.dumps(value), "the body") == value
    assert read_json(json.dumps(value).encode(), "the body") == value


def test_the_limit_itself_is_read() -> None:
    deepest = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert not nested_deeper(read_json(deepest, "the body"), MAX_JSON_DEPTH)


def test_depth_of_a_value_built_deeper_than_the_stack() -> None:
    value: list[Any] = []
    for _ in range(100_000):
        value = [value]
    assert nested_deeper(value, MAX_JSON_DEPTH)
    assert not nested_deeper("[[[[", 0) and nested_deeper([], 0) and not nested_deeper([], 1)
