"""The board's life: created with its default agenda, locked for the final review, its baseline taken,
its execution started."""

from __future__ import annotations

from board.agenda import DEFAULT_AGENDA
from board.core import Op
from board.errors import IllegalTransition
from board.model import AgendaItem, Meta
from board.ops.core import Context, Tx, handles, only_args
from board.ops.schema import clean
from board.roles import Actor


@handles("board.create")
def _create_board(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """The first event of every board: its settings and the default two-day agenda."""
    if tx.get(Meta, "meta") is not None:
        raise IllegalTransition("this board exists already")
    values = clean("meta", op.args, creating=True)
    tx.put(Meta(id="meta", **values))
    for order, (day, title, minutes) in enumerate(DEFAULT_AGENDA):
        tx.put(AgendaItem(id=ctx.new_id(), day=day, order=(order + 1) * 10, title=title, minutes=minutes))


@handles("plan.lock", "plan.unlock")
def _lock(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    meta = tx.meta()
    meta.locked = op.type == "plan.lock"
    tx.put(meta)


@handles("baseline.take")
def _baseline(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """Freeze the plan as it stands after this event; later changes are shown against it."""
    meta = tx.meta()
    meta.baseline_seq = ctx.seq
    meta.baseline_at, meta.baseline_by = ctx.now, actor.name
    tx.put(meta)


@handles("execution.start")
def _start_execution(tx: Tx, op: Op, actor: Actor, ctx: Context) -> None:
    """The PI runs: from now on the board measures the plan against its baseline (and stays editable:
    it is re-planned at every ART sync)."""
    only_args(op, set(), "starting the execution takes no arguments")
    meta = tx.meta()
    if meta.baseline_seq is None:
        raise IllegalTransition("take the baseline first: execution is measured against it")
    if meta.execution_started:
        raise IllegalTransition("the PI's execution has started already")
    meta.execution_started = True
    meta.locked = False
    tx.put(meta)
