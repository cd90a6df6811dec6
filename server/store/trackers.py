"""A board's connection to its tracker, as stored: settings, the sealed token, where the sync stands.

Setting a connection is the RTE's act on Admin, not an op (no event): it is the board's integration,
like its alerts webhook. The token goes in sealed and comes out only as a :class:`Secret` for the
sync to call the tracker; :class:`TrackerStatus` is everything else, the shape every door shows.

With several server processes, each looks for boards due a poll; :meth:`TrackerStore.take_lease` is
one conditional UPDATE, so exactly one process holds a board's lease until it ends or runs out.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, or_, select, update

from board.tracker import SyncTerms
from server.store.db import TrackerConnectionRow, TrackerLogRow, utcnow
from server.store.sealed import Sealer, Secret

CONNECTION = TrackerConnectionRow.__table__  # type: ignore[attr-defined]
LOG = TrackerLogRow.__table__  # type: ignore[attr-defined]

# The products a board connects to, and the name the board shows for each (the sync's actor's name).
PRODUCTS: dict[str, str] = {
    "jira_cloud": "Jira",
    "jira_dc": "Jira",
    "azure": "Azure DevOps",
}
PRODUCT_LABELS: dict[str, str] = {
    "jira_cloud": "Jira Cloud",
    "jira_dc": "Jira Data Center / Server",
    "azure": "Azure DevOps Services / Server",
}
DEFAULT_INTERVAL_S = 60
MIN_INTERVAL_S = 10
MAX_INTERVAL_S = 3600
LOG_KEPT = 200


@dataclass(frozen=True)
class TrackerSettings:
    """What the RTE sets: no secret among them."""

    product: str
    url: str
    user: str
    scope: dict[str, Any]
    choices: list[str]
    interval_s: int = DEFAULT_INTERVAL_S
    write_back: bool = False

    @property
    def product_name(self) -> str:
        return PRODUCTS[self.product]


@dataclass(frozen=True)
class TrackerStatus:
    """A connection as every door shows it: its settings and where the sync stands, never a token."""

    board_id: str
    settings: TrackerSettings
    state: str  # new (connected, not applied yet), syncing, paused
    message: str
    cursor: datetime | None
    last_synced_at: datetime | None
    last_attempt_at: datetime | None
    reachable: bool
    poll_due_at: datetime | None
    reconcile: bool
    memory: dict[str, Any]

    @property
    def product_name(self) -> str:
        return self.settings.product_name

    @property
    def first_synced(self) -> bool:
        return self.state != "new"

    @property
    def terms(self) -> SyncTerms | None:
        """The ownership rule's terms once the first sync is applied (before it, nothing is linked)."""
        if not self.first_synced:
            return None
        return SyncTerms(self.product_name, self.settings.write_back)


@dataclass(frozen=True)
class Credentials:
    """What the sync needs to call the tracker: the token opened, and the webhook's secret."""

    token: Secret
    hook_secret: Secret


@dataclass(frozen=True)
class LogLine:
    at: datetime
    kind: str
    text: str


def _status(row: Any) -> TrackerStatus:
    return TrackerStatus(
        board_id=row.board_id,
        settings=TrackerSettings(
            product=row.product,
            url=row.url,
            user=row.user,
            scope=dict(row.scope),
            choices=list(row.choices),
            interval_s=row.interval_s,
            write_back=row.write_back,
        ),
        state=row.state,
        message=row.message,
        cursor=row.cursor,
        last_synced_at=row.last_synced_at,
        last_attempt_at=row.last_attempt_at,
        reachable=row.reachable,
        poll_due_at=row.poll_due_at,
        reconcile=row.reconcile,
        memory=dict(row.memory),
    )


# Read by every edit (server/store/op_path.py): built once, with its board as a bound parameter.
_TERMS = select(CONNECTION.c.product, CONNECTION.c.state, CONNECTION.c.write_back).where(
    CONNECTION.c.board_id == bindparam("board_id")
)


def sync_terms(conn: Connection, board_id: str) -> SyncTerms | None:
    """The board's terms with its tracker, read in the op's own transaction: None before the first
    sync is applied (nothing is linked yet) and for a board without a tracker."""
    row = conn.execute(_TERMS, {"board_id": board_id}).first()
    if row is None or row.state == "new":
        return None
    return SyncTerms(PRODUCTS[row.product], row.write_back)


