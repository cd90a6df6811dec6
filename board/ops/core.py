"""The machinery every op goes through: what it may know (:class:`Context`), the overlay it writes
on (:class:`Tx`), the registry of handlers, and :func:`apply_op` / :func:`preview_op`, which
authorise an op (the role rule, narrowed to the teams it touches) before its handler runs.

``apply_op`` never mutates the state it is given when it refuses: handlers work on a :class:`Tx`
overlay, and only an op that passes every check is written back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from board import fields as f
from board.core import Change, Committed, Op
from board.errors import Invalid, NotFound, Stale
from board.model import (
    BoardState,
    Dependency,
    Feature,
    FeatureKind,
    Item,
    Member,
    Meta,
    Objective,
    Risk,
    Story,
)
from board.roles import Actor, authorise
from board.tracker import SyncTerms, tracker_refusal

MAX_ARGS = 40


def _no_history(seq: int) -> Committed | None:
    return None


@dataclass(frozen=True)
class Context:
    """What an op may know of the world: the time, a source of fresh ids, the seq it will get, and
    the board's earlier events by seq (an undo reads the event it reverses), the board's terms with
    its tracker when it is synced with one, and the teams of the other trains of its solution."""

    now: float
    new_id: Callable[[], str]
    seq: int
    history: Callable[[int], Committed | None] = _no_history
    sync: SyncTerms | None = None
    # "<board>/<team>" -> the words naming that team of another train of this board's solution, or None
    # when it is not one (board.ops.cross_train); None: this board reaches no other train.
    other_trains: Callable[[str], str | None] | None = None


class Tx:
    """Reads through to the board, records every write as a :class:`Change`."""

    def __init__(self, state: BoardState) -> None:
        self.state = state
        self._written: dict[tuple[str, str], Item | None] = {}
        self._order: list[tuple[str, str]] = []

    def get(self, cls: type[Any], item_id: str | None) -> Any:
        """A private copy of the item to change. Replace its lists and dicts, never mutate them:
        they are shared with the snapshot other readers hold."""
        if item_id is None:
            return None
        key = (cls.kind, item_id)
        if key in self._written:
            return self._written[key]
        found = self.state.items[cls.kind].get(item_id)
        return dataclasses.replace(found) if found is not None else None

    def read(self, cls: type[Any], item_id: str) -> Any:
        """The item as this transaction has it, to read only (``get`` gives a copy to change)."""
        key = (cls.kind, item_id)
        if key in self._written:
            return self._written[key]
        return self.state.items[cls.kind].get(item_id)

    def all(self, cls: type[Any]) -> list[Any]:
        merged: dict[str, Any] = dict(self.state.items[cls.kind])
        for (kind, item_id), item in self._written.items():
            if kind == cls.kind:
                if item is None:
                    merged.pop(item_id, None)
                else:
                    merged[item_id] = item
        return list(merged.values())

    def require(self, cls: type[Any], item_id: str | None, base_version: int | None = None) -> Any:
        item = self.get(cls, item_id)
        if item is None:
            raise _missing(cls, item_id)
        if base_version is not None and item.version != base_version:
            raise Stale(
                f"this {cls.kind} was changed by someone else (version {item.version}, "
                f"you edited version {base_version})",
                current=item.to_dict(),
            )
        return item

    def require_present(self, cls: type[Any], item_id: str) -> None:
        """``require`` for an item only named (a reference), not changed: no copy is made."""
        if self.read(cls, item_id) is None:
            raise _missing(cls, item_id)

    def meta(self) -> Meta:
        """The board's settings, to change (a board has them from its first event on)."""
        meta: Meta = self.require(Meta, "meta")
        return meta

    def put(self, item: Item) -> None:
        key = (item.kind, item.id)
        original = self.state.items[item.kind].get(item.id)
        item.version = (original.version + 1) if original is not None else 1
        if key not in self._written:
            self._order.append(key)
        self._written[key] = item

    def delete(self, kind: str, item_id: str) -> None:
        key = (kind, item_id)
        if key not in self._written:
            self._order.append(key)
        self._written[key] = None

    def changes(self) -> list[Change]:
        out = []
        for kind, item_id in self._order:
            before = self.state.items[kind].get(item_id)
            after = self._written[(kind, item_id)]
            if before is None and after is None:
                continue
            out.append(
                Change(
                    kind,
                    item_id,
                    before.to_dict() if before else None,
                    after.to_dict() if after else None,
                )
            )
        return out

    def commit(self) -> None:
        """Write back copy-on-write (``BoardState.writable``): anyone still reading an earlier
        snapshot of the board keeps a consistent view."""
        for (kind, item_id), item in self._written.items():
            by_id = self.state.writable(kind)
            if item is None:
                by_id.pop(item_id, None)
            else:
                by_id[item_id] = item


