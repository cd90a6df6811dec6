"""The risks page: the risks in their ROAM columns, the counts, and the ROAM session the big screen walks."""

from __future__ import annotations

from dataclasses import dataclass

from board import BoardState
from board.core import Committed
from board.model import Risk, Roam, Team
from board.summary import roam_counts
from server.pages.common import Region, changed_regions, render_part
from server.pages.renderer import renders

ROAM_COLUMNS: tuple[tuple[Roam, str], ...] = (
    (Roam.UNROAMED, "Un-ROAMed"),
    (Roam.RESOLVED, "Resolved"),
    (Roam.OWNED, "Owned"),
    (Roam.ACCEPTED, "Accepted"),
    (Roam.MITIGATED, "Mitigated"),
)


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
