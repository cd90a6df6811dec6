"""Reading a Jira CSV export into rows, as Jira writes it.

Jira (Cloud and Data Center) writes one column per value of a multi-valued field, all under the
same header (``Sprint``, ``Sprint``, ``Watchers``, ``Comment``, ``Outward issue link (Blocks)``,
…), quotes multi-line fields, may start with a byte-order mark and ends lines with CRLF. A broken
file raises :class:`~server.transfer.common.FileRefused` with every problem and its line.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from board.fields import CONTROL
from server.transfer.common import FileRefused, Problem, decode_text, unneutralise

MAX_BYTES = 8 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 2_000
MAX_FIELD = 128 * 1024

# A lone surrogate is not a character at all (and control characters are in no text field's rule:
# ``board.fields.CONTROL``); a cell holding either is read without it.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(value: str, *, lines: bool = False) -> str:
    """A cell as plain text: control characters and lone surrogates out; one line unless ``lines``."""
    if value.isprintable():  # most cells: no control character, line break or surrogate to replace
        value = unneutralise(value)
        return value if lines else " ".join(value.split())
    value = _SURROGATE.sub("\ufffd", CONTROL.sub(" ", unneutralise(value)))
    return value.replace("\r\n", "\n") if lines else " ".join(value.split())


@dataclass(frozen=True)
class JiraRow:
    """One issue: the line it starts on and its cells, in the header's order."""

    line: int
    cells: list[str]


@dataclass
class JiraFile:
    header: list[str]
    rows: list[JiraRow]
    header_line: int = 1

    def __post_init__(self) -> None:
        self._index: dict[str, list[int]] = {}
        for n, name in enumerate(self.header):
            self._index.setdefault(name.strip().lower(), []).append(n)
        # The reading and the mapping ask for the same cells dozens of times per row (a 20,000-row
        # file: 800,000 asks): each row's columns are cleaned once, and a list of alternative headers
        # is narrowed once to those the file has.
        self._keys: dict[str, str] = {}
        self._present: dict[tuple[str, ...], list[str]] = {}
        self._cleaned: dict[tuple[int, str], list[str]] = {}
        self._distinct: list[str] | None = None

    def _key(self, header: str) -> str:
        key = self._keys.get(header)
        if key is None:
            key = self._keys[header] = header.strip().lower()
        return key

    def has(self, header: str) -> bool:
        return self._key(header) in self._index

    def values(self, row: JiraRow, header: str) -> list[str]:
        """Every filled cell of the columns named ``header`` (case-insensitive), in order."""
        key = self._key(header)
        return list(self._filled(row, key)) if key in self._index else []

    def value(self, row: JiraRow, *headers: str) -> str:
        """The first filled cell among the columns named ``headers``, in that order."""
        keys = self._present.get(headers)
        if keys is None:
            keys = self._present[headers] = [k for k in map(self._key, headers) if k in self._index]
        for key in keys:
            found = self._filled(row, key)
            if found:
                return found[0]
        return ""

    def _filled(self, row: JiraRow, key: str) -> list[str]:
        """``values`` of a column name the file has (not to be changed: it is kept)."""
        out = self._cleaned.get((row.line, key))
        if out is None:
            out = []
            for n in self._index[key]:
                value = clean_text(row.cells[n])
                if value and value not in out:
                    out.append(value)
            self._cleaned[(row.line, key)] = out
        return out

    def raw(self, row: JiraRow, header: str) -> str:
        """The first column named ``header`` as written (multi-line text kept)."""
        columns = self._index.get(header.strip().lower(), [])
        return clean_text(row.cells[columns[0]], lines=True) if columns else ""

    def distinct_headers(self) -> list[str]:
        if self._distinct is None:
            self._distinct = list(dict.fromkeys(h.strip() for h in self.header if h.strip()))
        return list(self._distinct)


def read_jira_file(data: bytes | str) -> JiraFile:
    """Parse a Jira CSV export; :class:`FileRefused` with line numbers if it is broken."""
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > MAX_BYTES:
        raise FileRefused(
            [Problem(None, f"the file is {size / 1e6:.1f} MB; the limit is {MAX_BYTES // 2**20} MB")]
        )
    text = decode_text(data, "CSV file")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise FileRefused([Problem(line, "the file holds NUL bytes: it is not a CSV text file")])
    if not text.strip():
        raise FileRefused([Problem(1, "the file is empty")])
    records = _records(text)
    header_line, header = records[0]
    if len(header) > MAX_COLUMNS:
        raise FileRefused([Problem(header_line, f"the header has more than {MAX_COLUMNS} columns")])
    jira = JiraFile(header, [], header_line)
    _require_columns(jira)
    problems = []
    width = len(header)
    for line, row in records[1:]:
        if len(row) != width:
            problems.append(
                Problem(
                    line, f"this row has {len(row)} fields, the header has {width} (a quote out of place?)"
                )
            )
            continue
        jira.rows.append(JiraRow(line, row))
    if problems:
        raise FileRefused(problems)
    return jira


def _records(text: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text), strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    old_limit = csv.field_size_limit(MAX_FIELD)
    try:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise FileRefused([_csv_problem(str(exc), start, reader.line_num)]) from None
            if any(cell.strip() for cell in row):
                records.append((start, row))
                if len(records) > MAX_ROWS + 1:
                    raise FileRefused([Problem(start, f"the file has more than {MAX_ROWS} issues; split it")])
            start = reader.line_num + 1
    finally:
        csv.field_size_limit(old_limit)
    if not records:
        raise FileRefused([Problem(1, "the file is empty")])
    return records


def _csv_problem(message: str, start: int, line: int) -> Problem:
    if "unexpected end of data" in message or "EOF" in message:
        return Problem(start, "a quoted field opens here and is never closed (unbalanced quotes)")
    if "field larger than" in message:
        return Problem(start, f"a field is larger than {MAX_FIELD // 1024} KB")
    return Problem(line, f"broken CSV: {message}")


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") and "summary" in first.lower() else ","


def _require_columns(jira: JiraFile) -> None:
    problems = []
    if not jira.has("Summary"):
        problems.append(Problem(jira.header_line, "no 'Summary' column"))
    if not (jira.has("Issue Type") or jira.has("Issuetype")):
        problems.append(Problem(jira.header_line, "no 'Issue Type' column"))
    if not (jira.has("Issue key") or jira.has("Issue id")):
        problems.append(Problem(jira.header_line, "no 'Issue key' or 'Issue id' column"))
    if problems:
        shown = ", ".join(h for h in jira.header[:12] if h)
        problems.append(
            Problem(
                jira.header_line,
                f"this does not look like a Jira CSV export (columns found: {shown or 'none'})",
            )
        )
        raise FileRefused(problems)
