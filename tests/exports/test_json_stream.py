"""server/transfer/json_stream.py: a document read a piece at a time is the document ``json.loads``
reads, whatever the size of the pieces, and what ``read_json`` refuses it refuses with the same words
and the line it is on."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from board.errors import Invalid
from board.json_input import read_json
from server.transfer.json_stream import read_document

STREAMED = ("teams", "stories")
scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
documents = st.dictionaries(
    st.sampled_from(["teams", "stories", "meta", "schema", 'é "x"']), values | st.lists(values, max_size=6)
)


def read(data: bytes, chunk: int) -> dict[str, Any]:
    return read_document(io.BytesIO(data), STREAMED, chunk=chunk)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(documents, st.sampled_from([None, 2]), st.integers(min_value=1, max_value=64))
def test_a_document_read_in_pieces_is_the_document(
    doc: dict[str, Any], indent: int | None, chunk: int
) -> None:
    data = json.dumps(doc, indent=indent, ensure_ascii=bool(chunk % 2)).encode()
    assert read(data, chunk) == json.loads(data)


def test_a_value_longer_than_many_pieces_and_a_byte_order_mark() -> None:
    doc = {"stories": [{"id": "s", "title": "x" * 100_000, "points": 12345678901234567890}]}
    assert read(b"\xef\xbb\xbf" + json.dumps(doc).encode(), 1000) == doc


@pytest.mark.parametrize(
    "text",
    [
        '{"teams": [NaN]}',
        '{"meta": {"x": -Infinity}}',
        '{"teams": [1e999]}',
        '{"teams": [' + "9" * 5000 + "]}",
        '{"teams": [' + "[" * 40 + "]" * 40 + "]}",
        '{"meta": ' + "[" * 100_000 + "}",
        '{"teams": [1,]}',
        '{"teams": [1 2]}',
        '{"meta": 1',
        '{"meta": 1}}',
    ],
)
def test_what_read_json_refuses_is_refused_the_same(text: str) -> None:
    with pytest.raises(Invalid) as whole:
        read_json(text, "the file")
    for chunk in (3, 1000):
        with pytest.raises(Invalid) as pieces:
            read(text.encode(), chunk)
        first_words = whole.value.reason.split(":")[0]
        assert pieces.value.reason.startswith(first_words), (pieces.value.reason, whole.value.reason)


def test_a_refusal_names_its_line_and_a_broken_byte_its_offset() -> None:
    text = b'{\n"teams": [\n{"id": "a"},\n{"id": NaN}\n]}'
    with pytest.raises(Invalid) as refused:
        read(text, 4)
    assert refused.value.detail["line"] == 4
    with pytest.raises(Invalid) as broken:
        read(b'{\n\n"meta": "caf\xe9"}', 4)
    assert "byte 0xe9 at offset 15" in broken.value.reason and broken.value.detail["line"] == 3


@pytest.mark.parametrize("text", ["[]", "", "  1  ", '"x"'])
def test_a_document_is_one_object(text: str) -> None:
    with pytest.raises(Invalid, match="must hold one JSON object"):
        read(text.encode(), 8)
