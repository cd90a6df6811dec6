"""Validation of op arguments: each field of each item kind, with its range and its reason to refuse."""

from __future__ import annotations

import datetime
import enum
import re
from dataclasses import dataclass
from typing import Any

from board.errors import Invalid
from board.wording import choice_label, field_label

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# An IANA time zone name ("Europe/Berlin", "America/Argentina/Buenos_Aires", "UTC"); whether the
# server knows it is the server's to say (board/ reads no time zone database).
_ZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]{0,30}(/[A-Za-z0-9_+\-]{1,30}){0,2}$")
# Code points no UTF-8 text can hold (unpaired UTF-16 surrogates), and NUL, which neither
# PostgreSQL text nor JSON columns store. A string holding one cannot be sent to a browser.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Control characters: C0 but tab, newline and carriage return, DEL, and C1. Invisible on a page, they
# are terminal escapes in a log or a CSV read in a shell; no text field holds one (imports turn them
# into spaces: ``server.transfer.jira_file.clean_text``).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_REFUSED = re.compile(f"{CONTROL.pattern}|{_UNSTORABLE.pattern}")
_BREAKS = re.compile("[\t\n\r]")
REPLACEMENT = "\ufffd"
MAX_TREE_DEPTH = 20


def text_problem(value: str) -> str | None:
    """Why ``value`` is not text piboard keeps (stored, shown, sent as UTF-8), or None when it is:
    the one rule of every text field at every door."""
    found = _REFUSED.search(value)
    if found is None:
        return None
    char, where = found.group(), found.start()
    if char == "\x00":
        return "holds a NUL character"
    if _UNSTORABLE.fullmatch(char):
        return f"holds a broken character (unpaired surrogate U+{ord(char):04X} at position {where})"
    return f"holds a control character (U+{ord(char):04X} at position {where})"


def line_problem(value: str) -> str | None:
    """``text_problem`` for text of one line (a person's name): a tab or a line break is refused too."""
    problem = text_problem(value)
    if problem is None and _BREAKS.search(value):
        problem = "holds a tab or a line break"
    return problem


def require_text(name: str, value: str) -> None:
    """Refuse text that could not be stored, sent as UTF-8, or read back, or holds control characters."""
    problem = text_problem(value)
    if problem is not None:
        raise Invalid(f"{field_label(name)} {problem}; nothing was applied")


def require_texts(name: str, value: Any, depth: int = 0) -> None:
    """``require_text`` for every string (keys too) anywhere inside an op's arguments."""
    if depth == 0 and _all_kept(value, MAX_TREE_DEPTH):
        return  # nearly every op: one pass; the walk below is for saying what is wrong, and where
    if depth > MAX_TREE_DEPTH:
        raise Invalid(f"{field_label(name)} is nested more than {MAX_TREE_DEPTH} levels deep")
    if isinstance(value, str):
        require_text(name, value)
    elif isinstance(value, dict):
        for key, item in value.items():
            require_text(name, str(key))
            require_texts(f"{name}.{key}", item, depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            require_texts(f"{name}[{index}]", item, depth + 1)


def repaired(value: Any) -> tuple[Any, list[str]]:
    """A stored value with every character ``text_problem`` refuses (unstorable, or a control
    character) replaced by U+FFFD, and where it was found.

    For rows written before text was checked: the board still opens, the places are reported, and
    its export imports again (an import holds text to the rule)."""
    if _all_kept(value):  # nearly every row: one pass, no copy (a 20,000-item board opens on it)
        return value, []
    if isinstance(value, str):
        if _REFUSED.search(value) is None:
            return value, []
        return _REFUSED.sub(REPLACEMENT, value), [""]
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        places: list[str] = []
        for key, item in value.items():
            new_key, key_places = repaired(key) if isinstance(key, str) else (key, [])
            new_item, item_places = repaired(item)
            out[new_key] = new_item
            places += [str(new_key) for _ in key_places]
            places += [f"{new_key}.{p}" if p else str(new_key) for p in item_places]
        return out, places
    if isinstance(value, list):
        items: list[Any] = []
        places = []
        for index, item in enumerate(value):
            new_item, item_places = repaired(item)
            items.append(new_item)
            places += [f"{index}.{p}" if p else str(index) for p in item_places]
        return items, places
    return value, []


def _all_kept(value: Any, max_depth: int | None = None, depth: int = 0) -> bool:
    """Whether no string in ``value`` (keys included) holds a character ``text_problem`` refuses,
    and (given ``max_depth``) its lists and objects nest at most that deep. The strings of each
    object are searched at once (a line break is no refused character): this runs for every op."""
    if isinstance(value, str):
        return _REFUSED.search(value) is None
    if isinstance(value, dict):
        texts = [key for key in value if isinstance(key, str)]
        items: Any = value.values()
    elif isinstance(value, list | tuple):
        texts, items = [], value
    else:
        return True
    if max_depth is not None and depth >= max_depth:
        return False
    for item in items:
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, dict | list | tuple) and not _all_kept(item, max_depth, depth + 1):
            return False
    return _REFUSED.search("\n".join(texts)) is None


