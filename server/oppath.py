"""The one edit path: every change to every board, from every door, goes through :class:`OpPath`.

validate (done by the door) → authorise and apply (``board.apply_op``) → one database
transaction that writes the changed item rows and appends one ``event`` row per op with
the next gapless per-board ``seq`` → after commit, listeners (the live hub) are told.

Writers of one board are serialised by the board row itself: the transaction starts by
bumping ``board.seq`` (``UPDATE … RETURNING``), which takes the row lock on PostgreSQL and
the write lock on SQLite (``BEGIN IMMEDIATE``). A refused op rolls back, so ``seq`` has no gaps.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, text, update

from board import Actor, BoardState, Op, apply_op
from board.errors import NotFound, PiboardError
from board.model import item_from_dict
from board.ops import Change, Context
from server.db import BoardRow, EventRow, ItemRow

BOARD = BoardRow.__table__  # type: ignore[attr-defined]
ITEM = ItemRow.__table__  # type: ignore[attr-defined]
EVENT = EventRow.__table__  # type: ignore[attr-defined]

NOTIFY_CHANNEL = "piboard_events"
# A cached board this many events behind the table is brought forward from the events, not re-read.
CATCH_UP_EVENTS = 200
MAX_SEQ = 2**31 - 1  # the event.seq column is a 32-bit integer


def new_id() -> str:
    return secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")


@dataclass(frozen=True)
class Committed:
    """What an accepted op became: its place in the board's history."""

    board_id: str
    seq: int
    client_op_id: str
    op: Op
    changes: list[Change]
    actor: Actor
    at: float
    duplicate: bool = False


class BatchRefused(PiboardError):
    """One op of a batch was refused; none of the batch was applied."""

    code = "batch_refused"

    def __init__(self, index: int, cause: PiboardError) -> None:
        super().__init__(f"op {index + 1} was refused: {cause.reason}", index=index, cause=cause.code)
        self.index = index
        self.cause = cause


CommitListener = Callable[[str, list[Committed]], None]
# Builds more ops from a board just created, applied in the same transaction (see OpPath.create_board).
FollowUp = Callable[[BoardState], list[Op]]


