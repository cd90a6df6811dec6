"""The audit trail: the whole event log, as JSON Lines and as CSV, secrets redacted as everywhere.

One JSON object per event (its public shape from ``board.events.public_event``), or one CSV row per
item an event changed, with what changed in words (``board.history.change_phrases``). Ballot values
are redacted by ``board.public`` before anything is written, here as on every other door.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from board.core import Change, Committed
from board.events import public_event
from board.history import change_phrases, item_label
from board.model import BoardState
from board.public import public_change
from server.transfer.csv_files import to_csv

AUDIT_HEADER = ["Seq", "At (UTC)", "Who", "Role", "Team", "Op", "Target", "Kind", "Item", "What changed"]


def audit_jsonl(state: BoardState, events: list[Committed]) -> bytes:
    """One line of JSON per event, oldest first."""
    lines = (json.dumps(public_event(state, e), ensure_ascii=False, separators=(",", ":")) for e in events)
    return "".join(line + "\n" for line in lines).encode("utf-8")


def audit_csv(state: BoardState, events: list[Committed]) -> bytes:
    """One row per item each event changed (one row for an event that changed nothing)."""
    rows = []
    for event in events:
        who = [
            event.seq,
            datetime.fromtimestamp(event.at, UTC).strftime("%Y-%m-%d %H:%M:%S"),
            event.actor.name,
            event.actor.role.value,
            event.actor.team_id,
            event.op.type,
            event.op.target,
        ]
        if not event.changes:
            rows.append([*who, "", "", ""])
        for raw in event.changes:
            shown = public_change(state, raw)
            change = Change(raw.kind, raw.id, shown["before"], shown["after"])
            label = item_label(change.kind, change.after or change.before)
            rows.append([*who, change.kind, label, "; ".join(change_phrases(state, change))])
    return to_csv(AUDIT_HEADER, rows)