@dataclass(frozen=True)
class Text:
    max_len: int = 200
    required: bool = False

    def clean(self, name: str, value: Any) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise Invalid(f"{field_label(name)} must be text")
        value = value.strip()
        if self.required and not value:
            raise Invalid(f"{field_label(name)} must not be empty")
        if len(value) > self.max_len:
            raise Invalid(f"{field_label(name)} is longer than {self.max_len} characters")
        require_text(name, value)
        return value


@dataclass(frozen=True)
class Int:
    lo: int
    hi: int
    nullable: bool = False

    def clean(self, name: str, value: Any) -> int | None:
        if value is None or value == "":
            if self.nullable:
                return None
            raise Invalid(f"{field_label(name)} is required")
        if isinstance(value, bool):
            raise Invalid(f"{field_label(name)} must be a whole number")
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise Invalid(f"{field_label(name)} must be a whole number") from None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            raise Invalid(f"{field_label(name)} must be a whole number")
        if not self.lo <= value <= self.hi:
            raise Invalid(f"{field_label(name)} must be between {self.lo} and {self.hi}")
        return value


@dataclass(frozen=True)
class Float:
    lo: float
    hi: float

    def clean(self, name: str, value: Any) -> float:
        if isinstance(value, bool):
            raise Invalid(f"{field_label(name)} must be a number")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise Invalid(f"{field_label(name)} must be a number") from None
        if not self.lo <= number <= self.hi:
            raise Invalid(f"{field_label(name)} must be between {self.lo:g} and {self.hi:g}")
        return number


