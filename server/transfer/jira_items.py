"""The board's items as a Jira import and export see them: the features and stories that carry a Jira
key, the values an import compares (names and numbers, never ids), a link's key, a feature's status."""

from __future__ import annotations

from typing import Any

from board.model import BoardState, Feature, FeatureState, Iteration, Story, StoryStatus, Team


def link_key(provider: str, requester: str) -> str:
    """How a dependency names the Jira link it came from (a dependency's external key)."""
    return f"{provider}>{requester}"[:90]


def keyed_items(state: BoardState) -> list[Feature | Story]:
    """The features and stories that came from Jira (they carry its key)."""
    items: list[Feature | Story] = [*state.of(Feature).values(), *state.of(Story).values()]
    return [item for item in items if item.external_key]


def board_values(state: BoardState, item: Feature | Story) -> dict[str, Any]:
    """An item's compared fields as an import writes them: names and numbers, never ids."""
    team = state.get(Team, item.team_id)
    iteration = state.get(Iteration, item.iteration_id)
    values: dict[str, Any] = {
        "title": item.title,
        "team": team.name if team else None,
        "iteration": iteration.number if iteration else None,
    }
    if isinstance(item, Story):
        feature = state.get(Feature, item.feature_id)
        values.update(
            points=item.points, status=item.status.value, parent=feature.external_key if feature else ""
        )
    else:
        values.update(status=feature_status(item.state).value, parent="")
    return values


def feature_status(state: FeatureState) -> StoryStatus:
    if state == FeatureState.DONE:
        return StoryStatus.DONE
    if state == FeatureState.IN_PROGRESS:
        return StoryStatus.IN_PROGRESS
    return StoryStatus.TODO