def _missing(cls: type[Any], item_id: str | None) -> NotFound:
    return NotFound(f"no {cls.kind} with id '{item_id}' on this board")


def _team_of(item: Item) -> str | None:
    if isinstance(item, Risk | Objective | Story | Member | Feature):
        return item.team_id
    if isinstance(item, Dependency):
        return item.requesting_team_id
    return None


Handler = Callable[[Tx, Op, Actor, Context], None]
HANDLERS: dict[str, Handler] = {}


def handles(*op_types: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for op_type in op_types:
            HANDLERS[op_type] = fn
        return fn

    return register


def apply_op(state: BoardState, op: Op, actor: Actor, ctx: Context) -> list[Change]:
    """Check and apply one op. Returns the changes; raises a ``Refused`` and changes nothing otherwise."""
    tx = _checked(state, op, actor, ctx)
    changes = tx.changes()
    tx.commit()
    return changes


def preview_op(state: BoardState, op: Op, actor: Actor, ctx: Context) -> list[Change]:
    """What ``apply_op`` would change, checked and refused the same way, leaving the board as it is."""
    return _checked(state, op, actor, ctx).changes()


def _checked(state: BoardState, op: Op, actor: Actor, ctx: Context) -> Tx:
    may_send(state, actor, op.type)
    if len(op.args) > MAX_ARGS:
        raise Invalid(f"an op takes at most {MAX_ARGS} arguments")
    # Every string of the op is stored in its event, not only the fields a handler reads.
    f.require_texts("args", op.args)
    f.require_texts("target", op.target)
    f.require_texts("client_op_id", op.client_op_id)
    if op.type != "board.create" and state.items["meta"].get("meta") is None:
        raise NotFound("this board has not been created")
    handler = HANDLERS.get(op.type)
    if handler is None:
        raise Invalid("piboard knows no such action")
    tx = Tx(state)
    handler(tx, op, actor, ctx)
    return tx


def may_send(state: BoardState, actor: Actor, op_type: str) -> None:
    """Refuse an op type the actor may not send on this board now: their role's, and the plan lock."""
    meta = state.items["meta"].get("meta")
    authorise(actor, op_type, locked=isinstance(meta, Meta) and meta.locked)


def narrow_for_actor(
    op_type: str, actor: Actor, kind: str, before: Item | None, values: dict[str, Any]
) -> None:
    """Ask the role rule with the teams the op touches (the item's, the one it goes to) and, for a
    feature, whether it is an enabler before and after."""
    teams = []
    if before is not None:
        teams.append(_team_of(before))
    if kind == "dependency":
        if "requesting_team_id" in values:
            teams.append(values["requesting_team_id"])
    elif "team_id" in values:
        teams.append(values["team_id"])
    enabler = None
    if kind == "feature":
        kinds = {values.get("feature_kind", FeatureKind.FEATURE if before is None else None)}
        if before is not None:
            assert isinstance(before, Feature)
            kinds.add(before.feature_kind)
        kinds.discard(None)
        enabler = kinds == {FeatureKind.ENABLER}
    authorise(actor, op_type, *teams, enabler=enabler)


def hold_to_tracker(
    tx: Tx, actor: Actor, ctx: Context, item: Item, fields: Collection[str], *, deleting: bool = False
) -> None:
    """Refuse a change to what the board's tracker owns of a linked item (board.tracker's rule)."""
    external_key = getattr(item, "external_key", "")
    if ctx.sync is None or not external_key:
        return
    executing = tx.meta().execution_started
    refused = tracker_refusal(
        actor, item.kind, external_key, fields, ctx.sync, executing=executing, deleting=deleting
    )
    if refused is not None:
        raise refused


def only_args(op: Op, allowed: Collection[str], refusal: str) -> None:
    """Refuse an op that names an argument its type does not take, saying what it takes."""
    if set(op.args) - set(allowed):
        raise Invalid(refusal)


def need_version(op: Op) -> int:
    if op.base_version is None:
        raise Invalid("say which version of the item you edited: the version is missing")
    return op.base_version
