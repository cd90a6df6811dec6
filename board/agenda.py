"""The two-day agenda and the shared countdown."""

from __future__ import annotations

from dataclasses import dataclass

from board.model import AgendaItem, Meta, TimerStatus

# (day, title, minutes): the standard PI Planning agenda of DOMAIN.md.
DEFAULT_AGENDA: tuple[tuple[int, str, int], ...] = (
    (1, "Business context", 60),
    (1, "Product vision", 90),
    (1, "Architecture vision", 60),
    (1, "Planning context", 30),
    (1, "Team breakout #1", 180),
    (1, "Draft plan review", 60),
    (1, "Management review and problem solving", 60),
    (2, "Planning adjustments", 60),
    (2, "Team breakout #2", 180),
    (2, "Final plan review", 90),
    (2, "ART risks (ROAM)", 45),
    (2, "Confidence vote", 15),
    (2, "Plan rework if needed", 60),
    (2, "Planning retrospective", 30),
)


@dataclass(frozen=True)
class TimerView:
    """What every screen is sent: it counts down locally from these."""

    status: TimerStatus
    agenda_item_id: str | None
    ends_at: float | None
    remaining: float | None
    paused: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "agenda_item_id": self.agenda_item_id,
            "ends_at": self.ends_at,
            "remaining": self.remaining,
            "paused": self.paused,
        }


def timer_view(meta: Meta, now: float) -> TimerView:
    if meta.timer_status == TimerStatus.RUNNING and meta.timer_ends_at is not None:
        remaining: float | None = max(0.0, meta.timer_ends_at - now)
    elif meta.timer_status == TimerStatus.PAUSED:
        remaining = meta.timer_remaining
    else:
        remaining = None
    return TimerView(
        status=meta.timer_status,
        agenda_item_id=meta.current_agenda_item,
        ends_at=meta.timer_ends_at,
        remaining=remaining,
        paused=meta.timer_status == TimerStatus.PAUSED,
    )


@dataclass(frozen=True)
class Slot:
    """When an agenda item runs: minutes after midnight of its day, computed from the lengths before it."""

    day: int
    start: int
    end: int

    @staticmethod
    def clock(minutes: int) -> str:
        return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"

    @property
    def starts(self) -> str:
        return self.clock(self.start)

    @property
    def ends(self) -> str:
        return self.clock(self.end)


def schedule(agenda: list[AgendaItem], day_start: str) -> dict[str, Slot]:
    """Each item starts when the one before it on its day ends; the first at ``day_start`` ("09:00")."""
    hours, minutes = (int(x) for x in day_start.split(":"))
    slots: dict[str, Slot] = {}
    at: dict[int, int] = {}
    for item in sorted(agenda, key=lambda a: (a.day, a.order)):
        start = at.get(item.day, hours * 60 + minutes)
        slots[item.id] = Slot(item.day, start, start + item.minutes)
        at[item.day] = start + item.minutes
    return slots


def current_item(agenda: list[AgendaItem], meta: Meta) -> AgendaItem | None:
    return next((a for a in agenda if a.id == meta.current_agenda_item), None)
