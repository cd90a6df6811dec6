"""What people call the items of the plan: one name per item, the same on every page, in every
export, in the picture and in the report (templates ask it as the ``iteration_name`` filter)."""

from __future__ import annotations

from board.model import BoardState, Feature, Iteration, Story, Team


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
