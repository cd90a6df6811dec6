"""The reading side of the op path: a board as of now or as of any earlier event, and its events.

:class:`BoardStore` keeps the newest state of each board in memory and brings it forward from the
events other processes committed (or re-reads the item rows when it is far behind). ``state_at``
rebuilds the past with ``board.events.replay`` from the nearest known state, forward or backward,
and keeps a snapshot every ``SNAPSHOT_EVERY`` events so scrubbing a long history stays fast.
Event rows are decoded by ``board.events`` only. The writer (:class:`server.oppath.OpPath`) is a
store that can also write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, Text, cast, select

from board import BoardState
from board.errors import NotFound
from board.events import Committed, Direction, changes_from_row, from_row, replay
from board.model import Item, item_from_dict
from board.ops import Change
from server.db import BoardRow, EventRow, ItemRow
from server.row_problems import RowProblems

BOARD = BoardRow.__table__  # type: ignore[attr-defined]
ITEM = ItemRow.__table__  # type: ignore[attr-defined]
EVENT = EventRow.__table__  # type: ignore[attr-defined]

# A cached board this many events behind the table is brought forward from the events, not re-read.
CATCH_UP_EVENTS = 200
MAX_SEQ = 2**31 - 1  # the event.seq column is a 32-bit integer
# state_at keeps the board as of every this many events (met on the way) to start later replays from.
SNAPSHOT_EVERY = 200
# What decoding a stored item that no longer fits its kind raises.
UNDECODABLE = (KeyError, TypeError, ValueError, AttributeError)


class ChangeRow(NamedTuple):
    seq: int
    changes: list[dict[str, Any]]


class BoardStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cache: dict[str, BoardState] = {}
        self._snapshots: dict[str, dict[int, BoardState]] = {}
        self._postgres = engine.dialect.name == "postgresql"
        self._snapshot_options: dict[str, Any] = (
            {"isolation_level": "REPEATABLE READ"} if self._postgres else {}
        )
        # Rows written before text was checked are repaired or left out as they are read, and listed here.
        self.row_problems = RowProblems()

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
        return self._replay(cached, rows, Direction.FORWARD, seq)

    def _replay(
        self, state: BoardState, rows: Sequence[ChangeRow], direction: Direction, seq: int
    ) -> BoardState:
        """``replay`` of event rows; an item that no longer decodes is left out and reported, so one
        such row never stops a board from opening."""
        try:
            return replay(state, [c for r in rows for c in changes_from_row(r.changes)], direction, seq=seq)
        except UNDECODABLE:
            decodable = [c for r in rows for c in self._decodable(state.board_id, r)]
            return replay(state, decodable, direction, seq=seq)

    def _decodable(self, board_id: str, row: ChangeRow) -> list[Change]:
        return [
            Change(
                c.kind,
                c.id,
                c.before if self._decode(board_id, f"event {row.seq}", c.kind, c.before) else None,
                c.after if self._decode(board_id, f"event {row.seq}", c.kind, c.after) else None,
            )
            for c in changes_from_row(row.changes)
        ]

    def _decode(self, board_id: str, row: str, kind: str, data: dict[str, Any] | None) -> Item | None:
        if data is None:
            return None
        try:
            return item_from_dict(kind, data)
        except UNDECODABLE as exc:
            self.row_problems.report(
                board_id, row, f"could not be read ({exc!r}); it is left out of the board"
            )
            return None

    def _load(self, conn: Connection, board_id: str, seq: int) -> BoardState:
        state = BoardState(board_id, seq)
        rows = conn.execute(
            select(ITEM.c.kind, ITEM.c.item_id, ITEM.c.data).where(ITEM.c.board_id == board_id)
        )
        for kind, item_id, data in rows:
            label = f"item {kind}/{item_id}"
            item = self._decode(board_id, label, kind, self.row_problems.repair(board_id, label, data))
            if item is not None:
                state.items[kind][item.id] = item
        return state

    def _change_rows(self, conn: Connection, board_id: str, after: int, upto: int) -> list[ChangeRow]:
        """The ``changes`` of the events ``after < seq <= upto``, in order (broken text repaired)."""
        rows = conn.execute(
            select(EVENT.c.seq, EVENT.c.changes)
            .where(EVENT.c.board_id == board_id, EVENT.c.seq > after, EVENT.c.seq <= upto)
            .order_by(EVENT.c.seq)
        )
        return [
            ChangeRow(seq, self.row_problems.repair(board_id, f"event {seq}", changes))
            for seq, changes in rows
        ]

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
            rows = conn.execute(query).mappings()
            return [self._decoded(board_id, r) for r in rows]

    def _decoded(self, board_id: str, row: Any) -> Committed:
        """An event row, its broken text (if any) repaired, as the committed event."""
        return from_row(self.row_problems.repair(board_id, f"event {row['seq']}", dict(row)))

    def _event(self, conn: Connection, board_id: str, seq: int) -> Committed | None:
        if not 0 < seq <= MAX_SEQ:
            return None
        row = (
            conn.execute(select(EVENT).where(EVENT.c.board_id == board_id, EVENT.c.seq == seq))
            .mappings()
            .first()
        )
        return self._decoded(board_id, row) if row is not None else None

    def event(self, board_id: str, seq: int) -> Committed | None:
        """One event by its seq, or None."""
        with self.engine.connect() as conn:
            return self._event(conn, board_id, seq)

    def events_of_types(self, board_id: str, op_types: Sequence[str]) -> list[Committed]:
        """Every event of these op types, in seq order (the timeline's landmarks)."""
        query = (
            select(EVENT)
            .where(EVENT.c.board_id == board_id, EVENT.c.op_type.in_(list(op_types)))
            .order_by(EVENT.c.seq)
        )
        with self.engine.connect() as conn:
            return [self._decoded(board_id, r) for r in conn.execute(query).mappings()]

    def events_touching(self, board_id: str, item_id: str) -> list[Committed]:
        """Every event that changed the item ``item_id`` (any kind), in seq order. The text search
        only narrows the rows read; which change is the item's is decided on the decoded events."""
        query = (
            select(EVENT)
            .where(
                EVENT.c.board_id == board_id,
                cast(EVENT.c.changes, Text).contains(item_id, autoescape=True),
            )
            .order_by(EVENT.c.seq)
        )
        with self.engine.connect() as conn:
            events = [self._decoded(board_id, r) for r in conn.execute(query).mappings()]
        return [e for e in events if any(c.id == item_id for c in e.changes)]

    def state_at(self, board_id: str, seq: int) -> BoardState:
        """The board as it was right after event ``seq`` (the newest state for a later seq), replayed
        from the nearest state known: the start, a snapshot, or now (backward)."""
        now = self.state(board_id)
        if seq >= now.seq:
            return now
        if seq < 1:
            raise NotFound(f"board '{board_id}' has no event {seq}")
        snapshots = self._snapshots.setdefault(board_id, {})
        known = list(snapshots)  # a copy: another thread may be adding snapshots meanwhile
        below = max((s for s in known if s <= seq), default=0)
        above = min((s for s in known if s >= seq), default=now.seq)
        with self.engine.connect() as conn:
            if above - seq < seq - below:
                start, direction = snapshots.get(above, now), Direction.BACKWARD
                rows = self._change_rows(conn, board_id, seq, above)
            else:
                start, direction = snapshots.get(below) or BoardState(board_id, 0), Direction.FORWARD
                rows = self._change_rows(conn, board_id, below, seq)
        return self._replay_to(start, rows, direction, seq, snapshots)

    def keep_snapshots(self, board_id: str) -> None:
        """Replay the history not yet met once, forward, keeping its snapshots: done when a history
        page opens, so scrubbing its timeline never waits for a replay from the start."""
        now = self.state(board_id)
        snapshots = self._snapshots.setdefault(board_id, {})
        below = max(list(snapshots), default=0)
        if now.seq - below < SNAPSHOT_EVERY:
            return
        with self.engine.connect() as conn:
            rows = self._change_rows(conn, board_id, below, now.seq)
        start = snapshots.get(below) or BoardState(board_id, 0)
        self._replay_to(start, rows, Direction.FORWARD, now.seq, snapshots)

    def _replay_to(
        self,
        state: BoardState,
        rows: list[ChangeRow],
        direction: Direction,
        seq: int,
        snapshots: dict[int, BoardState],
    ) -> BoardState:
        """Replay ``rows`` (in seq order) onto ``state`` to reach ``seq``, block by block, keeping the
        board at every multiple of ``SNAPSHOT_EVERY`` met on the way as a snapshot for later replays."""
        forward = direction is Direction.FORWARD
        block: list[ChangeRow] = []
        for row in rows if forward else reversed(rows):
            block.append(row)
            reached = row.seq if forward else row.seq - 1
            if reached == seq or (reached > 0 and reached % SNAPSHOT_EVERY == 0):
                state = self._replay(state, block if forward else block[::-1], direction, reached)
                block = []
                if reached % SNAPSHOT_EVERY == 0:
                    snapshots[reached] = state
        return state

    def boards(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(BOARD).order_by(BOARD.c.created_at)).mappings()
            return [dict(r) for r in rows]
