"""The objectives page: each team's PI objectives, committed and uncommitted, with business value
and predictability, and the ART's predictability over all of them."""

from __future__ import annotations

from dataclasses import dataclass

from board import BoardState
from board.core import Committed
from board.model import Objective, Team
from board.objectives import Predictability, art_predictability, is_vague, predictability
from server.pages.common import Region, changed_regions, render_part, state_before
from server.pages.renderer import renders


@dataclass(frozen=True)
class ObjectiveRow:
    objective: Objective
    vague: bool

    @property
    def dom_id(self) -> str:
        return f"objective-{self.objective.id}"


@dataclass(frozen=True)
class TeamObjectives:
    team: Team
    committed: list[ObjectiveRow]
    uncommitted: list[ObjectiveRow]
    predictability: Predictability

    @property
    def rated(self) -> bool:
        """Some actual BV is given (after the PI); before that there is no predictability."""
        return self.predictability.rated

    @property
    def dom_id(self) -> str:
        return f"objectives-team-{self.team.id}"


@dataclass(frozen=True)
class ObjectivesPage:
    teams: list[TeamObjectives]
    art: Predictability  # over the rated teams only, saying how many of how many
    vague_count: int

    @property
    def rated(self) -> bool:
        return self.art.rated


def _rows(objectives: list[Objective]) -> list[ObjectiveRow]:
    ordered = sorted(objectives, key=lambda o: (-(o.planned_bv or 0), o.statement.lower()))
    return [ObjectiveRow(o, is_vague(o.statement)) for o in ordered]


def objectives_page(state: BoardState) -> ObjectivesPage:
    teams = []
    for team in state.teams:
        own = [o for o in state.objectives if o.team_id == team.id]
        teams.append(
            TeamObjectives(
                team=team,
                committed=_rows([o for o in own if o.committed]),
                uncommitted=_rows([o for o in own if not o.committed]),
                predictability=predictability(own),
            )
        )
    return ObjectivesPage(
        teams=teams,
        art=art_predictability(state),
        vague_count=sum(1 for o in state.objectives if is_vague(o.statement)),
    )


def objective_regions(page: ObjectivesPage, board_id: str) -> list[Region]:
    regions = [Region("objectives-art", render_part("meeting/objectives_art.html", page=page, oob=True))]
    for team in page.teams:
        html = render_part("meeting/objectives_team.html", t=team, board_id=board_id, oob=True)
        regions.append(Region(team.dom_id, html))
    return regions


@renders("objectives")
def render_objectives(state: BoardState, events: list[Committed], arg: str | None) -> str:
    before = [t.id for t in state_before(state, events).teams]
    if before != [t.id for t in state.teams]:
        # A team came or went: the page's layout changed, so the whole page is sent again.
        page = objectives_page(state)
        return render_part("meeting/objectives_body.html", page=page, board_id=state.board_id, oob=True)
    return changed_regions(
        state, events, "objectives", objectives_page, lambda p: objective_regions(p, state.board_id)
    )