class TrackerStore:
    def __init__(self, engine: Engine, sealer: Sealer) -> None:
        self.engine = engine
        self.sealer = sealer

    # --- the connection ----------------------------------------------------------------------

    def status(self, board_id: str) -> TrackerStatus | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(CONNECTION).where(CONNECTION.c.board_id == board_id)).first()
        return None if row is None else _status(row)

    def credentials(self, board_id: str) -> Credentials:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(CONNECTION.c.token, CONNECTION.c.hook_secret).where(CONNECTION.c.board_id == board_id)
            ).one()
        return Credentials(self.sealer.open(row.token), self.sealer.open(row.hook_secret))

    def connect(self, board_id: str, settings: TrackerSettings, token: Secret | None) -> TrackerStatus:
        """Store a new connection, or change one (``token`` None keeps the stored one). A change of
        product, place or scope starts again from a first sync; other changes keep where it stands."""
        values: dict[str, Any] = {
            "product": settings.product,
            "url": settings.url,
            "user": settings.user,
            "scope": settings.scope,
            "choices": settings.choices,
            "interval_s": settings.interval_s,
            "write_back": settings.write_back,
        }
        if token is not None:
            values["token"] = self.sealer.seal(token)
        before = self.status(board_id)
        with self.engine.begin() as conn:
            if before is None:
                if token is None:
                    raise ValueError("a new connection needs its token")
                hook_secret = Secret(secrets.token_urlsafe(24))
                conn.execute(
                    insert(CONNECTION).values(
                        board_id=board_id,
                        hook_secret=self.sealer.seal(hook_secret),
                        state="new",
                        message="",
                        reachable=True,
                        reconcile=False,
                        lease_owner="",
                        memory={},
                        created_at=utcnow(),
                        **values,
                    )
                )
            else:
                old = before.settings
                moved = (old.product, old.url, old.scope) != (settings.product, settings.url, settings.scope)
                if moved:
                    values.update(state="new", cursor=None, memory={}, message="", poll_due_at=None)
                elif token is not None and before.state == "paused":
                    values.update(state="syncing", message="", poll_due_at=None)
                conn.execute(update(CONNECTION).where(CONNECTION.c.board_id == board_id).values(**values))
        status = self.status(board_id)
        assert status is not None
        return status

    def disconnect(self, board_id: str) -> bool:
        with self.engine.begin() as conn:
            conn.execute(delete(LOG).where(LOG.c.board_id == board_id))
            return bool(conn.execute(delete(CONNECTION).where(CONNECTION.c.board_id == board_id)).rowcount)

    def update_state(self, board_id: str, **values: Any) -> None:
        """Where the sync stands (state, message, cursor, memory, times): the sync's own bookkeeping."""
        with self.engine.begin() as conn:
            conn.execute(update(CONNECTION).where(CONNECTION.c.board_id == board_id).values(**values))

    def poll_now(self, board_id: str, now: datetime, *, reconcile: bool = False) -> None:
        """Ask for a poll at once (a webhook came, the RTE pressed Sync now); ``reconcile`` also looks for
        issues gone from the scope (a delete event)."""
        values: dict[str, Any] = {"poll_due_at": now}
        if reconcile:
            values["reconcile"] = True
        with self.engine.begin() as conn:
            conn.execute(
                update(CONNECTION)
                .where(CONNECTION.c.board_id == board_id, CONNECTION.c.state == "syncing")
                .values(**values)
            )

    def due(self, now: datetime) -> list[str]:
        """Boards whose poll is due and whose lease is free (or run out)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(CONNECTION.c.board_id).where(
                    CONNECTION.c.state == "syncing",
                    or_(CONNECTION.c.poll_due_at.is_(None), CONNECTION.c.poll_due_at <= now),
                    or_(CONNECTION.c.lease_until.is_(None), CONNECTION.c.lease_until < now),
                )
            ).all()
        return [row.board_id for row in rows]

    # --- one poller at a time ----------------------------------------------------------------

    def take_lease(self, board_id: str, owner: str, now: datetime, seconds: float) -> bool:
        """Hold the board's poll until ``now + seconds`` unless another process holds it: one UPDATE
        whose condition is checked under the row's write lock, so two processes cannot both win."""
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(CONNECTION)
                .where(
                    CONNECTION.c.board_id == board_id,
                    or_(
                        CONNECTION.c.lease_owner == owner,
                        CONNECTION.c.lease_until.is_(None),
                        CONNECTION.c.lease_until < now,
                    ),
                )
                .values(lease_owner=owner, lease_until=now + timedelta(seconds=seconds))
            ).rowcount
        return bool(taken)

    def release_lease(self, board_id: str, owner: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(CONNECTION)
                .where(CONNECTION.c.board_id == board_id, CONNECTION.c.lease_owner == owner)
                .values(lease_owner="", lease_until=None)
            )

    # --- the log -------------------------------------------------------------------------------

    def log(self, board_id: str, kind: str, text: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(LOG).values(board_id=board_id, at=utcnow(), kind=kind, text=text[:500]))
            old = conn.execute(
                select(LOG.c.id)
                .where(LOG.c.board_id == board_id)
                .order_by(LOG.c.id.desc())
                .offset(LOG_KEPT)
                .limit(1)
            ).scalar_one_or_none()
            if old is not None:
                conn.execute(delete(LOG).where(LOG.c.board_id == board_id, LOG.c.id <= old))

    def log_lines(self, board_id: str, limit: int = 50) -> list[LogLine]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(LOG.c.at, LOG.c.kind, LOG.c.text)
                .where(LOG.c.board_id == board_id)
                .order_by(LOG.c.id.desc())
                .limit(limit)
            ).all()
        return [LogLine(row.at, row.kind, row.text) for row in rows]
