"""The one edit path: every change to every board, from every door, goes through :class:`OpPath`.

validate (done by the door) → authorise and apply (``board.apply_op``) → one database
transaction that writes the changed item rows and appends one ``event`` row per op with
the next gapless per-board ``seq`` → after commit, listeners (the live hub) are told.
The ops of a transaction are applied in memory first; its rows are then written in a few bulk
statements (each item row once, as it is at the end), so a 2,000-op import costs a handful of
statements, not thousands.

Writers of one board are serialised by the board row itself: the transaction starts by locking
it (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite ``BEGIN IMMEDIATE`` takes the write lock)
and ends by setting ``board.seq`` to its last event's. A refused op rolls back, so ``seq`` has no gaps.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, text, update

from board import Actor, BoardState, Op, apply_op
from board.core import Committed
from board.errors import NotFound, PiboardError
from board.events import to_row
from board.ops import FIELDS, Context
from board.tracker import SyncTerms
from server.errors import RateLimited
from server.store.board_store import BOARD, EVENT, ITEM, BoardStore, snapshot_due
from server.store.db import utcnow
from server.store.trackers import sync_terms

NOTIFY_CHANNEL = "piboard_events"


@dataclass(frozen=True)
class SharedRate:
    """At most ``burst`` accepted edits per participant in any ``burst / rate`` seconds, on every process
    together: counted from the participant's newest events, under the board's row lock."""

    rate: float
    burst: int

    def check(self, conn: Connection, board_id: str, actor_id: str, now: float) -> None:
        oldest_of_burst = conn.execute(
            select(EVENT.c.at)
            .where(EVENT.c.board_id == board_id, EVENT.c.actor_id == actor_id)
            .order_by(EVENT.c.seq.desc())
            .offset(self.burst - 1)
            .limit(1)
        ).scalar_one_or_none()
        if oldest_of_burst is not None and oldest_of_burst.timestamp() > now - self.burst / self.rate:
            raise RateLimited(f"too many edits: at most {self.rate:g} per second; slow down and retry")


# An item row, named by bound parameters (for the executemany of a batch's updates and deletes).
_ITEM_KEY = (
    ITEM.c.board_id == bindparam("key_board_id"),
    ITEM.c.kind == bindparam("key_kind"),
    ITEM.c.item_id == bindparam("key_item_id"),
)

# client_op_ids looked up per query for a batch's resends (well under every database's bound-parameter limit).
_IDS_PER_QUERY = 500

# The statements every edit runs, built once with bound parameters: building one (its clauses and its
# cache key) took 70 µs of the 95 µs a statement cost, and an edit runs six of them before its screens
# hear of it (bench/README.md).
_LOCKED_SEQ = select(BOARD.c.seq).where(BOARD.c.id == bindparam("board_id")).with_for_update()
_RESENT = select(EVENT.c.client_op_id, EVENT.c.seq).where(
    # Scoped to the sender: another participant cannot pre-claim someone's next id.
    EVENT.c.board_id == bindparam("board_id"),
    EVENT.c.actor_id == bindparam("actor_id"),
    EVENT.c.client_op_id.in_(bindparam("ids", expanding=True)),
)
_DELETE_ITEMS = delete(ITEM).where(*_ITEM_KEY)
_UPDATE_ITEMS = (
    update(ITEM).where(*_ITEM_KEY).values(version=bindparam("new_version"), data=bindparam("new_data"))
)
_INSERT_ITEMS = insert(ITEM)
_INSERT_EVENTS = insert(EVENT)
_SET_SEQ = update(BOARD).where(BOARD.c.id == bindparam("board_id")).values(seq=bindparam("new_seq"))
_NOTIFY = text("SELECT pg_notify(:ch, :payload)")


def new_id() -> str:
    return secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")


class BatchRefused(PiboardError):
    """One op of a batch was refused; none of the batch was applied."""

    code = "batch_refused"

    def __init__(self, index: int, cause: PiboardError) -> None:
        super().__init__(f"op {index + 1} was refused: {cause.reason}", index=index, cause=cause.code)
        self.index = index
        self.cause = cause


@dataclass
class _Batch:
    """The events of one transaction, applied in memory, and the rows they will write."""

    board_id: str
    seq: int  # the newest seq: the board's before the batch, then its last event's
    new_board: bool
    results: list[Committed] = field(default_factory=list)
    events: list[Committed] = field(default_factory=list)
    # (kind, id) -> the item as it was before the batch and as it is after it (None: no row).
    items: dict[tuple[str, str], tuple[dict[str, Any] | None, dict[str, Any] | None]] = field(
        default_factory=dict
    )
    _by_client_op_id: dict[tuple[str, str], Committed] = field(default_factory=dict)
    # The board at the last snapshot moment this batch reached, to store once it has committed.
    snapshot: BoardState | None = None
    # The board's terms with its tracker, read under the board's row lock (None: not synced).
    sync: SyncTerms | None = None

    def applied(self, op: Op, actor: Actor) -> Committed | None:
        """The event of this batch that already applied ``op`` (a resend within one batch)."""
        event = self._by_client_op_id.get((actor.id, op.client_op_id))
        return None if event is None else replace(event, changes=[], duplicate=True)

    def event(self, seq: int) -> Committed | None:
        """The event ``seq`` if this batch made it (its events follow one another)."""
        if not self.events or not self.events[0].seq <= seq <= self.seq:
            return None
        return self.events[seq - self.events[0].seq]

    def add(self, event: Committed) -> None:
        self.seq = event.seq
        self.events.append(event)
        self.results.append(event)
        self._by_client_op_id[(event.actor.id, event.client_op_id)] = event
        for ch in event.changes:
            first = self.items.get((ch.kind, ch.id), (ch.before, None))[0]
            self.items[(ch.kind, ch.id)] = (first, ch.after)

    def item_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """Rows to insert, update and delete to bring the item table to the batch's end."""
        inserts, updates, deletes = [], [], []
        for (kind, item_id), (before, after) in self.items.items():
            key = {"key_board_id": self.board_id, "key_kind": kind, "key_item_id": item_id}
            if after is None:
                if before is not None:
                    deletes.append(key)
            elif before is None:
                inserts.append(
                    {
                        "board_id": self.board_id,
                        "kind": kind,
                        "item_id": item_id,
                        "version": after["version"],
                        "data": after,
                    }
                )
            else:
                updates.append({**key, "new_version": after["version"], "new_data": after})
        return inserts, updates, deletes


