"""The baseline diff: what moved, was added or dropped since the RTE froze the plan.

The server rebuilds the baseline state by replaying events up to ``meta.baseline_seq``;
here we only compare two states.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from board.labels import iteration_label, team_name
from board.model import BoardState, Feature, Story


@dataclass(frozen=True)
class Placement:
    team: str
    iteration: str

    def __str__(self) -> str:
        return f"{self.team or '(no team)'} / {self.iteration or '(backlog)'}"


@dataclass(frozen=True)
class BaselineChange:
    """One feature or story that differs from the baseline."""

    kind: str  # "feature" | "story"
    id: str
    title: str
    change: str  # "moved" | "added" | "dropped" | "points"
    before: Placement | None
    after: Placement | None
    points_before: int | None = None
    points_after: int | None = None

    def describe(self) -> str:
        if self.change == "moved":
            return f"moved from {self.before} to {self.after}"
        if self.change == "added":
            return f"added at {self.after}"
        if self.change == "dropped":
            return f"dropped (was at {self.before})"
        return f"points {self.points_before} → {self.points_after}"


@dataclass
class BaselineDiff:
    moved: list[BaselineChange] = field(default_factory=list)
    added: list[BaselineChange] = field(default_factory=list)
    dropped: list[BaselineChange] = field(default_factory=list)
    repointed: list[BaselineChange] = field(default_factory=list)

    @property
    def changes(self) -> list[BaselineChange]:
        return [*self.moved, *self.added, *self.dropped, *self.repointed]

    @property
    def empty(self) -> bool:
        return not self.changes

    def by_id(self) -> dict[str, BaselineChange]:
        """The change of each item still on the board (moved / added / repointed), by id."""
        out: dict[str, BaselineChange] = {}
        for c in [*self.repointed, *self.added, *self.moved]:
            out[c.id] = c
        return out


def _placement(state: BoardState, item: Feature | Story) -> Placement:
    return Placement(team_name(state, item.team_id), iteration_label(state, item.iteration_id))


def _key(state: BoardState, item: Feature | Story) -> tuple[str | None, int | None]:
    """Compare placements by team id and iteration *number* (ids are stable within one board)."""
    it = state.iterations
    number = next((i.number for i in it if i.id == item.iteration_id), None)
    return item.team_id, number


def baseline_diff(baseline: BoardState, current: BoardState) -> BaselineDiff:
    """Features and stories that changed team or iteration, were added, dropped, or re-pointed."""
    diff = BaselineDiff()
    for cls in (Feature, Story):
        before: dict[str, Feature | Story] = dict(baseline.of(cls))
        after: dict[str, Feature | Story] = dict(current.of(cls))
        kind = cls.kind
        for item_id, now in after.items():
            was = before.get(item_id)
            if was is None:
                diff.added.append(
                    BaselineChange(kind, item_id, now.title, "added", None, _placement(current, now))
                )
                continue
            if _key(baseline, was) != _key(current, now):
                diff.moved.append(
                    BaselineChange(
                        kind,
                        item_id,
                        now.title,
                        "moved",
                        _placement(baseline, was),
                        _placement(current, now),
                    )
                )
            elif isinstance(was, Story) and isinstance(now, Story) and was.points != now.points:
                diff.repointed.append(
                    BaselineChange(
                        kind,
                        item_id,
                        now.title,
                        "points",
                        _placement(baseline, was),
                        _placement(current, now),
                        was.points,
                        now.points,
                    )
                )
        for item_id, was in before.items():
            if item_id not in after:
                diff.dropped.append(
                    BaselineChange(kind, item_id, was.title, "dropped", _placement(baseline, was), None)
                )
    for part in (diff.moved, diff.added, diff.dropped, diff.repointed):
        part.sort(key=lambda c: (c.kind, c.title.lower(), c.id))
    return diff
