"""Validation of op arguments: each field of each item kind, with its range and its reason to refuse."""

from __future__ import annotations

import datetime
import enum
import re
from dataclasses import dataclass
from typing import Any

from board.errors import Invalid

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Text:
    max_len: int = 200
    required: bool = False

    def clean(self, name: str, value: Any) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise Invalid(f"{name} must be text")
        value = value.strip()
        if self.required and not value:
            raise Invalid(f"{name} must not be empty")
        if len(value) > self.max_len:
            raise Invalid(f"{name} is longer than {self.max_len} characters")
        if any(ord(c) < 32 and c not in "\n\t" for c in value):
            raise Invalid(f"{name} holds control characters")
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
            raise Invalid(f"{name} is required")
        if isinstance(value, bool):
            raise Invalid(f"{name} must be a whole number")
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise Invalid(f"{name} must be a whole number") from None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            raise Invalid(f"{name} must be a whole number")
        if not self.lo <= value <= self.hi:
            raise Invalid(f"{name} must be between {self.lo} and {self.hi}")
        return value


@dataclass(frozen=True)
class Float:
    lo: float
    hi: float

    def clean(self, name: str, value: Any) -> float:
        if isinstance(value, bool):
            raise Invalid(f"{name} must be a number")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise Invalid(f"{name} must be a number") from None
        if not self.lo <= number <= self.hi:
            raise Invalid(f"{name} must be between {self.lo:g} and {self.hi:g}")
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
        raise Invalid(f"{name} must be true or false")


@dataclass(frozen=True)
class Choice:
    enum_cls: type[enum.Enum]

    def clean(self, name: str, value: Any) -> enum.Enum:
        try:
            return self.enum_cls(value)
        except ValueError:
            allowed = ", ".join(str(e.value) for e in self.enum_cls)
            raise Invalid(f"{name} must be one of: {allowed}") from None


@dataclass(frozen=True)
class Date:
    def clean(self, name: str, value: Any) -> str | None:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise Invalid(f"{name} must be a date like 2026-01-31")
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise Invalid(f"{name} is not a real date: {value}") from None
        return value


@dataclass(frozen=True)
class Color:
    def clean(self, name: str, value: Any) -> str:
        if not isinstance(value, str) or not _COLOR.fullmatch(value):
            raise Invalid(f"{name} must be a colour like #4a6fa5")
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
            raise Invalid(f"{name} is required")
        if not isinstance(value, str) or len(value) > 64:
            raise Invalid(f"{name} must be an id")
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
            raise Invalid(f"{name} must be a list of ids")
        if len(value) > self.max_items:
            raise Invalid(f"{name} holds more than {self.max_items} ids")
        return list(dict.fromkeys(value))


@dataclass(frozen=True)
class DaysOff:
    def clean(self, name: str, value: Any) -> dict[str, int]:
        if value in (None, ""):
            return {}
        if not isinstance(value, dict) or len(value) > 20:
            raise Invalid(f"{name} must map iteration ids to days off")
        days = Int(0, 10)
        return {str(k)[:64]: days.clean(f"{name}[{k}]", v) or 0 for k, v in value.items()}


Field = Text | Int | Float | Bool | Choice | Date | Color | Ref | RefList | DaysOff
