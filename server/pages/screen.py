"""The big screen: read-only, legible from the back of the room, never needs a click.

The screen is a *stage* and a *side column*. The stage shows the scene the RTE chose
(``board.room.SCENES``): the program board (paged through teams when the ART is too big for one
screen), one team, teams in turn for breakouts, the vote, the ROAM session, the agenda, the
objectives by team, the forecast (the open dependencies and features least likely in time), the help
queue or a QR code to join. The side column has a fixed width and
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
from board.forecast import Forecast, PredictabilityRange, forecast
from board.model import Dependency, Team
from server.clock import CLOCK
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


@dataclass(frozen=True)
class ForecastRow:
    """One open dependency or feature on the forecast scene: its chance in time, by when, and who
    (with the history their throughput is drawn from) has the work."""

    kind: str  # "dependency" or "feature"
    item_id: str
    title: str
    chance: int  # percent
    low: bool  # below the board's alert threshold
    by: str  # "Comet needs it by I3", "planned in I3"
    teams: tuple[tuple[str, str], ...]  # (team name, the history behind its forecast)


@dataclass(frozen=True)
class ForecastScene:
    rows: list[ForecastRow]  # least likely in time first
    predictability: PredictabilityRange | None
    not_forecast: int  # open items the forecast cannot say anything about (external party, ...)
    settled: int  # items done


def build_forecast_scene(state: BoardState) -> ForecastScene:
    """The forecast (board.forecast) as the room reads it: every open dependency and planned feature,
    the least likely in time first (static/screen.js shows those that fit and counts the others)."""
    found: Forecast = forecast(state, CLOCK.today())
    teams = {t.id: t.name for t in state.teams}
    rows: list[ForecastRow] = []
    not_forecast = settled = 0
    for o in [*found.dependencies.values(), *found.features.values()]:
        if o.why == "done":
            settled += 1
            continue
        if o.probability is None:
            not_forecast += 1
            continue
        target = found.labels.get(o.by_iteration_id or "")
        if o.item_kind == "dependency":
            dep = state.get(Dependency, o.item_id)
            who = teams.get(dep.requesting_team_id or "", "") if dep is not None else ""
            by = f"{who} needs it by {target}" if target else f"{who} needs it, no iteration set"
        else:
            by = f"planned in {target}" if target else "not planned in an iteration"
        drivers = tuple((found.teams[t].name, found.teams[t].basis) for t in o.team_ids)
        chance = round(100 * o.probability)
        low = o.probability < state.meta.forecast_threshold
        rows.append(ForecastRow(o.item_kind, o.item_id, o.title, chance, low, by, drivers))
    rows.sort(key=lambda r: (r.chance, r.kind, r.title))
    return ForecastScene(rows, found.predictability, not_forecast, settled)


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
    elif screen.scene == "forecast":
        # Derived with the rest on every change; one build per state and day however many screens look.
        context["page"] = MODELS.of(state, "screen-forecast", build_forecast_scene)
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
