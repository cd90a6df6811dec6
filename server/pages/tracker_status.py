"""Where a board stands with its tracker, as every page that shows execution says it in one line:
"Jira · last synced 2 min ago", "… (Jira unreachable)", "Jira · sync paused: <why>".

The doors read the connection (``server.store`` is below the doors, not below the pages) and hand it
here; :func:`sync_line` is the one place the words are chosen, for the team page, the program board,
the big screen, the ART sync view and Admin alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

PAUSED_PREFIX = "paused: "


class SyncStanding(Protocol):
    """What the line needs of a connection (``server.store.trackers.TrackerStatus`` has it)."""

    @property
    def product_name(self) -> str: ...

    @property
    def state(self) -> str: ...

    @property
    def message(self) -> str: ...

    @property
    def reachable(self) -> bool: ...

    @property
    def last_synced_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class SyncLine:
    product: str  # as the board names the tracker: "Jira", "Azure DevOps"
    paused: bool
    reachable: bool
    synced_at: datetime | None
    ago: str  # "just now", "2 min ago", "not yet"
    reason: str  # why the sync is paused ("" while it runs)


def sync_line(status: SyncStanding | None, now: datetime) -> SyncLine | None:
    """The line for a board's connection, or None when there is nothing to say: no tracker, or one
    connected but whose first sync is not applied yet (the board does not follow it yet)."""
    if status is None or status.state not in ("syncing", "paused"):
        return None
    synced = _aware(status.last_synced_at)
    paused = status.state == "paused"
    return SyncLine(
        product=status.product_name,
        paused=paused,
        reachable=status.reachable,
        synced_at=synced,
        ago=ago(synced, now),
        reason=status.message.removeprefix(PAUSED_PREFIX) if paused else "",
    )


def ago(moment: datetime | None, now: datetime) -> str:
    """How long ago ``moment`` was, as people say it at a glance."""
    if moment is None:
        return "not yet"
    seconds = max((now - moment).total_seconds(), 0)
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h ago"
    return f"{hours // 24} days ago"


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite gives back the UTC moments it was given without their zone.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