@dataclass(frozen=True)
class Bool:
    def clean(self, name: str, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if value in ("true", "on", "1", 1):
            return True
        if value in ("false", "off", "0", 0, "", None):
            return False
        raise Invalid(f"{field_label(name)} must be true or false")


@dataclass(frozen=True)
class Choice:
    enum_cls: type[enum.Enum]

    def clean(self, name: str, value: Any) -> enum.Enum:
        try:
            return self.enum_cls(value)
        except ValueError:
            allowed = ", ".join(choice_label(e) for e in self.enum_cls)
            raise Invalid(f"{field_label(name)} must be one of: {allowed}") from None


@dataclass(frozen=True)
class Date:
    def clean(self, name: str, value: Any) -> str | None:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise Invalid(f"{field_label(name)} must be a date like 2026-01-31")
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise Invalid(f"{field_label(name)} is not a real date: {value}") from None
        return value


@dataclass(frozen=True)
class ClockTime:
    """A time of day, 24 h: "09:00"."""

    def clean(self, name: str, value: Any) -> str:
        if not isinstance(value, str) or not _CLOCK.fullmatch(value):
            raise Invalid(f"{field_label(name)} must be a time of day like 09:00")
        return value


@dataclass(frozen=True)
class TimeZone:
    def clean(self, name: str, value: Any) -> str:
        if not isinstance(value, str) or not _ZONE.fullmatch(value):
            raise Invalid(f"{field_label(name)} must be a time zone name like Europe/Berlin or UTC")
        return value


@dataclass(frozen=True)
class Color:
    def clean(self, name: str, value: Any) -> str:
        if not isinstance(value, str) or not _COLOR.fullmatch(value):
            raise Invalid(f"{field_label(name)} must be a colour like #4a6fa5")
        return value


@dataclass(frozen=True)
class Ref:
    """An id of another item of ``kind``; checked against the board by the op."""

    kind: str
    nullable: bool = True

    def clean(self, name: str, value: Any) -> str | None:
        if value in (None, ""):
            if self.nullable:
                return None
            raise Invalid(f"{field_label(name)} is required")
        if not isinstance(value, str) or len(value) > 64:
            raise Invalid(f"{field_label(name)} must be an id")
        return value


@dataclass(frozen=True)
class RefList:
    kind: str
    max_items: int = 50

    def clean(self, name: str, value: Any) -> list[str]:
        if value in (None, ""):
            return []
        if isinstance(value, str):
            value = [v for v in value.split(",") if v]
        if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= 64 for v in value):
            raise Invalid(f"{field_label(name)} must be a list of ids")
        if len(value) > self.max_items:
            raise Invalid(f"{field_label(name)} holds more than {self.max_items} ids")
        return list(dict.fromkeys(value))


@dataclass(frozen=True)
class Numbers:
    """A short list of whole numbers, given as a list or typed as "31, 28, 35" (empty: none)."""

    lo: int
    hi: int
    max_items: int = 12

    def clean(self, name: str, value: Any) -> list[int]:
        if value in (None, ""):
            return []
        if isinstance(value, str):
            value = [v.strip() for v in re.split(r"[,;\s]+", value.strip()) if v.strip()]
        if not isinstance(value, list):
            raise Invalid(f"{field_label(name)} must be whole numbers separated by commas, like 31, 28, 35")
        if len(value) > self.max_items:
            raise Invalid(f"{field_label(name)} holds more than {self.max_items} numbers")
        whole = Int(self.lo, self.hi)
        return [whole.clean(name, v) or 0 for v in value]


@dataclass(frozen=True)
class DaysOff:
    def clean(self, name: str, value: Any) -> dict[str, int]:
        if value in (None, ""):
            return {}
        if not isinstance(value, dict) or len(value) > 20:
            raise Invalid(f"{field_label(name)} must map iteration ids to days off")
        days = Int(0, 10)
        return {str(k)[:64]: days.clean(f"{name}[{k}]", v) or 0 for k, v in value.items()}


@dataclass(frozen=True)
class Record:
    """A small flat record of plain values (text, whole numbers, yes/no, none): what an import
    remembers of the values it wrote, or of the mapping a person chose."""

    max_keys: int = 12
    max_text: int = 200

    def clean(self, name: str, value: Any) -> dict[str, Any]:
        if value in (None, ""):
            return {}
        if not isinstance(value, dict) or len(value) > self.max_keys:
            raise Invalid(f"{field_label(name)} must be a record of at most {self.max_keys} values")
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str) or not 0 < len(key) <= 200:
                raise Invalid(f"{field_label(name)} has a key that is not short text")
            if isinstance(item, str):
                item = Text(self.max_text).clean(f"{name}[{key}]", item)
            elif item is not None and not isinstance(item, bool | int):
                raise Invalid(f"{field_label(name)} ({key}) must be text, a whole number, yes/no or empty")
            out[key] = item
        return out


Field = (
    Text
    | Int
    | Float
    | Bool
    | Choice
    | Date
    | ClockTime
    | TimeZone
    | Color
    | Ref
    | RefList
    | Numbers
    | DaysOff
    | Record
)
