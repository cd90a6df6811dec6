"""The agenda page: the event's days and items, when each starts, and the RTE's controls of the timer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from board import BoardState
from board.agenda import Slot, schedule
from board.core import Committed
from board.model import AgendaItem, Meta, TimerStatus
from server.pages.common import Region, changed_regions, render_part
from server.pages.renderer import renders
from server.pages.timer import changed_timer


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
    # The agenda page shows the countdown large as well as in its top bar.
    return html + changed_timer(state, events, timer_id="agenda-now")
