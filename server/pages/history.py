"""The history pages' view-models: an item's activity, the timeline, the board as it was, a comparison.

``/b/{board}/history`` shows the board at any earlier event (read-only, marked as the past) while the
board goes on changing: its live renderer only moves the timeline's "now". The past is rebuilt with
``OpPath.state_at``; the views of the past are the same builders and templates as the live pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from board import Actor, BoardState
from board.compare import ChangeKind
from board.compare import Comparison as Differences
from board.compare import compare as differences
from board.core import Committed
from board.errors import Forbidden, Invalid
from board.history import Activity, Landmark, item_history, item_label
from board.undo import NOT_UNDOABLE, check_may_undo
from server.pages.agenda import agenda_page
from server.pages.common import render_part
from server.pages.renderer import renders

# What the time-travel page can show of the past: a view name and what people call it.
PAST_VIEWS = {"program": "Program board", "objectives": "Objectives"}
PAST_TEAM_PREFIX = "team:"


def clock_time(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%a %H:%M UTC")


@dataclass(frozen=True)
class ActivityLine:
    activity: Activity
    undoable: bool

    @property
    def when(self) -> str:
        return clock_time(self.activity.at)


@dataclass(frozen=True)
class ItemActivity:
    kind: str
    item_id: str
    label: str
    lines: list[ActivityLine]


def may_undo(event: Committed, actor: Actor, now: float) -> bool:
    """Whether to offer this person an Undo for the event (the op path checks it all again)."""
    if event.op.type in NOT_UNDOABLE:
        return False
    try:
        check_may_undo(event, actor, now)
    except Forbidden:
        return False
    return True


def item_activity(
    state: BoardState, events: list[Committed], kind: str, item_id: str, actor: Actor, now: float
) -> ItemActivity:
    by_seq = {e.seq: e for e in events}
    item = state.items[kind].get(item_id)
    last = next((c.after or c.before for e in reversed(events) for c in e.changes if c.id == item_id), None)
    label = item_label(kind, item.to_dict() if item is not None else last)
    lines = [
        ActivityLine(a, may_undo(by_seq[a.seq], actor, now))
        for a in item_history(state, events, kind, item_id)
    ]
    return ItemActivity(kind, item_id, label, lines)


@dataclass(frozen=True)
class Moment:
    """The event a moment of the timeline is, in words."""

    seq: int
    when: str
    who: str
    what: str


def moment(event: Committed | None, seq: int) -> Moment:
    if event is None:
        return Moment(seq, "", "", "")
    return Moment(seq, clock_time(event.at), event.actor.name, event.op.type.replace(".", " "))


@dataclass(frozen=True)
class Timeline:
    newest: int
    landmarks: list[Landmark]
    baseline_seq: int | None

    def day_of(self, mark: Landmark) -> str:
        return f"Day {mark.day}" if mark.day else ""

    def hint(self, mark: Landmark) -> str:
        """What a landmark's tooltip says: its event, or when it is planned (still to come)."""
        if mark.reached:
            return f"event {mark.seq}"
        if mark.at is None:
            return "not reached yet (no event date set)"
        return f"planned {clock_time(mark.at)}, not reached yet"


def planned_starts(state: BoardState) -> dict[str, float | None]:
    """When each agenda item is planned to start, by the agenda page's own rule (None: no date set)."""
    page = agenda_page(state)
    return {item.id: page.starts_at(item) for item in state.agenda}


def past_view_name(show: str) -> str:
    """Refuse a view of the past the page cannot show."""
    if show in PAST_VIEWS or (show.startswith(PAST_TEAM_PREFIX) and len(show) > len(PAST_TEAM_PREFIX)):
        return show
    raise Invalid(f"the past can be shown as {', '.join(PAST_VIEWS)} or team:<id>, not '{show}'")


@dataclass(frozen=True)
class Comparison:
    earlier: Moment
    later: Moment
    diff: Differences

    @property
    def kinds(self) -> list[tuple[ChangeKind, int]]:
        """The kinds of change that happened, in board.compare's order, each with its count."""
        return [(kind, n) for kind, n in self.diff.counts.items() if n]


def compare(before: BoardState, after: BoardState, earlier: Moment, later: Moment) -> Comparison:
    """Every kind of change between two moments, each counted (board.compare.compare)."""
    return Comparison(earlier, later, differences(before, after))


@renders("history")
def render_history(state: BoardState, events: list[Committed], arg: str | None) -> str:
    """The past does not change; only the timeline's end moves on, as the board goes on changing."""
    return render_part("history/now.html", seq=state.seq, latest=events[-1] if events else None)