class OpPath:
    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock
        self._cache: dict[str, BoardState] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._listeners: list[CommitListener] = []
        self._postgres = engine.dialect.name == "postgresql"
        self._snapshot: dict[str, Any] = {"isolation_level": "REPEATABLE READ"} if self._postgres else {}

    # --- reading ------------------------------------------------------------------------------

    def state(self, board_id: str) -> BoardState:
        """The board as of its newest committed event. Treat it as read-only."""
        cached = self._cache.get(board_id)
        # One snapshot for the seq and the rows (PostgreSQL's default would let a commit land in between).
        with self.engine.connect().execution_options(**self._snapshot) as conn:
            seq = conn.execute(select(BOARD.c.seq).where(BOARD.c.id == board_id)).scalar_one_or_none()
            if seq is None:
                raise NotFound(f"no board '{board_id}'")
            if cached is not None and cached.seq == seq:
                return cached
            state = self._advance(conn, cached, seq) or self._load(conn, board_id, seq)
        self._cache[board_id] = state
        return state

    def _advance(self, conn: Connection, cached: BoardState | None, seq: int) -> BoardState | None:
        """The cached board brought to ``seq`` by the events other processes committed since, or None
        when it is too far behind (then the rows are read whole). Reading only the delta keeps each
        op of a busy multi-process board from re-reading the whole board under its row lock."""
        if cached is None or not 0 < seq - cached.seq <= CATCH_UP_EVENTS:
            return None
        rows = conn.execute(
            select(EVENT.c.seq, EVENT.c.changes)
            .where(EVENT.c.board_id == cached.board_id, EVENT.c.seq > cached.seq, EVENT.c.seq <= seq)
            .order_by(EVENT.c.seq)
        ).all()
        if [r.seq for r in rows] != list(range(cached.seq + 1, seq + 1)):
            return None
        state = cached.snapshot()
        copied: set[str] = set()
        for row in rows:
            for change in row.changes:
                kind = change["kind"]
                if kind not in copied:  # a snapshot shares the per-kind dicts: copy before writing
                    state.items[kind] = dict(state.items.get(kind, {}))
                    copied.add(kind)
                if change["after"] is None:
                    state.items[kind].pop(change["id"], None)
                else:
                    state.items[kind][change["id"]] = item_from_dict(kind, change["after"])
        state.seq = seq
        return state

    def _load(self, conn: Connection, board_id: str, seq: int) -> BoardState:
        state = BoardState(board_id, seq)
        rows = conn.execute(select(ITEM.c.kind, ITEM.c.data).where(ITEM.c.board_id == board_id))
        for kind, data in rows:
            item = item_from_dict(kind, data)
            state.items[kind][item.id] = item
        return state

    def events_since(self, board_id: str, since: int, limit: int = 500) -> list[dict[str, Any]]:
        if since >= MAX_SEQ:  # no such event; PostgreSQL would refuse the number (seq is a 32-bit integer)
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(EVENT)
                .where(EVENT.c.board_id == board_id, EVENT.c.seq > since)
                .order_by(EVENT.c.seq)
                .limit(limit)
            ).mappings()
            return [dict(r) for r in rows]

    def state_at(self, board_id: str, seq: int) -> BoardState:
        """The board as it was right after event ``seq``, replayed from the event table (the baseline)."""
        state = BoardState(board_id, 0)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(EVENT.c.seq, EVENT.c.changes)
                .where(EVENT.c.board_id == board_id, EVENT.c.seq <= seq)
                .order_by(EVENT.c.seq)
            )
            for event_seq, changes in rows:
                for change in changes:
                    by_id = state.items[change["kind"]]
                    if change["after"] is None:
                        by_id.pop(change["id"], None)
                    else:
                        by_id[change["id"]] = item_from_dict(change["kind"], change["after"])
                state.seq = event_seq
        if state.seq == 0:
            raise NotFound(f"board '{board_id}' has no event {seq}")
        return state

    def boards(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(BOARD).order_by(BOARD.c.created_at)).mappings()
            return [dict(r) for r in rows]

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
        first = Op("board.create", args={"name": name, **(args or {})}, client_op_id=f"create-{board_id}")
        self._submit(board_id, [first], creator, create_name=name, then=then)
        return board_id

    def submit(self, board_id: str, op: Op, actor: Actor) -> Committed:
        """Apply one op. Raises a ``Refused`` (nothing changed) or returns its committed event."""
        return self._submit(board_id, [op], actor)[0]

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
    ) -> list[Committed]:
        with self._board_lock(board_id):
            # Ops apply to a copy-on-write snapshot: a refusal or a failed commit leaves the cache as it was.
            committed, state = self._write(board_id, ops, actor, create_name, then)
            if state is not None:
                self._cache[board_id] = state
        fresh = [c for c in committed if not c.duplicate]
        if fresh:
            for listener in self._listeners:
                listener(board_id, fresh)
        return committed

    def _write(
        self, board_id: str, ops: list[Op], actor: Actor, create_name: str | None, then: FollowUp | None
    ) -> tuple[list[Committed], BoardState | None]:
        results: list[Committed] = []
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            if create_name is not None:
                conn.execute(
                    insert(BOARD).values(id=board_id, name=create_name[:120], seq=0, created_at=_now_dt())
                )
            # Lock the board row before looking for duplicates: on PostgreSQL another process may be
            # committing the same client_op_id (a resend) right now; the lock makes us see its event.
            conn.execute(select(BOARD.c.seq).where(BOARD.c.id == board_id).with_for_update())
            working = self._apply(conn, board_id, ops, actor, None, results)
            if then is not None and working is not None:
                working = self._apply(conn, board_id, then(working.snapshot()), actor, working, results)
        return results, working

    def _apply(
        self,
        conn: Connection,
        board_id: str,
        ops: list[Op],
        actor: Actor,
        working: BoardState | None,
        results: list[Committed],
    ) -> BoardState | None:
        for index, op in enumerate(ops):
            if not op.client_op_id:
                op = Op(op.type, op.target, op.base_version, op.args, client_op_id=f"srv-{new_id()}")
            seen = self._already_applied(conn, board_id, op, actor)
            if seen is not None:
                results.append(seen)
                continue
            seq = conn.execute(
                update(BOARD).where(BOARD.c.id == board_id).values(seq=BOARD.c.seq + 1).returning(BOARD.c.seq)
            ).scalar_one_or_none()
            if seq is None:
                raise NotFound(f"no board '{board_id}'")
            if working is None:
                working = self._working_state(conn, board_id, seq - 1)
            now = self.clock()
            try:
                changes = apply_op(working, op, actor, Context(now=now, new_id=new_id, seq=seq))
            except PiboardError as refusal:
                if len(ops) > 1:
                    raise BatchRefused(index, refusal) from refusal
                raise
            working.seq = seq
            self._write_rows(conn, board_id, seq, op, changes, actor, now)
            results.append(Committed(board_id, seq, op.client_op_id, op, changes, actor, now))
        return working

    def _working_state(self, conn: Connection, board_id: str, seq: int) -> BoardState:
        cached = self._cache.get(board_id)
        if cached is not None and cached.seq == seq:
            return cached.snapshot()
        # Another process wrote since we last looked (or first use): catch up under the lock.
        return self._advance(conn, cached, seq) or self._load(conn, board_id, seq)

    def _already_applied(self, conn: Connection, board_id: str, op: Op, actor: Actor) -> Committed | None:
        row = conn.execute(
            select(EVENT.c.seq, EVENT.c.actor).where(
                EVENT.c.board_id == board_id, EVENT.c.client_op_id == op.client_op_id
            )
        ).first()
        if row is None:
            return None
        return Committed(board_id, row.seq, op.client_op_id, op, [], actor, self.clock(), duplicate=True)

    def _write_rows(
        self,
        conn: Connection,
        board_id: str,
        seq: int,
        op: Op,
        changes: Iterable[Change],
        actor: Actor,
        now: float,
    ) -> None:
        change_list = list(changes)
        for ch in change_list:
            key = (ITEM.c.board_id == board_id, ITEM.c.kind == ch.kind, ITEM.c.item_id == ch.id)
            if ch.after is None:
                conn.execute(delete(ITEM).where(*key))
            elif ch.before is None:
                conn.execute(
                    insert(ITEM).values(
                        board_id=board_id,
                        kind=ch.kind,
                        item_id=ch.id,
                        version=ch.after["version"],
                        data=ch.after,
                    )
                )
            else:
                conn.execute(update(ITEM).where(*key).values(version=ch.after["version"], data=ch.after))
        conn.execute(
            insert(EVENT).values(
                board_id=board_id,
                seq=seq,
                op_type=op.type,
                client_op_id=op.client_op_id,
                op={
                    "type": op.type,
                    "target": op.target,
                    "base_version": op.base_version,
                    "args": op.args,
                    "client_op_id": op.client_op_id,
                },
                changes=[
                    {"kind": c.kind, "id": c.id, "before": c.before, "after": c.after} for c in change_list
                ],
                actor={
                    "id": actor.id,
                    "name": actor.name,
                    "role": actor.role.value,
                    "team_id": actor.team_id,
                },
                at=_now_dt(now),
            )
        )
        if self._postgres:
            # Delivered to every listening process when (and only if) this transaction commits.
            conn.execute(
                text("SELECT pg_notify(:ch, :payload)"),
                {"ch": NOTIFY_CHANNEL, "payload": f"{board_id}:{seq}"},
            )

    def _board_lock(self, board_id: str) -> threading.Lock:
        with self._locks_guard:
            lock = self._locks.get(board_id)
            if lock is None:
                lock = self._locks[board_id] = threading.Lock()
            return lock

    def forget(self, board_id: str) -> None:
        """Drop the cached state (another process changed the board; it is reloaded on next read)."""
        self._cache.pop(board_id, None)


def _now_dt(ts: float | None = None) -> datetime:
    return datetime.fromtimestamp(ts if ts is not None else time.time(), UTC)
