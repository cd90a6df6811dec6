"""What people call the items of the plan: one name per item, the same on every page, in every
export, in the picture and in the report (templates ask it as the ``iteration_name`` filter)."""

from __future__ import annotations

import re

from board.model import BoardState, Feature, Iteration, Story, Team

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """The key that sorts titles and ids as people read them: "Risk 2" before "Risk 10", case aside
    (every table that sorts by a title or an id-like text sorts by this one key)."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(text.casefold()) if part
    )


def iteration_name(iteration: Iteration) -> str:
    """The iteration's own name, or "Iteration N" when it has none."""
    return iteration.name or f"Iteration {iteration.number}"


def iteration_label(state: BoardState, iteration_id: str | None) -> str:
    iteration = state.get(Iteration, iteration_id)
    return iteration_name(iteration) if iteration else ""


def team_name(state: BoardState, team_id: str | None) -> str:
    team = state.get(Team, team_id)
    return team.name if team else ""


def feature_title(state: BoardState, feature_id: str | None) -> str:
    feature = state.get(Feature, feature_id)
    return feature.title if feature else ""


def story_title(state: BoardState, story_id: str | None) -> str:
    story = state.get(Story, story_id)
    return story.title if story else ""