CommitListener = Callable[[str, list[Committed]], None]
# Builds more ops from a board just created, applied in the same transaction (see OpPath.create_board).
FollowUp = Callable[[BoardState], list[Op]]


class OpPath(BoardStore):
    """The writer: a :class:`BoardStore` that also applies ops and appends their events."""

    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(engine)
        self.clock = clock
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._listeners: list[CommitListener] = []
        # Several processes (PostgreSQL): a participant's edits are also limited across all of them.
        self.shared_rate: SharedRate | None = None
        # (board, "<board>/<team>") -> the words naming a team of another train of the board's solution,
        # or None: what an op asking another train checks (server/store/cross_train.py sets it).
        self.other_trains: Callable[[str, str], str | None] | None = None

    # --- writing ------------------------------------------------------------------------------

    def on_commit(self, listener: CommitListener) -> None:
        self._listeners.append(listener)

    def create_board(
        self,
        name: str,
        creator: Actor,
        args: dict[str, Any] | None = None,
        *,
        then: FollowUp | None = None,
        board_id: str | None = None,
    ) -> str:
        """Create a board: its ``board.create`` event and, in the same transaction, the ops that ``then``
        builds from the new board (the demo's plan, an imported file). All of it is stored, or nothing.
        A given ``board_id`` that exists already raises SQLAlchemy's ``IntegrityError``."""
        board_id = board_id or new_id()
        # The board's row, named, is written before its first op is checked: a name the op refuses
        # writes nothing (and a NUL would fail PostgreSQL's insert, not refuse).
        FIELDS["meta"]["name"].clean("name", name)
        first = Op("board.create", args={"name": name, **(args or {})}, client_op_id=f"create-{board_id}")
        self._submit(board_id, [first], creator, create_name=name, then=then)
        return board_id

    def submit(self, board_id: str, op: Op, actor: Actor) -> Committed:
        """Apply one op. Raises a ``Refused`` (nothing changed) or returns its committed event."""
        return self._submit(board_id, [op], actor, limited=True)[0]

    def submit_batch(self, board_id: str, ops: list[Op], actor: Actor) -> list[Committed]:
        """Apply ops in order in one transaction: all are committed, or none (imports, the demo)."""
        return self._submit(board_id, ops, actor)

    def _submit(
        self,
        board_id: str,
        ops: list[Op],
        actor: Actor,
        *,
        create_name: str | None = None,
        then: FollowUp | None = None,
        limited: bool = False,
    ) -> list[Committed]:
        with self._board_lock(board_id):
            # Ops apply to a copy-on-write snapshot: a refusal or a failed commit leaves the cache as it was.
            batch, state = self._write(board_id, ops, actor, create_name, then, limited)
            if state is not None:
                # Kept as a snapshot: the cache is read by everyone, so no writer holds its dicts.
                self._remember(state.snapshot())
        # Committed: its snapshots are stored in the background (the edit never waits for them).
        if batch.snapshot is not None:
            self._keep_snapshot(batch.snapshot, stored=False)
        committed = batch.results
        fresh = [c for c in committed if not c.duplicate]
        if fresh:
            for listener in self._listeners:
                listener(board_id, fresh)
        return committed

    def _write(
        self,
        board_id: str,
        ops: list[Op],
        actor: Actor,
        create_name: str | None,
        then: FollowUp | None,
        limited: bool = False,
    ) -> tuple[_Batch, BoardState | None]:
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            if create_name is not None:
                conn.execute(
                    insert(BOARD).values(id=board_id, name=create_name[:120], seq=0, created_at=utcnow())
                )
            # Lock the board row before looking for duplicates: on PostgreSQL another process may be
            # committing the same client_op_id (a resend) right now; the lock makes us see its event.
            seq = conn.execute(_LOCKED_SEQ, {"board_id": board_id}).scalar_one_or_none()
            if seq is None:
                raise NotFound(f"no board '{board_id}'")
            batch = _Batch(board_id, seq, new_board=create_name is not None)
            resent = self._applied_before(conn, batch, ops, actor)
            if limited and self.shared_rate is not None and ops[0].client_op_id not in resent:
                self.shared_rate.check(conn, board_id, actor.id, self.clock())
            batch.sync = sync_terms(conn, board_id)
            working = self._apply(conn, batch, ops, actor, None, resent)
            if then is not None and working is not None:
                working = self._apply(conn, batch, then(working.snapshot()), actor, working, {})
            if batch.events:
                self._write_rows(conn, batch)
        return batch, working

    def _apply(
        self,
        conn: Connection,
        batch: _Batch,
        ops: list[Op],
        actor: Actor,
        working: BoardState | None,
        resent: dict[str, int],
    ) -> BoardState | None:
        for index, op in enumerate(ops):
            if not op.client_op_id:
                op = Op(op.type, op.target, op.base_version, op.args, client_op_id=f"srv-{new_id()}")
            seen = batch.applied(op, actor)
            if seen is None and op.client_op_id in resent:
                seen = Committed(
                    batch.board_id, resent[op.client_op_id], op.client_op_id, op, [], actor, self.clock(),
                    duplicate=True,
                )  # fmt: skip
            if seen is not None:
                batch.results.append(seen)
                continue
            seq = batch.seq + 1
            if working is None:
                working = self._current(conn, batch.board_id, batch.seq)
            now = self.clock()
            try:
                context = Context(
                    now,
                    new_id,
                    seq,
                    history=lambda n: self._history(conn, batch, n),
                    sync=batch.sync,
                    other_trains=self._other_trains(batch.board_id),
                )
                changes = apply_op(working, op, actor, context)
            except PiboardError as refusal:
                if len(ops) > 1:
                    raise BatchRefused(index, refusal) from refusal
                raise
            working.seq = seq
            batch.add(Committed(batch.board_id, seq, op.client_op_id, op, changes, actor, now))
            if snapshot_due(seq):
                # Only the batch's last moment is kept (a big import reaches dozens): each is
                # encoded whole, beside people's edits; a history page fills in the rest.
                batch.snapshot = working.snapshot()
        return working

    def _other_trains(self, board_id: str) -> Callable[[str], str | None] | None:
        find = self.other_trains
        return None if find is None else lambda ref: find(board_id, ref)

    def _history(self, conn: Connection, batch: _Batch, seq: int) -> Committed | None:
        """An earlier event (an undo names one): of this batch, not written yet, or from the table."""
        return batch.event(seq) or self._event(conn, batch.board_id, seq)

    def _applied_before(self, conn: Connection, batch: _Batch, ops: list[Op], actor: Actor) -> dict[str, int]:
        """The events of earlier transactions that already applied some of ``ops`` (resends), by
        client_op_id: a few queries for a batch of thousands, not one per op."""
        if batch.new_board:  # a board made in this transaction has no earlier events
            return {}
        ids = sorted({op.client_op_id for op in ops if op.client_op_id})
        found: dict[str, int] = {}
        for start in range(0, len(ids), _IDS_PER_QUERY):
            wanted = {
                "board_id": batch.board_id,
                "actor_id": actor.id,
                "ids": ids[start : start + _IDS_PER_QUERY],
            }
            found.update({row.client_op_id: row.seq for row in conn.execute(_RESENT, wanted)})
        return found

    def _write_rows(self, conn: Connection, batch: _Batch) -> None:
        """The batch's rows in a few statements (executemany), whatever its size: each item row once,
        as it is after the batch, then the events, then the board's seq."""
        inserts, updates, deletes = batch.item_rows()
        if deletes:
            conn.execute(_DELETE_ITEMS, deletes)
        if updates:
            conn.execute(_UPDATE_ITEMS, updates)
        if inserts:
            conn.execute(_INSERT_ITEMS, inserts)
        conn.execute(_INSERT_EVENTS, [to_row(event) for event in batch.events])
        conn.execute(_SET_SEQ, {"board_id": batch.board_id, "new_seq": batch.seq})
        if self._postgres:
            # Delivered to every listening process when (and only if) this transaction commits; the
            # newest seq is enough: a hub broadcasts every event up to the seq it is told of.
            conn.execute(_NOTIFY, {"ch": NOTIFY_CHANNEL, "payload": f"{batch.board_id}:{batch.seq}"})

    def _board_lock(self, board_id: str) -> threading.Lock:
        with self._locks_guard:
            lock = self._locks.get(board_id)
            if lock is None:
                lock = self._locks[board_id] = threading.Lock()
            return lock
