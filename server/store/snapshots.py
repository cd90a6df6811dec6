"""Persisted snapshots: the board as it was at some events, in the ``board_snapshot`` table, so that
``state_at`` in any process (a new one, one started after a restart) replays a few events, not the
whole history.

A snapshot is a cache of what the events say, never the record: the op path keeps one when an
edit lands on a snapshot moment (``server.store.board_store.snapshot_due``; a batch, the last moment
it reaches), and a replay that
meets such a moment with none stored keeps it too
(boards from before snapshots fill in as their past is read). They are
written by one background thread after the edits have committed, so an edit never waits for one and
a failed write loses nothing but the shortcut. A row that does not decode, or that was written in
another ``FORMAT``, is passed over by the reader (which replays the events instead) and reported.
"""

from __future__ import annotations

import json
import logging
import threading
import zlib
from concurrent.futures import Future, ThreadPoolExecutor, wait

from sqlalchemy import Engine, delete, insert

from board.model import BoardState, item_from_dict
from server.lru import LRU
from server.store.db import SnapshotRow, utcnow

log = logging.getLogger("piboard.snapshots")

SNAPSHOT = SnapshotRow.__table__  # type: ignore[attr-defined]
# The encoding's version, stored with each row: change it whenever ``encode`` writes something an
# older ``decode`` would misread (or an item's stored dict changes meaning), and older rows are ignored.
FORMAT = 1
# Boards kept in memory per board (a 12-team ART is about 1 MB of objects; a stored one decodes in ms).
IN_MEMORY = 16
# zlib's fastest level: a 12-team ART's 257 KB of JSON becomes 21 KB in under a millisecond.
_LEVEL = 1
_COMPACT = (",", ":")
# Items per ``json.dumps`` call (see ``encode``).
_CHUNK = 500


def encode(state: BoardState) -> bytes:
    """The board's items as compressed JSON, with the board and seq it claims to be.

    Written a few hundred items at a time: one ``json.dumps`` of a 20,000-item board holds the
    interpreter for tens of milliseconds, and this runs beside the threads applying people's edits."""
    compressor = zlib.compressobj(_LEVEL)
    head = json.dumps({"board_id": state.board_id, "seq": state.seq}, separators=_COMPACT)
    parts = [compressor.compress(f'{head[:-1]},"items":{{'.encode())]
    for index, (kind, by_id) in enumerate(state.items.items()):
        parts.append(compressor.compress(f"{',' if index else ''}{json.dumps(kind)}:[".encode()))
        items = list(by_id.values())
        for start in range(0, len(items), _CHUNK):
            piece = [item.to_dict() for item in items[start : start + _CHUNK]]
            chunk = json.dumps(piece, separators=_COMPACT)
            parts.append(compressor.compress(f"{',' if start else ''}{chunk[1:-1]}".encode()))
        parts.append(compressor.compress(b"]"))
    parts.append(compressor.compress(b"}}"))
    parts.append(compressor.flush())
    return b"".join(parts)


def decode(board_id: str, seq: int, data: bytes) -> BoardState:
    """The board stored by ``encode``. Raises ``ValueError`` (or the ``KeyError``/``TypeError`` of an
    item that does not decode) when the row is not a snapshot of this board at this seq."""
    try:
        document = json.loads(zlib.decompress(data))
    except zlib.error as exc:
        raise ValueError(f"not compressed data: {exc}") from exc
    if document.get("board_id") != board_id or document.get("seq") != seq:
        raise ValueError("it is a snapshot of another board or moment")
    state = BoardState(board_id, seq)
    for kind, stored in document["items"].items():
        state.items[kind] = {item.id: item for item in (item_from_dict(kind, data) for data in stored)}
    if "meta" not in state.items["meta"]:
        raise ValueError("it has no board settings (meta)")
    return state


class SnapshotWriter:
    """Writes snapshots on one background thread, in the order they were handed over."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pool: ThreadPoolExecutor | None = None
        self._pending: dict[Future[None], tuple[str, int]] = {}
        self._guard = threading.Lock()
        self._closed = False

    def keep(self, state: BoardState) -> None:
        """Store ``state`` (treated as read-only from now on) soon, replacing a row at its seq."""
        key = (state.board_id, state.seq)
        with self._guard:
            if self._closed or key in self._pending.values():
                return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="piboard-snapshots")
            future = self._pool.submit(self.write, state)
            self._pending[future] = key
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._guard:
            self._pending.pop(future, None)

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every snapshot handed over so far is written (tests, benchmarks)."""
        with self._guard:
            pending = list(self._pending)
        wait(pending, timeout=timeout)

    def close(self, timeout: float = 30) -> None:
        """Store what was handed over (for at most ``timeout`` seconds), then take nothing more: the
        engine is about to be closed, and a write after that would open it again."""
        self.flush(timeout)
        with self._guard:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def write(self, state: BoardState) -> None:
        """Encode and store one snapshot now. Never raises: a snapshot is only a shortcut."""
        try:
            data = encode(state)
            with self.engine.connect().execution_options(write=True) as conn, conn.begin():
                key = (SNAPSHOT.c.board_id == state.board_id, SNAPSHOT.c.seq == state.seq)
                conn.execute(delete(SNAPSHOT).where(*key))
                conn.execute(
                    insert(SNAPSHOT).values(
                        board_id=state.board_id, seq=state.seq, format=FORMAT, data=data, created_at=utcnow()
                    )
                )
        except Exception as exc:  # any: this runs on a background thread; the reader replays instead
            log.warning("board %s: snapshot at event %s not stored: %r", state.board_id, state.seq, exc)


class RecentSnapshots:
    """The boards at the snapshot moments this process used most recently (decoded or replayed),
    at most ``IN_MEMORY`` per board, for the replays that follow (scrubbing a timeline)."""

    def __init__(self) -> None:
        self._by_board: dict[str, LRU[int, BoardState]] = {}
        self._guard = threading.Lock()

    def seqs(self, board_id: str) -> set[int]:
        kept = self._by_board.get(board_id)
        return set(kept.keys()) if kept is not None else set()

    def get(self, board_id: str, seq: int) -> BoardState | None:
        kept = self._by_board.get(board_id)
        return kept.get(seq) if kept is not None else None

    def put(self, state: BoardState) -> None:
        with self._guard:
            kept = self._by_board.setdefault(state.board_id, LRU(IN_MEMORY))
        kept.put(state.seq, state)
