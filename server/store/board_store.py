"""The reading side of the op path: a board as of now or as of any earlier event, and its events.

:class:`BoardStore` keeps the newest state of each board in memory and brings it forward from the
events other processes committed (or re-reads the item rows when it is far behind). ``state_at``
rebuilds the past with ``board.events.replay`` from the nearest known state, forward or backward:
a snapshot, kept every ``SNAPSHOT_EVERY`` events in memory and in the database
(``server.store.snapshots``), so that the past opens fast in any process, even after a restart.
Event rows are decoded by ``board.events`` only. The writer (:class:`server.store.op_path.OpPath`) is a
store that can also write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, Text, cast, select

from board import BoardState
from board.core import Change, Committed
from board.errors import NotFound
from board.events import Direction, changes_from_row, from_row, replay
from board.model import Item, item_from_dict
from server.store.db import BoardRow, EventRow, ItemRow
from server.store.row_problems import RowProblems
from server.store.snapshots import FORMAT, SNAPSHOT, RecentSnapshots, SnapshotWriter, decode

BOARD = BoardRow.__table__  # type: ignore[attr-defined]
ITEM = ItemRow.__table__  # type: ignore[attr-defined]
EVENT = EventRow.__table__  # type: ignore[attr-defined]

# A cached board this many events behind the table is brought forward from the events, not re-read.
CATCH_UP_EVENTS = 200
MAX_SEQ = 2**31 - 1  # the event.seq column is a 32-bit integer
# The board is kept (stored, and in memory) as of every this many events, to start replays from:
# ``state_at`` then replays at most about half as many events. See bench/bench_state_at.py.
SNAPSHOT_EVERY = 200
# What decoding a stored item that no longer fits its kind raises.
UNDECODABLE = (KeyError, TypeError, ValueError, AttributeError)


def snapshot_due(seq: int) -> bool:
    """Whether the board as of event ``seq`` is kept as a snapshot (by the writer, or a replay)."""
    return seq > 0 and seq % SNAPSHOT_EVERY == 0


def nearest_start(seq: int, known: set[int]) -> int:
    """The known moment (seqs of states at hand: 0 is the empty board) fewest events away from ``seq``;
    of two as near, the earlier (a forward replay never needs the newest board read)."""
    return min(known, key=lambda s: (abs(s - seq), s))


class ChangeRow(NamedTuple):
    seq: int
    changes: list[dict[str, Any]]


class BoardStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cache: dict[str, BoardState] = {}
        # The board at snapshot moments, by board and seq: met by replays, decoded, or just written.
        self._snapshots = RecentSnapshots()
        self.snapshot_writer = SnapshotWriter(engine)
        # How many events replays have applied (the figure that says how far a snapshot was).
        self.events_replayed = 0
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

    def held_state(self, board_id: str) -> BoardState | None:
        """The board as this process last read or wrote it, with no database read (it may be behind
        another process's commits: ``state`` says for sure). Treat it as read-only."""
        return self._cache.get(board_id)

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

    def first_event_from(self, board_id: str, when: float) -> int | None:
        """The seq of the board's first event at or after ``when`` (epoch seconds), or None. Events are
        taken in time order (the index on ``at``): the same as seq order while the clock runs forward."""
        query = (
            select(EVENT.c.seq)
            .where(EVENT.c.board_id == board_id, EVENT.c.at >= datetime.fromtimestamp(when, UTC))
            .order_by(EVENT.c.at, EVENT.c.seq)
            .limit(1)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

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

    def newest_seq(self, board_id: str) -> int:
        """The seq of the board's newest event (a cheap look, without reading the board)."""
        with self.engine.connect() as conn:
            seq = conn.execute(select(BOARD.c.seq).where(BOARD.c.id == board_id)).scalar_one_or_none()
        if seq is None:
            raise NotFound(f"no board '{board_id}'")
        return int(seq)

    def state_at(self, board_id: str, seq: int) -> BoardState:
        """The board as it was right after event ``seq`` (the newest state for a later seq), replayed
        from the nearest state known: the start, a snapshot (kept in memory or stored), or now."""
        newest = self.newest_seq(board_id)
        if seq >= newest:
            return self.state(board_id)
        if seq < 1:
            raise NotFound(f"board '{board_id}' has no event {seq}")
        stored = self._stored(board_id)
        start = self._start(board_id, seq, stored, newest)
        with self.engine.connect() as conn:
            if start.seq <= seq:
                rows, direction = self._change_rows(conn, board_id, start.seq, seq), Direction.FORWARD
            else:
                rows, direction = self._change_rows(conn, board_id, seq, start.seq), Direction.BACKWARD
        return self._replay_to(start, rows, direction, seq, stored)

    def keep_snapshots(self, board_id: str) -> None:
        """Store the snapshots the board's history is missing (a board from before they were kept, or
        whose rows were lost), by one forward replay: done when a history page opens."""
        newest = self.newest_seq(board_id)
        stored = self._stored(board_id)
        missing = [s for s in range(1, newest + 1) if snapshot_due(s) and s not in stored]
        if not missing:
            return
        start = self._start(board_id, missing[0], set(stored), newest=None, at_or_before=True)
        with self.engine.connect() as conn:
            rows = self._change_rows(conn, board_id, start.seq, newest)
        self._replay_to(start, rows, Direction.FORWARD, newest, stored)

    def flush_snapshots(self, timeout: float | None = None) -> None:
        """Wait until the snapshots handed to the background writer are stored."""
        self.snapshot_writer.flush(timeout)

    def close(self) -> None:
        """Before the engine is disposed: the snapshots handed over are stored, no more are taken."""
        self.snapshot_writer.close()

    def _stored(self, board_id: str) -> set[int]:
        """The seqs of the board's stored snapshots this piboard can read (others are reported)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(SNAPSHOT.c.seq, SNAPSHOT.c.format).where(SNAPSHOT.c.board_id == board_id)
            ).all()
        for seq, stored_format in rows:
            if stored_format != FORMAT:
                self.row_problems.report(
                    board_id,
                    f"snapshot {seq}",
                    f"was written in an older format ({stored_format}, now {FORMAT}); "
                    "the past is replayed from the events instead, and the snapshot rewritten",
                )
        return {seq for seq, stored_format in rows if stored_format == FORMAT}

    def _start(
        self, board_id: str, seq: int, stored: set[int], newest: int | None, *, at_or_before: bool = False
    ) -> BoardState:
        """The known state nearest to ``seq`` to replay from (only those at or before it, if asked):
        the empty board, a snapshot (in memory, or stored: one that does not decode is reported and
        dropped from ``stored``), or now (unless ``newest`` is None)."""
        kept = self._snapshots.seqs(board_id)
        while True:
            known = {0, *kept, *stored} | ({newest} if newest is not None else set())
            if at_or_before:
                known = {s for s in known if s <= seq}
            begin = nearest_start(seq, known)
            if begin == 0:
                return BoardState(board_id, 0)
            if begin == newest:
                return self.state(board_id)
            state = self._snapshots.get(board_id, begin) or self._stored_snapshot(board_id, begin)
            if state is not None:
                self._snapshots.put(state)
                return state
            kept.discard(begin)
            stored.discard(begin)

    def _stored_snapshot(self, board_id: str, seq: int) -> BoardState | None:
        with self.engine.connect() as conn:
            data = conn.execute(
                select(SNAPSHOT.c.data).where(SNAPSHOT.c.board_id == board_id, SNAPSHOT.c.seq == seq)
            ).scalar_one_or_none()
        if data is None:
            return None
        try:
            return decode(board_id, seq, bytes(data))
        except UNDECODABLE as exc:
            self.row_problems.report(
                board_id,
                f"snapshot {seq}",
                f"could not be read ({exc!r}); the past is replayed from the events instead",
            )
            return None

    def _replay_to(
        self, state: BoardState, rows: list[ChangeRow], direction: Direction, seq: int, stored: set[int]
    ) -> BoardState:
        """Replay ``rows`` (in seq order) onto ``state`` to reach ``seq``, block by block, keeping the
        board at every snapshot moment met on the way: in memory, and stored if it was not."""
        forward = direction is Direction.FORWARD
        block: list[ChangeRow] = []
        for row in rows if forward else reversed(rows):
            block.append(row)
            reached = row.seq if forward else row.seq - 1
            if reached == seq or snapshot_due(reached):
                state = self._replay(state, block if forward else block[::-1], direction, reached)
                self.events_replayed += len(block)
                block = []
                if snapshot_due(reached):
                    self._keep_snapshot(state, stored=reached in stored)
        return state

    def _keep_snapshot(self, state: BoardState, *, stored: bool) -> None:
        """Remember the board at a snapshot moment; have it stored unless it is already."""
        self._snapshots.put(state)
        if not stored:
            self.snapshot_writer.keep(state)

    def boards(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(BOARD).order_by(BOARD.c.created_at)).mappings()
            return [dict(r) for r in rows]
