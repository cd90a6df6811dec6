"""An item's story in words a person reads: "Ana moved it from Iteration 3 to Iteration 4".

Built from the events that touched the item (``board.events``) and the board as it is now, to name
the teams, iterations and features a change refers to. Only the parts of the plan people talk about
have a history here; ballots never do (their values are secret until revealed). Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from board.core import Change, Committed
from board.labels import iteration_name
from board.model import BoardState, Iteration
from board.wording import choice_label

HISTORY_KINDS = ("feature", "story", "dependency", "objective", "risk", "milestone")

# The fields of an item that name another item, and which kind that is.
_REFERENCES = {
    "team_id": "team",
    "requesting_team_id": "team",
    "provider_team_id": "team",
    "iteration_id": "iteration",
    "needed_by_iteration_id": "iteration",
    "promised_iteration_id": "iteration",
    "feature_id": "feature",
    "requesting_feature_id": "feature",
    "provider_feature_id": "feature",
    "provider_story_id": "story",
}
_FIELD_WORDS = {
    "planned_bv": "planned business value",
    "actual_bv": "actual business value",
    "feature_ids": "features",
    "roam": "ROAM status",
    "fte": "FTE",
    "needed_by_iteration_id": "needed-by iteration",
    "promised_iteration_id": "promised iteration",
    "provider_team_id": "providing team",
    "requesting_team_id": "requesting team",
    "provider_feature_id": "providing feature",
    "requesting_feature_id": "requesting feature",
    "provider_story_id": "providing story",
    "feature_kind": "kind",
    "external_key": "external key",
    "provider_train": "other train's team",
    "requester_train": "other train's request",
    "cadence_mismatch": "trains' iterations disagreeing",
}
_NOTHING = {"iteration": "the backlog", "team": "no team", "feature": "no feature", "story": "no story"}
_MOVES = ("iteration_id", "team_id")
# (A cross-train dependency's mirrored_seq is the solution's bookkeeping, not something a person said.)
_UNSPOKEN = {"version", "id", "rank", "mirrored_seq"}


def item_label(kind: str, data: dict[str, Any] | None) -> str:
    """How a person names an item: its kind and title (or name, statement, need)."""
    if not data:
        return f"a {kind}"
    for key in ("title", "name", "statement", "need"):
        if data.get(key):
            text = str(data[key])
            return f'{kind} "{text[:60]}{"…" if len(text) > 60 else ""}"'
    return f"{kind} {data.get('id', '')}".strip()


def _name_of(state: BoardState, kind: str, item_id: Any) -> str:
    if item_id is None:
        return _NOTHING.get(kind, "none")
    item = state.items[kind].get(str(item_id))
    if item is None:
        return f"a {kind} since deleted"
    if isinstance(item, Iteration):
        return iteration_name(item)
    if kind == "team":
        return f"team {getattr(item, 'name', item_id)}"
    return item_label(kind, item.to_dict())


def _value(state: BoardState, name: str, value: Any) -> str:
    kind = _REFERENCES.get(name)
    if kind is not None:
        return _name_of(state, kind, value)
    if name == "feature_ids":
        return ", ".join(_name_of(state, "feature", v) for v in value) or "none"
    if value is None or value == "":
        return "nothing"
    if isinstance(value, str):
        return f'"{value[:80]}{"…" if len(value) > 80 else ""}"' if " " in value else choice_label(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _field_words(name: str) -> str:
    return _FIELD_WORDS.get(name) or name.removesuffix("_id").replace("_", " ")


def change_phrases(state: BoardState, change: Change) -> list[str]:
    """What one change did to its item, field by field, as phrases: "moved it from X to Y"."""
    if change.before is None:
        return ["created it"]
    if change.after is None:
        return ["deleted it"]
    before, after = change.before, change.after
    changed = [k for k in after if k not in _UNSPOKEN and before.get(k) != after.get(k)]
    phrases = [
        f"moved it from {_value(state, k, before.get(k))} to {_value(state, k, after.get(k))}"
        for k in _MOVES
        if k in changed
    ]
    for name in changed:
        if name in _MOVES:
            continue
        old, new = _value(state, name, before.get(name)), _value(state, name, after.get(name))
        phrases.append(f"changed its {_field_words(name)} from {old} to {new}")
    if not phrases and before.get("rank") != after.get("rank"):
        phrases.append("re-ranked it")
    return phrases or ["touched it"]


@dataclass(frozen=True)
class Activity:
    """One line of an item's history."""

    seq: int
    at: float
    who: str
    role: str
    text: str
    op_type: str

    @property
    def at_iso(self) -> str:
        return datetime.fromtimestamp(self.at, UTC).isoformat()


