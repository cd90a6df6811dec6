"""The big screen: read-only, legible from the back of the room, never needs a click.

The screen is a *stage* and a *side column*. The stage shows the scene the RTE chose
(``board.room.SCENES``): the program board (paged through teams when the ART is too big for one
screen), one team, teams in turn for breakouts, the vote, the ROAM session, the agenda, the
objectives by team, the help queue or a QR code to join. The side column has a fixed width and
holds the countdown, the vote, the ROAM focus, the help queue and the counters, so nothing that
opens or starts ever takes height from the board.

Scenes are a hook: a renderer that wants the stage (a replay, say) adds its name to SCENES and a
branch to ``parts/screen_stage.html``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from board import BoardState
from board.core import Committed
from board.model import Team
from server.pages.agenda import agenda_page
from server.pages.common import MODELS, Region, changed_regions, render_part
from server.pages.objectives import objectives_page
from server.pages.program import ProgramBoard, build_program, program_regions
from server.pages.renderer import renders
from server.pages.risks import ROAM_COLUMNS, risk_board
from server.pages.room import help_view
from server.pages.team import TeamBoard, build_team
from server.pages.timer import changed_timer, timer_part
from server.pages.vote import featured_round

# Scenes that show the program board on the stage (all of it, one team, or teams in turn).
BOARD_SCENES = frozenset({"board", "team", "rotate"})


@dataclass(frozen=True)
class Screen:
    scene: str
    team: Team | None
    rotate_seconds: int
    board: ProgramBoard

    @property
    def shows_board(self) -> bool:
        return self.scene in BOARD_SCENES

    @property
    def layout(self) -> tuple[object, ...]:
        return (self.scene, self.team.id if self.team else None, self.rotate_seconds, self.board.layout)


def build_screen(state: BoardState) -> Screen:
    name, _, team_id = state.meta.screen_scene.partition(":")
    team = state.get(Team, team_id or None)
    if name == "team" and team is None:
        name = "board"  # the team was removed: show the whole board
    # The program board's view-model of this state, shared with the program view's live renderer.
    return Screen(name, team, state.meta.screen_rotate_seconds, MODELS.of(state, "program", build_program))


def screen_context(state: BoardState) -> dict[str, Any]:
    """Everything the screen's templates read, for the page and for the live fragments alike."""
    screen = build_screen(state)
    context: dict[str, Any] = {
        "screen": screen,
        "board": screen.board,
        "board_id": state.board_id,
        "help": help_view(state),
        "screen_timer": timer_part(state),
        "compact": True,
        "join_link": state.meta.screen_join_link,
        # The side column's vote and ROAM parts (parts/vote.html, parts/roam.html).
        "vote": featured_round(state),
        "rework": state.meta.rework,
        "risks": risk_board(state),
        "labels": dict(ROAM_COLUMNS),
        # The one-team scene shows the team's stories under its row, iteration by iteration.
        "team_board": _team_board(state, screen.team) if screen.scene == "team" and screen.team else None,
    }
    if screen.scene == "agenda":
        context["page"] = agenda_page(state)
    elif screen.scene == "objectives":
        context["page"] = objectives_page(state)
    return context


def _team_board(state: BoardState, team: Team) -> TeamBoard:
    """The team's view-model of this state, shared with the team page's live renderer."""
    return MODELS.of(state, f"team:{team.id}", lambda s: build_team(s, team.id))


def screen_regions(ctx: dict[str, Any]) -> list[Region]:
    screen: Screen = ctx["screen"]
    oob = {**ctx, "oob": True}
    regions = [
        Region("screen-vote", render_part("parts/vote.html", **oob)),
        Region("screen-roam", render_part("parts/roam.html", **oob)),
        Region("screen-help", render_part("parts/help_screen.html", **oob)),
    ]
    if screen.shows_board:
        regions += program_regions(screen.board, compact=True)
        if ctx["team_board"] is not None:
            regions.append(Region("screen-stories", render_part("parts/screen_stories.html", **oob)))
    else:
        regions.append(Region("counters", render_part("parts/counters.html", **oob)))
        regions.append(Region("screen-stage", render_part("parts/screen_stage.html", **oob)))
    return regions


def _whole(ctx: dict[str, Any]) -> Region:
    return Region("screen", render_part("parts/screen_body.html", **{**ctx, "oob": True}))


def _layout(ctx: dict[str, Any]) -> tuple[object, ...]:
    screen: Screen = ctx["screen"]
    return screen.layout


@renders("screen")
def render_screen(state: BoardState, events: list[Committed], arg: str | None) -> str:
    html = changed_regions(state, events, "screen", screen_context, screen_regions, _layout, _whole)
    return html + changed_timer(state, events, timer_id="screen-timer")
