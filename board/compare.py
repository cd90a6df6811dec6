"""Two moments of a board compared: every kind of change between them, each listed and counted.

History's compare (two moments, or the baseline and now) and the exports ask :func:`compare`.
Where features and stories sit is the baseline's rule (:func:`board.baseline.baseline_diff`);
a dependency's state is the state machine's (:func:`board.dependencies.dependency_state`).
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from board.baseline import BaselineChange, baseline_diff
from board.dependencies import dependency_state
from board.labels import iteration_name, natural_key
from board.model import BoardState, Dependency, Feature, Item, Iteration, Objective, Risk, Story
from board.wording import choice_label


class ChangeKind(str, enum.Enum):
    """The kinds of change, in the order a comparison lists and counts them."""

    MOVED = "moved"
    ADDED = "added"
    DROPPED = "dropped"
    STATUS = "status"
    POINTS = "points"
    DATES = "dates"
    DEPENDENCY = "dependency state"
    BUSINESS_VALUE = "business value"
    ROAM = "ROAM"


@dataclass(frozen=True)
class Difference:
    """One change: of which kind, to what (as people name it), what it was and what it is."""

    kind: ChangeKind
    item_kind: str  # the item's kind ("feature", "story", "iteration", "meta", …)
    item_id: str
    what: str
    before: str
    after: str

    def describe(self) -> str:
        if self.kind == ChangeKind.ADDED:
            return f"{self.what}: added at {self.after}"
        if self.kind == ChangeKind.DROPPED:
            return f"{self.what}: dropped (was {self.before})"
        return f"{self.what}: {self.before or '—'} → {self.after or '—'}"


@dataclass(frozen=True)
class Comparison:
    """Every difference between two moments, in :class:`ChangeKind` order."""

    differences: tuple[Difference, ...]

    @property
    def empty(self) -> bool:
        return not self.differences

    @property
    def counts(self) -> dict[ChangeKind, int]:
        """How many changes of each kind (every kind, zero included)."""
        found = Counter(d.kind for d in self.differences)
        return {kind: found[kind] for kind in ChangeKind}

    def of(self, kind: ChangeKind) -> list[Difference]:
        return [d for d in self.differences if d.kind == kind]

    def tally(self) -> str:
        """The counts in words, kinds that happened only: "2 status, 1 dates"."""
        return ", ".join(f"{n} {kind.value}" for kind, n in self.counts.items() if n)

    def to_dict(self) -> dict[str, Any]:
        """For the JSON export: the differences and the count of each kind."""
        return {
            "differences": [
                {
                    "kind": d.kind.value,
                    "item_kind": d.item_kind,
                    "id": d.item_id,
                    "what": d.what,
                    "before": d.before,
                    "after": d.after,
                }
                for d in self.differences
            ],
            "counts": {kind.value: n for kind, n in self.counts.items()},
        }


def compare(before: BoardState, after: BoardState) -> Comparison:
    """Everything that changed from ``before`` to ``after``: features and stories moved, added,
    dropped or re-pointed, statuses, dates (the PI's and its iterations'), dependencies' derived
    states, objectives' business value, risks' ROAM; plus dependencies, objectives and risks
    added or dropped."""
    found = [
        *_placements(before, after),
        *_added_and_dropped(before, after),
        *_statuses(before, after),
        *_dates(before, after),
        *_dependency_states(before, after),
        *_business_values(before, after),
        *_roams(before, after),
    ]
    order = list(ChangeKind)
    found.sort(key=lambda d: (order.index(d.kind), d.item_kind, natural_key(d.what), d.item_id))
    return Comparison(tuple(found))


def _placements(before: BoardState, after: BoardState) -> Iterator[Difference]:
    """Features and stories moved, added, dropped or re-pointed: the baseline diff's rule."""
    for c in baseline_diff(before, after).changes:
        kind = ChangeKind.POINTS if c.change == "points" else ChangeKind(c.change)
        yield Difference(kind, c.kind, c.id, f"{c.kind} “{c.title}”", *_placement_words(c))


