"""The countdown in every top bar: what it shows, and its live part on every live view.

Its region is compared without the server clock it carries, so it is sent only when the timer
itself changed (started, paused, moved to another agenda item), not as the clock ticks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from board import BoardState
from board.agenda import TimerView, current_item, timer_view
from board.core import Committed
from board.model import TimerStatus
from server.pages.common import render_part, state_before
from server.pages.renderer import LIVE_VIEWS, renders_also


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


def changed_timer(state: BoardState, events: list[Committed], timer_id: str | None = None) -> str:
    """The countdown's part if the batch changed what it shows, else nothing. ``timer_id`` names a
    second, larger countdown of a page (the agenda's, the big screen's) instead of the top bar's."""
    before, after = timer_part(state_before(state, events)), timer_part(state)
    if before.key == after.key:
        return ""
    where = {"timer_id": timer_id} if timer_id else {}
    return render_part("parts/timer.html", timer=after, **where, oob=True)


@renders_also(*LIVE_VIEWS)  # each has the top bar
def timer_update(state: BoardState, events: list[Committed], arg: str | None) -> str:
    return changed_timer(state, events)
