"""What an op takes with it, said before it is applied.

Deleting a feature unlinks its stories, the dependencies that name it and the objectives that list it;
moving a feature re-plans its stories and so changes loads elsewhere. ``consequences`` reads them from
the changes the op *would* make (``board.ops.preview_op``), so what is shown is exactly what happens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from board.capacity import Load, load_ratio
from board.core import Change
from board.events import Direction, replay
from board.model import BoardState, Dependency, Iteration, Objective, Story, item_from_dict


@dataclass(frozen=True)
class LoadChange:
    """One team's load in one iteration, before and after the op."""

    before: Load
    after: Load


@dataclass(frozen=True)
class Consequences:
    """Everything an op changes besides its own target."""

    stories_moved: list[Story]
    stories_unlinked: list[Story]
    dependencies: list[Dependency]
    objectives: list[Objective]
    loads: list[LoadChange]

    @property
    def anything_else(self) -> bool:
        return bool(self.stories_moved or self.stories_unlinked or self.dependencies or self.objectives)


def consequences(
    state: BoardState, target: tuple[str, str | None], changes: Sequence[Change]
) -> Consequences:
    """What ``changes`` (of an op on ``target``, a (kind, id)) do to items other than the target."""
    moved: list[Story] = []
    unlinked: list[Story] = []
    dependencies: list[Dependency] = []
    objectives: list[Objective] = []
    cells: set[tuple[str, str]] = set()
    for change in changes:
        for side in (change.before, change.after):
            if change.kind == "story" and side and side.get("team_id") and side.get("iteration_id"):
                cells.add((side["team_id"], side["iteration_id"]))
        if (change.kind, change.id) == target or change.before is None or change.after is None:
            continue
        item = item_from_dict(change.kind, change.after)
        if isinstance(item, Story):
            before = change.before
            if before.get("feature_id") and not item.feature_id:
                unlinked.append(item)
            if (before.get("team_id"), before.get("iteration_id")) != (item.team_id, item.iteration_id):
                moved.append(item)
        elif isinstance(item, Dependency):
            dependencies.append(item)
        elif isinstance(item, Objective):
            objectives.append(item)
    after = replay(state, changes, Direction.FORWARD, seq=state.seq)
    loads = [
        LoadChange(load_ratio(state, team_id, iteration_id), load_ratio(after, team_id, iteration_id))
        for team_id, iteration_id in sorted(cells, key=lambda cell: (cell[0], _number(state, cell[1])))
    ]
    return Consequences(
        stories_moved=moved,
        stories_unlinked=unlinked,
        dependencies=dependencies,
        objectives=objectives,
        loads=[change for change in loads if change.before.load != change.after.load],
    )


def _number(state: BoardState, iteration_id: str) -> int:
    iteration = state.get(Iteration, iteration_id)
    return iteration.number if iteration else 0
