"""The reading side of the op path: a board as of now or as of any earlier event, and its events.

:class:`BoardStore` keeps the newest state of each board in memory and brings it forward from the
events other processes committed (or re-reads the item rows when it is far behind). ``state_at``
rebuilds the past with ``board.events.replay`` from the nearest known state, forward or backward,
and keeps a snapshot every ``SNAPSHOT_EVERY`` events so scrubbing a long history stays fast.
Event rows are decoded by ``board.events`` only. The writer (:class:`server.oppath.OpPath`) is a
store that can also write.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, select

from board import BoardState
from board.errors import NotFound
from board.events import Committed, Direction, changes_from_row, from_row, replay
from board.model import item_from_dict
from server.db import BoardRow, EventRow, ItemRow

BOARD = BoardRow.__table__  # type: ignore[attr-defined]
ITEM = ItemRow.__table__  # type: ignore[attr-defined]
EVENT = EventRow.__table__  # type: ignore[attr-defined]

# A cached board this many events behind the table is brought forward from the events, not re-read.
CATCH_UP_EVENTS = 200
MAX_SEQ = 2**31 - 1  # the event.seq column is a 32-bit integer
# state_at keeps the board as of every this many events (met on the way) to start later replays from.
SNAPSHOT_EVERY = 500


class BoardStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cache: dict[str, BoardState] = {}
        self._snapshots: dict[str, dict[int, BoardState]] = {}
        self._postgres = engine.dialect.name == "postgresql"
        self._snapshot_options: dict[str, Any] = (
            {"isolation_level": "REPEATABLE READ"} if self._postgres else {}
        )

    def state(self, board_id: str) -> BoardState:
        """The board as of its newest committed event. Treat it as read-only."""
        cached = self._cache.get(board_id)
        # One snapshot for the seq and the rows (PostgreSQL's default would let a commit land in between).
        with self.engine.connect().execution_options(**self._snapshot_options) as conn:
            seq = conn.execute(select(BOARD.c.seq).where(BOARD.c.id == board_id)).scalar_one_or_none()
            if seq is None:
                raise NotFound(f"no board '{board_id}'")
            if cached is not None and cached.seq == seq:
                return cached
            state = self._advance(conn, cached, seq) or self._load(conn, board_id, seq)
        self._cache[board_id] = state
        return state

    def _current(self, conn: Connection, board_id: str, seq: int) -> BoardState:
        """The board as of ``seq`` (its newest event, read under the writer's lock), as a private copy."""
        cached = self._cache.get(board_id)
        if cached is not None and cached.seq == seq:
            return cached.snapshot()
        # Another process wrote since we last looked (or first use): catch up.
        return self._advance(conn, cached, seq) or self._load(conn, board_id, seq)

    def _remember(self, state: BoardState) -> None:
        self._cache[state.board_id] = state

    def forget(self, board_id: str) -> None:
        """Drop the cached state (another process changed the board; it is reloaded on next read)."""
        self._cache.pop(board_id, None)

    def _advance(self, conn: Connection, cached: BoardState | None, seq: int) -> BoardState | None:
        """The cached board brought to ``seq`` by the events other processes committed since, or None
        when it is too far behind (then the rows are read whole). Reading only the delta keeps each
        op of a busy multi-process board from re-reading the whole board under its row lock."""
        if cached is None or not 0 < seq - cached.seq <= CATCH_UP_EVENTS:
            return None
        rows = self._change_rows(conn, cached.board_id, cached.seq, seq)
        if [r.seq for r in rows] != list(range(cached.seq + 1, seq + 1)):
            return None
        return replay(
            cached, [c for r in rows for c in changes_from_row(r.changes)], Direction.FORWARD, seq=seq
        )

    def _load(self, conn: Connection, board_id: str, seq: int) -> BoardState:
        state = BoardState(board_id, seq)
        rows = conn.execute(select(ITEM.c.kind, ITEM.c.data).where(ITEM.c.board_id == board_id))
        for kind, data in rows:
            item = item_from_dict(kind, data)
            state.items[kind][item.id] = item
        return state

    @staticmethod
    def _change_rows(conn: Connection, board_id: str, after: int, upto: int) -> list[Any]:
        """The ``changes`` of the events ``after < seq <= upto``, in order."""
        return list(
            conn.execute(
                select(EVENT.c.seq, EVENT.c.changes)
                .where(EVENT.c.board_id == board_id, EVENT.c.seq > after, EVENT.c.seq <= upto)
                .order_by(EVENT.c.seq)
            ).all()
        )

    def events_since(self, board_id: str, since: int, limit: int = 500) -> list[Committed]:
        """The events after ``since``, in ``seq`` order, at most ``limit`` of them."""
        if since >= MAX_SEQ:  # no such event; PostgreSQL would refuse the number (seq is a 32-bit integer)
            return []
        return self.events_between(board_id, since, MAX_SEQ, limit)

    def events_between(
        self, board_id: str, after: int, upto: int, limit: int | None = None
    ) -> list[Committed]:
        """The events ``after < seq <= upto``, in ``seq`` order (at most ``limit``)."""
        query = (
            select(EVENT)
            .where(EVENT.c.board_id == board_id, EVENT.c.seq > after, EVENT.c.seq <= min(upto, MAX_SEQ))
            .order_by(EVENT.c.seq)
        )
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [from_row(dict(r)) for r in conn.execute(query).mappings()]

    def state_at(self, board_id: str, seq: int) -> BoardState:
        """The board as it was right after event ``seq`` (the newest state for a later seq), replayed
        from the nearest state known: the start, a snapshot, or now (backward)."""
        now = self.state(board_id)
        if seq >= now.seq:
            return now
        if seq < 1:
            raise NotFound(f"board '{board_id}' has no event {seq}")
        snapshots = self._snapshots.setdefault(board_id, {})
        below = max((s for s in snapshots if s <= seq), default=0)
        above = min((s for s in snapshots if s >= seq), default=now.seq)
        start = snapshots.get(above, now)
        with self.engine.connect() as conn:
            if above - seq < seq - below:
                rows = self._change_rows(conn, board_id, seq, above)
                changes = [c for r in rows for c in changes_from_row(r.changes)]
                return replay(start, changes, Direction.BACKWARD, seq=seq)
            state = snapshots.get(below) or BoardState(board_id, 0)
            rows = self._change_rows(conn, board_id, below, seq)
        # Forward in blocks, keeping the board at every block's end as a snapshot for later replays.
        block: list[Any] = []
        for row in rows:
            block.extend(changes_from_row(row.changes))
            if row.seq % SNAPSHOT_EVERY == 0 or row.seq == seq:
                state = replay(state, block, Direction.FORWARD, seq=row.seq)
                block = []
                if row.seq % SNAPSHOT_EVERY == 0:
                    snapshots[row.seq] = state
        return state

    def boards(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(BOARD).order_by(BOARD.c.created_at)).mappings()
            return [dict(r) for r in rows]
