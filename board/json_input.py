"""JSON that a person or program sends, read under one set of limits.

Every door reads what it is sent through :func:`read_json`: a REST body (``server.doors.middleware``),
a form's ``args`` and a socket frame's ``args`` string (``server.doors.op_input``), a socket frame
(``server.live.protocol``), an imported board (``server.transfer.board_json``). How large it may be is
each door's own limit (a request body, a socket message, an import file), checked before it is read.
"""

from __future__ import annotations

import json
import math
from typing import Any

from board.errors import Invalid
from board.fields import MAX_TREE_DEPTH

# Arrays and objects nest at most this deep: an op's arguments (``MAX_TREE_DEPTH``, the op rule)
# inside a socket frame's envelope fit with room; a board's export nests a handful of levels.
MAX_JSON_DEPTH = 32
assert MAX_TREE_DEPTH + 4 <= MAX_JSON_DEPTH


def read_json(text: str | bytes, what: str) -> Any:
    """``text`` decoded as JSON, or ``Invalid`` saying why not (``what`` names it: "the file").

    Python's own decoder takes NaN, Infinity and 1e999 as floats that JSON cannot write back (nor
    PostgreSQL store), fails on an integer of over 4,300 digits, and recurses once per level of nesting
    (a RecursionError at about a thousand levels): each is refused here, in words."""
    try:
        value = json.loads(text, parse_constant=_NotANumber(what), parse_float=_Finite(what))
    except (RecursionError, ValueError) as exc:
        raise _refusal(exc, what) from None
    if nested_deeper(value, MAX_JSON_DEPTH):
        raise _too_deep(what)
    return value


def read_json_at(text: str, start: int, what: str, *, depth: int) -> tuple[Any, int]:
    """The JSON value that starts at ``start`` in ``text``, read by ``read_json``'s rules as if
    nested ``depth`` levels inside a document, and the index where it ends (a file read in pieces:
    ``server.transfer.json_stream``). A ``json.JSONDecodeError`` (the text may end mid-value) is
    the caller's to tell from a real error."""
    decoder = json.JSONDecoder(parse_constant=_NotANumber(what), parse_float=_Finite(what))
    try:
        value, end = decoder.raw_decode(text, start)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        raise _refusal(exc, what) from None
    if nested_deeper(value, MAX_JSON_DEPTH - depth):
        raise _too_deep(what)
    return value, end


def _refusal(exc: BaseException, what: str) -> Invalid:
    if isinstance(exc, RecursionError):
        return _too_deep(what)
    if isinstance(exc, UnicodeDecodeError):
        return Invalid(f"{what} is not UTF-8 text")
    if isinstance(exc, json.JSONDecodeError):
        return Invalid(f"{what} is not valid JSON: {exc.msg}", line=exc.lineno, column=exc.colno)
    # The decoder's one other refusal: int() of over sys.get_int_max_str_digits().
    return Invalid(f"{what} holds a number of more than 4,300 digits")


class _NotANumber:
    def __init__(self, what: str) -> None:
        self.what = what

    def __call__(self, name: str) -> float:
        raise Invalid(f"{self.what} holds {name}, which is not a number JSON can hold")


class _Finite:
    def __init__(self, what: str) -> None:
        self.what = what

    def __call__(self, literal: str) -> float:
        number = float(literal)
        if not math.isfinite(number):
            raise Invalid(f"{self.what} holds a number too large to read ({literal[:20]})")
        return number


def _too_deep(what: str) -> Invalid:
    return Invalid(f"{what} is nested deeper than {MAX_JSON_DEPTH} levels")


def nested_deeper(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit`` levels in a decoded value (no recursion:
    a value built in code may be nested deeper than the interpreter's stack)."""
    todo: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while todo:
        item, depth = todo.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        todo.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
