"""Stored rows that are not valid any more, isolated and reported instead of breaking a whole board.

Text is checked before it is stored (``board.fields.require_text``), but a database written by an
older piboard may hold a string no browser can take (an unpaired surrogate) or an item that no
longer decodes. Reading a board must never fail because of one such row: the reader repairs the
text (U+FFFD in place of each broken character) or leaves the undecodable item out, and records
the row here. The board's REST answer, its admin page and ``piboard db check`` list them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from board.fields import repaired

log = logging.getLogger("piboard.rows")


@dataclass(frozen=True)
class RowProblem:
    board_id: str
    row: str  # "item risk/abc", "event 12"
    problem: str  # what was wrong and what the reader did about it

    def public(self) -> dict[str, str]:
        return {"row": self.row, "problem": self.problem}


class RowProblems:
    """What this process found while reading, per board; each problem is logged once."""

    def __init__(self) -> None:
        self._found: dict[str, dict[str, RowProblem]] = {}
        self._guard = threading.Lock()

    def report(self, board_id: str, row: str, problem: str) -> None:
        with self._guard:
            rows = self._found.setdefault(board_id, {})
            if row in rows:
                return
            rows[row] = RowProblem(board_id, row, problem)
        log.warning("board %s: %s %s", board_id, row, problem)

    def repair(self, board_id: str, row: str, value: Any) -> Any:
        """``value`` with broken text replaced, reporting the row if anything was."""
        fixed, places = repaired(value)
        if places:
            shown = ", ".join(places[:5]) + (" …" if len(places) > 5 else "")
            self.report(board_id, row, f"held broken text (shown as U+FFFD) in: {shown}")
        return fixed

    def of(self, board_id: str) -> list[RowProblem]:
        with self._guard:
            return sorted(self._found.get(board_id, {}).values(), key=lambda p: p.row)


class _Reader(Protocol):
    row_problems: RowProblems

    def forget(self, board_id: str) -> None: ...

    def state(self, board_id: str) -> Any: ...

    def events_since(self, board_id: str, since: int, limit: int = 500) -> Sequence[Any]: ...


def scan_board(op_path: _Reader, board_id: str, page: int = 500) -> list[RowProblem]:
    """Read a board's every item and every event (not only what screens asked for) and list its problems."""
    op_path.forget(board_id)
    op_path.state(board_id)
    since = 0
    while rows := op_path.events_since(board_id, since, page):
        since = rows[-1].seq
    return op_path.row_problems.of(board_id)