def describe(state: BoardState, event: Committed, change: Change) -> str:
    """One sentence: who did what to the item, and why when it followed another item or was an undo."""
    text = _join(change_phrases(state, change))
    kind = event.op.type.split(".")[0]
    if event.op.type == "event.undo":
        text = f"undid event {event.op.target}: {text}"
    elif kind != change.kind and kind in HISTORY_KINDS:
        text = f"{text} (following a change to its {kind})"
    return f"{event.actor.name} {text}"


def _join(phrases: list[str]) -> str:
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]


def item_history(state: BoardState, events: list[Committed], kind: str, item_id: str) -> list[Activity]:
    """The item's activity, newest first, from the events given (any that touched it)."""
    lines = []
    for event in events:
        for change in event.changes:
            if change.kind == kind and change.id == item_id:
                lines.append(
                    Activity(
                        seq=event.seq,
                        at=event.at,
                        who=event.actor.name,
                        role=event.actor.role.value,
                        text=describe(state, event, change),
                        op_type=event.op.type,
                    )
                )
    return sorted(lines, key=lambda a: a.seq, reverse=True)


@dataclass(frozen=True)
class Landmark:
    """A moment people remember on the timeline: an agenda item starting, the baseline, the lock.
    An agenda item whose time has not come has no ``seq`` (shown, with nothing to show yet)."""

    seq: int | None
    at: float | None
    label: str
    day: int | None = None
    agenda_id: str | None = None

    @property
    def reached(self) -> bool:
        return self.seq is not None


# The events that make a landmark, for a reader to fetch only those.
LANDMARK_OPS = ("board.create", "timer.start", "timer.advance", "baseline.take", "plan.lock", "vote.reveal")


def landmarks(state: BoardState, events: list[Committed]) -> list[Landmark]:
    """The landmarks among ``events`` (any; others are passed over), in seq order. Agenda items are
    named as they are now, and only where the event moved the agenda on (not a restart)."""
    found: list[Landmark] = []
    for event in sorted(events, key=lambda e: e.seq):
        if event.op.type == "board.create":
            found.append(Landmark(event.seq, event.at, "Board created"))
        elif event.op.type in ("timer.start", "timer.advance"):
            meta = next((c for c in event.changes if c.kind == "meta"), None)
            agenda_id = (meta.after or {}).get("current_agenda_item") if meta else None
            if meta is None or (meta.before or {}).get("current_agenda_item") == agenda_id:
                continue
            item = state.items["agenda"].get(str(agenda_id))
            title = getattr(item, "title", "") or "an agenda item since deleted"
            day = getattr(item, "day", None)
            found.append(Landmark(event.seq, event.at, title, day, str(agenda_id)))
        elif event.op.type == "baseline.take":
            found.append(Landmark(event.seq, event.at, "Baseline taken"))
        elif event.op.type == "plan.lock":
            found.append(Landmark(event.seq, event.at, "Plan locked for the final review"))
        elif event.op.type == "vote.reveal":
            found.append(Landmark(event.seq, event.at, "Confidence vote revealed"))
    return found


@dataclass(frozen=True)
class AgendaTimes:
    """What places the agenda on the timeline: each item's planned start (epoch seconds; None when
    the event's date is not set), the time now, and the board's first event at or after a moment (its
    seq, or None when there is none yet)."""

    planned: Mapping[str, float | None]
    now: float
    first_event_from: Callable[[float], int | None]


def agenda_landmarks(state: BoardState, ran: Sequence[Landmark], times: AgendaTimes) -> list[Landmark]:
    """Every item of the agenda (both days) as a landmark, in agenda order: where the timer first
    moved the agenda on to it (``ran``, from :func:`landmarks`), else at the first event at or after
    its planned start (the board as it was then; the newest board when nothing happened since).
    An item whose planned start is still to come, or unknown (no event date set), has no moment yet."""
    timer: dict[str, Landmark] = {}
    for mark in ran:
        if mark.agenda_id is not None:
            timer.setdefault(mark.agenda_id, mark)
    marks = []
    for item in state.agenda:
        if item.id in timer:
            marks.append(timer[item.id])
            continue
        starts = times.planned.get(item.id)
        seq = None
        if starts is not None and starts <= times.now:
            seq = times.first_event_from(starts)
            seq = state.seq if seq is None else seq
        marks.append(Landmark(seq, starts, item.title, item.day, item.id))
    return marks


def timeline_landmarks(state: BoardState, events: list[Committed], times: AgendaTimes) -> list[Landmark]:
    """The timeline's landmarks: the events' (:func:`landmarks`) with every agenda item placed by
    :func:`agenda_landmarks`; those reached in seq order, then those still to come in agenda order."""
    found = landmarks(state, events)
    on_agenda = {item.id for item in state.agenda}
    others = [m for m in found if m.agenda_id not in on_agenda]  # an item since deleted stays
    agenda = agenda_landmarks(state, found, times)
    return sorted(others + agenda, key=lambda m: (m.seq is None, m.seq or 0))  # stable: ties keep order