def _placement_words(c: BaselineChange) -> tuple[str, str]:
    if c.change == "points":
        return str(c.points_before), str(c.points_after)
    return (str(c.before) if c.before else "", str(c.after) if c.after else "")


# The other items whose arrival and departure a comparison lists, with the words that name them.
_NAMED: dict[type[Item], Callable[[Any], str]] = {
    Dependency: lambda d: f"dependency “{d.need}”",
    Objective: lambda o: f"objective “{o.statement}”",
    Risk: lambda r: f"risk “{r.title}”",
}


def _added_and_dropped(before: BoardState, after: BoardState) -> Iterator[Difference]:
    for cls, name in _NAMED.items():
        was, now = before.of(cls), after.of(cls)
        for item_id in now.keys() - was.keys():
            yield Difference(ChangeKind.ADDED, cls.kind, item_id, name(now[item_id]), "", "on the board")
        for item_id in was.keys() - now.keys():
            yield Difference(ChangeKind.DROPPED, cls.kind, item_id, name(was[item_id]), "on the board", "")


def _pairs(before: BoardState, after: BoardState, cls: type[Item]) -> Iterator[tuple[Any, Any]]:
    """The items of one kind on the board at both moments, as (then, now)."""
    was = before.of(cls)
    for item_id, now in after.of(cls).items():
        if item_id in was:
            yield was[item_id], now


def _statuses(before: BoardState, after: BoardState) -> Iterator[Difference]:
    """A story's status, a feature's state."""
    for cls, field in ((Story, "status"), (Feature, "state")):
        for was, now in _pairs(before, after, cls):
            then, value = getattr(was, field), getattr(now, field)
            if then != value:
                what = f"{cls.kind} “{now.title}”"
                yield Difference(
                    ChangeKind.STATUS, cls.kind, now.id, what, choice_label(then), choice_label(value)
                )


def _dates(before: BoardState, after: BoardState) -> Iterator[Difference]:
    for end in ("start", "end"):
        was, now = getattr(before.meta, end), getattr(after.meta, end)
        if was != now:
            yield Difference(ChangeKind.DATES, "meta", "meta", f"the PI's {end}", was or "", now or "")
    for was_it, now_it in _pairs(before, after, Iteration):
        for end in ("start", "end"):
            was, now = getattr(was_it, end), getattr(now_it, end)
            if was != now:
                what = f"{iteration_name(now_it)}'s {end}"
                yield Difference(ChangeKind.DATES, "iteration", now_it.id, what, was or "", now or "")


def _dependency_states(before: BoardState, after: BoardState) -> Iterator[Difference]:
    for was, now in _pairs(before, after, Dependency):
        state_then, state_now = dependency_state(before, was), dependency_state(after, now)
        if state_then != state_now:
            what = _NAMED[Dependency](now)
            yield Difference(
                ChangeKind.DEPENDENCY, "dependency", now.id, what, state_then.value, state_now.value
            )


def _business_values(before: BoardState, after: BoardState) -> Iterator[Difference]:
    for was, now in _pairs(before, after, Objective):
        for field, said in (("planned_bv", "business value"), ("actual_bv", "actual value")):
            then, value = getattr(was, field), getattr(now, field)
            if then != value:
                what = f"{said} of objective “{now.statement}”"
                yield Difference(
                    ChangeKind.BUSINESS_VALUE, "objective", now.id, what, _number(then), _number(value)
                )


def _roams(before: BoardState, after: BoardState) -> Iterator[Difference]:
    for was, now in _pairs(before, after, Risk):
        if was.roam != now.roam:
            what = f"risk “{now.title}”"
            yield Difference(
                ChangeKind.ROAM, "risk", now.id, what, choice_label(was.roam), choice_label(now.roam)
            )


def _number(value: int | None) -> str:
    return "" if value is None else str(value)
