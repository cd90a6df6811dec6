"""A board edit to what the tracker owns, written to the tracker instead (write-back on).

When write-back is on, a person's edit to the summary, points or (once the PI runs) the sprint of a
linked item is refused on the board and offered as a write to the tracker (``board.tracker``). This
writes it there, once the board's own rules allow the edit (the person's role and team, the lock, the
values: the same check the op path makes, without the tracker's holding), and asks for a poll, so the
change comes back through the one edit path by the tracker's actor, as every change from it does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from board import Actor, Op
from board.errors import IllegalTransition, Invalid
from board.model import Feature, Story
from board.ops import Context, preview_op
from board.tracker import FIELD_WORDS, WRITTEN_BACK, owned_fields
from server.store.op_path import OpPath
from server.store.trackers import TrackerStore
from server.watch.trackers.push import Planner, WriterFactory, default_writer


@dataclass(frozen=True)
class WrittenBack:
    key: str
    text: str


class TrackerWriteBack:
    def __init__(
        self,
        op_path: OpPath,
        store: TrackerStore,
        *,
        writer: WriterFactory = default_writer,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.op_path = op_path
        self.store = store
        self.writer = writer
        self.clock = clock

    def write(self, board_id: str, op: Op, actor: Actor) -> WrittenBack:
        """Write ``op``'s change of a linked item to the tracker, as ``actor`` asked on the board."""
        status = self.store.status(board_id)
        if status is None or status.state != "syncing":
            raise IllegalTransition("this board is not synced with a tracker now")
        product = status.product_name
        if not status.settings.write_back:
            raise IllegalTransition(f"write-back to {product} is off: change it in {product}")
        state = self.op_path.state(board_id)
        kind, _, verb = op.type.partition(".")
        item = state.items[kind].get(op.target or "") if kind in ("story", "feature") else None
        if verb != "update" or not isinstance(item, Story | Feature) or not item.external_key:
            raise Invalid(f"only an edit of an item from {product} is written back")
        changed = {name: value for name, value in op.args.items() if getattr(item, name, None) != value}
        owned = owned_fields(kind, executing=state.meta.execution_started)
        if not changed:
            raise Invalid("nothing to change")
        if not set(changed) <= owned & WRITTEN_BACK:
            names = ", ".join(FIELD_WORDS.get(n, n) for n in sorted(set(changed) - (owned & WRITTEN_BACK)))
            raise Invalid(f"the {names} is not written back to {product}: change it on the board or there")
        # The board's own rules, as if the item were the board's: may this person make this edit?
        preview_op(state, op, actor, Context(time.time(), lambda: "write-back", state.seq + 1))
        writer = self.writer(status, self.store.credentials(board_id).token.reveal())
        key = item.external_key
        try:
            held = writer.read()
            if key not in held.issues:
                raise Invalid(f"{key} is not in {product}'s scope any more")
            if "title" in changed:
                writer.set_summary(key, str(changed["title"]))
            if "points" in changed:
                if not held.has_points:
                    raise Invalid(f"{product} keeps no story points for {key}")
                writer.set_points(key, int(changed["points"]))
            if "iteration_id" in changed:
                sprint = Planner(state, held, status.memory, writer).sprint(changed["iteration_id"])
                if sprint is None:
                    raise Invalid(f"{product} has no sprint for that iteration")
                writer.set_sprint(key, sprint)
        finally:
            writer.close()
        words = ", ".join(FIELD_WORDS.get(n, n) for n in changed)
        text = f"{actor.name} wrote the {words} of {key} to {product}"
        self.store.log(board_id, "write-back", text)
        self.store.poll_now(board_id, self.clock())
        return WrittenBack(key, f"Written to {product}: the {words} of {key}. The board follows at once.")
