"""The order between stories of one team (from Jira's "blocks" links inside a team).

A story that comes after another is *out of order* when it is planned in an earlier iteration
than that one, or planned while that one is not. Derived from the plan, like conflicts.
"""

from __future__ import annotations

from board.model import BoardState, Iteration, Story


def _position(state: BoardState, story: Story) -> int | None:
    iteration = state.get(Iteration, story.iteration_id)
    return iteration.number if iteration is not None else None


def comes_after(state: BoardState, story: Story) -> list[Story]:
    """The stories ``story`` comes after, as they stand on the board."""
    return [s for s in (state.get(Story, i) for i in story.after) if s is not None]


def out_of_order(state: BoardState, story: Story) -> list[Story]:
    """The stories ``story`` comes after that are not planned in its iteration or an earlier one."""
    mine = _position(state, story)
    if mine is None:
        return []
    late = []
    for first in comes_after(state, story):
        theirs = _position(state, first)
        if theirs is None or theirs > mine:
            late.append(first)
    return late
