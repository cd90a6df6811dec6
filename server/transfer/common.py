"""Helpers shared by the exports: spreadsheet-safe cells, the file-refusal report, the revealed vote
rounds; what an item is called is :mod:`board.labels`'s."""

from __future__ import annotations

from dataclasses import dataclass

from board.fields import repaired
from board.labels import natural_key, team_name
from board.model import BoardState, VoteRound
from board.vote import Tally, is_revealed, tally_round

# A spreadsheet executes a cell that starts with one of these; an apostrophe makes it plain text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Make a text cell inert in Excel, LibreOffice and Google Sheets (OWASP CSV injection)."""
    if value and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo :func:`neutralise` on a cell we wrote ourselves (for a round trip)."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file (or one row that cannot be mapped): where, and why."""

    line: int | None
    message: str
    key: str = ""

    def __post_init__(self) -> None:
        # A message quotes what the file holds: a lone surrogate there could not be sent as UTF-8.
        object.__setattr__(self, "message", repaired(self.message)[0])
        object.__setattr__(self, "key", repaired(self.key)[0])

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.message}"

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "key": self.key, "message": self.message}


class FileRefused(Exception):
    """A file that cannot be imported; nothing was applied. ``problems`` says what and where."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems


def decode_text(data: bytes | str, what: str) -> str:
    """UTF-8 (with or without BOM); a broken byte is reported with its line number."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileRefused([Problem(line, not_utf8(what, data[exc.start], exc.start))]) from None


def not_utf8(what: str, byte: int, offset: int) -> str:
    return f"the {what} is not UTF-8 (byte 0x{byte:02x} at offset {offset}); save it as UTF-8 and try again"


def revealed_rounds(state: BoardState) -> list[tuple[VoteRound, Tally]]:
    """Vote rounds whose results are public, ART rounds first, then by team name and number."""
    rounds = [r for r in state.of(VoteRound).values() if is_revealed(state, r.id)]
    rounds.sort(key=lambda r: (r.team_id is not None, natural_key(team_name(state, r.team_id)), r.number))
    return [(r, tally_round(state, r)) for r in rounds]


def vote_scope(state: BoardState, vote: VoteRound) -> str:
    return team_name(state, vote.team_id) if vote.team_id else "ART"


def percent(ratio: float | None) -> str:
    return "" if ratio is None else f"{ratio * 100:.0f}%"
