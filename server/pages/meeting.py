"""Running the event: the view-models and live renderers of ``objectives``, ``risks``, ``vote``,
``agenda`` and ``admin``, and the parts other pages show (the timer in every top bar, the vote and
the ROAM session on the big screen).

Secrecy of the confidence vote is kept here by construction: a round's view-model holds the
*count* of ballots until the round is revealed, and only then the tally. No template is ever
given a ballot value of an unrevealed round, so no page, fragment or catch-up can carry one.

Every renderer is stateless and viewer-independent (the same bytes go to every browser of a view):
it renders its regions for the board before and after the batch and sends the ones that differ.
The timer's region is compared without the server clock it carries, so it is sent only when the
timer itself changed.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from board import BoardState
from board.agenda import Slot, TimerView, current_item, schedule, timer_view
from board.events import Committed
from board.model import (
    AgendaItem,
    Ballot,
    Meta,
    Objective,
    Risk,
    Roam,
    Team,
    TimerStatus,
    VoteRound,
    VoteStatus,
)
from board.objectives import Predictability, is_measured, is_vague, predictability
from board.summary import roam_counts
from board.vote import REWORK_BELOW, Tally, tally_round
from server.pages.common import Region, changed_regions, render_part, state_before
from server.pages.renderer import renders, renders_also
from server.pages.setup import admin_setup

# Every page with the top bar (and so the timer).
BOARD_VIEWS = ("program", "team", "screen", "objectives", "risks", "vote", "agenda", "admin", "history")
ROAM_COLUMNS: tuple[tuple[Roam, str], ...] = (
    (Roam.UNROAMED, "Un-ROAMed"),
    (Roam.RESOLVED, "Resolved"),
    (Roam.OWNED, "Owned"),
    (Roam.ACCEPTED, "Accepted"),
    (Roam.MITIGATED, "Mitigated"),
)
FIST = {1: "No confidence", 2: "Low", 3: "Reasonable", 4: "High", 5: "Very high"}


# --- timer -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimerPart:
    """What the countdown shows; ``now`` is the server's clock, so browsers correct their own."""

    view: TimerView
    title: str
    day: int | None
    now: float

    @property
    def clock(self) -> str:
        """The remaining time as the page renders it (JavaScript counts down from here)."""
        remaining = self.view.remaining
        if remaining is None:
            return "--:--"
        whole = int(remaining + 0.999)
        hours, rest = divmod(whole, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"

    @property
    def key(self) -> tuple[object, ...]:
        """Everything shown except the clock reading: what decides whether browsers need a new part."""
        v = self.view
        return (
            v.status,
            v.agenda_item_id,
            v.ends_at,
            None if v.status == TimerStatus.RUNNING else v.remaining,
            self.title,
            self.day,
        )


def timer_part(state: BoardState, now: float | None = None) -> TimerPart:
    meta = state.meta
    item = current_item(state.agenda, meta)
    return TimerPart(
        view=timer_view(meta, time.time() if now is None else now),
        title=item.title if item else "",
        day=item.day if item else None,
        now=time.time() if now is None else now,
    )


def render_timer(part: TimerPart) -> str:
    return render_part("parts/timer.html", timer=part, oob=True)


@renders_also(*BOARD_VIEWS)
def timer_update(state: BoardState, events: list[Committed], arg: str | None) -> str:
    before = timer_part(state_before(state, events))
    after = timer_part(state)
    return render_timer(after) if before.key != after.key else ""


# --- confidence vote -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundView:
    """One round as anyone may see it: before the reveal only its ballot count, never a value."""

    round: VoteRound
    team: Team | None
    ballot_count: int
    tally: Tally | None  # None until revealed

    @property
    def dom_id(self) -> str:
        return f"vote-round-{self.round.id}"

    @property
    def scope(self) -> str:
        return f"Team {self.team.name}" if self.team else "Whole ART"

    @property
    def needs_rework(self) -> bool:
        return self.team is None and self.tally is not None and self.tally.needs_rework

    @property
    def bars(self) -> list[tuple[int, int, int]]:
        """(value, votes, percent of the largest bar) for the distribution chart."""
        if self.tally is None:
            return []
        top = max(self.tally.distribution.values()) or 1
        return [(v, n, round(100 * n / top)) for v, n in sorted(self.tally.distribution.items())]


def round_view(state: BoardState, vote: VoteRound) -> RoundView:
    ballots = [b for b in state.of(Ballot).values() if b.round_id == vote.id]
    revealed = vote.status == VoteStatus.REVEALED
    return RoundView(
        round=vote,
        team=state.get(Team, vote.team_id),
        ballot_count=len(ballots),
        tally=tally_round(state, vote) if revealed else None,
    )


def rounds(state: BoardState) -> list[RoundView]:
    """Newest first: open rounds on top, then the most recent."""
    votes = sorted(state.of(VoteRound).values(), key=lambda v: (v.status != VoteStatus.OPEN, -v.opened_at))
    return [round_view(state, v) for v in votes]


def featured_round(state: BoardState) -> RoundView | None:
    """The round the big screen shows: an open one, else the latest."""
    all_rounds = rounds(state)
    return all_rounds[0] if all_rounds else None


@dataclass(frozen=True)
class VotePage:
    rounds: list[RoundView]
    teams: list[Team]
    rework: bool
    rework_below: float


def vote_page(state: BoardState) -> VotePage:
    return VotePage(rounds(state), state.teams, state.meta.rework, REWORK_BELOW)


def vote_regions(page: VotePage, board_id: str) -> list[Region]:
    ctx = {"page": page, "board_id": board_id, "fist": FIST, "oob": True}
    return [
        Region("vote-head", render_part("meeting/vote_head.html", **ctx)),
        Region("vote-rounds", render_part("meeting/vote_rounds.html", **ctx)),
    ]


@renders("vote")
def render_vote(state: BoardState, events: list[Committed], arg: str | None) -> str:
    return changed_regions(state, events, "vote", vote_page, lambda p: vote_regions(p, state.board_id))


# --- risks and ROAM ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskCard:
    risk: Risk
    team: Team | None


@dataclass(frozen=True)
class RoamSession:
    """The ROAM session as the big screen walks it: the risk in focus and where it stands."""

    focus: RiskCard | None
    next_id: str | None
    position: int
    unroamed_left: int


@dataclass(frozen=True)
class RiskBoard:
    columns: list[tuple[Roam, str, list[RiskCard]]]
    counts: dict[Roam, int]
    session: RoamSession
    teams: list[Team]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _risk_order(state: BoardState) -> list[Risk]:
    teams = {t.id: t.name.lower() for t in state.teams}
    return sorted(state.risks, key=lambda r: (teams.get(r.team_id or "", ""), r.title.lower(), r.id))


def roam_session(state: BoardState) -> RoamSession:
    ordered = _risk_order(state)
    focus_id = state.meta.roam_focus
    focus = state.get(Risk, focus_id)
    unroamed = [r for r in ordered if r.roam == Roam.UNROAMED]
    # The next risk to talk about: the first un-ROAMed one after the focus, wrapping round.
    later = [r for r in ordered[_index(ordered, focus_id) + 1 :] if r.roam == Roam.UNROAMED]
    earlier = [r for r in unroamed if r not in later and r.id != focus_id]
    upcoming = later + earlier
    return RoamSession(
        focus=RiskCard(focus, state.get(Team, focus.team_id)) if focus else None,
        next_id=upcoming[0].id if upcoming else None,
        position=_index(ordered, focus_id) + 1,
        unroamed_left=len(unroamed),
    )


def _index(risks: list[Risk], risk_id: str | None) -> int:
    return next((i for i, r in enumerate(risks) if r.id == risk_id), -1)


def risk_board(state: BoardState) -> RiskBoard:
    cards = [RiskCard(r, state.get(Team, r.team_id)) for r in _risk_order(state)]
    return RiskBoard(
        columns=[(roam, label, [c for c in cards if c.risk.roam == roam]) for roam, label in ROAM_COLUMNS],
        counts=roam_counts(state),
        session=roam_session(state),
        teams=state.teams,
    )


def risk_regions(board: RiskBoard, board_id: str) -> list[Region]:
    ctx = {"risks": board, "board_id": board_id, "labels": dict(ROAM_COLUMNS), "oob": True}
    regions = [
        Region("roam-counts", render_part("parts/roam_counts.html", **ctx)),
        Region("roam-session", render_part("meeting/roam_session.html", **ctx)),
    ]
    for roam, label, cards in board.columns:
        regions.append(
            Region(
                f"roam-col-{roam.value}",
                render_part("meeting/roam_column.html", roam=roam, label=label, cards=cards, **ctx),
            )
        )
    return regions


@renders("risks")
def render_risks(state: BoardState, events: list[Committed], arg: str | None) -> str:
    return changed_regions(state, events, "risks", risk_board, lambda b: risk_regions(b, state.board_id))


# --- the big screen's event parts -------------------------------------------------------------------------


def screen_parts(state: BoardState) -> dict[str, object]:
    """The context of the big screen's vote and ROAM parts (``parts/vote.html``, ``parts/roam.html``)."""
    return {
        "vote": featured_round(state),
        "rework": state.meta.rework,
        "risks": risk_board(state),
        "labels": dict(ROAM_COLUMNS),
    }


def screen_regions(state: BoardState) -> list[Region]:
    parts = screen_parts(state)
    return [
        Region("screen-vote", render_part("parts/vote.html", oob=True, **parts)),
        Region("screen-roam", render_part("parts/roam.html", oob=True, **parts)),
    ]


# --- objectives and business value -------------------------------------------------------------------------


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
    rated: bool  # some actual BV is given (after the PI); before that there is no predictability

    @property
    def dom_id(self) -> str:
        return f"objectives-team-{self.team.id}"


@dataclass(frozen=True)
class ObjectivesPage:
    teams: list[TeamObjectives]
    art: Predictability
    vague_count: int
    rated: bool


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
                rated=is_measured(own),
            )
        )
    return ObjectivesPage(
        teams=teams,
        art=predictability(state.objectives),
        vague_count=sum(1 for o in state.objectives if is_vague(o.statement)),
        rated=is_measured(state.objectives),
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


# --- agenda ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaDay:
    day: int
    items: list[AgendaItem]
    minutes: int


@dataclass(frozen=True)
class AgendaPage:
    days: list[AgendaDay]
    current_id: str | None
    timer_status: TimerStatus
    is_last: bool
    slots: dict[str, Slot]
    meta: Meta

    def starts_at(self, item: AgendaItem) -> int | None:
        """When an item starts as a moment (epoch seconds), so a remote viewer's browser can show it in
        their own time; None until the RTE gives the event's date, or for a time zone the server lacks."""
        if not self.meta.event_date:
            return None
        try:
            zone = ZoneInfo(self.meta.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return None
        slot = self.slots[item.id]
        day = dt.date.fromisoformat(self.meta.event_date) + dt.timedelta(days=slot.day - 1)
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        return int((midnight + dt.timedelta(minutes=slot.start)).timestamp())


def agenda_page(state: BoardState) -> AgendaPage:
    agenda = state.agenda
    days = sorted({a.day for a in agenda})
    current = state.meta.current_agenda_item
    return AgendaPage(
        days=[
            AgendaDay(d, [a for a in agenda if a.day == d], sum(a.minutes for a in agenda if a.day == d))
            for d in days
        ],
        current_id=current,
        timer_status=state.meta.timer_status,
        is_last=bool(agenda) and agenda[-1].id == current,
        slots=schedule(agenda, state.meta.day_start),
        meta=state.meta,
    )


def agenda_regions(page: AgendaPage, board_id: str) -> list[Region]:
    return [
        Region(
            "agenda-controls",
            render_part("meeting/agenda_controls.html", page=page, board_id=board_id, oob=True),
        ),
        Region(
            "agenda-days", render_part("meeting/agenda_days.html", page=page, board_id=board_id, oob=True)
        ),
    ]


@renders("agenda")
def render_agenda(state: BoardState, events: list[Committed], arg: str | None) -> str:
    html = changed_regions(state, events, "agenda", agenda_page, lambda p: agenda_regions(p, state.board_id))
    before, after = timer_part(state_before(state, events)), timer_part(state)
    if before.key != after.key:
        # The agenda page shows the countdown large as well as in its top bar.
        html += render_part("parts/timer.html", timer=after, timer_id="agenda-now", oob=True)
    return html


# --- admin -----------------------------------------------------------------------------------------------


def admin_regions(state: BoardState) -> list[Region]:
    ctx = {"board_id": state.board_id, "teams": state.teams, "oob": True, **admin_setup(state)}
    return [
        Region("admin-checklist", render_part("meeting/admin_checklist.html", **ctx)),
        Region("admin-pi", render_part("meeting/admin_pi.html", **ctx)),
        Region("admin-lock", render_part("meeting/admin_lock.html", **ctx)),
        Region("admin-train", render_part("meeting/admin_train.html", **ctx)),
    ]


@renders("admin")
def render_admin(state: BoardState, events: list[Committed], arg: str | None) -> str:
    return changed_regions(state, events, "admin", _same, admin_regions)


# --- shared ----------------------------------------------------------------------------------------------


def _same(state: BoardState) -> BoardState:
    """For views whose regions are rendered from the board itself."""
    return state
