"""A JSON document read from a file a piece at a time: a board's export is tens of megabytes, and
read whole it would be held three times over (the bytes, the text, the objects) by the process
serving everyone else.

The document is one object; the lists named in ``streamed`` (a board's items, by section) are read
an element at a time, every other value whole. Every value is decoded by ``board.json_input``'s
rules (no NaN or Infinity, no number JSON cannot hold, at most ``MAX_JSON_DEPTH`` levels counted
from the document's top), so a file refused by ``read_json`` is refused here with the same words.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Collection
from typing import IO, Any

from board.errors import Invalid
from board.json_input import read_json_at
from server.transfer.common import not_utf8

# Bytes read at a time; a value longer than this is read on until it ends.
CHUNK = 256 * 1024
_NOT_SPACE = re.compile(r"[^ \t\n\r]")
_AFTER_VALUE = frozenset(",:]} \t\n\r")  # ":" after a key


def read_document(
    stream: IO[bytes],
    streamed: Collection[str],
    *,
    what: str = "the file",
    kind: str = "JSON file",
    chunk: int = CHUNK,
) -> dict[str, Any]:
    """The JSON object in ``stream`` (UTF-8), or ``Invalid`` saying why not, with its line. ``what``
    names it in a refusal ("the file is not valid JSON"), ``kind`` too ("the JSON file is not UTF-8")."""
    return _Reader(stream, what, kind, chunk).document(set(streamed))


class _Reader:
    def __init__(self, stream: IO[bytes], what: str, kind: str, chunk: int) -> None:
        self.stream = stream
        self.what = what
        self.kind = kind
        self.chunk = chunk
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()  # a byte order mark is let go of
        self.bytes_read = 0
        self.text = ""  # what has been read and not yet decoded as JSON
        self.pos = 0
        self.lines_before = 0  # line breaks in the text already let go of
        self.ended = False

    # --- the document's shape -------------------------------------------------------------------

    def document(self, streamed: set[str]) -> dict[str, Any]:
        if self.peek() != "{":
            raise Invalid(f"{self.what} must hold one JSON object", line=self.line(self.pos))
        self.pos += 1
        doc: dict[str, Any] = {}
        if self.peek() == "}":
            self.pos += 1
        else:
            while True:
                if self.peek() != '"':
                    raise self.invalid("Expecting property name enclosed in double quotes")
                key = self.value(depth=1)
                self.expect(":", "Expecting ':' delimiter")
                if key in streamed and self.peek() == "[":
                    doc[key] = self.elements()
                else:
                    doc[key] = self.value(depth=1)
                if self.separator("}"):
                    break
        if self.peek() != "":
            raise self.invalid("Extra data")
        return doc

    def elements(self) -> list[Any]:
        self.pos += 1  # the "[" peeked at
        out: list[Any] = []
        if self.peek() == "]":
            self.pos += 1
            return out
        while True:
            out.append(self.value(depth=2))
            if self.separator("]"):
                return out

    def separator(self, closing: str) -> bool:
        """After a member or an element: True at the container's end, False after a comma."""
        found = self.peek()
        if found == closing:
            self.pos += 1
            return True
        if found != ",":
            raise self.invalid(f"Expecting ',' delimiter or '{closing}'")
        self.pos += 1
        return False

    def expect(self, char: str, message: str) -> None:
        if self.peek() != char:
            raise self.invalid(message)
        self.pos += 1

    # --- reading ------------------------------------------------------------------------------

    def value(self, depth: int) -> Any:
        """The next value, decoded by ``read_json``'s rules as if nested ``depth`` levels deep."""
        self.peek()
        while True:
            try:
                value, end = read_json_at(self.text, self.pos, self.what, depth=depth)
            except json.JSONDecodeError as exc:
                if self.ended:
                    raise self.invalid(exc.msg, at=exc.pos) from None
                self.more()  # the value may go on past what has been read
                continue
            except Invalid as exc:
                exc.detail["line"] = self.line(self.pos)
                raise
            # A value is over where what follows it can follow a value; until then a number may go on
            # ("81" of "81.0" read so far).
            if (end < len(self.text) and self.text[end] in _AFTER_VALUE) or self.ended:
                self.pos = end
                return value
            self.more()

    def peek(self) -> str:
        """The next character that is not white space ("" at the file's end)."""
        while True:
            found = _NOT_SPACE.search(self.text, self.pos)
            self.pos = found.start() if found else len(self.text)
            if self.pos < len(self.text) or self.ended:
                return self.text[self.pos : self.pos + 1]
            self.more()

    def more(self) -> None:
        # Let go of what has been decoded, so only the value at hand is held.
        self.lines_before += self.text.count("\n", 0, self.pos)
        self.text, self.pos = self.text[self.pos :], 0
        # At least as much again as is held: a long value is read in doubling pieces, not re-read per chunk.
        data = self.stream.read(max(self.chunk, len(self.text)))
        try:
            self.text += self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            # exc.object: the bytes the decoder held back from the chunk before (a character cut in
            # two), then this chunk.
            offset = self.bytes_read + len(data) - len(exc.object) + exc.start
            line = self.line(len(self.text)) + exc.object[: exc.start].count(b"\n")
            raise Invalid(not_utf8(self.kind, exc.object[exc.start], offset), line=line) from None
        self.bytes_read += len(data)
        self.ended = not data

    def line(self, index: int) -> int:
        return self.lines_before + self.text.count("\n", 0, index) + 1

    def invalid(self, message: str, at: int | None = None) -> Invalid:
        line = self.line(self.pos if at is None else at)
        return Invalid(f"{self.what} is not valid JSON: {message}", line=line)
